#include "mlflow_json.h"

#include <fmt/format.h>

#include <cmath>

#include "json_endpoint.h"

namespace twin::server {
namespace {

// JSON has no NaN or infinities; MLflow writes them as strings.
nlohmann::json metric_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

template <typename KeyValue>
Result<std::vector<KeyValue>> key_values(const nlohmann::json& fields, std::string_view field) {
  std::vector<KeyValue> out;
  const auto it = fields.find(field);
  if (it == fields.end() || it->is_null()) return out;
  if (!it->is_array()) {
    return fail(Status::invalid_argument(fmt::format("parameter '{}' must be a list", field)));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& item = (*it)[i];
    if (!item.is_object()) {
      return fail(Status::invalid_argument(fmt::format("{}[{}] must be an object", field, i)));
    }
    auto key = required_string(item, "key");
    if (!key) return fail(key.error().with_context(fmt::format("{}[{}]", field, i)));
    out.push_back({*key, optional_string(item, "value").value_or("")});
  }
  return out;
}

}  // namespace

nlohmann::json tags_to_json(const std::vector<tracking::Tag>& tags) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& tag : tags) out.push_back({{"key", tag.key}, {"value", tag.value}});
  return out;
}

nlohmann::json to_json(const tracking::Experiment& e) {
  return {{"experiment_id", e.experiment_id},
          {"name", e.name},
          {"artifact_location", e.artifact_location},
          {"lifecycle_stage", tracking::to_string(e.lifecycle_stage)},
          {"creation_time", e.creation_time_ms},
          {"last_update_time", e.last_update_time_ms},
          {"tags", tags_to_json(e.tags)}};
}

nlohmann::json to_json(const tracking::RunInfo& info) {
  nlohmann::json out = {{"run_id", info.run_id},
                        {"run_uuid", info.run_id},
                        {"run_name", info.run_name},
                        {"experiment_id", info.experiment_id},
                        {"user_id", info.user_id},
                        {"status", tracking::to_string(info.status)},
                        {"start_time", info.start_time_ms},
                        {"artifact_uri", info.artifact_uri},
                        {"lifecycle_stage", tracking::to_string(info.lifecycle_stage)}};
  if (info.end_time_ms) out["end_time"] = *info.end_time_ms;
  if (!info.pipeline_run_id.empty()) out["pipeline_run_id"] = info.pipeline_run_id;
  return out;
}

nlohmann::json to_json(const tracking::Metric& m) {
  return {{"key", m.key},
          {"value", metric_number(m.value)},
          {"timestamp", m.timestamp_ms},
          {"step", m.step}};
}

nlohmann::json to_json(const tracking::Run& run) {
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& m : run.latest_metrics) metrics.push_back(to_json(m));
  nlohmann::json params = nlohmann::json::array();
  for (const auto& p : run.params) params.push_back({{"key", p.key}, {"value", p.value}});
  return {{"info", to_json(run.info)},
          {"data", {{"metrics", metrics}, {"params", params}, {"tags", tags_to_json(run.tags)}}}};
}

nlohmann::json to_json(const registry::ModelVersion& v) {
  nlohmann::json out = {{"name", v.name},
                        {"version", std::to_string(v.version)},
                        {"creation_timestamp", v.creation_time_ms},
                        {"last_updated_timestamp", v.last_update_time_ms},
                        {"current_stage", v.current_stage},
                        {"description", v.description},
                        {"source", v.source},
                        {"run_id", v.run_id},
                        {"status", v.status},
                        {"tags", tags_to_json(v.tags)},
                        {"aliases", v.aliases}};
  if (!v.run_link.empty()) out["run_link"] = v.run_link;
  return out;
}

nlohmann::json to_json(const registry::RegisteredModel& model) {
  nlohmann::json versions = nlohmann::json::array();
  for (const auto& v : model.latest_versions) versions.push_back(to_json(v));
  nlohmann::json aliases = nlohmann::json::array();
  for (const auto& a : model.aliases) {
    aliases.push_back({{"alias", a.alias}, {"version", std::to_string(a.version)}});
  }
  return {{"name", model.name},
          {"creation_timestamp", model.creation_time_ms},
          {"last_updated_timestamp", model.last_update_time_ms},
          {"description", model.description},
          {"latest_versions", versions},
          {"tags", tags_to_json(model.tags)},
          {"aliases", aliases}};
}

Result<std::vector<tracking::Tag>> tags_from_json(const nlohmann::json& fields,
                                                  std::string_view field) {
  return key_values<tracking::Tag>(fields, field);
}

Result<tracking::RunDataBatch> batch_from_json(const nlohmann::json& fields) {
  tracking::RunDataBatch batch;
  TWIN_ASSIGN_OR_RETURN(batch.params, key_values<tracking::Param>(fields, "params"));
  TWIN_ASSIGN_OR_RETURN(batch.tags, key_values<tracking::Tag>(fields, "tags"));
  const auto it = fields.find("metrics");
  if (it == fields.end() || it->is_null()) return batch;
  if (!it->is_array()) return fail(Status::invalid_argument("parameter 'metrics' must be a list"));
  batch.metrics.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& item = (*it)[i];
    const auto context = [i](const Status& s) {
      return s.with_context(fmt::format("metrics[{}]", i));
    };
    if (!item.is_object())
      return fail(Status::invalid_argument(fmt::format("metrics[{}] must be an object", i)));
    tracking::Metric metric;
    auto key = required_string(item, "key");
    if (!key) return fail(context(key.error()));
    metric.key = std::move(*key);
    auto value = required_double(item, "value");
    if (!value) return fail(context(value.error()));
    metric.value = *value;
    auto timestamp = optional_int64(item, "timestamp");
    if (!timestamp) return fail(context(timestamp.error()));
    metric.timestamp_ms = timestamp->value_or(tracking::now_ms());
    auto step = optional_int64(item, "step");
    if (!step) return fail(context(step.error()));
    metric.step = step->value_or(0);
    batch.metrics.push_back(std::move(metric));
  }
  return batch;
}

}  // namespace twin::server
