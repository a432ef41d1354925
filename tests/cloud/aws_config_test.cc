// The credential chain and configuration against files laid out as `aws configure` writes them.
#include "twin/cloud/aws_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/temp_dir.h"

namespace twin::cloud {
namespace {
namespace fs = std::filesystem;
using testing_support::TempDir;

class AwsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / ".aws");
    write(".aws/credentials",
          "[default]\n"
          "aws_access_key_id = AKIDDEFAULT\n"
          "aws_secret_access_key = secret-default\n"
          "\n"
          "[dev]\n"
          "aws_access_key_id = AKIDDEV\n"
          "aws_secret_access_key = secret-dev\n"
          "aws_session_token = token-dev\n");
    write(".aws/config",
          "[default]\n"
          "region = eu-west-1\n"
          "\n"
          "[profile dev]\n"
          "region = us-west-2\n"
          "s3 =\n"
          "  max_concurrent_requests = 20\n"
          "\n"
          "[profile cfgonly]\n"
          "# keys kept in the config file, which the AWS CLI also reads\n"
          "aws_access_key_id = AKIDCFG\n"
          "aws_secret_access_key = secret-cfg\n"
          "\n"
          "[profile proc]\n"
          "credential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
          "\"SecretAccessKey\": \"secret-proc\", \"SessionToken\": \"tok\", \"Expiration\": "
          "\"2031-01-02T03:04:05Z\"}'\n"
          "\n"
          "[profile badproc]\n"
          "credential_process = sh -c 'echo denied >&2; exit 3'\n"
          "\n"
          "[profile local]\n"
          "services = local-services\n"
          "endpoint_url = http://127.0.0.1:1/all\n"
          "\n"
          "[services local-services]\n"
          "s3 =\n"
          "  endpoint_url = http://127.0.0.1:1/s3\n"
          "\n"
          "[profile empty]\n"
          "region = ap-south-1\n");
  }
  void write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_.path() / relative) << text;
  }
  Result<AwsConfig> load(std::map<std::string, std::string> env,
                         std::optional<std::string> profile = std::nullopt) {
    AwsOptions options;
    options.home = dir_.path();
    options.profile = std::move(profile);
    options.lookup = [env = std::move(env)](std::string_view name) -> std::optional<SettingValue> {
      if (auto it = env.find(std::string(name)); it != env.end())
        return SettingValue{it->second, SettingSource::kEnvironment};
      return std::nullopt;
    };
    return AwsConfig::load(options);
  }
  ResolvedCredentials credentials(std::map<std::string, std::string> env,
                                  std::optional<std::string> profile = std::nullopt) {
    auto config = load(std::move(env), std::move(profile));
    EXPECT_TRUE(config.has_value()) << config.error().to_string();
    auto resolved = config->credentials();
    EXPECT_TRUE(resolved.has_value()) << resolved.error().to_string();
    return resolved.value_or(ResolvedCredentials{});
  }
  TempDir dir_;
};

TEST_F(AwsConfigTest, DefaultProfileFromTheCredentialsFile) {
  const auto resolved = credentials({});
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(resolved.keys.secret_access_key, "secret-default");
  EXPECT_EQ(resolved.method, "shared-credentials-file");
  EXPECT_EQ(resolved.location, "~/.aws/credentials");
  EXPECT_EQ(load({})->region().value(), "eu-west-1");
}

TEST_F(AwsConfigTest, EnvironmentBeatsTheProfile) {
  const auto resolved = credentials({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                     {"AWS_SECRET_ACCESS_KEY", "secret-env"},
                                     {"AWS_SESSION_TOKEN", "tok-env"},
                                     {"AWS_PROFILE", "dev"}});
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDENV");
  EXPECT_EQ(resolved.keys.session_token, "tok-env");
  EXPECT_EQ(resolved.method, "env");
}

TEST_F(AwsConfigTest, ProfileFlagNegatesEnvironmentKeys) {
  const auto resolved = credentials(
      {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "secret-env"}}, "dev");
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDDEV");
  EXPECT_EQ(resolved.keys.session_token, "token-dev");
  auto config = load({}, "dev");
  EXPECT_EQ(config->profile_value().type, "manual");
  EXPECT_EQ(config->region().value(), "us-west-2");
  EXPECT_EQ(config->profile_setting("s3.max_concurrent_requests").value_or(""), "20");
}

TEST_F(AwsConfigTest, AwsProfileThenAwsDefaultProfile) {
  EXPECT_EQ(
      credentials({{"AWS_PROFILE", "dev"}, {"AWS_DEFAULT_PROFILE", "cfgonly"}}).keys.access_key_id,
      "AKIDDEV");
  const auto resolved = credentials({{"AWS_DEFAULT_PROFILE", "cfgonly"}});
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDCFG");
  EXPECT_EQ(resolved.method, "config-file");
}

