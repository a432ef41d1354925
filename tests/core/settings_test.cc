#include "twin/core/settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin {
namespace {

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream(path) << text;
}

TEST(SettingsTest, PrecedenceIsFlagEnvironmentDotenvTomlDefault) {
  testing_support::TempDir dir;
  write(dir.path() / "twin.toml",
        "[settings]\nA = 'toml'\nB = 'toml'\nC = 'toml'\nD = 'toml'\nN = 3\n");
  write(dir.path() / ".env", "A=dotenv\nB=dotenv\nC=dotenv\n");
  SettingsOptions options;
  options.root = dir.path();
  options.flags = {{"A", "flag"}};
  options.environment = [](std::string_view name) -> std::optional<std::string> {
    if (name == "A" || name == "B") return "env";
    return std::nullopt;
  };
  auto settings = Settings::load(options);
  ASSERT_TRUE(settings.has_value()) << settings.error().to_string();
  EXPECT_EQ(settings->get("A")->value, "flag");
  EXPECT_EQ(settings->get("A")->source, SettingSource::kFlag);
  EXPECT_EQ(settings->get("B")->value, "env");
  EXPECT_EQ(settings->get("B")->source, SettingSource::kEnvironment);
  EXPECT_EQ(settings->get("C")->source, SettingSource::kDotenv);
  EXPECT_EQ(settings->get("D")->source, SettingSource::kTwinToml);
  EXPECT_EQ(settings->get("N")->value, "3");
  EXPECT_EQ(settings->get("TWIN_METADATA_URI")->value,
            "sqlite://" + (dir.path() / ".twin").string() + "/metadata.db");
  EXPECT_EQ(settings->get("TWIN_METADATA_URI")->source, SettingSource::kDefault);
  EXPECT_FALSE(settings->get("UNKNOWN").has_value());
}

TEST(SettingsTest, TwinHomeMovesTheStateDefaults) {
  testing_support::TempDir dir;
  write(dir.path() / ".env", "TWIN_HOME=state\n");
  SettingsOptions options;
  options.root = dir.path();
  options.environment = [](std::string_view) { return std::optional<std::string>(); };
  auto settings = Settings::load(options);
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->state_dir(), dir.path() / "state");
  EXPECT_EQ(settings->get("TWIN_ARTIFACT_URI")->value,
            "file://" + (dir.path() / "state").string() + "/artifacts");
}

TEST(SettingsTest, MalformedTomlNamesFileLineAndColumn) {
  testing_support::TempDir dir;
  write(dir.path() / "twin.toml", "[settings]\nA = \n");
  SettingsOptions options;
  options.root = dir.path();
  auto settings = Settings::load(options);
  ASSERT_FALSE(settings.has_value());
  EXPECT_EQ(settings.error().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(settings.error().message().starts_with((dir.path() / "twin.toml").string() + ":2:"))
      << settings.error().message();
}

TEST(SettingsTest, SecretsAreRecognisedAndMasked) {
  EXPECT_TRUE(Settings::is_secret("AWS_SECRET_KEY"));
  EXPECT_TRUE(Settings::is_secret("HUGGINGFACE_ACCESS_TOKEN"));
  EXPECT_TRUE(Settings::is_secret("linkedin_password"));
  EXPECT_FALSE(Settings::is_secret("DATABASE_HOST"));
  EXPECT_EQ(Settings::mask("hf_abcdefghijkl"), "********");
  EXPECT_EQ(Settings::mask(""), "");
}

}  // namespace
}  // namespace twin
