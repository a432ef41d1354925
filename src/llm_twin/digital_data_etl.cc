#include "twin/llm_twin/digital_data_etl.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "crawl_claims.h"
#include "twin/crawl/crawler.h"
#include "twin/llm_twin/documents.h"
#include "twin/warehouse/warehouse.h"

namespace twin::llm_twin {
namespace {

namespace fs = std::filesystem;
using crawl::CrawlerKind;
using crawl::CrawlOutcome;
using crawl::CrawlStatus;
using nlohmann::json;
using orchestrator::StepContext;

constexpr size_t kLinksPerBatch = 32;  // cancellation is checked between batches
constexpr std::string_view kAlreadyStored = "already in the warehouse";
constexpr std::string_view kStoredMeanwhile = "already in the warehouse (stored by another run)";

// "LINK: REASON" for people, with the link once: most reasons already start with it.
std::string failure_line(const std::string& link, const std::string& reason) {
  return reason.starts_with(link) ? reason : fmt::format("{}: {}", link, reason);
}

Result<const Settings*> settings_of(const StepContext& ctx) {
  if (ctx.settings() == nullptr) {
    return fail(Status::failed_precondition(fmt::format(
        "step {}: no settings to open the warehouse from (run it with `twin pipeline run`)",
        ctx.step_name())));
  }
  return ctx.settings();
}

Result<std::unique_ptr<warehouse::Warehouse>> open_warehouse(const StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const Settings* settings, settings_of(ctx));
  return warehouse::Warehouse::open(*settings);
}

Result<warehouse::Collection> open_class(warehouse::Warehouse& warehouse,
                                         std::string_view class_name) {
  return open_collection(warehouse, *find_document_class(class_name));
}

warehouse::Lineage lineage_of(const StepContext& ctx) { return {ctx.run_id(), ctx.step_run_id()}; }

// ---- get_or_create_user

Status get_or_create_user(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const std::string full_name, ctx.parameter<std::string>("user_full_name"));
  ctx.logger().info("Getting or creating user: {}", full_name);
  TWIN_ASSIGN_OR_RETURN(const PersonName name, split_full_name(full_name));
  TWIN_ASSIGN_OR_RETURN(auto warehouse, open_warehouse(ctx));
  TWIN_ASSIGN_OR_RETURN(auto users, open_class(*warehouse, "UserDocument"));
  TWIN_ASSIGN_OR_RETURN(
      const warehouse::Document stored,
      users.get_or_create({{"first_name", name.first_name}, {"last_name", name.last_name}},
                          json::object(), lineage_of(ctx)));
  TWIN_ASSIGN_OR_RETURN(const UserDocument user, UserDocument::from_document(stored));
  const bool created = stored.lineage && stored.lineage->step_run_id == ctx.step_run_id();
  ctx.logger().info("{} user {} ({})", created ? "created" : "found", user.full_name(), user.id);
  ctx.add_output_metadata(
      "user",
      {{"query", {{"user_full_name", full_name}}},
       {"retrieved",
        {{"user_id", user.id}, {"first_name", user.first_name}, {"last_name", user.last_name}}}});
  ctx.log_step_metadata({{"created", created}});
  return ctx.set_output("user", user.to_document().to_json());
}

// ---- crawl_links: what happens to each link

// The collection a crawler's documents go to.
std::string_view class_for(CrawlerKind kind) {
  switch (kind) {
    case CrawlerKind::kLinkedIn:
      return "PostDocument";
    case CrawlerKind::kRepository:
      return "RepositoryDocument";
    default:
      return "ArticleDocument";
  }
}

// The link a feed's n-th post (from 1) is stored under: posts have no address of their own.
std::string post_link(const std::string& feed, size_t n) {
  return fmt::format("{}#post-{}", feed, n);
}

// The link under which a crawled link's document is looked up.
std::string stored_link(const std::string& link, CrawlerKind kind) {
  return kind == CrawlerKind::kLinkedIn ? post_link(link, 1) : link;
}

struct DomainCounts {
  int ok = 0;
  int failed = 0;
  int skipped = 0;
  int successful = 0;  // as the Handbook counts: crawled, or already stored
  int total = 0;
};

struct LinkNote {
  std::string link;
  std::string reason;
};

