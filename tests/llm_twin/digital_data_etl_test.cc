// `twin pipeline run digital_data_etl` end to end: the binary on a temporary project, crawling a
// loopback HTTP server and a local git repository into the warehouse (SQLite and PostgreSQL).
#include "twin/llm_twin/digital_data_etl.h"

#include <gmock/gmock.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "crawl/linkedin_site.h"
#include "crawl/loopback_server.h"
#include "crawl/test_pages.h"
#include "support/run_twin.h"
#include "support/scratch_database.h"
#include "support/temp_dir.h"
#include "twin/crawl/config.h"

namespace twin {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_support::CommandOutput;
using testing_support::LoopbackServer;
using testing_support::read_page;
using testing_support::run_shell;
using testing_support::run_twin;
using testing_support::shell_quote;
using testing_support::TempDir;
using json = nlohmann::json;

const fs::path kHandbookConfigs = TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/configs";

class DigitalDataEtlTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const auto& [path, page] :
         std::vector<std::pair<std::string, std::string>>{{"/blog/wordpress", "00-wordpress"},
                                                          {"/blog/ghost", "01-ghost"},
                                                          {"/medium/post", "15-medium"}}) {
      const std::string html = read_page(page);
      ASSERT_FALSE(html.empty()) << "page " << page << " is missing";
      server_.http().Get(path, [html](const httplib::Request&, httplib::Response& res) {
        res.set_content(html, "text/html; charset=utf-8");
      });
    }
    server_.http().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
    });
    server_.start();

    std::ofstream(project_.path() / "twin.toml") << R"(
[crawl]
per_host_delay = "0s"
max_retries = 0
[[crawl.routes]]
match = '^https?://127\.0\.0\.1:\d+/medium/'
crawler = "medium"
)";
    if (GetParam() == "postgresql") {
      scratch_ = std::make_unique<testing_support::ScratchDatabase>(GetParam());
      if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
      ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
      std::ofstream(project_.path() / ".env")
          << "DATABASE_HOST=" << scratch_->server_uri() << "\n"
          << "DATABASE_NAME=" << scratch_->database_name() << "\n";
    }
    make_git_repository();
  }

  // A small repository with one commit: two text files and a binary one.
  void make_git_repository() {
    const fs::path repo = repository_.path() / "notes";
    fs::create_directories(repo / "src");
    std::ofstream(repo / "README.md") << "# Notes\n\nA repository for the ETL test.\n";
    std::ofstream(repo / "src" / "main.py") << "print('hello')\n";
    std::ofstream(repo / "logo.png", std::ios::binary) << std::string("\x89PNG\r\n\x1a\n\0\0", 10);
    const CommandOutput git = run_shell(
        "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -q "
        "-m init",
        repo);
    ASSERT_EQ(git.exit_code, 0) << git.err;
  }

  std::string repository_link() const { return (repository_.path() / "notes").string(); }

  void write_config(const std::string& name, const std::vector<std::string>& links) {
    std::ofstream out(project_.path() / name);
    out << "settings:\n  docker:\n    skip_build: True\nparameters:\n  user_full_name: Jane "
           "Ann Doe\n  links:\n";
    for (const auto& link : links) out << "    - " << link << "\n";
  }

  CommandOutput twin(const std::string& args) { return run_twin(args, project_.path()); }

  // Runs the pipeline with --json and returns {run, steps}.
  json run_etl(const std::string& extra = "", int expected_exit = 0) {
    const CommandOutput result =
        twin("pipeline run digital_data_etl --config etl.yaml --json " + extra);
    last_err_ = result.err;
    EXPECT_EQ(result.exit_code, expected_exit) << result.err << result.out;
    try {
      return json::parse(result.out);
    } catch (const json::exception& error) {
      ADD_FAILURE() << error.what() << "\n" << result.out << result.err;
      return json::object();
    }
  }

  static json step(const json& outcome, const std::string& name) {
    for (const auto& s : outcome["steps"]) {
      if (s["step"] == name) return s;
    }
    ADD_FAILURE() << "no step " << name << " in " << outcome.dump();
    return json::object();
  }

  json find(const std::string& collection) {
    const CommandOutput result = twin("warehouse find " + collection + " --json");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out);
  }

  size_t page_hits() const {
    return server_.requests_for("/blog/wordpress").size() +
           server_.requests_for("/blog/ghost").size() + server_.requests_for("/medium/post").size();
  }

  LoopbackServer server_;
  TempDir project_;
  TempDir repository_;
  std::unique_ptr<testing_support::ScratchDatabase> scratch_;
  std::string last_err_;
};

