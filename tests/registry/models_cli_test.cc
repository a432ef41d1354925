// `twin models` end to end: register a folder, list, show, download, as a user would.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::registry {
namespace {

using nlohmann::json;
using testing_support::run_twin;
using testing_support::shell_quote;

std::string read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ModelsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(project_.path() / "twin.toml") << "";
    std::filesystem::create_directories(project_.path() / "model/tokenizer");
    std::ofstream(project_.path() / "model/weights.bin", std::ios::binary) << weights_;
    std::ofstream(project_.path() / "model/tokenizer/vocab.txt") << "a\nb\n";
  }
  testing_support::TempDir project_;
  const std::string weights_ = std::string("\x00\x01\x02", 3) + std::string(5000, 'w');
};

TEST_F(ModelsCliTest, RegisterListShowDownload) {
  auto registered = run_twin(
      "models register twin model --description 'first cut' --tag base=llama", project_.path());
  ASSERT_EQ(registered.exit_code, 0) << registered.err;
  EXPECT_NE(registered.out.find("registered twin version 1: 3 files"), std::string::npos)
      << registered.out;

  auto again = run_twin("models register twin model/weights.bin --json", project_.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const json second = json::parse(again.out);
  EXPECT_EQ(second["version"], 2);
  EXPECT_TRUE(second["source"].get<std::string>().starts_with("file://"));

  auto listed = run_twin("models list --json", project_.path());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json models = json::parse(listed.out);
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0]["name"], "twin");
  EXPECT_EQ(models[0]["versions"], 2);
  EXPECT_EQ(models[0]["latest_version"], 2);
  auto table = run_twin("models list", project_.path());
  EXPECT_NE(table.out.find("twin"), std::string::npos) << table.out;

  auto shown = run_twin("models show twin@1 --json", project_.path());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const json first = json::parse(shown.out);
  EXPECT_EQ(first["description"], "first cut");
  EXPECT_EQ(first["tags"]["base"], "llama");
  ASSERT_EQ(first["files"].size(), 3u);
  const std::string card = first["model_card"];
  EXPECT_TRUE(card.starts_with("---\nmodel_name: \"twin\"\nversion: 1\n")) << card;

  auto card_only = run_twin("models show twin@1 --card", project_.path());
  EXPECT_EQ(card_only.out, card);
  auto human = run_twin("models show twin", project_.path());
  EXPECT_NE(human.out.find("model        twin version 2"), std::string::npos) << human.out;

  auto downloaded = run_twin("models download twin@1 -o out", project_.path());
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  EXPECT_EQ(read_whole(project_.path() / "out/weights.bin"), weights_);
  EXPECT_EQ(read_whole(project_.path() / "out/tokenizer/vocab.txt"), "a\nb\n");
  EXPECT_EQ(read_whole(project_.path() / "out/README.md"), card);
}

// `twin models list` showed STAGE "None" (the newest version's) while version 1 was in
// Production: it lists the versions that hold a stage.
TEST_F(ModelsCliTest, ListShowsTheVersionsThatHoldAStageAndAliasesCanBeSet) {
  ASSERT_EQ(run_twin("models register twin model", project_.path()).exit_code, 0);
  ASSERT_EQ(run_twin("models register twin model", project_.path()).exit_code, 0);
  auto staged = run_twin("models stage twin@1 production", project_.path());
  ASSERT_EQ(staged.exit_code, 0) << staged.err;
  EXPECT_EQ(staged.out, "twin version 1: Production\n");
  auto aliased = run_twin("models alias twin champion 1", project_.path());
  ASSERT_EQ(aliased.exit_code, 0) << aliased.err;

  auto table = run_twin("models list", project_.path());
  EXPECT_NE(table.out.find("Production=v1"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("None"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("champion=v1"), std::string::npos) << table.out;
  const json listed = json::parse(run_twin("models list --json", project_.path()).out);
  EXPECT_EQ(listed[0]["stages"], json({{"Production", 1}}));
  EXPECT_EQ(listed[0]["latest_version"], 2);

  auto bad_stage = run_twin("models stage twin@2 Live", project_.path());
  EXPECT_EQ(bad_stage.exit_code, 2) << bad_stage.err;
  auto no_version = run_twin("models alias twin champion", project_.path());
  EXPECT_EQ(no_version.exit_code, 2) << no_version.err;
  ASSERT_EQ(run_twin("models alias twin champion --delete", project_.path()).exit_code, 0);
  EXPECT_EQ(run_twin("models show twin@champion", project_.path()).exit_code, 2);
}

TEST_F(ModelsCliTest, ErrorsSayWhatIsWrong) {
  auto missing = run_twin("models register twin no-such-dir", project_.path());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no-such-dir"), std::string::npos) << missing.err;
  auto unknown = run_twin("models show nothing@1", project_.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("nothing"), std::string::npos) << unknown.err;
  auto bad_tag = run_twin("models register twin model --tag novalue", project_.path());
  EXPECT_EQ(bad_tag.exit_code, 2) << bad_tag.err;
  auto empty = run_twin("models list", project_.path());
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("no registered models yet"), std::string::npos) << empty.out;
  auto no_model = run_twin("models show nosuch", project_.path());
  EXPECT_EQ(no_model.exit_code, 2);
  EXPECT_NE(no_model.err.find("no registered model named 'nosuch'"), std::string::npos)
      << no_model.err;
  auto no_run = run_twin("models register twin model --run nosuchrun", project_.path());
  EXPECT_EQ(no_run.exit_code, 2);
  EXPECT_NE(no_run.err.find("run 'nosuchrun': no such run"), std::string::npos) << no_run.err;
  EXPECT_EQ(run_twin("models list --json", project_.path()).out, "[]\n");
}

// Commands that only read leave no trace in a folder that has no stores yet.
TEST(ReadOnlyCommandsTest, CreateNothingInAFolderWithoutStores) {
  testing_support::TempDir empty;
  for (const char* command : {"runs list", "runs list --json", "runs show nosuch", "artifacts list",
                              "models list", "models show nosuch", "warehouse stats"}) {
    const auto result = run_twin(command, empty.path());
    EXPECT_NE(result.exit_code, 1) << command << ": " << result.err;
    EXPECT_TRUE(std::filesystem::is_empty(empty.path())) << command << " created files";
  }
  EXPECT_EQ(run_twin("runs list", empty.path()).out, "no runs yet (twin pipeline run NAME)\n");
  const auto import = run_twin("warehouse import /no/such/export", empty.path());
  EXPECT_EQ(import.exit_code, 2);
  EXPECT_NE(import.err.find("/no/such/export: no such file or folder"), std::string::npos)
      << import.err;
}

}  // namespace
}  // namespace twin::registry
