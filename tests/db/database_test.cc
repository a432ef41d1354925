// The db/ conformance suite: every test runs on SQLite and on PostgreSQL.
#include "twin/db/database.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/scratch_database.h"

namespace twin::db {
namespace {

using testing_support::ScratchDatabase;

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto opened = Database::open(scratch_->uri());
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    database_ = std::move(*opened);
  }
  void TearDown() override { database_.reset(); }

  void run(std::string_view sql) {
    auto connection = database_->acquire();
    ASSERT_TRUE(connection.has_value()) << connection.error().to_string();
    Status status = (*connection)->execute_script(sql);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  std::int64_t count(std::string_view table) {
    auto row = database_->query_one(fmt::format("SELECT COUNT(*) FROM {}", table));
    EXPECT_TRUE(row.has_value()) << row.error().to_string();
    return row && *row ? (*row)->int64(0) : -1;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
};

TEST_P(DatabaseTest, DialectMatchesUri) { EXPECT_EQ(to_string(database_->dialect()), GetParam()); }

TEST_P(DatabaseTest, TypedValuesRoundTrip) {
  run("CREATE TABLE t (i BIGINT, r DOUBLE PRECISION, s TEXT, b " +
      std::string(database_->dialect() == Dialect::kSqlite ? "BLOB" : "BYTEA") + ", n TEXT)");
  const std::string bytes("\0\x01\xff binary", 10);
  auto inserted = database_->execute(
      "INSERT INTO t (i, r, s, b, n) VALUES (?, ?, ?, ?, ?)",
      {std::int64_t{9'007'199'254'740'993}, 2.5, "héllo 'quoted'", Blob{bytes}, nullptr});
  ASSERT_TRUE(inserted.has_value()) << inserted.error().to_string();
  EXPECT_EQ(*inserted, 1);

  auto rows = database_->query("SELECT i, r, s, b, n FROM t");
  ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = (*rows)[0];
  EXPECT_EQ(row[0].type(), ValueType::kInt64);
  EXPECT_EQ(row.int64("i"), 9'007'199'254'740'993);
  EXPECT_EQ(row[1].type(), ValueType::kDouble);
  EXPECT_DOUBLE_EQ(row.real("r"), 2.5);
  EXPECT_EQ(row[2].type(), ValueType::kText);
  EXPECT_EQ(row.text("s"), "héllo 'quoted'");
  EXPECT_EQ(row[3].type(), ValueType::kBlob);
  EXPECT_EQ(row.blob("b").bytes, bytes);
  EXPECT_TRUE(row.is_null("n"));
  EXPECT_EQ(row.optional_text("n"), std::nullopt);
  EXPECT_EQ(row.columns(), (std::vector<std::string>{"i", "r", "s", "b", "n"}));
}

TEST_P(DatabaseTest, EmptyBlobIsNotNull) {
  run(std::string("CREATE TABLE t (b ") +
      (database_->dialect() == Dialect::kSqlite ? "BLOB" : "BYTEA") + ")");
  ASSERT_TRUE(database_->execute("INSERT INTO t (b) VALUES (?)", {Blob{}}).has_value());
  auto row = database_->query_one("SELECT b FROM t");
  ASSERT_TRUE(row && *row);
  EXPECT_FALSE((*row)->is_null(0));
  EXPECT_EQ((*row)->blob(0).bytes, "");
}

TEST_P(DatabaseTest, ExecuteCountsChangedRows) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT)");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        database_->execute("INSERT INTO t (k, v) VALUES (?, ?)", {fmt::format("k{}", i), i}));
  }
  auto updated = database_->execute("UPDATE t SET v = v + 10 WHERE v >= ?", {2});
  ASSERT_TRUE(updated.has_value()) << updated.error().to_string();
  EXPECT_EQ(*updated, 3);
  auto deleted = database_->execute("DELETE FROM t WHERE k = ?", {"nope"});
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, 0);
}

TEST_P(DatabaseTest, QuestionMarksInsideQuotesAndCommentsAreNotPlaceholders) {
  auto row = database_->query_one("SELECT '?' AS literal, CAST(? AS TEXT) AS bound /* ? */ -- ?\n",
                                  {"value"});
  ASSERT_TRUE(row.has_value()) << row.error().to_string();
  ASSERT_TRUE(*row);
  EXPECT_EQ((*row)->text("literal"), "?");
  EXPECT_EQ((*row)->text("bound"), "value");
}

TEST_P(DatabaseTest, InsertReturning) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT)");
  auto rows = database_->query("INSERT INTO t (k, v) VALUES (?, ?), (?, ?) RETURNING k, v * 2",
                               {"a", 1, "b", 2});
  ASSERT_TRUE(rows.has_value()) << rows.error().to_string();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[1].int64(1), 4);
}