TEST_P(DigitalDataEtlTest, StoresDocumentsWithAuthorsLineageAndPerDomainMetadata) {
  write_config("etl.yaml", {server_.url("/blog/wordpress"), server_.url("/blog/ghost"),
                            server_.url("/medium/post"), server_.url("/missing"),
                            server_.url("/private/page"), repository_link()});
  const json outcome = run_etl();
  ASSERT_EQ(outcome["run"]["status"], "completed") << last_err_;
  const std::string run_id = outcome["run"]["id"];
  const std::string crawl_step_run = step(outcome, "crawl_links")["id"];
  EXPECT_THAT(last_err_, HasSubstr("settings.docker"));  // warned about, not fatal

  // The failure and the robots.txt refusal are reported with their reasons; others stored.
  EXPECT_THAT(last_err_, HasSubstr("DOMAIN"));
  EXPECT_THAT(last_err_, HasSubstr(server_.url("/missing") + ": "));
  EXPECT_THAT(last_err_, HasSubstr("404"));
  EXPECT_TRUE(server_.requests_for("/private/page").empty());

  const json users = find("users");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["first_name"], "Jane Ann");
  EXPECT_EQ(users[0]["last_name"], "Doe");
  const std::string user_id = users[0]["_id"];

  const json articles = find("articles");
  ASSERT_EQ(articles.size(), 3u) << articles.dump(1);
  std::set<std::string> platforms;
  for (const auto& article : articles) {
    EXPECT_EQ(article["author_id"], user_id);
    EXPECT_EQ(article["author_full_name"], "Jane Ann Doe");
    EXPECT_EQ(article["_lineage"]["run_id"], run_id);
    EXPECT_EQ(article["_lineage"]["step_run_id"], crawl_step_run);
    EXPECT_FALSE(article["content"]["Content"].get<std::string>().empty());
    EXPECT_TRUE(article["content"].contains("Title"));
    platforms.insert(article["platform"].get<std::string>());
  }
  EXPECT_EQ(platforms, (std::set<std::string>{"127.0.0.1", "medium"}));
  const json medium = *std::find_if(articles.begin(), articles.end(),
                                    [](const json& a) { return a["platform"] == "medium"; });
  EXPECT_EQ(medium["link"], server_.url("/medium/post"));
  EXPECT_EQ(medium["content"]["Title"], "Caching Strategies Every Backend Developer Should Know");

  const json repositories = find("repositories");
  ASSERT_EQ(repositories.size(), 1u);
  EXPECT_EQ(repositories[0]["name"], "notes");
  EXPECT_EQ(repositories[0]["link"], repository_link());
  EXPECT_EQ(repositories[0]["content"]["src/main.py"], "print('hello')\n");
  EXPECT_FALSE(repositories[0]["content"].contains("logo.png"));
  EXPECT_EQ(repositories[0]["author_id"], user_id);
  EXPECT_EQ(repositories[0]["_lineage"]["run_id"], run_id);

  // `twin runs show`: the Handbook's per-domain metadata, the stored ids, the counts.
  const CommandOutput show = twin("runs show " + run_id + " --json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  const json shown = json::parse(show.out);
  const json crawl = step(shown, "crawl_links");
  EXPECT_EQ(crawl["outputs"]["crawled_links"]["metadata"],
            (json{{"127.0.0.1", {{"successful", 3}, {"total", 5}}},
                  {"file", {{"successful", 1}, {"total", 1}}}}));
  EXPECT_EQ(crawl["metadata"]["stored"]["articles"].size(), 3u);
  EXPECT_EQ(crawl["metadata"]["stored"]["repositories"][0], repositories[0]["_id"]);
  EXPECT_EQ(crawl["metadata"]["domains"]["127.0.0.1"],
            (json{{"ok", 3}, {"failed", 1}, {"skipped", 1}}));
  EXPECT_EQ(shown["run"]["metadata"]["stored_documents"],
            (json{{"articles", 3}, {"posts", 0}, {"repositories", 1}}));
  const json user_step = step(shown, "get_or_create_user");
  EXPECT_EQ(user_step["outputs"]["user"]["metadata"]["retrieved"]["user_id"], user_id);
  EXPECT_EQ(users[0]["_lineage"]["step_run_id"], user_step["id"]);

  const CommandOutput text = twin("runs show " + run_id);
  EXPECT_THAT(text.out, HasSubstr("stored_documents"));
  const CommandOutput table = twin("warehouse find articles");
  EXPECT_THAT(table.out, HasSubstr(run_id));
}

