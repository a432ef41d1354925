// The Handbook's retrieval (ContextRetriever._search) without its LLM parts: the query embedded
// once, k split evenly over embedded_posts, embedded_articles and embedded_repositories
// (k / 3 each, at least 1), an optional author filter on author_id, hits de-duplicated by id and
// ordered best first. Query expansion and self-querying need an LLM and are left out; the author
// comes from the caller instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"
#include "twin/embeddings/cross_encoder.h"
#include "twin/embeddings/embedder.h"
#include "twin/vectors/vector_store.h"
#include "twin/warehouse/warehouse.h"

namespace twin::llm_twin {

struct RetrievalOptions {
  std::size_t k = 9;
  std::string author_full_name;  // empty: every author
};

struct RetrievedChunk {
  std::string collection;      // "embedded_articles", ...
  vectors::ScoredPoint point;  // payload: content, document_id, link, author_full_name, ...
};

// kNotFound naming the author when `author_full_name` is not a user of the warehouse; collections
// that do not exist yet are skipped.
Result<std::vector<RetrievedChunk>> retrieve(std::string_view query,
                                             const RetrievalOptions& options,
                                             embeddings::Embedder& embedder,
                                             vectors::VectorStore& store,
                                             warehouse::Warehouse& warehouse);

// The Handbook's ContextRetriever.rerank: each chunk's content scored against `query` by the
// cross-encoder (what CrossEncoder.predict returns), chunks sorted by that score, best first, the
// first `keep_top_k` kept. Each kept chunk's point.score becomes its cross-encoder score.
Result<std::vector<RetrievedChunk>> rerank(std::string_view query,
                                           std::vector<RetrievedChunk> chunks,
                                           std::size_t keep_top_k,
                                           const embeddings::CrossEncoder& cross_encoder);

}  // namespace twin::llm_twin
