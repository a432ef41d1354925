#include "twin/warehouse/warehouse.h"

#include <fmt/format.h>

#include <algorithm>

#include "document_sql.h"
#include "twin/core/json.h"
#include "twin/db/migrations.h"

namespace twin::warehouse {
namespace {

// The catalog of indexes, so that `indexes()` can list them on every backend.
const std::vector<db::Migration> kMigrations = {
    {1, "index catalog",
     "CREATE TABLE warehouse_indexes (collection TEXT NOT NULL, name TEXT NOT NULL, "
     "fields TEXT NOT NULL, is_unique BIGINT NOT NULL, PRIMARY KEY (collection, name))"},
};

constexpr std::string_view kTablePrefix = "wh_";

Status check_collection_name(std::string_view name) {
  const bool valid =
      !name.empty() && name.size() <= 48 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
  if (!valid) {
    return Status::invalid_argument(
        fmt::format("collection name '{}': use 1 to 48 letters, digits or underscores", name));
  }
  return Status::ok();
}

std::string table_of(std::string_view collection) {
  return quoted_identifier(std::string(kTablePrefix) + std::string(collection));
}

std::string body_text(const nlohmann::json& fields) {
  return fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Document> document_from_row(const db::Row& row) {
  Document document;
  document.id = row.text(0);
  const std::string body = row.text(1);
  Result<nlohmann::json> fields = parse_json(body, fmt::format("document {}", document.id));
  if (!fields) return fail(Status::corruption(fields.error().message()));
  document.fields = *std::move(fields);
  if (!row.is_null(2) || !row.is_null(3)) {
    document.lineage = Lineage{row.text(2), row.text(3)};
  }
  return document;
}

// True when a postgresql:// URI has a path after host:port (a database name).
bool uri_has_database(std::string_view uri) {
  const size_t authority = uri.find("://");
  if (authority == std::string_view::npos) return false;
  const size_t slash = uri.find('/', authority + 3);
  if (slash == std::string_view::npos) return false;
  const size_t end = uri.find('?', slash);
  return (end == std::string_view::npos ? uri.size() : end) > slash + 1;
}

constexpr std::string_view kDocumentColumns = "id, body, run_id, step_run_id";

std::string index_name(std::string_view collection, const std::vector<FieldPath>& fields) {
  std::string name = fmt::format("ix_{}", collection);
  for (const auto& field : fields) {
    name += "__";
    for (const auto& segment : field.segments) name += segment + "_";
    name.pop_back();
  }
  if (name.size() <= 60) return name;
  return fmt::format("ix_{}_{:016x}", collection.substr(0, 24), std::hash<std::string>{}(name));
}

// Sets `value` at a dotted path, creating objects on the way.
Status set_path(nlohmann::json& target, const FieldPath& path, const nlohmann::json& value) {
  nlohmann::json* node = &target;
  for (size_t i = 0; i + 1 < path.segments.size(); ++i) {
    nlohmann::json& child = (*node)[path.segments[i]];
    if (child.is_null()) child = nlohmann::json::object();
    if (!child.is_object()) {
      return Status::invalid_argument(
          fmt::format("cannot set '{}': '{}' is not an object", path.dotted(), path.segments[i]));
    }
    node = &child;
  }
  (*node)[path.segments.back()] = value;
  return Status::ok();
}

}  // namespace

// ---- Warehouse

Warehouse::Warehouse(std::unique_ptr<db::Database> database, std::unique_ptr<DocumentSql> sql)
    : database_(std::move(database)), sql_(std::move(sql)) {}

Warehouse::~Warehouse() = default;

Status Warehouse::check_uri(std::string_view uri) {
  if (uri.starts_with("mongodb://") || uri.starts_with("mongodb+srv://")) {
    return Status::invalid_argument(
        "DATABASE_HOST is a MongoDB URI, which twin does not serve: unset DATABASE_HOST to use "
        "the embedded warehouse (sqlite://<root>/.twin/warehouse.db), or set it to "
        "sqlite:///path/to/warehouse.db or postgresql://user@host:port (with DATABASE_NAME "
        "naming the database)");
  }
  if (!uri.starts_with("sqlite://") && !uri.starts_with("postgresql://") &&
      !uri.starts_with("postgres://")) {
    return Status::invalid_argument(
        fmt::format("DATABASE_HOST '{}': not a warehouse twin can open (use sqlite://PATH or "
                    "postgresql://user@host:port)",
                    uri));
  }
  return Status::ok();
}

Result<std::unique_ptr<Warehouse>> Warehouse::open(std::string_view uri,
                                                   std::string_view database_name) {
  TWIN_RETURN_IF_ERROR(check_uri(uri));
  db::DatabaseOptions options;
  if (uri.starts_with("postgres")) {
    options.database_name = std::string(database_name);
    options.create_database_if_missing = true;
  }
  TWIN_ASSIGN_OR_RETURN(auto database, db::Database::open(uri, options));
  TWIN_RETURN_IF_ERROR(db::migrate(*database, "warehouse", kMigrations));
  auto sql = DocumentSql::for_dialect(database->dialect());
  return std::unique_ptr<Warehouse>(new Warehouse(std::move(database), std::move(sql)));
}

std::string Warehouse::uri_of(const Settings& settings) {
  const std::string default_uri = "sqlite://" + (settings.state_dir() / "warehouse.db").string();
  const std::string uri = settings.value_or("DATABASE_HOST", default_uri);
  return uri.empty() ? default_uri : db::resolve_sqlite_uri(uri, settings.root());
}

Status Warehouse::check_settings(const Settings& settings) { return check_uri(uri_of(settings)); }

Result<std::unique_ptr<Warehouse>> Warehouse::open(const Settings& settings) {
  const std::string uri = uri_of(settings);
  // DATABASE_NAME picks the PostgreSQL database; its built-in default ("twin", as in the
  // Handbook's .env) yields to a database named in the URI itself.
  const auto name = settings.get("DATABASE_NAME");
  const bool name_is_default = !name || name->source == SettingSource::kDefault;
  const bool uri_names_database = uri.starts_with("postgres") && uri_has_database(uri);
  return open(uri, name && !(name_is_default && uri_names_database) ? name->value : "");
}

Status Warehouse::ensure_collection(const std::string& name) {
  {
    std::lock_guard lock(known_mutex_);
    if (std::find(known_collections_.begin(), known_collections_.end(), name) !=
        known_collections_.end()) {
      return Status::ok();
    }
  }
  TWIN_RETURN_IF_ERROR(check_collection_name(name));
  // A read first: when the table exists (the common case) no write transaction is started, so
  // readers never queue behind a writer that holds the database (WAL lets them read meanwhile).
  TWIN_ASSIGN_OR_RETURN(auto existing, collection_names());
  if (std::find(existing.begin(), existing.end(), name) != existing.end()) {
    std::lock_guard lock(known_mutex_);
    known_collections_.push_back(name);
    return Status::ok();
  }
  Status created = database_->run_in_transaction([&](db::Connection& connection) -> Status {
    TWIN_RETURN_IF_ERROR(connection.lock_until_transaction_ends("warehouse:collections"));
    return connection.execute_script(sql_->create_table(std::string(kTablePrefix) + name));
  });
  if (!created.is_ok()) return created;
  std::lock_guard lock(known_mutex_);
  known_collections_.push_back(name);
  return Status::ok();
}

Result<Collection> Warehouse::collection(std::string_view name) {
  TWIN_RETURN_IF_ERROR(ensure_collection(std::string(name)));
  return Collection(this, std::string(name));
}

Result<std::vector<std::string>> Warehouse::collection_names() {
  TWIN_ASSIGN_OR_RETURN(auto rows, database_->query(sql_->list_collection_tables()));
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(row.text(0).substr(kTablePrefix.size()));
  return names;
}

// ---- Collection

Result<Document> Collection::insert(Document document) {
  if (document.id.empty()) document.id = new_uuid();
  std::vector<Document> one;
  one.push_back(document);
  TWIN_RETURN_IF_ERROR(db::status_of(insert_many(std::move(one))));
  return document;
}

Result<std::int64_t> Collection::insert_many(std::vector<Document> documents,
                                             OnExisting on_existing) {
  const DocumentSql& sql = *warehouse_->sql_;
  std::string statement =
      fmt::format("INSERT INTO {} (id, body, run_id, step_run_id) VALUES (?, {}, ?, ?)",
                  table_of(name_), sql.body_placeholder());
  if (on_existing == OnExisting::kReplace) {
    statement += fmt::format(
        " ON CONFLICT (id) DO UPDATE SET body = excluded.body, "
        "run_id = COALESCE(excluded.run_id, {0}.run_id), "
        "step_run_id = COALESCE(excluded.step_run_id, {0}.step_run_id)",
        table_of(name_));
  } else if (on_existing == OnExisting::kSkip) {
    statement += " ON CONFLICT (id) DO NOTHING";
  }
  return warehouse_->database_->run_in_transaction(
      [&](db::Connection& connection) -> Result<std::int64_t> {
        std::int64_t written = 0;
        db::Params params(4);
        for (Document& document : documents) {
          if (document.id.empty()) document.id = new_uuid();
          params[0] = db::Value(std::move(document.id));
          params[1] = db::Value(body_text(document.fields));
          params[2] = document.lineage ? db::Value(document.lineage->run_id) : db::Value();
          params[3] = document.lineage ? db::Value(document.lineage->step_run_id) : db::Value();
          auto changed = connection.execute(statement, params);
          if (!changed) {
            return fail(changed.error().with_context(
                fmt::format("inserting document {} into '{}'", params[0].as_text(), name_)));
          }
          written += *changed;
        }
        return written;
      });
}

Result<std::optional<Document>> Collection::find_one(const nlohmann::json& filter) {
  TWIN_ASSIGN_OR_RETURN(auto found, find(filter, {.limit = 1}));
  if (found.empty()) return std::optional<Document>();
  return std::optional<Document>(std::move(found.front()));
}

Result<std::optional<Document>> Collection::get(std::string_view id) {
  return find_one(nlohmann::json{{"_id", id}});
}

Result<std::vector<Document>> Collection::find(const nlohmann::json& filter,
                                               const FindOptions& options) {
  const DocumentSql& sql = *warehouse_->sql_;
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(sql, filter));
  std::string order;
  for (const SortKey& key : options.sort) {
    TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(key.field));
    order += fmt::format("{} {}, ", sql.field(path),
                         key.ascending ? "ASC NULLS FIRST" : "DESC NULLS LAST");
  }
  const std::string statement =
      fmt::format("SELECT {} FROM {} WHERE {} ORDER BY {}seq{}", kDocumentColumns, table_of(name_),
                  where.sql, order, sql.limit_clause(options.limit, options.skip));
  TWIN_ASSIGN_OR_RETURN(auto rows, warehouse_->database_->query(statement, where.params));
  std::vector<Document> documents;
  documents.reserve(rows.size());
  for (const auto& row : rows) {
    TWIN_ASSIGN_OR_RETURN(auto document, document_from_row(row));
    documents.push_back(std::move(document));
  }
  return documents;
}

