// One SQL interface over SQLite (embedded default) and PostgreSQL (to scale), in the manner of
// ml-metadata's MetadataSource: callers write one SQL text with `?` placeholders, db/ translates
// it per dialect ($1, $2... for PostgreSQL), prepares it once per connection and caches it.
//
//   TWIN_ASSIGN_OR_RETURN(auto database, db::Database::open("sqlite:///tmp/x.db"));
//   TWIN_RETURN_IF_ERROR(database->run_in_transaction([&](db::Connection& c) -> Status {
//     TWIN_ASSIGN_OR_RETURN(auto rows, c.query("SELECT id FROM t WHERE name = ?", {name}));
//     ...
//     return Status::ok();
//   }));
//
// URIs:
//   sqlite:///abs/path.db, sqlite://relative/path.db   a file (parent folders are created); WAL
//                                                      journal, busy timeout, foreign keys on
//   sqlite://:memory:                                  a private in-memory database (one
//   connection) postgresql://user@host:port/dbname?...             anything libpq accepts
//   (postgres:// too)
//
// Portable SQL: both engines accept ON CONFLICT ... DO UPDATE/NOTHING, RETURNING, CREATE ... IF
// NOT EXISTS and CAST(...). Put dialect-specific DDL in Migration::sqlite_sql/postgresql_sql.
// `?` is always a placeholder (outside quotes and comments); for PostgreSQL's jsonb `?` operator
// use jsonb_exists() instead. A parameter whose type the context does not fix in PostgreSQL
// (`SELECT ? IS NULL`) needs a CAST.
//
// Errors map to StatusCode: unique violation -> kAlreadyExists; foreign key violation ->
// kFailedPrecondition; other constraint or bad data -> kInvalidArgument; lock contention (SQLite
// BUSY/LOCKED) and serialization failures or deadlocks (PostgreSQL 40001/40P01) or a lost
// connection -> kUnavailable (run_in_transaction retries these); a missing database ->
// kNotFound; SQL errors -> kInternal. Messages name the statement.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "twin/core/status.h"
#include "twin/db/rows.h"
#include "twin/db/value.h"

namespace twin::db {

enum class Dialect { kSqlite, kPostgresql };
std::string_view to_string(Dialect dialect);

// sqlite://PATH with a relative PATH made absolute against `base` (the project root, so that a
// store is the same from every folder of the project); other URIs, sqlite:///absolute and
// sqlite://:memory: as they are.
std::string resolve_sqlite_uri(std::string_view uri, const std::filesystem::path& base);

// True when `uri` is sqlite://PATH (PATH absolute, or relative to `base`; to the working folder
// when `base` is empty) and no file is there: a reader can then answer "empty" without opening
// it, which would create it. False for other URIs and for sqlite://:memory:.
bool sqlite_file_missing(std::string_view uri, const std::filesystem::path& base = {});

// The Status of a Result whose value the caller does not need:
//   TWIN_RETURN_IF_ERROR(db::status_of(connection.execute("DELETE ...", {id})));
template <typename T>
Status status_of(const Result<T>& result) {
  return result.has_value() ? Status::ok() : result.error();
}

// One session with the database. Not thread-safe: a connection is used by one thread at a time
// (Database hands each caller its own). Statements are prepared on first use and cached for the
// connection's lifetime.
class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual Dialect dialect() const = 0;

  // Runs one statement; returns the number of rows it inserted, updated or deleted.
  Result<std::int64_t> execute(std::string_view sql, const Params& params = {});
  // Runs one statement and returns all its rows (also for INSERT ... RETURNING).
  Result<Rows> query(std::string_view sql, const Params& params = {});
  // The first row of a query, or nullopt when it returned none.
  Result<std::optional<Row>> query_one(std::string_view sql, const Params& params = {});
  // Runs several `;`-separated statements without parameters (DDL, migrations).
  Status execute_script(std::string_view sql);

  // Explicit transactions. Prefer Database::run_in_transaction, which retries and never leaves a
  // transaction open. `begin` on SQLite takes the write lock at once (BEGIN IMMEDIATE) so that
  // two writers queue on the busy timeout instead of failing when they upgrade.
  // `serializable` asks PostgreSQL for SERIALIZABLE isolation (SQLite always is).
  Status begin(bool serializable = false);
  Status commit();
  Status rollback();
  bool in_transaction() const { return in_transaction_; }

  // Holds a lock named `key` until the open transaction ends, so that transactions taking the
  // same key run one after another (e.g. find-or-insert without duplicates). PostgreSQL: an
  // advisory transaction lock; SQLite: nothing more is needed, as BEGIN IMMEDIATE already holds
  // the database's write lock. kFailedPrecondition outside a transaction.
  Status lock_until_transaction_ends(std::string_view key);

