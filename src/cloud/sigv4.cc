#include "twin/cloud/sigv4.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <map>

namespace twin::cloud {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trims the value and folds every run of whitespace into one space (SigV4's header rule).
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

// RFC 3986 remove_dot_segments plus the removal of empty segments (repeated slashes).
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty()) return "/";
  if (path.ends_with('/')) out += '/';
  return out;
}

bool is_unsigned_header(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" ||
         lower_name == "x-amzn-trace-id" || lower_name == "expect";
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" lines
  std::string signed_headers;  // "name;name"
};

CanonicalHeaders canonical_headers(const SignableRequest& request) {
  std::map<std::string, std::string> joined;  // sorted by lower-case name
  for (const auto& [name, value] : request.headers) {
    const std::string key = lower(name);
    if (is_unsigned_header(key)) continue;
    auto [it, inserted] = joined.try_emplace(key, canonical_header_value(value));
    if (!inserted) it->second += "," + canonical_header_value(value);
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : joined) {
    out.block += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += name;
  }
  return out;
}

std::string canonical_path(const SignableRequest& request, const SigningParams& params) {
  std::string path = request.path.empty() ? "/" : request.path;
  if (params.normalize_path) path = normalize_path(path);
  if (params.double_encode_path) path = uri_encode(path, false);
  return path;
}

std::string credential_scope(const SigningParams& params) {
  return fmt::format("{}/{}/{}/aws4_request", amz_date(params.time).substr(0, 8), params.region,
                     params.service);
}

std::string signing_key(const AwsCredentials& credentials, const SigningParams& params) {
  const std::string date_key =
      hmac_sha256("AWS4" + credentials.secret_access_key, amz_date(params.time).substr(0, 8));
  const std::string region_key = hmac_sha256(date_key, params.region);
  const std::string service_key = hmac_sha256(region_key, params.service);
  return hmac_sha256(service_key, "aws4_request");
}

// Fills canonical request, string to sign and signature from the request as it stands.
void compute_signature(const SignableRequest& request, const AwsCredentials& credentials,
                       const SigningParams& params, const CanonicalHeaders& headers,
                       SigningResult& result) {
  result.canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, canonical_path(request, params),
                  canonical_query_string(request.query), headers.block, headers.signed_headers,
                  params.payload_hash);
  result.string_to_sign =
      fmt::format("{}\n{}\n{}\n{}", kAlgorithm, amz_date(params.time), credential_scope(params),
                  sha256_hex(result.canonical_request));
  result.signature =
      hex_encode(hmac_sha256(signing_key(credentials, params), result.string_to_sign));
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  auto hex_value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name), uri_encode(value));
  std::ranges::sort(encoded);
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 20> buffer{};
  const size_t n = std::strftime(buffer.data(), buffer.size(), "%Y%m%dT%H%M%SZ", &utc);
  return std::string(buffer.data(), n);
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // cppcheck 2.10 takes a caller's local (signing_key's service_key) as dead here; it is alive
  // for the whole call.
  // cppcheck-suppress invalidLifetime
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

SigningResult sign_request(SignableRequest& request, const AwsCredentials& credentials,
                           const SigningParams& params) {
  request.headers.emplace_back("X-Amz-Date", amz_date(params.time));
  const bool has_token = !credentials.session_token.empty();
  if (has_token && !params.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  if (params.add_content_sha256_header) {
    request.headers.emplace_back("x-amz-content-sha256", params.payload_hash);
  }
  SigningResult result;
  const CanonicalHeaders headers = canonical_headers(request);
  compute_signature(request, credentials, params, headers, result);
  result.authorization = fmt::format(
      "{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm, credentials.access_key_id,
      credential_scope(params), headers.signed_headers, result.signature);
  request.headers.emplace_back("Authorization", result.authorization);
  if (has_token && params.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  return result;
}

ChunkSigner::ChunkSigner(const AwsCredentials& credentials, const SigningParams& params,
                         std::string seed_signature)
    : key_(signing_key(credentials, params)),
      date_(amz_date(params.time)),
      scope_(credential_scope(params)),
      previous_(std::move(seed_signature)) {}

std::string ChunkSigner::sign(std::string_view chunk) {
  const std::string string_to_sign =
      fmt::format("AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{}\n{}", date_, scope_, previous_,
                  kEmptyPayloadHash, sha256_hex(chunk));
  previous_ = hex_encode(hmac_sha256(key_, string_to_sign));
  return previous_;
}

std::string ChunkSigner::frame(std::string_view chunk) {
  const std::string signature = sign(chunk);
  return fmt::format("{:x};chunk-signature={}\r\n{}\r\n", chunk.size(), signature, chunk);
}

uint64_t ChunkSigner::encoded_length(uint64_t payload_size, uint64_t chunk_size) {
  // Each frame: hex size, ";chunk-signature=" (17), 64 hex digits, CRLF, the bytes, CRLF.
  auto frame_length = [](uint64_t size) {
    return fmt::format("{:x}", size).size() + 17 + 64 + 2 + size + 2;
  };
  uint64_t total = 0;
  for (uint64_t sent = 0; sent < payload_size; sent += chunk_size) {
    total += frame_length(std::min(chunk_size, payload_size - sent));
  }
  return total + frame_length(0);
}

SigningResult presign_request(SignableRequest& request, const AwsCredentials& credentials,
                              const SigningParams& params) {
  const CanonicalHeaders headers = canonical_headers(request);
  request.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  request.query.emplace_back("X-Amz-Credential",
                             credentials.access_key_id + "/" + credential_scope(params));
  request.query.emplace_back("X-Amz-Date", amz_date(params.time));
  request.query.emplace_back("X-Amz-Expires", std::to_string(params.expires.count()));
  request.query.emplace_back("X-Amz-SignedHeaders", headers.signed_headers);
  const bool has_token = !credentials.session_token.empty();
  if (has_token && !params.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  SigningResult result;
  compute_signature(request, credentials, params, headers, result);
  request.query.emplace_back("X-Amz-Signature", result.signature);
  if (has_token && params.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  return result;
}

}  // namespace twin::cloud
