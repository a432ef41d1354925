// Every case of the official SigV4 suite (../shared/data/aws-sigv4-test-suite/v4/<case>/), in
// both forms: the canonical request, the string to sign, the signature, and the Authorization
// header (or X-Amz-Signature) of the signed request.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "twin/cloud/sigv4.h"

namespace twin::cloud {
namespace {
namespace fs = std::filesystem;

const fs::path kSuite =
    fs::path(TWIN_SOURCE_DIR) / ".." / "shared" / "data" / "aws-sigv4-test-suite" / "v4";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::chrono::system_clock::time_point parse_timestamp(const std::string& iso) {
  std::tm tm{};
  std::istringstream in(iso);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct ParsedRequest {
  SignableRequest request;
  std::string body;
};

// request.txt: "METHOD TARGET HTTP/1.1", then "Name:value" lines (a line starting with spaces
// continues the previous value), a blank line and the body.
ParsedRequest parse_request(const std::string& text) {
  ParsedRequest parsed;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  parsed.request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, last_space - first_space - 1);
  if (const size_t question = target.find('?'); question != std::string::npos) {
    std::string query = target.substr(question + 1);
    target.resize(question);
    size_t start = 0;
    while (start <= query.size() && !query.empty()) {
      size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      const std::string pair = query.substr(start, end - start);
      const size_t equals = pair.find('=');
      parsed.request.query.emplace_back(
          uri_decode(pair.substr(0, equals)),
          equals == std::string::npos ? "" : uri_decode(pair.substr(equals + 1)));
      start = end + 1;
    }
  }
  parsed.request.path = target;
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if (line.front() == ' ' && !parsed.request.headers.empty()) {
      parsed.request.headers.back().second += " " + line;
      continue;
    }
    const size_t colon = line.find(':');
    parsed.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  parsed.body = body.str();
  return parsed;
}

struct SuiteCase {
  nlohmann::json context;
  ParsedRequest parsed;
  SigningParams params;
  AwsCredentials credentials;
};

SuiteCase load_case(const fs::path& dir) {
  SuiteCase c;
  c.context = nlohmann::json::parse(read_text(dir / "context.json"));
  c.parsed = parse_request(read_text(dir / "request.txt"));
  const auto& credentials = c.context["credentials"];
  c.credentials.access_key_id = credentials["access_key_id"];
  c.credentials.secret_access_key = credentials["secret_access_key"];
  c.credentials.session_token = credentials.value("token", "");
  c.params.region = c.context["region"];
  c.params.service = c.context["service"];
  c.params.time = parse_timestamp(c.context["timestamp"]);
  c.params.normalize_path = c.context["normalize"];
  c.params.double_encode_path = true;
  c.params.payload_hash = sha256_hex(c.parsed.body);
  c.params.omit_session_token = c.context.value("omit_session_token", false);
  c.params.expires = std::chrono::seconds(c.context["expiration_in_seconds"].get<int>());
  return c;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  if (!fs::is_directory(kSuite)) return names;
  for (const auto& entry : fs::directory_iterator(kSuite)) {
    if (fs::exists(entry.path() / "context.json")) names.push_back(entry.path().filename());
  }
  std::ranges::sort(names);
  return names;
}

class SigV4Suite : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4Suite, HeaderForm) {
  const fs::path dir = kSuite / GetParam();
  SuiteCase c = load_case(dir);
  c.params.add_content_sha256_header = c.context["sign_body"];
  const SigningResult result = sign_request(c.parsed.request, c.credentials, c.params);
  EXPECT_EQ(result.canonical_request, read_text(dir / "header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_text(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_text(dir / "header-signature.txt"));
  EXPECT_NE(read_text(dir / "header-signed-request.txt")
                .find("Authorization:" + result.authorization + "\n"),
            std::string::npos)
      << result.authorization;
}

TEST_P(SigV4Suite, PresignedForm) {
  const fs::path dir = kSuite / GetParam();
  if (!fs::exists(dir / "query-canonical-request.txt")) GTEST_SKIP() << "no query form";
  SuiteCase c = load_case(dir);
  const SigningResult result = presign_request(c.parsed.request, c.credentials, c.params);
  EXPECT_EQ(result.canonical_request, read_text(dir / "query-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_text(dir / "query-string-to-sign.txt"));
  EXPECT_EQ(result.signature, read_text(dir / "query-signature.txt"));
  EXPECT_NE(read_text(dir / "query-signed-request.txt").find("X-Amz-Signature=" + result.signature),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Official, SigV4Suite, ::testing::ValuesIn(case_names()),
                         [](const auto& test_info) {
                           std::string name = test_info.param;
                           std::ranges::replace(name, '-', '_');
                           return name;
                         });

TEST(SigV4Suite, HasEveryCase) {
  // The suite is shared data: a missing folder must fail, not pass on zero cases.
  EXPECT_EQ(case_names().size(), 38U) << kSuite;
}

TEST(SigV4, S3SignsThePathAsSentWithItsPayloadHeader) {
  SignableRequest request{"GET", "/bucket/a%20b/..//c", {}, {{"Host", "127.0.0.1:4568"}}};
  SigningParams params;
  params.region = "us-east-1";
  params.service = "s3";
  params.time = std::chrono::system_clock::from_time_t(1440938160);
  params.double_encode_path = false;
  params.normalize_path = false;
  params.payload_hash = std::string(kUnsignedPayload);
  params.add_content_sha256_header = true;
  const SigningResult result = sign_request(request, {"AKID", "SECRET", ""}, params);
  EXPECT_TRUE(result.canonical_request.starts_with("GET\n/bucket/a%20b/..//c\n\n"))
      << result.canonical_request;
  EXPECT_TRUE(result.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_NE(result.canonical_request.find("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"),
            std::string::npos);
}

// AWS's published example of a streamed upload ("Signature Calculations for the Authorization
// Header: Transferring Payload in Multiple Chunks"): 66560 bytes of 'a' in chunks of 64 KiB.
TEST(SigV4, StreamingChunksChainFromTheSeedSignature) {
  const AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE",
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  SigningParams params;
  params.region = "us-east-1";
  params.service = "s3";
  params.time = parse_timestamp("2013-05-24T00:00:00Z");
  params.payload_hash = std::string(kStreamingPayload);
  params.add_content_sha256_header = true;
  params.double_encode_path = false;
  params.normalize_path = false;
  ASSERT_EQ(ChunkSigner::encoded_length(66560, 65536), 66824U);
  SignableRequest request{"PUT",
                          "/examplebucket/chunkObject.txt",
                          {},
                          {{"Host", "s3.amazonaws.com"},
                           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                           {"Content-Encoding", "aws-chunked"},
                           {"x-amz-decoded-content-length", "66560"},
                           {"Content-Length", "66824"}}};
  const SigningResult seed = sign_request(request, credentials, params);
  EXPECT_EQ(seed.signature, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
      << seed.canonical_request;
  ChunkSigner chunks(credentials, params, seed.signature);
  EXPECT_EQ(chunks.sign(std::string(65536, 'a')),
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
  EXPECT_EQ(chunks.sign(std::string(1024, 'a')),
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
  EXPECT_EQ(chunks.frame(""),
            "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
            "\r\n\r\n");
}

TEST(SigV4, UriEncodeKeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(uri_encode("a b/c~d+e=", false), "a%20b/c~d%2Be%3D");
  EXPECT_EQ(uri_encode("a/b"), "a%2Fb");
  EXPECT_EQ(uri_decode("%E1%88%B4%zz"), "\xE1\x88\xB4%zz");
}

}  // namespace
}  // namespace twin::cloud
