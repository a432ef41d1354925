// `twin warehouse` end to end: the binary on a temporary project, as a user runs it.
#include <gmock/gmock.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/run_twin.h"
#include "support/scratch_database.h"
#include "support/temp_dir.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using testing_support::run_twin;
using testing_support::shell_quote;
using json = nlohmann::json;

const std::filesystem::path kHandbookExport =
    TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/data_warehouse_raw_data";

class WarehouseCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kHandbookExport)) {
      GTEST_SKIP() << "the Handbook's export is not at " << kHandbookExport;
    }
    std::ofstream(project_.path() / "twin.toml") << "";
    if (GetParam() == "postgresql") {
      scratch_ = std::make_unique<testing_support::ScratchDatabase>(GetParam());
      if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
      ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
      // DATABASE_HOST names the server, DATABASE_NAME the database, as in the Handbook's .env.
      std::ofstream(project_.path() / ".env")
          << "DATABASE_HOST=" << scratch_->server_uri() << "\n"
          << "DATABASE_NAME=" << scratch_->database_name() << "\n";
    }
  }

  testing_support::CommandOutput twin(const std::string& args) {
    return run_twin(args, project_.path());
  }

  testing_support::TempDir project_;
  std::unique_ptr<testing_support::ScratchDatabase> scratch_;
};

TEST_P(WarehouseCliTest, ImportStatsFindExport) {
  auto imported = twin("warehouse import " + shell_quote(kHandbookExport.string()));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("76 documents into articles"));
  ASSERT_EQ(twin("warehouse import " + shell_quote(kHandbookExport.string())).exit_code, 0);

  auto stats = twin("warehouse stats --json");
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  const json counts = json::parse(stats.out);
  EXPECT_EQ(counts["collections"]["articles"]["documents"], 76);
  EXPECT_EQ(counts["collections"]["users"]["documents"], 2);
  EXPECT_EQ(counts["collections"]["articles"]["authors"]["Paul Iusztin"].get<int>() +
                counts["collections"]["articles"]["authors"]["Maxime Labonne"].get<int>(),
            76);

  auto found =
      twin(R"(warehouse find articles --filter '{"platform": "medium"}' --limit 2 --json)");
  ASSERT_EQ(found.exit_code, 0) << found.err;
  const json documents = json::parse(found.out);
  ASSERT_EQ(documents.size(), 2u);
  EXPECT_EQ(documents[0]["platform"], "medium");
  EXPECT_TRUE(documents[0]["_id"].is_string());

  auto table = twin("warehouse find users");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("first_name=Maxime"));

  auto exported = twin("warehouse export out");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ifstream original(kHandbookExport / "ArticleDocument.json");
  std::ifstream written(project_.path() / "out" / "ArticleDocument.json");
  EXPECT_EQ(json::parse(written), json::parse(original));
}

TEST_P(WarehouseCliTest, BadFilterAndUnknownCollectionAreErrors) {
  ASSERT_EQ(
      twin("warehouse import " + shell_quote((kHandbookExport / "UserDocument.json").string()))
          .exit_code,
      0);
  auto bad = twin(R"(warehouse find users --filter '{"first_name": {"$regex": "^M"}}')");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("$regex"));
  EXPECT_TRUE(bad.out.empty());
  auto missing = twin("warehouse find nothing_here");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("nothing_here"));
}

