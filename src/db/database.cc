#include "twin/db/database.h"

#include <condition_variable>
#include <mutex>
#include <random>
#include <ranges>
#include <thread>
#include <utility>
#include <vector>

#include "backends.h"

namespace twin::db {

std::string_view to_string(Dialect dialect) {
  return dialect == Dialect::kSqlite ? "sqlite" : "postgresql";
}

namespace {
constexpr std::string_view kSqliteScheme = "sqlite://";
}  // namespace

std::string resolve_sqlite_uri(std::string_view uri, const std::filesystem::path& base) {
  if (!uri.starts_with(kSqliteScheme) || uri.starts_with("sqlite:///") ||
      uri == "sqlite://:memory:" || base.empty()) {
    return std::string(uri);
  }
  return std::string(kSqliteScheme) +
         (base / std::string(uri.substr(kSqliteScheme.size()))).string();
}

bool sqlite_file_missing(std::string_view uri, const std::filesystem::path& base) {
  if (!uri.starts_with(kSqliteScheme) || uri == "sqlite://:memory:") return false;
  const std::string resolved = resolve_sqlite_uri(uri, base);
  const std::string_view path(resolved);
  std::error_code ec;
  return !std::filesystem::exists(
      std::string(path.substr(kSqliteScheme.size(), path.find('?') - kSqliteScheme.size())), ec);
}

// ---- Connection: state checks here, the dialect's work in run/run_script.

Result<std::int64_t> Connection::execute(std::string_view sql, const Params& params) {
  TWIN_ASSIGN_OR_RETURN(Outcome outcome, run(sql, params));
  return outcome.changes;
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
  TWIN_ASSIGN_OR_RETURN(Outcome outcome, run(sql, params));
  return std::move(outcome.rows);
}

Result<std::optional<Row>> Connection::query_one(std::string_view sql, const Params& params) {
  TWIN_ASSIGN_OR_RETURN(Outcome outcome, run(sql, params));
  return outcome.rows.first();
}

Status Connection::execute_script(std::string_view sql) { return run_script(sql); }

Status Connection::begin(bool serializable) {
  if (in_transaction_) {
    return Status::failed_precondition("begin: a transaction is already open on this connection");
  }
  TWIN_RETURN_IF_ERROR(run_script(begin_sql(serializable)));
  in_transaction_ = true;
  return Status::ok();
}

Status Connection::commit() {
  if (!in_transaction_) return Status::failed_precondition("commit: no transaction is open");
  Status status = run_script("COMMIT");
  if (!status.is_ok()) (void)run_script("ROLLBACK");
  in_transaction_ = false;
  return status;
}

Status Connection::lock_until_transaction_ends(std::string_view key) {
  if (!in_transaction_) {
    return Status::failed_precondition(
        fmt::format("lock '{}': locks last until the transaction ends; begin one first", key));
  }
  return lock_named(key);
}

Status Connection::rollback() {
  if (!in_transaction_) return Status::ok();
  in_transaction_ = false;
  return run_script("ROLLBACK");
}

// ---- Database: the pool, the factory, transactions.

struct Database::Pool {
  std::mutex mutex;
  std::condition_variable returned;
  std::vector<std::unique_ptr<Connection>> idle;
  int open = 0;
  int max = 1;
};

namespace {

// The connection each thread's innermost run_in_transaction uses, per Database.
thread_local std::vector<std::pair<const Database*, Connection*>> transactions_of_this_thread;

// Marks a connection as this thread's transaction for a Database while in scope (also when the
// transaction's function throws).
class ActiveTransaction {
 public:
  ActiveTransaction(const Database* database, Connection* connection) {
    transactions_of_this_thread.emplace_back(database, connection);
  }
  ~ActiveTransaction() { transactions_of_this_thread.pop_back(); }
  ActiveTransaction(const ActiveTransaction&) = delete;
  ActiveTransaction& operator=(const ActiveTransaction&) = delete;
};

}  // namespace

Database::Database(Dialect dialect, std::string display_uri, int max_connections)
    : dialect_(dialect), display_uri_(std::move(display_uri)), pool_(std::make_unique<Pool>()) {
  pool_->max = std::max(1, max_connections);
}

Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::open(std::string_view uri,
                                                 const DatabaseOptions& options) {
  if (uri.starts_with("sqlite://")) {
    std::string path(uri.substr(9));
    if (path.empty()) {
      return fail(Status::invalid_argument(
          fmt::format("database URI '{}' names no file: write sqlite:///path/to.db", uri)));
    }
    return internal::open_sqlite(std::move(path), options);
  }
  if (uri.starts_with("postgresql://") || uri.starts_with("postgres://")) {
    return internal::open_postgresql(std::string(uri), options);
  }
  return fail(Status::invalid_argument(
      fmt::format("unsupported database URI '{}': expected sqlite:///path/to.db or "
                  "postgresql://user@host:port/database",
                  internal::mask_password(uri))));
}

Database::BorrowedConnection::~BorrowedConnection() {
  if (owner_ != nullptr && connection_ != nullptr) owner_->give_back(std::move(connection_));
}

Result<Database::BorrowedConnection> Database::acquire() {
  {
    std::unique_lock lock(pool_->mutex);
    pool_->returned.wait(lock, [&] { return !pool_->idle.empty() || pool_->open < pool_->max; });
    if (!pool_->idle.empty()) {
      auto connection = std::move(pool_->idle.back());
      pool_->idle.pop_back();
      return BorrowedConnection(this, std::move(connection));
    }
    ++pool_->open;
  }
  Result<std::unique_ptr<Connection>> connection = connect();
  if (!connection) {
    std::lock_guard lock(pool_->mutex);
    --pool_->open;
    pool_->returned.notify_one();
    return fail(connection.error());
  }
  return BorrowedConnection(this, std::move(*connection));
}

void Database::give_back(std::unique_ptr<Connection> connection) {
  if (connection->in_transaction() && !connection->rollback().is_ok()) connection.reset();
  if (connection && !connection->healthy()) connection.reset();
  std::lock_guard lock(pool_->mutex);
  if (connection) {
    pool_->idle.push_back(std::move(connection));
  } else {
    --pool_->open;
  }
  pool_->returned.notify_one();
}

Connection* Database::transaction_connection_of_this_thread() const {
  for (const auto& [database, connection] : std::views::reverse(transactions_of_this_thread)) {
    if (database == this) return connection;
  }
  return nullptr;
}

Result<std::int64_t> Database::execute(std::string_view sql, const Params& params) {
  if (Connection* current = transaction_connection_of_this_thread()) {
    return current->execute(sql, params);
  }
  TWIN_ASSIGN_OR_RETURN(auto connection, acquire());
  return connection->execute(sql, params);
}

Result<Rows> Database::query(std::string_view sql, const Params& params) {
  if (Connection* current = transaction_connection_of_this_thread()) {
    return current->query(sql, params);
  }
  TWIN_ASSIGN_OR_RETURN(auto connection, acquire());
  return connection->query(sql, params);
}

Result<std::optional<Row>> Database::query_one(std::string_view sql, const Params& params) {
  if (Connection* current = transaction_connection_of_this_thread()) {
    return current->query_one(sql, params);
  }
  TWIN_ASSIGN_OR_RETURN(auto connection, acquire());
  return connection->query_one(sql, params);
}

namespace {

// Waits a little longer after each failed attempt, with jitter so that contenders spread out.
void back_off(int attempt) {
  thread_local std::minstd_rand random(
      static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  const int ceiling_us = std::min(100'000, 500 << std::min(attempt, 8));
  std::uniform_int_distribution<int> jitter(ceiling_us / 2, ceiling_us);
  std::this_thread::sleep_for(std::chrono::microseconds(jitter(random)));
}

}  // namespace

Status Database::run_transaction(const std::function<Status(Connection&)>& fn,
                                 const TransactionOptions& options) {
  if (Connection* current = transaction_connection_of_this_thread()) return fn(*current);
  const int attempts = std::max(1, options.max_attempts);
  Status status;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    status = [&]() -> Status {
      TWIN_ASSIGN_OR_RETURN(auto connection, acquire());
      TWIN_RETURN_IF_ERROR(connection->begin(options.serializable));
      Status body = [&] {
        ActiveTransaction active(this, &*connection);
        return fn(*connection);
      }();
      if (!body.is_ok()) {
        (void)connection->rollback();
        return body;
      }
      return connection->commit();
    }();
    if (status.code() != StatusCode::kUnavailable) return status;
    if (attempt < attempts) back_off(attempt);
  }
  return status.with_context(fmt::format("{} attempts", attempts));
}

}  // namespace twin::db
