#include "vector_routes.h"

#include <fmt/format.h>

#include <algorithm>

#include "json_endpoint.h"
#include "warehouse_routes.h"

namespace twin::server {
namespace {

using nlohmann::json;

constexpr std::size_t kPreviewStringBytes = 500;
constexpr std::int64_t kDefaultPageSize = 20;
constexpr std::int64_t kMaxPageSize = 200;

Result<json> collections(vectors::VectorStore& store, const embeddings::Embedder* embedder) {
  TWIN_ASSIGN_OR_RETURN(auto names, store.collection_names());
  json list = json::array();
  for (const auto& name : names) {
    TWIN_ASSIGN_OR_RETURN(auto info, store.collection_info(name));
    const auto& v = info.config.vectors;
    list.push_back({{"name", name},
                    {"points", info.points_count},
                    {"vector_size", v ? json(v->size) : json(nullptr)},
                    {"distance", v ? json(to_string(v->distance)) : json(nullptr)}});
  }
  return json{{"available", true},
              {"store", store.describe()},
              {"model", embedder != nullptr ? json(embedder->model_id()) : json(nullptr)},
              {"collections", std::move(list)}};
}

json preview(const json& payload, bool& truncated) {
  return preview_json(payload, kPreviewStringBytes, truncated);
}

Result<json> points_page(vectors::VectorStore& store, const std::string& name, const json& fields) {
  TWIN_ASSIGN_OR_RETURN(auto limit, optional_int64(fields, "limit"));
  vectors::ScrollRequest request{.limit = static_cast<std::size_t>(std::clamp<std::int64_t>(
                                     limit.value_or(kDefaultPageSize), 1, kMaxPageSize))};
  if (auto offset = optional_string(fields, "offset"); offset && !offset->empty()) {
    auto id = vectors::PointId::parse(*offset);
    if (!id) return fail(id.error().with_context("offset"));
    request.offset = std::move(*id);
  }
  TWIN_ASSIGN_OR_RETURN(std::uint64_t total, store.count(name, std::nullopt));
  TWIN_ASSIGN_OR_RETURN(auto page, store.scroll(name, request));
  json points = json::array();
  for (const auto& point : page.points) {
    bool truncated = false;
    json shown = preview(point.payload, truncated);
    points.push_back(
        {{"id", point.id.to_json()}, {"payload", std::move(shown)}, {"truncated", truncated}});
  }
  return json{{"collection", name},
              {"total", total},
              {"points", std::move(points)},
              {"next_page_offset",
               page.next_page_offset ? page.next_page_offset->to_json() : json(nullptr)}};
}

Result<json> search(vectors::VectorStore& store, embeddings::Embedder* embedder,
                    const std::string& name, const json& fields) {
  if (embedder == nullptr) {
    return fail(Status::unavailable(
        "this server has no embedding model (TEXT_EMBEDDING_MODEL_ID could not be opened)"));
  }
  TWIN_ASSIGN_OR_RETURN(std::string text, required_string(fields, "text"));
  TWIN_ASSIGN_OR_RETURN(auto k, optional_int64(fields, "k"));
  const std::vector<std::string> texts{text};
  TWIN_ASSIGN_OR_RETURN(auto embedded, embedder->embed(texts));
  TWIN_ASSIGN_OR_RETURN(
      auto hits, store.search(name, {.vector = embedded.front(),
                                     .limit = static_cast<std::size_t>(
                                         std::clamp<std::int64_t>(k.value_or(10), 1, 100))}));
  json points = json::array();
  for (const auto& hit : hits) {
    bool truncated = false;
    points.push_back({{"id", hit.id.to_json()},
                      {"score", hit.score},
                      {"payload", preview(hit.payload, truncated)},
                      {"truncated", truncated}});
  }
  return json{{"model", embedder->model_id()}, {"points", std::move(points)}};
}

}  // namespace

void add_vector_routes(httplib::Server& server, vectors::VectorStore* store,
                       embeddings::Embedder* embedder) {
  add_json_endpoint(server, "GET", "/api/twin/vectors",
                    [store, embedder](const json&, const httplib::Request&) -> Result<json> {
                      if (store == nullptr) {
                        return json{{"available", false},
                                    {"reason", "this server was started without a vector store"}};
                      }
                      return collections(*store, embedder);
                    });
  auto need_store = [store]() -> Result<vectors::VectorStore*> {
    if (store == nullptr) {
      return fail(Status::not_found("this server was started without a vector store"));
    }
    return store;
  };
  add_json_endpoint(
      server, "GET", R"(/api/twin/vectors/([A-Za-z0-9_-]+))",
      [need_store](const json& fields, const httplib::Request& request) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto* s, need_store());
        return points_page(*s, request.matches[1].str(), fields);
      });
  add_json_endpoint(
      server, "GET", R"(/api/twin/vectors/([A-Za-z0-9_-]+)/search)",
      [need_store, embedder](const json& fields, const httplib::Request& request) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto* s, need_store());
        return search(*s, embedder, request.matches[1].str(), fields);
      });
}

}  // namespace twin::server
