#include "twin/vectors/qdrant_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace twin::vectors::qdrant_json {
namespace {

using nlohmann::json;

Status bad(std::string_view where, std::string_view what) {
  return Status::invalid_argument(fmt::format("{}: {}", where, what));
}

const json* member(const json& body, std::string_view name) {
  if (!body.is_object()) return nullptr;
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::size_t> read_count(const json& body, std::string_view name, std::size_t fallback) {
  const json* value = member(body, name);
  if (value == nullptr) return fallback;
  if (!value->is_number_unsigned() && !(value->is_number_integer() && value->get<int64_t>() >= 0)) {
    return fail(bad(name, fmt::format("expected a non-negative integer, got {}", value->dump())));
  }
  return value->get<std::size_t>();
}

Result<bool> read_bool(const json& body, std::string_view name, bool fallback) {
  const json* value = member(body, name);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) return fail(bad(name, "expected true or false"));
  return value->get<bool>();
}

Result<std::optional<float>> read_optional_float(const json& body, std::string_view name) {
  const json* value = member(body, name);
  if (value == nullptr) return std::optional<float>();
  if (!value->is_number()) return fail(bad(name, "expected a number"));
  const double number = value->get<double>();
  if (!std::isfinite(number)) return fail(bad(name, "expected a finite number"));
  return std::optional<float>(static_cast<float>(number));
}

Result<std::vector<PointId>> read_ids(const json& value, std::string_view where) {
  if (!value.is_array()) return fail(bad(where, "expected a list of point ids"));
  std::vector<PointId> ids;
  ids.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto id = PointId::from_json(value[i]);
    if (!id) return fail(id.error().with_context(fmt::format("{}[{}]", where, i)));
    ids.push_back(std::move(*id));
  }
  return ids;
}

json write_ids(const std::vector<PointId>& ids) {
  json out = json::array();
  for (const PointId& id : ids) out.push_back(id.to_json());
  return out;
}

Result<json> read_payload(const json* value, std::string_view where) {
  if (value == nullptr) return json::object();
  if (!value->is_object()) return fail(bad(where, "a payload must be a JSON object"));
  return *value;
}

// A vector in a point: a plain list, or a map with the one unnamed vector "" (what some clients
// send). Named vectors are not supported.
Result<std::vector<float>> read_point_vector(const json& value, std::string_view where) {
  if (value.is_object()) {
    if (value.empty()) return std::vector<float>();
    if (value.size() == 1 && value.contains("")) return read_vector(value.at(""), where);
    return fail(bad(where, "named vectors are not supported: use one unnamed vector per point"));
  }
  return read_vector(value, where);
}

Result<bool> read_with_vector(const json& body) {
  const json* value = member(body, "with_vector");
  if (value == nullptr) value = member(body, "with_vectors");  // the v1.11 SearchRequest name
  if (value == nullptr) return false;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_array()) return !value->empty();  // names of vectors: the unnamed one
  return fail(bad("with_vector", "expected true, false or a list of vector names"));
}

Result<SearchRequest> read_common_search(const json& body) {
  SearchRequest request;
  TWIN_ASSIGN_OR_RETURN(request.limit, read_count(body, "limit", 10));
  TWIN_ASSIGN_OR_RETURN(request.offset, read_count(body, "offset", 0));
  TWIN_ASSIGN_OR_RETURN(request.filter, read_optional_filter(body));
  TWIN_ASSIGN_OR_RETURN(request.score_threshold, read_optional_float(body, "score_threshold"));
  TWIN_ASSIGN_OR_RETURN(request.with.vector, read_with_vector(body));
  if (const json* params = member(body, "params"); params != nullptr) {
    if (!params->is_object()) return fail(bad("params", "expected an object"));
    TWIN_ASSIGN_OR_RETURN(request.exact, read_bool(*params, "exact", false));
    if (member(*params, "hnsw_ef") != nullptr) {
      TWIN_ASSIGN_OR_RETURN(std::size_t ef, read_count(*params, "hnsw_ef", 0));
      request.hnsw_ef = ef;
    }
  }
  if (const json* name = member(body, "using");
      name != nullptr && !(name->is_string() && name->get_ref<const std::string&>().empty())) {
    return fail(bad("using", "named vectors are not supported"));
  }
  return request;
}

