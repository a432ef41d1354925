// The warehouse's MongoDB-style filters (`twin warehouse find --filter`, the server's warehouse
// routes): JSON text compiled to SQL for both dialects.
#include "fuzz_input.h"
#include "twin/core/json.h"
#include "warehouse/document_sql.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto sqlite = twin::warehouse::DocumentSql::for_dialect(twin::db::Dialect::kSqlite);
  static const auto postgres =
      twin::warehouse::DocumentSql::for_dialect(twin::db::Dialect::kPostgresql);
  const auto filter = twin::parse_json(twin::fuzz::as_text(data, size), "filter");
  if (!filter) return 0;
  (void)twin::warehouse::compile_filter(*sqlite, *filter);
  (void)twin::warehouse::compile_filter(*postgres, *filter);
  return 0;
}
