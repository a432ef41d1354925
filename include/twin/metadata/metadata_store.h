// The metadata store: everything known about pipelines, runs, step runs and artifact versions.
//
// Open one with open_metadata_store(uri): `sqlite://PATH` (default <state>/metadata.db) or
// `postgresql://...`; backends differ only below this interface. Every mutating call is one
// transaction, so a process killed at any moment leaves the store consistent.
//
// Thread-safety: one MetadataStore may be used from many threads; several processes may use the
// same database at once.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"
#include "twin/metadata/records.h"

namespace twin::metadata {

// What a new run records about itself.
struct NewRun {
  std::string pipeline{};
  std::string name{};  // kAlreadyExists when a run has this name
  nlohmann::json config = nlohmann::json::object();
  std::string host{};
  int64_t pid = 0;
};

// An output about to be recorded as a new artifact version.
struct NewArtifactVersion {
  std::string output_name{};  // the step's output name
  std::string artifact{};     // artifact name
  std::string content_hash{};
  uint64_t size = 0;
  std::string materializer{};
  std::string uri{};
  nlohmann::json metadata = nlohmann::json::object();
};

// How a step run ended.
struct StepRunEnd {
  StepStatus status = StepStatus::kCompleted;
  std::string error{};
  int attempts = 1;
  std::vector<NewArtifactVersion> outputs{};       // new versions (completed steps)
  std::vector<StepArtifactLink> reused_outputs{};  // existing versions (cached steps)
  std::optional<std::string> cached_from{};
  nlohmann::json metadata = nlohmann::json::object();
};

struct RunFilter {
  std::optional<std::string> pipeline{};
  int limit = 50;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ---- runs
  virtual Result<RunRecord> create_run(const NewRun& run) = 0;
  virtual Status heartbeat(std::string_view run_id) = 0;
  // Closes a run (sets status and end time); kNotFound for an unknown run.
  virtual Status finish_run(std::string_view run_id, RunStatus status) = 0;
  // Merges a JSON object into the run's metadata.
  virtual Status add_run_metadata(std::string_view run_id, const nlohmann::json& metadata) = 0;
  // Newest first.
  virtual Result<std::vector<RunRecord>> list_runs(const RunFilter& filter) = 0;
  // By id or by name; kNotFound naming `id_or_name`.
  virtual Result<RunRecord> get_run(std::string_view id_or_name) = 0;
  // Marks kCrashed every running run whose pid is dead on `host` (per `is_alive`) or whose
  // heartbeat is older than `stale_before` (ms since epoch). Returns how many it marked.
  virtual Result<int> mark_crashed_runs(std::string_view host,
                                        const std::function<bool(int64_t pid)>& is_alive,
                                        int64_t stale_before) = 0;

  // ---- step runs
  // Records a step run as kRunning with its inputs (lineage into the step).
  virtual Result<StepRunRecord> start_step_run(std::string_view run_id, std::string_view step,
                                               std::string_view cache_key, std::string_view log_uri,
                                               const std::vector<StepArtifactLink>& inputs) = 0;
  // Records a step that never ran (skipped or cancelled before start).
  virtual Result<StepRunRecord> record_unstarted_step(std::string_view run_id,
                                                      std::string_view step, StepStatus status,
                                                      std::string_view reason) = 0;
  // Closes a step run and records its outputs (new versions or reused ones) and metadata in one
  // transaction.
  virtual Status finish_step_run(std::string_view step_run_id, const StepRunEnd& end) = 0;
  virtual Result<std::vector<StepRunRecord>> list_step_runs(std::string_view run_id) = 0;

  // The newest completed step run with this cache key, with its outputs; nullopt when none.
  virtual Result<std::optional<StepRunRecord>> find_cached_step_run(std::string_view cache_key) = 0;

  // ---- lineage and artifacts
  virtual Result<std::vector<StepArtifactLink>> step_inputs(std::string_view step_run_id) = 0;
  virtual Result<std::vector<StepArtifactLink>> step_outputs(std::string_view step_run_id) = 0;
  // The step runs that consumed an artifact version (lineage downstream).
  virtual Result<std::vector<StepRunRecord>> consumers(std::string_view artifact_version_id) = 0;
  virtual Result<std::vector<ArtifactSummary>> list_artifacts(
      std::optional<std::string_view> name) = 0;
  // `version` nullopt is the latest; kNotFound naming NAME@VERSION.
  virtual Result<ArtifactVersionRecord> get_artifact_version(std::string_view name,
                                                             std::optional<int64_t> version) = 0;
  virtual Result<StepRunRecord> get_step_run(std::string_view step_run_id) = 0;
};

// Opens (creating and migrating when needed) the store a URI names. Relative sqlite paths are
// under `base`. An unsupported scheme is kInvalidArgument naming the URI.
Result<std::unique_ptr<MetadataStore>> open_metadata_store(std::string_view uri,
                                                           const std::filesystem::path& base = {});

}  // namespace twin::metadata