TEST_P(DigitalDataEtlTest, SecondRunFetchesNothingAndRecrawlFetchesAgain) {
  write_config("etl.yaml", {server_.url("/blog/wordpress"), server_.url("/blog/ghost"),
                            server_.url("/medium/post"), repository_link()});
  const json first = run_etl();
  ASSERT_EQ(first["run"]["status"], "completed");
  const size_t requests_after_first = server_.requests().size();
  EXPECT_EQ(page_hits(), 3u);
  const json articles_before = find("articles");
  ASSERT_EQ(articles_before.size(), 3u);

  const json second = run_etl();
  ASSERT_EQ(second["run"]["status"], "completed");
  EXPECT_EQ(step(second, "crawl_links")["status"], "completed");  // ran, not cached
  EXPECT_EQ(server_.requests().size(), requests_after_first);     // not even robots.txt
  EXPECT_THAT(last_err_, HasSubstr("(4 already in the warehouse)"));
  EXPECT_EQ(find("articles"), articles_before);
  EXPECT_EQ(find("repositories").size(), 1u);
  EXPECT_EQ(find("users").size(), 1u);
  const CommandOutput show =
      twin("runs show " + second["run"]["id"].get<std::string>() + " --json");
  const json crawl = step(json::parse(show.out), "crawl_links");
  EXPECT_EQ(crawl["metadata"]["domains"]["127.0.0.1"],
            (json{{"ok", 0}, {"failed", 0}, {"skipped", 3}}));
  // As the Handbook counts it, a link already stored is successful.
  EXPECT_EQ(crawl["outputs"]["crawled_links"]["metadata"]["127.0.0.1"],
            (json{{"successful", 3}, {"total", 3}}));

  const json third = run_etl("--param recrawl=true");
  ASSERT_EQ(third["run"]["status"], "completed");
  EXPECT_EQ(page_hits(), 6u);
  const json articles_after = find("articles");
  ASSERT_EQ(articles_after.size(), 3u);
  std::set<std::string> ids_before, ids_after;
  for (const auto& a : articles_before) ids_before.insert(a["_id"].get<std::string>());
  for (const auto& a : articles_after) {
    ids_after.insert(a["_id"].get<std::string>());
    EXPECT_EQ(a["_lineage"]["run_id"], third["run"]["id"]);  // replaced by the new run
  }
  EXPECT_EQ(ids_before, ids_after);
  EXPECT_EQ(find("repositories")[0]["_lineage"]["run_id"], third["run"]["id"]);
}

