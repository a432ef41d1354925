#include "twin/crawl/robots.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "crawl/status_stream.h"

namespace twin::crawl {
namespace {

constexpr const char* kRobots = R"(# comment
User-agent: badbot
Disallow: /

User-agent: *
Disallow: /private/
Allow: /private/public
Disallow: /*.pdf$
Disallow: /search?
Crawl-delay: 2

User-agent: twin
User-agent: other
Disallow: /not-for-twin
)";

TEST(RobotsTest, UsesTheGroupNamingOurProductToken) {
  RobotsRules rules = RobotsRules::parse(kRobots, "twin/0.1");
  EXPECT_FALSE(rules.allowed("/not-for-twin/page"));
  EXPECT_TRUE(rules.allowed("/private/x"));  // the * group does not apply
  EXPECT_FALSE(rules.crawl_delay());
}

TEST(RobotsTest, FallsBackToTheStarGroup) {
  RobotsRules rules = RobotsRules::parse(kRobots, "somebot/2");
  EXPECT_TRUE(rules.allowed("/"));
  EXPECT_FALSE(rules.allowed("/private/x"));
  EXPECT_TRUE(rules.allowed("/private/public/y"));  // longer Allow wins
  EXPECT_FALSE(rules.allowed("/docs/a.pdf"));
  EXPECT_TRUE(rules.allowed("/docs/a.pdf.html"));  // $ anchors the end
  EXPECT_FALSE(rules.allowed("/search?q=1"));
  EXPECT_TRUE(rules.allowed("/search"));
  ASSERT_TRUE(rules.crawl_delay());
  EXPECT_EQ(*rules.crawl_delay(), std::chrono::milliseconds(2000));
}

TEST(RobotsTest, EmptyDisallowAndNoRulesAllowEverything) {
  EXPECT_TRUE(RobotsRules::parse("User-agent: *\nDisallow:\n", "twin").allowed("/a"));
  EXPECT_TRUE(RobotsRules::parse("", "twin").allowed("/a"));
  EXPECT_TRUE(RobotsRules::parse("garbage without colons", "twin").allowed("/a"));
  EXPECT_FALSE(RobotsRules::parse("User-agent: *\nDisallow: /\n", "twin").allowed("/a"));
  EXPECT_TRUE(RobotsRules::parse("User-agent: *\nDisallow: /\n", "twin").allowed("/robots.txt"));
}

// RFC 9309 2.2.3's examples of "*" and "$".
TEST(RobotsTest, WildcardsAndEndAnchorAsRfc9309Describes) {
  const auto disallowed = [](std::string_view rule, std::string_view path) {
    return !RobotsRules::parse(fmt::format("User-agent: *\nDisallow: {}\n", rule), "twin")
                .allowed(path);
  };
  for (const char* path : {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads/yummy.html"})
    EXPECT_TRUE(disallowed("/fish*", path)) << path;
  EXPECT_FALSE(disallowed("/fish*", "/Fish.asp"));
  for (const char* path : {"/filename.php", "/folder/filename.php"})
    EXPECT_TRUE(disallowed("/*.php$", path)) << path;
  for (const char* path : {"/filename.php?parameters", "/filename.php5", "/windows.PHP"})
    EXPECT_FALSE(disallowed("/*.php$", path)) << path;
  for (const char* path : {"/fish.php", "/fishheads/catfish.php?parameters"})
    EXPECT_TRUE(disallowed("/fish*.php", path)) << path;
  EXPECT_FALSE(disallowed("/fish*.php", "/Fish.PHP"));
  EXPECT_TRUE(disallowed("/a$", "/a"));
  EXPECT_FALSE(disallowed("/a$", "/ab"));
  EXPECT_TRUE(disallowed("*", "/anything"));
}

// Found by fuzz/robots_txt.cc: Crawl-delay: 1e85 converted out of range (undefined behaviour).
TEST(RobotsTest, AHugeCrawlDelayIsCappedAndNanIsIgnored) {
  const auto huge = RobotsRules::parse("User-agent: *\nCrawl-delay: 1e85\n", "twin");
  ASSERT_TRUE(huge.crawl_delay());
  EXPECT_EQ(*huge.crawl_delay(), RobotsRules::kMaxCrawlDelay);
  EXPECT_FALSE(RobotsRules::parse("User-agent: *\nCrawl-delay: nan\n", "twin").crawl_delay());
  const auto normal = RobotsRules::parse("User-agent: *\nCrawl-delay: 2.5\n", "twin");
  EXPECT_EQ(*normal.crawl_delay(), std::chrono::milliseconds(2500));
}

// Found by fuzz/robots_txt.cc: a rule of many stars against a long path took exponential time
// (every split tried at every star); the match is now bounded by |rule| x |path|.
TEST(RobotsTest, ARuleOfManyStarsAgainstALongPathAnswersAtOnce) {
  std::string rule = "/";
  for (int i = 0; i < 40; ++i) rule += "*a";
  rule += "b$";
  const RobotsRules rules = RobotsRules::parse("User-agent: *\nDisallow: " + rule + "\n", "twin");
  EXPECT_TRUE(rules.allowed("/" + std::string(5000, 'a')));
  EXPECT_FALSE(rules.allowed("/" + std::string(5000, 'a') + "b"));
}

}  // namespace
}  // namespace twin::crawl
