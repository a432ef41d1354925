#include "twin/llm_twin/feature_engineering.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <vector>

#include "twin/embeddings/embedder.h"
#include "twin/llm_twin/documents.h"
#include "twin/llm_twin/preprocessing.h"
#include "twin/vectors/vector_store.h"
#include "twin/warehouse/warehouse.h"

namespace twin::llm_twin {
namespace {

using nlohmann::json;
using orchestrator::StepContext;

constexpr std::size_t kEmbeddingBatch = 64;
constexpr std::size_t kUpsertBatch = 256;
constexpr std::array kCategories = {DataCategory::kArticles, DataCategory::kPosts,
                                    DataCategory::kRepositories};

Result<const Settings*> settings_of(const StepContext& ctx) {
  if (ctx.settings() == nullptr) {
    return fail(Status::failed_precondition(fmt::format(
        "step {}: no settings to open the stores from (run it with `twin pipeline run`)",
        ctx.step_name())));
  }
  return ctx.settings();
}

std::string_view class_name_of(DataCategory category) {
  switch (category) {
    case DataCategory::kPosts:
      return "PostDocument";
    case DataCategory::kRepositories:
      return "RepositoryDocument";
    default:
      return "ArticleDocument";
  }
}

// A warehouse document in the Handbook's artifact shape: "id" and the stored fields.
json handbook_document(const warehouse::Document& document) {
  json out = document.fields;
  out["id"] = document.id;
  return out;
}

// ---- query_data_warehouse

Status query_data_warehouse(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const auto names,
                        ctx.parameter<std::vector<std::string>>("author_full_names"));
  TWIN_ASSIGN_OR_RETURN(const Settings* settings, settings_of(ctx));
  TWIN_ASSIGN_OR_RETURN(auto warehouse, warehouse::Warehouse::open(*settings));
  TWIN_ASSIGN_OR_RETURN(auto users, open_collection(*warehouse, *find_document_class("users")));

  json documents = json::array();
  json counts = json::object();
  std::map<std::string, std::int64_t> etl_runs;  // run id -> documents it stored
  std::int64_t without_lineage = 0;
  for (const std::string& full_name : names) {
    TWIN_ASSIGN_OR_RETURN(const PersonName name, split_full_name(full_name));
    ctx.logger().info("Querying data warehouse for user: {}", full_name);
    TWIN_ASSIGN_OR_RETURN(
        const warehouse::Document stored,
        users.get_or_create({{"first_name", name.first_name}, {"last_name", name.last_name}}));
    for (const DataCategory category : kCategories) {
      TWIN_ASSIGN_OR_RETURN(
          auto collection,
          open_collection(*warehouse, *find_document_class(class_name_of(category))));
      TWIN_ASSIGN_OR_RETURN(auto found, collection.find({{"author_id", stored.id}}));
      json& entry = counts[std::string(to_string(category))];
      if (entry.is_null()) entry = {{"num_documents", 0}, {"authors", json::array()}};
      entry["num_documents"] =
          entry["num_documents"].get<std::int64_t>() + static_cast<std::int64_t>(found.size());
      if (!found.empty()) entry["authors"].push_back(full_name);
      for (const auto& document : found) {
        if (document.lineage) {
          ++etl_runs[document.lineage->run_id];
        } else {
          ++without_lineage;
        }
        documents.push_back(handbook_document(document));
      }
    }
  }
  counts["num_documents"] = documents.size();
  json runs = json::object();
  for (const auto& [run_id, count] : etl_runs) runs[run_id] = count;
  counts["lineage"] = {{"etl_runs", std::move(runs)},
                       {"documents_without_lineage", without_lineage}};
  ctx.logger().info("{} documents from the warehouse", documents.size());
  ctx.add_output_metadata("raw_documents", counts);
  return ctx.set_output_json("raw_documents", documents);
}

// ---- clean_documents

Status clean_documents(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const json raw, ctx.input_json("raw_documents"));
  if (!raw.is_array()) {
    return Status::invalid_argument("step clean_documents: raw_documents must be a list");
  }
  json cleaned = json::array();
  std::map<std::string, std::int64_t> per_category;
  for (const json& document : raw) {
    cleaned.push_back(clean_document(document));
    ++per_category[std::string(to_string(category_of(document)))];
  }
  json metadata = {{"num_documents", cleaned.size()}};
  for (const auto& [category, count] : per_category)
    metadata[category] = {{"num_documents", count}};
  ctx.logger().info("cleaned {} documents", cleaned.size());
  ctx.add_output_metadata("cleaned_documents", metadata);
  return ctx.set_output_json("cleaned_documents", cleaned);
}

