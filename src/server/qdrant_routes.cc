#include "qdrant_routes.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>

#include "twin/core/json.h"
#include "twin/vectors/qdrant_json.h"

namespace twin::server {
namespace {

using nlohmann::json;
using vectors::VectorStore;
namespace qj = vectors::qdrant_json;

// A route handler: the collection name (empty for routes without one), the parsed body (null
// when empty), the request; returns Qdrant's `result` value.
using QdrantHandler = std::function<Result<json>(VectorStore& store, const std::string& collection,
                                                 const json& body, const httplib::Request&)>;

std::atomic<std::uint64_t> next_operation_id{1};

json update_result() {
  return {{"operation_id", next_operation_id.fetch_add(1)}, {"status", "completed"}};
}

Result<json> parse_body(const httplib::Request& request) {
  if (request.body.empty()) return json(nullptr);
  auto parsed = parse_json(request.body, "Format error in JSON body");
  if (!parsed) return fail(parsed.error());
  json body = std::move(*parsed);
  if (!body.is_object()) {
    return fail(Status::invalid_argument("Format error in JSON body: expected a JSON object"));
  }
  return body;
}

void answer(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

// Qdrant words its errors "Not found: ..." and "Wrong input: ..." before the message.
std::string qdrant_message(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return fmt::format("Not found: {}", status.message());
    case StatusCode::kInvalidArgument:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return fmt::format("Wrong input: {}", status.message());
    case StatusCode::kUnavailable:
      return fmt::format("Service unavailable: {}", status.message());
    default:
      return fmt::format("Service internal error: {}", status.message());
  }
}

void add(httplib::Server& server, std::string_view method, const std::string& pattern,
         VectorStore* store, QdrantHandler handler) {
  auto wrapped = [store, handler = std::move(handler)](const httplib::Request& request,
                                                       httplib::Response& response) {
    const auto started = std::chrono::steady_clock::now();
    auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    if (store == nullptr) {
      answer(response, 503, qj::error_envelope("this twin server has no vector store", 0));
      return;
    }
    try {
      Result<json> body = parse_body(request);
      const std::string collection = request.matches.size() > 1 ? request.matches[1].str() : "";
      Result<json> result =
          body ? handler(*store, collection, *body, request) : Result<json>(fail(body.error()));
      if (!result) {
        answer(response, qj::http_status_for(result.error()),
               qj::error_envelope(qdrant_message(result.error()), seconds()));
        return;
      }
      answer(response, 200, qj::envelope(std::move(*result), seconds()));
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", request.method, request.path, e.what());
      answer(response, 500,
             qj::error_envelope(fmt::format("Service internal error: {}", e.what()), seconds()));
    }
  };
  if (method == "GET") {
    server.Get(pattern, wrapped);
  } else if (method == "POST") {
    server.Post(pattern, wrapped);
  } else if (method == "PUT") {
    server.Put(pattern, wrapped);
  } else if (method == "DELETE") {
    server.Delete(pattern, wrapped);
  } else if (method == "PATCH") {
    server.Patch(pattern, wrapped);
  }
}

const json& object_or_empty(const json& body) {
  static const json empty = json::object();
  return body.is_object() ? body : empty;
}

Result<json> search_answer(VectorStore& store, const std::string& collection,
                           qj::SearchQuery query) {
  if (query.query_point_id) {
    // Query by id: the nearest neighbours of a stored point, the point itself left out.
    const std::vector<vectors::PointId> ids{*query.query_point_id};
    TWIN_ASSIGN_OR_RETURN(auto found,
                          store.retrieve(collection, ids, {.payload = false, .vector = true}));
    if (found.empty()) {
      return fail(Status::not_found(
          fmt::format("No point with id {} found", query.query_point_id->to_string())));
    }
    query.request.vector = std::move(found.front().vector);
    query.request.limit += 1;
  }
  TWIN_ASSIGN_OR_RETURN(auto hits, store.search(collection, query.request));
  json points = json::array();
  for (auto& hit : hits) {
    if (query.query_point_id && hit.id == *query.query_point_id) continue;
    if (points.size() >= query.request.limit - (query.query_point_id ? 1 : 0)) break;
    hit.payload = qj::select_payload(hit.payload, query.payload);
    points.push_back(qj::write_scored_point(hit, query.payload.enabled, query.request.with.vector));
  }
  return points;
}

void add_collection_routes(httplib::Server& server, VectorStore* store) {
  add(server, "GET", "/collections", store,
      [](VectorStore& s, const std::string&, const json&, const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto names, s.collection_names());
        json list = json::array();
        for (const auto& name : names) list.push_back({{"name", name}});
        return json{{"collections", std::move(list)}};
      });
  const std::string collection = R"(/collections/([^/]+))";
  add(server, "GET", collection, store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto info, s.collection_info(name));
        return qj::write_collection_info(info);
      });
  add(server, "PUT", collection, store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto config, qj::read_create_collection(object_or_empty(body)));
        TWIN_RETURN_IF_ERROR(s.create_collection(name, config));
        return json(true);
      });
  add(server, "PATCH", collection, store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request&) -> Result<json> {
        // Optimizer and HNSW tuning has no effect on the embedded store; the collection must
        // exist all the same.
        TWIN_ASSIGN_OR_RETURN(auto info, s.collection_info(name));
        return json(true);
      });
  add(server, "DELETE", collection, store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(bool deleted, s.delete_collection(name));
        return json(deleted);
      });
  add(server, "GET", collection + "/exists", store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(bool exists, s.collection_exists(name));
        return json{{"exists", exists}};
      });
  add(server, "PUT", collection + "/index", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        const json& b = object_or_empty(body);
        if (!b.contains("field_name") || !b.at("field_name").is_string()) {
          return fail(Status::invalid_argument("field_name: missing"));
        }
        std::string type = "keyword";
        if (const auto it = b.find("field_schema"); it != b.end() && !it->is_null()) {
          if (it->is_string()) {
            type = it->get<std::string>();
          } else if (it->is_object() && it->contains("type") && it->at("type").is_string()) {
            type = it->at("type").get<std::string>();
          } else {
            return fail(Status::invalid_argument("field_schema: expected a type name"));
          }
        }
        TWIN_RETURN_IF_ERROR(s.create_payload_index(
            name, {.field = b.at("field_name").get<std::string>(), .data_type = type}));
        return update_result();
      });
  add(server, "DELETE", collection + "/index/([^/]+)", store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request& request) -> Result<json> {
        TWIN_RETURN_IF_ERROR(s.delete_payload_index(name, request.matches[2].str()));
        return update_result();
      });
}

