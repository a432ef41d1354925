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

}  // namespace
}  // namespace twin