json write_vector(const std::vector<float>& vector) {
  json out = json::array();
  for (const float value : vector) out.push_back(value);
  return out;
}

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// Copies `payload`'s keys under `prefix` that `keep` accepts: dotted include/exclude keys reach
// into sub-objects as Qdrant's do.
void filter_keys(const json& payload, const std::string& prefix, const PayloadSelector& selector,
                 json& out) {
  for (const auto& [key, value] : payload.items()) {
    const std::string path = join_path(prefix, key);
    const auto excluded = std::ranges::find(selector.exclude, path) != selector.exclude.end();
    if (excluded) continue;
    bool included = selector.include.empty();
    bool descend = false;
    for (const std::string& wanted : selector.include) {
      if (wanted == path || path.starts_with(wanted + ".")) included = true;
      if (wanted.starts_with(path + ".")) descend = true;
    }
    const bool exclusion_below = std::ranges::any_of(
        selector.exclude, [&](const std::string& e) { return e.starts_with(path + "."); });
    if ((included && exclusion_below && value.is_object()) || (!included && descend)) {
      if (!value.is_object()) continue;
      json child = json::object();
      filter_keys(value, path, selector, child);
      if (!child.empty() || included) out[key] = std::move(child);
    } else if (included) {
      out[key] = value;
    }
  }
}

}  // namespace

Result<std::vector<float>> read_vector(const json& value, std::string_view where) {
  if (!value.is_array()) return fail(bad(where, "a vector must be a list of numbers"));
  std::vector<float> vector;
  vector.reserve(value.size());
  for (const json& item : value) {
    if (!item.is_number()) {
      return fail(
          bad(where, fmt::format("a vector must be a list of numbers, found {}",
                                 item.dump(-1, ' ', false, json::error_handler_t::replace))));
    }
    const double number = item.get<double>();
    if (!std::isfinite(number) || std::fabs(number) > std::numeric_limits<float>::max()) {
      return fail(bad(where, "a vector's numbers must be finite float32 values"));
    }
    vector.push_back(static_cast<float>(number));
  }
  return vector;
}

Result<CollectionConfig> read_create_collection(const json& body) {
  if (!body.is_object()) return fail(bad("body", "expected a JSON object"));
  CollectionConfig config;
  if (member(body, "sparse_vectors") != nullptr && !body.at("sparse_vectors").empty()) {
    return fail(bad("sparse_vectors", "sparse vectors are not supported"));
  }
  const json* vectors = member(body, "vectors");
  if (vectors == nullptr || (vectors->is_object() && vectors->empty())) return config;
  if (!vectors->is_object() || !vectors->contains("size")) {
    return fail(bad("vectors",
                    "expected {\"size\": N, \"distance\": \"Cosine\"} (named vectors "
                    "are not supported)"));
  }
  TWIN_ASSIGN_OR_RETURN(std::size_t size, read_count(*vectors, "size", 0));
  if (size == 0 || size > kMaxVectorSize) {
    return fail(bad("vectors.size", fmt::format("must be from 1 to {}", kMaxVectorSize)));
  }
  const json* distance = member(*vectors, "distance");
  if (distance == nullptr || !distance->is_string()) {
    return fail(bad("vectors.distance", "expected \"Cosine\", \"Dot\" or \"Euclid\""));
  }
  auto parsed = parse_distance(distance->get<std::string>());
  if (!parsed) return fail(parsed.error().with_context("vectors.distance"));
  if (member(*vectors, "multivector_config") != nullptr) {
    return fail(bad("vectors.multivector_config", "multivectors are not supported"));
  }
  config.vectors = VectorParams{.size = size, .distance = *parsed};
  return config;
}

