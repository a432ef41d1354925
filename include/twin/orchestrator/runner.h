// Runs a pipeline: records the run, schedules its steps on a pool, caches, retries, times out,
// keeps logs, and closes the run.
//
// Scheduling: a step starts when every upstream step completed (or was cached); independent
// steps run in parallel, at most `jobs` at once. A failed step fails the run; the steps
// downstream of it are recorded as skipped, the others still finish. Cancellation (Ctrl-C, see
// core/process.h ForwardSignals, or RunOptions::cancel) stops starting steps, lets command steps
// receive the signal, records unstarted steps as cancelled and the run as cancelled.
//
// Caching: a step's key hashes its pipeline and name, its identity (C++: registered name and
// version; command: the command, the content of depends_on_files, the values of
// depends_on_env), its effective parameters and its inputs' content hashes. A hit reuses the
// earlier step run's output artifact versions and records the step as cached; a hit whose blobs
// are no longer all in the artifact store is a miss.
//
// Thread-safety: one PipelineRunner runs one pipeline at a time; several runners (in one
// process or many) may share stores.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "twin/artifacts/artifact_store.h"
#include "twin/metadata/metadata_store.h"
#include "twin/orchestrator/pipeline.h"
#include "twin/orchestrator/registry.h"
#include "twin/orchestrator/run_config.h"

namespace twin::orchestrator {

// A step changing state, for live progress.
struct StepEvent {
  std::string step{};
  metadata::StepStatus status = metadata::StepStatus::kRunning;
  std::chrono::milliseconds duration{0};  // for terminal states
  int attempt = 1;
  std::string error{};
};

struct RunOptions {
  RunConfig config{};
  bool no_cache = false;                         // --no-cache (wins over enable_cache)
  std::optional<std::string> run_name{};         // --run-name (wins over the config's)
  int jobs = 0;                                  // 0: the number of cores
  std::filesystem::path project_root{};          // cwd of command steps; base of depends_on_files
  std::filesystem::path state_dir{};             // logs at <state>/logs/<run id>/<step>.log
  std::chrono::milliseconds retry_backoff{500};  // doubled after each failed attempt
  std::chrono::milliseconds heartbeat_interval{5000};
  const std::atomic<bool>* cancel = nullptr;  // optional extra cancel flag (tests, server)
  const Settings* settings = nullptr;         // offered to C++ steps (StepContext::settings)
  std::function<void(const StepEvent&)> on_step_event{};  // called from worker threads, serialised
};

struct RunOutcome {
  metadata::RunRecord run{};
  std::vector<metadata::StepRunRecord> steps{};  // in pipeline order
};

// How long a run's heartbeat may be silent before readers call it crashed.
inline constexpr std::chrono::minutes kStaleHeartbeat{2};

class PipelineRunner {
 public:
  PipelineRunner(metadata::MetadataStore& metadata, artifacts::ArtifactStore& artifacts,
                 const PipelineRegistry& registry)
      : metadata_(metadata), artifacts_(artifacts), registry_(registry) {}

  // Runs `pipeline` (validated here) with `options`. Errors before the run is recorded (invalid
  // pipeline, duplicate run name, unreachable store) are returned; a run that fails or is
  // cancelled is an outcome, not an error.
  Result<RunOutcome> run(PipelineDefinition pipeline, const RunOptions& options);

 private:
  metadata::MetadataStore& metadata_;
  artifacts::ArtifactStore& artifacts_;
  const PipelineRegistry& registry_;
};

// Marks runs of dead processes on this host, or with stale heartbeats, as crashed. Readers
// (`twin runs ...`, `twin pipeline run`) call it first.
Result<int> reap_crashed_runs(metadata::MetadataStore& store);

// The most a run's recorded config (parameters, step parameters, settings) may take as JSON:
// every `twin runs list` reads it back.
inline constexpr size_t kMaxRunConfigBytes = size_t{1} << 20;

// kInvalidArgument when a run config is over kMaxRunConfigBytes or holds text that is not UTF-8;
// PipelineRunner::run checks it before anything of the run is recorded.
Status check_run_config(const nlohmann::json& config);

// Removes the work folders (<state_dir>/work/<step run id>) of step runs that are not running:
// a run killed with -9 had no chance to remove its own. Call after reap_crashed_runs (so the
// steps of dead runs are no longer "running"); folders of steps other runs are running stay.
// Returns how many it removed.
Result<int> remove_stale_work_folders(metadata::MetadataStore& store,
                                      const std::filesystem::path& state_dir);

// Records `new_run` named by expanding `pattern` at `now` (expand_run_name). Run names are
// unique, and runs started together can expand {time} to the same microsecond (seen with 6
// concurrent ETL runs on PostgreSQL): a pattern with {time} then takes the first free suffix of
// NAME-2 .. NAME-50. A name without {time} that exists already is kAlreadyExists, for the user
// to resolve.
Result<metadata::RunRecord> create_named_run(metadata::MetadataStore& store,
                                             metadata::NewRun new_run, std::string_view pattern,
                                             std::chrono::system_clock::time_point now);

// This machine's host name.
std::string host_name();

}  // namespace twin::orchestrator
