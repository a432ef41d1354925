// A small HTTP client on libcurl for the AWS clients: one request at a time per call, with
// connections kept alive in a pool of handles so consecutive requests reuse them.
//
// Thread-safe: calls from many threads each take their own handle from the pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twin/core/status.h"

namespace twin::cloud {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;     // empty when the body went to a file
  // The first header of that (lower-case) name, or "".
  std::string header(std::string_view lower_name) const;
};

// Where a request's body comes from: bytes in memory, or a range of a file (streamed).
struct HttpBody {
  std::string_view bytes;
  std::filesystem::path file;  // when set, `offset` and `length` select the range sent
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t size() const { return file.empty() ? bytes.size() : length; }
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  HttpHeaders headers;
  HttpBody body;
  // When set, a 2xx response body is written there (created or truncated) instead of memory.
  std::optional<std::filesystem::path> response_file;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
};

// "http://host:port/path?q" -> {"host:port", "/path?q"} ("/" when the URL has no path): the Host
// header and the wire path a signed request needs.
std::pair<std::string, std::string> split_host_and_path(std::string_view url);

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any HTTP status is a response; a transport failure (refused, reset, timed out) is
  // kUnavailable naming the method and URL.
  Result<HttpResponse> send(const HttpRequest& request) const;

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

}  // namespace twin::cloud
