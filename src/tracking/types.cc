#include "twin/tracking/types.h"

#include <fmt/format.h>

#include <chrono>

namespace twin::tracking {
namespace {

template <typename Record>
const Record* find_by_key(const std::vector<Record>& records, std::string_view key) {
  for (const Record& record : records) {
    if (record.key == key) return &record;
  }
  return nullptr;
}

Status validate_key(std::string_view field, std::string_view key) {
  if (key.empty()) return Status::invalid_argument(fmt::format("{}: the key is empty", field));
  if (key.size() > kMaxKeyLength) {
    return Status::invalid_argument(fmt::format("{}: key '{}...' is longer than {} characters",
                                                field, key.substr(0, 40), kMaxKeyLength));
  }
  if (key.find("..") != std::string_view::npos || key.front() == '/') {
    return Status::invalid_argument(fmt::format("{}: invalid key '{}'", field, key));
  }
  return Status::ok();
}

}  // namespace

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "RUNNING";
    case RunStatus::kScheduled:
      return "SCHEDULED";
    case RunStatus::kFinished:
      return "FINISHED";
    case RunStatus::kFailed:
      return "FAILED";
    case RunStatus::kKilled:
      return "KILLED";
  }
  return "RUNNING";
}

Result<RunStatus> parse_run_status(std::string_view text) {
  for (RunStatus status : {RunStatus::kRunning, RunStatus::kScheduled, RunStatus::kFinished,
                           RunStatus::kFailed, RunStatus::kKilled}) {
    if (to_string(status) == text) return status;
  }
  return fail(Status::invalid_argument(fmt::format(
      "status: '{}' is not one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED", text)));
}

std::string_view to_string(LifecycleStage stage) {
  return stage == LifecycleStage::kActive ? "active" : "deleted";
}

Result<LifecycleStage> parse_lifecycle_stage(std::string_view text) {
  if (text == "active") return LifecycleStage::kActive;
  if (text == "deleted") return LifecycleStage::kDeleted;
  return fail(
      Status::corruption(fmt::format("lifecycle stage '{}' is not active or deleted", text)));
}

Result<ViewType> parse_view_type(std::string_view text) {
  if (text.empty() || text == "ACTIVE_ONLY" || text == "1") return ViewType::kActiveOnly;
  if (text == "DELETED_ONLY" || text == "2") return ViewType::kDeletedOnly;
  if (text == "ALL" || text == "3") return ViewType::kAll;
  return fail(Status::invalid_argument(
      fmt::format("view type '{}' is not ACTIVE_ONLY, DELETED_ONLY or ALL", text)));
}

bool visible_in(LifecycleStage stage, ViewType view) {
  switch (view) {
    case ViewType::kActiveOnly:
      return stage == LifecycleStage::kActive;
    case ViewType::kDeletedOnly:
      return stage == LifecycleStage::kDeleted;
    case ViewType::kAll:
      return true;
  }
  return false;
}

const Param* Run::find_param(std::string_view key) const { return find_by_key(params, key); }
const Metric* Run::find_metric(std::string_view key) const {
  return find_by_key(latest_metrics, key);
}
const Tag* Run::find_tag(std::string_view key) const { return find_by_key(tags, key); }

Status validate_batch(const RunDataBatch& batch) {
  const auto too_many = [](std::string_view what, size_t count, size_t limit) {
    return Status::invalid_argument(
        fmt::format("{}: {} entries, at most {} are allowed in one batch", what, count, limit));
  };
  if (batch.metrics.size() > kMaxMetricsPerBatch) {
    return too_many("metrics", batch.metrics.size(), kMaxMetricsPerBatch);
  }
  if (batch.params.size() > kMaxParamsPerBatch) {
    return too_many("params", batch.params.size(), kMaxParamsPerBatch);
  }
  if (batch.tags.size() > kMaxTagsPerBatch) {
    return too_many("tags", batch.tags.size(), kMaxTagsPerBatch);
  }
  const size_t total = batch.metrics.size() + batch.params.size() + batch.tags.size();
  if (total > kMaxEntriesPerBatch) {
    return too_many("metrics, params and tags", total, kMaxEntriesPerBatch);
  }
  for (size_t i = 0; i < batch.metrics.size(); ++i) {
    TWIN_RETURN_IF_ERROR(validate_key(fmt::format("metrics[{}]", i), batch.metrics[i].key));
  }
  for (size_t i = 0; i < batch.params.size(); ++i) {
    TWIN_RETURN_IF_ERROR(validate_key(fmt::format("params[{}]", i), batch.params[i].key));
    if (batch.params[i].value.size() > kMaxParamValueLength) {
      return Status::invalid_argument(
          fmt::format("params[{}] '{}': value longer than {} characters", i, batch.params[i].key,
                      kMaxParamValueLength));
    }
  }
  for (size_t i = 0; i < batch.tags.size(); ++i) {
    TWIN_RETURN_IF_ERROR(validate_key(fmt::format("tags[{}]", i), batch.tags[i].key));
    if (batch.tags[i].value.size() > kMaxTagValueLength) {
      return Status::invalid_argument(fmt::format("tags[{}] '{}': value longer than {} characters",
                                                  i, batch.tags[i].key, kMaxTagValueLength));
    }
  }
  return Status::ok();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace twin::tracking