Result<std::int64_t> Collection::count(const nlohmann::json& filter) {
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(*warehouse_->sql_, filter));
  TWIN_ASSIGN_OR_RETURN(
      auto row, warehouse_->database_->query_one(
                    fmt::format("SELECT COUNT(*) FROM {} WHERE {}", table_of(name_), where.sql),
                    where.params));
  return row ? row->int64(0) : 0;
}

Result<std::vector<std::pair<nlohmann::json, std::int64_t>>> Collection::count_by(
    std::string_view field, const nlohmann::json& filter) {
  const DocumentSql& sql = *warehouse_->sql_;
  TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(field));
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(sql, filter));
  const std::string value = sql.field_json(path);
  TWIN_ASSIGN_OR_RETURN(
      auto rows,
      warehouse_->database_->query(
          fmt::format("SELECT {0} AS value, COUNT(*) AS n FROM {1} WHERE {2} GROUP BY {0} "
                      "ORDER BY COUNT(*) DESC, {0}",
                      value, table_of(name_), where.sql),
          where.params));
  std::vector<std::pair<nlohmann::json, std::int64_t>> counts;
  for (const auto& row : rows) {
    Result<nlohmann::json> key = row.is_null(0) ? Result<nlohmann::json>(nlohmann::json())
                                                : parse_json(row.text(0), "a grouped value");
    counts.emplace_back(key ? *std::move(key) : nlohmann::json(), row.int64(1));
  }
  return counts;
}