json write_create_collection(const CollectionConfig& config) {
  if (!config.vectors) return {{"vectors", json::object()}};
  return {{"vectors",
           {{"size", config.vectors->size}, {"distance", to_string(config.vectors->distance)}}}};
}

json write_collection_info(const CollectionInfo& info) {
  json params = {{"shard_number", 1},
                 {"replication_factor", 1},
                 {"write_consistency_factor", 1},
                 {"on_disk_payload", true}};
  params["vectors"] = write_create_collection(info.config).at("vectors");
  json payload_schema = json::object();
  for (const PayloadIndex& index : info.payload_indexes) {
    payload_schema[index.field] = {{"data_type", index.data_type}, {"points", info.points_count}};
  }
  return {{"status", "green"},
          {"optimizer_status", "ok"},
          {"indexed_vectors_count", info.config.vectors ? info.points_count : 0},
          {"points_count", info.points_count},
          {"segments_count", 1},
          {"config",
           {{"params", std::move(params)},
            {"hnsw_config",
             {{"m", 16},
              {"ef_construct", 100},
              {"full_scan_threshold", 10000},
              {"max_indexing_threads", 0},
              {"on_disk", false}}},
            {"optimizer_config",
             {{"deleted_threshold", 0.2},
              {"vacuum_min_vector_number", 1000},
              {"default_segment_number", 0},
              {"max_segment_size", nullptr},
              {"memmap_threshold", nullptr},
              {"indexing_threshold", 20000},
              {"flush_interval_sec", 5},
              {"max_optimization_threads", nullptr}}},
            {"wal_config", {{"wal_capacity_mb", 32}, {"wal_segments_ahead", 0}}},
            {"quantization_config", nullptr}}},
          {"payload_schema", std::move(payload_schema)}};
}

Result<CollectionInfo> read_collection_info(std::string name, const json& result) {
  CollectionInfo info;
  info.name = std::move(name);
  const json* params = result.is_object() && result.contains("config")
                           ? member(result.at("config"), "params")
                           : nullptr;
  if (params == nullptr) return fail(bad("result.config.params", "missing"));
  TWIN_ASSIGN_OR_RETURN(info.config, read_create_collection(*params));
  TWIN_ASSIGN_OR_RETURN(info.points_count, read_count(result, "points_count", 0));
  if (const json* schema = member(result, "payload_schema"); schema != nullptr) {
    for (const auto& [field, index] : schema->items()) {
      info.payload_indexes.push_back(
          {.field = field, .data_type = index.value("data_type", std::string("keyword"))});
    }
  }
  std::ranges::sort(info.payload_indexes, {}, &PayloadIndex::field);
  return info;
}

