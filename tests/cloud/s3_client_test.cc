// The S3 client against a real S3 server that verifies signatures (s3rver, started by
// scripts/test-env.d/s3.sh).
#include "twin/cloud/s3_client.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "support/s3_test_env.h"
#include "support/temp_dir.h"

namespace twin::cloud {
namespace {
namespace fs = std::filesystem;
using testing_support::TempDir;

std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto endpoint = testing_support::test_s3_endpoint();
    if (!endpoint) GTEST_SKIP() << testing_support::kNoS3Reason;
    endpoint_ = *endpoint;
    client_ = testing_support::test_s3_client(endpoint_);
    bucket_ = testing_support::unique_bucket("client");
    const Status created = client_->create_bucket(bucket_);
    ASSERT_TRUE(created.is_ok()) << created.to_string();
  }
  std::string endpoint_;
  std::string bucket_;
  std::unique_ptr<S3Client> client_;
  TempDir dir_;
};

TEST_F(S3ClientTest, PutGetHeadDelete) {
  const std::string key = "dir/with space/ünïcode+plus.bin";
  const std::string bytes = random_bytes(4096, 1);
  ASSERT_TRUE(client_->put_object(bucket_, key, bytes).is_ok());
  EXPECT_EQ(client_->get_object(bucket_, key).value_or(""), bytes);
  auto head = client_->head_object(bucket_, key);
  ASSERT_TRUE(head.has_value()) << head.error().to_string();
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->size, bytes.size());
  ASSERT_TRUE(client_->delete_object(bucket_, key).is_ok());
  auto gone = client_->head_object(bucket_, key);
  ASSERT_TRUE(gone.has_value());
  EXPECT_FALSE(gone->has_value());
  EXPECT_TRUE(client_->delete_object(bucket_, key).is_ok());  // idempotent
  auto missing = client_->get_object(bucket_, key);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.error().message().find("s3://" + bucket_ + "/" + key), std::string::npos)
      << missing.error().message();
}

TEST_F(S3ClientTest, RangedGet) {
  const std::string bytes = random_bytes(10000, 2);
  ASSERT_TRUE(client_->put_object(bucket_, "r", bytes).is_ok());
  EXPECT_EQ(client_->get_object(bucket_, "r", ByteRange{100, 199}).value_or(""),
            bytes.substr(100, 100));
  EXPECT_EQ(client_->get_object(bucket_, "r", ByteRange{9990, 9999}).value_or(""),
            bytes.substr(9990));
}

TEST_F(S3ClientTest, ListFollowsEveryPage) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client_->put_object(bucket_, fmt::format("p/{}", i), "x").is_ok());
  }
  ASSERT_TRUE(client_->put_object(bucket_, "other/1", "y").is_ok());
  auto listed = client_->list_objects(bucket_, "p/", 3);  // three pages
  ASSERT_TRUE(listed.has_value()) << listed.error().to_string();
  ASSERT_EQ(listed->size(), 7U);
  EXPECT_EQ(listed->front().key, "p/0");
  EXPECT_EQ(listed->back().key, "p/6");
  EXPECT_EQ(listed->front().size, 1U);
  EXPECT_EQ(client_->list_objects(bucket_, "").value().size(), 8U);
}

TEST_F(S3ClientTest, SmallFileGoesUpInOnePut) {
  const fs::path file = dir_.path() / "small.bin";
  const std::string bytes = random_bytes(100000, 3);
  std::ofstream(file, std::ios::binary) << bytes;
  ASSERT_TRUE(client_->upload_file(bucket_, "small", file).is_ok());
  const fs::path back = dir_.path() / "back.bin";
  ASSERT_TRUE(client_->download_file(bucket_, "small", back).is_ok());
  EXPECT_EQ(read_file(back), bytes);
}

TEST_F(S3ClientTest, LargeFileGoesUpInParts) {
  S3ClientOptions options;
  options.endpoint = endpoint_;
  options.multipart_threshold = 5ULL << 20;
  options.part_size = 5ULL << 20;
  S3Client multipart(options, client_->credentials());
  const fs::path file = dir_.path() / "large.bin";
  const std::string bytes = random_bytes((12ULL << 20) + 12345, 4);  // three parts
  std::ofstream(file, std::ios::binary) << bytes;
  const Status uploaded = multipart.upload_file(bucket_, "large", file);
  ASSERT_TRUE(uploaded.is_ok()) << uploaded.to_string();
  auto head = client_->head_object(bucket_, "large");
  ASSERT_TRUE(head.has_value() && head->has_value());
  EXPECT_EQ((*head)->size, bytes.size());
  EXPECT_EQ(client_->get_object(bucket_, "large").value_or("") == bytes, true);
}

