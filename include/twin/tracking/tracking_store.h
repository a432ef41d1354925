// TrackingStore: experiments, runs, params, metrics and tags in the metadata database.
//
// The store keeps its tables (tracking_*) in any db::Database (SQLite or PostgreSQL) and applies
// its own migrations when opened, so it shares the metadata database with the pipeline store.
// It is the one API behind `twin server`'s MLflow endpoints and C++ training code (RunLogger).
//
// Thread-safety: every method may be called from any number of threads at once; each call is
// one transaction (the database serializes writers). The Database must outlive the store.
//
// Errors: a missing experiment or run is kNotFound naming its id; a duplicate experiment name is
// kAlreadyExists; logging to a deleted run or re-logging a param with another value is
// kInvalidArgument (MLflow's INVALID_PARAMETER_VALUE); database failures pass through.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/tracking/run_filter.h"
#include "twin/tracking/types.h"

namespace twin::tracking {

struct CreateRunRequest {
  std::string experiment_id = "0";
  std::string run_name;  // a generated name ("run-<8 hex>") when empty
  std::string user_id;
  std::optional<int64_t> start_time_ms;  // now when unset
  std::vector<Tag> tags;
  // The pipeline run that produced this run; also taken from the tag twin.pipeline_run_id.
  std::string pipeline_run_id;
};

struct UpdateRunRequest {
  std::optional<RunStatus> status;
  std::optional<int64_t> end_time_ms;
  std::optional<std::string> run_name;
};

struct SearchRunsRequest {
  std::vector<std::string> experiment_ids;  // empty: every experiment
  std::string filter;                       // RunFilter syntax
  ViewType view = ViewType::kActiveOnly;
  std::vector<std::string> order_by;  // RunOrder syntax
  size_t max_results = 1000;
  std::string page_token;  // from a previous page's next_page_token
};

struct RunsPage {
  std::vector<Run> runs;
  std::string next_page_token;  // empty on the last page
};

// The tag that links a tracker run to the pipeline run that produced it.
inline constexpr std::string_view kPipelineRunTag = "twin.pipeline_run_id";
// MLflow's run name tag, kept in step with RunInfo::run_name.
inline constexpr std::string_view kRunNameTag = "mlflow.runName";
// The artifact root of `twin server`, as MLflow's server with --serve-artifacts: experiment "<id>"
// gets "mlflow-artifacts:/<id>", a run "mlflow-artifacts:/<id>/<run_id>/artifacts", and clients
// up- and download through /api/2.0/mlflow-artifacts/artifacts/<id>/<run_id>/artifacts/...
inline constexpr std::string_view kMlflowArtifactsRoot = "mlflow-artifacts:";
// The name and id of the experiment every store has (MLflow's Default experiment).
inline constexpr std::string_view kDefaultExperimentId = "0";

class TrackingStore {
 public:
  // Opens the store over `database`, creating or upgrading its tables. `artifact_root` is the URI
  // under which experiments get their artifact_location ("file:///x/.twin/mlruns"); experiment
  // "<id>" gets "<artifact_root>/<id>" unless one is given.
  static Result<std::unique_ptr<TrackingStore>> open(db::Database& database,
                                                     std::string artifact_root);

  // Experiments.
  Result<std::string> create_experiment(const std::string& name,
                                        const std::string& artifact_location = "",
                                        const std::vector<Tag>& tags = {});
  Result<Experiment> get_experiment(const std::string& experiment_id);
  Result<Experiment> get_experiment_by_name(const std::string& name);
  Result<std::vector<Experiment>> list_experiments(ViewType view = ViewType::kActiveOnly);
  Status rename_experiment(const std::string& experiment_id, const std::string& new_name);
  Status set_experiment_lifecycle(const std::string& experiment_id, LifecycleStage stage);
  Status set_experiment_tag(const std::string& experiment_id, const Tag& tag);
  // The experiment named `name`, created when missing (what mlflow.set_experiment does).
  Result<std::string> ensure_experiment(const std::string& name);

  // Runs.
  Result<Run> create_run(const CreateRunRequest& request);
  Result<Run> get_run(const std::string& run_id);
  Result<RunInfo> update_run(const std::string& run_id, const UpdateRunRequest& request);
  Status set_run_lifecycle(const std::string& run_id, LifecycleStage stage);
  Result<RunsPage> search_runs(const SearchRunsRequest& request);

  // Writes metrics, params and tags in one transaction. Any size (the REST API applies MLflow's
  // limits before calling). Params are immutable: the same value again is fine, another value is
  // kInvalidArgument naming the key.
  Status log_batch(const std::string& run_id, const RunDataBatch& batch);
  Status delete_tag(const std::string& run_id, const std::string& key);
  // Every point of one metric, by step then timestamp.
  Result<std::vector<Metric>> metric_history(const std::string& run_id, const std::string& key);

  // Experiments whose artifact_location is "<from_root>/<experiment_id>" get
  // "<to_root>/<experiment_id>" (for two roots naming the same folder, e.g. an older server's
  // file:// root and mlflow-artifacts:); their new runs get URIs under it, existing runs keep
  // theirs. Returns how many experiments moved.
  Result<int64_t> move_artifact_root(std::string_view from_root, std::string_view to_root);

  // Every run's id produced by the given pipeline run (for lineage views).
  Result<std::vector<std::string>> runs_of_pipeline_run(const std::string& pipeline_run_id);

  const std::string& artifact_root() const { return artifact_root_; }
  db::Database& database() { return database_; }

 private:
  TrackingStore(db::Database& database, std::string artifact_root)
      : database_(database), artifact_root_(std::move(artifact_root)) {}

  db::Database& database_;
  std::string artifact_root_;
};

}  // namespace twin::tracking
