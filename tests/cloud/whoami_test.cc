// `twin aws whoami` (STS GetCallerIdentity) against a loopback STS that verifies signatures with
// the npm package aws4 (web/tests/sts_server.mjs), which Debian's AWS CLI also talks to; and the
// role chain: role_arn + source_profile through AssumeRole.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/node_service.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::cloud {
namespace {
namespace fs = std::filesystem;
using testing_support::CommandOutput;
using testing_support::NodeService;
using testing_support::run_shell;
using testing_support::shell_quote;
using testing_support::TempDir;

class WhoamiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "twin.toml") << "";
    sts_ = std::make_unique<NodeService>(
        "sts_server.mjs", "--key AKIDMARA:mara-secret:123456789012:mara --container-token tok-123",
        dir_.path(), "sts");
    ASSERT_TRUE(sts_->ready()) << sts_->errors();
  }
  std::string env(const std::string& extra) const {
    return "env -i PATH=/usr/bin:/bin HOME=" + shell_quote(dir_.path().string()) +
           " AWS_REGION=us-east-1 AWS_ENDPOINT_URL_STS=" + sts_->url() + " " + extra + " ";
  }
  CommandOutput twin(const std::string& extra, const std::string& args) const {
    return run_shell(env(extra) + shell_quote(TWIN_BINARY) + " " + args, dir_.path());
  }
  TempDir dir_;
  std::unique_ptr<NodeService> sts_;
};

constexpr const char* kMara = "AWS_ACCESS_KEY_ID=AKIDMARA AWS_SECRET_ACCESS_KEY=mara-secret";

TEST_F(WhoamiTest, NamesTheCallerAsTheAwsCliDoes) {
  const CommandOutput out = twin(kMara, "aws whoami --json");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  EXPECT_EQ(json["Arn"], "arn:aws:iam::123456789012:user/mara");
  EXPECT_EQ(json["Account"], "123456789012");
  EXPECT_EQ(json["CredentialsMethod"], "env");
  const CommandOutput human = twin(kMara, "aws whoami");
  EXPECT_NE(human.out.find("arn:aws:iam::123456789012:user/mara"), std::string::npos) << human.err;
  if (!fs::exists("/usr/bin/aws")) GTEST_SKIP() << "no /usr/bin/aws to compare with";
  // The same server answers the AWS CLI: it speaks STS's real wire protocol.
  const CommandOutput aws =
      run_shell(env(kMara) + "/usr/bin/aws sts get-caller-identity --endpoint-url " + sts_->url(),
                dir_.path());
  ASSERT_EQ(aws.exit_code, 0) << aws.err;
  const auto expected = nlohmann::json::parse(aws.out);
  for (const char* field : {"UserId", "Account", "Arn"}) EXPECT_EQ(json[field], expected[field]);
}

TEST_F(WhoamiTest, RejectedSignatureAndUnknownKeyAreClearErrors) {
  const CommandOutput wrong =
      twin("AWS_ACCESS_KEY_ID=AKIDMARA AWS_SECRET_ACCESS_KEY=not-it", "aws whoami");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("SignatureDoesNotMatch"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find(sts_->url()), std::string::npos) << wrong.err;
  const CommandOutput unknown =
      twin("AWS_ACCESS_KEY_ID=AKIDNOBODY AWS_SECRET_ACCESS_KEY=x", "aws whoami");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("InvalidClientTokenId"), std::string::npos) << unknown.err;
  const CommandOutput none = twin("", "aws whoami");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no AWS credentials found"), std::string::npos) << none.err;
  const CommandOutput profile = twin("", "aws whoami --profile ghost");
  EXPECT_EQ(profile.exit_code, 2);
  EXPECT_NE(profile.err.find("the config profile (ghost) could not be found"), std::string::npos);
}

TEST_F(WhoamiTest, RoleArnWithSourceProfileAssumesTheRole) {
  fs::create_directories(dir_.path() / ".aws");
  std::ofstream(dir_.path() / ".aws" / "credentials")
      << "[base]\naws_access_key_id = AKIDMARA\naws_secret_access_key = mara-secret\n";
  std::ofstream(dir_.path() / ".aws" / "config")
      << "[profile trainer]\nrole_arn = arn:aws:iam::210987654321:role/SageMakerTrainer\n"
         "source_profile = base\nrole_session_name = twin-test\n\n"
         "[profile chained]\nrole_arn = arn:aws:iam::210987654321:role/Deployer\n"
         "source_profile = trainer\n\n"
         "[profile proc]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": "
         "\"AKIDMARA\", \"SecretAccessKey\": \"mara-secret\"}'\n";
  const CommandOutput out = twin("", "aws whoami --profile trainer --json");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  EXPECT_EQ(json["Arn"], "arn:aws:sts::210987654321:assumed-role/SageMakerTrainer/twin-test");
  EXPECT_EQ(json["CredentialsMethod"], "assume-role");
  const CommandOutput chained = twin("", "aws whoami --profile chained --json");
  ASSERT_EQ(chained.exit_code, 0) << chained.err;
  EXPECT_NE(
      nlohmann::json::parse(chained.out)["Arn"].get<std::string>().find("assumed-role/Deployer/"),
      std::string::npos);
  const CommandOutput process = twin("", "aws whoami --profile proc --json");
  ASSERT_EQ(process.exit_code, 0) << process.err;
  EXPECT_EQ(nlohmann::json::parse(process.out)["CredentialsMethod"], "custom-process");
}

TEST_F(WhoamiTest, ContainerCredentialsComeLast) {
  const std::string container = "AWS_CONTAINER_CREDENTIALS_FULL_URI=" + sts_->url() +
                                "/container-credentials AWS_CONTAINER_AUTHORIZATION_TOKEN=";
  const CommandOutput out = twin(container + "tok-123", "aws whoami --json");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  EXPECT_EQ(json["Arn"], "arn:aws:sts::123456789012:assumed-role/ContainerTask/container");
  EXPECT_EQ(json["CredentialsMethod"], "container-role");
  // Keys in the environment come first.
  const CommandOutput env_first = twin(container + "tok-123 " + kMara, "aws whoami --json");
  EXPECT_EQ(nlohmann::json::parse(env_first.out)["CredentialsMethod"], "env");
  const CommandOutput refused = twin(container + "wrong", "aws whoami");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("container credentials at " + sts_->url()), std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace twin::cloud