// ---- chunk_and_embed

// The Handbook's chunk of a cleaned document, before its embedding.
json make_chunk(const json& document, const std::string& text) {
  json chunk = {{"id", chunk_id(text)},
                {"content", text},
                {"platform", document.value("platform", json())},
                {"document_id", document.value("id", json())},
                {"author_id", document.value("author_id", json())},
                {"author_full_name", document.value("author_full_name", json())}};
  for (const char* key : {"link", "image", "name"}) {
    if (document.contains(key)) chunk[key] = document.at(key);
  }
  return chunk;
}

std::vector<std::string> chunk_texts(const json& document, const embeddings::Embedder& embedder) {
  const std::string content = document.value("content", std::string());
  switch (category_of(document)) {
    case DataCategory::kArticles:
      return chunk_article(content, 1000, 2000);
    case DataCategory::kPosts:
      return chunk_text(content, 250, 25, embedder);
    default:
      return chunk_text(content, 1500, 100, embedder);
  }
}

// Vectors already stored for these chunks with the same content and model, by chunk id.
Result<std::map<std::string, std::vector<float>>> stored_vectors(
    vectors::VectorStore& store, const std::string& collection, const std::vector<json>& chunks,
    const embeddings::Embedder& embedder) {
  std::map<std::string, std::vector<float>> found;
  TWIN_ASSIGN_OR_RETURN(bool exists, store.collection_exists(collection));
  if (!exists || chunks.empty()) return found;
  TWIN_ASSIGN_OR_RETURN(auto info, store.collection_info(collection));
  if (!info.config.vectors || info.config.vectors->size != embedder.dimension()) return found;
  std::vector<vectors::PointId> ids;
  ids.reserve(chunks.size());
  for (const json& chunk : chunks) {
    TWIN_ASSIGN_OR_RETURN(auto id, vectors::PointId::from_json(chunk.at("id")));
    ids.push_back(std::move(id));
  }
  TWIN_ASSIGN_OR_RETURN(auto points,
                        store.retrieve(collection, ids, {.payload = true, .vector = true}));
  std::map<std::string, const json*> content_by_id;
  for (const json& chunk : chunks) content_by_id[chunk.at("id").get<std::string>()] = &chunk;
  for (auto& point : points) {
    const json* chunk = content_by_id[point.id.to_string()];
    const json& payload = point.payload;
    const bool same_model =
        payload.contains("metadata") && payload.at("metadata").is_object() &&
        payload.at("metadata").value("embedding_model_id", std::string()) == embedder.model_id();
    if (chunk != nullptr && same_model &&
        payload.value("content", json()) == chunk->at("content")) {
      found[point.id.to_string()] = std::move(point.vector);
    }
  }
  return found;
}

Status chunk_and_embed(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const json cleaned, ctx.input_json("cleaned_documents"));
  if (!cleaned.is_array()) {
    return Status::invalid_argument("step chunk_and_embed: cleaned_documents must be a list");
  }
  TWIN_ASSIGN_OR_RETURN(const Settings* settings, settings_of(ctx));
  TWIN_ASSIGN_OR_RETURN(auto embedder, embeddings::Embedder::open(*settings));
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(*settings));
  const json embedding_metadata = {{"embedding_model_id", embedder->model_id()},
                                   {"embedding_size", embedder->dimension()},
                                   {"max_input_length", embedder->max_input_length()}};

  json embedded = json::array();
  json metadata = {{"chunking", json::object()}, {"embedding", {{"model", embedding_metadata}}}};
  std::size_t embedded_now = 0;
  std::size_t reused = 0;
  for (const DataCategory category : kCategories) {
    std::vector<json> chunks;
    std::set<std::string> seen;  // identical chunks share an id: embed and store one
    std::size_t documents = 0;
    for (const json& document : cleaned) {
      if (category_of(document) != category) continue;
      ++documents;
      for (const std::string& text : chunk_texts(document, *embedder)) {
        json chunk = make_chunk(document, text);
        if (seen.insert(chunk.at("id").get<std::string>()).second)
          chunks.push_back(std::move(chunk));
      }
    }
    if (documents == 0) continue;
    const std::string collection = embedded_collection(category);
    TWIN_ASSIGN_OR_RETURN(auto known, stored_vectors(*store, collection, chunks, *embedder));
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      if (!known.contains(chunks[i].at("id").get<std::string>())) missing.push_back(i);
    }
    std::vector<std::vector<float>> fresh(chunks.size());
    for (std::size_t start = 0; start < missing.size(); start += kEmbeddingBatch) {
      if (ctx.cancel_requested()) return Status::cancelled("chunk_and_embed: cancelled");
      const std::size_t end = std::min(missing.size(), start + kEmbeddingBatch);
      std::vector<std::string> texts;
      for (std::size_t i = start; i < end; ++i) {
        texts.push_back(chunks[missing[i]].at("content").get<std::string>());
      }
      TWIN_ASSIGN_OR_RETURN(auto batch, embedder->embed(texts));
      for (std::size_t i = start; i < end; ++i) fresh[missing[i]] = std::move(batch[i - start]);
      ctx.logger().info("{}: embedded {} / {} new chunks", collection, end, missing.size());
    }
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      json chunk = std::move(chunks[i]);
      const std::string id = chunk.at("id").get<std::string>();
      const auto stored = known.find(id);
      chunk["embedding"] = stored != known.end() ? std::move(stored->second) : std::move(fresh[i]);
      chunk["metadata"] = embedding_metadata;
      embedded.push_back(std::move(chunk));
    }
    embedded_now += missing.size();
    reused += chunks.size() - missing.size();
    metadata["chunking"][std::string(to_string(category))] = {{"num_documents", documents},
                                                              {"num_chunks", chunks.size()}};
  }
  metadata["embedding"]["num_embedded"] = embedded_now;
  metadata["embedding"]["num_reused"] = reused;
  metadata["num_chunks"] = embedded.size();
  ctx.logger().info("{} chunks: {} embedded, {} already stored with the same model",
                    embedded.size(), embedded_now, reused);
  ctx.add_output_metadata("embedded_documents", metadata);
  return ctx.set_output_json("embedded_documents", embedded);
}

