// Qdrant's REST API over a vectors::VectorStore, at the root paths Qdrant clients expect (served
// on the Qdrant listener, port 6333 by default):
//   GET /                                     version ({"title", "version"})
//   GET /healthz /livez /readyz               plain-text health
//   GET /collections                          {"collections": [{"name"}]}
//   GET|PUT|DELETE /collections/{name}        info / create / delete
//   GET /collections/{name}/exists            {"exists": bool}
//   PUT /collections/{name}/points            upsert ({"points": [...]} or {"batch": {...}})
//   POST /collections/{name}/points           retrieve ({"ids": [...]})
//   GET /collections/{name}/points/{id}       one point
//   POST .../points/delete, .../points/payload (set), PUT .../points/payload (overwrite),
//   POST .../points/payload/delete, .../points/payload/clear
//   POST .../points/count, .../points/scroll, .../points/search, .../points/search/batch,
//   POST .../points/query, .../points/query/batch
//   PUT .../index, DELETE .../index/{field}   payload indexes
// Answers use Qdrant's envelope ({"result", "status": "ok", "time"}); errors
// {"status": {"error": "..."}, "time"} with 400 (bad input), 404 (unknown collection or point),
// 409 (collection exists). Writes are durable when answered, whatever `?wait=` says, and report
// {"operation_id", "status": "completed"}.
#pragma once

#include <httplib.h>

#include "twin/vectors/vector_store.h"

namespace twin::server {

// The version GET / reports: the Qdrant release whose API this follows.
inline constexpr const char* kQdrantApiVersion = "1.11.0";

// Without a store, every route but / and the health checks answers 503.
void add_qdrant_routes(httplib::Server& server, vectors::VectorStore* store);

}  // namespace twin::server
