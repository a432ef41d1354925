// The VectorStore conformance suite (see vector_store_conformance.h for how backends join).
#include <gmock/gmock.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "vector_store_conformance.h"

namespace twin::vectors {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<float> random_vector(std::mt19937& random, std::size_t size) {
  std::normal_distribution<float> normal;
  std::vector<float> vector(size);
  for (float& x : vector) x = normal(random);
  return vector;
}

Filter filter_of(const json& json_filter) {
  auto parsed = Filter::from_json(json_filter);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().to_string();
  return parsed.value_or(Filter());
}

std::vector<std::uint64_t> numbers(const std::vector<Point>& points) {
  std::vector<std::uint64_t> ids;
  for (const auto& point : points) ids.push_back(point.id.number());
  return ids;
}

std::vector<std::uint64_t> numbers(const std::vector<ScoredPoint>& points) {
  std::vector<std::uint64_t> ids;
  for (const auto& point : points) ids.push_back(point.id.number());
  return ids;
}

// Payloads exercising every filter condition: point i has these fields.
json payload_of(std::uint64_t i) {
  json payload = {
      {"author", i % 3 == 0 ? "ana" : (i % 3 == 1 ? "bob" : "cy")},
      {"n", i},
      {"price", static_cast<double>(i) / 4.0},
      {"tags", i % 2 == 0 ? json{"even", "x"} : json{"odd"}},
      {"text", fmt::format("article number {} about {}", i, i % 5 == 0 ? "c++" : "go")},
      {"meta", {{"lang", i % 4 == 0 ? "en" : "fr"}}},
      {"cities", {{{"name", "paris"}, {"pop", i % 7}}, {{"name", "lyon"}, {"pop", 1}}}}};
  if (i % 6 == 0) payload["maybe"] = nullptr;
  if (i % 6 == 1) payload["maybe"] = json::array();
  if (i % 6 == 2) payload["maybe"] = "here";
  return payload;
}

TEST_P(VectorStoreConformance, CreateExistsInfoDelete) {
  const std::string name = create("life", VectorParams{4, Distance::kDot});
  EXPECT_EQ(store_->collection_exists(name).value(), true);
  auto names = store_->collection_names().value();
  EXPECT_NE(std::find(names.begin(), names.end(), name), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  auto info = store_->collection_info(name);
  ASSERT_TRUE(info.has_value()) << info.error().to_string();
  EXPECT_EQ(info->name, name);
  EXPECT_EQ(info->config.vectors, (VectorParams{4, Distance::kDot}));
  EXPECT_EQ(info->points_count, 0U);

  Status again = store_->create_collection(name, CollectionConfig{VectorParams{4, Distance::kDot}});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);

  EXPECT_EQ(store_->delete_collection(name).value(), true);
  EXPECT_EQ(store_->collection_exists(name).value(), false);
  EXPECT_EQ(store_->delete_collection(name).value(), false);
  auto gone = store_->collection_info(name);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(gone.error().message(),
              HasSubstr(fmt::format("Collection `{}` doesn't exist!", name)));
}

TEST_P(VectorStoreConformance, UnknownCollectionAndBadNames) {
  const std::string missing = fresh_name("missing");
  for (const auto& status : {store_->upsert(missing, {Point{PointId(1), {1, 2}, json::object()}}),
                             store_->delete_points(missing, std::vector<PointId>{PointId(1)})}) {
    EXPECT_EQ(status.code(), StatusCode::kNotFound);
    EXPECT_THAT(status.message(),
                HasSubstr(fmt::format("Collection `{}` doesn't exist!", missing)));
  }
  EXPECT_EQ(store_->count(missing, std::nullopt).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->search(missing, SearchRequest{{1, 2}}).error().code(), StatusCode::kNotFound);
  for (const char* bad : {"", "a b", "a/b", "x?"}) {
    EXPECT_EQ(store_->create_collection(bad, {}).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store_->create_collection(fresh_name("zero"), CollectionConfig{VectorParams{0}}).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(VectorStoreConformance, PayloadOnlyCollection) {
  const std::string name = create("cleaned", std::nullopt);
  auto info = store_->collection_info(name).value();
  EXPECT_FALSE(info.config.vectors.has_value());
  ASSERT_TRUE(
      store_->upsert(name, {Point{PointId(1), {}, {{"a", 1}}}, Point{PointId(2), {}, {{"a", 2}}}})
          .is_ok());
  EXPECT_EQ(store_->count(name, std::nullopt).value(), 2U);
  auto points = store_->retrieve(name, std::vector<PointId>{PointId(2)}, {}).value();
  ASSERT_EQ(points.size(), 1U);
  EXPECT_EQ(points[0].payload, (json{{"a", 2}}));
  EXPECT_TRUE(points[0].vector.empty());
  EXPECT_EQ(store_->upsert(name, {Point{PointId(3), {1, 2}, {}}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->search(name, SearchRequest{{1, 2}}).error().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(VectorStoreConformance, UpsertReplacesVectorAndPayload) {
  const std::string name = create("replace", VectorParams{2, Distance::kDot});
  ASSERT_TRUE(store_->upsert(name, {Point{PointId(1), {1, 0}, {{"a", 1}, {"b", 1}}}}).is_ok());
  ASSERT_TRUE(store_->upsert(name, {Point{PointId(1), {0, 2}, {{"c", 3}}}}).is_ok());
  auto points = store_->retrieve(name, std::vector<PointId>{PointId(1)}, {true, true}).value();
  ASSERT_EQ(points.size(), 1U);
  EXPECT_EQ(points[0].vector, (std::vector<float>{0, 2}));
  EXPECT_EQ(points[0].payload, (json{{"c", 3}}));
  EXPECT_EQ(store_->collection_info(name).value().points_count, 1U);
  auto found = store_->search(name, SearchRequest{{0, 1}, 1}).value();
  ASSERT_EQ(found.size(), 1U);
  EXPECT_FLOAT_EQ(found[0].score, 2.0F);
}

TEST_P(VectorStoreConformance, RetrieveInAskedOrderWithOptions) {
  const std::string name = create("retrieve", VectorParams{2, Distance::kEuclid});
  const auto uuid = PointId::parse("550e8400-e29b-41d4-a716-446655440000").value();
  ASSERT_TRUE(
      store_
          ->upsert(name, {Point{PointId(1), {1, 1}, {{"i", 1}}},
                          Point{PointId(2), {2, 2}, {{"i", 2}}}, Point{uuid, {3, 3}, {{"i", 3}}}})
          .is_ok());
  std::vector<PointId> ids = {uuid, PointId(9), PointId(1)};
  auto points = store_->retrieve(name, ids, {true, false}).value();
  ASSERT_EQ(points.size(), 2U);
  EXPECT_EQ(points[0].id, uuid);
  EXPECT_EQ(points[1].id, PointId(1));
  EXPECT_TRUE(points[0].vector.empty());
  EXPECT_EQ(points[0].payload, (json{{"i", 3}}));
  auto bare = store_->retrieve(name, ids, {false, true}).value();
  ASSERT_EQ(bare.size(), 2U);
  EXPECT_EQ(bare[0].payload, json::object());
  EXPECT_EQ(bare[0].vector, (std::vector<float>{3, 3}));
}

TEST_P(VectorStoreConformance, CosineNormalisesOnUpsert) {
  const std::string name = create("cosine", VectorParams{2, Distance::kCosine});
  ASSERT_TRUE(store_->upsert(name, {Point{PointId(1), {3, 4}, {}}}).is_ok());
  auto points = store_->retrieve(name, std::vector<PointId>{PointId(1)}, {false, true}).value();
  ASSERT_EQ(points.size(), 1U);
  EXPECT_NEAR(points[0].vector[0], 0.6F, 1e-6);
  EXPECT_NEAR(points[0].vector[1], 0.8F, 1e-6);
  auto found = store_->search(name, SearchRequest{{6, 8}, 1}).value();
  ASSERT_EQ(found.size(), 1U);
  EXPECT_NEAR(found[0].score, 1.0F, 1e-5);
}

TEST_P(VectorStoreConformance, DeleteByIdsAndByFilter) {
  const std::string name = create("delete", VectorParams{2, Distance::kDot});
  std::vector<Point> points;
  for (std::uint64_t i = 0; i < 10; ++i) {
    points.push_back({PointId(i), {1, static_cast<float>(i)}, {{"n", i}}});
  }
  ASSERT_TRUE(store_->upsert(name, points).is_ok());
  ASSERT_TRUE(store_->delete_points(name, std::vector<PointId>{PointId(1), PointId(2), PointId(99)})
                  .is_ok());
  ASSERT_TRUE(
      store_->delete_points(name, filter_of({{"must", {{{"key", "n"}, {"range", {{"gte", 7}}}}}}}))
          .is_ok());
  auto page = store_->scroll(name, ScrollRequest{std::nullopt, 100}).value();
  EXPECT_THAT(numbers(page.points), ElementsAre(0, 3, 4, 5, 6));
  auto found = store_->search(name, SearchRequest{{0, 1}, 3}).value();
  EXPECT_THAT(numbers(found), ElementsAre(6, 5, 4));
  // A deleted id can be inserted again.
  ASSERT_TRUE(store_->upsert(name, {Point{PointId(2), {0, 100}, {}}}).is_ok());
  EXPECT_THAT(numbers(store_->search(name, SearchRequest{{0, 1}, 1}).value()), ElementsAre(2));
}

TEST_P(VectorStoreConformance, SetOverwriteAndDeletePayload) {
  const std::string name = create("payload", VectorParams{2, Distance::kDot});
  ASSERT_TRUE(
      store_
          ->upsert(name, {Point{PointId(1), {1, 0}, {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}}},
                          Point{PointId(2), {0, 1}, {{"a", 2}}}})
          .is_ok());
  const auto payload_of_point = [&](std::uint64_t id) {
    return store_->retrieve(name, std::vector<PointId>{PointId(id)}, {}).value().at(0).payload;
  };
  ASSERT_TRUE(
      store_->set_payload(name, {{"x", true}, {"a", 5}}, std::vector<PointId>{PointId(1)}).is_ok());
  EXPECT_EQ(payload_of_point(1), (json{{"a", 5}, {"b", {{"c", 2}, {"d", 3}}}, {"x", true}}));
  ASSERT_TRUE(
      store_->delete_payload_keys(name, {"x", "b.c"}, std::vector<PointId>{PointId(1)}).is_ok());
  EXPECT_EQ(payload_of_point(1), (json{{"a", 5}, {"b", {{"d", 3}}}}));
  ASSERT_TRUE(
      store_
          ->overwrite_payload(name, {{"only", 1}},
                              filter_of({{"must", {{{"key", "a"}, {"match", {{"value", 2}}}}}}}))
          .is_ok());
  EXPECT_EQ(payload_of_point(2), (json{{"only", 1}}));
  EXPECT_EQ(payload_of_point(1)["a"], 5);
  // A missing id is kNotFound and changes nothing.
  Status missing =
      store_->set_payload(name, {{"y", 1}}, std::vector<PointId>{PointId(1), PointId(42)});
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_FALSE(payload_of_point(1).contains("y"));
}

TEST_P(VectorStoreConformance, CountAndScrollPagesThroughEveryPoint) {
  const std::string name = create("scroll", VectorParams{2, Distance::kDot});
  std::mt19937 random(1);
  std::vector<Point> points;
  std::set<PointId> expected;
  for (std::uint64_t i = 0; i < 37; ++i) {
    PointId id =
        i % 4 == 0
            ? PointId::parse(fmt::format("{:08x}-0000-4000-8000-000000000000", i * 977)).value()
            : PointId(i * 13 % 101);
    expected.insert(id);
    points.push_back({id, random_vector(random, 2), {{"even", i % 2 == 0}}});
  }
  ASSERT_TRUE(store_->upsert(name, points).is_ok());
  EXPECT_EQ(store_->count(name, std::nullopt).value(), expected.size());
  EXPECT_EQ(
      store_->count(name, filter_of({{"must", {{{"key", "even"}, {"match", {{"value", true}}}}}}}))
          .value(),
      19U);
  std::vector<PointId> seen;
  ScrollRequest request{std::nullopt, 5};
  for (int pages = 0; pages < 20; ++pages) {
    auto page = store_->scroll(name, request).value();
    EXPECT_LE(page.points.size(), 5U);
    for (const auto& point : page.points) seen.push_back(point.id);
    if (!page.next_page_offset) break;
    request.offset = page.next_page_offset;
  }
  EXPECT_EQ(seen, std::vector<PointId>(expected.begin(), expected.end()));
  // A filtered scroll returns only matching points, still in id order.
  auto odd =
      store_
          ->scroll(name,
                   ScrollRequest{
                       filter_of({{"must_not", {{{"key", "even"}, {"match", {{"value", true}}}}}}}),
                       100})
          .value();
  EXPECT_EQ(odd.points.size(), 18U);
  EXPECT_FALSE(odd.next_page_offset.has_value());
  EXPECT_TRUE(std::is_sorted(odd.points.begin(), odd.points.end(),
                             [](const Point& a, const Point& b) { return a.id < b.id; }));
}

// Brute force: the ids of the `limit` best points by the collection's distance.
std::vector<std::uint64_t> brute_force(const std::vector<Point>& points, std::vector<float> query,
                                       Distance distance, std::size_t limit,
                                       const Filter* filter = nullptr) {
  const auto normalised = [](std::vector<float> v) {
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  };
  if (distance == Distance::kCosine) query = normalised(query);
  std::vector<std::pair<double, std::uint64_t>> scored;
  for (const auto& point : points) {
    if (filter && !filter->matches(point.id, point.payload)) continue;
    auto v = distance == Distance::kCosine ? normalised(point.vector) : point.vector;
    double score = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      score +=
          distance == Distance::kEuclid ? (v[i] - query[i]) * (v[i] - query[i]) : v[i] * query[i];
    }
    scored.emplace_back(distance == Distance::kEuclid ? score : -score, point.id.number());
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < std::min(limit, scored.size()); ++i) ids.push_back(scored[i].second);
  return ids;
}

std::vector<Point> random_points(std::size_t count, std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<Point> points;
  for (std::uint64_t i = 0; i < count; ++i) {
    points.push_back({PointId(i), random_vector(random, size), payload_of(i)});
  }
  return points;
}

TEST_P(VectorStoreConformance, SearchAgreesWithBruteForceForEveryDistance) {
  for (Distance distance : {Distance::kCosine, Distance::kDot, Distance::kEuclid}) {
    SCOPED_TRACE(std::string(to_string(distance)));
    const std::string name = create("search", VectorParams{8, distance});
    const auto points = random_points(100, 8, 2);
    ASSERT_TRUE(store_->upsert(name, points).is_ok());
    std::mt19937 random(3);
    for (int q = 0; q < 10; ++q) {
      const auto query = random_vector(random, 8);
      auto found = store_->search(name, SearchRequest{query, 5});
      ASSERT_TRUE(found.has_value()) << found.error().to_string();
      EXPECT_EQ(numbers(*found), brute_force(points, query, distance, 5));
      EXPECT_TRUE(std::is_sorted(found->begin(), found->end(), [&](const auto& a, const auto& b) {
        return distance == Distance::kEuclid ? a.score < b.score : a.score > b.score;
      }));
      SearchRequest exact{query, 5};
      exact.exact = true;
      EXPECT_EQ(numbers(store_->search(name, exact).value()), numbers(*found));
    }
  }
}

TEST_P(VectorStoreConformance, ScoreThresholdOffsetAndWithOptions) {
  const std::string name = create("threshold", VectorParams{1, Distance::kDot});
  ASSERT_TRUE(store_
                  ->upsert(name, {Point{PointId(1), {1}, {{"i", 1}}}, Point{PointId(2), {2}, {}},
                                  Point{PointId(3), {3}, {}}, Point{PointId(4), {4}, {}}})
                  .is_ok());
  SearchRequest request{{1}, 10};
  request.score_threshold = 2.5F;
  EXPECT_THAT(numbers(store_->search(name, request).value()), ElementsAre(4, 3));
  request.score_threshold.reset();
  request.offset = 1;
  request.limit = 2;
  EXPECT_THAT(numbers(store_->search(name, request).value()), ElementsAre(3, 2));
  request.offset = 3;
  request.with = {true, true};
  auto last = store_->search(name, request).value();
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].payload, (json{{"i", 1}}));
  EXPECT_EQ(last[0].vector, (std::vector<float>{1}));
  request.with = {false, false};
  EXPECT_EQ(store_->search(name, request).value().at(0).payload, json::object());

  const std::string euclid = create("threshold_euclid", VectorParams{1, Distance::kEuclid});
  ASSERT_TRUE(
      store_->upsert(euclid, {Point{PointId(1), {1}, {}}, Point{PointId(2), {5}, {}}}).is_ok());
  SearchRequest near{{0}, 10};
  near.score_threshold = 2.0F;
  EXPECT_THAT(numbers(store_->search(euclid, near).value()), ElementsAre(1));
}

TEST_P(VectorStoreConformance, EveryFilterConditionInCountScrollAndSearch) {
  const std::string name = create("filters", VectorParams{4, Distance::kCosine});
  const auto points = random_points(60, 4, 5);
  ASSERT_TRUE(store_->upsert(name, points).is_ok());
  const std::vector<json> filters = {
      {{"must", {{{"key", "author"}, {"match", {{"value", "ana"}}}}}}},
      {{"must", {{{"key", "n"}, {"match", {{"value", 7}}}}}}},
      {{"must", {{{"key", "tags"}, {"match", {{"value", "even"}}}}}}},
      {{"must", {{{"key", "author"}, {"match", {{"any", {"bob", "cy"}}}}}}}},
      {{"must", {{{"key", "author"}, {"match", {{"except", {"bob"}}}}}}}},
      {{"must", {{{"key", "text"}, {"match", {{"text", "c++"}}}}}}},
      {{"must", {{{"key", "price"}, {"range", {{"gte", 2.5}, {"lt", 9}}}}}}},
      {{"must", {{{"key", "tags"}, {"values_count", {{"gt", 1}}}}}}},
      {{"must", {{{"is_empty", {{"key", "maybe"}}}}}}},
      {{"must", {{{"is_null", {{"key", "maybe"}}}}}}},
      {{"must", {{{"has_id", {1, 5, 9, 1000}}}}}},
      {{"must", {{{"key", "meta.lang"}, {"match", {{"value", "en"}}}}}}},
      {{"must", {{{"key", "cities[].pop"}, {"range", {{"gt", 4}}}}}}},
      {{"must",
        {{{"nested",
           {{"key", "cities"},
            {"filter",
             {{"must",
               {{{"key", "name"}, {"match", {{"value", "lyon"}}}},
                {{"key", "pop"}, {"range", {{"gt", 1}}}}}}}}}}}}}},
      {{"should",
        {{{"key", "author"}, {"match", {{"value", "ana"}}}},
         {{"key", "meta.lang"}, {"match", {{"value", "en"}}}}}},
       {"must_not", {{{"key", "tags"}, {"match", {{"value", "odd"}}}}}}},
      {{"min_should",
        {{"conditions",
          {{{"key", "author"}, {"match", {{"value", "ana"}}}},
           {{"key", "tags"}, {"match", {{"value", "even"}}}},
           {{"key", "meta.lang"}, {"match", {{"value", "en"}}}}}},
         {"min_count", 2}}}},
  };
  std::mt19937 random(9);
  for (const auto& json_filter : filters) {
    SCOPED_TRACE(json_filter.dump());
    const Filter filter = filter_of(json_filter);
    std::size_t expected = 0;
    for (const auto& point : points) expected += filter.matches(point.id, point.payload) ? 1U : 0U;
    EXPECT_EQ(store_->count(name, filter).value(), expected);
    auto page = store_->scroll(name, ScrollRequest{filter, 100}).value();
    EXPECT_EQ(page.points.size(), expected);
    const auto query = random_vector(random, 4);
    SearchRequest request{query, 5};
    request.filter = filter;
    EXPECT_EQ(numbers(store_->search(name, request).value()),
              brute_force(points, query, Distance::kCosine, 5, &filter));
  }
}

TEST_P(VectorStoreConformance, BadInputsLeaveNothingChanged) {
  const std::string name = create("bad", VectorParams{3, Distance::kDot});
  ASSERT_TRUE(store_->upsert(name, {Point{PointId(1), {1, 2, 3}, {{"keep", 1}}}}).is_ok());
  const std::vector<std::vector<Point>> bad_batches = {
      {Point{PointId(2), {1, 2, 3}, {}}, Point{PointId(3), {1, 2}, {}}},
      {Point{PointId(2), {1, 2, 3}, {}}, Point{PointId(1), {1, NAN, 3}, {}}},
      {Point{PointId(2), {1, 2, 3}, {}}, Point{PointId(4), {1, INFINITY, 3}, {}}},
      {Point{PointId(2), {1, 2, 3}, {}}, Point{PointId(5), {1, 2, 3}, json::array({1})}},
  };
  for (const auto& batch : bad_batches) {
    Status status = store_->upsert(name, batch);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
  }
  EXPECT_EQ(store_->count(name, std::nullopt).value(), 1U);
  auto kept = store_->retrieve(name, std::vector<PointId>{PointId(1)}, {true, true}).value();
  ASSERT_EQ(kept.size(), 1U);
  EXPECT_EQ(kept[0].vector, (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(kept[0].payload, (json{{"keep", 1}}));
  auto wrong = store_->search(name, SearchRequest{{1, 2}, 1});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->search(name, SearchRequest{{1, NAN, 2}, 1}).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->set_payload(name, json::array(), std::vector<PointId>{PointId(1)}).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(VectorStoreConformance, PayloadIndexesAreReported) {
  const std::string name = create("indexes", VectorParams{2, Distance::kDot});
  ASSERT_TRUE(store_->create_payload_index(name, {"platform", "keyword"}).is_ok());
  ASSERT_TRUE(store_->create_payload_index(name, {"author_id", "keyword"}).is_ok());
  ASSERT_TRUE(store_->create_payload_index(name, {"n", "integer"}).is_ok());
  EXPECT_EQ(store_->create_payload_index(name, {"x", "shape"}).code(),
            StatusCode::kInvalidArgument);
  auto info = store_->collection_info(name).value();
  EXPECT_EQ(info.payload_indexes,
            (std::vector<PayloadIndex>{
                {"author_id", "keyword"}, {"n", "integer"}, {"platform", "keyword"}}));
  ASSERT_TRUE(store_->delete_payload_index(name, "n").is_ok());
  EXPECT_EQ(store_->collection_info(name).value().payload_indexes.size(), 2U);
}

}  // namespace
}  // namespace twin::vectors
