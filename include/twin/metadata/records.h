// The records of the metadata store: pipelines, runs, step runs, artifacts and their versions,
// metadata entries and lineage. Plain values; times are milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twin::metadata {

// A run is kRunning until closed. kCrashed is set by mark_crashed_runs for a run whose process
// died (dead pid on this host, or a heartbeat older than the staleness limit).
enum class RunStatus { kRunning, kCompleted, kFailed, kCancelled, kCrashed };
enum class StepStatus { kRunning, kCompleted, kFailed, kCached, kSkipped, kCancelled };

std::string_view to_string(RunStatus status);
std::string_view to_string(StepStatus status);
std::optional<RunStatus> parse_run_status(std::string_view text);
std::optional<StepStatus> parse_step_status(std::string_view text);

struct RunRecord {
  std::string id{};        // unique, e.g. "4f1c0e9a2b7d4c31"
  std::string pipeline{};  // pipeline name
  std::string name{};      // run name (unique)
  RunStatus status = RunStatus::kRunning;
  nlohmann::json config = nlohmann::json::object();  // effective parameters, cache flag, settings
  int64_t started_at = 0;
  std::optional<int64_t> ended_at{};
  std::string host{};
  int64_t pid = 0;
  int64_t heartbeat_at = 0;
  nlohmann::json metadata = nlohmann::json::object();  // log_metadata() entries, merged
};

struct StepRunRecord {
  std::string id{};
  std::string run_id{};
  std::string step{};  // the step's name in its pipeline
  StepStatus status = StepStatus::kRunning;
  std::string cache_key{};
  int64_t started_at = 0;
  std::optional<int64_t> ended_at{};
  std::string log_uri{};  // file holding the step's stdout/stderr or C++ log
  std::string error{};    // why it failed / was skipped; empty otherwise
  int attempts = 0;
  std::optional<std::string> cached_from{};  // the step run whose outputs a cache hit reused
  nlohmann::json metadata = nlohmann::json::object();
};

struct ArtifactVersionRecord {
  std::string id{};
  std::string artifact{};  // artifact name, e.g. "crawl_links.crawled_links"
  int64_t version = 0;     // 1, 2, ... per artifact name
  std::string content_hash{};
  uint64_t size = 0;
  std::string materializer{};
  std::string uri{};
  std::string producer_step_run_id{};
  int64_t created_at = 0;
  nlohmann::json metadata = nlohmann::json::object();
};

// One edge of lineage: a step run's named input or output and the artifact version on it.
struct StepArtifactLink {
  std::string step_run_id{};
  std::string name{};  // input or output name
  ArtifactVersionRecord artifact{};
};

struct ArtifactSummary {
  std::string name{};
  int64_t versions = 0;
  ArtifactVersionRecord latest{};
};

}  // namespace twin::metadata

namespace twin::metadata {

// "2026-11-26T23:01:02.123Z" for milliseconds since the epoch.
std::string format_time(int64_t epoch_ms);
// "850ms", "1.25s", "2m03s": for tables.
std::string format_duration(int64_t ms);

// JSON forms for --json output and the server: times as ISO 8601 UTC, plus duration_ms.
void to_json(nlohmann::json& j, const RunRecord& run);
void to_json(nlohmann::json& j, const StepRunRecord& step);
void to_json(nlohmann::json& j, const ArtifactVersionRecord& version);

}  // namespace twin::metadata
