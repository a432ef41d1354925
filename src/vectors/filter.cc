#include "twin/vectors/filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace twin::vectors {

// One node of the parsed filter: a filter (must / should / must_not / min_should) or a condition.
struct Filter::Node {
  enum class Kind {
    kFilter,
    kMatchValue,
    kMatchAny,
    kMatchExcept,
    kMatchText,
    kRange,
    kValuesCount,
    kIsEmpty,
    kIsNull,
    kHasId,
    kNested,
  };
  Kind kind = Kind::kFilter;

  // kFilter; kNested keeps its filter as must[0].
  std::vector<Node> must;
  std::vector<Node> should;
  std::vector<Node> must_not;
  std::vector<Node> min_should;
  std::size_t min_count = 0;

  // Conditions on a payload field.
  std::vector<std::string> path;
  std::string key;                     // path joined with '.'
  std::vector<nlohmann::json> values;  // kMatchValue (one), kMatchAny, kMatchExcept
  std::string text;                    // kMatchText
  std::optional<double> gt, gte, lt, lte;
  std::vector<PointId> ids;  // kHasId, sorted
};

namespace {

using Node = Filter::Node;
using Kind = Filter::Node::Kind;

Status error_at(std::string_view where, std::string_view what) {
  return Status::invalid_argument(fmt::format("{}: {}", where, what));
}

// "a.b[].c" -> {"a", "b", "c"}: arrays are reached into wherever they are met, so "[]" only
// documents the intent.
Result<std::vector<std::string>> parse_key(const nlohmann::json& key, std::string_view where) {
  if (!key.is_string() || key.get_ref<const std::string&>().empty()) {
    return fail(error_at(where, "key must be a non-empty string"));
  }
  const auto& text = key.get_ref<const std::string&>();
  std::vector<std::string> path;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    std::string segment =
        text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (segment.ends_with("[]")) segment.resize(segment.size() - 2);
    if (segment.empty()) {
      return fail(error_at(where, fmt::format("key '{}' has an empty segment", text)));
    }
    path.push_back(std::move(segment));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return path;
}

void collect(const nlohmann::json& node, const std::vector<std::string>& path, size_t depth,
             std::vector<const nlohmann::json*>& out) {
  if (node.is_array()) {
    for (const auto& element : node) {
      if (depth == path.size()) {
        out.push_back(&element);
      } else {
        collect(element, path, depth, out);
      }
    }
    return;
  }
  if (depth == path.size()) {
    out.push_back(&node);
    return;
  }
  if (!node.is_object()) return;
  const auto found = node.find(path[depth]);
  if (found != node.end()) collect(*found, path, depth + 1, out);
}

// The values at `path`, arrays flattened (a condition holds when one of them does).
std::vector<const nlohmann::json*> values_at(const nlohmann::json& payload,
                                             const std::vector<std::string>& path) {
  std::vector<const nlohmann::json*> out;
  if (payload.is_object()) {
    const auto found = payload.find(path[0]);
    if (found != payload.end()) collect(*found, path, 1, out);
  }
  return out;
}

bool same_value(const nlohmann::json& stored, const nlohmann::json& wanted) {
  if (wanted.is_string()) return stored.is_string() && stored == wanted;
  if (wanted.is_boolean()) return stored.is_boolean() && stored == wanted;
  if (!stored.is_number_integer()) return false;
  // Compare integers of either signedness without converting through double.
  if (stored.is_number_unsigned() != wanted.is_number_unsigned()) {
    const auto& signed_one = stored.is_number_unsigned() ? wanted : stored;
    const auto& unsigned_one = stored.is_number_unsigned() ? stored : wanted;
    const auto s = signed_one.get<std::int64_t>();
    return s >= 0 && static_cast<std::uint64_t>(s) == unsigned_one.get<std::uint64_t>();
  }
  return stored == wanted;
}

bool in_bounds(double value, const Node& node) {
  if (node.gt && !(value > *node.gt)) return false;
  if (node.gte && !(value >= *node.gte)) return false;
  if (node.lt && !(value < *node.lt)) return false;
  if (node.lte && !(value <= *node.lte)) return false;
  return true;
}

bool evaluate(const Node& node, const PointId& id, const nlohmann::json& payload);

bool evaluate_filter(const Node& node, const PointId& id, const nlohmann::json& payload) {
  for (const auto& condition : node.must) {
    if (!evaluate(condition, id, payload)) return false;
  }
  for (const auto& condition : node.must_not) {
    if (evaluate(condition, id, payload)) return false;
  }
  if (!node.should.empty() &&
      std::none_of(node.should.begin(), node.should.end(),
                   [&](const Node& condition) { return evaluate(condition, id, payload); })) {
    return false;
  }
  if (node.min_count > 0) {
    std::size_t matched = 0;
    for (const auto& condition : node.min_should) {
      if (evaluate(condition, id, payload) && ++matched >= node.min_count) break;
    }
    if (matched < node.min_count) return false;
  }
  return true;
}

bool evaluate(const Node& node, const PointId& id, const nlohmann::json& payload) {
  switch (node.kind) {
    case Kind::kFilter:
      return evaluate_filter(node, id, payload);
    case Kind::kHasId:
      return std::binary_search(node.ids.begin(), node.ids.end(), id);
    default:
      break;
  }
  const auto values = values_at(payload, node.path);
  const auto any_value = [&](auto&& predicate) {
    return std::any_of(values.begin(), values.end(),
                       [&](const nlohmann::json* value) { return predicate(*value); });
  };
  switch (node.kind) {
    case Kind::kMatchValue:
    case Kind::kMatchAny:
      return any_value([&](const nlohmann::json& value) {
        return std::any_of(node.values.begin(), node.values.end(),
                           [&](const nlohmann::json& wanted) { return same_value(value, wanted); });
      });
    case Kind::kMatchExcept:
      // A missing field has no value among the excluded ones, so it matches, as in Qdrant.
      if (std::all_of(values.begin(), values.end(),
                      [](const nlohmann::json* value) { return value->is_null(); })) {
        return true;
      }
      return any_value([&](const nlohmann::json& value) {
        return !value.is_null() && std::none_of(node.values.begin(), node.values.end(),
                                                [&](const nlohmann::json& wanted) {
                                                  return same_value(value, wanted);
                                                });
      });
    case Kind::kMatchText:
      return any_value([&](const nlohmann::json& value) {
        return value.is_string() &&
               value.get_ref<const std::string&>().find(node.text) != std::string::npos;
      });
    case Kind::kRange:
      return any_value([&](const nlohmann::json& value) {
        return value.is_number() && in_bounds(value.get<double>(), node);
      });
    case Kind::kValuesCount: {
      const auto count = static_cast<double>(
          std::count_if(values.begin(), values.end(),
                        [](const nlohmann::json* value) { return !value->is_null(); }));
      return in_bounds(count, node);
    }
    case Kind::kIsEmpty:
      return std::all_of(values.begin(), values.end(),
                         [](const nlohmann::json* value) { return value->is_null(); });
    case Kind::kIsNull:
      return any_value([](const nlohmann::json& value) { return value.is_null(); });
    case Kind::kNested:
      return any_value([&](const nlohmann::json& element) {
        return element.is_object() && evaluate_filter(node.must[0], id, element);
      });
    case Kind::kFilter:
    case Kind::kHasId:
      break;
  }
  return false;
}

// ---- parsing

bool is_count(const nlohmann::json& value) {
  return value.is_number_unsigned() ||
         (value.is_number_integer() && value.get<std::int64_t>() >= 0);
}

Result<Node> parse_filter(const nlohmann::json& json, const std::string& where,
                          nlohmann::json& normalised);

Status parse_bounds(const nlohmann::json& json, const std::string& where, bool counts, Node& node) {
  if (!json.is_object()) return error_at(where, "must be an object of gt, gte, lt, lte");
  for (const auto& [name, value] : json.items()) {
    std::optional<double>* bound = name == "gt"    ? &node.gt
                                   : name == "gte" ? &node.gte
                                   : name == "lt"  ? &node.lt
                                   : name == "lte" ? &node.lte
                                                   : nullptr;
    if (bound == nullptr) {
      return error_at(where, fmt::format("unknown bound '{}' (use gt, gte, lt, lte)", name));
    }
    if (value.is_null()) continue;
    if (value.is_string() && !counts) {
      return error_at(where + "." + name, "datetime ranges are not supported; give a number");
    }
    if (!value.is_number() || (counts && !is_count(value))) {
      return error_at(where + "." + name,
                      counts ? "must be a non-negative integer" : "must be a number");
    }
    const double number = value.get<double>();
    if (!std::isfinite(number)) return error_at(where + "." + name, "must be finite");
    *bound = number;
  }
  return Status::ok();
}

Status parse_match(const nlohmann::json& json, const std::string& where, Node& node) {
  if (!json.is_object() || json.size() != 1) {
    return error_at(where, "must be an object with one of value, any, except, text");
  }
  const std::string name = json.begin().key();
  const nlohmann::json& value = json.begin().value();
  const std::string here = where + "." + name;
  if (name == "value") {
    if (!value.is_string() && !value.is_number_integer() && !value.is_boolean()) {
      return error_at(here, "must be a string, an integer or a boolean");
    }
    node.kind = Kind::kMatchValue;
    node.values = {value};
    return Status::ok();
  }
  if (name == "any" || name == "except") {
    if (!value.is_array()) return error_at(here, "must be an array of strings or integers");
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string() && !value[i].is_number_integer()) {
        return error_at(fmt::format("{}[{}]", here, i), "must be a string or an integer");
      }
      node.values.push_back(value[i]);
    }
    node.kind = name == "any" ? Kind::kMatchAny : Kind::kMatchExcept;
    return Status::ok();
  }
  if (name == "text") {
    if (!value.is_string()) return error_at(here, "must be a string");
    node.kind = Kind::kMatchText;
    node.text = value.get<std::string>();
    return Status::ok();
  }
  return error_at(here, "unsupported match (use value, any, except or text)");
}