INSTANTIATE_TEST_SUITE_P(Backends, WarehouseCliTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(WarehouseCli, PostgresqlUriDatabaseIsUsedWhenDatabaseNameIsUnset) {
  testing_support::ScratchDatabase scratch("postgresql");
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  ASSERT_TRUE(scratch.error().empty()) << scratch.error();
  if (!std::filesystem::exists(kHandbookExport)) GTEST_SKIP() << "no Handbook export";
  testing_support::TempDir project;
  std::ofstream(project.path() / ".env") << "DATABASE_HOST=" << scratch.uri() << "\n";
  auto imported =
      run_twin("warehouse import " + shell_quote((kHandbookExport / "UserDocument.json").string()),
               project.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // The users landed in the URI's database, not in one named after DATABASE_NAME's default.
  auto database = db::Database::open(scratch.uri());
  ASSERT_TRUE(database.has_value());
  auto row = (*database)->query_one("SELECT COUNT(*) FROM wh_users");
  ASSERT_TRUE(row.has_value()) << row.error().to_string();
  EXPECT_EQ((*row)->int64(0), 2);
}

TEST(WarehouseCli, MongodbHostIsAConfigurationError) {
  testing_support::TempDir project;
  std::ofstream(project.path() / ".env")
      << "DATABASE_HOST=mongodb://llm_engineering:llm_engineering@127.0.0.1:27017\n";
  auto result = run_twin("warehouse stats", project.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("DATABASE_HOST"));
  EXPECT_THAT(result.err, HasSubstr("postgresql://"));
}

TEST(WarehouseCli, MalformedFileNamesLineAndColumnAndStoresNothing) {
  testing_support::TempDir project;
  std::ofstream(project.path() / "UserDocument.json")
      << "[{\"_id\": \"u1\", \"first_name\": \"A\", \"last_name\": \"B\"},\n {\"_id\" \"u2\"}]";
  auto result = run_twin("warehouse import UserDocument.json", project.path());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr("UserDocument.json:2:12"));
  auto stats = run_twin("warehouse stats --json", project.path());
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  const json counts = json::parse(stats.out);
  EXPECT_FALSE(counts["collections"].contains("users") &&
               counts["collections"]["users"]["documents"] != 0);
}

TEST(WarehouseCli, FilterNested55kDeepIsAUsageErrorNotACrash) {
  testing_support::TempDir project;
  const std::string filter =
      R"({"$and":)" + std::string(55'000, '[') + std::string(55'000, ']') + "}";
  auto result = run_twin("warehouse find articles --filter " + shell_quote(filter), project.path());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("--filter: JSON nested deeper than 256 levels"));
}

TEST(WarehouseCli, ImportOfADocumentNested100kDeepIsAUsageErrorNotACrash) {
  testing_support::TempDir project;
  std::ofstream(project.path() / "ArticleDocument.json")
      << R"([{"_id": "a1", "content": )" << std::string(100'000, '[') << std::string(100'000, ']')
      << "}]";
  auto result = run_twin("warehouse import ArticleDocument.json", project.path());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr("ArticleDocument.json: JSON nested deeper than 256 levels"));
}

// The Handbook's own .env (DATABASE_HOST=mongodb://...): a pipeline that needs the warehouse is
// a configuration error before any run is recorded (exit 2, no run), and `twin settings` marks
// what twin cannot serve or ignores.
TEST(WarehouseCli, HandbookEnvStopsPipelinesBeforeARunIsRecordedAndSettingsMarkIt) {
  const std::filesystem::path env_example =
      TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/env.example";
  if (!std::filesystem::exists(env_example)) GTEST_SKIP() << "no " << env_example;
  testing_support::TempDir project;
  std::ofstream(project.path() / "twin.toml") << "";
  std::filesystem::copy_file(env_example, project.path() / ".env");
  std::ofstream(project.path() / "etl.yaml")
      << "parameters:\n  user_full_name: Paul Iusztin\n  links: [https://example.com/a]\n";

  const auto run = run_twin("pipeline run digital_data_etl --config etl.yaml", project.path());
  EXPECT_EQ(run.exit_code, 2) << run.err << run.out;
  EXPECT_THAT(run.err, HasSubstr("DATABASE_HOST is a MongoDB URI"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
  const auto runs = run_twin("runs list --json", project.path());
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(json::parse(runs.out).size(), 0u) << runs.out;

  const auto features = run_twin("pipeline run feature_engineering", project.path());
  EXPECT_EQ(features.exit_code, 2) << features.err;

  const auto settings = run_twin("settings --json", project.path());
  ASSERT_EQ(settings.exit_code, 0) << settings.err;
  const json shown = json::parse(settings.out);
  EXPECT_THAT(shown["DATABASE_HOST"]["note"].get<std::string>(), HasSubstr("MongoDB"));
  EXPECT_THAT(shown["COMET_API_KEY"]["note"].get<std::string>(), HasSubstr("ignored"));
  EXPECT_FALSE(shown["USE_QDRANT_CLOUD"].contains("note"));  // twin uses it
  const auto table = run_twin("settings", project.path());
  EXPECT_THAT(table.out, HasSubstr("NOTE"));
  EXPECT_THAT(table.out, HasSubstr("twin cannot serve MongoDB"));
}

// DATABASE_HOST=sqlite://.twin/warehouse.db (what `twin init`'s .env.example suggests) is the same
// warehouse from every folder of the project: relative to the root, as TWIN_METADATA_URI.
TEST(WarehouseCli, RelativeSqliteHostResolvesAgainstTheProjectRoot) {
  if (!std::filesystem::exists(kHandbookExport)) GTEST_SKIP() << "no " << kHandbookExport;
  testing_support::TempDir project;
  std::ofstream(project.path() / "twin.toml") << "";
  std::ofstream(project.path() / ".env") << "DATABASE_HOST=sqlite://.twin/warehouse.db\n";
  std::filesystem::create_directories(project.path() / "configs");
  const auto imported =
      run_twin("warehouse import " + shell_quote((kHandbookExport / "UserDocument.json").string()),
               project.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  const auto from_configs = run_twin("warehouse stats --json", project.path() / "configs");
  ASSERT_EQ(from_configs.exit_code, 0) << from_configs.err;
  EXPECT_EQ(json::parse(from_configs.out)["collections"]["users"]["documents"], 2)
      << from_configs.out;
  EXPECT_FALSE(std::filesystem::exists(project.path() / "configs" / ".twin"));
}

TEST(WarehouseCli, StatsInAnEmptyProjectCreatesNoDatabase) {
  testing_support::TempDir project;
  std::ofstream(project.path() / "twin.toml") << "";
  auto stats = run_twin("warehouse stats --json", project.path());
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(json::parse(stats.out)["collections"], json::object());
  EXPECT_FALSE(std::filesystem::exists(project.path() / ".twin" / "warehouse.db"));
}

TEST(WarehouseCli, FindDoesNotWaitBehindAHeldWriteLock) {
  testing_support::TempDir project;
  std::ofstream(project.path() / "twin.toml") << "";
  std::ofstream(project.path() / "UserDocument.json")
      << R"([{"_id": "u1", "first_name": "A", "last_name": "B"}])";
  ASSERT_EQ(run_twin("warehouse import UserDocument.json", project.path()).exit_code, 0);
  // Another process holds the write lock for 10 s.
  testing_support::run_shell(
      "(printf 'BEGIN IMMEDIATE;\\n.shell touch locked\\n.shell sleep 10\\nROLLBACK;\\n' | "
      "sqlite3 .twin/warehouse.db; touch released) > /dev/null 2>&1 &",
      project.path());
  for (int i = 0; i < 200 && !std::filesystem::exists(project.path() / "locked"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(std::filesystem::exists(project.path() / "locked"));
  auto found = run_twin("warehouse find users --json", project.path());
  EXPECT_EQ(found.exit_code, 0) << found.err;
  EXPECT_EQ(json::parse(found.out).size(), 1U);
  EXPECT_FALSE(std::filesystem::exists(project.path() / "released"))
      << "find returned only after the writer let go";
}

}  // namespace
}  // namespace twin