// What crawl_links did, for metadata and the final table.
class CrawlReport {
 public:
  void ok(const std::string& domain) {
    auto& counts = domains_[domain];
    ++counts.ok, ++counts.successful, ++counts.total;
  }
  void failed(const std::string& domain, const std::string& link, std::string reason) {
    auto& counts = domains_[domain];
    ++counts.failed, ++counts.total;
    failures_.push_back({link, std::move(reason)});
  }
  void skipped(const std::string& domain, const std::string& link, std::string reason,
               bool counts_as_successful) {
    auto& counts = domains_[domain];
    ++counts.skipped, ++counts.total;
    if (counts_as_successful) ++counts.successful;
    skips_.push_back({link, std::move(reason)});
  }
  void stored(std::string_view collection, std::string id) {
    stored_[std::string(collection)].push_back(std::move(id));
  }

  // {domain: {successful, total}}, the Handbook's output metadata.
  json handbook_metadata() const {
    json out = json::object();
    for (const auto& [domain, counts] : domains_)
      out[domain] = {{"successful", counts.successful}, {"total", counts.total}};
    return out;
  }
  json step_metadata() const {
    json domains = json::object();
    for (const auto& [domain, counts] : domains_)
      domains[domain] = {{"ok", counts.ok}, {"failed", counts.failed}, {"skipped", counts.skipped}};
    return {{"domains", domains},
            {"failures", notes_json(failures_)},
            {"skipped", notes_json(skips_)},
            {"stored", stored_}};
  }
  json stored_counts() const {
    json out = json::object();
    for (const auto& collection : {"articles", "posts", "repositories"}) {
      const auto it = stored_.find(collection);
      out[collection] = it == stored_.end() ? 0 : it->second.size();
    }
    return out;
  }
  int successful() const {
    int sum = 0;
    for (const auto& [domain, counts] : domains_) sum += counts.successful;
    return sum;
  }

  // A summary line, the per-domain table and the failures, for people.
  const std::vector<LinkNote>& failures() const { return failures_; }

  std::vector<std::string> lines() const {
    DomainCounts sum;
    for (const auto& [domain, counts] : domains_) {
      sum.ok += counts.ok, sum.failed += counts.failed, sum.skipped += counts.skipped;
      sum.total += counts.total;
    }
    std::vector<std::string> out;
    const auto already = std::count_if(skips_.begin(), skips_.end(), [](const LinkNote& note) {
      return note.reason == kAlreadyStored;
    });
    out.push_back(
        fmt::format("crawl_links: {} link(s): {} crawled and stored, {} skipped ({} already in the "
                    "warehouse), {} failed",
                    sum.total, sum.ok, sum.skipped, already, sum.failed));
    size_t width = std::string_view("DOMAIN").size();
    for (const auto& [domain, counts] : domains_) width = std::max(width, domain.size());
    out.push_back(
        fmt::format("{:<{}}  {:>4}  {:>6}  {:>7}", "DOMAIN", width, "OK", "FAILED", "SKIPPED"));
    for (const auto& [domain, counts] : domains_) {
      out.emplace_back(fmt::format("{:<{}}  {:>4}  {:>6}  {:>7}", domain, width, counts.ok,
                                   counts.failed, counts.skipped));
    }
    if (!failures_.empty()) out.emplace_back("failed:");
    for (const auto& failure : failures_)
      out.emplace_back("  " + failure_line(failure.link, failure.reason));
    return out;
  }

 private:
  static json notes_json(const std::vector<LinkNote>& notes) {
    json out = json::array();
    for (const auto& note : notes) out.push_back({{"link", note.link}, {"reason", note.reason}});
    return out;
  }

  std::map<std::string, DomainCounts> domains_;
  std::vector<LinkNote> failures_;
  std::vector<LinkNote> skips_;
  std::map<std::string, std::vector<std::string>> stored_;
};