Result<Node> parse_field_condition(const nlohmann::json& json, const std::string& where) {
  Node node;
  TWIN_ASSIGN_OR_RETURN(node.path, parse_key(json["key"], where + ".key"));
  for (const auto& segment : node.path) node.key += (node.key.empty() ? "" : ".") + segment;
  int kinds = 0;
  for (const auto& [name, value] : json.items()) {
    if (name == "key" || value.is_null()) continue;
    const std::string here = where + "." + name;
    ++kinds;
    if (name == "match") {
      TWIN_RETURN_IF_ERROR(parse_match(value, here, node));
    } else if (name == "range") {
      node.kind = Kind::kRange;
      TWIN_RETURN_IF_ERROR(parse_bounds(value, here, /*counts=*/false, node));
    } else if (name == "values_count") {
      node.kind = Kind::kValuesCount;
      TWIN_RETURN_IF_ERROR(parse_bounds(value, here, /*counts=*/true, node));
    } else {
      return fail(error_at(here, "unsupported field condition (use match, range or values_count)"));
    }
  }
  if (kinds != 1) {
    return fail(error_at(where,
                         "a condition on a key needs exactly one of match, range, "
                         "values_count"));
  }
  return node;
}

Result<Node> parse_condition(const nlohmann::json& json, const std::string& where,
                             nlohmann::json& normalised) {
  if (!json.is_object()) {
    return fail(
        error_at(where, fmt::format("a condition must be an object, not {}", json.type_name())));
  }
  normalised = json;
  if (json.contains("key")) return parse_field_condition(json, where);
  if (json.size() == 1) {
    const std::string name = json.begin().key();
    const nlohmann::json& value = json.begin().value();
    const std::string here = where + "." + name;
    if (name == "is_empty" || name == "is_null") {
      if (!value.is_object() || !value.contains("key")) return fail(error_at(here, "needs a key"));
      Node node;
      node.kind = name == "is_empty" ? Kind::kIsEmpty : Kind::kIsNull;
      TWIN_ASSIGN_OR_RETURN(node.path, parse_key(value["key"], here + ".key"));
      return node;
    }
    if (name == "has_id") {
      if (!value.is_array()) return fail(error_at(here, "must be an array of point ids"));
      Node node;
      node.kind = Kind::kHasId;
      normalised[name] = nlohmann::json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        auto id = PointId::from_json(value[i]);
        if (!id) return fail(error_at(fmt::format("{}[{}]", here, i), id.error().message()));
        normalised[name].push_back(id->to_json());
        node.ids.push_back(std::move(*id));
      }
      std::sort(node.ids.begin(), node.ids.end());
      return node;
    }
    if (name == "nested") {
      if (!value.is_object() || !value.contains("key") || !value.contains("filter")) {
        return fail(error_at(here, "needs a key and a filter"));
      }
      Node node;
      node.kind = Kind::kNested;
      TWIN_ASSIGN_OR_RETURN(node.path, parse_key(value["key"], here + ".key"));
      TWIN_ASSIGN_OR_RETURN(
          auto inner, parse_filter(value["filter"], here + ".filter", normalised[name]["filter"]));
      node.must.push_back(std::move(inner));
      return node;
    }
    if (name == "has_vector" || name == "slice" || name.starts_with("geo_")) {
      return fail(error_at(here, "condition not supported"));
    }
  }
  bool is_filter = true;
  for (auto item = json.begin(); item != json.end(); ++item) {
    const auto& key = item.key();
    is_filter =
        is_filter && (key == "must" || key == "should" || key == "must_not" || key == "min_should");
  }
  if (!is_filter) {
    return fail(error_at(where, fmt::format("unknown condition {}", json.dump())));
  }
  return parse_filter(json, where, normalised);
}

