// Run configs (the Handbook's configs/*.yaml given with --config) and --param overrides: the
// first line is an override `key=value`, the rest the YAML document.
#include "twin/orchestrator/run_config.h"

#include <chrono>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = twin::fuzz::as_text(data, size);
  const size_t newline = text.find('\n');
  const std::string_view assignment = text.substr(0, newline);
  const std::string_view yaml =
      newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  auto config = twin::orchestrator::parse_run_config(yaml, "config.yaml");
  if (!config) return 0;
  (void)twin::orchestrator::apply_param_override(*config, assignment);
  if (config->run_name) {
    (void)twin::orchestrator::expand_run_name(*config->run_name, std::chrono::system_clock::now());
  }
  return 0;
}
