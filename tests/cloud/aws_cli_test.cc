// twin against Debian's AWS CLI (package awscli, /usr/bin/aws): `twin aws configure list` prints
// what `aws configure list` prints on the same files and environment; what twin stores in S3 the
// AWS CLI reads byte for byte, and the reverse; and a pipeline whose artifacts live in S3.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/run_twin.h"
#include "support/s3_test_env.h"
#include "support/temp_dir.h"
#include "twin/artifacts/s3_artifact_store.h"
#include "twin/cloud/sigv4.h"

namespace twin::cloud {
namespace {
namespace fs = std::filesystem;
using testing_support::CommandOutput;
using testing_support::run_shell;
using testing_support::shell_quote;
using testing_support::TempDir;

constexpr const char* kAwsCli = "/usr/bin/aws";

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

// A clean environment: HOME in the test folder, nothing of the developer's own AWS setup.
std::string clean_env(const fs::path& home, const std::string& extra) {
  return "env -i PATH=/usr/bin:/bin HOME=" + shell_quote(home.string()) + " NO_COLOR=1 " + extra +
         " ";
}

class AwsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kAwsCli))
      GTEST_SKIP() << "Debian's awscli is not installed (scripts/packages/cloud.txt)";
    std::ofstream(dir_.path() / "twin.toml") << "";
  }
  CommandOutput aws(const std::string& env, const std::string& args) {
    return run_shell(clean_env(dir_.path(), env) + kAwsCli + " " + args, dir_.path());
  }
  CommandOutput twin(const std::string& env, const std::string& args) {
    return run_shell(clean_env(dir_.path(), env) + shell_quote(TWIN_BINARY) + " " + args,
                     dir_.path());
  }
  TempDir dir_;
};

TEST_F(AwsCliTest, ConfigureListAgreesWithTheAwsCli) {
  // The files as `aws configure` itself writes them.
  const std::vector<std::string> writes = {
      "configure set aws_access_key_id AKIDDEFAULT0001",
      "configure set aws_secret_access_key secretdefault0002",
      "configure set region eu-west-1",
      "configure set aws_access_key_id AKIDDEVPROFILE03 --profile dev",
      "configure set aws_secret_access_key secretdev0004 --profile dev",
      "configure set region us-west-2 --profile dev",
      "configure set output json --profile dev",
      "configure set region ap-south-1 --profile nokeys"};
  for (const auto& write : writes) {
    const CommandOutput out = aws("", write);
    ASSERT_EQ(out.exit_code, 0) << write << ": " << out.err;
  }
  ASSERT_TRUE(fs::exists(dir_.path() / ".aws" / "credentials"));
  // Keys kept in the config file, which the AWS CLI also reads.
  std::ofstream(dir_.path() / ".aws" / "config", std::ios::app)
      << "\n[profile cfgkeys]\naws_access_key_id = AKIDCONFIGFILE05\naws_secret_access_key = "
         "secretcfg06\n";
  std::ofstream(dir_.path() / "other-config") << "[default]\nregion = sa-east-1\n";

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"", "--profile dev"},
      {"", "--profile cfgkeys"},
      {"", "--profile nokeys"},
      {"AWS_PROFILE=dev", ""},
      {"AWS_DEFAULT_PROFILE=cfgkeys", ""},
      {"AWS_ACCESS_KEY_ID=AKIDFROMENV07 AWS_SECRET_ACCESS_KEY=envsecret08", ""},
      {"AWS_ACCESS_KEY_ID=AKIDFROMENV07 AWS_SECRET_ACCESS_KEY=envsecret08", "--profile dev"},
      {"AWS_REGION=us-east-2", ""},
      {"AWS_DEFAULT_REGION=ca-central-1 AWS_PROFILE=dev", ""},
      {"AWS_CONFIG_FILE=" + shell_quote((dir_.path() / "other-config").string()), ""},
      {"AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_PROFILE=nokeys", ""},
      {"", "--profile missing"},
  };
  for (const auto& [env, args] : cases) {
    const CommandOutput expected = aws(env, "configure list " + args);
    const CommandOutput actual = twin(env, "aws configure list " + args);
    EXPECT_EQ(actual.out, expected.out) << "env: " << env << " args: " << args << "\n"
                                        << actual.err;
    EXPECT_EQ(actual.exit_code == 0, expected.exit_code == 0) << env << " " << args;
  }
}