  // False once the connection is unusable (PostgreSQL connection lost); the pool drops it.
  virtual bool healthy() const { return true; }

 protected:
  Connection() = default;

  // What one statement produced: its rows and how many rows it changed.
  struct Outcome {
    Rows rows;
    std::int64_t changes = 0;
  };

 private:
  virtual Result<Outcome> run(std::string_view sql, const Params& params) = 0;
  virtual Status run_script(std::string_view sql) = 0;
  virtual std::string_view begin_sql(bool serializable) const = 0;
  virtual Status lock_named(std::string_view key) = 0;

  bool in_transaction_ = false;
};

struct DatabaseOptions {
  // Most connections open at once; callers beyond it wait. sqlite://:memory: always uses 1.
  int max_connections = 8;
  // How long SQLite waits for a lock before reporting BUSY.
  std::chrono::milliseconds busy_timeout{10'000};
  // PostgreSQL: connect to this database instead of the one the URI names (DATABASE_NAME).
  std::string database_name{};
  // PostgreSQL: when the database does not exist, create it (connecting to the
  // `postgres` database of the same server to do so).
  bool create_database_if_missing = false;
};

struct TransactionOptions {
  // Attempts in all, when the transaction fails with kUnavailable (busy, serialization failure,
  // deadlock, lost connection). The function is run again from the start each time.
  int max_attempts = 10;
  // PostgreSQL: run at SERIALIZABLE instead of READ COMMITTED.
  bool serializable = false;
};

// A pool of connections to one database. Thread-safe: any number of threads may call any method.
// Owns its connections; must outlive every BorrowedConnection it lent.
class Database {
 public:
  virtual ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens the database named by `uri` (see the top of this file). Fails with kInvalidArgument for
  // an unknown scheme, kUnavailable or kNotFound when the server or database cannot be reached.
  static Result<std::unique_ptr<Database>> open(std::string_view uri,
                                                const DatabaseOptions& options = {});

  Dialect dialect() const { return dialect_; }
  // The URI the database was opened with, with any password masked (for messages).
  const std::string& display_uri() const { return display_uri_; }

  // A connection lent to the caller until the handle is destroyed.
  class BorrowedConnection {
   public:
    BorrowedConnection(Database* owner, std::unique_ptr<Connection> connection)
        : owner_(owner), connection_(std::move(connection)) {}
    BorrowedConnection(BorrowedConnection&&) = default;
    BorrowedConnection& operator=(BorrowedConnection&&) = default;
    ~BorrowedConnection();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Database* owner_;
    std::unique_ptr<Connection> connection_;
  };
  // Waits while all max_connections are lent out. Inside run_in_transaction on this thread, use
  // the transaction's Connection instead: a second connection would wait for the first's locks.
  Result<BorrowedConnection> acquire();

  // One statement in its own implicit transaction, on a pooled connection; inside a
  // run_in_transaction on this thread, on that transaction's connection.
  Result<std::int64_t> execute(std::string_view sql, const Params& params = {});
  Result<Rows> query(std::string_view sql, const Params& params = {});
  Result<std::optional<Row>> query_one(std::string_view sql, const Params& params = {});

  // Runs `fn` in one transaction: commits when it returns ok, rolls back when it fails. Retries
  // from the start on kUnavailable (see TransactionOptions), so `fn` must have no effects outside
  // the database that cannot be repeated. A run_in_transaction nested in another on the same
  // thread and Database joins the outer transaction (no retry of its own). `fn` returns Status or
  // Result<T>; so does run_in_transaction.
  template <typename Fn>
  auto run_in_transaction(Fn&& fn, TransactionOptions options = {})
      -> std::invoke_result_t<Fn&, Connection&> {
    using R = std::invoke_result_t<Fn&, Connection&>;
    if constexpr (std::is_same_v<R, Status>) {
      return run_transaction(std::function<Status(Connection&)>(std::forward<Fn>(fn)), options);
    } else {
      std::optional<R> result;
      Status status = run_transaction(
          [&](Connection& connection) -> Status {
            result.emplace(fn(connection));
            return result->has_value() ? Status::ok() : result->error();
          },
          options);
      if (!status.is_ok()) return fail(std::move(status));
      if (!result) return fail(Status::internal("transaction ended without running its function"));
      return std::move(*result);
    }
  }

 protected:
  Database(Dialect dialect, std::string display_uri, int max_connections);

 private:
  virtual Result<std::unique_ptr<Connection>> connect() = 0;
  Status run_transaction(const std::function<Status(Connection&)>& fn,
                         const TransactionOptions& options);
  void give_back(std::unique_ptr<Connection> connection);
  Connection* transaction_connection_of_this_thread() const;

  struct Pool;
  Dialect dialect_;
  std::string display_uri_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace twin::db