// Six runs started at once on one project share the links: each page is fetched once, every
// run completes, and no link is reported as failed (a link another run is crawling is skipped;
// one it stored meanwhile is "already in the warehouse").
TEST_P(DigitalDataEtlTest, ConcurrentRunsFetchEachLinkOnceAndReportNoFailure) {
  constexpr int kPages = 24;
  constexpr int kRuns = 6;
  const std::string html = read_page("00-wordpress");
  std::vector<std::string> links;
  for (int i = 0; i < kPages; ++i) {
    const std::string path = fmt::format("/many/{}", i);
    server_.http().Get(path, [html](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));  // so that the runs overlap
      res.set_content(html, "text/html; charset=utf-8");
    });
    links.push_back(server_.url(path));
  }
  write_config("etl.yaml", links);
  std::vector<std::future<CommandOutput>> runs;
  for (int r = 0; r < kRuns; ++r) {
    runs.push_back(std::async(std::launch::async, [this] {
      return twin("pipeline run digital_data_etl --config etl.yaml --json");
    }));
  }
  for (auto& run : runs) {
    const CommandOutput result = run.get();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.err, HasSubstr(", 0 failed")) << result.err;
    EXPECT_THAT(result.err, ::testing::Not(HasSubstr("UNIQUE"))) << result.err;
  }
  for (int i = 0; i < kPages; ++i) {
    EXPECT_EQ(server_.requests_for(fmt::format("/many/{}", i)).size(), 1u) << "page " << i;
  }
  EXPECT_EQ(find("articles").size(), static_cast<size_t>(kPages));
  EXPECT_EQ(find("users").size(), 1u);
}

TEST_P(DigitalDataEtlTest, AFailingLinkDoesNotFailTheOthers) {
  server_.http().Get("/broken", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("down", "text/plain");
  });
  write_config("etl.yaml", {server_.url("/broken"), server_.url("/blog/ghost"),
                            "http://127.0.0.1:1/unreachable"});
  const json outcome = run_etl();
  EXPECT_EQ(outcome["run"]["status"], "completed");
  EXPECT_EQ(find("articles").size(), 1u);
  EXPECT_THAT(last_err_, HasSubstr(server_.url("/broken") + ": "));
  EXPECT_THAT(last_err_, HasSubstr("http://127.0.0.1:1/unreachable: "));
  const CommandOutput show =
      twin("runs show " + outcome["run"]["id"].get<std::string>() + " --json");
  const json crawl = step(json::parse(show.out), "crawl_links");
  EXPECT_EQ(crawl["metadata"]["failures"].size(), 2u);
  EXPECT_EQ(crawl["outputs"]["crawled_links"]["metadata"]["127.0.0.1"],
            (json{{"successful", 1}, {"total", 3}}));
}

// A run in which every link failed stored nothing: it is no success. The step fails (exit 1),
// its metadata still holds the failures, and each failure line names its URL once.
TEST_P(DigitalDataEtlTest, ARunWhereEveryLinkFailedFails) {
  write_config("etl.yaml", {server_.url("/missing-1"), server_.url("/missing-2")});
  const json outcome = run_etl("", 1);
  EXPECT_EQ(outcome["run"]["status"], "failed");
  EXPECT_THAT(last_err_, HasSubstr("no link could be crawled: 2 of 2 failed"));
  const std::string url = server_.url("/missing-1");
  EXPECT_THAT(last_err_, HasSubstr("  " + url + ": HTTP 404\n"));
  EXPECT_THAT(last_err_, ::testing::Not(HasSubstr(url + ": " + url))) << last_err_;
  EXPECT_EQ(find("articles").size(), 0u);
  const CommandOutput show =
      twin("runs show " + outcome["run"]["id"].get<std::string>() + " --json");
  const json crawl = step(json::parse(show.out), "crawl_links");
  EXPECT_EQ(crawl["status"], "failed");
  EXPECT_EQ(crawl["metadata"]["failures"].size(), 2u) << crawl.dump();
}