TEST_F(AwsCliTest, ConfigureListJsonAndErrors) {
  const CommandOutput out = twin(
      "AWS_ACCESS_KEY_ID=AKIDFROMENV07 AWS_SECRET_ACCESS_KEY=envsecret08 AWS_REGION=us-east-2 "
      "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9",
      "aws configure list --json");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  const auto json = nlohmann::json::parse(out.out);
  EXPECT_EQ(json["access_key"]["value"], "****************NV07");
  EXPECT_EQ(json["access_key"]["type"], "env");
  EXPECT_EQ(json["secret_key"]["value"], "****************et08");
  EXPECT_EQ(json["region"]["value"], "us-east-2");
  EXPECT_EQ(json["endpoint_url"]["s3"], "http://127.0.0.1:9");
  EXPECT_TRUE(json["profile"]["value"].is_null());
  EXPECT_EQ(out.out.find("envsecret08"), std::string::npos);  // secrets never shown

  const CommandOutput unknown = twin("", "aws configure list --profile ghost");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("the config profile (ghost) could not be found"), std::string::npos)
      << unknown.err;
  const CommandOutput half = twin("AWS_ACCESS_KEY=AKIDHANDBOOK", "aws configure list");
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("AWS_SECRET_KEY"), std::string::npos) << half.err;
  // The Handbook's explicit keys (its .env) are what twin uses.
  std::ofstream(dir_.path() / ".env")
      << "AWS_ACCESS_KEY=AKIDHANDBOOK09\nAWS_SECRET_KEY=hbsecret10\n";
  const CommandOutput handbook = twin("", "aws configure list");
  EXPECT_NE(handbook.out.find("****************OK09         explicit"), std::string::npos)
      << handbook.out;
}

class S3InteropTest : public AwsCliTest {
 protected:
  void SetUp() override {
    AwsCliTest::SetUp();
    if (IsSkipped()) return;
    const auto endpoint = testing_support::test_s3_endpoint();
    if (!endpoint) GTEST_SKIP() << testing_support::kNoS3Reason;
    endpoint_ = *endpoint;
    bucket_ = testing_support::unique_bucket("interop");
    client_ = testing_support::test_s3_client(endpoint_);
    ASSERT_TRUE(client_->create_bucket(bucket_).is_ok());
  }
  // The AWS CLI on the test server with its keys.
  CommandOutput aws_s3(const std::string& args) {
    return aws("AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1",
               "--endpoint-url " + endpoint_ + " " + args);
  }
  std::string endpoint_;
  std::string bucket_;
  std::unique_ptr<S3Client> client_;
};

TEST_F(S3InteropTest, WhatTwinStoresTheAwsCliReads) {
  const Settings settings =
      testing_support::settings_with(dir_.path(), testing_support::s3_environment(endpoint_));
  auto store = artifacts::open_artifact_store("s3://" + bucket_ + "/artifacts", settings);
  ASSERT_TRUE(store.has_value()) << store.error().to_string();
  const std::string small = random_bytes(300000, 11);
  auto blob = (*store)->put_bytes(small);
  ASSERT_TRUE(blob.has_value()) << blob.error().to_string();
  const std::string key = "artifacts/" + blob->hash.substr(0, 2) + "/" + blob->hash;
  EXPECT_EQ((*store)->blob_uri(blob->hash), "s3://" + bucket_ + "/" + key);

  const CommandOutput listed = aws_s3("s3 ls --recursive s3://" + bucket_ + "/artifacts/");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(key), std::string::npos) << listed.out;
  const CommandOutput copied = aws_s3("s3 cp s3://" + bucket_ + "/" + key + " small.bin");
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(read_file(dir_.path() / "small.bin"), small);

  // A multipart upload by twin, read back by the AWS CLI.
  S3ClientOptions options;
  options.endpoint = endpoint_;
  options.multipart_threshold = 5ULL << 20;
  options.part_size = 5ULL << 20;
  S3Client multipart(options, client_->credentials());
  const std::string large = random_bytes((11ULL << 20) + 7, 12);
  std::ofstream(dir_.path() / "large.bin", std::ios::binary) << large;
  ASSERT_TRUE(multipart.upload_file(bucket_, "twin/large.bin", dir_.path() / "large.bin").is_ok());
  ASSERT_EQ(aws_s3("s3 cp s3://" + bucket_ + "/twin/large.bin large-back.bin").exit_code, 0);
  EXPECT_EQ(sha256_hex(read_file(dir_.path() / "large-back.bin")), sha256_hex(large));
}

