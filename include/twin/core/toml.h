// TOML reading with twin's error style: "file:line:column: what is wrong".
#pragma once

#include <toml++/toml.h>

#include <filesystem>

#include "twin/core/status.h"

namespace twin {

// Parses a TOML file. A missing file is kNotFound; a malformed one kInvalidArgument naming
// file:line:column.
Result<toml::table> read_toml_file(const std::filesystem::path& path);

// "file:line:column" of a node, for messages about valid TOML with wrong content.
std::string toml_location(const toml::node& node);

}  // namespace twin