void add_point_routes(httplib::Server& server, VectorStore* store) {
  const std::string points = R"(/collections/([^/]+)/points)";
  add(server, "PUT", points, store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto parsed, qj::read_upsert(object_or_empty(body)));
        TWIN_RETURN_IF_ERROR(s.upsert(name, std::move(parsed)));
        return update_result();
      });
  add(server, "POST", points, store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto query, qj::read_retrieve(object_or_empty(body)));
        TWIN_ASSIGN_OR_RETURN(auto found, s.retrieve(name, query.ids,
                                                     {.payload = query.payload.enabled,
                                                      .vector = query.with_vector}));
        json records = json::array();
        for (auto& point : found) {
          point.payload = qj::select_payload(point.payload, query.payload);
          records.push_back(qj::write_record(point, query.payload.enabled, query.with_vector));
        }
        return records;
      });
  add(server, "GET", points + R"(/([^/]+))", store,
      [](VectorStore& s, const std::string& name, const json&,
         const httplib::Request& request) -> Result<json> {
        const std::string text = request.matches[2].str();
        TWIN_ASSIGN_OR_RETURN(auto id, vectors::PointId::parse(text));
        const std::vector<vectors::PointId> ids{id};
        TWIN_ASSIGN_OR_RETURN(auto found, s.retrieve(name, ids, {.payload = true, .vector = true}));
        if (found.empty()) {
          return fail(Status::not_found(fmt::format("No point with id {} found", text)));
        }
        return qj::write_record(found.front(), true, true);
      });
  add(server, "POST", points + "/delete", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto selector, qj::read_selector(object_or_empty(body)));
        TWIN_RETURN_IF_ERROR(s.delete_points(name, selector));
        return update_result();
      });
  auto payload_route = [](bool overwrite) {
    return [overwrite](VectorStore& s, const std::string& name, const json& body,
                       const httplib::Request&) -> Result<json> {
      const json& b = object_or_empty(body);
      if (!b.contains("payload") || !b.at("payload").is_object()) {
        return fail(Status::invalid_argument("payload: expected a JSON object"));
      }
      if (b.contains("key") && !b.at("key").is_null()) {
        return fail(
            Status::invalid_argument("key: setting a payload under a key is not supported"));
      }
      TWIN_ASSIGN_OR_RETURN(auto selector, qj::read_selector(b));
      TWIN_RETURN_IF_ERROR(overwrite ? s.overwrite_payload(name, b.at("payload"), selector)
                                     : s.set_payload(name, b.at("payload"), selector));
      return update_result();
    };
  };
  add(server, "POST", points + "/payload", store, payload_route(false));
  add(server, "PUT", points + "/payload", store, payload_route(true));
  add(server, "POST", points + "/payload/delete", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        const json& b = object_or_empty(body);
        if (!b.contains("keys") || !b.at("keys").is_array()) {
          return fail(Status::invalid_argument("keys: expected a list of payload keys"));
        }
        std::vector<std::string> keys;
        for (const json& key : b.at("keys")) {
          if (!key.is_string()) return fail(Status::invalid_argument("keys: expected strings"));
          keys.push_back(key.get<std::string>());
        }
        TWIN_ASSIGN_OR_RETURN(auto selector, qj::read_selector(b));
        TWIN_RETURN_IF_ERROR(s.delete_payload_keys(name, keys, selector));
        return update_result();
      });
  add(server, "POST", points + "/payload/clear", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto selector, qj::read_selector(object_or_empty(body)));
        TWIN_RETURN_IF_ERROR(s.overwrite_payload(name, json::object(), selector));
        return update_result();
      });
}

