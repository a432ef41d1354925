// The Qdrant backend: each call is one request to Qdrant's REST API (libcurl), writes with
// ?wait=true so that an ok means applied. Qdrant's error envelope {"status": {"error": "..."}}
// becomes a Status: 404 kNotFound, 409 kAlreadyExists, 400/422 kInvalidArgument, 401/403
// kFailedPrecondition (the API key), 5xx and connection failures kUnavailable.
//
// The JSON codec for points and requests is private to this file for now.
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>

#include "backends.h"
#include "twin/core/json.h"

namespace twin::vectors {
namespace {

// NaN and infinities have no JSON spelling: Qdrant would get nulls.
Status check_finite(const std::vector<float>& vector, std::string_view what) {
  for (std::size_t i = 0; i < vector.size(); ++i) {
    if (!std::isfinite(vector[i])) {
      return Status::invalid_argument(
          fmt::format("{}: vector[{}] is not a finite number", what, i));
    }
  }
  return Status::ok();
}

using nlohmann::json;

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HttpResponse {
  long status = 0;
  json body;
};

// ---- codec

// object[key] as a T, or `fallback` when the response has another shape (never throws).
template <typename T>
T value_or(const json& object, const char* key, T fallback) {
  if (!object.is_object()) return fallback;
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return fallback;
  try {
    return found->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

json vector_json(const std::vector<float>& vector) {
  json array = json::array();
  for (float x : vector) array.push_back(x);
  return array;
}

Result<std::vector<float>> vector_from_json(const json& value) {
  std::vector<float> vector;
  if (!value.is_array()) return vector;  // {} for collections without vectors
  for (const auto& x : value) {
    if (!x.is_number()) return fail(Status::corruption("Qdrant returned a non-numeric vector"));
    vector.push_back(x.get<float>());
  }
  return vector;
}

json selector_json(const PointSelector& selector) {
  if (const auto* filter = std::get_if<Filter>(&selector)) return {{"filter", filter->to_json()}};
  json ids = json::array();
  for (const auto& id : std::get<std::vector<PointId>>(selector)) ids.push_back(id.to_json());
  return {{"points", ids}};
}

Result<Point> point_from_json(const json& value) {
  if (!value.is_object() || !value.contains("id")) {
    return fail(Status::corruption(
        fmt::format("Qdrant returned a point without id: {}", value.dump().substr(0, 200))));
  }
  Point point;
  TWIN_ASSIGN_OR_RETURN(point.id, PointId::from_json(value["id"]));
  if (value.contains("payload") && value["payload"].is_object()) point.payload = value["payload"];
  if (value.contains("vector")) {
    TWIN_ASSIGN_OR_RETURN(point.vector, vector_from_json(value["vector"]));
  }
  return point;
}

Result<CollectionInfo> info_from_json(std::string_view name, const json& result) {
  CollectionInfo info;
  info.name = std::string(name);
  if (result.contains("points_count") && result["points_count"].is_number_unsigned()) {
    info.points_count = result["points_count"].get<std::uint64_t>();
  }
  const json* vectors = nullptr;
  if (result.contains("config") && result["config"].contains("params") &&
      result["config"]["params"].contains("vectors")) {
    vectors = &result["config"]["params"]["vectors"];
  }
  if (vectors != nullptr && vectors->contains("size")) {
    VectorParams params;
    params.size = value_or(*vectors, "size", std::size_t{0});
    TWIN_ASSIGN_OR_RETURN(params.distance,
                          parse_distance(value_or(*vectors, "distance", std::string("Cosine"))));
    info.config.vectors = params;
  }
  if (result.contains("payload_schema") && result["payload_schema"].is_object()) {
    for (const auto& [field, schema] : result["payload_schema"].items()) {
      info.payload_indexes.push_back({field, value_or(schema, "data_type", std::string())});
    }
  }
  std::sort(info.payload_indexes.begin(), info.payload_indexes.end(),
            [](const PayloadIndex& a, const PayloadIndex& b) { return a.field < b.field; });
  return info;
}

class QdrantStore final : public VectorStore {
 public:
  QdrantStore(std::string url, std::string api_key)
      : url_(std::move(url)), api_key_(std::move(api_key)) {
    while (url_.ends_with('/')) url_.pop_back();
  }

  std::string describe() const override { return "qdrant: " + url_; }

  Result<std::vector<std::string>> collection_names() override {
    TWIN_ASSIGN_OR_RETURN(auto result, call("GET", "/collections", std::nullopt));
    std::vector<std::string> names;
    for (const auto& collection : value_or(result, "collections", json::array())) {
      names.push_back(value_or(collection, "name", std::string()));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status create_collection(std::string_view name, const CollectionConfig& config) override {
    TWIN_RETURN_IF_ERROR(check_collection(name, config));
    json vectors = json::object();
    if (config.vectors) {
      vectors = {{"size", config.vectors->size},
                 {"distance", std::string(to_string(config.vectors->distance))}};
    }
    return status_of(call("PUT", path(name, ""), json{{"vectors", vectors}}));
  }

  Result<bool> collection_exists(std::string_view name) override {
    TWIN_RETURN_IF_ERROR(check_collection_name(name));
    TWIN_ASSIGN_OR_RETURN(auto result, call("GET", path(name, "/exists"), std::nullopt));
    return value_or(result, "exists", false);
  }

  Result<CollectionInfo> collection_info(std::string_view name) override {
    TWIN_RETURN_IF_ERROR(check_collection_name(name));
    TWIN_ASSIGN_OR_RETURN(auto result, call("GET", path(name, ""), std::nullopt));
    return info_from_json(name, result);
  }

  Result<bool> delete_collection(std::string_view name) override {
    TWIN_ASSIGN_OR_RETURN(bool exists, collection_exists(name));
    if (!exists) return false;
    TWIN_ASSIGN_OR_RETURN(auto result, call("DELETE", path(name, ""), std::nullopt));
    return result.is_boolean() ? result.get<bool>() : true;
  }

  Status upsert(std::string_view collection, std::vector<Point> points) override {
    // What Qdrant's schema cannot carry is refused here, before anything is sent.
    for (const auto& point : points) {
      const std::string what = fmt::format("point {}", point.id.to_string());
      TWIN_RETURN_IF_ERROR(check_finite(point.vector, what));
      if (!point.payload.is_null() && !point.payload.is_object()) {
        return Status::invalid_argument(fmt::format("{}: the payload must be a JSON object, not {}",
                                                    what, point.payload.type_name()));
      }
    }
    json body = {{"points", json::array()}};
    for (const auto& point : points) {
      json vector = point.vector.empty() ? json::object() : vector_json(point.vector);
      body["points"].push_back(
          {{"id", point.id.to_json()}, {"vector", std::move(vector)}, {"payload", point.payload}});
    }
    return status_of(call("PUT", path(collection, "/points?wait=true"), body));
  }

  Result<std::vector<Point>> retrieve(std::string_view collection, std::span<const PointId> ids,
                                      const WithOptions& with) override {
    json body = {
        {"ids", json::array()}, {"with_payload", with.payload}, {"with_vector", with.vector}};
    for (const auto& id : ids) body["ids"].push_back(id.to_json());
    TWIN_ASSIGN_OR_RETURN(auto result, call("POST", path(collection, "/points"), body));
    std::map<PointId, Point> found;
    for (const auto& value : result) {
      TWIN_ASSIGN_OR_RETURN(auto point, point_from_json(value));
      found.emplace(point.id, std::move(point));
    }
    std::vector<Point> points;  // in the order asked
    for (const auto& id : ids) {
      if (auto at = found.find(id); at != found.end()) points.push_back(at->second);
    }
    return points;
  }

  Status delete_points(std::string_view collection, const PointSelector& points) override {
    return status_of(
        call("POST", path(collection, "/points/delete?wait=true"), selector_json(points)));
  }

  Status set_payload(std::string_view collection, const nlohmann::json& payload,
                     const PointSelector& points) override {
    if (!payload.is_object()) {
      return Status::invalid_argument("set_payload: the payload must be a JSON object");
    }
    json body = selector_json(points);
    body["payload"] = payload;
    return status_of(call("POST", path(collection, "/points/payload?wait=true"), body));
  }

  Status overwrite_payload(std::string_view collection, const nlohmann::json& payload,
                           const PointSelector& points) override {
    if (!payload.is_object()) {
      return Status::invalid_argument("overwrite_payload: the payload must be a JSON object");
    }
    json body = selector_json(points);
    body["payload"] = payload;
    return status_of(call("PUT", path(collection, "/points/payload?wait=true"), body));
  }

  Status delete_payload_keys(std::string_view collection, const std::vector<std::string>& keys,
                             const PointSelector& points) override {
    json body = selector_json(points);
    body["keys"] = keys;
    return status_of(call("POST", path(collection, "/points/payload/delete?wait=true"), body));
  }

  Result<std::uint64_t> count(std::string_view collection,
                              const std::optional<Filter>& filter) override {
    json body = {{"exact", true}};
    if (filter) body["filter"] = filter->to_json();
    TWIN_ASSIGN_OR_RETURN(auto result, call("POST", path(collection, "/points/count"), body));
    return value_or(result, "count", std::uint64_t{0});
  }

  Result<ScrollPage> scroll(std::string_view collection, const ScrollRequest& request) override {
    json body = {{"limit", request.limit},
                 {"with_payload", request.with.payload},
                 {"with_vector", request.with.vector}};
    if (request.filter) body["filter"] = request.filter->to_json();
    if (request.offset) body["offset"] = request.offset->to_json();
    TWIN_ASSIGN_OR_RETURN(auto result, call("POST", path(collection, "/points/scroll"), body));
    ScrollPage page;
    for (const auto& value : value_or(result, "points", json::array())) {
      TWIN_ASSIGN_OR_RETURN(auto point, point_from_json(value));
      page.points.push_back(std::move(point));
    }
    if (result.contains("next_page_offset") && !result["next_page_offset"].is_null()) {
      TWIN_ASSIGN_OR_RETURN(page.next_page_offset, PointId::from_json(result["next_page_offset"]));
    }
    return page;
  }

  Result<std::vector<ScoredPoint>> search(std::string_view collection,
                                          const SearchRequest& request) override {
    TWIN_RETURN_IF_ERROR(check_finite(request.vector, "query"));
    json params = {{"exact", request.exact}};
    if (request.hnsw_ef) params["hnsw_ef"] = *request.hnsw_ef;
    json body = {{"vector", vector_json(request.vector)},
                 {"limit", request.limit},
                 {"offset", request.offset},
                 {"params", params},
                 {"with_payload", request.with.payload},
                 {"with_vector", request.with.vector}};
    if (request.filter) body["filter"] = request.filter->to_json();
    if (request.score_threshold) body["score_threshold"] = *request.score_threshold;
    TWIN_ASSIGN_OR_RETURN(auto result, call("POST", path(collection, "/points/search"), body));
    std::vector<ScoredPoint> points;
    for (const auto& value : result) {
      TWIN_ASSIGN_OR_RETURN(auto point, point_from_json(value));
      points.push_back({std::move(point.id), value_or(value, "score", 0.0F),
                        std::move(point.payload), std::move(point.vector)});
    }
    return points;
  }

  Status create_payload_index(std::string_view collection, const PayloadIndex& index) override {
    static constexpr std::array<std::string_view, 8> kTypes = {
        "keyword", "integer", "float", "bool", "geo", "text", "uuid", "datetime"};
    if (std::find(kTypes.begin(), kTypes.end(), index.data_type) == kTypes.end()) {
      return Status::invalid_argument(fmt::format(
          "payload index on '{}': unknown field schema '{}'", index.field, index.data_type));
    }
    return status_of(call("PUT", path(collection, "/index?wait=true"),
                          json{{"field_name", index.field}, {"field_schema", index.data_type}}));
  }

  Status delete_payload_index(std::string_view collection, std::string_view field) override {
    char* escaped = curl_easy_escape(nullptr, field.data(), static_cast<int>(field.size()));
    const std::string encoded = escaped != nullptr ? escaped : std::string(field);
    curl_free(escaped);
    return status_of(
        call("DELETE", path(collection, "/index/" + encoded + "?wait=true"), std::nullopt));
  }

 private:
  static Status status_of(const Result<json>& result) {
    return result.has_value() ? Status::ok() : result.error();
  }

  static std::string path(std::string_view collection, std::string_view rest) {
    return fmt::format("/collections/{}{}", collection, rest);
  }

  // One request; returns the envelope's "result" or the error it maps to.
  Result<json> call(const char* method, const std::string& target,
                    const std::optional<json>& body) const {
    static std::once_flag curl_ready;
    std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    const std::string url = url_ + target;
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
    if (!easy) return fail(Status::internal("curl_easy_init failed"));
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!api_key_.empty()) headers = curl_slist_append(headers, ("api-key: " + api_key_).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                            curl_slist_free_all);
    const std::string payload = body ? body->dump() : std::string();
    std::string received;
    std::array<char, CURL_ERROR_SIZE> error{};
    CURL* handle = easy.get();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
    if (body) {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, payload.c_str());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(payload.size()));
    }
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 300000L);
    const CURLcode code = curl_easy_perform(handle);
    if (code != CURLE_OK) {
      return fail(Status::unavailable(
          fmt::format("Qdrant {} {}: {}", method, url,
                      error[0] != 0 ? error.data() : curl_easy_strerror(code))));
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    // A hostile server cannot nest its answer deep enough to overflow the stack (core/json.h).
    json parsed = check_json_depth(received, "Qdrant reply").is_ok()
                      ? json::parse(received, nullptr, /*allow_exceptions=*/false)
                      : json(json::value_t::discarded);
    if (status >= 200 && status < 300) {
      if (parsed.is_discarded() || !parsed.is_object()) {
        return fail(
            Status::corruption(fmt::format("Qdrant {} {}: the response is not JSON", method, url)));
      }
      return parsed.contains("result") ? parsed["result"] : json();
    }
    std::string message = received.substr(0, 300);
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("status") &&
        parsed["status"].is_object() && parsed["status"].contains("error")) {
      message = parsed["status"]["error"].get<std::string>();
    }
    if (message.empty()) message = fmt::format("HTTP {} from {} {}", status, method, url);
    switch (status) {
      case 404:
        return fail(Status::not_found(message));
      case 409:
        return fail(Status::already_exists(message));
      case 400:
      case 422:
        return fail(Status::invalid_argument(message));
      case 401:
      case 403:
        return fail(Status::failed_precondition(fmt::format(
            "Qdrant at {} refused the request (check QDRANT_APIKEY): {}", url_, message)));
      default:
        if (status >= 500) return fail(Status::unavailable(message));
        return fail(Status::internal(fmt::format("HTTP {}: {}", status, message)));
    }
  }

  std::string url_;
  std::string api_key_;
};

}  // namespace

Result<std::unique_ptr<VectorStore>> open_qdrant_store(const std::string& url,
                                                       const std::string& api_key) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return fail(Status::invalid_argument(
        fmt::format("Qdrant URL '{}' must start with http:// or https://", url)));
  }
  return std::make_unique<QdrantStore>(url, api_key);
}

}  // namespace twin::vectors
