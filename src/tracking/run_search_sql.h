// MLflow's run search (RunFilter, RunOrder) as SQL over tracking_runs AS r, with bound
// parameters, for SQLite and PostgreSQL. Semantics are RunFilter::matches and sort_runs (the
// reference the tests compare against):
// - a run without the compared param, tag or metric never matches (EXISTS over its table);
//   metrics compare the latest value (tracking_latest_metrics);
// - LIKE is case-sensitive and ILIKE is not, with '%' and '_' as the only special characters
//   (SQLite: GLOB for LIKE, since SQLite's LIKE ignores ASCII case; PostgreSQL: ESCAPE '');
// - strings sort bytewise (PostgreSQL: COLLATE "C"), and runs missing an ordered key sort last
//   in either direction; ties go to the newest start_time, then run_id.
#pragma once

#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/tracking/run_filter.h"

namespace twin::tracking {

struct RunSearchSql {
  std::string where;  // "TRUE"-like "1 = 1" when the filter is empty
  db::Params where_params;
  std::string order_by;  // without the ORDER BY keyword; always ends with the tie-breakers
  db::Params order_params;
};

RunSearchSql run_search_sql(const RunFilter& filter, const std::vector<RunOrder>& orders,
                            db::Dialect dialect);

}  // namespace twin::tracking