Status parse_clause(const nlohmann::json& json, const std::string& where, std::vector<Node>& into,
                    nlohmann::json& normalised) {
  normalised = nlohmann::json::array();
  if (json.is_object()) {
    nlohmann::json one;
    TWIN_ASSIGN_OR_RETURN(auto node, parse_condition(json, where, one));
    into.push_back(std::move(node));
    normalised.push_back(std::move(one));
    return Status::ok();
  }
  if (!json.is_array()) return error_at(where, "must be a condition or an array of conditions");
  for (size_t i = 0; i < json.size(); ++i) {
    nlohmann::json one;
    TWIN_ASSIGN_OR_RETURN(auto node,
                          parse_condition(json[i], fmt::format("{}[{}]", where, i), one));
    into.push_back(std::move(node));
    normalised.push_back(std::move(one));
  }
  return Status::ok();
}

Result<Node> parse_filter(const nlohmann::json& json, const std::string& where,
                          nlohmann::json& normalised) {
  if (!json.is_object()) {
    return fail(
        error_at(where, fmt::format("a filter must be an object, not {}", json.type_name())));
  }
  Node node;
  normalised = nlohmann::json::object();
  for (const auto& [name, value] : json.items()) {
    const std::string here = where + "." + name;
    if (value.is_null()) continue;
    if (name == "must") {
      TWIN_RETURN_IF_ERROR(parse_clause(value, here, node.must, normalised[name]));
    } else if (name == "should") {
      TWIN_RETURN_IF_ERROR(parse_clause(value, here, node.should, normalised[name]));
    } else if (name == "must_not") {
      TWIN_RETURN_IF_ERROR(parse_clause(value, here, node.must_not, normalised[name]));
    } else if (name == "min_should") {
      if (!value.is_object() || !value.contains("conditions") || !value.contains("min_count")) {
        return fail(error_at(here, "needs conditions and min_count"));
      }
      if (!is_count(value["min_count"]) || value["min_count"].get<std::size_t>() == 0) {
        return fail(error_at(here + ".min_count", "must be a positive integer"));
      }
      node.min_count = value["min_count"].get<std::size_t>();
      normalised[name]["min_count"] = node.min_count;
      TWIN_RETURN_IF_ERROR(parse_clause(value["conditions"], here + ".conditions", node.min_should,
                                        normalised[name]["conditions"]));
    } else {
      return fail(error_at(here, "unknown clause (use must, should, must_not, min_should)"));
    }
  }
  return node;
}

}  // namespace