Result<std::int64_t> Collection::update_one(const nlohmann::json& filter,
                                            const nlohmann::json& set_fields) {
  if (!set_fields.is_object()) {
    return fail(Status::invalid_argument("update: the fields to set must be a JSON object"));
  }
  std::vector<std::pair<FieldPath, nlohmann::json>> updates;
  for (const auto& [key, value] : set_fields.items()) {
    TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(key));
    if (path.is_id()) return fail(Status::invalid_argument("update: _id cannot be changed"));
    updates.emplace_back(std::move(path), value);
  }
  const DocumentSql& sql = *warehouse_->sql_;
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(sql, filter));
  return warehouse_->database_->run_in_transaction(
      [&](db::Connection& connection) -> Result<std::int64_t> {
        TWIN_ASSIGN_OR_RETURN(
            auto row,
            connection.query_one(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY seq "
                                             "LIMIT 1",
                                             kDocumentColumns, table_of(name_), where.sql),
                                 where.params));
        if (!row) return std::int64_t{0};
        TWIN_ASSIGN_OR_RETURN(Document document, document_from_row(*row));
        for (const auto& [path, value] : updates) {
          TWIN_RETURN_IF_ERROR(set_path(document.fields, path, value));
        }
        return connection.execute(fmt::format("UPDATE {} SET body = {} WHERE id = ?",
                                              table_of(name_), sql.body_placeholder()),
                                  {body_text(document.fields), document.id});
      });
}

