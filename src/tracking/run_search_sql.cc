#include "run_search_sql.h"

#include <fmt/format.h>

namespace twin::tracking {
namespace {

// What differs between the two engines, in one place.
struct DialectSql {
  // A case-sensitive LIKE of `column` against one bound pattern (the pattern as the user wrote
  // it goes through `pattern()`).
  std::string like;
  std::string ilike;
  std::string string_collation;  // appended to string sort keys
  bool glob_patterns;            // the LIKE pattern must be rewritten as a GLOB pattern
};

DialectSql dialect_sql(db::Dialect dialect) {
  if (dialect == db::Dialect::kPostgresql) {
    return {"{} LIKE ? ESCAPE ''", "{} ILIKE ? ESCAPE ''", " COLLATE \"C\"", false};
  }
  return {"{} GLOB ?", "LOWER({}) LIKE LOWER(?)", "", true};
}

// '%' -> '*', '_' -> '?', and GLOB's own special characters made literal.
std::string like_to_glob(const std::string& pattern) {
  std::string out;
  for (char c : pattern) {
    switch (c) {
      case '%':
        out += '*';
        break;
      case '_':
        out += '?';
        break;
      case '*':
        out += "[*]";
        break;
      case '?':
        out += "[?]";
        break;
      case '[':
        out += "[[]";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The column of a string attribute; empty for an attribute a run does not have.
std::string string_attribute_column(const std::string& key) {
  if (key == "run_name") return "r.run_name";
  if (key == "run_id") return "r.run_id";
  if (key == "status") return "r.status";
  if (key == "user_id") return "r.user_id";
  if (key == "artifact_uri") return "r.artifact_uri";
  if (key == "experiment_id") return "CAST(r.experiment_id AS TEXT)";
  if (key == "lifecycle_stage") return "r.lifecycle_stage";
  return "";
}

std::string numeric_attribute_column(const std::string& key) {
  if (key == "start_time") return "r.start_time";
  if (key == "end_time") return "r.end_time";
  return "";
}

bool is_numeric(const FilterClause& c) { return std::holds_alternative<double>(c.value); }

// `column <op> value` for one clause, appending its parameters.
std::string comparison(const std::string& column, const FilterClause& clause,
                       const DialectSql& dialect, db::Params& params) {
  if (const auto* number = std::get_if<double>(&clause.value)) {
    params.emplace_back(*number);
    return fmt::format("{} {} CAST(? AS DOUBLE PRECISION)", column, clause.op);
  }
  if (const auto* list = std::get_if<std::vector<std::string>>(&clause.value)) {
    std::string placeholders;
    for (const std::string& item : *list) {
      placeholders += placeholders.empty() ? "?" : ", ?";
      params.emplace_back(item);
    }
    return fmt::format("{} {} ({})", column, clause.op, placeholders);
  }
  const auto& text = std::get<std::string>(clause.value);
  if (clause.op == "LIKE") {
    params.emplace_back(dialect.glob_patterns ? like_to_glob(text) : text);
    return fmt::format(fmt::runtime(dialect.like), column);
  }
  if (clause.op == "ILIKE") {
    params.emplace_back(text);
    return fmt::format(fmt::runtime(dialect.ilike), column);
  }
  params.emplace_back(text);
  return fmt::format("{} {} ?", column, clause.op);
}

// EXISTS over a per-run key/value table.
std::string exists_in(std::string_view table, const FilterClause& clause, const DialectSql& dialect,
                      db::Params& params) {
  params.emplace_back(clause.key);
  const std::string compared = comparison("x.value", clause, dialect, params);
  return fmt::format("EXISTS (SELECT 1 FROM {} x WHERE x.run_id = r.run_id AND x.key = ? AND {})",
                     table, compared);
}

std::string condition(const FilterClause& clause, const DialectSql& dialect, db::Params& params) {
  switch (clause.entity) {
    case FilterEntity::kParam:
      return exists_in("tracking_params", clause, dialect, params);
    case FilterEntity::kMetric:
      return exists_in("tracking_latest_metrics", clause, dialect, params);
    case FilterEntity::kTag:
      // The run name lives in the run row (and its tag), as RunFilter reads it.
      if (clause.key == "mlflow.runName") return comparison("r.run_name", clause, dialect, params);
      return exists_in("tracking_tags", clause, dialect, params);
    case FilterEntity::kAttribute: {
      const std::string column = is_numeric(clause) ? numeric_attribute_column(clause.key)
                                                    : string_attribute_column(clause.key);
      if (column.empty()) return "1 = 0";  // no run has it
      return comparison(column, clause, dialect, params);
    }
  }
  return "1 = 0";
}

bool numeric_order(const RunOrder& order) {
  return order.entity == FilterEntity::kMetric ||
         (order.entity == FilterEntity::kAttribute &&
          (order.key == "start_time" || order.key == "end_time"));
}

// The sort key of one order, appending its parameters (it may be read twice, see below).
std::string order_key(const RunOrder& order, db::Params& params) {
  const auto lookup = [&](std::string_view table) {
    params.emplace_back(order.key);
    return fmt::format("(SELECT x.value FROM {} x WHERE x.run_id = r.run_id AND x.key = ?)", table);
  };
  switch (order.entity) {
    case FilterEntity::kParam:
      return lookup("tracking_params");
    case FilterEntity::kMetric:
      return lookup("tracking_latest_metrics");
    case FilterEntity::kTag:
      if (order.key == "mlflow.runName") return "r.run_name";
      return lookup("tracking_tags");
    case FilterEntity::kAttribute: {
      const std::string column = numeric_order(order) ? numeric_attribute_column(order.key)
                                                      : string_attribute_column(order.key);
      return column.empty() ? "NULL" : column;
    }
  }
  return "NULL";
}

}  // namespace

RunSearchSql run_search_sql(const RunFilter& filter, const std::vector<RunOrder>& orders,
                            db::Dialect dialect) {
  const DialectSql sql = dialect_sql(dialect);
  RunSearchSql out;
  for (const FilterClause& clause : filter.clauses()) {
    if (!out.where.empty()) out.where += " AND ";
    out.where += condition(clause, sql, out.where_params);
  }
  if (out.where.empty()) out.where = "1 = 1";
  for (const RunOrder& order : orders) {
    // Missing values last in both directions: order by "is missing" first. The key expression
    // appears twice, so its parameters are bound twice.
    const std::string missing = order_key(order, out.order_params);
    const std::string key = order_key(order, out.order_params);
    const std::string collation = numeric_order(order) ? "" : sql.string_collation;
    out.order_by += fmt::format("CASE WHEN {} IS NULL THEN 1 ELSE 0 END, {}{} {}, ", missing, key,
                                collation, order.ascending ? "ASC" : "DESC");
  }
  out.order_by += "r.start_time DESC, r.run_id" + sql.string_collation + " ASC";
  return out;
}

}  // namespace twin::tracking
