// Routing and batch crawling against a loopback server and a local git repository.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "crawl/loopback_server.h"
#include "crawl/status_stream.h"
#include "crawl/test_pages.h"
#include "support/temp_dir.h"
#include "twin/core/process.h"
#include "twin/crawl/crawler.h"
#include "twin/crawl/repository.h"

namespace twin::crawl {
namespace {

namespace fs = std::filesystem;
using testing_support::first_paragraph;
using testing_support::LoopbackServer;
using testing_support::read_page;
using testing_support::TempDir;

Route route(const std::string& match, CrawlerKind crawler, Render render = Render::kHttp) {
  return make_route(match, crawler, render).value();
}

CrawlConfig test_config() {
  CrawlConfig config;
  config.fetch.per_host_delay = std::chrono::milliseconds(0);
  config.fetch.retry_backoff = std::chrono::milliseconds(10);
  config.routes.push_back(route(R"(^https?://127\.0\.0\.1:\d+/medium/)", CrawlerKind::kMedium));
  config.routes.push_back(route(R"(^https?://127\.0\.0\.1:\d+/substack/)", CrawlerKind::kSubstack));
  return config;
}

TEST(RoutingTest, DefaultsAndRoutes) {
  Dispatcher dispatcher(test_config());
  auto kind = [&](const std::string& link) { return dispatcher.route(link).crawler; };
  EXPECT_EQ(kind("https://github.com/iusztinpaul/energy-forecasting"), CrawlerKind::kRepository);
  EXPECT_EQ(kind("https://gitlab.example/group/project.git"), CrawlerKind::kRepository);
  EXPECT_EQ(kind("https://medium.com/decodingml/some-post-1234"), CrawlerKind::kMedium);
  EXPECT_EQ(kind("https://pub.towardsai.medium.com/x"), CrawlerKind::kMedium);
  EXPECT_EQ(kind("https://www.linkedin.com/in/someone/"), CrawlerKind::kLinkedIn);
  EXPECT_EQ(dispatcher.route("https://www.linkedin.com/in/someone/").render, Render::kBrowser);
  EXPECT_EQ(kind("https://decodingml.substack.com/p/a-post"), CrawlerKind::kSubstack);
  EXPECT_EQ(kind("https://mlabonne.github.io/blog/posts/x.html"), CrawlerKind::kArticle);
  EXPECT_EQ(kind("file:///tmp/page.html"), CrawlerKind::kArticle);
  EXPECT_EQ(kind("http://127.0.0.1:8080/medium/post"), CrawlerKind::kMedium);
  EXPECT_EQ(kind("http://127.0.0.1:8080/substack/post"), CrawlerKind::kSubstack);
  EXPECT_EQ(link_domain("https://Decodingml.substack.com/p/x"), "decodingml.substack.com");
  EXPECT_EQ(link_domain("/some/local/path"), "file");
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& http = server_.http();
    http.Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("User-agent: *\nDisallow: /members/\n", "text/plain");
    });
    for (const char* id : {"00-wordpress", "04-news", "05-docs", "07-tables", "10-comment_trap"}) {
      const std::string html = read_page(id);
      http.Get(std::string("/blog/") + id, [html](const httplib::Request&, httplib::Response& res) {
        res.set_content(html, "text/html; charset=utf-8");
      });
    }
    const std::string medium = read_page("02-medium");
    http.Get("/medium/post", [medium](const httplib::Request&, httplib::Response& res) {
      res.set_content(medium, "text/html");
    });
    const std::string substack = read_page("03-substack");
    http.Get("/substack/post", [substack](const httplib::Request&, httplib::Response& res) {
      res.set_content(substack, "text/html");
    });
    http.Get("/members/only", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<p>secret</p>", "text/html");
    });
    http.Get("/empty", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><body></body></html>", "text/html");
    });
    server_.start();
  }
  LoopbackServer server_;
};

TEST_F(DispatcherTest, CrawlsArticlesInSeveralLayouts) {
  Dispatcher dispatcher(test_config());
  const std::vector<std::string> ids = {"00-wordpress", "04-news", "05-docs", "07-tables",
                                        "10-comment_trap"};
  std::vector<std::string> links;
  for (const auto& id : ids) links.push_back(server_.url("/blog/" + id));
  size_t progress_calls = 0;
  auto outcomes = dispatcher.crawl(links, [&](const CrawlOutcome&, size_t done, size_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  });
  EXPECT_EQ(progress_calls, links.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const CrawlOutcome& outcome = outcomes[i];
    ASSERT_EQ(outcome.status, CrawlStatus::kOk) << ids[i] << ": " << outcome.reason;
    EXPECT_EQ(outcome.crawler, "article");
    EXPECT_EQ(outcome.domain, "127.0.0.1");
    const auto& article = std::get<ArticleResult>(*outcome.document);
    EXPECT_NE(article.content.find(first_paragraph(ids[i])), std::string::npos) << ids[i];
    EXPECT_FALSE(article.title.empty());
    EXPECT_EQ(article.platform, "127.0.0.1");
    EXPECT_EQ(article.link, links[i]);
  }
  const auto& wordpress = std::get<ArticleResult>(*outcomes[0].document);
  EXPECT_EQ(wordpress.author, "Ana Popescu");
  EXPECT_EQ(wordpress.date, "2024-03-12");
  EXPECT_EQ(wordpress.language, "en");
  EXPECT_EQ(wordpress.title, "Why Your Retrieval Pipeline Needs a Reranker");
}