// A one-line progress bar over links, redrawn in place on a terminal; silent elsewhere.
class ProgressBar {
 public:
  ProgressBar(size_t total, bool live) : total_(total), live_(live && total > 0) {}
  void update(size_t done, const CrawlOutcome& outcome) {
    update(done, to_string(outcome.status), outcome.link);
  }
  void update(size_t done, std::string_view status, const std::string& full_link) {
    if (!live_) return;
    constexpr size_t kWidth = 28;
    const size_t filled = total_ == 0 ? kWidth : done * kWidth / total_;
    constexpr size_t kLinkWidth = 60;  // keeps the line on one terminal row
    const std::string link = full_link.size() <= kLinkWidth
                                 ? full_link
                                 : "..." + full_link.substr(full_link.size() - kLinkWidth);
    fmt::print(stderr, "\r  [{}{}] {}/{} {} {}\033[K", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), done, total_, status, link);
    if (done == total_) fmt::print(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  size_t total_;
  bool live_;
};

// ---- crawl_links: storing what was crawled

json or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

class DocumentWriter {
 public:
  DocumentWriter(warehouse::Warehouse& warehouse, const UserDocument& user,
                 warehouse::Lineage lineage, bool replace)
      : warehouse_(warehouse),
        author_{user.id, user.full_name()},
        lineage_(std::move(lineage)),
        replace_(replace) {}

  // Stores one crawled document under `link`; returns the collection and the stored ids.
  Result<std::pair<std::string, std::vector<std::string>>> store(
      const std::string& link, const crawl::CrawlDocument& document) {
    if (const auto* article = std::get_if<crawl::ArticleResult>(&document)) {
      ArticleDocument stored{.id = "",
                             .content = {{"Title", article->title},
                                         {"Subtitle", or_null(article->subtitle)},
                                         {"Content", article->content},
                                         {"language", or_null(article->language)}},
                             .link = link,
                             .platform = article->platform,
                             .author = author_,
                             .lineage = lineage_};
      return write("ArticleDocument", {stored.to_document()});
    }
    if (const auto* feed = std::get_if<crawl::PostsResult>(&document)) {
      std::vector<warehouse::Document> posts;
      for (size_t i = 0; i < feed->posts.size(); ++i) {
        const auto& post = feed->posts[i];
        PostDocument stored{
            .id = "",
            .content = {{"text", post.text}, {"image", or_null(post.image)}},
            .image = post.image.empty() ? std::nullopt : std::optional<std::string>(post.image),
            .link = post_link(link, i + 1),
            .platform = feed->platform,
            .author = author_,
            .lineage = lineage_};
        posts.push_back(stored.to_document());
      }
      return write("PostDocument", std::move(posts));
    }
    const auto& repository = std::get<crawl::RepositoryResult>(document);
    RepositoryDocument stored{.id = "",
                              .name = repository.name,
                              .link = link,
                              .content = repository.files,
                              .platform = repository.platform,
                              .author = author_,
                              .lineage = lineage_};
    return write("RepositoryDocument", {stored.to_document()});
  }

 private:
  // Inserts the documents in one transaction. With `replace_`, a document whose link is stored
  // takes that document's _id and replaces it.
  Result<std::pair<std::string, std::vector<std::string>>> write(
      std::string_view class_name, std::vector<warehouse::Document> documents) {
    TWIN_ASSIGN_OR_RETURN(auto collection, open_class(warehouse_, class_name));
    for (auto& document : documents) {
      if (replace_) {
        TWIN_ASSIGN_OR_RETURN(auto existing,
                              collection.find_one({{"link", document.fields["link"]}}));
        if (existing) document.id = existing->id;
      }
      if (document.id.empty()) document.id = warehouse::new_uuid();
    }
    std::vector<std::string> ids;
    ids.reserve(documents.size());
    for (const auto& document : documents) ids.push_back(document.id);
    TWIN_ASSIGN_OR_RETURN(
        [[maybe_unused]] const std::int64_t written,
        collection.insert_many(std::move(documents), replace_ ? warehouse::OnExisting::kReplace
                                                              : warehouse::OnExisting::kFail));
    return std::pair{collection.name(), std::move(ids)};
  }

  warehouse::Warehouse& warehouse_;
  Author author_;
  warehouse::Lineage lineage_;
  bool replace_;
};

struct PlannedLink {
  std::string given;   // as in the config
  std::string target;  // resolved: what is crawled and stored
  std::string domain;
};

Result<bool> recrawl_parameter(const StepContext& ctx) {
  if (!ctx.parameters().contains("recrawl")) return false;
  return ctx.parameter<bool>("recrawl");
}

Status crawl_links(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const json user_json, ctx.input_json("user"));
  TWIN_ASSIGN_OR_RETURN(const auto user_document, warehouse::Document::from_json(user_json));
  TWIN_ASSIGN_OR_RETURN(const UserDocument user, UserDocument::from_document(user_document));
  TWIN_ASSIGN_OR_RETURN(const auto links, ctx.parameter<std::vector<std::string>>("links"));
  TWIN_ASSIGN_OR_RETURN(const bool recrawl, recrawl_parameter(ctx));
  TWIN_ASSIGN_OR_RETURN(const Settings* settings, settings_of(ctx));

