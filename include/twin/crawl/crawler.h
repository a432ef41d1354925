// Crawlers (one per kind of site) and the Dispatcher that routes links to them.
//
//   twin::crawl::Dispatcher dispatcher(config);
//   auto outcomes = dispatcher.crawl({"https://a.substack.com/p/x", "https://github.com/o/r"},
//                                    [](const CrawlOutcome& o, size_t done, size_t total) {...});
//
// Routing: the first [[crawl.routes]] whose regex matches the URL, else the defaults:
// github.com, URLs ending in .git, local paths and file:// URLs of git repositories ->
// repository; medium.com -> medium; linkedin.com -> linkedin; *.substack.com -> substack;
// anything else -> article (including file:// pages).
//
// Pages fetched over HTTP go through one Fetcher, concurrently across hosts; browser-rendered
// pages, LinkedIn and repositories are crawled one after the other. A crawler never throws; each
// link ends ok, failed or skipped (robots.txt) with a reason naming the link.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/crawl/config.h"
#include "twin/crawl/fetcher.h"
#include "twin/crawl/results.h"

namespace twin::crawl {

class BrowserSession;

// What a crawler may use; lazily created, shared by the crawlers of one batch.
class CrawlContext {
 public:
  explicit CrawlContext(const CrawlConfig& config);
  ~CrawlContext();
  const CrawlConfig& config() const { return config_; }
  Fetcher& fetcher() { return fetcher_; }
  // Starts Chromium on first use.
  Result<BrowserSession*> browser();

 private:
  const CrawlConfig& config_;
  Fetcher fetcher_;
  std::unique_ptr<BrowserSession> browser_;
  Status browser_error_;
};

class Crawler {
 public:
  virtual ~Crawler() = default;
  virtual CrawlerKind kind() const = 0;
  // Crawls one link; errors name the link. robots.txt is checked by the Dispatcher before this
  // is called (or by the Fetcher for pages fetched over HTTP), which reports refusals as skipped.
  virtual Result<CrawlDocument> crawl(const std::string& link, Render render,
                                      CrawlContext& context) const = 0;
};

// Crawlers of a single HTML page (article, medium, substack): extraction from fetched HTML, so
// the dispatcher can fetch many pages at once and extract each.
class PageCrawler : public Crawler {
 public:
  virtual Result<CrawlDocument> extract(const std::string& link, const std::string& html) const = 0;
  Result<CrawlDocument> crawl(const std::string& link, Render render,
                              CrawlContext& context) const override;
};

std::unique_ptr<Crawler> make_crawler(CrawlerKind kind);

// Where a link goes.
struct RouteDecision {
  CrawlerKind crawler = CrawlerKind::kArticle;
  Render render = Render::kHttp;
};

// The domain a link is counted under: its host, "file" for file:// URLs and local paths.
std::string link_domain(const std::string& link);

class Dispatcher {
 public:
  explicit Dispatcher(CrawlConfig config);
  ~Dispatcher();

  RouteDecision route(const std::string& link) const;

  using Progress = std::function<void(const CrawlOutcome& outcome, size_t done, size_t total)>;
  // Crawls every link; outcomes are in the order of `links`. `progress` (optional) is called on
  // the calling thread as each link finishes.
  std::vector<CrawlOutcome> crawl(const std::vector<std::string>& links,
                                  const Progress& progress = {});

  const CrawlConfig& config() const { return config_; }

 private:
  CrawlConfig config_;
  std::unique_ptr<CrawlContext> context_;  // kept across batches: robots.txt and delays persist
};

}  // namespace twin::crawl