TEST_F(S3ClientTest, MissingBucketIsNamed) {
  auto result = client_->get_object("no-such-bucket-" + bucket_, "k");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kNotFound);
  EXPECT_NE(result.error().message().find("bucket 'no-such-bucket-" + bucket_ + "' does not exist"),
            std::string::npos)
      << result.error().message();
  EXPECT_EQ(client_->put_object("no-such-bucket-" + bucket_, "k", "x").code(),
            StatusCode::kNotFound);
}

TEST_F(S3ClientTest, WrongSecretIsARejectedSignature) {
  auto wrong = testing_support::test_s3_client(endpoint_, "not-the-secret");
  const Status put = wrong->put_object(bucket_, "k", "x");
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(put.message().find("SignatureDoesNotMatch"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("s3://" + bucket_ + "/k"), std::string::npos);
  EXPECT_FALSE(client_->head_object(bucket_, "k").value().has_value());  // nothing stored
  // A HEAD answer has no body; the client still names S3's reason.
  auto head = wrong->head_object(bucket_, "k");
  ASSERT_FALSE(head.has_value());
  EXPECT_NE(head.error().message().find("SignatureDoesNotMatch"), std::string::npos)
      << head.error().message();
}

TEST_F(S3ClientTest, UnknownAccessKeyIsRefused) {
  S3ClientOptions options;
  options.endpoint = endpoint_;
  S3Client unknown(options,
                   {{"AKIDUNKNOWN", "whatever", ""}, "env", "AWS_ACCESS_KEY_ID", std::nullopt});
  auto result = unknown.get_object(bucket_, "k");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(result.error().message().find("InvalidAccessKeyId"), std::string::npos)
      << result.error().message();
  EXPECT_NE(result.error().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST_F(S3ClientTest, UnreachableServerIsUnavailableAfterRetries) {
  S3ClientOptions options;
  options.endpoint = "http://127.0.0.1:1";
  options.initial_backoff = std::chrono::milliseconds(1);
  options.max_attempts = 3;
  S3Client nowhere(options, client_->credentials());
  auto result = nowhere.get_object("b", "k");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.error().message().find("gave up after 3 tries"), std::string::npos)
      << result.error().message();
  EXPECT_NE(result.error().message().find("http://127.0.0.1:1"), std::string::npos);
}

TEST_F(S3ClientTest, PresignedUrlNeedsNoCredentialsAndCannotBeTamperedWith) {
  const std::string bytes = random_bytes(5000, 5);
  ASSERT_TRUE(client_->put_object(bucket_, "shared/report.bin", bytes).is_ok());
  const std::string url = client_->presigned_url(bucket_, "shared/report.bin");
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos);
  HttpClient http;
  HttpRequest get;
  get.url = url;
  auto fetched = http.send(get);
  ASSERT_TRUE(fetched.has_value()) << fetched.error().to_string();
  EXPECT_EQ(fetched->status, 200) << fetched->body;
  EXPECT_EQ(fetched->body, bytes);
  // Another key under the same signature is refused.
  std::string tampered = url;
  tampered.replace(tampered.find("report.bin"), 10, "other1.bin");
  get.url = tampered;
  auto refused = http.send(get);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403) << refused->body;
}

TEST_F(S3ClientTest, ExpiringKeysAreRefreshedBeforeARequest) {
  S3ClientOptions options;
  options.endpoint = endpoint_;
  ResolvedCredentials expiring = client_->credentials();
  expiring.expires = std::chrono::system_clock::now() + std::chrono::minutes(2);  // < 5 min left
  expiring.keys.secret_access_key = "stale";  // would be refused if it were used
  S3Client client(options, expiring);
  int refreshes = 0;
  client.set_refresh([&]() -> Result<ResolvedCredentials> {
    ++refreshes;
    ResolvedCredentials fresh = client_->credentials();
    fresh.expires = std::chrono::system_clock::now() + std::chrono::hours(1);
    return fresh;
  });
  ASSERT_TRUE(client.put_object(bucket_, "k", "x").is_ok());
  EXPECT_EQ(client.get_object(bucket_, "k").value_or(""), "x");
  EXPECT_EQ(refreshes, 1);  // the fresh keys last an hour

  S3Client failing(options, expiring);
  failing.set_refresh([]() -> Result<ResolvedCredentials> {
    return fail(Status::failed_precondition("STS is down"));
  });
  const Status put = failing.put_object(bucket_, "k2", "x");
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(put.message().find("refreshing expiring AWS credentials"), std::string::npos)
      << put.message();
}

TEST(S3Uri, ParsesBucketAndPrefix) {
  auto location = parse_s3_uri("s3://bucket/some/prefix/");
  ASSERT_TRUE(location.has_value());
  EXPECT_EQ(location->bucket, "bucket");
  EXPECT_EQ(location->prefix, "some/prefix");
  EXPECT_EQ(parse_s3_uri("s3://b").value().prefix, "");
  EXPECT_FALSE(parse_s3_uri("s3:///x").has_value());
  EXPECT_FALSE(parse_s3_uri("file:///x").has_value());
}

}  // namespace
}  // namespace twin::cloud