TEST_F(DispatcherTest, MediumAndSubstackPagesThroughRoutes) {
  Dispatcher dispatcher(test_config());
  auto outcomes = dispatcher.crawl({server_.url("/medium/post"), server_.url("/substack/post")});
  ASSERT_EQ(outcomes[0].status, CrawlStatus::kOk) << outcomes[0].reason;
  ASSERT_EQ(outcomes[1].status, CrawlStatus::kOk) << outcomes[1].reason;
  EXPECT_EQ(outcomes[0].crawler, "medium");
  EXPECT_EQ(outcomes[1].crawler, "substack");
  const auto& medium = std::get<ArticleResult>(*outcomes[0].document);
  EXPECT_EQ(medium.platform, "medium");
  EXPECT_EQ(medium.title, "Lessons From Running Postgres on Kubernetes for Two Years");
  EXPECT_NE(medium.content.find(first_paragraph("02-medium")), std::string::npos);
  const auto& substack = std::get<ArticleResult>(*outcomes[1].document);
  EXPECT_EQ(substack.platform, "substack");
  EXPECT_EQ(substack.title, "Understanding Rust Lifetimes With Five Small Examples");
  EXPECT_EQ(substack.subtitle,
            "Stop fighting the borrow checker by learning what it is telling you.");
  EXPECT_NE(substack.content.find(first_paragraph("03-substack")), std::string::npos);
  EXPECT_EQ(substack.content.find("Subscribe"), std::string::npos);
}

TEST_F(DispatcherTest, ReportsSkippedAndFailedLinksWithReasons) {
  Dispatcher dispatcher(test_config());
  auto outcomes = dispatcher.crawl({server_.url("/members/only"), server_.url("/nothing-here"),
                                    server_.url("/empty"), server_.url("/blog/04-news"),
                                    server_.url("/blog/04-news")});
  EXPECT_EQ(outcomes[0].status, CrawlStatus::kSkipped);
  EXPECT_NE(outcomes[0].reason.find("robots.txt"), std::string::npos) << outcomes[0].reason;
  EXPECT_TRUE(server_.requests_for("/members/only").empty());
  EXPECT_EQ(outcomes[1].status, CrawlStatus::kFailed);
  EXPECT_NE(outcomes[1].reason.find("HTTP 404"), std::string::npos) << outcomes[1].reason;
  EXPECT_EQ(outcomes[2].status, CrawlStatus::kFailed);
  EXPECT_NE(outcomes[2].reason.find("no article content"), std::string::npos) << outcomes[2].reason;
  // The same link twice is fetched once and reported twice.
  EXPECT_EQ(outcomes[3].status, CrawlStatus::kOk);
  EXPECT_EQ(outcomes[4].status, CrawlStatus::kOk);
  EXPECT_EQ(server_.requests_for("/blog/04-news").size(), 1u);
}

// What is no web page is refused with a reason naming the link, never stored as an article:
// 2 MB of random bytes served as text/html, and an image.
TEST_F(DispatcherTest, BinaryBodiesAreNotArticles) {
  std::mt19937 random(7);
  std::string noise(2 * 1024 * 1024, '\0');
  for (char& byte : noise) byte = static_cast<char>(random() & 0xFF);
  server_.http().Get("/noise", [noise](const httplib::Request&, httplib::Response& res) {
    res.set_content(noise, "text/html");
  });
  server_.http().Get("/logo.png", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "image/png");
  });
  Dispatcher dispatcher(test_config());
  auto outcomes = dispatcher.crawl({server_.url("/noise"), server_.url("/logo.png")});
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.status, CrawlStatus::kFailed) << outcome.link;
    EXPECT_FALSE(outcome.document.has_value()) << outcome.link;
    EXPECT_NE(outcome.reason.find("not a web page: binary content"), std::string::npos)
        << outcome.reason;
  }
  EXPECT_NE(outcomes[1].reason.find("image/png"), std::string::npos) << outcomes[1].reason;
}

