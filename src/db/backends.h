// Internals of db/: the backend factories and the SQL text helpers they share.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "twin/db/database.h"

namespace twin::db::internal {

// `path` is a file path or ":memory:".
Result<std::unique_ptr<Database>> open_sqlite(std::string path, const DatabaseOptions& options);
Result<std::unique_ptr<Database>> open_postgresql(const std::string& uri,
                                                  const DatabaseOptions& options);

// Rewrites `?` placeholders as $1, $2... leaving quoted text, quoted identifiers, dollar-quoted
// strings and comments alone.
std::string numbered_placeholders(std::string_view sql);

// The first line of `sql`, shortened, for error messages.
std::string abbreviated(std::string_view sql);

// The URI with any password replaced by "***".
std::string mask_password(std::string_view uri);

}  // namespace twin::db::internal
