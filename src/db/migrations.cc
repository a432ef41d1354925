#include "twin/db/migrations.h"

#include <fmt/chrono.h>

#include <chrono>

namespace twin::db {
namespace {

constexpr std::string_view kCreateVersionsTable =
    "CREATE TABLE IF NOT EXISTS twin_schema_versions ("
    " module TEXT PRIMARY KEY, version BIGINT NOT NULL, applied_at TEXT NOT NULL)";

// Serialises concurrent migrations of one PostgreSQL database until the transaction ends (SQLite
// serialises writers through BEGIN IMMEDIATE already). 0x7477696e is "twin".
constexpr std::string_view kPostgresqlMigrationLock = "SELECT pg_advisory_xact_lock(1953069422)";

// `Session` is a Connection or a Database: both answer query_one and dialect.
template <typename Session>
Result<bool> versions_table_exists(Session& connection) {
  const std::string_view sql =
      connection.dialect() == Dialect::kSqlite
          ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'twin_schema_versions'"
          : "SELECT CAST(to_regclass('twin_schema_versions') AS TEXT)";
  TWIN_ASSIGN_OR_RETURN(auto row, connection.query_one(sql));
  return row.has_value() && !row->is_null(0);
}

template <typename Session>
Result<std::int64_t> stored_version(Session& connection, std::string_view module) {
  TWIN_ASSIGN_OR_RETURN(bool exists, versions_table_exists(connection));
  if (!exists) return 0;
  TWIN_ASSIGN_OR_RETURN(
      auto row,
      connection.query_one("SELECT version FROM twin_schema_versions WHERE module = ?", {module}));
  return row ? row->int64(0) : 0;
}

Status check_order(std::string_view module, std::span<const Migration> migrations) {
  std::int64_t previous = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= previous) {
      return Status::invalid_argument(
          fmt::format("migrations of '{}': version {} ({}) does not follow version {}", module,
                      migration.version, migration.description, previous));
    }
    previous = migration.version;
  }
  return Status::ok();
}

const std::string& sql_for(const Migration& migration, Dialect dialect) {
  if (dialect == Dialect::kSqlite && !migration.sqlite_sql.empty()) return migration.sqlite_sql;
  if (dialect == Dialect::kPostgresql && !migration.postgresql_sql.empty()) {
    return migration.postgresql_sql;
  }
  return migration.sql;
}

Status apply_pending(Connection& connection, std::string_view module,
                     std::span<const Migration> migrations) {
  if (connection.dialect() == Dialect::kPostgresql) {
    TWIN_RETURN_IF_ERROR(connection.execute_script(kPostgresqlMigrationLock));
  }
  TWIN_RETURN_IF_ERROR(connection.execute_script(kCreateVersionsTable));
  TWIN_ASSIGN_OR_RETURN(std::int64_t current, stored_version(connection, module));
  const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    return Status::failed_precondition(fmt::format(
        "the database's schema of '{}' is at version {}, newer than this twin knows ({}): "
        "upgrade twin",
        module, current, latest));
  }
  if (current == latest) return Status::ok();
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    Status status = connection.execute_script(sql_for(migration, connection.dialect()));
    if (!status.is_ok()) {
      return status.with_context(fmt::format("migrating '{}' to version {} ({})", module,
                                             migration.version, migration.description));
    }
  }
  const std::string now =
      fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                  std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto recorded = connection.execute(
      "INSERT INTO twin_schema_versions (module, version, applied_at) VALUES (?, ?, ?) "
      "ON CONFLICT (module) DO UPDATE SET version = excluded.version, "
      "applied_at = excluded.applied_at",
      {module, latest, now});
  return recorded ? Status::ok() : recorded.error();
}

}  // namespace

Status migrate(Database& database, std::string_view module, std::span<const Migration> migrations) {
  TWIN_RETURN_IF_ERROR(check_order(module, migrations));
  const std::int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  // Fast path without the write lock: already up to date.
  if (auto current = schema_version(database, module); current && *current == latest) {
    return Status::ok();
  }
  return database.run_in_transaction(
      [&](Connection& connection) { return apply_pending(connection, module, migrations); });
}

Result<std::int64_t> schema_version(Database& database, std::string_view module) {
  return stored_version(database, module);
}

}  // namespace twin::db
