// The SQLite backend: one sqlite3 handle per pooled connection, WAL journal, prepared statements
// cached per connection.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>
#include <unordered_map>

#include "backends.h"

namespace twin::db::internal {
namespace {

Status sqlite_status(int code, std::string_view message, std::string_view sql) {
  std::string text = fmt::format("sqlite: {} (in: {})", message, abbreviated(sql));
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::unavailable(std::move(text));
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::already_exists(std::move(text));
      }
      if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::failed_precondition(std::move(text));
      return Status::invalid_argument(std::move(text));
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::invalid_argument(std::move(text));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Status::io(std::move(text));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corruption(std::move(text));
    default:
      return Status::internal(std::move(text));
  }
}

struct PreparedStatement {
  sqlite3_stmt* statement = nullptr;
  std::shared_ptr<const std::vector<std::string>> columns;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* handle) : handle_(handle) {}
  ~SqliteConnection() override {
    for (auto& [sql, prepared] : statements_) sqlite3_finalize(prepared.statement);
    sqlite3_close_v2(handle_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  Result<PreparedStatement*> prepared(std::string_view sql) {
    auto found = statements_.find(std::string(sql));
    if (found != statements_.end()) return &found->second;
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    const int code = sqlite3_prepare_v3(handle_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement, &tail);
    if (code != SQLITE_OK) {
      return fail(sqlite_status(sqlite3_extended_errcode(handle_), sqlite3_errmsg(handle_), sql));
    }
    if (statement == nullptr) {
      return fail(Status::invalid_argument(fmt::format("sqlite: no statement in '{}'", sql)));
    }
    std::string_view rest(tail, static_cast<size_t>(sql.data() + sql.size() - tail));
    if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      sqlite3_finalize(statement);
      return fail(Status::invalid_argument(fmt::format(
          "sqlite: more than one statement in '{}' (use execute_script)", abbreviated(sql))));
    }
    auto columns = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      columns->emplace_back(sqlite3_column_name(statement, i));
    }
    auto [it, inserted] =
        statements_.emplace(std::string(sql), PreparedStatement{statement, std::move(columns)});
    return &it->second;
  }

  Status bind(sqlite3_stmt* statement, const Params& params, std::string_view sql) {
    const int expected = sqlite3_bind_parameter_count(statement);
    if (static_cast<size_t>(expected) != params.size()) {
      return Status::invalid_argument(
          fmt::format("sqlite: {} parameters given, {} expected (in: {})", params.size(), expected,
                      abbreviated(sql)));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const Value& value = params[i];
      int code = SQLITE_OK;
      switch (value.type()) {
        case ValueType::kNull:
          code = sqlite3_bind_null(statement, index);
          break;
        case ValueType::kInt64:
          code = sqlite3_bind_int64(statement, index, value.as_int64());
          break;
        case ValueType::kDouble:
          code = sqlite3_bind_double(statement, index, value.as_double());
          break;
        // The parameters outlive the statement's execution, so SQLite need not copy them.
        case ValueType::kText: {
          const std::string_view text = value.bytes_view();
          code = sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC,
                                     SQLITE_UTF8);
          break;
        }
        case ValueType::kBlob: {
          const std::string_view bytes = value.bytes_view();
          code = sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), SQLITE_STATIC);
          break;
        }
      }
      if (code != SQLITE_OK) return sqlite_status(code, sqlite3_errmsg(handle_), sql);
    }
    return Status::ok();
  }

  static Value column_value(sqlite3_stmt* statement, int i) {
    switch (sqlite3_column_type(statement, i)) {
      case SQLITE_INTEGER:
        return {static_cast<std::int64_t>(sqlite3_column_int64(statement, i))};
      case SQLITE_FLOAT:
        return {sqlite3_column_double(statement, i)};
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
        return {std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(statement, i)))};
      }
      case SQLITE_BLOB: {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, i));
        const auto size = static_cast<size_t>(sqlite3_column_bytes(statement, i));
        return {Blob{bytes == nullptr ? std::string() : std::string(bytes, size)}};
      }
      default:
        return {};
    }
  }

  Result<Outcome> run(std::string_view sql, const Params& params) override {
    TWIN_ASSIGN_OR_RETURN(PreparedStatement * prepared_statement, prepared(sql));
    sqlite3_stmt* statement = prepared_statement->statement;
    // Leaves the statement ready for its next use however this call ends.
    struct Reset {
      sqlite3_stmt* statement;
      ~Reset() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
    } reset{statement};
    TWIN_RETURN_IF_ERROR(bind(statement, params, sql));
    Outcome outcome{Rows(prepared_statement->columns), 0};
    const int column_count = sqlite3_column_count(statement);
    while (true) {
      const int code = sqlite3_step(statement);
      if (code == SQLITE_DONE) break;
      if (code != SQLITE_ROW) {
        return fail(sqlite_status(sqlite3_extended_errcode(handle_), sqlite3_errmsg(handle_), sql));
      }
      std::vector<Value> values;
      values.reserve(static_cast<size_t>(column_count));
      for (int i = 0; i < column_count; ++i) values.push_back(column_value(statement, i));
      outcome.rows.add(std::move(values));
    }
    outcome.changes = sqlite3_changes64(handle_);
    return outcome;
  }

  Status run_script(std::string_view sql) override {
    char* error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      Status status = sqlite_status(sqlite3_extended_errcode(handle_),
                                    error != nullptr ? error : "unknown error", sql);
      sqlite3_free(error);
      return status;
    }
    return Status::ok();
  }

  std::string_view begin_sql(bool /*serializable*/) const override { return "BEGIN IMMEDIATE"; }
  Status lock_named(std::string_view /*key*/) override { return Status::ok(); }

  sqlite3* handle_;
  std::unordered_map<std::string, PreparedStatement> statements_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, const DatabaseOptions& options)
      : Database(Dialect::kSqlite, "sqlite://" + path,
                 path == ":memory:" ? 1 : options.max_connections),
        path_(std::move(path)),
        busy_timeout_(options.busy_timeout) {}

 private:
  Result<std::unique_ptr<Connection>> connect() override {
    sqlite3* handle = nullptr;
    const int code = sqlite3_open_v2(
        path_.c_str(), &handle,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    if (code != SQLITE_OK) {
      Status status =
          sqlite_status(code, handle ? sqlite3_errmsg(handle) : "out of memory", "open " + path_);
      sqlite3_close_v2(handle);
      return fail(std::move(status));
    }
    auto connection = std::make_unique<SqliteConnection>(handle);
    sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout_.count()));
    // WAL lets readers run beside one writer; NORMAL sync is durable across process crashes.
    const bool in_memory = path_ == ":memory:";
    const char* setup = in_memory ? "PRAGMA foreign_keys = ON"
                                  : "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
                                    "PRAGMA synchronous = NORMAL";
    // Two processes opening a new database at once both try to switch it to WAL; SQLite then
    // answers one with "database is locked" at once, without waiting in the busy handler. Retry
    // for as long as the busy timeout allows.
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
    std::minstd_rand jitter(std::random_device{}());
    for (;;) {
      Status status = connection->execute_script(setup);
      if (status.code() != StatusCode::kUnavailable ||
          std::chrono::steady_clock::now() >= deadline) {
        TWIN_RETURN_IF_ERROR(status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + jitter() % 20));
    }
    return connection;
  }

  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(std::string path, const DatabaseOptions& options) {
  if (path != ":memory:") {
    const std::filesystem::path file(path);
    std::error_code error;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      return fail(Status::io(fmt::format("creating the folder of {}: {}", path, error.message())));
    }
  }
  auto database = std::make_unique<SqliteDatabase>(std::move(path), options);
  // Open one connection now so that a bad path fails here, not at first use.
  TWIN_ASSIGN_OR_RETURN(auto probe, database->acquire());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace twin::db::internal
