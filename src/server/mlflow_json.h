// The MLflow REST API's JSON shapes (mlflow/protos/service.proto, model_registry.proto) for
// twin's tracking and registry records, both ways. int64 fields are written as JSON numbers,
// as MLflow's server does; times are milliseconds since the epoch.
#pragma once

#include <nlohmann/json.hpp>

#include "twin/core/status.h"
#include "twin/registry/model_registry.h"
#include "twin/tracking/types.h"

namespace twin::server {

nlohmann::json to_json(const tracking::Experiment& experiment);
nlohmann::json to_json(const tracking::RunInfo& info);
nlohmann::json to_json(const tracking::Run& run);  // {"info", "data": {metrics, params, tags}}
nlohmann::json to_json(const tracking::Metric& metric);
nlohmann::json to_json(const registry::RegisteredModel& model);
nlohmann::json to_json(const registry::ModelVersion& version);
nlohmann::json tags_to_json(const std::vector<tracking::Tag>& tags);

// [{"key", "value"}...] from a request field; kInvalidArgument naming `field` and the index.
Result<std::vector<tracking::Tag>> tags_from_json(const nlohmann::json& fields,
                                                  std::string_view field);
// A log-batch request's metrics, params and tags (no limits checked here).
Result<tracking::RunDataBatch> batch_from_json(const nlohmann::json& fields);

}  // namespace twin::server
