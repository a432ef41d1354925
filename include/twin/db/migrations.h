// Schema versions and declarative migrations, one version line per module.
//
// Each module that keeps tables in a database (metadata, warehouse, tracking...) declares its
// migrations as data and applies them when it opens the database:
//
//   const std::vector<db::Migration> kMigrations = {
//       {1, "documents table", "CREATE TABLE documents (...)"},
//       {2, "author index", "CREATE INDEX ...", /*sqlite_sql=*/"", /*postgresql_sql=*/"..."},
//   };
//   TWIN_RETURN_IF_ERROR(db::migrate(database, "warehouse", kMigrations));
//
// Versions live in the table twin_schema_versions(module, version), so several modules share one
// database and each keeps its own version. Migrations are applied in one transaction per call,
// under a lock, so concurrent processes opening the same database apply each step exactly once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "twin/core/status.h"
#include "twin/db/database.h"

namespace twin::db {

struct Migration {
  std::int64_t version = 0;      // 1, 2, 3...: strictly increasing within a module
  std::string description{};     // for messages: "documents table"
  std::string sql{};             // statements for every dialect (`;`-separated)
  std::string sqlite_sql{};      // when not empty, used on SQLite instead of `sql`
  std::string postgresql_sql{};  // when not empty, used on PostgreSQL instead of `sql`
};

// Brings `module`'s schema up to the last migration's version. Fails with kFailedPrecondition
// when the database holds a newer version than `migrations` knows (a newer twin wrote it), with
// kInvalidArgument when versions are not strictly increasing, and with the failing statement's
// error (naming module, version and description) when a step fails; nothing is applied then.
Status migrate(Database& database, std::string_view module, std::span<const Migration> migrations);

// The module's current schema version; 0 when it has none yet.
Result<std::int64_t> schema_version(Database& database, std::string_view module);

}  // namespace twin::db