Result<std::vector<Point>> read_upsert(const json& body) {
  if (!body.is_object()) return fail(bad("body", "expected a JSON object"));
  std::vector<Point> points;
  if (const json* list = member(body, "points"); list != nullptr) {
    if (!list->is_array()) return fail(bad("points", "expected a list of points"));
    points.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string where = fmt::format("points[{}]", i);
      const json& item = (*list)[i];
      if (!item.is_object() || !item.contains("id")) {
        return fail(bad(where, "expected {\"id\", \"vector\", \"payload\"}"));
      }
      Point point;
      auto id = PointId::from_json(item.at("id"));
      if (!id) return fail(id.error().with_context(where + ".id"));
      point.id = std::move(*id);
      if (const json* vector = member(item, "vector"); vector != nullptr) {
        TWIN_ASSIGN_OR_RETURN(point.vector, read_point_vector(*vector, where + ".vector"));
      }
      TWIN_ASSIGN_OR_RETURN(point.payload, read_payload(member(item, "payload"), where));
      points.push_back(std::move(point));
    }
    return points;
  }
  const json* batch = member(body, "batch");
  if (batch == nullptr || !batch->is_object() || !batch->contains("ids")) {
    return fail(bad("body", "expected {\"points\": [...]} or {\"batch\": {\"ids\": [...], ...}}"));
  }
  TWIN_ASSIGN_OR_RETURN(std::vector<PointId> ids, read_ids(batch->at("ids"), "batch.ids"));
  const json* vectors = member(*batch, "vectors");
  const json* payloads = member(*batch, "payloads");
  if (vectors != nullptr && (!vectors->is_array() || vectors->size() != ids.size())) {
    return fail(bad("batch.vectors", fmt::format("expected {} vectors, one per id", ids.size())));
  }
  if (payloads != nullptr && (!payloads->is_array() || payloads->size() != ids.size())) {
    return fail(bad("batch.payloads", fmt::format("expected {} payloads, one per id", ids.size())));
  }
  points.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Point point{.id = ids[i]};
    if (vectors != nullptr) {
      TWIN_ASSIGN_OR_RETURN(point.vector,
                            read_point_vector((*vectors)[i], fmt::format("batch.vectors[{}]", i)));
    }
    if (payloads != nullptr && !(*payloads)[i].is_null()) {
      TWIN_ASSIGN_OR_RETURN(point.payload,
                            read_payload(&(*payloads)[i], fmt::format("batch.payloads[{}]", i)));
    }
    points.push_back(std::move(point));
  }
  return points;
}

json write_upsert(const std::vector<Point>& points) {
  json list = json::array();
  for (const Point& point : points) {
    json item = {{"id", point.id.to_json()}, {"payload", point.payload}};
    item["vector"] = point.vector.empty() ? json::object() : write_vector(point.vector);
    list.push_back(std::move(item));
  }
  return {{"points", std::move(list)}};
}

Result<PayloadSelector> read_with_payload(const json& value, bool fallback) {
  PayloadSelector selector{.enabled = fallback};
  if (value.is_null()) return selector;
  if (value.is_boolean()) {
    selector.enabled = value.get<bool>();
    return selector;
  }
  auto keys = [](const json& list, std::vector<std::string>& out) -> Status {
    if (!list.is_array()) return bad("with_payload", "expected a list of keys");
    for (const json& key : list) {
      if (!key.is_string()) return bad("with_payload", "keys must be strings");
      out.push_back(key.get<std::string>());
    }
    return Status::ok();
  };
  selector.enabled = true;
  if (value.is_array()) {
    TWIN_RETURN_IF_ERROR(keys(value, selector.include));
  } else if (value.is_object() && value.contains("include")) {
    TWIN_RETURN_IF_ERROR(keys(value.at("include"), selector.include));
  } else if (value.is_object() && value.contains("exclude")) {
    TWIN_RETURN_IF_ERROR(keys(value.at("exclude"), selector.exclude));
  } else {
    return fail(
        bad("with_payload", "expected true, false, [keys], {\"include\"} or {\"exclude\"}"));
  }
  return selector;
}

json select_payload(const json& payload, const PayloadSelector& selector) {
  if (!selector.enabled) return json::object();
  if (selector.include.empty() && selector.exclude.empty()) return payload;
  json out = json::object();
  filter_keys(payload, "", selector, out);
  return out;
}

json write_record(const Point& point, bool with_payload, bool with_vector) {
  json out = {{"id", point.id.to_json()}};
  out["payload"] = with_payload ? point.payload : json(nullptr);
  out["vector"] = with_vector && !point.vector.empty() ? write_vector(point.vector) : json(nullptr);
  return out;
}

json write_scored_point(const ScoredPoint& point, bool with_payload, bool with_vector) {
  json out = {{"id", point.id.to_json()}, {"version", 0}, {"score", point.score}};
  out["payload"] = with_payload ? point.payload : json(nullptr);
  out["vector"] = with_vector && !point.vector.empty() ? write_vector(point.vector) : json(nullptr);
  return out;
}