  TWIN_ASSIGN_OR_RETURN(crawl::CrawlConfig config,
                        crawl::load_crawl_config(settings->root() / "twin.toml"));
  config.linkedin_username = settings->value_or("LINKEDIN_USERNAME", "");
  config.linkedin_password = settings->value_or("LINKEDIN_PASSWORD", "");
  crawl::Dispatcher dispatcher(std::move(config));
  TWIN_ASSIGN_OR_RETURN(auto warehouse, open_warehouse(ctx));
  ctx.logger().info("Starting to crawl {} link(s) for {}{}.", links.size(), user.full_name(),
                    recrawl ? " (recrawl: stored links are fetched again)" : "");

  CrawlReport report;
  std::vector<PlannedLink> planned;
  std::set<std::string> seen;
  for (const auto& given : links) {
    PlannedLink link{given, resolve_local_link(given, settings->root()), ""};
    link.domain = crawl::link_domain(link.target);
    if (!seen.insert(link.target).second) {
      report.skipped(link.domain, given, "listed twice", true);
      continue;
    }
    planned.push_back(std::move(link));
  }
  // Links are claimed batch by batch, just before they are fetched, so that runs started at
  // once share the work; a claimed link is looked up in the warehouse only then, since another
  // run may have stored it meanwhile.
  TWIN_ASSIGN_OR_RETURN(auto claims, CrawlClaims::open(*warehouse, ctx.run_id()));
  const auto take = [&](const PlannedLink& link) -> Result<bool> {
    TWIN_ASSIGN_OR_RETURN(auto holder, claims->claim(link.target));
    if (holder) {
      ctx.logger().info("being crawled by run {}: {}", *holder, link.given);
      report.skipped(link.domain, link.given,
                     fmt::format("being crawled by another run ({})", *holder), true);
      return false;
    }
    if (recrawl) return true;
    const CrawlerKind kind = dispatcher.route(link.target).crawler;
    TWIN_ASSIGN_OR_RETURN(auto collection, open_class(*warehouse, class_for(kind)));
    TWIN_ASSIGN_OR_RETURN(auto existing,
                          collection.find_one({{"link", stored_link(link.target, kind)}}));
    if (!existing) return true;
    claims->release(link.target);
    ctx.logger().info("already in the warehouse ({} {}): {}", collection.name(), existing->id,
                      link.given);
    report.skipped(link.domain, link.given, std::string(kAlreadyStored), true);
    return false;
  };

