// Parsing of .env files with python-dotenv's rules, so the LLM Engineer's Handbook's .env keeps
// working unchanged.
//
// Supported: `KEY=VALUE`, an optional `export ` prefix, blank lines and `#` comments, inline
// ` # comments` after unquoted values, 'single quoted' values (literal), "double quoted" values
// (backslash escapes \n \t \r \\ \" and ${VAR} expansion), quoted values spanning several lines,
// and ${VAR} / ${VAR:-default} expansion in unquoted and double-quoted values. As python-dotenv
// does without override, a variable in the process environment wins over one defined earlier in
// the file. A line `KEY` with no `=` declares nothing.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twin/core/status.h"

namespace twin {

// Looks a name up in the process environment; std::nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The lookup that reads the real process environment.
EnvironmentLookup process_environment();

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;  // 1-based line where the entry starts
};

// Parses .env text; `origin` names the file in error messages ("path:line: ...").
Result<std::vector<DotenvEntry>> parse_dotenv(std::string_view text, std::string_view origin,
                                              const EnvironmentLookup& environment);

// Reads and parses a file. A missing file is kNotFound.
Result<std::vector<DotenvEntry>> read_dotenv(const std::filesystem::path& path,
                                             const EnvironmentLookup& environment);

}  // namespace twin