// -q leaves warnings and errors only: no per-domain report, no step chatter; the failure and
// the skipped settings are still said.
TEST_P(DigitalDataEtlTest, QuietRunPrintsOnlyWarningsAndErrors) {
  write_config("etl.yaml", {server_.url("/blog/ghost"), server_.url("/missing")});
  const CommandOutput quiet = twin("-q pipeline run digital_data_etl --config etl.yaml");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_THAT(quiet.err, ::testing::Not(HasSubstr("DOMAIN")));
  EXPECT_THAT(quiet.err, ::testing::Not(HasSubstr("link(s)")));
  EXPECT_THAT(quiet.err, ::testing::Not(HasSubstr("info")));
  EXPECT_THAT(quiet.err, HasSubstr("settings.docker"));
  EXPECT_THAT(quiet.err, HasSubstr("warning: failed: " + server_.url("/missing")));
  EXPECT_EQ(find("articles").size(), 1u);

  // Without -q the report is there (stderr is not a terminal: no progress bar).
  write_config("etl.yaml", {server_.url("/blog/wordpress")});
  const CommandOutput normal = twin("pipeline run digital_data_etl --config etl.yaml");
  EXPECT_EQ(normal.exit_code, 0) << normal.err;
  EXPECT_THAT(normal.err, HasSubstr("DOMAIN"));
  EXPECT_THAT(normal.err, ::testing::Not(HasSubstr("\r")));
}

INSTANTIATE_TEST_SUITE_P(Backends, DigitalDataEtlTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

class HandbookConfigTest : public DigitalDataEtlTest {};

TEST_P(HandbookConfigTest, RunsWithTheHandbooksConfigUnchanged) {
  const fs::path config = kHandbookConfigs / "digital_data_etl_paul_iusztin.yaml";
  if (!fs::exists(config)) GTEST_SKIP() << "the Handbook's configs are not at " << kHandbookConfigs;
  // Offline: the config's links are replaced by a loopback page on the command line.
  const CommandOutput result =
      twin("pipeline run digital_data_etl --config " + shell_quote(config.string()) + " --param " +
           shell_quote("links=[" + server_.url("/blog/ghost") + "]"));
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_THAT(result.err, HasSubstr("settings.docker"));
  EXPECT_THAT(result.err, HasSubstr("settings.orchestrator.sagemaker"));
  const json users = find("users");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["first_name"], "Paul");
  EXPECT_EQ(users[0]["last_name"], "Iusztin");
  EXPECT_EQ(find("articles")[0]["author_full_name"], "Paul Iusztin");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, HandbookConfigTest, ::testing::Values("sqlite"),
                         [](const auto& param_info) { return param_info.param; });

