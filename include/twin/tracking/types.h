// The experiment tracker's records: experiments, runs, params, metrics and tags.
//
// They follow MLflow's model (mlflow/protos/service.proto) so the MLflow REST API maps onto them
// one to one: times are milliseconds since the Unix epoch, experiment ids are decimal strings
// ("0" is the Default experiment), run ids are 32 lowercase hex digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin::tracking {

enum class RunStatus { kRunning, kScheduled, kFinished, kFailed, kKilled };
// "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED".
std::string_view to_string(RunStatus status);
// Parses MLflow's names (case-sensitive); kInvalidArgument naming the value otherwise.
Result<RunStatus> parse_run_status(std::string_view text);

enum class LifecycleStage { kActive, kDeleted };
// "active", "deleted".
std::string_view to_string(LifecycleStage stage);
Result<LifecycleStage> parse_lifecycle_stage(std::string_view text);

// Which records a listing returns, by lifecycle stage.
enum class ViewType { kActiveOnly, kDeletedOnly, kAll };
// Parses "ACTIVE_ONLY", "DELETED_ONLY", "ALL" (MLflow's ViewType), also as 1, 2, 3.
Result<ViewType> parse_view_type(std::string_view text);
bool visible_in(LifecycleStage stage, ViewType view);

struct Tag {
  std::string key;
  std::string value;
  friend bool operator==(const Tag&, const Tag&) = default;
};

struct Param {
  std::string key;
  std::string value;
  friend bool operator==(const Param&, const Param&) = default;
};

struct Metric {
  std::string key;
  double value = 0;
  int64_t timestamp_ms = 0;
  int64_t step = 0;
  friend bool operator==(const Metric&, const Metric&) = default;
};

struct Experiment {
  std::string experiment_id;
  std::string name;
  std::string artifact_location;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  int64_t creation_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::vector<Tag> tags;
};

struct RunInfo {
  std::string run_id;
  std::string experiment_id;
  std::string run_name;
  std::string user_id;
  RunStatus status = RunStatus::kRunning;
  int64_t start_time_ms = 0;
  std::optional<int64_t> end_time_ms;
  std::string artifact_uri;
  LifecycleStage lifecycle_stage = LifecycleStage::kActive;
  // The pipeline run that produced this tracker run, when a pipeline step logged it.
  std::string pipeline_run_id;
};

// A run with its data: the latest value of each metric, every param and tag.
struct Run {
  RunInfo info;
  std::vector<Metric> latest_metrics;
  std::vector<Param> params;
  std::vector<Tag> tags;

  const Param* find_param(std::string_view key) const;
  const Metric* find_metric(std::string_view key) const;
  const Tag* find_tag(std::string_view key) const;
};

// What log_batch writes in one transaction.
struct RunDataBatch {
  std::vector<Metric> metrics;
  std::vector<Param> params;
  std::vector<Tag> tags;
  bool empty() const { return metrics.empty() && params.empty() && tags.empty(); }
};

// MLflow's per-request limits for log-batch (docs: "Request Limits").
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxParamsPerBatch = 100;
inline constexpr size_t kMaxTagsPerBatch = 100;
inline constexpr size_t kMaxEntriesPerBatch = 1000;
inline constexpr size_t kMaxBatchBytes = size_t{1024} * 1024;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxTagValueLength = 8000;
inline constexpr size_t kMaxKeyLength = 250;

// Checks a batch against MLflow's limits and key rules; kInvalidArgument naming the first
// offending field ("metrics[3].key", "params: 101 entries, at most 100").
Status validate_batch(const RunDataBatch& batch);

// Milliseconds since the Unix epoch, now.
int64_t now_ms();

}  // namespace twin::tracking