Result<std::int64_t> Collection::delete_many(const nlohmann::json& filter) {
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(*warehouse_->sql_, filter));
  return warehouse_->database_->execute(
      fmt::format("DELETE FROM {} WHERE {}", table_of(name_), where.sql), where.params);
}

Result<std::int64_t> Collection::delete_one(const nlohmann::json& filter) {
  TWIN_ASSIGN_OR_RETURN(SqlFragment where, compile_filter(*warehouse_->sql_, filter));
  return warehouse_->database_->execute(
      fmt::format("DELETE FROM {0} WHERE seq IN (SELECT seq FROM {0} WHERE {1} ORDER BY seq "
                  "LIMIT 1)",
                  table_of(name_), where.sql),
      where.params);
}

Result<Document> Collection::get_or_create(const nlohmann::json& filter,
                                           const nlohmann::json& defaults,
                                           std::optional<Lineage> lineage) {
  if (!filter.is_object() || filter.empty()) {
    return fail(Status::invalid_argument("get_or_create needs a filter of field: value pairs"));
  }
  if (!defaults.is_object()) {
    return fail(Status::invalid_argument("get_or_create: defaults must be a JSON object"));
  }
  Document created;
  created.fields = defaults;
  created.lineage = std::move(lineage);
  for (const auto& [key, value] : filter.items()) {
    TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(key));
    if (value.is_object() && !value.empty() && value.begin().key().starts_with('$')) {
      return fail(Status::invalid_argument(fmt::format(
          "get_or_create: '{}' must be compared by equality, not with operators", key)));
    }
    if (path.is_id()) {
      if (!value.is_string())
        return fail(Status::invalid_argument("get_or_create: _id must be a string"));
      created.id = value.get<std::string>();
      continue;
    }
    TWIN_RETURN_IF_ERROR(set_path(created.fields, path, value));
  }
  return warehouse_->database_->run_in_transaction(
      [&](db::Connection& connection) -> Result<Document> {
        // Callers with the same filter queue here, so only the first one inserts.
        TWIN_RETURN_IF_ERROR(connection.lock_until_transaction_ends(
            fmt::format("warehouse:{}:{}", name_, filter.dump())));
        TWIN_ASSIGN_OR_RETURN(auto found, find_one(filter));
        if (found) return std::move(*found);
        return insert(created);
      });
}

Status Collection::create_index(const IndexSpec& index) {
  if (index.fields.empty()) return Status::invalid_argument("an index needs at least one field");
  const DocumentSql& sql = *warehouse_->sql_;
  std::vector<FieldPath> paths;
  std::vector<std::string> expressions;
  for (const auto& field : index.fields) {
    TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(field));
    expressions.push_back(sql.field(path));
    paths.push_back(std::move(path));
  }
  const std::string name = index_name(name_, paths);
  const std::string ddl =
      fmt::format("CREATE {}INDEX IF NOT EXISTS {} ON {} ({})", index.unique ? "UNIQUE " : "",
                  quoted_identifier(name), table_of(name_), fmt::join(expressions, ", "));
  return warehouse_->database_->run_in_transaction([&](db::Connection& connection) -> Status {
    TWIN_RETURN_IF_ERROR(connection.lock_until_transaction_ends("warehouse:collections"));
    Status created = connection.execute_script(ddl);
    if (!created.is_ok()) {
      return created.with_context(fmt::format("creating {}index on {} of '{}'",
                                              index.unique ? "unique " : "",
                                              fmt::join(index.fields, ", "), name_));
    }
    return db::status_of(connection.execute(
        "INSERT INTO warehouse_indexes (collection, name, fields, is_unique) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (collection, name) DO NOTHING",
        {name_, name, nlohmann::json(index.fields).dump(), index.unique}));
  });
}

Result<std::vector<IndexSpec>> Collection::indexes() {
  TWIN_ASSIGN_OR_RETURN(auto rows,
                        warehouse_->database_->query(
                            "SELECT fields, is_unique FROM warehouse_indexes WHERE collection = ? "
                            "ORDER BY name",
                            {name_}));
  std::vector<IndexSpec> specs;
  for (const auto& row : rows) {
    Result<nlohmann::json> fields = parse_json(row.text(0), "warehouse_indexes");
    if (!fields || !fields->is_array()) {
      return fail(Status::corruption("warehouse_indexes holds bad fields"));
    }
    specs.push_back({fields->get<std::vector<std::string>>(), row.int64(1) != 0});
  }
  return specs;
}

}  // namespace twin::warehouse
