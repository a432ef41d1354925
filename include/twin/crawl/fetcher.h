// The HTTP fetcher: libcurl's multi interface, polite to each host.
//
// Many URLs are fetched concurrently across hosts (FetchOptions::concurrency transfers in
// flight), with one transfer at a time per host and a jittered pause of per_host_delay (or the
// host's robots.txt Crawl-delay, whichever is longer) between two requests to a host. robots.txt
// is fetched once per host and cached for the Fetcher's life; a disallowed URL is never fetched.
// Redirects are followed by the fetcher itself (at most max_redirects, loops detected), 429 and
// 5xx are retried with exponential backoff honouring Retry-After, bodies are decompressed (gzip,
// deflate, br) and text is converted to UTF-8. Proxies come from the standard environment
// variables (http_proxy, https_proxy, no_proxy), as libcurl reads them. file:// URLs are read too.
//
// Thread-safety: a Fetcher is used by one thread at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/crawl/config.h"

namespace twin::crawl {

struct FetchResponse {
  std::string url;  // the final URL, after redirects
  int status = 0;   // HTTP status (200 for file://)
  std::string content_type;
  std::string content_encoding;        // as sent ("gzip", "br", ...); the body is already decoded
  std::string body;                    // UTF-8 for text content types, raw bytes otherwise
  std::string charset;                 // what the text was decoded from; empty for binary content
  std::vector<std::string> redirects;  // URLs that redirected, in order
  int attempts = 1;                    // 1 + retries
};

// The outcome for one requested URL. A URL disallowed by robots.txt has `disallowed` set and an
// error naming the rule's host; other errors (HTTP 4xx, retries exhausted, timeout, body too
// large, redirect loop) name the URL and what went wrong.
struct FetchResult {
  std::string url;  // as requested
  Result<FetchResponse> response = fail(Status::internal("not fetched"));
  bool disallowed = false;
};

class Fetcher {
 public:
  explicit Fetcher(FetchOptions options);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Fetches every URL, concurrently across hosts; results are in the order of `urls`.
  // `on_done` (optional) is called as each URL finishes, on the calling thread.
  std::vector<FetchResult> fetch_all(const std::vector<std::string>& urls,
                                     const std::function<void(const FetchResult&)>& on_done = {});

  // One URL (a batch of one).
  FetchResult fetch(const std::string& url);

  // Whether the host's robots.txt lets this user agent fetch `url`, reading robots.txt once per
  // host (shared with fetch_all's cache). True when obey_robots is off, for non-HTTP URLs, and
  // when robots.txt is missing or unreachable. For pages fetched by other means (Chromium).
  bool allowed_by_robots(const std::string& url);

  const FetchOptions& options() const { return options_; }

 private:
  struct HostState;
  FetchOptions options_;
  std::map<std::string, std::unique_ptr<HostState>> hosts_;  // by scheme://host:port
};

// Parts of a URL (through libcurl's URL parser). Empty strings for parts a URL lacks.
struct UrlParts {
  std::string scheme;
  std::string host;
  std::string port;  // empty when default
  std::string path_and_query;
};
Result<UrlParts> parse_url(const std::string& url);

// `reference` resolved against `base` (a Location header, a link in a page).
Result<std::string> resolve_url(const std::string& base, const std::string& reference);

}  // namespace twin::crawl