TEST_F(S3InteropTest, WhatTheAwsCliStoresTwinReads) {
  const std::string small = random_bytes(4000, 21);
  const std::string large = random_bytes((20ULL << 20) + 3, 22);  // the AWS CLI goes multipart
  std::ofstream(dir_.path() / "small.bin", std::ios::binary) << small;
  std::ofstream(dir_.path() / "large.bin", std::ios::binary) << large;
  ASSERT_EQ(aws_s3("s3 cp small.bin s3://" + bucket_ + "/from-aws/small.bin").exit_code, 0);
  ASSERT_EQ(aws_s3("s3 cp large.bin 's3://" + bucket_ + "/from-aws/big file.bin'").exit_code, 0);
  EXPECT_EQ(client_->get_object(bucket_, "from-aws/small.bin").value_or(""), small);
  ASSERT_TRUE(
      client_->download_file(bucket_, "from-aws/big file.bin", dir_.path() / "back.bin").is_ok());
  EXPECT_EQ(sha256_hex(read_file(dir_.path() / "back.bin")), sha256_hex(large));
  auto listed = client_->list_objects(bucket_, "from-aws/");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[0].key, "from-aws/big file.bin");
  EXPECT_EQ((*listed)[0].size, large.size());
}

// A YAML pipeline whose artifacts live in S3: `twin pipeline run` stores them there, `twin
// artifacts export` reads them back, the AWS CLI sees the blobs, and a second run is cached.
TEST_F(S3InteropTest, PipelineArtifactsLiveInS3) {
  std::ofstream(dir_.path() / "hello.yaml") << R"(name: hello
parameters: {who: world}
steps:
  greet:
    run: echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting"
    outputs: [greeting]
  shout:
    run: [sh, -c, 'tr a-z A-Z < "$TWIN_INPUT_text" > "$TWIN_OUTPUT_loud"']
    inputs: {text: greet.greeting}
    outputs: [loud]
)";
  std::string env;
  for (const auto& [name, value] : testing_support::s3_environment(
           endpoint_, {{"TWIN_ARTIFACT_URI", "s3://" + bucket_ + "/project"}})) {
    env += name + "=" + shell_quote(value) + " ";
  }
  const CommandOutput run = twin(env, "pipeline run hello.yaml");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const CommandOutput exported = twin(env, "artifacts export loud");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "HELLO WORLD\n");
  EXPECT_FALSE(fs::exists(dir_.path() / ".twin" / "artifacts"));  // nothing stored locally

  const CommandOutput listed = aws_s3("s3 ls --recursive s3://" + bucket_ + "/project/");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const std::string loud_hash = sha256_hex("HELLO WORLD\n");
  EXPECT_NE(listed.out.find("project/" + loud_hash.substr(0, 2) + "/" + loud_hash),
            std::string::npos)
      << listed.out;
  const CommandOutput again = twin(env, "pipeline run hello.yaml");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE((again.out + again.err).find("cached"), std::string::npos) << again.out << again.err;

  // The model registry stores its files there too.
  std::ofstream(dir_.path() / "weights.bin", std::ios::binary) << random_bytes(70000, 31);
  const CommandOutput registered = twin(env, "models register twin-model weights.bin");
  ASSERT_EQ(registered.exit_code, 0) << registered.err;
  const CommandOutput downloaded = twin(env, "models download twin-model@1 -o model-out");
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  EXPECT_EQ(read_file(dir_.path() / "model-out" / "weights.bin"),
            read_file(dir_.path() / "weights.bin"));

  // And the server's artifact routes read them from S3.
  const CommandOutput server =
      run_shell(clean_env(dir_.path(), env) + "timeout 60 " + shell_quote(TWIN_BINARY) +
                    " server --port 0 > server.out 2> server.err & echo $!",
                dir_.path());
  const int server_pid = std::stoi(server.out);
  std::string port;
  for (int i = 0; i < 400 && port.empty(); ++i) {
    const std::string text = read_file(dir_.path() / "server.out");
    if (const size_t at = text.find("127.0.0.1:"); at != std::string::npos) {
      const size_t end = text.find_first_not_of("0123456789", at + 10);
      if (end != std::string::npos) port = text.substr(at + 10, end - at - 10);
    }
    if (port.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_FALSE(port.empty()) << read_file(dir_.path() / "server.err");
  const CommandOutput fetched = run_shell(
      "curl -sf http://127.0.0.1:" + port + "/api/twin/artifacts/loud/versions/1/download",
      dir_.path());
  ::kill(server_pid, SIGTERM);
  EXPECT_EQ(fetched.exit_code, 0);
  EXPECT_EQ(fetched.out, "HELLO WORLD\n");

  // A bucket that does not exist: the run fails naming it, and records no artifact.
  std::string missing_env;
  for (const auto& [name, value] : testing_support::s3_environment(
           endpoint_, {{"TWIN_ARTIFACT_URI", "s3://no-such-" + bucket_ + "/x"},
                       {"TWIN_HOME", (dir_.path() / "other-state").string()}})) {
    missing_env += name + "=" + shell_quote(value) + " ";
  }
  const CommandOutput failed = twin(missing_env, "pipeline run hello.yaml");
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_NE((failed.out + failed.err).find("bucket 'no-such-" + bucket_ + "' does not exist"),
            std::string::npos)
      << failed.out << failed.err;
  const CommandOutput artifacts = twin(missing_env, "artifacts list --json");
  EXPECT_EQ(nlohmann::json::parse(artifacts.out, nullptr, false).size(), 0U) << artifacts.out;
}

// Bad AWS settings for an S3 artifact store stop a pipeline with one clear line, and record
// nothing.
TEST_F(S3InteropTest, PipelineOnS3WithBadCredentialsFailsClearly) {
  std::ofstream(dir_.path() / "one.yaml") << R"(name: one
steps:
  greet:
    run: echo hi > "$TWIN_OUTPUT_greeting"
    outputs: [greeting]
)";
  auto env_with = [&](const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> env = testing_support::s3_environment(
        endpoint_, {{"TWIN_ARTIFACT_URI", "s3://" + bucket_ + "/bad"}});
    for (const auto& [name, value] : extra) env[name] = value;
    std::string out;
    for (const auto& [name, value] : env) {
      if (!value.empty()) out += name + "=" + shell_quote(value) + " ";
    }
    return out;
  };
  const std::string no_keys = env_with({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  const CommandOutput missing = twin(no_keys, "pipeline run one.yaml");
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("no AWS credentials found"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("s3://" + bucket_ + "/bad"), std::string::npos) << missing.err;

  const std::string wrong = env_with({{"AWS_SECRET_ACCESS_KEY", "not-the-secret"}});
  const CommandOutput rejected = twin(wrong, "pipeline run one.yaml");
  EXPECT_NE(rejected.exit_code, 0);
  EXPECT_NE((rejected.out + rejected.err).find("SignatureDoesNotMatch"), std::string::npos)
      << rejected.out << rejected.err;
  const CommandOutput listed = twin(wrong, "artifacts list --json");
  EXPECT_EQ(nlohmann::json::parse(listed.out, nullptr, false).size(), 0U) << listed.out;
  EXPECT_TRUE(client_->list_objects(bucket_, "bad/").value().empty());
}

}  // namespace
}  // namespace twin::cloud
