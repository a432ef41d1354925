// The PostgreSQL backend over libpq: one PGconn per pooled connection, statements prepared once
// per connection (PQprepare) and run with PQexecPrepared; parameters go as text (blobs as
// binary bytea), results come back as text and are typed by their column's type OID.
#include <libpq-fe.h>

#include <array>
#include <atomic>
#include <charconv>
#include <unordered_map>

#include "backends.h"

namespace twin::db::internal {
namespace {

// Type OIDs from pg_type.h (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

Status postgresql_status(const PGresult* result, PGconn* connection, std::string_view sql) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  if (message.empty()) message = PQerrorMessage(connection);
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
    message.pop_back();
  }
  std::string text = fmt::format("postgresql: {} (in: {})", message, abbreviated(sql));
  const std::string_view code = state ? state : "";
  if (code.empty()) {
    // No SQLSTATE: the connection itself failed.
    return PQstatus(connection) == CONNECTION_OK ? Status::internal(std::move(text))
                                                 : Status::unavailable(std::move(text));
  }
  if (code == "23505") return Status::already_exists(std::move(text));
  if (code == "23503") return Status::failed_precondition(std::move(text));
  if (code.starts_with("23") || code.starts_with("22")) {
    return Status::invalid_argument(std::move(text));
  }
  if (code == "40001" || code == "40P01" || code.starts_with("08") || code == "57P01" ||
      code == "55P03") {
    return Status::unavailable(std::move(text));
  }
  if (code == "3D000") return Status::not_found(std::move(text));
  return Status::internal(std::move(text));
}

Value cell_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return {};
  const char* text = PQgetvalue(result, row, column);
  const auto length = static_cast<size_t>(PQgetlength(result, row, column));
  switch (PQftype(result, column)) {
    case kBoolOid:
      return {text[0] == 't'};
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      std::int64_t number = 0;
      std::from_chars(text, text + length, number);
      return {number};
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return {Value(std::string_view(text, length)).as_double()};
    case kByteaOid: {
      size_t size = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      Blob blob{std::string(reinterpret_cast<const char*>(bytes), size)};
      PQfreemem(bytes);
      return {std::move(blob)};
    }
    default:
      return {std::string_view(text, length)};
  }
}

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

class PostgresqlConnection final : public Connection {
 public:
  explicit PostgresqlConnection(PGconn* connection) : connection_(connection) {
    PQsetNoticeProcessor(connection_, ignore_notice, nullptr);
  }
  ~PostgresqlConnection() override { PQfinish(connection_); }

  Dialect dialect() const override { return Dialect::kPostgresql; }
  bool healthy() const override { return PQstatus(connection_) == CONNECTION_OK; }

 private:
  Result<const std::string*> prepared(std::string_view sql) {
    auto found = statements_.find(std::string(sql));
    if (found != statements_.end()) return &found->second;
    std::string name = fmt::format("twin_{}", statements_.size() + 1);
    const std::string numbered = numbered_placeholders(sql);
    ResultPtr result(PQprepare(connection_, name.c_str(), numbered.c_str(), 0, nullptr));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return fail(postgresql_status(result.get(), connection_, sql));
    }
    auto [it, inserted] = statements_.emplace(std::string(sql), std::move(name));
    return &it->second;
  }

  Result<Outcome> run(std::string_view sql, const Params& params) override {
    TWIN_ASSIGN_OR_RETURN(const std::string* name, prepared(sql));
    std::vector<std::string> numbers(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& value = params[i];
      switch (value.type()) {
        case ValueType::kNull:
          break;
        case ValueType::kInt64:
        case ValueType::kDouble:
          numbers[i] = value.as_text();
          values[i] = numbers[i].c_str();
          break;
        case ValueType::kText:
          // Text parameters are NUL-terminated: std::string keeps a NUL after its data.
          values[i] = value.bytes_view().data();
          break;
        case ValueType::kBlob:
          values[i] = value.bytes_view().data();
          lengths[i] = static_cast<int>(value.bytes_view().size());
          formats[i] = 1;
          break;
      }
    }
    ResultPtr result(PQexecPrepared(connection_, name->c_str(), static_cast<int>(params.size()),
                                    values.data(), lengths.data(), formats.data(), 0));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return fail(postgresql_status(result.get(), connection_, sql));
    }
    const int column_count = PQnfields(result.get());
    auto columns = std::make_shared<std::vector<std::string>>();
    columns->reserve(static_cast<size_t>(column_count));
    for (int c = 0; c < column_count; ++c) columns->emplace_back(PQfname(result.get(), c));
    Outcome outcome{Rows(std::move(columns)), 0};
    const int row_count = PQntuples(result.get());
    for (int r = 0; r < row_count; ++r) {
      std::vector<Value> row;
      row.reserve(static_cast<size_t>(column_count));
      for (int c = 0; c < column_count; ++c) row.push_back(cell_value(result.get(), r, c));
      outcome.rows.add(std::move(row));
    }
    const std::string_view changed = PQcmdTuples(result.get());
    std::from_chars(changed.data(), changed.data() + changed.size(), outcome.changes);
    return outcome;
  }

  Status run_script(std::string_view sql) override {
    const std::string text(sql);
    ResultPtr result(PQexec(connection_, text.c_str()));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return postgresql_status(result.get(), connection_, sql);
    }
    return Status::ok();
  }

  std::string_view begin_sql(bool serializable) const override {
    return serializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN";
  }

  Status lock_named(std::string_view key) override {
    return status_of(run("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", {key}));
  }

  PGconn* connection_;
  std::unordered_map<std::string, std::string> statements_;  // SQL -> prepared statement name
};

