// The LLM Twin's domain documents, as the Handbook's ODM defines them, and their home in the
// warehouse: users, articles, posts and repositories, each in its collection with `link` unique.
//
// Documents are stored exactly as the Handbook's export holds them (importing then exporting
// gives back equal JSON). Lineage (which run wrote a document) travels beside the fields.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"
#include "twin/warehouse/warehouse.h"

namespace twin::llm_twin {

// A required field and the JSON kinds it may hold.
struct FieldRule {
  std::string_view name;
  enum class Kind { kString, kObject, kStringOrNull } kind;
};

// One of the Handbook's document classes.
struct DocumentClass {
  std::string_view class_name;  // "ArticleDocument": also the export file's name (.json)
  std::string_view collection;  // "articles"
  std::vector<FieldRule> required;
  std::vector<std::string_view> unique_fields;   // each gets a unique index
  std::vector<std::string_view> indexed_fields;  // each gets a non-unique index
};

// UserDocument, ArticleDocument, PostDocument, RepositoryDocument.
const std::vector<DocumentClass>& document_classes();
// By class name ("ArticleDocument") or collection ("articles"); nullptr when unknown.
const DocumentClass* find_document_class(std::string_view name);

// kInvalidArgument naming the document's _id and the field when a required field is missing or
// of the wrong kind.
Status validate(const DocumentClass& document_class, const warehouse::Document& document);

// The class's collection, with its indexes created.
Result<warehouse::Collection> open_collection(warehouse::Warehouse& warehouse,
                                              const DocumentClass& document_class);

struct PersonName {
  std::string first_name;
  std::string last_name;
};
// As the Handbook's split_user_full_name: the last word is the last name, the words before it the
// first name; one word is both. kInvalidArgument for an empty name.
Result<PersonName> split_full_name(std::string_view full_name);

// Documents per collection and per author, over every collection that exists (sorted by name):
// {"NAME": {"documents": N, "authors": {"AUTHOR": n, ...}}, ...}. Authors are the values of
// `author_full_name` (a document without one counts under "(none)"); "authors" is empty for a
// collection where no document has that field (users). What `twin warehouse stats --json` prints
// under "collections" and GET /api/twin/warehouse serves.
Result<nlohmann::json> collection_stats(warehouse::Warehouse& warehouse);

// ---- Typed views of the documents, for C++ code (crawlers, pipelines).

struct UserDocument {
  std::string id;
  std::string first_name;
  std::string last_name;
  std::string full_name() const { return first_name + " " + last_name; }
  warehouse::Document to_document() const;
  static Result<UserDocument> from_document(const warehouse::Document& document);
};

// The author fields that articles, posts and repositories share.
struct Author {
  std::string author_id;
  std::string author_full_name;
};

struct ArticleDocument {
  std::string id;
  nlohmann::json content;  // {Title, Subtitle, Content, language}
  std::string link;
  std::string platform;
  Author author;
  std::optional<warehouse::Lineage> lineage;
  warehouse::Document to_document() const;
  static Result<ArticleDocument> from_document(const warehouse::Document& document);
};

struct PostDocument {
  std::string id;
  nlohmann::json content;
  std::optional<std::string> image;
  std::optional<std::string> link;
  std::string platform;
  Author author;
  std::optional<warehouse::Lineage> lineage;
  warehouse::Document to_document() const;
  static Result<PostDocument> from_document(const warehouse::Document& document);
};

struct RepositoryDocument {
  std::string id;
  std::string name;
  std::string link;
  std::map<std::string, std::string> content;  // path -> file text
  std::string platform;
  Author author;
  std::optional<warehouse::Lineage> lineage;
  warehouse::Document to_document() const;
  static Result<RepositoryDocument> from_document(const warehouse::Document& document);
};

// ---- The Handbook's export files (data_warehouse_raw_data/<Class>.json).

struct FileTransfer {
  std::filesystem::path file;
  std::string collection;
  std::int64_t documents = 0;
};

// Imports each file, or each <Class>.json in each directory. A file is read and validated whole,
// then stored in one transaction (documents with a stored _id are replaced, so importing twice
// changes nothing); on any error nothing from that file is stored and the call stops there.
Result<std::vector<FileTransfer>> import_files(warehouse::Warehouse& warehouse,
                                               const std::vector<std::filesystem::path>& paths);

// Writes <Class>.json for every class into `directory` (created when missing), in insertion order.
Result<std::vector<FileTransfer>> export_files(warehouse::Warehouse& warehouse,
                                               const std::filesystem::path& directory);

}  // namespace twin::llm_twin