TEST_F(AwsConfigTest, HandbookKeysAreExplicitAndWin) {
  const auto resolved = credentials({{"AWS_ACCESS_KEY", "AKIDHANDBOOK"},
                                     {"AWS_SECRET_KEY", "secret-handbook"},
                                     {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                     {"AWS_SECRET_ACCESS_KEY", "secret-env"}});
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDHANDBOOK");
  EXPECT_EQ(resolved.method, "explicit");
  auto half = load({{"AWS_ACCESS_KEY", "AKIDHANDBOOK"}})->credentials();
  ASSERT_FALSE(half.has_value());
  EXPECT_NE(half.error().message().find("AWS_SECRET_KEY"), std::string::npos);
}

TEST_F(AwsConfigTest, ProfileFlagBeatsTheHandbookKeys) {
  const auto resolved = credentials(
      {{"AWS_ACCESS_KEY", "AKIDHANDBOOK"}, {"AWS_SECRET_KEY", "secret-handbook"}}, "dev");
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDDEV");
  EXPECT_EQ(resolved.method, "shared-credentials-file");
}

TEST_F(AwsConfigTest, CredentialProcess) {
  const auto resolved = credentials({}, "proc");
  EXPECT_EQ(resolved.keys.access_key_id, "AKIDPROC");
  EXPECT_EQ(resolved.keys.session_token, "tok");
  EXPECT_EQ(resolved.method, "custom-process");
  ASSERT_TRUE(resolved.expires.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*resolved.expires), 1925089445);
  EXPECT_FALSE(credentials({}, "dev").expires.has_value());
  EXPECT_EQ(parse_aws_time("2031-01-02T03:04:05.123Z"), resolved.expires);
  EXPECT_FALSE(parse_aws_time("soon").has_value());
  auto failing = load({}, "badproc")->credentials();
  ASSERT_FALSE(failing.has_value());
  EXPECT_NE(failing.error().message().find("credential_process"), std::string::npos);
  EXPECT_NE(failing.error().message().find("denied"), std::string::npos)
      << failing.error().message();
}

TEST_F(AwsConfigTest, UnknownProfileIsAClearError) {
  auto flagged = load({}, "nope");
  ASSERT_FALSE(flagged.has_value());
  EXPECT_EQ(flagged.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(flagged.error().message().find("the config profile (nope) could not be found"),
            std::string::npos);
  auto from_env = load({{"AWS_PROFILE", "ghost"}});
  ASSERT_FALSE(from_env.has_value());
  EXPECT_NE(from_env.error().message().find("AWS_PROFILE"), std::string::npos);
}

TEST_F(AwsConfigTest, MissingCredentialsNameWhereTwinLooked) {
  auto config = load({}, "empty");
  ASSERT_TRUE(config.has_value());
  auto resolved = config->credentials();
  ASSERT_FALSE(resolved.has_value());
  EXPECT_EQ(resolved.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(resolved.error().message().find("no AWS credentials found"), std::string::npos);
  EXPECT_NE(resolved.error().message().find("~/.aws/credentials"), std::string::npos);
  EXPECT_EQ(config->region().value(), "ap-south-1");
}

TEST_F(AwsConfigTest, FilesFromTheirVariables) {
  write("other-credentials",
        "[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n");
  write("other-config", "[default]\nregion = sa-east-1\n");
  const std::map<std::string, std::string> env = {
      {"AWS_SHARED_CREDENTIALS_FILE", (dir_.path() / "other-credentials").string()},
      {"AWS_CONFIG_FILE", (dir_.path() / "other-config").string()}};
  EXPECT_EQ(credentials(env).keys.access_key_id, "AKIDOTHER");
  auto config = load(env);
  EXPECT_EQ(config->region_value().location, (dir_.path() / "other-config").string());
  EXPECT_EQ(config->region().value(), "sa-east-1");
}

TEST_F(AwsConfigTest, RegionPrecedence) {
  EXPECT_EQ(
      load({{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "us-west-1"}})->region().value(),
      "us-east-2");
  EXPECT_EQ(load({{"AWS_DEFAULT_REGION", "us-west-1"}})->region().value(), "us-west-1");
  EXPECT_EQ(load({})->region_value().type, "config-file");
  EXPECT_FALSE(load({}, "cfgonly")->region().has_value());
}

TEST_F(AwsConfigTest, EndpointOverrides) {
  auto local = load({}, "local");
  EXPECT_EQ(local->endpoint_url("s3").value_or(""), "http://127.0.0.1:1/s3");
  EXPECT_EQ(local->endpoint_url("sts").value_or(""), "http://127.0.0.1:1/all");
  auto env =
      load({{"AWS_ENDPOINT_URL", "http://any"}, {"AWS_ENDPOINT_URL_S3", "http://s3only"}}, "local");
  EXPECT_EQ(env->endpoint_url("s3").value_or(""), "http://s3only");
  EXPECT_EQ(env->endpoint_url("sts").value_or(""), "http://any");
  EXPECT_FALSE(load({})->endpoint_url("s3").has_value());
  EXPECT_EQ(default_endpoint("s3", "eu-west-1"), "https://s3.eu-west-1.amazonaws.com");
}

TEST_F(AwsConfigTest, RoleArnNeedsASource) {
  write(".aws/config", "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x\n");
  auto resolved = load({}, "role")->credentials();
  ASSERT_FALSE(resolved.has_value());
  EXPECT_NE(resolved.error().message().find("source_profile"), std::string::npos);
  write(".aws/config",
        "[profile role]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = missing\n");
  auto missing = load({}, "role")->credentials();
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("source_profile missing"), std::string::npos);
}

TEST(AwsIni, ParsesSectionsNestedKeysAndComments) {
  auto ini = parse_aws_ini(
      "; comment\n[profile  x]\nregion=eu-west-3\ns3 =\n    addressing_style = path\nother = 1\n",
      "cfg");
  ASSERT_TRUE(ini.has_value()) << ini.error().to_string();
  EXPECT_EQ(ini->at("profile x").at("region"), "eu-west-3");
  EXPECT_EQ(ini->at("profile x").at("s3.addressing_style"), "path");
  EXPECT_EQ(ini->at("profile x").at("other"), "1");
  auto bad = parse_aws_ini("[default]\nnot a key value\n", "cfg");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("cfg:2"), std::string::npos);
  EXPECT_FALSE(parse_aws_ini("[default\n", "cfg").has_value());
}

}  // namespace
}  // namespace twin::cloud
