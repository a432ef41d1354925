// Qdrant's REST JSON for the vector store's types, both ways: what `twin server`'s Qdrant API
// reads and answers, and what the Qdrant backend sends and reads back. Shapes follow Qdrant's
// OpenAPI schema (../shared/data/qdrant-openapi/, v1.11 and v1.19).
//
// Readers return kInvalidArgument naming the field ("points[3].vector: expected 4 numbers, got
// 3"); they check shapes, the store checks sizes against the collection.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/vectors/vector_store.h"

namespace twin::vectors::qdrant_json {

// The body of PUT /collections/{name}: {"vectors": {"size", "distance"}} or {"vectors": {}} for
// none. Named vectors, sparse vectors and multivectors are refused naming the field.
Result<CollectionConfig> read_create_collection(const nlohmann::json& body);
nlohmann::json write_create_collection(const CollectionConfig& config);

// CollectionInfo as GET /collections/{name} answers it (status green, one segment, the hnsw,
// optimizer and WAL settings Qdrant reports by default).
nlohmann::json write_collection_info(const CollectionInfo& info);
Result<CollectionInfo> read_collection_info(std::string name, const nlohmann::json& result);

// The body of PUT /collections/{name}/points: {"points": [PointStruct...]} or
// {"batch": {"ids", "vectors", "payloads"}}.
Result<std::vector<Point>> read_upsert(const nlohmann::json& body);
nlohmann::json write_upsert(const std::vector<Point>& points);

// A vector as Qdrant writes it: [f, ...]. Non-finite numbers are refused.
Result<std::vector<float>> read_vector(const nlohmann::json& value, std::string_view where);

// with_payload (true / false / [keys] / {"include": [...]} / {"exclude": [...]}) and with_vector
// (true / false). The payload part is applied to each answer by `select_payload`.
struct PayloadSelector {
  bool enabled = true;
  std::vector<std::string> include{};  // empty: every key
  std::vector<std::string> exclude{};
};
Result<PayloadSelector> read_with_payload(const nlohmann::json& value, bool fallback);
nlohmann::json select_payload(const nlohmann::json& payload, const PayloadSelector& selector);

// Record (retrieve, scroll) and ScoredPoint (search, query).
nlohmann::json write_record(const Point& point, bool with_payload, bool with_vector);
nlohmann::json write_scored_point(const ScoredPoint& point, bool with_payload, bool with_vector);
Result<Point> read_record(const nlohmann::json& value);
Result<ScoredPoint> read_scored_point(const nlohmann::json& value);

// A search as POST .../points/search (SearchRequest) or .../points/query (QueryRequest with
// `query` a vector or {"nearest": vector}) asks it. A query by point id is answered by the
// caller: `query_point_id` is set and `request.vector` left empty.
struct SearchQuery {
  SearchRequest request{};
  PayloadSelector payload{};
  std::optional<PointId> query_point_id{};
};
Result<SearchQuery> read_search(const nlohmann::json& body);
Result<SearchQuery> read_query(const nlohmann::json& body);
nlohmann::json write_search(const SearchRequest& request);

// ScrollRequest.
struct ScrollQuery {
  ScrollRequest request{};
  PayloadSelector payload{};
};
Result<ScrollQuery> read_scroll(const nlohmann::json& body);
nlohmann::json write_scroll(const ScrollRequest& request);
nlohmann::json write_scroll_page(const ScrollPage& page, const ScrollQuery& query);

// PointRequest (POST .../points): ids plus with_payload / with_vector.
struct RetrieveQuery {
  std::vector<PointId> ids{};
  PayloadSelector payload{};
  bool with_vector = false;
};
Result<RetrieveQuery> read_retrieve(const nlohmann::json& body);

// PointsSelector: {"points": [ids]} or {"filter": {...}}.
Result<PointSelector> read_selector(const nlohmann::json& body);
nlohmann::json write_selector(const PointSelector& selector);

// An optional "filter" member.
Result<std::optional<Filter>> read_optional_filter(const nlohmann::json& body);

// Qdrant's envelope: {"result": ..., "status": "ok", "time": seconds}, and its errors:
// {"status": {"error": "..."}, "time": seconds}.
nlohmann::json envelope(nlohmann::json result, double seconds);
nlohmann::json error_envelope(std::string_view message, double seconds);
// The HTTP status Qdrant answers a failed call with: 404 not found, 409 already exists, 400 for
// bad input and preconditions, 503 unavailable, 500 otherwise.
int http_status_for(const Status& status);

}  // namespace twin::vectors::qdrant_json