// ---- load_to_vector_db

// Creates the collection on first use; an existing one must fit what is loaded.
Status ensure_collection(vectors::VectorStore& store, const std::string& name,
                         const std::optional<vectors::VectorParams>& wanted) {
  TWIN_ASSIGN_OR_RETURN(bool exists, store.collection_exists(name));
  if (!exists) return store.create_collection(name, {.vectors = wanted});
  TWIN_ASSIGN_OR_RETURN(auto info, store.collection_info(name));
  if (info.config.vectors && wanted && info.config.vectors->size != wanted->size) {
    return Status::failed_precondition(fmt::format(
        "collection {} holds vectors of size {}, but the embedding model gives {}: delete the "
        "collection (twin vectors delete {}) to embed everything again with the new model",
        name, info.config.vectors->size, wanted->size, name));
  }
  return Status::ok();
}

Status load_to_vector_db(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(const json documents, ctx.input_json("documents"));
  if (!documents.is_array()) {
    return Status::invalid_argument(
        fmt::format("step {}: documents must be a list", ctx.step_name()));
  }
  TWIN_ASSIGN_OR_RETURN(const Settings* settings, settings_of(ctx));
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(*settings));
  const json lineage = {{"run_id", ctx.run_id()}, {"step_run_id", ctx.step_run_id()}};

  std::map<std::string, std::vector<vectors::Point>> by_collection;
  std::map<std::string, std::optional<vectors::VectorParams>> params;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const json& document = documents[i];
    const bool is_embedded = document.contains("embedding");
    const DataCategory category = category_of(document);
    const std::string collection =
        is_embedded ? embedded_collection(category) : cleaned_collection(category);
    vectors::Point point;
    point.payload = document;
    point.payload.erase("id");
    auto id = vectors::PointId::from_json(document.value("id", json()));
    if (!id && document.value("id", json()).is_string()) {
      // Qdrant ids are UUIDs or integers; a warehouse id of another form (a MongoDB ObjectId,
      // say) becomes the UUID of its MD5, as chunk ids do, and stays in the payload.
      const std::string original = document.at("id").get<std::string>();
      id = vectors::PointId::from_json(chunk_id(original));
      point.payload["document_id"] = original;
    }
    if (!id) {
      return id.error().with_context(fmt::format("step {}: documents[{}].id", ctx.step_name(), i));
    }
    point.id = std::move(*id);
    point.payload.erase("embedding");
    point.payload["twin_lineage"] = lineage;
    if (is_embedded) {
      point.vector = document.at("embedding").get<std::vector<float>>();
      params[collection] = vectors::VectorParams{.size = point.vector.size(),
                                                 .distance = vectors::Distance::kCosine};
    } else {
      params.try_emplace(collection, std::nullopt);
    }
    by_collection[collection].push_back(std::move(point));
  }
  json metadata = json::object();
  for (auto& [collection, points] : by_collection) {
    TWIN_RETURN_IF_ERROR(ensure_collection(*store, collection, params[collection]));
    const std::size_t total = points.size();
    for (std::size_t start = 0; start < points.size(); start += kUpsertBatch) {
      const std::size_t end = std::min(points.size(), start + kUpsertBatch);
      std::vector<vectors::Point> batch(
          std::make_move_iterator(points.begin() + static_cast<std::ptrdiff_t>(start)),
          std::make_move_iterator(points.begin() + static_cast<std::ptrdiff_t>(end)));
      TWIN_RETURN_IF_ERROR(store->upsert(collection, std::move(batch)));
    }
    ctx.logger().info("{}: loaded {} points into {}", ctx.step_name(), total, collection);
    metadata[collection] = {{"num_points", total}};
  }
  ctx.log_step_metadata({{"vector_store", store->describe()}, {"collections", metadata}});
  ctx.add_output_metadata("is_loaded", metadata);
  return ctx.set_output("is_loaded", true);
}

}  // namespace