Result<Point> read_record(const json& value) {
  if (!value.is_object() || !value.contains("id")) return fail(bad("record", "missing id"));
  Point point;
  TWIN_ASSIGN_OR_RETURN(point.id, PointId::from_json(value.at("id")));
  if (const json* vector = member(value, "vector"); vector != nullptr) {
    TWIN_ASSIGN_OR_RETURN(point.vector, read_point_vector(*vector, "record.vector"));
  }
  TWIN_ASSIGN_OR_RETURN(point.payload, read_payload(member(value, "payload"), "record.payload"));
  return point;
}

Result<ScoredPoint> read_scored_point(const json& value) {
  TWIN_ASSIGN_OR_RETURN(Point point, read_record(value));
  const json* score = member(value, "score");
  if (score == nullptr || !score->is_number()) return fail(bad("scored point", "missing score"));
  return ScoredPoint{.id = std::move(point.id),
                     .score = score->get<float>(),
                     .payload = std::move(point.payload),
                     .vector = std::move(point.vector)};
}

Result<SearchQuery> read_search(const json& body) {
  if (!body.is_object()) return fail(bad("body", "expected a JSON object"));
  SearchQuery query;
  TWIN_ASSIGN_OR_RETURN(query.request, read_common_search(body));
  const json* vector = member(body, "vector");
  if (vector == nullptr) return fail(bad("vector", "missing the query vector"));
  if (vector->is_object() && vector->contains("vector")) {
    if (vector->value("name", std::string()) != "") {
      return fail(bad("vector.name", "named vectors are not supported"));
    }
    vector = &vector->at("vector");
  }
  TWIN_ASSIGN_OR_RETURN(query.request.vector, read_vector(*vector, "vector"));
  TWIN_ASSIGN_OR_RETURN(query.payload,
                        read_with_payload(body.value("with_payload", json(nullptr)), false));
  query.request.with.payload = query.payload.enabled;
  return query;
}

Result<SearchQuery> read_query(const json& body) {
  if (!body.is_object()) return fail(bad("body", "expected a JSON object"));
  SearchQuery query;
  TWIN_ASSIGN_OR_RETURN(query.request, read_common_search(body));
  if (member(body, "prefetch") != nullptr) return fail(bad("prefetch", "is not supported"));
  const json* wanted = member(body, "query");
  if (wanted == nullptr) {
    return fail(bad("query", "missing: give a vector, {\"nearest\": vector} or a point id"));
  }
  if (wanted->is_object()) {
    if (!wanted->contains("nearest")) {
      return fail(bad("query", fmt::format("only nearest queries are supported, got {}",
                                           wanted->items().begin().key())));
    }
    wanted = &wanted->at("nearest");
  }
  if (wanted->is_array()) {
    TWIN_ASSIGN_OR_RETURN(query.request.vector, read_vector(*wanted, "query"));
  } else {
    auto id = PointId::from_json(*wanted);
    if (!id) return fail(id.error().with_context("query"));
    query.query_point_id = std::move(*id);
  }
  TWIN_ASSIGN_OR_RETURN(query.payload,
                        read_with_payload(body.value("with_payload", json(nullptr)), false));
  query.request.with.payload = query.payload.enabled;
  return query;
}

json write_search(const SearchRequest& request) {
  json body = {{"vector", write_vector(request.vector)},
               {"limit", request.limit},
               {"offset", request.offset},
               {"with_payload", request.with.payload},
               {"with_vector", request.with.vector}};
  if (request.filter) body["filter"] = request.filter->to_json();
  if (request.score_threshold) body["score_threshold"] = *request.score_threshold;
  json params = json::object();
  if (request.exact) params["exact"] = true;
  if (request.hnsw_ef) params["hnsw_ef"] = *request.hnsw_ef;
  if (!params.empty()) body["params"] = std::move(params);
  return body;
}

