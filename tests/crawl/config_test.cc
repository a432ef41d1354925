#include "twin/crawl/config.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "crawl/status_stream.h"
#include "support/temp_dir.h"

namespace twin::crawl {
namespace {

using std::chrono::milliseconds;

Result<CrawlConfig> config_from(const std::string& text) {
  testing_support::TempDir dir;
  std::ofstream(dir.path() / "twin.toml") << text;
  return load_crawl_config(dir.path() / "twin.toml");
}

TEST(CrawlConfigTest, MissingFileGivesDefaults) {
  testing_support::TempDir dir;
  auto config = load_crawl_config(dir.path() / "twin.toml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->fetch.concurrency, 8);
  EXPECT_EQ(config->fetch.per_host_delay, milliseconds(1000));
  EXPECT_TRUE(config->fetch.obey_robots);
  EXPECT_EQ(config->fetch.max_body_size, 20 * 1024 * 1024);
  EXPECT_EQ(config->fetch.max_redirects, 10);
  EXPECT_EQ(config->max_file_size, 1024 * 1024);
  EXPECT_TRUE(config->routes.empty());
}

TEST(CrawlConfigTest, ReadsTheCrawlTableAndRoutes) {
  auto config = config_from(R"(
[crawl]
concurrency = 3
per_host_delay = "250ms"
obey_robots = false
user_agent = "twin/9"
max_body_size = 1000
timeout = "2s"
[[crawl.routes]]
match = '^https?://127\.0\.0\.1:\d+/medium/'
crawler = "medium"
[[crawl.routes]]
match = '/js/'
crawler = "article"
render = "browser"
)");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->fetch.concurrency, 3);
  EXPECT_EQ(config->fetch.per_host_delay, milliseconds(250));
  EXPECT_FALSE(config->fetch.obey_robots);
  EXPECT_EQ(config->fetch.user_agent, "twin/9");
  EXPECT_EQ(config->fetch.max_body_size, 1000);
  EXPECT_EQ(config->fetch.timeout, milliseconds(2000));
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes[0].crawler, CrawlerKind::kMedium);
  EXPECT_EQ(config->routes[0].render, Render::kHttp);
  EXPECT_TRUE(route_matches(config->routes[0], "http://127.0.0.1:8080/medium/post"));
  EXPECT_EQ(config->routes[1].render, Render::kBrowser);
}

TEST(CrawlConfigTest, ZeroDelayIsAllowed) {
  auto config = config_from("[crawl]\nper_host_delay = \"0s\"\n");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->fetch.per_host_delay, milliseconds(0));
}

TEST(CrawlConfigTest, UnknownCrawlerNamesFileLineAndChoices) {
  auto config = config_from("[crawl]\n[[crawl.routes]]\nmatch = 'x'\ncrawler = \"twitter\"\n");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.error().message().find("twin.toml:4:"), std::string::npos) << config.error();
  EXPECT_NE(config.error().message().find("unknown crawler 'twitter'"), std::string::npos);
}

TEST(CrawlConfigTest, InvalidRegexIsReported) {
  auto config = config_from("[[crawl.routes]]\nmatch = '(unclosed'\ncrawler = \"article\"\n");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("not a valid regex"), std::string::npos)
      << config.error();
  EXPECT_NE(config.error().message().find("twin.toml:2:"), std::string::npos) << config.error();
}

// Route regexes a user writes cannot crash or hang the crawler: RE2 matches in linear time, so a
// 100,000-character URL against a catastrophic-backtracking regex is answered at once (std::regex
// overflowed its stack on the first and hung on the second). Lookaround, which RE2 does not
// have, is a clear error.
TEST(CrawlConfigTest, HostileRouteRegexesNeitherCrashNorHang) {
  auto config = config_from(
      "[[crawl.routes]]\nmatch = '\\d+/medium/.*x$'\ncrawler = \"medium\"\n"
      "[[crawl.routes]]\nmatch = '(a+)+$'\ncrawler = \"substack\"\n");
  ASSERT_TRUE(config) << config.error();
  const std::string long_url = "http://h/" + std::string(100'000, 'a') + "!";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(route_matches(config->routes[0], "http://1/medium/" + std::string(100'000, 'y')));
  EXPECT_TRUE(route_matches(config->routes[0], "http://1/medium/" + std::string(100'000, 'x')));
  EXPECT_FALSE(route_matches(config->routes[1], long_url));
  EXPECT_TRUE(route_matches(config->routes[1], "http://h/aaaa"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));

  auto lookahead = config_from("[[crawl.routes]]\nmatch = '^(?=https)'\ncrawler = \"article\"\n");
  ASSERT_FALSE(lookahead);
  EXPECT_NE(lookahead.error().message().find("RE2 syntax"), std::string::npos) << lookahead.error();
  EXPECT_NE(lookahead.error().message().find("twin.toml:2:"), std::string::npos)
      << lookahead.error();
}

TEST(CrawlConfigTest, BadDurationIsReported) {
  auto config = config_from("[crawl]\nper_host_delay = \"soon\"\n");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("crawl.per_host_delay"), std::string::npos)
      << config.error();
}

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(parse_duration("1s").value(), milliseconds(1000));
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
  EXPECT_EQ(parse_duration("250ms").value(), milliseconds(250));
  EXPECT_EQ(parse_duration("2m").value(), milliseconds(120'000));
  EXPECT_EQ(parse_duration("3").value(), milliseconds(3000));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("1 parsec"));
}

}  // namespace
}  // namespace twin::crawl
