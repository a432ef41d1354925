// AWS Signature Version 4: the canonical request, the string to sign and the signature, in the
// header form (an Authorization header) and the presigned-URL form (X-Amz-* query parameters).
//
// Passes every case of the official suite (tests/cloud/sigv4_suite_test.cc reads
// ../shared/data/aws-sigv4-test-suite/). Two service families differ:
//   - most services: the path is URI-encoded a second time and normalized (dot segments and
//     repeated slashes removed) before it is signed;
//   - S3: the path is signed as sent (encoded once, never normalized), and the payload hash is
//     sent in x-amz-content-sha256 (a hex SHA-256, or UNSIGNED-PAYLOAD).
// HMAC-SHA256 and SHA-256 come from OpenSSL. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace twin::cloud {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// The payload hash of an `aws-chunked` body whose chunks are signed one by one (ChunkSigner).
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
// SHA-256 of no bytes, the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

// A request as it goes on the wire. `path` is the wire path (already percent-encoded where it
// needs to be, e.g. by uri_encode(key, false) for S3). `query` holds decoded names and values;
// the wire query string is canonical_query_string(query). Header names keep their case; a name
// may repeat (the values are joined with commas when signed).
struct SignableRequest {
  std::string method;
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
};

struct SigningParams {
  std::string region;
  std::string service;
  std::chrono::system_clock::time_point time;
  // Hex SHA-256 of the body, or kUnsignedPayload.
  std::string payload_hash = std::string(kEmptyPayloadHash);
  // Header form: also send the payload hash as x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256_header = false;
  // Everything but S3: encode the wire path once more, and remove dot segments and repeated
  // slashes first (`normalize_path`).
  bool double_encode_path = true;
  bool normalize_path = true;
  // True: the session token is added after signing (unsigned), as some services (old STS
  // clients) expect; false: it is signed like any other header or parameter.
  bool omit_session_token = false;
  // Presigned form only: how long the URL stays valid.
  std::chrono::seconds expires{3600};
};

// What signing produced, for tests and for --dry-run style diagnostics.
struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // 64 hex characters
  std::string authorization;  // header form only: the Authorization header's value
};

// Adds X-Amz-Date, X-Amz-Security-Token (when the credentials carry one), x-amz-content-sha256
// (when asked) and Authorization to `request.headers`.
SigningResult sign_request(SignableRequest& request, const AwsCredentials& credentials,
                           const SigningParams& params);

// Adds the X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, (-Security-Token) and
// -Signature parameters to `request.query`. Every header present is signed.
SigningResult presign_request(SignableRequest& request, const AwsCredentials& credentials,
                              const SigningParams& params);

// S3's streaming form (Content-Encoding: aws-chunked, x-amz-content-sha256 =
// kStreamingPayload): the request is signed once (its "seed" signature), then each chunk of the
// body carries a signature chained to the previous one, and a zero-length chunk ends the body.
class ChunkSigner {
 public:
  // `params` are the request's (same time, region, service); `seed_signature` is its signature.
  ChunkSigner(const AwsCredentials& credentials, const SigningParams& params,
              std::string seed_signature);
  // The next chunk's signature (an empty chunk for the last).
  std::string sign(std::string_view chunk);
  // The chunk as it goes on the wire: "<hex size>;chunk-signature=<sig>\r\n<bytes>\r\n".
  std::string frame(std::string_view chunk);
  // Content-Length of `payload_size` bytes sent in chunks of `chunk_size`, with the final one.
  static uint64_t encoded_length(uint64_t payload_size, uint64_t chunk_size);

 private:
  std::string key_;
  std::string date_;
  std::string scope_;
  std::string previous_;
};

// RFC 3986 percent-encoding of every byte except unreserved characters (A-Z a-z 0-9 - . _ ~),
// and '/' too unless `encode_slash`; hex digits upper case, as SigV4 requires.
std::string uri_encode(std::string_view text, bool encode_slash = true);
// Decodes %XX escapes (a malformed escape is kept as is); '+' stays '+'.
std::string uri_decode(std::string_view text);
// The sorted, encoded `name=value&...` form of query parameters (also the wire query string).
std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query);

// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point time);

// Hex SHA-256 of bytes, and hex / raw HMAC-SHA256, on OpenSSL.
std::string sha256_hex(std::string_view bytes);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex_encode(std::string_view bytes);

}  // namespace twin::cloud