Result<ScrollQuery> read_scroll(const json& body) {
  if (!body.is_null() && !body.is_object()) return fail(bad("body", "expected a JSON object"));
  ScrollQuery query;
  const json empty = json::object();
  const json& b = body.is_object() ? body : empty;
  TWIN_ASSIGN_OR_RETURN(query.request.limit, read_count(b, "limit", 10));
  TWIN_ASSIGN_OR_RETURN(query.request.filter, read_optional_filter(b));
  if (const json* offset = member(b, "offset"); offset != nullptr) {
    auto id = PointId::from_json(*offset);
    if (!id) return fail(id.error().with_context("offset"));
    query.request.offset = std::move(*id);
  }
  if (member(b, "order_by") != nullptr) return fail(bad("order_by", "is not supported"));
  TWIN_ASSIGN_OR_RETURN(query.payload,
                        read_with_payload(b.value("with_payload", json(nullptr)), true));
  query.request.with.payload = query.payload.enabled;
  TWIN_ASSIGN_OR_RETURN(query.request.with.vector, read_with_vector(b));
  return query;
}

json write_scroll(const ScrollRequest& request) {
  json body = {{"limit", request.limit},
               {"with_payload", request.with.payload},
               {"with_vector", request.with.vector}};
  if (request.filter) body["filter"] = request.filter->to_json();
  if (request.offset) body["offset"] = request.offset->to_json();
  return body;
}

json write_scroll_page(const ScrollPage& page, const ScrollQuery& query) {
  json points = json::array();
  for (const Point& point : page.points) {
    Point shown{.id = point.id,
                .vector = point.vector,
                .payload = select_payload(point.payload, query.payload)};
    points.push_back(write_record(shown, query.payload.enabled, query.request.with.vector));
  }
  return {{"points", std::move(points)},
          {"next_page_offset",
           page.next_page_offset ? page.next_page_offset->to_json() : json(nullptr)}};
}

Result<RetrieveQuery> read_retrieve(const json& body) {
  if (!body.is_object() || !body.contains("ids")) {
    return fail(bad("body", "expected {\"ids\": [...]}"));
  }
  RetrieveQuery query;
  TWIN_ASSIGN_OR_RETURN(query.ids, read_ids(body.at("ids"), "ids"));
  TWIN_ASSIGN_OR_RETURN(query.payload,
                        read_with_payload(body.value("with_payload", json(nullptr)), true));
  TWIN_ASSIGN_OR_RETURN(query.with_vector, read_with_vector(body));
  return query;
}

Result<PointSelector> read_selector(const json& body) {
  if (const json* points = member(body, "points"); points != nullptr) {
    TWIN_ASSIGN_OR_RETURN(std::vector<PointId> ids, read_ids(*points, "points"));
    return PointSelector(std::move(ids));
  }
  if (const json* filter = member(body, "filter"); filter != nullptr) {
    auto parsed = Filter::from_json(*filter);
    if (!parsed) return fail(parsed.error().with_context("filter"));
    return PointSelector(std::move(*parsed));
  }
  return fail(bad("body", "expected {\"points\": [ids]} or {\"filter\": {...}}"));
}

json write_selector(const PointSelector& selector) {
  if (const auto* ids = std::get_if<std::vector<PointId>>(&selector)) {
    return {{"points", write_ids(*ids)}};
  }
  return {{"filter", std::get<Filter>(selector).to_json()}};
}

Result<std::optional<Filter>> read_optional_filter(const json& body) {
  const json* filter = member(body, "filter");
  if (filter == nullptr) return std::optional<Filter>();
  auto parsed = Filter::from_json(*filter);
  if (!parsed) return fail(parsed.error().with_context("filter"));
  return std::optional<Filter>(std::move(*parsed));
}

json envelope(json result, double seconds) {
  return {{"result", std::move(result)}, {"status", "ok"}, {"time", seconds}};
}

json error_envelope(std::string_view message, double seconds) {
  return {{"status", {{"error", message}}}, {"time", seconds}};
}

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return 400;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace twin::vectors::qdrant_json
