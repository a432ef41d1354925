#include "twin/core/json.h"

#include <fmt/format.h>

namespace twin {

Status check_json_depth(std::string_view text, std::string_view what, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return Status::invalid_argument(
              fmt::format("{}: JSON nested deeper than {} levels", what, max_depth));
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return Status::ok();
}

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what, size_t max_depth) {
  TWIN_RETURN_IF_ERROR(check_json_depth(text, what, max_depth));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    // parse_error, or out_of_range for a number like 1e999. what() reads
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."; the bracketed id
    // means nothing to a user.
    std::string_view reason = error.what();
    if (const size_t end = reason.find("] "); reason.starts_with("[json.") && end != reason.npos) {
      reason.remove_prefix(end + 2);
    }
    return fail(Status::invalid_argument(fmt::format("{}: not valid JSON: {}", what, reason)));
  }
}

}  // namespace twin
