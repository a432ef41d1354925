#include "twin/core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace twin {

void init_logging(Verbosity verbosity, bool color) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(
      color ? spdlog::color_mode::always : spdlog::color_mode::never);
  auto logger = std::make_shared<spdlog::logger>("twin", sink);
  logger->set_pattern("%^%l%$: %v");
  switch (verbosity) {
    case Verbosity::kQuiet:
      logger->set_level(spdlog::level::warn);
      break;
    case Verbosity::kNormal:
      logger->set_level(spdlog::level::info);
      break;
    case Verbosity::kVerbose:
      logger->set_level(spdlog::level::debug);
      break;
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

bool should_use_color(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  const char* no_color = std::getenv("NO_COLOR");  // NOLINT(concurrency-mt-unsafe)
  if (no_color != nullptr && *no_color != '\0') return false;
  // FORCE_COLOR set to anything but 0 colours output that is not a terminal (NO_COLOR wins).
  const char* force = std::getenv("FORCE_COLOR");  // NOLINT(concurrency-mt-unsafe)
  if (force != nullptr && *force != '\0' && std::string_view(force) != "0") return true;
  return isatty(fd) != 0;
}

}  // namespace twin