// Connects with `uri`, or with `uri` but database `database_name` when that is not empty.
Result<PGconn*> connect_to(const std::string& uri, const std::string& database_name) {
  const std::array<const char*, 3> keywords{"dbname", database_name.empty() ? nullptr : "dbname",
                                            nullptr};
  const std::array<const char*, 3> values{uri.c_str(), database_name.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (connection != nullptr && PQstatus(connection) == CONNECTION_OK) return connection;
  std::string message = connection ? PQerrorMessage(connection) : "out of memory";
  PQfinish(connection);
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
    message.pop_back();
  }
  std::string text =
      fmt::format("postgresql: cannot connect to {}: {}", mask_password(uri), message);
  if (message.find("does not exist") != std::string::npos &&
      message.find("database") != std::string::npos) {
    return fail(Status::not_found(std::move(text)));
  }
  if (message.find("invalid") != std::string::npos ||
      message.find("missing") != std::string::npos) {
    return fail(Status::invalid_argument(std::move(text)));
  }
  return fail(Status::unavailable(std::move(text)));
}

// The database name `uri` selects (libpq's own parsing).
std::string database_name_of(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (error != nullptr) PQfreemem(error);
  std::string name;
  for (PQconninfoOption* option = options; option && option->keyword; ++option) {
    if (std::string_view(option->keyword) == "dbname" && option->val) name = option->val;
  }
  PQconninfoFree(options);
  return name;
}

Status create_database(const std::string& uri, const std::string& database_name) {
  const std::string name = database_name.empty() ? database_name_of(uri) : database_name;
  if (name.empty()) return Status::invalid_argument("postgresql: no database named in " + uri);
  TWIN_ASSIGN_OR_RETURN(PGconn * raw, connect_to(uri, "postgres"));
  PostgresqlConnection admin(raw);
  char* quoted = PQescapeIdentifier(raw, name.c_str(), name.size());
  const std::string sql = fmt::format("CREATE DATABASE {}", quoted);
  PQfreemem(quoted);
  Status status = admin.execute_script(sql);
  // 42P04: another process created it first.
  if (!status.is_ok() && status.message().find("already exists") == std::string::npos) {
    return status;
  }
  return Status::ok();
}

class PostgresqlDatabase final : public Database {
 public:
  PostgresqlDatabase(std::string uri, const DatabaseOptions& options)
      : Database(Dialect::kPostgresql, display_uri(uri, options.database_name),
                 options.max_connections),
        uri_(std::move(uri)),
        database_name_(options.database_name) {}

 private:
  Result<std::unique_ptr<Connection>> connect() override {
    TWIN_ASSIGN_OR_RETURN(PGconn * raw, connect_to(uri_, database_name_));
    return std::unique_ptr<Connection>(std::make_unique<PostgresqlConnection>(raw));
  }

  static std::string display_uri(const std::string& uri, const std::string& database_name) {
    std::string shown = mask_password(uri);
    if (!database_name.empty()) shown += fmt::format(" (database {})", database_name);
    return shown;
  }

  std::string uri_;
  std::string database_name_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgresql(const std::string& uri,
                                                  const DatabaseOptions& options) {
  auto database = std::make_unique<PostgresqlDatabase>(uri, options);
  // Connect once now so that a bad URI fails here, not at first use.
  const auto reachable = [&]() -> Status {
    auto probe = database->acquire();
    return probe ? Status::ok() : probe.error();
  };
  Status status = reachable();
  if (status.code() == StatusCode::kNotFound && options.create_database_if_missing) {
    TWIN_RETURN_IF_ERROR(create_database(uri, options.database_name));
    status = reachable();
  }
  if (!status.is_ok()) return fail(std::move(status));
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace twin::db::internal
