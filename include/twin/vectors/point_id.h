// A point's id, as Qdrant has them: an unsigned 64-bit integer or a UUID. UUIDs are kept in
// canonical form (lower-case, hyphenated), whatever form they were given in ("simple" 32 hex
// digits, upper case, braces or urn:uuid: prefix).
//
// Ids order integers first (ascending), then UUIDs (by canonical text), which is the order in
// which scroll pages through a collection.
#pragma once

#include <compare>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "twin/core/status.h"

namespace twin::vectors {

class PointId {
 public:
  PointId() = default;
  explicit PointId(std::uint64_t number) : number_(number) {}

  // A JSON number (a non-negative integer) or string (a UUID; also a string of decimal digits,
  // which Qdrant refuses and so do we: kInvalidArgument naming the value).
  static Result<PointId> from_json(const nlohmann::json& value);
  // Text as typed on a command line: decimal digits are an integer id, anything else a UUID.
  static Result<PointId> parse(std::string_view text);

  bool is_number() const { return uuid_.empty(); }
  std::uint64_t number() const { return number_; }
  const std::string& uuid() const { return uuid_; }  // empty for numbers

  nlohmann::json to_json() const;
  std::string to_string() const;  // the number in decimal, or the UUID

  friend std::strong_ordering operator<=>(const PointId& a, const PointId& b);
  friend bool operator==(const PointId& a, const PointId& b) = default;

 private:
  std::uint64_t number_ = 0;
  std::string uuid_;
};

// Canonical form of a UUID in any of the forms Python's uuid.UUID() accepts, or kInvalidArgument.
Result<std::string> canonical_uuid(std::string_view text);

}  // namespace twin::vectors
