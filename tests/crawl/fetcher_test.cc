// The fetcher against a real loopback HTTP server: robots.txt, redirects, retries, limits,
// compression, charsets, politeness.
#include "twin/crawl/fetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "crawl/loopback_server.h"
#include "crawl/status_stream.h"
#include "support/temp_dir.h"

namespace twin::crawl {
namespace {

using std::chrono::milliseconds;
using testing_support::LoopbackServer;

FetchOptions fast_options() {
  FetchOptions options;
  options.per_host_delay = milliseconds(0);
  options.retry_backoff = milliseconds(10);
  options.timeout = milliseconds(5000);
  options.user_agent = "twin-test/1.0";
  return options;
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = server_.http();
    http.Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("User-agent: *\nDisallow: /private/\nAllow: /private/open\n", "text/plain");
    });
    http.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><body><p>hello</p></body></html>", "text/html; charset=utf-8");
    });
    http.Get("/private/secret", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("secret", "text/plain");
    });
    http.Get("/private/open", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("open", "text/plain");
    });
    http.Get(R"(/hop/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const int n = std::stoi(req.matches[1]);
      if (n == 0) {
        res.set_content("landed", "text/plain");
      } else {
        res.set_redirect("/hop/" + std::to_string(n - 1), 302);
      }
    });
    http.Get("/loop/a", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/loop/b", 301);
    });
    http.Get("/loop/b", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/loop/a", 301);
    });
    http.Get("/busy", [this](const httplib::Request&, httplib::Response& res) {
      if (busy_calls_++ == 0) {
        res.status = 429;
        res.set_header("Retry-After", "1");
        res.set_content("slow down", "text/plain");
        return;
      }
      res.set_content("finally", "text/plain");
    });
    http.Get("/broken", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_content("down", "text/plain");
    });
    http.Get("/missing", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
    http.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      res.set_content("too late", "text/plain");
    });
    http.Get("/huge", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(3 * 1024 * 1024, 'x'), "text/plain");
    });
    http.Get("/huge-chunked", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 3 * 1024 * 1024) {
          sink.done();
          return true;
        }
        const std::string chunk(64 * 1024, 'y');
        return sink.write(chunk.data(), chunk.size());
      });
    });
    http.Get("/latin1", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<p>caf\xE9 cr\xE8me \x80 10</p>", "text/html; charset=ISO-8859-1");
    });
    http.Get("/meta-charset", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          "<html><head><meta charset=\"windows-1252\"></head><body>na\xEFve</body></html>",
          "text/html");
    });
    http.Get("/bad-utf8", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok \xC3\x28 end", "text/html; charset=utf-8");
    });
    http.Get("/compressible", [](const httplib::Request&, httplib::Response& res) {
      std::string text;
      for (int i = 0; i < 2000; ++i) text += "compress me please ";
      res.set_content(text, "text/plain");
    });
    server_.start();
  }

  LoopbackServer server_;
  std::atomic<int> busy_calls_{0};
};

TEST_F(FetcherTest, FetchesAPageAndSendsTheUserAgent) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/hello"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->body, "<html><body><p>hello</p></body></html>");
  EXPECT_EQ(server_.requests_for("/hello").at(0).user_agent, "twin-test/1.0");
}

TEST_F(FetcherTest, RobotsTxtDisallowedLinkIsNeverFetched) {
  Fetcher fetcher(fast_options());
  auto results = fetcher.fetch_all({server_.url("/private/secret"), server_.url("/private/open")});
  EXPECT_TRUE(results[0].disallowed);
  ASSERT_FALSE(results[0].response);
  EXPECT_NE(results[0].response.error().message().find("robots.txt"), std::string::npos);
  ASSERT_TRUE(results[1].response) << results[1].response.error();
  EXPECT_EQ(results[1].response->body, "open");
  EXPECT_TRUE(server_.requests_for("/private/secret").empty());
  EXPECT_EQ(server_.requests_for("/robots.txt").size(), 1u);  // cached for the host
  fetcher.fetch(server_.url("/hello"));
  EXPECT_EQ(server_.requests_for("/robots.txt").size(), 1u);
}

TEST_F(FetcherTest, RobotsTxtIgnoredWhenObeyRobotsIsOff) {
  FetchOptions options = fast_options();
  options.obey_robots = false;
  Fetcher fetcher(options);
  FetchResult result = fetcher.fetch(server_.url("/private/secret"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_TRUE(server_.requests_for("/robots.txt").empty());
}

TEST_F(FetcherTest, FollowsRedirects) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/hop/3"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->body, "landed");
  EXPECT_EQ(result.response->url, server_.url("/hop/0"));
  EXPECT_EQ(result.response->redirects.size(), 3u);
}

TEST_F(FetcherTest, TooManyRedirectsFail) {
  FetchOptions options = fast_options();
  options.max_redirects = 2;
  Fetcher fetcher(options);
  FetchResult result = fetcher.fetch(server_.url("/hop/5"));
  ASSERT_FALSE(result.response);
  EXPECT_NE(result.response.error().message().find("more than 2 redirects"), std::string::npos)
      << result.response.error();
}

TEST_F(FetcherTest, RedirectLoopIsDetected) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/loop/a"));
  ASSERT_FALSE(result.response);
  EXPECT_NE(result.response.error().message().find("redirect loop"), std::string::npos)
      << result.response.error();
  EXPECT_EQ(server_.requests_for("/loop/a").size(), 1u);
}

