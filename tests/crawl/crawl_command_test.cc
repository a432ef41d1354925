// `twin crawl` end to end: the binary against a loopback server.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "crawl/loopback_server.h"
#include "crawl/status_stream.h"
#include "crawl/test_pages.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin {
namespace {

using testing_support::LoopbackServer;
using testing_support::run_twin;
using testing_support::shell_quote;
using testing_support::TempDir;

class CrawlCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string medium = testing_support::read_page("15-medium");
    server_.http().Get("/medium/post", [medium](const httplib::Request&, httplib::Response& res) {
      res.set_content(medium, "text/html");
    });
    server_.start();
    std::ofstream(project_.path() / "twin.toml") << R"(
[crawl]
per_host_delay = "0s"
[[crawl.routes]]
match = '^https?://127\.0\.0\.1:\d+/medium/'
crawler = "medium"
)";
  }
  LoopbackServer server_;
  TempDir project_;
};

TEST_F(CrawlCommandTest, JsonOutputUsesTheProjectsRoutes) {
  auto result =
      run_twin("crawl --json " + shell_quote(server_.url("/medium/post")), project_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json["results"].size(), 1u);
  const auto& one = json["results"][0];
  EXPECT_EQ(one["status"], "ok");
  EXPECT_EQ(one["crawler"], "medium");
  EXPECT_EQ(one["domain"], "127.0.0.1");
  EXPECT_EQ(one["document"]["platform"], "medium");
  EXPECT_EQ(one["document"]["title"], "Caching Strategies Every Backend Developer Should Know");
  EXPECT_NE(one["document"]["content"].get<std::string>().find(
                testing_support::first_paragraph("15-medium")),
            std::string::npos);
}

TEST_F(CrawlCommandTest, RouteConfigFlagAndFailuresExitWithOne) {
  TempDir elsewhere;
  const std::string config = (project_.path() / "twin.toml").string();
  auto result = run_twin("crawl --route-config " + shell_quote(config) + " " +
                             shell_quote(server_.url("/medium/post")) + " " +
                             shell_quote(server_.url("/missing")),
                         elsewhere.path());
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.out.find("title:    Caching Strategies"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("HTTP 404"), std::string::npos) << result.out;
}

TEST_F(CrawlCommandTest, BadRouteConfigIsAUsageError) {
  std::ofstream(project_.path() / "twin.toml") << "[[crawl.routes]]\nmatch = '('\n";
  auto result = run_twin("crawl http://127.0.0.1:1/x", project_.path());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("not a valid regex"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace twin
