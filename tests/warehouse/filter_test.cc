// Every filter operator, on SQLite and PostgreSQL, with MongoDB's answers as the expectation.
#include <fmt/format.h>
#include <gmock/gmock.h>

#include "warehouse/warehouse_fixture.h"

namespace twin::warehouse {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using json = nlohmann::json;

class FilterTest : public WarehouseTest {
 protected:
  void SetUp() override {
    WarehouseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    things_ = std::make_unique<Collection>(collection("things"));
    auto inserted = things_->insert_many({
        doc("a", {{"name", "a"},
                  {"n", 1},
                  {"nested", {{"k", "v"}}},
                  {"flag", true},
                  {"tags", {"x", "y"}}}),
        doc("b", {{"name", "b"}, {"n", 2.5}, {"nested", {{"k", "w"}}}, {"flag", false}}),
        doc("c", {{"name", "c"}, {"n", "3"}, {"nested", nullptr}}),
        doc("d", {{"name", "d"}}),
    });
    ASSERT_TRUE(inserted.has_value()) << inserted.error().to_string();
  }

  std::vector<std::string> matching(const json& filter) {
    auto found = things_->find(filter);
    EXPECT_TRUE(found.has_value()) << filter.dump() << ": " << found.error().to_string();
    return found ? ids_of(*found) : std::vector<std::string>{};
  }

  Status error_of(const json& filter) {
    auto found = things_->find(filter);
    return found ? Status::ok() : found.error();
  }

