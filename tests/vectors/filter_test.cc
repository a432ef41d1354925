#include "twin/vectors/filter.h"

#include <gtest/gtest.h>

namespace twin::vectors {
namespace {

using nlohmann::json;

bool matches(const json& filter, const json& payload, std::uint64_t id = 1) {
  auto parsed = Filter::from_json(filter);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().to_string();
  return parsed && parsed->matches(PointId(id), payload);
}

std::string error_of(const json& filter) {
  auto parsed = Filter::from_json(filter);
  EXPECT_FALSE(parsed.has_value()) << filter;
  if (parsed) return "";
  EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
  return parsed.error().message();
}

json must(json condition) { return {{"must", json::array({std::move(condition)})}}; }

TEST(Filter, EmptyMatchesEverything) {
  EXPECT_TRUE(matches(json::object(), {{"a", 1}}));
  EXPECT_TRUE(matches({{"should", json::array()}}, json::object()));
}

TEST(Filter, MatchValueKeywordIntegerBool) {
  const json payload = {{"author", "ana"}, {"n", 3}, {"ok", true}, {"tags", {"x", "y"}}};
  EXPECT_TRUE(matches(must({{"key", "author"}, {"match", {{"value", "ana"}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "author"}, {"match", {{"value", "bob"}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "n"}, {"match", {{"value", 3}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "n"}, {"match", {{"value", "3"}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "ok"}, {"match", {{"value", true}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "ok"}, {"match", {{"value", 1}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "tags"}, {"match", {{"value", "y"}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "missing"}, {"match", {{"value", "y"}}}}), payload));
}

TEST(Filter, MatchAnyAndExcept) {
  const json payload = {{"k", "b"}, {"tags", {"x", "y"}}};
  EXPECT_TRUE(matches(must({{"key", "k"}, {"match", {{"any", {"a", "b"}}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "k"}, {"match", {{"any", {"a", "c"}}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "k"}, {"match", {{"except", {"a", "b"}}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "k"}, {"match", {{"except", {"a"}}}}}), payload));
  // An array passes `except` when one of its values is not excluded.
  EXPECT_TRUE(matches(must({{"key", "tags"}, {"match", {{"except", {"x"}}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "tags"}, {"match", {{"except", {"x", "y"}}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "missing"}, {"match", {{"except", {"x"}}}}}), payload));
}

TEST(Filter, MatchText) {
  const json payload = {{"content", "the quick brown fox"}};
  EXPECT_TRUE(matches(must({{"key", "content"}, {"match", {{"text", "brown"}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "content"}, {"match", {{"text", "dog"}}}}), payload));
}

TEST(Filter, Range) {
  const json payload = {{"price", 10.5}, {"scores", {1, 7}}};
  EXPECT_TRUE(matches(must({{"key", "price"}, {"range", {{"gte", 10}, {"lt", 11}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "price"}, {"range", {{"gt", 10.5}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "price"}, {"range", {{"lte", 10.5}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "scores"}, {"range", {{"gt", 5}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "scores"}, {"range", {{"gt", 7}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "missing"}, {"range", {{"gt", 0}}}}), payload));
}

TEST(Filter, ValuesCount) {
  const json payload = {{"tags", {"a", "b", "c"}}, {"one", "x"}};
  EXPECT_TRUE(matches(must({{"key", "tags"}, {"values_count", {{"gt", 2}}}}), payload));
  EXPECT_FALSE(matches(must({{"key", "tags"}, {"values_count", {{"lt", 3}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "one"}, {"values_count", {{"lte", 1}, {"gte", 1}}}}), payload));
  EXPECT_TRUE(matches(must({{"key", "missing"}, {"values_count", {{"lt", 1}}}}), payload));
}

TEST(Filter, IsEmptyAndIsNull) {
  const json payload = {{"empty", json::array()}, {"null", nullptr}, {"full", {1}}};
  for (const char* key : {"empty", "null", "missing"}) {
    EXPECT_TRUE(matches(must({{"is_empty", {{"key", key}}}}), payload)) << key;
  }
  EXPECT_FALSE(matches(must({{"is_empty", {{"key", "full"}}}}), payload));
  EXPECT_TRUE(matches(must({{"is_null", {{"key", "null"}}}}), payload));
  for (const char* key : {"empty", "missing", "full"}) {
    EXPECT_FALSE(matches(must({{"is_null", {{"key", key}}}}), payload)) << key;
  }
}

TEST(Filter, HasId) {
  const json filter = must({{"has_id", {1, 3, "550e8400e29b41d4a716446655440000"}}});
  EXPECT_TRUE(matches(filter, json::object(), 3));
  EXPECT_FALSE(matches(filter, json::object(), 2));
  auto parsed = Filter::from_json(filter).value();
  EXPECT_TRUE(parsed.matches(PointId::parse("550e8400-e29b-41d4-a716-446655440000").value(), {}));
  auto ids = parsed.required_ids();
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->size(), 3U);
  EXPECT_FALSE(Filter::from_json(json::object()).value().required_ids().has_value());
  // The normalised JSON holds the canonical UUID.
  EXPECT_EQ(parsed.to_json()["must"][0]["has_id"][2], "550e8400-e29b-41d4-a716-446655440000");
}

TEST(Filter, NestedKeysAndArrays) {
  const json payload = {
      {"country",
       {{"name", "fr"},
        {"cities", {{{"name", "paris"}, {"pop", 2}}, {{"name", "lyon"}, {"pop", 1}}}}}}};
  EXPECT_TRUE(matches(must({{"key", "country.name"}, {"match", {{"value", "fr"}}}}), payload));
  EXPECT_TRUE(
      matches(must({{"key", "country.cities[].name"}, {"match", {{"value", "lyon"}}}}), payload));
  EXPECT_TRUE(
      matches(must({{"key", "country.cities.name"}, {"match", {{"value", "lyon"}}}}), payload));
  EXPECT_FALSE(
      matches(must({{"key", "country.cities[].name"}, {"match", {{"value", "nice"}}}}), payload));
}

TEST(Filter, NestedConditionHoldsForOneElement) {
  const json payload = {
      {"cities", {{{"name", "paris"}, {"pop", 2}}, {{"name", "lyon"}, {"pop", 1}}}}};
  // Plain keys mix elements (paris has pop 2, lyon is named lyon); nested needs one element.
  const json mixed = {{"must",
                       {{{"key", "cities[].name"}, {"match", {{"value", "lyon"}}}},
                        {{"key", "cities[].pop"}, {"range", {{"gt", 1}}}}}}};
  EXPECT_TRUE(matches(mixed, payload));
  const json nested = must({{"nested", {{"key", "cities"}, {"filter", mixed}}}});
  const json nested_inner = must({{"nested",
                                   {{"key", "cities"},
                                    {"filter",
                                     {{"must",
                                       {{{"key", "name"}, {"match", {{"value", "lyon"}}}},
                                        {{"key", "pop"}, {"range", {{"gt", 1}}}}}}}}}}});
  EXPECT_FALSE(matches(nested_inner, payload));
  const json nested_ok = must({{"nested",
                                {{"key", "cities"},
                                 {"filter",
                                  {{"must",
                                    {{{"key", "name"}, {"match", {{"value", "paris"}}}},
                                     {{"key", "pop"}, {"range", {{"gt", 1}}}}}}}}}}});
  EXPECT_TRUE(matches(nested_ok, payload));
  (void)nested;
}

TEST(Filter, ShouldMustNotMinShould) {
  const json payload = {{"a", 1}, {"b", 2}};
  const json a1 = {{"key", "a"}, {"match", {{"value", 1}}}};
  const json b1 = {{"key", "b"}, {"match", {{"value", 1}}}};
  const json b2 = {{"key", "b"}, {"match", {{"value", 2}}}};
  EXPECT_TRUE(matches({{"should", {a1, b1}}}, payload));
  EXPECT_FALSE(matches({{"should", {b1}}}, payload));
  EXPECT_FALSE(matches({{"must_not", {b2}}}, payload));
  EXPECT_TRUE(matches({{"must_not", {b1}}}, payload));
  EXPECT_TRUE(matches({{"min_should", {{"conditions", {a1, b1, b2}}, {"min_count", 2}}}}, payload));
  EXPECT_FALSE(matches({{"min_should", {{"conditions", {a1, b1}}, {"min_count", 2}}}}, payload));
  // A single condition in place of an array, and a nested filter as a condition.
  EXPECT_TRUE(matches({{"must", a1}}, payload));
  EXPECT_TRUE(matches({{"must", {{{"should", {b1, b2}}}}}}, payload));
  EXPECT_EQ(Filter::from_json({{"must", a1}}).value().to_json()["must"].size(), 1U);
}

TEST(Filter, CopiesAreIndependent) {
  auto filter = Filter::from_json(must({{"key", "a"}, {"match", {{"value", 1}}}})).value();
  Filter copy = filter;
  filter = Filter();
  EXPECT_TRUE(copy.matches(PointId(1), {{"a", 1}}));
  EXPECT_FALSE(copy.matches(PointId(1), {{"a", 2}}));
  EXPECT_TRUE(filter.matches(PointId(1), {{"a", 2}}));
}

TEST(Filter, ErrorsNameTheOffendingPart) {
  EXPECT_NE(error_of({{"must",
                       {{{"key", "a"}, {"match", {{"value", 1}}}},
                        {{"key", "b"}, {"range", {{"gt", "x"}}}}}}})
                .find("filter.must[1].range.gt"),
            std::string::npos);
  EXPECT_NE(error_of({{"must", {{{"key", "a"}}}}}).find("filter.must[0]"), std::string::npos);
  EXPECT_NE(error_of({{"musts", json::array()}}).find("filter.musts"), std::string::npos);
  EXPECT_NE(error_of({{"should", {{{"has_id", {-1}}}}}}).find("filter.should[0].has_id[0]"),
            std::string::npos);
  EXPECT_NE(error_of({{"must", {{{"key", "a"}, {"match", {{"values", 1}}}}}}})
                .find("filter.must[0].match.values"),
            std::string::npos);
  EXPECT_NE(error_of({{"min_should", {{"conditions", json::array()}, {"min_count", 0}}}})
                .find("min_count"),
            std::string::npos);
  EXPECT_NE(error_of(json::array()).find("filter"), std::string::npos);
  EXPECT_NE(error_of({{"must", {{{"geo_radius", json::object()}}}}}).find("geo_radius"),
            std::string::npos);
}

}  // namespace
}  // namespace twin::vectors
