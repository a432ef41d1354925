// Qdrant's filter language, parsed once and evaluated against points.
//
//   {"must": [C...], "should": [C...], "must_not": [C...], "min_should": {"conditions": [C...],
//    "min_count": N}}
// where a condition C is a nested filter or one of
//   {"key": K, "match": {"value": V}}           keyword, integer or bool equality
//   {"key": K, "match": {"any": [V...]}}        one of; {"except": [V...]}: none of
//   {"key": K, "match": {"text": S}}            the string contains S
//   {"key": K, "range": {"gt"|"gte"|"lt"|"lte": number}}
//   {"key": K, "values_count": {"gt"|"gte"|"lt"|"lte": n}}
//   {"is_empty": {"key": K}}                    missing, null or []
//   {"is_null": {"key": K}}                     explicitly null
//   {"has_id": [id...]}
//   {"nested": {"key": K, "filter": F}}         F must hold for one element of the array at K
// Keys are dotted paths ("a.b"); "a[].b" and plain "a.b" both reach into arrays, and a condition
// on a path holding several values matches when any value does, as in Qdrant. `should` holds when
// one of its conditions does (or it is empty), as Qdrant defines it.
//
// A malformed filter is kInvalidArgument naming the offending part ("filter.must[1].range: ...").
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"
#include "twin/vectors/point_id.h"

namespace twin::vectors {

class Filter {
 public:
  struct Node;  // the parsed tree (src/vectors/filter.cc)

  Filter();
  ~Filter();
  Filter(const Filter& other);
  Filter& operator=(const Filter& other);
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  static Result<Filter> from_json(const nlohmann::json& json);
  // The filter as Qdrant's JSON (what from_json was given, normalised).
  const nlohmann::json& to_json() const;

  bool matches(const PointId& id, const nlohmann::json& payload) const;

  // The ids a filter limits its points to, when it is a top-level must of has_id: lets a backend
  // look them up instead of scanning. nullopt otherwise.
  std::optional<std::vector<PointId>> required_ids() const;

  // The top-level `must` conditions that match a key against listed values (match value or
  // any): a point passes the filter only if a value at `key` equals one of `values`, so a backend
  // with a payload index on `key` can look the candidates up instead of scanning.
  struct RequiredMatch {
    std::string key;                     // dotted path, "[]" removed
    std::vector<nlohmann::json> values;  // strings, integers or booleans
  };
  std::vector<RequiredMatch> required_matches() const;

 private:
  nlohmann::json json_;
  std::unique_ptr<Node> root_;
};

// The values at a dotted `key` of `payload`, arrays flattened, as conditions see them.
std::vector<const nlohmann::json*> payload_values(const nlohmann::json& payload,
                                                  std::string_view key);

}  // namespace twin::vectors
