// The MLflow REST API (tracking and model registry) under /api/2.0/mlflow/ (and the same under
// /ajax-api/2.0/mlflow/, which MLflow's own UI uses).
#pragma once

#include <httplib.h>

#include <filesystem>

#include "twin/server/server.h"

namespace twin::server {

// `mlflow_artifacts_dir`: where mlflow-artifacts:/ URIs live, for artifacts/list.
void add_mlflow_routes(httplib::Server& server, const ServerStores& stores,
                       const std::filesystem::path& mlflow_artifacts_dir);

}  // namespace twin::server
