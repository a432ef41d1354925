#include "twin/llm_twin/retrieval.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <set>

#include "twin/llm_twin/documents.h"
#include "twin/llm_twin/feature_engineering.h"

namespace twin::llm_twin {
namespace {

// The user's id for a full name, looked up (never created: a search must not write).
Result<std::string> author_id_of(warehouse::Warehouse& warehouse, const std::string& full_name) {
  TWIN_ASSIGN_OR_RETURN(const PersonName name, split_full_name(full_name));
  TWIN_ASSIGN_OR_RETURN(auto users, warehouse.collection("users"));
  TWIN_ASSIGN_OR_RETURN(
      auto user, users.find_one({{"first_name", name.first_name}, {"last_name", name.last_name}}));
  if (user) return user->id;
  TWIN_ASSIGN_OR_RETURN(auto everyone, users.find(nlohmann::json::object(), {.limit = 20}));
  std::vector<std::string> known;
  for (const auto& document : everyone) {
    known.push_back(fmt::format("{} {}", document.fields.value("first_name", ""),
                                document.fields.value("last_name", "")));
  }
  return fail(Status::not_found(fmt::format(
      "no author named '{}' in the warehouse (authors: {})", full_name,
      known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", ")))));
}

}  // namespace

Result<std::vector<RetrievedChunk>> retrieve(std::string_view query,
                                             const RetrievalOptions& options,
                                             embeddings::Embedder& embedder,
                                             vectors::VectorStore& store,
                                             warehouse::Warehouse& warehouse) {
  std::optional<vectors::Filter> filter;
  if (!options.author_full_name.empty()) {
    TWIN_ASSIGN_OR_RETURN(const std::string author_id,
                          author_id_of(warehouse, options.author_full_name));
    TWIN_ASSIGN_OR_RETURN(
        filter, vectors::Filter::from_json(
                    {{"must", {{{"key", "author_id"}, {"match", {{"value", author_id}}}}}}}));
  }
  const std::vector<std::string> texts{std::string(query)};
  TWIN_ASSIGN_OR_RETURN(auto embedded, embedder.embed(texts));
  const std::size_t per_collection = std::max<std::size_t>(options.k / 3, 1);

  std::vector<RetrievedChunk> hits;
  std::set<std::string> seen;
  for (const DataCategory category :
       {DataCategory::kPosts, DataCategory::kArticles, DataCategory::kRepositories}) {
    const std::string collection = embedded_collection(category);
    TWIN_ASSIGN_OR_RETURN(bool exists, store.collection_exists(collection));
    if (!exists) continue;
    vectors::SearchRequest request{
        .vector = embedded.front(), .limit = per_collection, .filter = filter};
    TWIN_ASSIGN_OR_RETURN(auto points, store.search(collection, request));
    for (auto& point : points) {
      if (!seen.insert(point.id.to_string()).second) continue;
      hits.push_back({.collection = collection, .point = std::move(point)});
    }
  }
  std::ranges::stable_sort(hits, [](const RetrievedChunk& a, const RetrievedChunk& b) {
    return a.point.score > b.point.score;
  });
  if (hits.size() > options.k) hits.resize(options.k);
  return hits;
}

Result<std::vector<RetrievedChunk>> rerank(std::string_view query,
                                           std::vector<RetrievedChunk> chunks,
                                           std::size_t keep_top_k,
                                           const embeddings::CrossEncoder& cross_encoder) {
  std::vector<std::string> passages;
  passages.reserve(chunks.size());
  for (const auto& chunk : chunks) passages.push_back(chunk.point.payload.value("content", ""));
  TWIN_ASSIGN_OR_RETURN(auto scores, cross_encoder.score(query, passages));
  for (std::size_t i = 0; i < chunks.size(); ++i) chunks[i].point.score = scores[i];
  std::ranges::stable_sort(chunks, [](const RetrievedChunk& a, const RetrievedChunk& b) {
    return a.point.score > b.point.score;
  });
  if (chunks.size() > keep_top_k) chunks.resize(keep_top_k);
  return chunks;
}

}  // namespace twin::llm_twin
