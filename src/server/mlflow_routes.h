// The MLflow REST API (tracking and model registry) under /api/2.0/mlflow/ (and the same under
// /ajax-api/2.0/mlflow/, which MLflow's own UI uses).
#pragma once

#include <httplib.h>

#include "twin/server/server.h"

namespace twin::server {

void add_mlflow_routes(httplib::Server& server, const ServerStores& stores);

}  // namespace twin::server