TEST_F(FetcherTest, RetriesAfter429HonouringRetryAfter) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/busy"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->body, "finally");
  EXPECT_EQ(result.response->attempts, 2);
  const auto calls = server_.requests_for("/busy");
  ASSERT_EQ(calls.size(), 2u);
  // Retry-After: 1 is honoured although the backoff alone would be 10 ms.
  EXPECT_GE(calls[1].at - calls[0].at, milliseconds(900));
}

TEST_F(FetcherTest, GivesUpOn5xxAfterTheRetries) {
  FetchOptions options = fast_options();
  options.max_retries = 2;
  Fetcher fetcher(options);
  FetchResult result = fetcher.fetch(server_.url("/broken"));
  ASSERT_FALSE(result.response);
  EXPECT_NE(result.response.error().message().find("HTTP 503 after 3 attempts"), std::string::npos)
      << result.response.error();
  EXPECT_EQ(server_.requests_for("/broken").size(), 3u);
}

TEST_F(FetcherTest, NotFoundIsNotRetried) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/missing"));
  ASSERT_FALSE(result.response);
  EXPECT_EQ(result.response.error().code(), StatusCode::kNotFound);
  EXPECT_NE(result.response.error().message().find("HTTP 404"), std::string::npos);
  EXPECT_EQ(server_.requests_for("/missing").size(), 1u);
}

TEST_F(FetcherTest, SlowResponseTimesOut) {
  FetchOptions options = fast_options();
  options.timeout = milliseconds(500);
  Fetcher fetcher(options);
  FetchResult result = fetcher.fetch(server_.url("/slow"));
  ASSERT_FALSE(result.response);
  EXPECT_EQ(result.response.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(result.response.error().message().find("timed out"), std::string::npos)
      << result.response.error();
}

TEST_F(FetcherTest, HugeResponsesAreCutAtTheMaximumBodySize) {
  FetchOptions options = fast_options();
  options.max_body_size = 1024 * 1024;
  Fetcher fetcher(options);
  for (const char* path : {"/huge", "/huge-chunked"}) {
    FetchResult result = fetcher.fetch(server_.url(path));
    ASSERT_FALSE(result.response) << path;
    EXPECT_NE(result.response.error().message().find("larger than the maximum of 1048576 bytes"),
              std::string::npos)
        << result.response.error();
  }
}

TEST_F(FetcherTest, DecompressesWhatTheServerCompressed) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/compressible"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_FALSE(result.response->content_encoding.empty());  // br or gzip on the wire
  EXPECT_EQ(result.response->body.size(), 2000u * 19u);
  const std::string accepted = server_.requests_for("/compressible").at(0).accept_encoding;
  EXPECT_NE(accepted.find("gzip"), std::string::npos);
  EXPECT_NE(accepted.find("br"), std::string::npos);
}

TEST_F(FetcherTest, ConvertsLatin1FromTheHeaderToUtf8) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/latin1"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->body,
            "<p>caf\xC3\xA9 cr\xC3\xA8me \xE2\x82\xAC 10</p>");  // € from 0x80
  EXPECT_EQ(result.response->charset, "windows-1252");
}

TEST_F(FetcherTest, ConvertsTheMetaCharsetToUtf8) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/meta-charset"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_NE(result.response->body.find("na\xC3\xAFve"), std::string::npos);
}

TEST_F(FetcherTest, InvalidUtf8BecomesReplacementCharacters) {
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch(server_.url("/bad-utf8"));
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->body, "ok \xEF\xBF\xBD( end");
}

TEST_F(FetcherTest, OneRequestAtATimePerHostWithTheDelayBetween) {
  FetchOptions options = fast_options();
  options.per_host_delay = milliseconds(300);
  Fetcher fetcher(options);
  auto results = fetcher.fetch_all(
      {server_.url("/hop/0"), server_.url("/hello"), server_.url("/private/open")});
  for (const auto& result : results) ASSERT_TRUE(result.response) << result.response.error();
  std::vector<std::chrono::steady_clock::time_point> times;
  for (const auto& request : server_.requests()) {
    if (request.path != "/robots.txt") times.push_back(request.at);
  }
  ASSERT_EQ(times.size(), 3u);
  std::sort(times.begin(), times.end());
  // Jitter keeps each pause within [0.75, 1.25] of the delay.
  EXPECT_GE(times[1] - times[0], milliseconds(220));
  EXPECT_GE(times[2] - times[1], milliseconds(220));
}