// `make run`'s demo config, copied into a fresh "clone" elsewhere: its relative links resolve
// against that project's root (four pages and a posts feed through file:// URLs, and the
// repository itself); then the demo's feature_engineering run fills the six vector collections.
TEST(DemoConfigTest, WorksFromAnyCloneLocation) {
  TempDir clone;
  fs::create_directories(clone.path() / "configs");
  fs::copy(TWIN_SOURCE_DIR "/configs/demo", clone.path() / "configs" / "demo",
           fs::copy_options::recursive);
  fs::copy_file(TWIN_SOURCE_DIR "/configs/digital_data_etl_demo.yaml",
                clone.path() / "configs" / "digital_data_etl_demo.yaml");
  fs::copy_file(TWIN_SOURCE_DIR "/configs/feature_engineering_demo.yaml",
                clone.path() / "configs" / "feature_engineering_demo.yaml");
  // The route of twin's own twin.toml that sends the posts page to the LinkedIn crawler.
  std::ofstream(clone.path() / "twin.toml")
      << "[[crawl.routes]]\nmatch = '/configs/demo/pages/mara-ionescu-posts\\.html$'\n"
         "crawler = \"linkedin\"\n";
  const CommandOutput git = run_shell(
      "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -q "
      "-m demo",
      clone.path());
  ASSERT_EQ(git.exit_code, 0) << git.err;
  const CommandOutput result = run_twin(
      "pipeline run digital_data_etl --config configs/digital_data_etl_demo.yaml", clone.path());
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out;
  const CommandOutput articles = run_twin("warehouse find articles --json", clone.path());
  const json stored = json::parse(articles.out);
  ASSERT_EQ(stored.size(), 4u) << result.err;
  for (const auto& article : stored) {
    EXPECT_EQ(article["author_full_name"], "Mara Ionescu");
    EXPECT_TRUE(article["link"].get<std::string>().starts_with(
        "file://" + (clone.path() / "configs" / "demo" / "pages").string()));
  }
  const json repositories =
      json::parse(run_twin("warehouse find repositories --json", clone.path()).out);
  ASSERT_EQ(repositories.size(), 1u);
  EXPECT_EQ(repositories[0]["link"], clone.path().string());
  EXPECT_TRUE(repositories[0]["content"].contains("configs/digital_data_etl_demo.yaml"));
  const json posts = json::parse(run_twin("warehouse find posts --json", clone.path()).out);
  ASSERT_EQ(posts.size(), 3u) << result.err;
  EXPECT_EQ(posts[0]["platform"], "linkedin");

  const CommandOutput features =
      run_twin("pipeline run feature_engineering --config configs/feature_engineering_demo.yaml",
               clone.path());
  ASSERT_EQ(features.exit_code, 0) << features.err << features.out;
  const json listing = json::parse(run_twin("vectors collections --json", clone.path()).out);
  std::map<std::string, std::int64_t> points;
  for (const auto& collection : listing["collections"]) {
    points[collection["name"].get<std::string>()] = collection["points"].get<std::int64_t>();
  }
  EXPECT_EQ(points["cleaned_articles"], 4);
  EXPECT_EQ(points["cleaned_posts"], 3);
  EXPECT_EQ(points["cleaned_repositories"], 1);
  EXPECT_EQ(points["embedded_articles"], 4);
  EXPECT_EQ(points["embedded_posts"], 3);
  EXPECT_GT(points["embedded_repositories"], 10);
  const CommandOutput rag = run_twin(
      "rag search 'Why does retrieval return the wrong chunks?' --author 'Mara Ionescu' --json",
      clone.path());
  ASSERT_EQ(rag.exit_code, 0) << rag.err;
  const json hits = json::parse(rag.out)["hits"];
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(hits[0]["link"].get<std::string>().find("why-rag-retrieves-the-wrong-chunks") !=
                  std::string::npos ||
              hits[0]["collection"] == "embedded_posts")
      << rag.out;
}