  DocumentWriter writer(*warehouse, user, lineage_of(ctx), recrawl);
  // The console shows the progress bar and the report unless -q lowered it to warnings.
  const bool console_informs = spdlog::default_logger_raw()->should_log(spdlog::level::info);
  ProgressBar progress(planned.size(), console_informs && ::isatty(STDERR_FILENO) == 1);
  size_t done = 0;
  for (size_t start = 0; start < planned.size(); start += kLinksPerBatch) {
    if (ctx.cancel_requested()) {
      return Status::cancelled(fmt::format("step {}: cancelled after {} of {} links",
                                           ctx.step_name(), done, planned.size()));
    }
    const size_t end = std::min(planned.size(), start + kLinksPerBatch);
    std::vector<std::string> batch;
    std::vector<const PlannedLink*> sources;
    for (size_t i = start; i < end; ++i) {
      TWIN_ASSIGN_OR_RETURN(const bool mine, take(planned[i]));
      if (mine) {
        batch.push_back(planned[i].target);
        sources.push_back(&planned[i]);
      } else {
        progress.update(++done, "skipped", planned[i].target);
      }
    }
    if (batch.empty()) continue;
    dispatcher.crawl(batch, [&](const CrawlOutcome& outcome, size_t, size_t) {
      // Outcomes arrive as links finish, in any order; each names its link.
      const auto index =
          static_cast<size_t>(std::find(batch.begin(), batch.end(), outcome.link) - batch.begin());
      const PlannedLink& source = *sources[std::min(index, batch.size() - 1)];
      if (outcome.status == CrawlStatus::kFailed) {
        ctx.logger().error("failed: {}", failure_line(source.given, outcome.reason));
        report.failed(source.domain, source.given, outcome.reason);
      } else if (outcome.status == CrawlStatus::kSkipped || !outcome.document) {
        ctx.logger().warn("skipped: {}: {}", source.given, outcome.reason);
        report.skipped(source.domain, source.given, outcome.reason, false);
      } else if (auto stored = writer.store(source.target, *outcome.document);
                 !stored && stored.error().code() == StatusCode::kAlreadyExists) {
        // Another run stored it after this one looked (its claim had expired).
        ctx.logger().info("{}: {}", kStoredMeanwhile, source.given);
        report.skipped(source.domain, source.given, std::string(kStoredMeanwhile), true);
      } else if (!stored) {
        ctx.logger().error("failed to store {}: {}", source.given, stored.error().to_string());
        report.failed(source.domain, source.given,
                      "storing it failed: " + stored.error().to_string());
      } else {
        for (auto& id : stored->second) report.stored(stored->first, std::move(id));
        ctx.logger().info("stored {} ({} via {})", source.given, stored->first, outcome.crawler);
        report.ok(source.domain);
      }
      claims->release(source.target);
      progress.update(++done, outcome);
    });
  }

  ctx.logger().info("Successfully crawled {} / {} links.", report.successful(), links.size());
  for (const auto& line : report.lines()) {
    ctx.logger().info("{}", line);
    if (console_informs) fmt::print(stderr, "{}\n", line);
  }
  // Under -q the report is not printed, but a failed link is still worth a warning.
  if (!console_informs) {
    for (const auto& failure : report.failures()) {
      spdlog::warn("failed: {}", failure_line(failure.link, failure.reason));
    }
  }
  std::fflush(stderr);
  ctx.add_output_metadata("crawled_links", report.handbook_metadata());
  ctx.log_step_metadata(report.step_metadata());
  ctx.log_metadata({{"stored_documents", report.stored_counts()}});
  // Some links failing never fails the step; all of them failing (offline, a wrong config) is
  // no success: the run must not look like one.
  if (report.successful() == 0 && !report.failures().empty()) {
    const auto& first = report.failures().front();
    return Status::unavailable(fmt::format(
        "step {}: no link could be crawled: {} of {} failed and nothing was stored (first: {})",
        ctx.step_name(), report.failures().size(), links.size(),
        failure_line(first.link, first.reason)));
  }
  return ctx.set_output("crawled_links", links);
}

}  // namespace

std::string resolve_local_link(const std::string& link, const std::filesystem::path& root) {
  const bool relative =
      link == "." || link == ".." || link.starts_with("./") || link.starts_with("../");
  if (!relative) return link;
  std::string path = (root / link).lexically_normal().string();
  while (path.size() > 1 && path.ends_with("/")) path.pop_back();
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) return path;  // a repository (or a folder to report)
  return "file://" + path;
}

Status register_llm_twin_pipelines(orchestrator::PipelineRegistry& registry) {
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "get_or_create_user",
      .version = "1",
      .outputs = {"user"},
      .run = get_or_create_user,
      .description = "The UserDocument for user_full_name, created when missing",
      .enable_cache = false,
      .check_settings = warehouse::Warehouse::check_settings,
  }));
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "crawl_links",
      .version = "1",
      .inputs = {"user"},
      .outputs = {"crawled_links"},
      .run = crawl_links,
      .description = "Crawls links into the warehouse as the user's documents",
      .enable_cache = false,
      .check_settings = warehouse::Warehouse::check_settings,
  }));
  return registry.add_pipeline({
      .name = "digital_data_etl",
      .parameters = {{"recrawl", false}},
      .steps = {{.name = "get_or_create_user", .uses = "get_or_create_user"},
                {.name = "crawl_links",
                 .uses = "crawl_links",
                 .inputs = {{"user", "get_or_create_user.user"}}}},
      .source = "built-in",
      .description = "Crawl a person's articles, posts and repositories into the warehouse",
  });
}

}  // namespace twin::llm_twin