TEST_F(DispatcherTest, ReadsLocalPagesAndFileUrls) {
  TempDir dir;
  std::ofstream(dir.path() / "post.html") << read_page("11-hugo");
  Dispatcher dispatcher(test_config());
  auto outcomes = dispatcher.crawl(
      {(dir.path() / "post.html").string(), "file://" + (dir.path() / "post.html").string()});
  for (const auto& outcome : outcomes) {
    ASSERT_EQ(outcome.status, CrawlStatus::kOk) << outcome.reason;
    EXPECT_EQ(outcome.domain, "file");
    EXPECT_NE(std::get<ArticleResult>(*outcome.document).content.find(first_paragraph("11-hugo")),
              std::string::npos);
  }
}

// A git repository made by the test, with files the crawler must keep and skip.
class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = dir_.path() / "my-project";
    fs::create_directories(repo_ / "src");
    fs::create_directories(repo_ / "assets");
    std::ofstream(repo_ / "README.md") << "# My project\n";
    std::ofstream(repo_ / "src" / "main.py") << "print('hello')\n";
    std::ofstream(repo_ / "assets" / "logo.png") << "\x89PNG\r\n\x1a\n";
    std::ofstream(repo_ / "package-lock.json") << "{}\n";
    std::ofstream(repo_ / "poetry.lock") << "[[package]]\n";
    std::ofstream(repo_ / "big.txt") << std::string(5000, 'a');
    std::ofstream(repo_ / "data.bin", std::ios::binary) << std::string("ab\0cd", 5);
    run({"git", "init", "--quiet", repo_.string()});
    run({"git", "-C", repo_.string(), "add", "."});
    run({"git", "-C", repo_.string(), "-c", "user.name=Test", "-c", "user.email=t@example.com",
         "commit", "--quiet", "-m", "initial"});
  }
  void run(std::vector<std::string> argv) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.out.mode = OutputMode::kCapture;
    spec.err.mode = OutputMode::kCapture;
    auto result = run_process(spec);
    ASSERT_TRUE(result && result->ok()) << (result ? result->err : result.error().to_string());
  }
  TempDir dir_;
  fs::path repo_;
};

TEST_F(RepositoryTest, ClonesAndKeepsOnlyTextFiles) {
  // A private TMPDIR shows that the clone is removed afterwards.
  const fs::path tmp = dir_.path() / "tmp";
  fs::create_directories(tmp);
  const char* saved = std::getenv("TMPDIR");
  const std::string saved_value = saved ? saved : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  auto result = crawl_repository(repo_.string(), {.max_file_size = 1000});
  if (saved) {
    ::setenv("TMPDIR", saved_value.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->name, "my-project");
  EXPECT_EQ(result->platform, "git");
  std::vector<std::string> paths;
  for (const auto& [path, text] : result->files) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"README.md", "src/main.py"}));
  EXPECT_EQ(result->files.at("src/main.py"), "print('hello')\n");
  EXPECT_TRUE(fs::is_empty(tmp)) << "the temporary clone was left behind";
}

TEST_F(RepositoryTest, DispatcherRoutesLocalRepositoriesAndFileUrls) {
  CrawlConfig config = test_config();
  config.max_file_size = 10'000;
  Dispatcher dispatcher(config);
  auto outcomes = dispatcher.crawl(
      {repo_.string(), "file://" + repo_.string(), (repo_ / "src" / "..").string() + "/"});
  for (const auto& outcome : outcomes) {
    ASSERT_EQ(outcome.status, CrawlStatus::kOk) << outcome.reason;
    EXPECT_EQ(outcome.crawler, "repository");
    const auto& repository = std::get<RepositoryResult>(*outcome.document);
    EXPECT_EQ(repository.name, "my-project");
    EXPECT_TRUE(repository.files.contains("big.txt"));  // under this config's limit
    EXPECT_FALSE(repository.files.contains("data.bin"));
  }
}

TEST_F(RepositoryTest, MissingRepositoryFailsWithGitsMessage) {
  auto result = crawl_repository((dir_.path() / "nope.git").string(), {});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("git clone failed"), std::string::npos) << result.error();
}

TEST(RepositoryPathTest, SkipsGitLockFilesAndBinaries) {
  EXPECT_TRUE(is_skipped_repository_path(".git/config"));
  EXPECT_TRUE(is_skipped_repository_path("sub/.git/HEAD"));
  EXPECT_TRUE(is_skipped_repository_path("yarn.lock"));
  EXPECT_TRUE(is_skipped_repository_path("web/package-lock.json"));
  EXPECT_TRUE(is_skipped_repository_path("img/photo.JPG"));
  EXPECT_TRUE(is_skipped_repository_path("model.safetensors"));
  EXPECT_FALSE(is_skipped_repository_path("src/lock.py"));
  EXPECT_FALSE(is_skipped_repository_path("Makefile"));
}

}  // namespace
}  // namespace twin::crawl