void add_search_routes(httplib::Server& server, VectorStore* store) {
  const std::string points = R"(/collections/([^/]+)/points)";
  add(server, "POST", points + "/count", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto filter, qj::read_optional_filter(object_or_empty(body)));
        TWIN_ASSIGN_OR_RETURN(std::uint64_t count, s.count(name, filter));
        return json{{"count", count}};
      });
  add(server, "POST", points + "/scroll", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto query, qj::read_scroll(body));
        TWIN_ASSIGN_OR_RETURN(auto page, s.scroll(name, query.request));
        return qj::write_scroll_page(page, query);
      });
  add(server, "POST", points + "/search", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto query, qj::read_search(object_or_empty(body)));
        return search_answer(s, name, std::move(query));
      });
  add(server, "POST", points + "/query", store,
      [](VectorStore& s, const std::string& name, const json& body,
         const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto query, qj::read_query(object_or_empty(body)));
        TWIN_ASSIGN_OR_RETURN(json hits, search_answer(s, name, std::move(query)));
        return json{{"points", std::move(hits)}};
      });
  // Batches answer every search of the list, or fail whole on the first bad one.
  auto batch = [](bool is_query) {
    return [is_query](VectorStore& s, const std::string& name, const json& body,
                      const httplib::Request&) -> Result<json> {
      const json& b = object_or_empty(body);
      if (!b.contains("searches") || !b.at("searches").is_array()) {
        return fail(Status::invalid_argument("searches: expected a list of searches"));
      }
      json answers = json::array();
      for (std::size_t i = 0; i < b.at("searches").size(); ++i) {
        const json& one = b.at("searches")[i];
        auto query = is_query ? qj::read_query(one) : qj::read_search(one);
        if (!query) return fail(query.error().with_context(fmt::format("searches[{}]", i)));
        TWIN_ASSIGN_OR_RETURN(json hits, search_answer(s, name, std::move(*query)));
        answers.push_back(is_query ? json{{"points", std::move(hits)}} : std::move(hits));
      }
      return answers;
    };
  };
  add(server, "POST", points + "/search/batch", store, batch(false));
  add(server, "POST", points + "/query/batch", store, batch(true));
}

}  // namespace

void add_qdrant_routes(httplib::Server& server, VectorStore* store) {
  server.Get("/", [](const httplib::Request&, httplib::Response& response) {
    answer(response, 200,
           {{"title", "qdrant - vector search engine"},
            {"version", kQdrantApiVersion},
            {"commit", "twin"}});
  });
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    server.Get(path, [](const httplib::Request&, httplib::Response& response) {
      response.set_content("healthz check passed", "text/plain");
    });
  }
  add_collection_routes(server, store);
  add_point_routes(server, store);
  add_search_routes(server, store);
}

}  // namespace twin::server
