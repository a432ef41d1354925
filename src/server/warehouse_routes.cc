#include "warehouse_routes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "json_endpoint.h"
#include "twin/core/json.h"
#include "twin/llm_twin/documents.h"

namespace twin::server {
namespace {

using nlohmann::json;

constexpr size_t kPreviewStringBytes = 500;
constexpr int64_t kDefaultPageSize = 50;
constexpr int64_t kMaxPageSize = 1000;

// The collection a request names (a collection or a document class): one that exists, or the
// collection of a document class (created empty on first use, as Warehouse::collection does).
// kNotFound for any other name.
Result<std::string> resolve_collection(warehouse::Warehouse& store, const std::string& requested) {
  const auto* document_class = llm_twin::find_document_class(requested);
  if (document_class != nullptr) return std::string(document_class->collection);
  TWIN_ASSIGN_OR_RETURN(auto names, store.collection_names());
  if (std::find(names.begin(), names.end(), requested) != names.end()) return requested;
  return fail(Status::not_found(
      fmt::format("no collection '{}' in the warehouse (it has: {})", requested,
                  names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")))));
}

Result<json> documents_page(warehouse::Warehouse& store, const std::string& requested,
                            const json& fields) {
  json filter = json::object();
  if (auto text = optional_string(fields, "filter"); text && !text->empty()) {
    TWIN_ASSIGN_OR_RETURN(filter, parse_json(*text, "filter"));
    if (!filter.is_object()) {
      return fail(Status::invalid_argument(
          fmt::format("filter: not a JSON object: {}", text->substr(0, 200))));
    }
  }
  TWIN_ASSIGN_OR_RETURN(auto limit, optional_int64(fields, "limit"));
  TWIN_ASSIGN_OR_RETURN(auto skip, optional_int64(fields, "skip"));
  const int64_t page_size = std::clamp<int64_t>(limit.value_or(kDefaultPageSize), 1, kMaxPageSize);
  const int64_t offset = std::max<int64_t>(skip.value_or(0), 0);
  TWIN_ASSIGN_OR_RETURN(auto name, resolve_collection(store, requested));
  TWIN_ASSIGN_OR_RETURN(auto collection, store.collection(name));
  TWIN_ASSIGN_OR_RETURN(std::int64_t total, collection.count(filter));
  TWIN_ASSIGN_OR_RETURN(auto documents,
                        collection.find(filter, {.limit = page_size, .skip = offset}));
  json page = {{"collection", name},
               {"total", total},
               {"skip", offset},
               {"limit", page_size},
               {"documents", json::array()}};
  for (const auto& document : documents) {
    bool truncated = false;
    json item = {{"_id", document.id},
                 {"document", preview_json(document.to_json(), kPreviewStringBytes, truncated)}};
    item["truncated"] = truncated;
    item["lineage"] = document.lineage ? json{{"run_id", document.lineage->run_id},
                                              {"step_run_id", document.lineage->step_run_id}}
                                       : json(nullptr);
    page["documents"].push_back(std::move(item));
  }
  return page;
}

}  // namespace

json preview_json(const json& value, size_t max_bytes, bool& truncated) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() <= max_bytes) return value;
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) >> 6) == 0x2) --cut;
    truncated = true;
    return text.substr(0, cut) + "…";
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items())
      out[key] = preview_json(item, max_bytes, truncated);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(preview_json(item, max_bytes, truncated));
    return out;
  }
  return value;
}

void add_warehouse_routes(httplib::Server& server, warehouse::Warehouse* warehouse) {
  if (warehouse == nullptr) {
    add_json_endpoint(
        server, "GET", "/api/twin/warehouse",
        [](const json&, const httplib::Request&) -> Result<json> {
          return json{{"available", false}, {"reason", "this twin server has no data warehouse"}};
        });
    return;
  }
  add_json_endpoint(server, "GET", "/api/twin/warehouse",
                    [warehouse](const json&, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(json collections,
                                            llm_twin::collection_stats(*warehouse));
                      return json{{"available", true}, {"collections", collections}};
                    });
  add_json_endpoint(server, "GET", R"(/api/twin/warehouse/([^/]+))",
                    [warehouse](const json& fields, const httplib::Request& request) {
                      return documents_page(*warehouse, request.matches[1].str(), fields);
                    });
}

}  // namespace twin::server
