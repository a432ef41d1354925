// A fresh, empty database for one test, on SQLite or PostgreSQL, for conformance suites that run
// the same tests on every backend (link twin::db).
//
//   class StoreTest : public ::testing::TestWithParam<std::string> {};
//   TEST_P(StoreTest, X) {
//     ScratchDatabase scratch(GetParam());
//     if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
//     ASSERT_TRUE(scratch.error().empty()) << scratch.error();
//     auto database = db::Database::open(scratch.uri());
//   INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"));
//
// PostgreSQL tests use the server in TWIN_TEST_POSTGRES_URI (scripts/test-env.d/postgres.sh sets
// it under `make test`); each ScratchDatabase creates its own database there and drops it at the
// end, so tests running in parallel never share tables. When the variable is unset, PostgreSQL
// tests are skipped with a message saying so.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "support/temp_dir.h"
#include "twin/db/database.h"

namespace twin::testing_support {

class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string_view backend) {
    if (backend == "sqlite") {
      uri_ = "sqlite://" + (dir_.path() / "test.db").string();
      return;
    }
    const char* server = std::getenv("TWIN_TEST_POSTGRES_URI");
    if (server == nullptr || *server == '\0') {
      skip_reason_ =
          "TWIN_TEST_POSTGRES_URI is unset: run the tests with scripts/test-env.sh (make test) "
          "to start a PostgreSQL cluster";
      return;
    }
    server_uri_ = server;
    static std::atomic<int> counter{0};
    name_ =
        fmt::format("twin_test_{}_{}_{}", ::getpid(), counter++, std::random_device{}() % 100000);
    auto admin = db::Database::open(server_uri_, {.max_connections = 1});
    if (!admin) {
      error_ = admin.error().to_string();
      return;
    }
    if (Status created = run_script(**admin, fmt::format("CREATE DATABASE {}", name_));
        !created.is_ok()) {
      error_ = created.to_string();
      return;
    }
    uri_ = with_database(server_uri_, name_);
  }

  ~ScratchDatabase() {
    if (name_.empty() || !error_.empty()) return;
    if (auto admin = db::Database::open(server_uri_, {.max_connections = 1})) {
      (void)run_script(**admin, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name_));
    }
  }

  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // Not empty when the backend cannot be used here: the test should skip with this message.
  const std::string& skip_reason() const { return skip_reason_; }
  // Not empty when making the database failed: the test should fail with this message.
  const std::string& error() const { return error_; }
  // The database's URI (sqlite:///tmp/.../test.db or postgresql://.../twin_test_...).
  const std::string& uri() const { return uri_; }
  // PostgreSQL: the database's name; empty for SQLite.
  const std::string& database_name() const { return name_; }
  // PostgreSQL: the server's URI (TWIN_TEST_POSTGRES_URI); empty for SQLite.
  const std::string& server_uri() const { return server_uri_; }

  // `uri` with its database (the path after host:port) replaced by `database`.
  static std::string with_database(const std::string& uri, const std::string& database) {
    const size_t authority = uri.find("://");
    const size_t path = uri.find_first_of("/?", authority == std::string::npos ? 0 : authority + 3);
    if (path == std::string::npos) return uri + "/" + database;
    const size_t query = uri.find('?', path);
    return uri.substr(0, path) + "/" + database +
           (query == std::string::npos ? "" : uri.substr(query));
  }

 private:
  static Status run_script(db::Database& database, const std::string& sql) {
    auto connection = database.acquire();
    if (!connection) return connection.error();
    return (*connection)->execute_script(sql);
  }

  TempDir dir_;
  std::string uri_;
  std::string name_;
  std::string server_uri_;
  std::string skip_reason_;
  std::string error_;
};

}  // namespace twin::testing_support
