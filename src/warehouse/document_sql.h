// Internals of warehouse/: the SQL each dialect needs for document tables, and the filter
// compiler that turns a MongoDB-style filter into a WHERE clause through it. Field paths and
// collection names are validated before they are inlined (expression indexes only match inlined
// text); values are always bound.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "twin/db/database.h"
#include "twin/warehouse/warehouse.h"

namespace twin::warehouse {

// A field path: "_id", "link" or "content.Title" split into segments.
struct FieldPath {
  std::vector<std::string> segments;
  bool is_id() const { return segments.size() == 1 && segments[0] == "_id"; }
  std::string dotted() const;
};

// kInvalidArgument naming `path` unless every segment is [A-Za-z0-9_-]+.
Result<FieldPath> parse_field_path(std::string_view path);

// Part of an SQL statement and the values its placeholders take, in order.
struct SqlFragment {
  std::string sql;
  db::Params params;
};

class DocumentSql {
 public:
  virtual ~DocumentSql() = default;
  static std::unique_ptr<DocumentSql> for_dialect(db::Dialect dialect);

  virtual std::string create_table(std::string_view table) const = 0;
  // The placeholder for a JSON body given as text.
  virtual std::string_view body_placeholder() const = 0;
  // A field's value, SQL NULL when missing or JSON null; also what indexes are built on.
  virtual std::string field(const FieldPath& path) const = 0;
  // A field's value as JSON text (for grouping), NULL when missing.
  virtual std::string field_json(const FieldPath& path) const = 0;
  virtual std::string exists(const FieldPath& path) const = 0;
  // The field equals `value` (not null), with JSON's types kept apart.
  virtual SqlFragment equals(const FieldPath& path, const nlohmann::json& value) const = 0;
  // `op` is one of < <= > >=; `value` a number or a string.
  virtual SqlFragment compare(const FieldPath& path, std::string_view op,
                              const nlohmann::json& value) const = 0;
  virtual std::string limit_clause(std::int64_t limit, std::int64_t skip) const = 0;
  virtual std::string list_collection_tables() const = 0;
};

// Compiles `filter` into a boolean SQL expression (never NULL). kInvalidArgument naming the
// operator or field for anything outside the supported subset.
Result<SqlFragment> compile_filter(const DocumentSql& sql, const nlohmann::json& filter);

// Double-quoted SQL identifier.
std::string quoted_identifier(std::string_view name);

}  // namespace twin::warehouse
