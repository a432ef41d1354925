// Browser fetching through chromedriver + headless Chromium: a page built by JavaScript, and a
// LinkedIn-like feed behind a login. Skipped (with the reason) when Chromium is not installed.
#include "twin/crawl/browser.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "crawl/linkedin_site.h"
#include "crawl/loopback_server.h"
#include "crawl/status_stream.h"
#include "twin/crawl/crawler.h"

namespace twin::crawl {
namespace {

using testing_support::LoopbackServer;

bool browser_installed() {
  const BrowserOptions defaults;
  return ::access(defaults.chromedriver.c_str(), X_OK) == 0 &&
         ::access(defaults.chromium.c_str(), X_OK) == 0;
}

#define SKIP_WITHOUT_BROWSER()                                        \
  if (!browser_installed()) {                                         \
    GTEST_SKIP() << "chromium and chromium-driver are not installed " \
                    "(scripts/install-deps.sh installs them)";        \
  }

constexpr const char* kJavaScriptPage = R"(<!DOCTYPE html><html lang="en"><head>
<title>Rendered by script</title></head><body><div id="app">Loading...</div><script>
document.addEventListener('DOMContentLoaded', () => {
  const paragraphs = [
    'This article does not exist in the HTML that the server sends, only in the DOM that the script builds.',
    'A crawler that reads the raw response sees a loading message, while a browser sees the whole story.'];
  document.getElementById('app').innerHTML = '<article><h1>Built by JavaScript</h1>' +
      paragraphs.map(p => '<p>' + p + '</p>').join('') + '</article>';
});
</script></body></html>)";

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = server_.http();
    http.Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("User-agent: *\nDisallow: /js/private\n", "text/plain");
    });
    http.Get("/js/private", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kJavaScriptPage, "text/html");
    });
    http.Get("/js/article", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kJavaScriptPage, "text/html");
    });
    testing_support::serve_linkedin_site(http);
    server_.start();
  }

  CrawlConfig config(int scroll_limit = 10) {
    CrawlConfig config;
    config.fetch.per_host_delay = std::chrono::milliseconds(0);
    const std::string js = R"(^http://127\.0\.0\.1:\d+/js/)";
    config.routes.push_back(make_route(js, CrawlerKind::kArticle, Render::kBrowser).value());
    const std::string feed = R"(^http://127\.0\.0\.1:\d+/in/)";
    config.routes.push_back(make_route(feed, CrawlerKind::kLinkedIn, Render::kBrowser).value());
    config.scroll_limit = scroll_limit;
    config.linkedin_username = testing_support::kLinkedInUsername;
    config.linkedin_password = testing_support::kLinkedInPassword;
    return config;
  }

  LoopbackServer server_;
};

TEST_F(BrowserTest, PageBuiltByJavaScriptNeedsTheBrowser) {
  SKIP_WITHOUT_BROWSER();
  Dispatcher dispatcher(config());
  auto outcomes = dispatcher.crawl({server_.url("/js/article")});
  ASSERT_EQ(outcomes[0].status, CrawlStatus::kOk) << outcomes[0].reason;
  const auto& article = std::get<ArticleResult>(*outcomes[0].document);
  // The document's <title>, as Readability reads it (docs/crawl.md); the h1 that only the
  // script builds is in the content.
  EXPECT_EQ(article.title, "Rendered by script");
  EXPECT_NE(article.content.find("Built by JavaScript"), std::string::npos) << article.content;
  EXPECT_NE(article.content.find("only in the DOM that the script builds"), std::string::npos)
      << article.content;
  EXPECT_EQ(article.language, "en");

  // Without the browser route, the same page has no article, only "Loading...".
  CrawlConfig plain = config();
  plain.routes.clear();
  auto without = Dispatcher(plain).crawl({server_.url("/js/article")});
  EXPECT_EQ(without[0].status, CrawlStatus::kFailed);
  EXPECT_NE(without[0].reason.find("no article content"), std::string::npos) << without[0].reason;
}

TEST_F(BrowserTest, BrowserRoutesHonourRobotsTxt) {
  SKIP_WITHOUT_BROWSER();
  Dispatcher dispatcher(config());
  auto outcomes = dispatcher.crawl({server_.url("/js/private")});
  EXPECT_EQ(outcomes[0].status, CrawlStatus::kSkipped);
  EXPECT_NE(outcomes[0].reason.find("robots.txt"), std::string::npos) << outcomes[0].reason;
  EXPECT_TRUE(server_.requests_for("/js/private").empty());
}

TEST_F(BrowserTest, LinkedInCrawlerLogsInScrollsAndReadsPosts) {
  SKIP_WITHOUT_BROWSER();
  Dispatcher dispatcher(config());
  auto outcomes = dispatcher.crawl({server_.url("/in/jane/recent-activity/")});
  ASSERT_EQ(outcomes[0].status, CrawlStatus::kOk) << outcomes[0].reason;
  EXPECT_EQ(outcomes[0].crawler, "linkedin");
  const auto& posts = std::get<PostsResult>(*outcomes[0].document);
  EXPECT_EQ(posts.platform, "linkedin");
  ASSERT_EQ(posts.posts.size(), 7u);
  EXPECT_EQ(posts.posts[0].text, "Post number 1 about building LLM systems.");
  EXPECT_EQ(posts.posts[6].image, server_.url("/img/7.png"));
}

TEST_F(BrowserTest, ScrollLimitBoundsTheFeed) {
  SKIP_WITHOUT_BROWSER();
  Dispatcher dispatcher(config(/*scroll_limit=*/1));
  auto outcomes = dispatcher.crawl({server_.url("/in/jane/recent-activity/")});
  ASSERT_EQ(outcomes[0].status, CrawlStatus::kOk) << outcomes[0].reason;
  EXPECT_EQ(std::get<PostsResult>(*outcomes[0].document).posts.size(), 5u);
}

TEST_F(BrowserTest, WrongOrMissingCredentialsAreClearFailures) {
  SKIP_WITHOUT_BROWSER();
  CrawlConfig wrong = config();
  wrong.linkedin_password = "wrong";
  auto outcomes = Dispatcher(wrong).crawl({server_.url("/in/jane/recent-activity/")});
  EXPECT_EQ(outcomes[0].status, CrawlStatus::kFailed);
  EXPECT_NE(outcomes[0].reason.find("logging in as LINKEDIN_USERNAME failed"), std::string::npos)
      << outcomes[0].reason;

  CrawlConfig missing = config();
  missing.linkedin_username.clear();
  outcomes = Dispatcher(missing).crawl({server_.url("/in/jane/recent-activity/")});
  EXPECT_EQ(outcomes[0].status, CrawlStatus::kFailed);
  EXPECT_NE(outcomes[0].reason.find("LINKEDIN_USERNAME"), std::string::npos) << outcomes[0].reason;
}

TEST(BrowserStartTest, MissingChromedriverIsUnavailable) {
  BrowserOptions options;
  options.chromedriver = "/nonexistent/chromedriver";
  auto session = BrowserSession::start(options);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(session.error().message().find("chromium-driver"), std::string::npos);
}

}  // namespace
}  // namespace twin::crawl
