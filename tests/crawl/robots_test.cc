#include "twin/crawl/robots.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace twin::crawl
