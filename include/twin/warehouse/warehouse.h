// The data warehouse: collections of JSON documents over db/ (SQLite embedded, PostgreSQL JSONB
// to scale), with the operations of the Handbook's ODM (save, find, get_or_create, bulk_insert,
// bulk_find) and the MongoDB filter subset users know from pymongo.
//
// Filters are JSON objects:
//   {"platform": "medium"}                          equality on a field
//   {"content.Title": {"$exists": true}}            dotted paths reach into sub-documents
//   {"views": {"$gte": 10, "$lt": 100}}             $eq $ne $gt $gte $lt $lte $in $nin $exists
//   {"$or": [{"platform": "medium"}, {"_id": "..."}]}  $and $or combine filters
// Semantics follow MongoDB for scalars: {"f": null} matches a null or missing field, $ne and $nin
// also match documents without the field, comparisons match only values of the same kind
// (numbers with numbers, strings with strings, compared bytewise on SQLite). Arrays and objects
// compare as whole values (no element-wise array matching). Any other operator is an
// kInvalidArgument error naming it. Field names in paths are [A-Za-z0-9_-] segments.
//
// Each collection is a table (wh_<name>) holding `_id`, the JSON body and the lineage columns;
// indexes on fields are expression indexes, so finds on an indexed field use them.
//
// Thread-safety: a Warehouse and its Collections are safe to use from many threads. A
// Collection is a light handle that refers to its Warehouse, which must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/settings.h"
#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/warehouse/document.h"

namespace twin::warehouse {

struct SortKey {
  std::string field;  // a field or dotted path; "_id" sorts by id
  bool ascending = true;
};

struct FindOptions {
  std::int64_t limit = 0;  // 0: no limit
  std::int64_t skip = 0;
  std::vector<SortKey> sort{};  // empty: insertion order
};

// What insert_many does with a document whose `_id` is already stored.
enum class OnExisting {
  kFail,     // the whole call fails with kAlreadyExists
  kReplace,  // the stored document is replaced (import is idempotent this way)
  kSkip,     // the stored document is kept
};

struct IndexSpec {
  std::vector<std::string> fields;  // fields or dotted paths, in index order
  bool unique = false;
};

class Warehouse;

class Collection {
 public:
  const std::string& name() const { return name_; }

  // Stores a new document (an empty id gets a UUID) and returns it. kAlreadyExists when its `_id`
  // or a unique index's value is taken.
  Result<Document> insert(Document document);
  // Stores all documents in one transaction: all or nothing. Returns how many were written.
  Result<std::int64_t> insert_many(std::vector<Document> documents,
                                   OnExisting on_existing = OnExisting::kFail);
  Result<std::optional<Document>> find_one(const nlohmann::json& filter);
  Result<std::optional<Document>> get(std::string_view id);
  Result<std::vector<Document>> find(const nlohmann::json& filter, const FindOptions& options = {});
  Result<std::int64_t> count(const nlohmann::json& filter = nlohmann::json::object());
  // Number of documents per value of `field` (a missing field counts under null), most first.
  Result<std::vector<std::pair<nlohmann::json, std::int64_t>>> count_by(
      std::string_view field, const nlohmann::json& filter = nlohmann::json::object());
  // Sets top-level fields or dotted paths of the first matching document (insertion order).
  // Returns 1 when a document matched, 0 otherwise. Setting "_id" is kInvalidArgument.
  Result<std::int64_t> update_one(const nlohmann::json& filter, const nlohmann::json& set_fields);
  // Deletes the matching documents; returns how many.
  Result<std::int64_t> delete_many(const nlohmann::json& filter);
  Result<std::int64_t> delete_one(const nlohmann::json& filter);
  // The first document matching `filter` (equality fields only, like the Handbook's
  // get_or_create), else a new one made of those fields plus `defaults`, with `lineage`.
  // Race-safe: concurrent callers with the same filter all get the same document.
  Result<Document> get_or_create(const nlohmann::json& filter,
                                 const nlohmann::json& defaults = nlohmann::json::object(),
                                 std::optional<Lineage> lineage = std::nullopt);

  // Creates the index unless it exists. A unique index fails with kAlreadyExists when stored
  // documents already hold duplicate values.
  Status create_index(const IndexSpec& index);
  Result<std::vector<IndexSpec>> indexes();

 private:
  friend class Warehouse;
  Collection(Warehouse* warehouse, std::string name)
      : warehouse_(warehouse), name_(std::move(name)) {}

  Warehouse* warehouse_;
  std::string name_;
};

class DocumentSql;

class Warehouse {
 public:
  ~Warehouse();
  Warehouse(const Warehouse&) = delete;
  Warehouse& operator=(const Warehouse&) = delete;

  // Opens the warehouse at `uri` (sqlite://PATH or postgresql://...). For PostgreSQL a non-empty
  // `database_name` selects the database (created when missing). A mongodb:// URI is
  // kInvalidArgument saying what to set instead.
  static Result<std::unique_ptr<Warehouse>> open(std::string_view uri,
                                                 std::string_view database_name = "");
  // From DATABASE_HOST (default sqlite://<root>/.twin/warehouse.db; a relative sqlite://PATH is
  // relative to the project root) and DATABASE_NAME (used for PostgreSQL only).
  static Result<std::unique_ptr<Warehouse>> open(const Settings& settings);
  // The DATABASE_HOST that open(settings) would use, resolved.
  static std::string uri_of(const Settings& settings);
  // Whether twin can serve `uri` as a warehouse, without opening it: kInvalidArgument for a
  // mongodb:// URI (saying what to set instead) and for schemes twin does not know. Pipelines
  // check it before a run is recorded (StepDefinition::check_settings).
  static Status check_uri(std::string_view uri);
  // check_uri(uri_of(settings)).
  static Status check_settings(const Settings& settings);

  // The collection `name` ([A-Za-z0-9_], at most 48 characters), created on first use.
  Result<Collection> collection(std::string_view name);
  // Names of every collection that exists, sorted.
  Result<std::vector<std::string>> collection_names();

  // Runs `fn` in one transaction: every collection call made inside it on this thread joins it.
  template <typename Fn>
  auto run_in_transaction(Fn&& fn) {
    return database_->run_in_transaction([&](db::Connection&) { return fn(); });
  }

  db::Database& database() { return *database_; }

 private:
  friend class Collection;
  Warehouse(std::unique_ptr<db::Database> database, std::unique_ptr<DocumentSql> sql);
  Status ensure_collection(const std::string& name);

  std::unique_ptr<db::Database> database_;
  std::unique_ptr<DocumentSql> sql_;
  std::mutex known_mutex_;
  std::vector<std::string> known_collections_;
};

}  // namespace twin::warehouse
