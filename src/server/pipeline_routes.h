// The pipeline side of twin's JSON API, thin over metadata/ and artifacts/:
//   GET /api/twin/pipelines                                  pipelines with run counts, last run
//   GET /api/twin/pipeline-runs?pipeline=P&limit=N           runs, newest first
//   GET /api/twin/pipeline-runs/RUN                          a run (id or name), its step runs
//                                                            with inputs/outputs, the DAG edges
//                                                            and the tracker runs it produced
//   GET /api/twin/pipeline-runs/RUN/steps/STEP/logs          a step's log (text)
//   GET /api/twin/artifacts                                  artifacts with their latest version
//   GET /api/twin/artifacts/NAME/versions/V                  a version, its producer, consumers
//                                                            and a preview of JSON or text
//   GET /api/twin/artifacts/NAME/versions/V/download         the version's bytes
// Without a metadata store, /api/twin/pipelines and /api/twin/artifacts answer
// {"available": false, "reason": ...} and the rest 404.
#pragma once

#include <httplib.h>

#include "twin/server/server.h"

namespace twin::server {

void add_pipeline_routes(httplib::Server& server, const ServerStores& stores);

// The first `limit` bytes of `bytes` when they read as UTF-8 text (JSON included); nullopt for
// binary content.
std::optional<std::string> text_preview(std::string_view bytes, size_t limit);

}  // namespace twin::server
