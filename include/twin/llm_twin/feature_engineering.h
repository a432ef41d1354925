// The Handbook's feature_engineering pipeline as built-in C++ steps: from the warehouse to the
// vector store.
//
//   query_data_warehouse(author_full_names) -> raw_documents
//       Every article, post and repository of each author (the user is looked up, or created,
//       by full name as the Handbook does), as the Handbook's documents ({id, content, platform,
//       author_id, author_full_name, link | image | name}). Output metadata: the Handbook's
//       counts per collection and author, plus lineage: the ETL runs that stored the documents.
//   clean_documents(raw_documents) -> cleaned_documents
//       The Handbook's cleaning (preprocessing.h): content values joined with " #### ", then
//       clean_text. Cached: unchanged documents are not cleaned again.
//   load_to_vector_db(documents) -> is_loaded
//       Upserts documents into the collection of their kind: cleaned_articles|posts|repositories
//       (payload only) or embedded_articles|posts|repositories (vectors, Cosine), creating
//       collections on first use. The point id is the document id (cleaned; an id that is not a
//       UUID becomes the UUID of its MD5, and the payload keeps it as document_id) or the chunk
//       id (embedded); the payload is the document without id and embedding, plus
//       `twin_lineage: {run_id, step_run_id}` of the step run that stored it. Runs twice in the
//       pipeline, as load_to_vector_db and load_to_vector_db_2, as ZenML names the second call.
//   chunk_and_embed(cleaned_documents) -> embedded_documents
//       The Handbook's chunking (articles by sentences into 1000-2000 characters, posts and
//       repositories in token windows), chunk ids from the chunk's MD5, and embeddings from the
//       Embedder that TEXT_EMBEDDING_MODEL_ID selects. A chunk already stored in its embedded
//       collection with the same content and embedding model keeps its vector: re-running on
//       unchanged documents embeds nothing.
//
// Pipeline parameters: author_full_names (a list of names; the Handbook's
// configs/feature_engineering.yaml works unchanged).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "twin/core/status.h"
#include "twin/orchestrator/registry.h"

namespace twin::llm_twin {

// Registers the four steps and the pipeline feature_engineering.
Status register_feature_engineering(orchestrator::PipelineRegistry& registry);

// The Handbook's data categories, and the vector collections of each.
enum class DataCategory { kArticles, kPosts, kRepositories };
std::string_view to_string(DataCategory category);       // "articles", "posts", "repositories"
std::string cleaned_collection(DataCategory category);   // "cleaned_articles", ...
std::string embedded_collection(DataCategory category);  // "embedded_articles", ...

// The category of a document in the Handbook's shape, by the fields its class has: a `name`
// (repositories), an `image` (posts), else an article.
DataCategory category_of(const nlohmann::json& document);

// One raw document cleaned as the Handbook's cleaning handlers do (preprocessing.h). Content
// values are taken in the order the crawlers write them (handbook_content_order), since the
// warehouse does not keep key order.
nlohmann::json clean_document(const nlohmann::json& raw);

}  // namespace twin::llm_twin
