// The data warehouse side of twin's JSON API, thin over warehouse/ and llm_twin/:
//   GET /api/twin/warehouse
//       {"available": true, "collections": {NAME: {"documents": N, "authors": {AUTHOR: n}}}}
//       (llm_twin::collection_stats: what `twin warehouse stats --json` prints)
//   GET /api/twin/warehouse/COLLECTION?limit=N&skip=M&filter=JSON
//       a page of documents, in insertion order: {"collection", "total" (matching the filter),
//       "skip", "limit", "documents": [{"_id", "document" (a preview), "truncated",
//       "lineage": {"run_id", "step_run_id"} or null}]}. COLLECTION is a collection (articles)
//       or a class name (ArticleDocument); limit defaults to 50 and is clamped to 1..1000.
//       Unknown collection: 404; a filter that is not a JSON object or uses an unsupported
//       operator: 400 naming it.
// Without a warehouse, /api/twin/warehouse answers {"available": false, "reason": ...} and the
// collection pages 404.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <nlohmann/json.hpp>

#include "twin/server/server.h"

namespace twin::server {

void add_warehouse_routes(httplib::Server& server, warehouse::Warehouse* warehouse);

// `value` with every string longer than `max_bytes` cut to at most `max_bytes` (never inside a
// UTF-8 sequence) and "…" appended; sets `truncated` when it cut any.
nlohmann::json preview_json(const nlohmann::json& value, size_t max_bytes, bool& truncated);

}  // namespace twin::server
