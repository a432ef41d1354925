#include "document_sql.h"

#include <fmt/format.h>

#include <algorithm>

namespace twin::warehouse {

std::string FieldPath::dotted() const { return fmt::format("{}", fmt::join(segments, ".")); }

Result<FieldPath> parse_field_path(std::string_view path) {
  FieldPath parsed;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string_view segment =
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const bool valid = !segment.empty() && std::ranges::all_of(segment, [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (!valid) {
      return fail(Status::invalid_argument(fmt::format(
          "field path '{}': each dot-separated name must be letters, digits, '_' or '-'", path)));
    }
    parsed.segments.emplace_back(segment);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parsed.segments.size() > 1 && parsed.segments[0] == "_id") {
    return fail(Status::invalid_argument(fmt::format("field path '{}': _id has no fields", path)));
  }
  return parsed;
}

std::string quoted_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

namespace {

// Binds a JSON scalar with its own SQL type.
db::Value scalar_value(const nlohmann::json& value) {
  if (value.is_number_integer()) return {value.get<std::int64_t>()};
  if (value.is_number()) return {value.get<double>()};
  if (value.is_string()) return {value.get<std::string>()};
  return {value.dump()};
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class SqliteDocumentSql final : public DocumentSql {
 public:
  std::string create_table(std::string_view table) const override {
    return fmt::format(
        "CREATE TABLE IF NOT EXISTS {} (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
        "body TEXT NOT NULL, run_id TEXT, step_run_id TEXT)",
        quoted_identifier(table));
  }
  std::string_view body_placeholder() const override { return "?"; }
  std::string field(const FieldPath& path) const override {
    if (path.is_id()) return "id";
    return fmt::format("json_extract(body, '{}')", json_path(path));
  }
  std::string field_json(const FieldPath& path) const override {
    if (path.is_id()) return "json_quote(id)";
    return fmt::format("(body -> '{}')", json_path(path));
  }
  std::string exists(const FieldPath& path) const override {
    if (path.is_id()) return "TRUE";
    return fmt::format("(json_type(body, '{}') IS NOT NULL)", json_path(path));
  }
  SqlFragment equals(const FieldPath& path, const nlohmann::json& value) const override {
    if (path.is_id()) {
      if (!value.is_string()) return {"FALSE", {}};
      return {"id = ?", {value.get<std::string>()}};
    }
    const std::string type = type_of(path);
    if (value.is_boolean()) {
      return {fmt::format("{} = '{}'", type, value.get<bool>() ? "true" : "false"), {}};
    }
    if (value.is_number()) {
      return {fmt::format("({} = ? AND {} IN ('integer', 'real'))", field(path), type),
              {scalar_value(value)}};
    }
    if (value.is_string()) {
      return {fmt::format("({} = ? AND {} = 'text')", field(path), type), {scalar_value(value)}};
    }
    return {fmt::format("({} = ? AND {} = '{}')", field(path), type,
                        value.is_object() ? "object" : "array"),
            {json_text(value)}};
  }
  SqlFragment compare(const FieldPath& path, std::string_view op,
                      const nlohmann::json& value) const override {
    if (path.is_id()) {
      if (!value.is_string()) return {"FALSE", {}};
      return {fmt::format("id {} ?", op), {value.get<std::string>()}};
    }
    const std::string_view kind = value.is_string() ? "= 'text'" : "IN ('integer', 'real')";
    return {fmt::format("({} {} ? AND {} {})", field(path), op, type_of(path), kind),
            {scalar_value(value)}};
  }
  std::string limit_clause(std::int64_t limit, std::int64_t skip) const override {
    if (limit <= 0 && skip <= 0) return "";
    return fmt::format(" LIMIT {} OFFSET {}", limit > 0 ? limit : -1,
                       std::max<std::int64_t>(0, skip));
  }
  std::string list_collection_tables() const override {
    return "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'wh\\_%' ESCAPE '\\' "
           "ORDER BY name";
  }

 private:
  static std::string json_path(const FieldPath& path) {
    return fmt::format("$.{}", fmt::join(path.segments, "."));
  }
  static std::string type_of(const FieldPath& path) {
    return fmt::format("json_type(body, '{}')", json_path(path));
  }
};

class PostgresqlDocumentSql final : public DocumentSql {
 public:
  std::string create_table(std::string_view table) const override {
    return fmt::format(
        "CREATE TABLE IF NOT EXISTS {} (seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "id TEXT NOT NULL UNIQUE, body JSONB NOT NULL, run_id TEXT, step_run_id TEXT)",
        quoted_identifier(table));
  }
  std::string_view body_placeholder() const override { return "CAST(? AS JSONB)"; }
  std::string field(const FieldPath& path) const override {
    if (path.is_id()) return "id";
    return fmt::format("NULLIF({}, 'null'::jsonb)", raw(path));
  }
  std::string field_json(const FieldPath& path) const override {
    if (path.is_id()) return "to_jsonb(id)";
    return raw(path);
  }
  std::string exists(const FieldPath& path) const override {
    if (path.is_id()) return "TRUE";
    return fmt::format("({} IS NOT NULL)", raw(path));
  }
  SqlFragment equals(const FieldPath& path, const nlohmann::json& value) const override {
    if (path.is_id()) {
      if (!value.is_string()) return {"FALSE", {}};
      return {"id = ?", {value.get<std::string>()}};
    }
    return {fmt::format("{} = CAST(? AS JSONB)", field(path)), {json_text(value)}};
  }
  SqlFragment compare(const FieldPath& path, std::string_view op,
                      const nlohmann::json& value) const override {
    if (path.is_id()) {
      if (!value.is_string()) return {"FALSE", {}};
      return {fmt::format("id COLLATE \"C\" {} ?", op), {value.get<std::string>()}};
    }
    if (value.is_string()) {
      return {fmt::format("(jsonb_typeof({0}) = 'string' AND ({1}) COLLATE \"C\" {2} ?)", raw(path),
                          text(path), op),
              {value.get<std::string>()}};
    }
    return {fmt::format("(jsonb_typeof({0}) = 'number' AND {1} {2} CAST(? AS JSONB))", raw(path),
                        field(path), op),
            {json_text(value)}};
  }
  std::string limit_clause(std::int64_t limit, std::int64_t skip) const override {
    std::string clause;
    if (limit > 0) clause += fmt::format(" LIMIT {}", limit);
    if (skip > 0) clause += fmt::format(" OFFSET {}", skip);
    return clause;
  }
  std::string list_collection_tables() const override {
    return "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND "
           "tablename LIKE 'wh\\_%' ORDER BY tablename";
  }

 private:
  static std::string pg_path(const FieldPath& path) {
    return fmt::format("'{{{}}}'", fmt::join(path.segments, ","));
  }
  static std::string raw(const FieldPath& path) {
    return fmt::format("(body #> {})", pg_path(path));
  }
  static std::string text(const FieldPath& path) {
    return fmt::format("(body #>> {})", pg_path(path));
  }
};

// ---- The filter compiler.

constexpr std::string_view kSupportedOperators =
    "$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or";

SqlFragment negate(SqlFragment fragment) {
  fragment.sql = fmt::format("NOT COALESCE(({}), FALSE)", fragment.sql);
  return fragment;
}

SqlFragment join_fragments(std::vector<SqlFragment> parts, std::string_view separator,
                           std::string_view when_empty) {
  if (parts.empty()) return {std::string(when_empty), {}};
  SqlFragment joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined.sql += separator;
    joined.sql += "(" + parts[i].sql + ")";
    for (auto& param : parts[i].params) joined.params.push_back(std::move(param));
  }
  return joined;
}

constexpr size_t kMaxFilterTerms = 250;

class FilterCompiler {
 public:
  explicit FilterCompiler(const DocumentSql& sql) : sql_(sql) {}

  Result<SqlFragment> document(const nlohmann::json& filter) {
    if (!filter.is_object()) {
      return fail(Status::invalid_argument(
          fmt::format("filter must be a JSON object, not {}", filter.type_name())));
    }
    TWIN_RETURN_IF_ERROR(count_terms(1));
    std::vector<SqlFragment> parts;
    for (const auto& [key, value] : filter.items()) {
      TWIN_ASSIGN_OR_RETURN(auto part,
                            key.starts_with('$') ? logical(key, value) : field(key, value));
      parts.push_back(std::move(part));
    }
    return join_fragments(std::move(parts), " AND ", "TRUE");
  }

 private:
  Result<SqlFragment> logical(const std::string& op, const nlohmann::json& value) {
    if (op != "$and" && op != "$or") {
      return fail(unsupported(op, "at the top of a filter"));
    }
    if (!value.is_array() || value.empty()) {
      return fail(Status::invalid_argument(
          fmt::format("filter operator {} needs a non-empty array of filters", op)));
    }
    std::vector<SqlFragment> parts;
    for (const auto& sub : value) {
      TWIN_ASSIGN_OR_RETURN(auto part, document(sub));
      parts.push_back(std::move(part));
    }
    return join_fragments(std::move(parts), op == "$and" ? " AND " : " OR ", "TRUE");
  }

  // SQL engines bound how deep an expression nests (SQLite: 1000) and how many parameters a
  // statement binds; a filter stays far below both by having at most kMaxFilterTerms objects,
  // fields and $in/$nin values in all.
  Status count_terms(size_t n) {
    terms_ += n;
    if (terms_ <= kMaxFilterTerms) return Status::ok();
    return Status::invalid_argument(fmt::format(
        "filter is too large: at most {} fields, sub-filters and $in/$nin values in all",
        kMaxFilterTerms));
  }

  static bool is_operator_object(const nlohmann::json& value) {
    return value.is_object() && !value.empty() && value.begin().key().starts_with('$');
  }

  Result<SqlFragment> field(const std::string& key, const nlohmann::json& value) {
    TWIN_RETURN_IF_ERROR(count_terms(1));
    TWIN_ASSIGN_OR_RETURN(FieldPath path, parse_field_path(key));
    if (!is_operator_object(value)) return equality(path, value);
    std::vector<SqlFragment> parts;
    for (const auto& [op, operand] : value.items()) {
      if (!op.starts_with('$')) {
        return fail(Status::invalid_argument(fmt::format(
            "filter on '{}' mixes operators and fields ('{}'): use one or the other", key, op)));
      }
      TWIN_ASSIGN_OR_RETURN(auto part, field_operator(path, op, operand));
      parts.push_back(std::move(part));
    }
    return join_fragments(std::move(parts), " AND ", "TRUE");
  }

  SqlFragment equality(const FieldPath& path, const nlohmann::json& value) {
    if (value.is_null()) return {fmt::format("{} IS NULL", sql_.field(path)), {}};
    // Left bare (NULL counts as false in WHERE) so that an expression index can serve it;
    // negate() adds the COALESCE that NOT needs.
    return sql_.equals(path, value);
  }

  Result<SqlFragment> field_operator(const FieldPath& path, const std::string& op,
                                     const nlohmann::json& operand) {
    if (op == "$eq") return equality(path, operand);
    if (op == "$ne") return negate(equality(path, operand));
    if (op == "$in" || op == "$nin") {
      if (!operand.is_array()) {
        return fail(Status::invalid_argument(
            fmt::format("filter operator {} on '{}' needs an array", op, path.dotted())));
      }
      TWIN_RETURN_IF_ERROR(count_terms(operand.size()));
      std::vector<SqlFragment> parts;
      for (const auto& item : operand) parts.push_back(equality(path, item));
      SqlFragment any = join_fragments(std::move(parts), " OR ", "FALSE");
      return op == "$in" ? any : negate(std::move(any));
    }
    if (op == "$exists") {
      if (!operand.is_boolean() && !operand.is_number()) {
        return fail(Status::invalid_argument(
            fmt::format("filter operator $exists on '{}' needs true or false", path.dotted())));
      }
      const bool wanted = operand.is_boolean() ? operand.get<bool>() : operand != 0;
      SqlFragment exists{sql_.exists(path), {}};
      return wanted ? exists : negate(std::move(exists));
    }
    static const std::vector<std::pair<std::string_view, std::string_view>> kComparisons = {
        {"$gt", ">"}, {"$gte", ">="}, {"$lt", "<"}, {"$lte", "<="}};
    for (const auto& [name, sql_op] : kComparisons) {
      if (op != name) continue;
      if (!operand.is_number() && !operand.is_string()) {
        return fail(Status::invalid_argument(
            fmt::format("filter operator {} on '{}' needs a number or a string, not {}", op,
                        path.dotted(), operand.type_name())));
      }
      return sql_.compare(path, sql_op, operand);
    }
    return fail(unsupported(op, fmt::format("on '{}'", path.dotted())));
  }

  static Status unsupported(std::string_view op, std::string_view where) {
    return Status::invalid_argument(fmt::format(
        "unsupported filter operator '{}' {} (supported: {})", op, where, kSupportedOperators));
  }

  const DocumentSql& sql_;
  size_t terms_ = 0;
};

}  // namespace

std::unique_ptr<DocumentSql> DocumentSql::for_dialect(db::Dialect dialect) {
  if (dialect == db::Dialect::kSqlite) return std::make_unique<SqliteDocumentSql>();
  return std::make_unique<PostgresqlDocumentSql>();
}

Result<SqlFragment> compile_filter(const DocumentSql& sql, const nlohmann::json& filter) {
  return FilterCompiler(sql).document(filter);
}

}  // namespace twin::warehouse
