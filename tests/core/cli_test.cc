// End-to-end checks of the twin command line itself.
#include <gtest/gtest.h>

#include <fstream>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin {
namespace {

using testing_support::run_twin;
using testing_support::TempDir;

TEST(CliTest, VersionAndHelp) {
  TempDir dir;
  auto version = run_twin("--version", dir.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_TRUE(version.out.starts_with("twin ")) << version.out;
  auto help = run_twin("--help", dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("settings"), std::string::npos);
  auto sub_help = run_twin("settings --help", dir.path());
  EXPECT_EQ(sub_help.exit_code, 0);
  EXPECT_NE(sub_help.out.find("--json"), std::string::npos);
}

TEST(CliTest, UnknownSubcommandExitsTwoAndSuggests) {
  TempDir dir;
  auto result = run_twin("setings", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("Did you mean 'settings'?"), std::string::npos) << result.err;
  auto bad_flag = run_twin("settings --bogus", dir.path());
  EXPECT_EQ(bad_flag.exit_code, 2);
}

// `twin pipeline runn x` and `twin pipeline show x` said only "A subcommand is required".
TEST(CliTest, UnknownNestedSubcommandIsNamedWithASuggestion) {
  TempDir dir;
  auto runn = run_twin("pipeline runn x", dir.path());
  EXPECT_EQ(runn.exit_code, 2);
  EXPECT_NE(runn.err.find("'runn' is not a twin pipeline command. Did you mean 'run'?"),
            std::string::npos)
      << runn.err;
  auto show = run_twin("pipeline show x", dir.path());
  EXPECT_EQ(show.exit_code, 2);
  EXPECT_NE(show.err.find("'show' is not a twin pipeline command"), std::string::npos) << show.err;
  EXPECT_NE(show.err.find("See 'twin pipeline --help'"), std::string::npos) << show.err;
}

// `--parm who=x` was reported as "who=x --parm", reversed, with no suggestion.
TEST(CliTest, UnknownOptionIsNamedAsTypedWithTheClosestOption) {
  TempDir dir;
  auto result = run_twin("pipeline run hello --parm who=x", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("twin pipeline run has no option '--parm'. Did you mean '--param'?"),
            std::string::npos)
      << result.err;
  auto with_value = run_twin("pipeline run hello --parm=who=x", dir.path());
  EXPECT_NE(with_value.err.find("no option '--parm'"), std::string::npos) << with_value.err;
}

TEST(CliTest, SettingsShowSourcesAndMaskSecrets) {
  TempDir dir;
  std::ofstream(dir.path() / "twin.toml") << "[settings]\nDATABASE_NAME = 'from_toml'\n";
  std::ofstream(dir.path() / ".env") << "COMET_API_KEY=very-secret-value\n";
  auto result = run_twin("settings --json", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"from_toml\""), std::string::npos);
  EXPECT_NE(result.out.find("\"twin.toml\""), std::string::npos);
  EXPECT_EQ(result.out.find("very-secret-value"), std::string::npos) << "secret leaked";
  EXPECT_NE(result.out.find("********"), std::string::npos);
}

TEST(CliTest, DirectoryOptionFindsTheProjectRoot) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "project/sub");
  std::ofstream(dir.path() / "project/twin.toml") << "";
  auto result = run_twin("-C project/sub settings", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("project root: " + (dir.path() / "project").string()),
            std::string::npos)
      << result.out;
}

TEST(CliTest, MalformedDotenvIsAConfigurationError) {
  TempDir dir;
  std::ofstream(dir.path() / ".env") << "A=\"unterminated\n";
  auto result = run_twin("settings", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(".env:1: unterminated"), std::string::npos) << result.err;
}

// `twin` holds only the fast commands and execs twin-full for the rest (docs/DESIGN.md).
TEST(CliTest, TwinHandsOtherCommandsToTwinFull) {
  TempDir dir;
  auto help = run_twin("--help", dir.path());
  ASSERT_EQ(help.exit_code, 0) << help.err;
  for (const char* command : {"task", "settings", "pipeline", "runs", "warehouse", "server"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command << " missing in\n" << help.out;
  }
  auto pipelines = run_twin("-q -C . pipeline list --json", dir.path());
  EXPECT_EQ(pipelines.exit_code, 0) << pipelines.err;
  EXPECT_NE(pipelines.out.find("digital_data_etl"), std::string::npos) << pipelines.out;
  auto unknown = run_twin("pipelin", dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("Did you mean 'pipeline'?"), std::string::npos) << unknown.err;
}

TEST(CliTest, LightTwinLinksNoHeavyLibrary) {
  auto libraries = testing_support::run_shell("ldd " + testing_support::shell_quote(TWIN_BINARY),
                                              std::filesystem::current_path());
  ASSERT_EQ(libraries.exit_code, 0) << libraries.err;
  for (const char* heavy : {"libcurl", "libpq", "libxml2", "libssl", "libsqlite3", "yaml-cpp"}) {
    EXPECT_EQ(libraries.out.find(heavy), std::string::npos) << heavy << " in\n" << libraries.out;
  }
}

TEST(CliTest, MissingTwinFullIsNamed) {
  TempDir dir;
  std::filesystem::copy_file(TWIN_BINARY, dir.path() / "twin");
  auto result = testing_support::run_shell("./twin pipeline list", dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find((dir.path() / "twin-full").string()), std::string::npos) << result.err;
  auto tasks = testing_support::run_shell("./twin --version", dir.path());
  EXPECT_EQ(tasks.exit_code, 0) << tasks.err;
}

}  // namespace
}  // namespace twin