Filter::Filter() : json_(nlohmann::json::object()), root_(std::make_unique<Node>()) {}
Filter::~Filter() = default;
Filter::Filter(const Filter& other)
    : json_(other.json_), root_(std::make_unique<Node>(*other.root_)) {}
Filter& Filter::operator=(const Filter& other) {
  if (this != &other) {
    json_ = other.json_;
    root_ = std::make_unique<Node>(*other.root_);
  }
  return *this;
}
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Result<Filter> Filter::from_json(const nlohmann::json& json) {
  Filter filter;
  TWIN_ASSIGN_OR_RETURN(*filter.root_, parse_filter(json, "filter", filter.json_));
  return filter;
}

const nlohmann::json& Filter::to_json() const { return json_; }

bool Filter::matches(const PointId& id, const nlohmann::json& payload) const {
  return root_ == nullptr || evaluate_filter(*root_, id, payload);
}

std::vector<Filter::RequiredMatch> Filter::required_matches() const {
  std::vector<RequiredMatch> matches;
  if (root_ == nullptr) return matches;
  for (const auto& condition : root_->must) {
    if (condition.kind == Kind::kMatchValue || condition.kind == Kind::kMatchAny) {
      matches.push_back({condition.key, condition.values});
    }
  }
  return matches;
}

std::vector<const nlohmann::json*> payload_values(const nlohmann::json& payload,
                                                  std::string_view key) {
  auto path = parse_key(nlohmann::json(std::string(key)), "key");
  if (!path) return {};
  return values_at(payload, *path);
}

std::optional<std::vector<PointId>> Filter::required_ids() const {
  if (root_ == nullptr) return std::nullopt;
  for (const auto& condition : root_->must) {
    if (condition.kind == Kind::kHasId) return condition.ids;
  }
  return std::nullopt;
}

}  // namespace twin::vectors
