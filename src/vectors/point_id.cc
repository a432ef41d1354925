#include "twin/vectors/point_id.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace twin::vectors {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void erase_all(std::string& text, std::string_view what) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what)) {
    text.erase(at, what.size());
  }
}

}  // namespace

// The same normalisation as Python's uuid.UUID(hex): "urn:" and "uuid:" dropped, braces
// stripped from both ends, hyphens anywhere removed, then exactly 32 hex digits.
Result<std::string> canonical_uuid(std::string_view text) {
  std::string hex(text);
  erase_all(hex, "urn:");
  erase_all(hex, "uuid:");
  const size_t first = hex.find_first_not_of("{}");
  const size_t last = hex.find_last_not_of("{}");
  hex = first == std::string::npos ? std::string() : hex.substr(first, last - first + 1);
  erase_all(hex, "-");
  const bool valid = hex.size() == 32 && std::all_of(hex.begin(), hex.end(), [](char c) {
                       return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                     });
  if (!valid) {
    return fail(Status::invalid_argument(
        fmt::format("point id '{}' is neither an unsigned integer nor a UUID", text)));
  }
  std::transform(hex.begin(), hex.end(), hex.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

Result<PointId> PointId::from_json(const nlohmann::json& value) {
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    return PointId(value.get<std::uint64_t>());
  }
  if (value.is_number_integer()) {
    return fail(Status::invalid_argument(
        fmt::format("point id {}: an integer id must not be negative", value.dump())));
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (all_digits(text)) {
      return fail(Status::invalid_argument(fmt::format(
          "point id \"{}\": a string id must be a UUID; write an integer id as a JSON number",
          text)));
    }
    PointId id;
    TWIN_ASSIGN_OR_RETURN(id.uuid_, canonical_uuid(text));
    return id;
  }
  return fail(Status::invalid_argument(
      fmt::format("point id {}: must be an unsigned integer or a UUID string", value.dump())));
}

Result<PointId> PointId::parse(std::string_view text) {
  if (all_digits(text)) {
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || end != text.data() + text.size()) {
      return fail(Status::invalid_argument(
          fmt::format("point id '{}' does not fit in an unsigned 64-bit integer", text)));
    }
    return PointId(number);
  }
  PointId id;
  TWIN_ASSIGN_OR_RETURN(id.uuid_, canonical_uuid(text));
  return id;
}

nlohmann::json PointId::to_json() const {
  if (is_number()) return number_;
  return uuid_;
}

std::string PointId::to_string() const { return is_number() ? std::to_string(number_) : uuid_; }

std::strong_ordering operator<=>(const PointId& a, const PointId& b) {
  if (a.is_number() != b.is_number()) {
    return a.is_number() ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  if (a.is_number()) return a.number_ <=> b.number_;
  return a.uuid_.compare(b.uuid_) <=> 0;
}

}  // namespace twin::vectors
