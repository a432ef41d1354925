#include "twin/core/toml.h"

#include <fstream>
#include <sstream>

namespace twin {

Result<toml::table> read_toml_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found(fmt::format("{}: no such file", path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& error) {
    return fail(Status::invalid_argument(
        fmt::format("{}:{}:{}: {}", path.string(), error.source().begin.line,
                    error.source().begin.column, error.description())));
  }
}

std::string toml_location(const toml::node& node) {
  const toml::source_region& where = node.source();
  return fmt::format("{}:{}:{}", where.path ? *where.path : std::string("<toml>"), where.begin.line,
                     where.begin.column);
}

}  // namespace twin
