// The vector store side of twin's JSON API, for the dashboard (Qdrant clients use the Qdrant API
// on its own port, qdrant_routes.h):
//   GET /api/twin/vectors
//       {"available": true, "store": "embedded: ...", "model": EMBEDDING MODEL ID or null,
//        "collections": [{"name", "points", "vector_size", "distance"}]}
//   GET /api/twin/vectors/COLLECTION?limit=N&offset=ID
//       a page of points in id order: {"collection", "total", "points": [{"id", "payload"
//       (long strings cut), "truncated"}], "next_page_offset"}; limit 1..200 (default 20)
//   GET /api/twin/vectors/COLLECTION/search?text=T&k=N
//       T embedded with the server's embedder: {"model", "points": [{"id", "score", "payload"}]}
// Without a store, /api/twin/vectors answers {"available": false, "reason"}; without an
// embedder, search answers 503 naming TEXT_EMBEDDING_MODEL_ID.
#pragma once

#include <httplib.h>

#include "twin/embeddings/embedder.h"
#include "twin/vectors/vector_store.h"

namespace twin::server {

void add_vector_routes(httplib::Server& server, vectors::VectorStore* store,
                       embeddings::Embedder* embedder);

}  // namespace twin::server