TEST_P(DatabaseTest, UniqueViolationIsAlreadyExists) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  ASSERT_TRUE(database_->execute("INSERT INTO t (k) VALUES (?)", {"a"}));
  auto again = database_->execute("INSERT INTO t (k) VALUES (?)", {"a"});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists) << again.error().to_string();
  EXPECT_NE(again.error().message().find("INSERT INTO t"), std::string::npos)
      << again.error().to_string();
}

TEST_P(DatabaseTest, ForeignKeyViolationIsFailedPrecondition) {
  run("CREATE TABLE parent (id BIGINT PRIMARY KEY);"
      "CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES parent (id))");
  auto orphan = database_->execute("INSERT INTO child (id, parent_id) VALUES (?, ?)", {1, 42});
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().code(), StatusCode::kFailedPrecondition) << orphan.error().to_string();
}

TEST_P(DatabaseTest, SqlErrorNamesTheStatement) {
  auto bad = database_->query("SELECT * FROM no_such_table WHERE x = ?", {1});
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("no_such_table"), std::string::npos)
      << bad.error().to_string();
}

TEST_P(DatabaseTest, TransactionCommitsWhenTheFunctionSucceeds) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  Status status = database_->run_in_transaction([](Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"a"})));
    return Status::ok();
  });
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DatabaseTest, TransactionRollsBackWhenTheFunctionFails) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  Status status = database_->run_in_transaction([](Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"a"})));
    TWIN_RETURN_IF_ERROR(status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"b"})));
    return Status::invalid_argument("changed my mind");
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(count("t"), 0);
}

TEST_P(DatabaseTest, TransactionRollsBackWhenAStatementFails) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  Status status = database_->run_in_transaction([](Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"a"})));
    return status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"a"}));
  });
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(count("t"), 0);
  // The pooled connection is usable afterwards.
  EXPECT_TRUE(database_->execute("INSERT INTO t (k) VALUES (?)", {"a"}).has_value());
}

TEST_P(DatabaseTest, TransactionReturnsTheFunctionsValue) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT)");
  Result<std::int64_t> value =
      database_->run_in_transaction([](Connection& c) -> Result<std::int64_t> {
        TWIN_ASSIGN_OR_RETURN(
            auto row, c.query_one("INSERT INTO t (k, v) VALUES (?, ?) RETURNING v", {"a", 7}));
        return row ? row->int64(0) : -1;
      });
  ASSERT_TRUE(value.has_value()) << value.error().to_string();
  EXPECT_EQ(*value, 7);
}

TEST_P(DatabaseTest, NestedTransactionJoinsTheOuterOne) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  Status status = database_->run_in_transaction([&](Connection& outer) -> Status {
    TWIN_RETURN_IF_ERROR(status_of(outer.execute("INSERT INTO t (k) VALUES (?)", {"a"})));
    TWIN_RETURN_IF_ERROR(database_->run_in_transaction([&](Connection& inner) -> Status {
      EXPECT_EQ(&inner, &outer);
      return status_of(inner.execute("INSERT INTO t (k) VALUES (?)", {"b"}));
    }));
    // Database::query on this thread sees the transaction's own writes.
    TWIN_ASSIGN_OR_RETURN(auto rows, database_->query("SELECT k FROM t ORDER BY k"));
    EXPECT_EQ(rows.size(), 2u);
    return Status::failed_precondition("roll everything back");
  });
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(count("t"), 0);
}

TEST_P(DatabaseTest, ConcurrentReadModifyWriteTransactionsLoseNoUpdate) {
  run("CREATE TABLE counter (id BIGINT PRIMARY KEY, value BIGINT NOT NULL)");
  ASSERT_TRUE(database_->execute("INSERT INTO counter (id, value) VALUES (1, 0)"));
  constexpr int kThreads = 6;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status status = database_->run_in_transaction(
            [](Connection& c) -> Status {
              TWIN_ASSIGN_OR_RETURN(auto row,
                                    c.query_one("SELECT value FROM counter WHERE id = ?", {1}));
              if (!row) return Status::not_found("counter");
              return status_of(
                  c.execute("UPDATE counter SET value = ? WHERE id = ?", {row->int64(0) + 1, 1}));
            },
            {.max_attempts = 1000, .serializable = true});
        if (!status.is_ok()) {
          ADD_FAILURE() << status.to_string();
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto row = database_->query_one("SELECT value FROM counter WHERE id = 1");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->int64(0), kThreads * kIncrements);
}

TEST_P(DatabaseTest, NamedLockMakesFindOrInsertRaceFree) {
  // No unique constraint: only the lock keeps concurrent find-or-insert from duplicating.
  run("CREATE TABLE t (k TEXT)");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Status status = database_->run_in_transaction([](Connection& c) -> Status {
        TWIN_RETURN_IF_ERROR(c.lock_until_transaction_ends("t:k=x"));
        TWIN_ASSIGN_OR_RETURN(auto row, c.query_one("SELECT k FROM t WHERE k = ?", {"x"}));
        if (row) return Status::ok();
        return status_of(c.execute("INSERT INTO t (k) VALUES (?)", {"x"}));
      });
      EXPECT_TRUE(status.is_ok()) << status.to_string();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(count("t"), 1);
}

