// JSON reading with a nesting limit: every JSON text twin reads from a user, a file, a request or
// a store goes through parse_json.
//
// nlohmann's parser is iterative, but dump(), comparisons, conversions and twin's own walks over a
// value (filters, previews, documents) recurse once per level, so a 100 KB text nesting an array
// 60k deep overflows the stack. parse_json refuses such text with a linear scan before anything
// recursive touches it.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "twin/core/status.h"

namespace twin {

// Deepest nesting of arrays and objects twin accepts in a JSON text (and in YAML converted to
// JSON). Real documents, filters and configs stay far below it.
inline constexpr size_t kMaxJsonDepth = 256;

// kInvalidArgument "<what>: JSON nested deeper than N levels" when arrays and objects in `text`
// nest deeper than max_depth; ok otherwise (also for text that is not JSON: parsing reports that).
// One pass, no allocation; brackets inside strings do not count.
Status check_json_depth(std::string_view text, std::string_view what,
                        size_t max_depth = kMaxJsonDepth);

// Parses JSON text nesting at most max_depth deep. Errors are kInvalidArgument naming `what`:
// "<what>: JSON nested deeper than N levels" or "<what>: not valid JSON: <where and why>".
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what,
                                  size_t max_depth = kMaxJsonDepth);

}  // namespace twin
