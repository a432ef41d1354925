// twin's own JSON API under /api/twin/: what the dashboard reads (experiments with their runs,
// metric series downsampled for charts, models with all versions and model cards, health).
#pragma once

#include <httplib.h>

#include "twin/server/server.h"

namespace twin::server {

void add_twin_routes(httplib::Server& server, const ServerStores& stores);

// At most `max_points` points of a series, evenly spaced by index, always keeping the last.
std::vector<tracking::Metric> downsample(std::vector<tracking::Metric> points, size_t max_points);

}  // namespace twin::server
