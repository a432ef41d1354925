// Crawl claims: which run is crawling which link right now, so that ETL runs started at once on
// one warehouse fetch each link once instead of all fetching it and all but one failing to store
// it. A claim is a document of the warehouse collection `crawl_claims`, unique on its link: a
// run claims a link before it fetches it and releases the claim once the link's outcome is known.
// A claim older than the claim lifetime is taken to belong to a run that was killed, and is taken
// over. Claims live in the warehouse itself, so they work across processes and on PostgreSQL.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "twin/core/status.h"
#include "twin/warehouse/warehouse.h"

namespace twin::llm_twin {

inline constexpr std::string_view kCrawlClaimsCollection = "crawl_claims";
// Longer than a batch of links takes to crawl, even through the browser.
inline constexpr std::chrono::seconds kCrawlClaimLifetime{15 * 60};

class CrawlClaims {
 public:
  // The claims of run `run_id` on `warehouse`, which must outlive them.
  static Result<std::unique_ptr<CrawlClaims>> open(
      warehouse::Warehouse& warehouse, std::string run_id,
      std::chrono::seconds lifetime = kCrawlClaimLifetime);
  CrawlClaims(const CrawlClaims&) = delete;
  CrawlClaims& operator=(const CrawlClaims&) = delete;
  // Releases every claim still held (a cancelled or failed run).
  ~CrawlClaims();

  // Claims `link` for this run. Returns nullopt when this run now holds it, else the id of the
  // run that is crawling it.
  Result<std::optional<std::string>> claim(const std::string& link);
  // Releases this run's claim on `link` (a failure is logged: the claim then expires).
  void release(const std::string& link);

 private:
  CrawlClaims(warehouse::Collection claims, std::string run_id, std::chrono::seconds lifetime)
      : claims_(std::move(claims)), run_id_(std::move(run_id)), lifetime_(lifetime) {}

  warehouse::Collection claims_;
  std::string run_id_;
  std::chrono::seconds lifetime_;
  std::set<std::string> held_;
};

}  // namespace twin::llm_twin