TEST_F(FetcherTest, HonoursCrawlDelayFromRobotsTxt) {
  LoopbackServer polite;
  polite.http().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: twin-test\nCrawl-delay: 0.5\n", "text/plain");
  });
  polite.http().Get(R"(/page/\d)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("page", "text/plain");
  });
  polite.start();
  Fetcher fetcher(fast_options());
  auto results = fetcher.fetch_all({polite.url("/page/1"), polite.url("/page/2")});
  for (const auto& result : results) ASSERT_TRUE(result.response) << result.response.error();
  const auto first = polite.requests_for("/page/1");
  const auto second = polite.requests_for("/page/2");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GE(second[0].at - first[0].at, milliseconds(370));
}

TEST_F(FetcherTest, ReadsFileUrls) {
  testing_support::TempDir dir;
  std::ofstream(dir.path() / "page.html") << "<p>from disk</p>";
  Fetcher fetcher(fast_options());
  FetchResult result = fetcher.fetch("file://" + (dir.path() / "page.html").string());
  ASSERT_TRUE(result.response) << result.response.error();
  EXPECT_EQ(result.response->body, "<p>from disk</p>");
}

TEST_F(FetcherTest, ConnectionRefusedNamesTheUrl) {
  FetchOptions options = fast_options();
  options.max_retries = 0;
  Fetcher fetcher(options);
  LoopbackServer closed;
  closed.start();
  const std::string url = closed.url("/x");
  closed.stop();
  FetchResult result = fetcher.fetch(url);
  ASSERT_FALSE(result.response);
  EXPECT_NE(result.response.error().message().find(url), std::string::npos)
      << result.response.error();
}

// A host whose name does not resolve (.invalid never does, RFC 6761) fails every one of its
// URLs at once: no politeness pause between them (20 links used to wait 20 pauses).
TEST_F(FetcherTest, UnresolvableHostFailsItsLinksWithoutPausing) {
  FetchOptions options = fast_options();
  options.per_host_delay = milliseconds(2000);
  options.max_retries = 0;
  Fetcher fetcher(options);
  std::vector<std::string> urls;
  for (int i = 0; i < 20; ++i) urls.push_back(fmt::format("http://twin-test-host.invalid/{}", i));
  const auto started = std::chrono::steady_clock::now();
  auto results = fetcher.fetch_all(urls);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  ASSERT_EQ(results.size(), urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    ASSERT_FALSE(results[i].response) << urls[i];
    const std::string message = results[i].response.error().message();
    EXPECT_TRUE(message.starts_with(urls[i] + ": ")) << message;
    EXPECT_NE(message.find("resolve"), std::string::npos) << message;
  }
}

TEST(UrlTest, ResolvesRelativeReferences) {
  EXPECT_EQ(resolve_url("http://a.example/x/y", "../z").value(), "http://a.example/z");
  auto parts = parse_url("HTTP://Example.COM:8080/a?b=1");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->host, "example.com");
  EXPECT_EQ(parts->port, "8080");
  EXPECT_EQ(parts->path_and_query, "/a?b=1");
}

// A robots.txt over RFC 9309's 500 KiB: its first 500 KiB are obeyed, not the whole file ignored.
TEST(FetcherRobotsTest, RobotsTxtOverTheSizeLimitIsCutAndObeyedNotIgnored) {
  LoopbackServer server;
  server.http().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    std::string text = "User-agent: *\nDisallow: /private/\n";
    while (text.size() < 700 * 1024) text += "# padding padding padding padding padding\n";
    res.set_content(text, "text/plain");
  });
  server.http().Get("/private/secret", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("secret", "text/plain");
  });
  server.start();
  Fetcher fetcher(fast_options());
  auto results = fetcher.fetch_all({server.url("/private/secret")});
  EXPECT_TRUE(results[0].disallowed);
  EXPECT_TRUE(server.requests_for("/private/secret").empty());
  Fetcher direct(fast_options());
  EXPECT_FALSE(direct.allowed_by_robots(server.url("/private/secret")));
}

TEST(FetcherRobotsTest, RobotsTxtServerErrorMeansDisallowAll) {
  LoopbackServer server;
  server.http().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("down", "text/plain");
  });
  server.http().Get("/page", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("page", "text/plain");
  });
  server.start();
  Fetcher fetcher(fast_options());
  auto results = fetcher.fetch_all({server.url("/page")});
  EXPECT_TRUE(results[0].disallowed);
  EXPECT_TRUE(server.requests_for("/page").empty());
  Fetcher direct(fast_options());
  EXPECT_FALSE(direct.allowed_by_robots(server.url("/page")));
}

}  // namespace
}  // namespace twin::crawl