TEST_P(DatabaseTest, NamedLockNeedsATransaction) {
  auto connection = database_->acquire();
  ASSERT_TRUE(connection.has_value());
  EXPECT_EQ((*connection)->lock_until_transaction_ends("x").code(),
            StatusCode::kFailedPrecondition);
}

TEST_P(DatabaseTest, ManyThreadsShareThePool) {
  run("CREATE TABLE t (k TEXT PRIMARY KEY)");
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto inserted =
            database_->execute("INSERT INTO t (k) VALUES (?)", {fmt::format("{}-{}", t, i)});
        EXPECT_TRUE(inserted.has_value()) << inserted.error().to_string();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(count("t"), 16 * 20);
}

TEST_P(DatabaseTest, MoreThanOneStatementIsRefusedOutsideScripts) {
  run("CREATE TABLE t (k TEXT)");
  auto both = database_->execute("INSERT INTO t (k) VALUES ('a'); INSERT INTO t (k) VALUES ('b')");
  EXPECT_FALSE(both.has_value());
  EXPECT_EQ(count("t"), 0);
}

TEST_P(DatabaseTest, WrongParameterCountIsAnError) {
  auto row = database_->query_one("SELECT CAST(? AS TEXT)", {"a", "b"});
  EXPECT_FALSE(row.has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(DatabaseOpen, UnknownSchemeIsInvalidArgument) {
  auto opened = Database::open("mysql://localhost/x");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.error().message().find("sqlite://"), std::string::npos);
}

TEST(DatabaseOpen, SqliteCreatesParentFolders) {
  testing_support::TempDir dir;
  const auto path = dir.path() / "a" / "b" / "x.db";
  auto opened = Database::open("sqlite://" + path.string());
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  EXPECT_TRUE(std::filesystem::exists(path));
}

// Several processes opening one new database file at once all switch it to WAL; SQLite answers
// all but one with "database is locked" without waiting, which open must ride out.
TEST(DatabaseOpen, SqliteConcurrentFirstOpensAllSucceed) {
  testing_support::TempDir dir;
  for (int round = 0; round < 10; ++round) {
    const std::string uri = "sqlite://" + (dir.path() / fmt::format("{}.db", round)).string();
    std::vector<std::string> errors(4);
    std::vector<std::thread> openers;
    for (size_t i = 0; i < errors.size(); ++i) {
      openers.emplace_back([&, i] {
        auto opened = Database::open(uri);
        if (!opened) {
          errors[i] = opened.error().to_string();
          return;
        }
        if (auto rows = (*opened)->query("SELECT 1"); !rows) errors[i] = rows.error().to_string();
      });
    }
    for (auto& opener : openers) opener.join();
    for (const auto& error : errors) EXPECT_EQ(error, "") << "round " << round;
  }
}

TEST(DatabaseOpen, SqliteInMemory) {
  auto opened = Database::open("sqlite://:memory:");
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  Status status = (*opened)->run_in_transaction([&](Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(c.execute_script("CREATE TABLE t (k TEXT)"));
    return status_of((*opened)->execute("INSERT INTO t (k) VALUES (?)", {"x"}));
  });
  EXPECT_TRUE(status.is_ok()) << status.to_string();
}

TEST(DatabaseOpen, PostgresqlMissingDatabaseIsNotFoundUnlessCreated) {
  ScratchDatabase scratch("postgresql");
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  ASSERT_TRUE(scratch.error().empty()) << scratch.error();
  const std::string missing = scratch.database_name() + "_created";
  auto absent = Database::open(ScratchDatabase::with_database(scratch.server_uri(), missing));
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().code(), StatusCode::kNotFound) << absent.error().to_string();

  auto created = Database::open(scratch.server_uri(),
                                {.database_name = missing, .create_database_if_missing = true});
  ASSERT_TRUE(created.has_value()) << created.error().to_string();
  auto name = (*created)->query_one("SELECT current_database()");
  ASSERT_TRUE(name && *name);
  EXPECT_EQ((*name)->text(0), missing);
  created->reset();
  auto admin = Database::open(scratch.server_uri());
  ASSERT_TRUE(admin.has_value());
  auto connection = (*admin)->acquire();
  ASSERT_TRUE(connection.has_value());
  EXPECT_TRUE((*connection)->execute_script("DROP DATABASE " + missing + " WITH (FORCE)").is_ok());
}

TEST(DatabaseOpen, PasswordIsMaskedInDisplayUri) {
  auto opened = Database::open("postgresql://user:secret@127.0.0.1:1/x?connect_timeout=1");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kUnavailable) << opened.error().to_string();
  EXPECT_EQ(opened.error().message().find("secret"), std::string::npos)
      << opened.error().to_string();
}

}  // namespace
}  // namespace twin::db