TEST(ResolveLocalLinkTest, RelativeLinksResolveAgainstTheRoot) {
  TempDir root;
  fs::create_directories(root.path() / "pages");
  std::ofstream(root.path() / "pages" / "a.html") << "<p>x</p>";
  EXPECT_EQ(llm_twin::resolve_local_link("./pages/a.html", root.path()),
            "file://" + (root.path() / "pages" / "a.html").string());
  EXPECT_EQ(llm_twin::resolve_local_link(".", root.path()), root.path().string());
  EXPECT_EQ(llm_twin::resolve_local_link("./pages/", root.path()),
            (root.path() / "pages").string());
  EXPECT_EQ(llm_twin::resolve_local_link("https://example.com/a", root.path()),
            "https://example.com/a");
  EXPECT_EQ(llm_twin::resolve_local_link("/abs/path", root.path()), "/abs/path");
  EXPECT_EQ(llm_twin::resolve_local_link("file:///abs/x.html", root.path()), "file:///abs/x.html");
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

bool browser_installed() {
  const crawl::BrowserOptions defaults;
  return ::access(defaults.chromedriver.c_str(), X_OK) == 0 &&
         ::access(defaults.chromium.c_str(), X_OK) == 0;
}

// The LinkedIn path end to end: a link routed to the LinkedIn crawler ([[crawl.routes]]) on a
// loopback login-protected feed, credentials from .env, one PostDocument per post in the
// warehouse with the run's lineage, and a second run that fetches nothing.
TEST(DigitalDataEtlLinkedInTest, StoresEachPostOfTheFeedWithLineage) {
  if (!browser_installed()) {
    GTEST_SKIP() << "chromium and chromium-driver are not installed "
                    "(scripts/install-deps.sh installs them)";
  }
  LoopbackServer server;
  testing_support::serve_linkedin_site(server.http());
  server.start();
  TempDir project;
  std::ofstream(project.path() / "twin.toml") << R"(
[crawl]
per_host_delay = "0s"
max_retries = 0
[[crawl.routes]]
match = '^http://127\.0\.0\.1:\d+/in/'
crawler = "linkedin"
)";
  std::ofstream(project.path() / ".env")
      << "LINKEDIN_USERNAME=" << testing_support::kLinkedInUsername << "\n"
      << "LINKEDIN_PASSWORD=\"" << testing_support::kLinkedInPassword << "\"\n";
  const std::string feed = server.url(testing_support::kLinkedInFeedPath);
  std::ofstream(project.path() / "etl.yaml")
      << "parameters:\n  user_full_name: Jane Doe\n  links:\n    - " << feed << "\n";

  const CommandOutput run =
      run_twin("pipeline run digital_data_etl --config etl.yaml --json", project.path());
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const json outcome = json::parse(run.out);
  ASSERT_EQ(outcome["run"]["status"], "completed") << run.err;
  const std::string run_id = outcome["run"]["id"];
  std::string crawl_step_run;
  for (const auto& step : outcome["steps"]) {
    if (step["step"] == "crawl_links") crawl_step_run = step["id"];
  }
  ASSERT_FALSE(crawl_step_run.empty()) << outcome.dump();

  const CommandOutput users = run_twin("warehouse find users --json", project.path());
  const std::string user_id = json::parse(users.out).at(0)["_id"];
  const CommandOutput found = run_twin("warehouse find posts --json", project.path());
  ASSERT_EQ(found.exit_code, 0) << found.err;
  const json posts = json::parse(found.out);
  ASSERT_EQ(posts.size(), testing_support::kLinkedInPosts) << posts.dump(1);
  std::set<std::string> texts;
  std::set<std::string> links;
  for (const auto& post : posts) {
    EXPECT_EQ(post["platform"], "linkedin");
    EXPECT_EQ(post["author_id"], user_id);
    EXPECT_EQ(post["author_full_name"], "Jane Doe");
    EXPECT_EQ(post["_lineage"]["run_id"], run_id);
    EXPECT_EQ(post["_lineage"]["step_run_id"], crawl_step_run);
    texts.insert(post["content"]["text"].get<std::string>());
    links.insert(post["link"].get<std::string>());
  }
  EXPECT_TRUE(texts.contains("Post number 1 about building LLM systems.")) << posts.dump(1);
  EXPECT_TRUE(texts.contains("Post number 7 about building LLM systems.")) << posts.dump(1);
  EXPECT_TRUE(links.contains(feed + "#post-1"));

  const CommandOutput show = run_twin("runs show " + run_id + " --json", project.path());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(json::parse(show.out)["run"]["metadata"]["stored_documents"]["posts"],
            testing_support::kLinkedInPosts);

  // Idempotent: the feed is in the warehouse, so a second run does not open it again.
  const size_t feed_hits = server.requests_for(testing_support::kLinkedInFeedPath).size();
  const CommandOutput again =
      run_twin("pipeline run digital_data_etl --config etl.yaml", project.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(server.requests_for(testing_support::kLinkedInFeedPath).size(), feed_hits);
  EXPECT_EQ(json::parse(run_twin("warehouse find posts --json", project.path()).out).size(),
            testing_support::kLinkedInPosts);
}

}  // namespace
}  // namespace twin
