// MLflow's run search language: filter strings and order_by clauses.
//
// A filter is comparisons joined by AND (MLflow has no OR):
//   params.lr = '0.01' and metrics.loss < 0.5 and tags."mlflow.runName" LIKE 'bert%'
//   and attributes.status = 'FINISHED' and attributes.run_id IN ('ab12...', 'cd34...')
// Entities: params/param, metrics/metric, tags/tag, attributes/attribute/attr/run; a key may be
// bare, `backquoted` or "double quoted". Metrics compare numbers (=, !=, <, <=, >, >=); params,
// tags and string attributes compare strings (=, !=, LIKE, ILIKE, and IN / NOT IN for attributes);
// start_time/end_time attributes compare numbers. A run without the key never matches.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "twin/core/status.h"
#include "twin/tracking/types.h"

namespace twin::tracking {

enum class FilterEntity { kParam, kMetric, kTag, kAttribute };

struct FilterClause {
  FilterEntity entity = FilterEntity::kAttribute;
  std::string key;
  std::string op;  // upper case: "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"
  std::variant<std::string, double, std::vector<std::string>> value;
};

class RunFilter {
 public:
  // An empty or blank string matches every run. Syntax errors are kInvalidArgument naming the
  // column ("filter: column 14: expected a comparison operator after 'params.lr'").
  static Result<RunFilter> parse(std::string_view text);

  bool matches(const Run& run) const;
  const std::vector<FilterClause>& clauses() const { return clauses_; }

 private:
  std::vector<FilterClause> clauses_;
};

// One order_by entry: "metrics.loss DESC", "attributes.start_time", "params.lr ASC".
struct RunOrder {
  FilterEntity entity = FilterEntity::kAttribute;
  std::string key;
  bool ascending = true;
  static Result<RunOrder> parse(std::string_view text);
};

// Sorts runs by the given orders, then by start time (newest first) and run id, as MLflow does.
// Runs missing an ordered key sort last.
void sort_runs(std::vector<Run>& runs, const std::vector<RunOrder>& orders);

// SQL LIKE matching ('%' any run, '_' one character); case-insensitive when `ignore_case`.
bool like_match(std::string_view text, std::string_view pattern, bool ignore_case);

}  // namespace twin::tracking
