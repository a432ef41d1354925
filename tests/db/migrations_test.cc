// Schema versions and migrations, on SQLite and PostgreSQL.
#include "twin/db/migrations.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/scratch_database.h"

namespace twin::db {
namespace {

using testing_support::ScratchDatabase;

const std::vector<Migration> kNotes = {
    {1, "notes table", "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"},
    {2, "notes title", "ALTER TABLE notes ADD COLUMN title TEXT"},
};

const std::vector<Migration> kTags = {
    {1, "tags table", "CREATE TABLE tags (name TEXT PRIMARY KEY)", "",
     "CREATE TABLE tags (name TEXT PRIMARY KEY); COMMENT ON TABLE tags IS 'pg only'"},
};

class MigrationsTest : public ::testing::TestWithParam<std::string> {
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

  std::int64_t version(std::string_view module) {
    auto v = schema_version(*database_, module);
    EXPECT_TRUE(v.has_value()) << v.error().to_string();
    return v.value_or(-1);
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
};

TEST_P(MigrationsTest, FreshDatabaseHasVersionZero) { EXPECT_EQ(version("notes"), 0); }

TEST_P(MigrationsTest, AppliesEveryStepAndRecordsTheVersion) {
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  EXPECT_EQ(version("notes"), 2);
  EXPECT_TRUE(
      database_->execute("INSERT INTO notes (id, body, title) VALUES (?, ?, ?)", {1, "b", "t"}));
}

TEST_P(MigrationsTest, RunningAgainChangesNothing) {
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  ASSERT_TRUE(database_->execute("INSERT INTO notes (id, body) VALUES (?, ?)", {1, "kept"}));
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  auto row = database_->query_one("SELECT body FROM notes WHERE id = 1");
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->text(0), "kept");
}

TEST_P(MigrationsTest, UpgradesFromAnOlderVersion) {
  ASSERT_TRUE(migrate(*database_, "notes", std::span(kNotes).first(1)).is_ok());
  EXPECT_EQ(version("notes"), 1);
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  EXPECT_EQ(version("notes"), 2);
}

TEST_P(MigrationsTest, ModulesKeepTheirOwnVersions) {
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  ASSERT_TRUE(migrate(*database_, "tags", kTags).is_ok());
  EXPECT_EQ(version("notes"), 2);
  EXPECT_EQ(version("tags"), 1);
}

TEST_P(MigrationsTest, NewerDatabaseThanTwinIsRefused) {
  ASSERT_TRUE(migrate(*database_, "notes", kNotes).is_ok());
  Status status = migrate(*database_, "notes", std::span(kNotes).first(1));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.to_string();
  EXPECT_NE(status.message().find("notes"), std::string::npos) << status.to_string();
}

TEST_P(MigrationsTest, FailingStepAppliesNothing) {
  std::vector<Migration> broken = kNotes;
  broken.push_back({3, "broken step", "ALTER TABLE no_such_table ADD COLUMN x TEXT"});
  Status status = migrate(*database_, "notes", broken);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("version 3 (broken step)"), std::string::npos)
      << status.to_string();
  EXPECT_EQ(version("notes"), 0);
  EXPECT_FALSE(database_->query("SELECT * FROM notes").has_value());
}

TEST_P(MigrationsTest, VersionsMustIncrease) {
  const std::vector<Migration> unordered = {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}};
  EXPECT_EQ(migrate(*database_, "x", unordered).code(), StatusCode::kInvalidArgument);
}

TEST_P(MigrationsTest, ConcurrentOpenersApplyEachStepOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto own = Database::open(scratch_->uri());
      if (!own) {
        ADD_FAILURE() << own.error().to_string();
        ++failures;
        return;
      }
      Status status = migrate(**own, "notes", kNotes);
      if (!status.is_ok()) {
        ADD_FAILURE() << status.to_string();
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(version("notes"), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace twin::db
