// TOML reading with twin's error style: "file:line:column: what is wrong".
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <filesystem>
#include <string_view>

#include "twin/core/json.h"
#include "twin/core/status.h"

namespace twin {

// Parses a TOML file. A missing file is kNotFound; a malformed one, or one nesting tables or
// arrays deeper than kMaxJsonDepth (see check_toml_depth), kInvalidArgument naming
// file:line:column.
Result<toml::table> read_toml_file(const std::filesystem::path& path);

// Parses TOML text; `origin` names it in errors ("origin:line:column: ..."), as read_toml_file.
Result<toml::table> parse_toml(std::string_view text, std::string_view origin);

// kInvalidArgument "<what>:line: TOML nested deeper than N levels" when tables (by [header] and
// dotted keys), arrays and inline tables in `text` may nest deeper than max_depth. One pass that
// skips strings and comments; it may overestimate (it adds a key's dots to its table's), never
// underestimate.
Status check_toml_depth(std::string_view text, std::string_view what,
                        size_t max_depth = kMaxJsonDepth);

// "file:line:column" of a node, for messages about valid TOML with wrong content.
std::string toml_location(const toml::node& node);

}  // namespace twin
