// The warehouse conformance suite: every test runs on SQLite and on PostgreSQL.
#include "twin/warehouse/warehouse.h"

#include <gmock/gmock.h>

#include <set>
#include <thread>

#include "warehouse/warehouse_fixture.h"

namespace twin::warehouse {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

TEST_P(WarehouseTest, InsertThenGetReturnsTheSameDocument) {
  auto articles = collection("articles");
  Document article = doc("a964f3ac-e92f-4fcb-847a-a46da3d697d9",
                         {{"content", {{"Title", "T"}, {"Subtitle", nullptr}}},
                          {"link", "https://x/1"},
                          {"views", 12},
                          {"ratio", 0.25},
                          {"text", "é 😀 \"quoted\""}});
  article.lineage = Lineage{"run-1", "step-1"};
  ASSERT_TRUE(articles.insert(article).has_value());
  auto found = articles.get(article.id);
  ASSERT_TRUE(found.has_value()) << found.error().to_string();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, article);
  EXPECT_EQ((*found)->to_json()["_id"], article.id);
}

TEST_P(WarehouseTest, InsertWithoutIdGetsAUuid) {
  auto users = collection("users");
  auto inserted = users.insert(doc("", {{"first_name", "Paul"}}));
  ASSERT_TRUE(inserted.has_value());
  EXPECT_THAT(inserted->id,
              ::testing::MatchesRegex(
                  "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_FALSE(inserted->lineage.has_value());
}

TEST_P(WarehouseTest, DuplicateIdIsAlreadyExists) {
  auto users = collection("users");
  ASSERT_TRUE(users.insert(doc("u1", {{"first_name", "A"}})));
  auto again = users.insert(doc("u1", {{"first_name", "B"}}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists) << again.error().to_string();
  EXPECT_THAT(again.error().message(), HasSubstr("u1"));
}

TEST_P(WarehouseTest, InsertManyIsAllOrNothing) {
  auto users = collection("users");
  ASSERT_TRUE(users.insert(doc("taken", {})));
  auto batch = users.insert_many({doc("n1", {}), doc("n2", {}), doc("taken", {}), doc("n3", {})});
  ASSERT_FALSE(batch.has_value());
  EXPECT_EQ(batch.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(users.count().value_or(-1), 1);
}

TEST_P(WarehouseTest, InsertManyReplacingIsIdempotent) {
  auto users = collection("users");
  for (int round = 0; round < 2; ++round) {
    auto written = users.insert_many({doc("u1", {{"v", round}}), doc("u2", {{"v", round}})},
                                     OnExisting::kReplace);
    ASSERT_TRUE(written.has_value()) << written.error().to_string();
  }
  EXPECT_EQ(users.count().value_or(-1), 2);
  EXPECT_EQ(users.get("u1").value().value().fields["v"], 1);
  auto skipped = users.insert_many({doc("u1", {{"v", 9}}), doc("u3", {})}, OnExisting::kSkip);
  ASSERT_TRUE(skipped.has_value());
  EXPECT_EQ(*skipped, 1);
  EXPECT_EQ(users.get("u1").value().value().fields["v"], 1);
}

TEST_P(WarehouseTest, FindSortsSkipsAndLimits) {
  auto things = collection("things");
  ASSERT_TRUE(
      things.insert_many({doc("a", {{"n", 3}, {"g", "x"}}), doc("b", {{"n", 1}, {"g", "y"}}),
                          doc("c", {{"n", 2}, {"g", "x"}}), doc("d", {{"g", "y"}})}));
  auto sorted = things.find(json::object(), {.sort = {{"n", true}}});
  ASSERT_TRUE(sorted.has_value()) << sorted.error().to_string();
  EXPECT_THAT(ids_of(*sorted), ElementsAre("d", "b", "c", "a"));
  auto page = things.find(json::object(), {.limit = 2, .skip = 1, .sort = {{"n", false}}});
  ASSERT_TRUE(page.has_value());
  EXPECT_THAT(ids_of(*page), ElementsAre("c", "b"));
  auto by_group = things.find({{"g", "x"}}, {.sort = {{"g", true}, {"_id", false}}});
  ASSERT_TRUE(by_group.has_value());
  EXPECT_THAT(ids_of(*by_group), ElementsAre("c", "a"));
  auto skipped_only = things.find(json::object(), {.skip = 3});
  ASSERT_TRUE(skipped_only.has_value());
  EXPECT_THAT(ids_of(*skipped_only), ElementsAre("d"));
}

TEST_P(WarehouseTest, CountBy) {
  auto articles = collection("articles");
  ASSERT_TRUE(
      articles.insert_many({doc("1", {{"author", "Paul"}}), doc("2", {{"author", "Maxime"}}),
                            doc("3", {{"author", "Paul"}}), doc("4", {})}));
  auto counts = articles.count_by("author");
  ASSERT_TRUE(counts.has_value()) << counts.error().to_string();
  ASSERT_EQ(counts->size(), 3u);
  EXPECT_EQ((*counts)[0], (std::pair<json, std::int64_t>{"Paul", 2}));
  auto filtered = articles.count_by("author", {{"_id", {{"$ne", "1"}}}});
  ASSERT_TRUE(filtered.has_value());
  EXPECT_EQ(filtered->size(), 3u);
}

TEST_P(WarehouseTest, UpdateOneSetsFieldsOfTheFirstMatch) {
  auto things = collection("things");
  ASSERT_TRUE(things.insert_many({doc("a", {{"g", 1}}), doc("b", {{"g", 1}})}));
  auto updated = things.update_one({{"g", 1}}, {{"state", "done"}, {"meta.by", "test"}});
  ASSERT_TRUE(updated.has_value()) << updated.error().to_string();
  EXPECT_EQ(*updated, 1);
  EXPECT_EQ(things.get("a").value().value().fields,
            (json{{"g", 1}, {"state", "done"}, {"meta", {{"by", "test"}}}}));
  EXPECT_EQ(things.get("b").value().value().fields, (json{{"g", 1}}));
  EXPECT_EQ(things.update_one({{"g", 2}}, {{"x", 1}}).value_or(-1), 0);
  EXPECT_EQ(things.update_one({{"g", 1}}, {{"_id", "z"}}).error().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(WarehouseTest, DeleteOneAndMany) {
  auto things = collection("things");
  ASSERT_TRUE(
      things.insert_many({doc("a", {{"g", 1}}), doc("b", {{"g", 1}}), doc("c", {{"g", 2}})}));
  EXPECT_EQ(things.delete_one({{"g", 1}}).value_or(-1), 1);
  EXPECT_THAT(ids_of(things.find(json::object()).value()), ElementsAre("b", "c"));
  EXPECT_EQ(things.delete_many({{"g", {{"$in", {1, 2}}}}}).value_or(-1), 2);
  EXPECT_EQ(things.count().value_or(-1), 0);
}

TEST_P(WarehouseTest, UniqueIndexRefusesDuplicates) {
  auto articles = collection("articles");
  ASSERT_TRUE(articles.create_index({{"link"}, true}).is_ok());
  ASSERT_TRUE(articles.create_index({{"link"}, true}).is_ok());  // idempotent
  ASSERT_TRUE(articles.insert(doc("1", {{"link", "https://x/1"}})));
  auto duplicate = articles.insert(doc("2", {{"link", "https://x/1"}}));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().code(), StatusCode::kAlreadyExists);
  // Documents without the field, or with null, do not collide.
  EXPECT_TRUE(articles.insert(doc("3", {})).has_value());
  EXPECT_TRUE(articles.insert(doc("4", {})).has_value());
  EXPECT_TRUE(articles.insert(doc("5", {{"link", nullptr}})).has_value());
  EXPECT_TRUE(articles.insert(doc("6", {{"link", nullptr}})).has_value());
  EXPECT_EQ(articles.find({{"link", "https://x/1"}}).value().size(), 1u);
}

TEST_P(WarehouseTest, UniqueIndexOnADottedPath) {
  auto repos = collection("repositories");
  ASSERT_TRUE(repos.create_index({{"meta.name", "platform"}, true}).is_ok());
  ASSERT_TRUE(repos.insert(doc("1", {{"meta", {{"name", "x"}}}, {"platform", "github"}})));
  ASSERT_TRUE(repos.insert(doc("2", {{"meta", {{"name", "x"}}}, {"platform", "gitlab"}})));
  EXPECT_EQ(
      repos.insert(doc("3", {{"meta", {{"name", "x"}}}, {"platform", "github"}})).error().code(),
      StatusCode::kAlreadyExists);
}

TEST_P(WarehouseTest, UniqueIndexOverDuplicatesFails) {
  auto articles = collection("articles");
  ASSERT_TRUE(articles.insert_many({doc("1", {{"link", "l"}}), doc("2", {{"link", "l"}})}));
  Status status = articles.create_index({{"link"}, true});
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.to_string();
  ASSERT_TRUE(articles.create_index({{"link"}, false}).is_ok());
  auto indexes = articles.indexes();
  ASSERT_TRUE(indexes.has_value());
  ASSERT_EQ(indexes->size(), 1u);
  EXPECT_FALSE((*indexes)[0].unique);
  EXPECT_THAT((*indexes)[0].fields, ElementsAre("link"));
}

TEST_P(WarehouseTest, GetOrCreateFromManyThreadsYieldsOneDocument) {
  auto users = collection("users");
  constexpr int kThreads = 12;
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto user = users.get_or_create({{"first_name", "Paul"}, {"last_name", "Iusztin"}},
                                      {{"source", "thread"}});
      ASSERT_TRUE(user.has_value()) << user.error().to_string();
      ids[static_cast<size_t>(t)] = user->id;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(users.count().value_or(-1), 1);
  auto stored = users.get(ids[0]).value().value();
  EXPECT_EQ(stored.fields,
            (json{{"first_name", "Paul"}, {"last_name", "Iusztin"}, {"source", "thread"}}));
}

TEST_P(WarehouseTest, GetOrCreateRefusesOperators) {
  auto users = collection("users");
  EXPECT_EQ(users.get_or_create({{"n", {{"$gt", 1}}}}).error().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(WarehouseTest, CollectionsAreListedAndNamesChecked) {
  ASSERT_TRUE(warehouse_->collection("users").has_value());
  ASSERT_TRUE(warehouse_->collection("articles").has_value());
  auto names = warehouse_->collection_names();
  ASSERT_TRUE(names.has_value());
  EXPECT_THAT(*names, ElementsAre("articles", "users"));
  EXPECT_EQ(warehouse_->collection("bad name; DROP").error().code(), StatusCode::kInvalidArgument);
}

TEST_P(WarehouseTest, TransactionsSpanCollections) {
  auto users = collection("users");
  auto posts = collection("posts");
  Status status = warehouse_->run_in_transaction([&]() -> Status {
    TWIN_RETURN_IF_ERROR(db::status_of(users.insert(doc("u", {}))));
    TWIN_RETURN_IF_ERROR(db::status_of(posts.insert(doc("p", {}))));
    return Status::cancelled("undo");
  });
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  EXPECT_EQ(users.count().value_or(-1), 0);
  EXPECT_EQ(posts.count().value_or(-1), 0);
}

TEST_P(WarehouseTest, ReopeningKeepsDocuments) {
  ASSERT_TRUE(collection("users").insert(doc("u", {{"a", 1}})));
  warehouse_.reset();
  auto reopened = Warehouse::open(scratch_->uri());
  ASSERT_TRUE(reopened.has_value()) << reopened.error().to_string();
  auto users = (*reopened)->collection("users");
  ASSERT_TRUE(users.has_value());
  EXPECT_EQ(users->count().value_or(-1), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, WarehouseTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

TEST(WarehouseOpen, MongodbUriSaysWhatToSetInstead) {
  auto opened = Warehouse::open("mongodb://llm_engineering:llm_engineering@127.0.0.1:27017");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message(), HasSubstr("DATABASE_HOST"));
  EXPECT_THAT(opened.error().message(), HasSubstr("postgresql://"));
  EXPECT_EQ(opened.error().message().find("llm_engineering:llm"), std::string::npos);
}

TEST(WarehouseOpen, SqliteIndexIsUsedForFindsOnTheField) {
  testing_support::TempDir dir;
  auto warehouse = Warehouse::open("sqlite://" + (dir.path() / "w.db").string());
  ASSERT_TRUE(warehouse.has_value());
  auto articles = (*warehouse)->collection("articles");
  ASSERT_TRUE(articles.has_value());
  ASSERT_TRUE(articles->create_index({{"link"}, true}).is_ok());
  auto plan = (*warehouse)
                  ->database()
                  .query(
                      "EXPLAIN QUERY PLAN SELECT id FROM wh_articles WHERE "
                      "(json_extract(body, '$.link') = ? AND json_type(body, '$.link') = 'text')",
                      {"x"});
  ASSERT_TRUE(plan.has_value()) << plan.error().to_string();
  std::string details;
  for (const auto& row : *plan) details += row.text("detail") + "\n";
  EXPECT_THAT(details, HasSubstr("ix_articles__link")) << details;
}

}  // namespace
}  // namespace twin::warehouse
