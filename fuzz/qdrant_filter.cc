// Qdrant filters (points/search, scroll, count, delete over the REST API and `twin vectors`):
// JSON text parsed into a filter and evaluated against sample points.
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "twin/core/json.h"
#include "twin/vectors/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const nlohmann::json payload = nlohmann::json::parse(
      R"({"author_id": "a1", "platform": "medium", "views": 12, "tags": ["x", "y"],
          "nested": [{"k": 1}, {"k": "two", "deep": {"z": null}}], "empty": []})");
  const auto json = twin::parse_json(twin::fuzz::as_text(data, size), "filter");
  if (!json) return 0;
  const auto filter = twin::vectors::Filter::from_json(*json);
  if (!filter) return 0;
  (void)filter->matches(twin::vectors::PointId(std::uint64_t{7}), payload);
  (void)filter->required_ids();
  (void)filter->required_matches();
  (void)filter->to_json().dump();
  return 0;
}