  std::unique_ptr<Collection> things_;
};

TEST_P(FilterTest, EmptyFilterMatchesAllInInsertionOrder) {
  EXPECT_THAT(matching(json::object()), ElementsAre("a", "b", "c", "d"));
}

TEST_P(FilterTest, EqualityOnAField) {
  EXPECT_THAT(matching({{"name", "b"}}), ElementsAre("b"));
  EXPECT_THAT(matching({{"n", 1}}), ElementsAre("a"));
  EXPECT_THAT(matching({{"n", 1.0}}), ElementsAre("a"));
  EXPECT_THAT(matching({{"n", "3"}}), ElementsAre("c"));
  EXPECT_THAT(matching({{"n", 3}}), IsEmpty());
}

TEST_P(FilterTest, EqualityKeepsBooleansApartFromNumbers) {
  EXPECT_THAT(matching({{"flag", true}}), ElementsAre("a"));
  EXPECT_THAT(matching({{"flag", false}}), ElementsAre("b"));
  EXPECT_THAT(matching({{"n", true}}), IsEmpty());
}

TEST_P(FilterTest, EqualityOnADottedPath) {
  EXPECT_THAT(matching({{"nested.k", "v"}}), ElementsAre("a"));
  EXPECT_THAT(matching({{"nested.k", "nope"}}), IsEmpty());
}

TEST_P(FilterTest, EqualityOnWholeObjectsAndArrays) {
  EXPECT_THAT(matching({{"nested", {{"$eq", {{"k", "w"}}}}}}), ElementsAre("b"));
  EXPECT_THAT(matching({{"tags", json::array({"x", "y"})}}), ElementsAre("a"));
}

TEST_P(FilterTest, NullMatchesNullAndMissing) {
  EXPECT_THAT(matching({{"nested", nullptr}}), ElementsAre("c", "d"));
  EXPECT_THAT(matching({{"n", nullptr}}), ElementsAre("d"));
}

TEST_P(FilterTest, IdIsAField) {
  EXPECT_THAT(matching({{"_id", "c"}}), ElementsAre("c"));
  EXPECT_THAT(matching({{"_id", {{"$in", {"a", "d", "zz"}}}}}), ElementsAre("a", "d"));
  EXPECT_THAT(matching({{"_id", {{"$gt", "b"}}}}), ElementsAre("c", "d"));
}

TEST_P(FilterTest, InWith999ValuesIsAUsageErrorWithoutSql) {
  json values = json::array();
  for (int i = 0; i < 999; ++i) values.push_back(fmt::format("v{}", i));
  const Status status = error_of({{"name", {{"$in", values}}}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.to_string();
  EXPECT_THAT(status.message(), HasSubstr("filter is too large"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("SELECT")));
  json some = json::array({"a", "c"});
  for (int i = 0; i < 200; ++i) some.push_back(fmt::format("v{}", i));
  EXPECT_THAT(matching({{"name", {{"$in", some}}}}), ElementsAre("a", "c"));
}

TEST_P(FilterTest, Eq) { EXPECT_THAT(matching({{"name", {{"$eq", "a"}}}}), ElementsAre("a")); }

TEST_P(FilterTest, NeAlsoMatchesMissingFields) {
  EXPECT_THAT(matching({{"n", {{"$ne", 1}}}}), ElementsAre("b", "c", "d"));
  EXPECT_THAT(matching({{"nested.k", {{"$ne", "v"}}}}), ElementsAre("b", "c", "d"));
}

TEST_P(FilterTest, ComparisonsMatchOnlyTheSameKindOfValue) {
  EXPECT_THAT(matching({{"n", {{"$gt", 1}}}}), ElementsAre("b"));
  EXPECT_THAT(matching({{"n", {{"$gte", 1}}}}), ElementsAre("a", "b"));
  EXPECT_THAT(matching({{"n", {{"$lt", 2.5}}}}), ElementsAre("a"));
  EXPECT_THAT(matching({{"n", {{"$lte", 2.5}}}}), ElementsAre("a", "b"));
  EXPECT_THAT(matching({{"n", {{"$gt", "2"}}}}), ElementsAre("c"));
  EXPECT_THAT(matching({{"name", {{"$gte", "b"}, {"$lt", "d"}}}}), ElementsAre("b", "c"));
}

TEST_P(FilterTest, InAndNin) {
  EXPECT_THAT(matching({{"n", {{"$in", {1, "3"}}}}}), ElementsAre("a", "c"));
  EXPECT_THAT(matching({{"n", {{"$in", json::array()}}}}), IsEmpty());
  EXPECT_THAT(matching({{"n", {{"$in", {nullptr}}}}}), ElementsAre("d"));
  EXPECT_THAT(matching({{"n", {{"$nin", {1, "3"}}}}}), ElementsAre("b", "d"));
}

TEST_P(FilterTest, Exists) {
  EXPECT_THAT(matching({{"n", {{"$exists", true}}}}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(matching({{"n", {{"$exists", false}}}}), ElementsAre("d"));
  // A field holding null exists.
  EXPECT_THAT(matching({{"nested", {{"$exists", true}}}}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(matching({{"nested.k", {{"$exists", true}}}}), ElementsAre("a", "b"));
}

TEST_P(FilterTest, AndOr) {
  EXPECT_THAT(matching({{"$or", {{{"name", "a"}}, {{"n", "3"}}}}}), ElementsAre("a", "c"));
  EXPECT_THAT(matching({{"$and", {{{"flag", {{"$exists", true}}}}, {{"n", {{"$gt", 2}}}}}}}),
              ElementsAre("b"));
  EXPECT_THAT(
      matching({{"name", {{"$ne", "a"}}}, {"$or", {{{"nested", nullptr}}, {{"flag", true}}}}}),
      ElementsAre("c", "d"));
}

TEST_P(FilterTest, UnsupportedOperatorIsAnErrorNamingIt) {
  Status status = error_of({{"name", {{"$regex", "^a"}}}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("$regex"));
  EXPECT_THAT(error_of({{"$nor", {{{"a", 1}}}}}).message(), HasSubstr("$nor"));
  EXPECT_THAT(error_of({{"n", {{"$gt", 1}, {"x", 2}}}}).message(), HasSubstr("mixes"));
  EXPECT_EQ(error_of({{"$or", json::array()}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(error_of({{"n", {{"$in", 1}}}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(error_of({{"n", {{"$gt", json::array()}}}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(error_of(json::array()).code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(error_of({{"bad'path", 1}}).message(), HasSubstr("bad'path"));
}

TEST_P(FilterTest, CountUsesTheSameFilters) {
  auto n = things_->count({{"n", {{"$exists", true}}}});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, FilterTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace twin::warehouse
