#include "crawl_claims.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace twin::llm_twin {
namespace {

using nlohmann::json;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A claim that vanished or was taken over between two looks is looked at again, a few times.
constexpr int kClaimAttempts = 5;

}  // namespace

Result<std::unique_ptr<CrawlClaims>> CrawlClaims::open(warehouse::Warehouse& warehouse,
                                                       std::string run_id,
                                                       std::chrono::seconds lifetime) {
  TWIN_ASSIGN_OR_RETURN(auto claims, warehouse.collection(kCrawlClaimsCollection));
  TWIN_RETURN_IF_ERROR(claims.create_index({.fields = {"link"}, .unique = true}));
  return std::unique_ptr<CrawlClaims>(
      new CrawlClaims(std::move(claims), std::move(run_id), lifetime));
}

CrawlClaims::~CrawlClaims() {
  for (const auto& link : std::set<std::string>(held_)) release(link);
}

Result<std::optional<std::string>> CrawlClaims::claim(const std::string& link) {
  if (held_.contains(link)) return std::nullopt;
  for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
    const std::int64_t now = now_seconds();
    warehouse::Document claim{
        .id = "",
        .fields = {{"link", link}, {"run_id", run_id_}, {"pid", ::getpid()}, {"claimed_at", now}}};
    auto inserted = claims_.insert(std::move(claim));
    if (inserted) {
      held_.insert(link);
      return std::nullopt;
    }
    if (inserted.error().code() != StatusCode::kAlreadyExists) return fail(inserted.error());
    TWIN_ASSIGN_OR_RETURN(auto holder, claims_.find_one({{"link", link}}));
    if (!holder) continue;  // released meanwhile: claim it again
    const json& fields = holder->fields;
    const std::string holder_run = fields.value("run_id", "");
    const std::int64_t claimed_at = fields.value("claimed_at", std::int64_t{0});
    if (holder_run != run_id_ && now - claimed_at < lifetime_.count()) return holder_run;
    // Ours from an earlier attempt, or left by a run that died: take it over, unless another run
    // takes it over first (then look again).
    TWIN_ASSIGN_OR_RETURN(
        const std::int64_t taken,
        claims_.update_one({{"link", link}, {"claimed_at", claimed_at}, {"run_id", holder_run}},
                           {{"run_id", run_id_}, {"pid", ::getpid()}, {"claimed_at", now}}));
    if (taken == 1) {
      if (holder_run != run_id_) {
        spdlog::info("took over the claim of run {} on {} (older than {} s)", holder_run, link,
                     lifetime_.count());
      }
      held_.insert(link);
      return std::nullopt;
    }
  }
  return fail(Status::unavailable(
      fmt::format("{}: could not claim it for crawling: other runs kept claiming it", link)));
}

void CrawlClaims::release(const std::string& link) {
  if (held_.erase(link) == 0) return;
  auto released = claims_.delete_one({{"link", link}, {"run_id", run_id_}});
  if (!released) {
    spdlog::warn("releasing the crawl claim on {}: {} (it expires in {} s)", link,
                 released.error().to_string(), lifetime_.count());
  }
}

}  // namespace twin::llm_twin
