// twin crawl URL... [--json] [--route-config twin.toml]: fetch and extract links and print what
// the crawlers return, without storing anything (a debugging aid for routes and extraction).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/crawl/crawler.h"

namespace twin::cli {
namespace {

using crawl::CrawlOutcome;
using crawl::CrawlStatus;

nlohmann::json document_json(const crawl::CrawlDocument& document) {
  if (const auto* article = std::get_if<crawl::ArticleResult>(&document)) {
    return {{"type", "article"},
            {"title", article->title},
            {"subtitle", article->subtitle},
            {"content", article->content},
            {"language", article->language},
            {"author", article->author},
            {"date", article->date},
            {"link", article->link},
            {"platform", article->platform},
            {"extraction", article->extraction}};
  }
  if (const auto* posts = std::get_if<crawl::PostsResult>(&document)) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& post : posts->posts)
      list.push_back({{"text", post.text}, {"image", post.image}});
    return {
        {"type", "posts"}, {"link", posts->link}, {"platform", posts->platform}, {"posts", list}};
  }
  const auto& repository = std::get<crawl::RepositoryResult>(document);
  return {{"type", "repository"},
          {"name", repository.name},
          {"link", repository.link},
          {"platform", repository.platform},
          {"files", repository.files}};
}

void print_document(const crawl::CrawlDocument& document) {
  if (const auto* article = std::get_if<crawl::ArticleResult>(&document)) {
    fmt::print("title:    {}\n", article->title);
    if (!article->subtitle.empty()) fmt::print("subtitle: {}\n", article->subtitle);
    if (!article->author.empty()) fmt::print("author:   {}\n", article->author);
    if (!article->date.empty()) fmt::print("date:     {}\n", article->date);
    if (!article->language.empty()) fmt::print("language: {}\n", article->language);
    fmt::print("platform: {}\n\n{}\n", article->platform, article->content);
  } else if (const auto* posts = std::get_if<crawl::PostsResult>(&document)) {
    fmt::print("{} posts\n", posts->posts.size());
    for (const auto& post : posts->posts) {
      fmt::print("\n- {}{}\n", post.text, post.image.empty() ? "" : "\n  image: " + post.image);
    }
  } else {
    const auto& repository = std::get<crawl::RepositoryResult>(document);
    fmt::print("repository {} ({} files)\n", repository.name, repository.files.size());
    for (const auto& [path, text] : repository.files) {
      fmt::print("  {} ({} bytes)\n", path, text.size());
    }
  }
}

Result<int> run_crawl(Context& ctx, const std::vector<std::string>& links, bool json,
                      const std::string& route_config) {
  const std::filesystem::path config_path =
      route_config.empty() ? ctx.root() / "twin.toml" : std::filesystem::path(route_config);
  if (!route_config.empty() && !std::filesystem::exists(config_path)) {
    return fail(Status::invalid_argument(
        fmt::format("--route-config {}: no such file", config_path.string())));
  }
  TWIN_ASSIGN_OR_RETURN(crawl::CrawlConfig config, crawl::load_crawl_config(config_path));
  config.linkedin_username = ctx.settings().value_or("LINKEDIN_USERNAME", "");
  config.linkedin_password = ctx.settings().value_or("LINKEDIN_PASSWORD", "");
  crawl::Dispatcher dispatcher(std::move(config));
  const bool show_progress = !json && !ctx.quiet() && ::isatty(STDERR_FILENO) == 1;
  const auto outcomes =
      dispatcher.crawl(links, [&](const CrawlOutcome& outcome, size_t done, size_t total) {
        if (show_progress) {
          fmt::print(stderr, "\r[{}/{}] {} {}\033[K", done, total, to_string(outcome.status),
                     outcome.link);
          if (done == total) fmt::print(stderr, "\n");
        }
      });
  bool any_failed = false;
  if (json) {
    nlohmann::json results = nlohmann::json::array();
    for (const CrawlOutcome& outcome : outcomes) {
      any_failed = any_failed || outcome.status == CrawlStatus::kFailed;
      nlohmann::json one = {{"link", outcome.link},
                            {"domain", outcome.domain},
                            {"crawler", outcome.crawler},
                            {"status", to_string(outcome.status)},
                            {"reason", outcome.reason}};
      one["document"] = outcome.document ? document_json(*outcome.document) : nlohmann::json();
      results.push_back(std::move(one));
    }
    fmt::print("{}\n", nlohmann::json{{"results", results}}.dump(2));
    return any_failed ? 1 : 0;
  }
  Table table({"LINK", "CRAWLER", "STATUS", "REASON"});
  for (const CrawlOutcome& outcome : outcomes) {
    any_failed = any_failed || outcome.status == CrawlStatus::kFailed;
    table.add_row(
        {outcome.link, outcome.crawler, std::string(to_string(outcome.status)), outcome.reason});
    if (!outcome.document) continue;
    fmt::print("== {} ({})\n", outcome.link, outcome.crawler);
    print_document(*outcome.document);
    fmt::print("\n");
  }
  table.print(stdout, ctx.stdout_color());
  return any_failed ? 1 : 0;
}

void add_crawl_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* cmd = twin.add_subcommand(
      "crawl",
      "Fetch and extract links (articles, Medium, Substack, LinkedIn, git repositories) and "
      "print the result without storing it; routes and politeness come from [crawl] in "
      "twin.toml");
  auto links = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto route_config = std::make_shared<std::string>();
  cmd->add_option("links", *links, "URLs, file:// URLs or local paths")->required();
  cmd->add_flag("--json", *json,
                "Print one JSON document: {results: [{link, domain, crawler, status, reason, "
                "document}]}");
  cmd->add_option("--route-config", *route_config,
                  "A TOML file with [crawl] and [[crawl.routes]] (default: the project's "
                  "twin.toml)");
  actions.on(cmd, [=](Context& ctx) { return run_crawl(ctx, *links, *json, *route_config); });
}

}  // namespace

TWIN_REGISTER_COMMAND(60, add_crawl_command);

}  // namespace twin::cli