std::string_view to_string(DataCategory category) {
  switch (category) {
    case DataCategory::kPosts:
      return "posts";
    case DataCategory::kRepositories:
      return "repositories";
    default:
      return "articles";
  }
}

std::string cleaned_collection(DataCategory category) {
  return fmt::format("cleaned_{}", to_string(category));
}

std::string embedded_collection(DataCategory category) {
  return fmt::format("embedded_{}", to_string(category));
}

DataCategory category_of(const json& document) {
  if (document.contains("name")) return DataCategory::kRepositories;
  if (document.contains("image")) return DataCategory::kPosts;
  return DataCategory::kArticles;
}

json clean_document(const json& raw) {
  // The warehouse hands content keys back sorted: put them in the order the crawlers wrote them.
  const nlohmann::ordered_json content =
      handbook_content_order(raw.value("content", json::object()));
  std::string cleaned_content;
  switch (category_of(raw)) {
    case DataCategory::kArticles:
      cleaned_content = clean_article_content(content);
      break;
    case DataCategory::kPosts:
      cleaned_content = clean_post_content(content);
      break;
    case DataCategory::kRepositories:
      cleaned_content = clean_repository_content(content);
      break;
  }
  json cleaned = {{"id", raw.value("id", json())},
                  {"content", std::move(cleaned_content)},
                  {"platform", raw.value("platform", json())},
                  {"author_id", raw.value("author_id", json())},
                  {"author_full_name", raw.value("author_full_name", json())}};
  for (const char* key : {"link", "image", "name"}) {
    if (raw.contains(key)) cleaned[key] = raw.at(key);
  }
  return cleaned;
}

Status register_feature_engineering(orchestrator::PipelineRegistry& registry) {
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "query_data_warehouse",
      .version = "1",
      .outputs = {"raw_documents"},
      .run = query_data_warehouse,
      .description = "The authors' articles, posts and repositories from the warehouse",
      .enable_cache = false,
      .check_settings = warehouse::Warehouse::check_settings,
  }));
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "clean_documents",
      .version = "1",
      .inputs = {"raw_documents"},
      .outputs = {"cleaned_documents"},
      .run = clean_documents,
      .description = "The Handbook's cleaning of each document's content",
  }));
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "chunk_and_embed",
      .version = "1",
      .inputs = {"cleaned_documents"},
      .outputs = {"embedded_documents"},
      .run = chunk_and_embed,
      .description = "Chunks cleaned documents and embeds the chunks (TEXT_EMBEDDING_MODEL_ID)",
      .enable_cache = false,  // reads the vector store to reuse stored embeddings
  }));
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "load_to_vector_db",
      .version = "1",
      .inputs = {"documents"},
      .outputs = {"is_loaded"},
      .run = load_to_vector_db,
      .description = "Upserts documents or chunks into their vector collections",
      .enable_cache = false,
  }));
  return registry.add_pipeline({
      .name = "feature_engineering",
      .parameters = json::object(),
      .steps = {{.name = "query_data_warehouse", .uses = "query_data_warehouse"},
                {.name = "clean_documents",
                 .uses = "clean_documents",
                 .inputs = {{"raw_documents", "query_data_warehouse.raw_documents"}}},
                {.name = "load_to_vector_db",
                 .uses = "load_to_vector_db",
                 .inputs = {{"documents", "clean_documents.cleaned_documents"}}},
                {.name = "chunk_and_embed",
                 .uses = "chunk_and_embed",
                 .inputs = {{"cleaned_documents", "clean_documents.cleaned_documents"}}},
                {.name = "load_to_vector_db_2",
                 .uses = "load_to_vector_db",
                 .inputs = {{"documents", "chunk_and_embed.embedded_documents"}}}},
      .source = "built-in",
      .description = "Clean, chunk and embed the authors' documents into the vector store",
  });
}

}  // namespace twin::llm_twin
