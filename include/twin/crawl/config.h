// Crawling configuration: the [crawl] table and [[crawl.routes]] of twin.toml.
//
//   [crawl]
//   concurrency = 8            # fetches in flight across hosts
//   per_host_delay = "1s"      # pause between requests to one host (jittered); "0s" allowed
//   obey_robots = true
//   user_agent = "twin/<version>"
//   [[crawl.routes]]           # first match wins, before the defaults
//   match = '^https?://127\.0\.0\.1:\d+/medium/'   # regex on the URL
//   crawler = "medium"         # article | medium | substack | linkedin | repository
//   render = "browser"         # optional: fetch through headless Chromium
//
// Further keys of [crawl], all optional: connect_timeout ("10s"), timeout ("60s"),
// max_body_size (bytes, 20 MB), max_retries (3), retry_backoff ("1s"), max_retry_wait ("60s"),
// max_redirects (10), max_file_size (repository files, bytes, 1 MB), scroll_limit (LinkedIn, 10),
// chromedriver ("/usr/bin/chromedriver"), chromium ("/usr/bin/chromium").
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin::crawl {

enum class CrawlerKind { kArticle, kMedium, kSubstack, kLinkedIn, kRepository };
std::string_view to_string(CrawlerKind kind);
Result<CrawlerKind> parse_crawler_kind(std::string_view name);

// How a page is fetched: libcurl, or headless Chromium over WebDriver.
enum class Render { kHttp, kBrowser };

// A compiled route regex (RE2: linear-time matching, so no URL can make it crash or hang).
class RoutePattern;

struct Route {
  std::string match;                            // the regex as written (RE2 syntax)
  std::shared_ptr<const RoutePattern> pattern;  // compiled from `match`
  CrawlerKind crawler = CrawlerKind::kArticle;
  Render render = Render::kHttp;
};

// A route from its regex; kInvalidArgument when `match` is not valid RE2 syntax (RE2 has no
// backreferences or lookaround; the rest of the usual syntax, \d included, is the same).
Result<Route> make_route(std::string match, CrawlerKind crawler, Render render = Render::kHttp);
// True when the route's regex matches somewhere in `link`, in time linear in its length.
bool route_matches(const Route& route, std::string_view link);

struct FetchOptions {
  int concurrency = 8;
  std::chrono::milliseconds per_host_delay{1000};
  bool obey_robots = true;
  std::string user_agent = "twin/0.1";
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};
  std::int64_t max_body_size = std::int64_t{20} * 1024 * 1024;
  int max_retries = 3;
  std::chrono::milliseconds retry_backoff{1000};     // doubled at each retry
  std::chrono::milliseconds max_retry_wait{60'000};  // cap on Retry-After and backoff
  int max_redirects = 10;
};

struct BrowserOptions {
  std::filesystem::path chromedriver = "/usr/bin/chromedriver";
  std::filesystem::path chromium = "/usr/bin/chromium";
  std::chrono::milliseconds page_timeout{30'000};
};

struct CrawlConfig {
  FetchOptions fetch;
  BrowserOptions browser;
  std::vector<Route> routes;
  std::int64_t max_file_size =
      std::int64_t{1024} * 1024;  // repository files larger than this are skipped
  int scroll_limit = 10;          // LinkedIn: scrolls of the feed at most
  std::string linkedin_username;  // LINKEDIN_USERNAME
  std::string linkedin_password;  // LINKEDIN_PASSWORD
};

// "1s", "250ms", "2m", "0s", or a bare number of seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// Reads [crawl] and [[crawl.routes]] from a parsed twin.toml; absent tables give the defaults.
// Wrong types, unknown crawlers and invalid regexes are kInvalidArgument naming file:line:col.
Result<CrawlConfig> crawl_config_from_toml(const toml::table& root);

// Reads the file with twin::read_toml_file; a missing file gives the defaults.
Result<CrawlConfig> load_crawl_config(const std::filesystem::path& twin_toml);

}  // namespace twin::crawl
