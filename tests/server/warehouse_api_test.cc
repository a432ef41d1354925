// The data warehouse side of twin's JSON API over a real SQLite warehouse: collection counts
// (as `twin warehouse stats --json`), pages of documents with previews and lineage, errors.
#include <gtest/gtest.h>

#include "server/server_fixture.h"
#include "server/warehouse_routes.h"
#include "twin/llm_twin/documents.h"

namespace twin::server {
namespace {

using nlohmann::json;

class WarehouseServerApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(ServerOptions{}); }

  void start(ServerOptions options) {
    server_ = std::make_unique<RunningServer>(scratch_.uri(), std::move(options));
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    auto& store = server_->warehouse();
    llm_twin::UserDocument user{.id = "u1", .first_name = "Paul", .last_name = "Iusztin"};
    auto users = llm_twin::open_collection(store, *llm_twin::find_document_class("users"));
    ASSERT_TRUE(users) << users.error();
    ASSERT_TRUE(users->insert(user.to_document()));

    auto articles = llm_twin::open_collection(store, *llm_twin::find_document_class("articles"));
    ASSERT_TRUE(articles) << articles.error();
    std::vector<warehouse::Document> documents;
    for (int i = 0; i < 3; ++i) {
      llm_twin::ArticleDocument article;
      article.id = fmt::format("a{}", i);
      article.content = {{"Title", fmt::format("Article {}", i)},
                         {"Subtitle", ""},
                         {"Content", i == 0 ? std::string(2000, 'x') : "short"},
                         {"language", "en"}};
      article.link = fmt::format("https://medium.com/a{}", i);
      article.platform = i == 2 ? "substack" : "medium";
      article.author = {.author_id = "u1",
                        .author_full_name = i == 2 ? "Maxime Labonne" : "Paul Iusztin"};
      if (i == 0) article.lineage = warehouse::Lineage{.run_id = "run-1", .step_run_id = "step-1"};
      documents.push_back(article.to_document());
    }
    auto written = articles->insert_many(std::move(documents));
    ASSERT_TRUE(written) << written.error();
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
};

TEST_F(WarehouseServerApiTest, CollectionsWithCountsPerAuthor) {
  auto c = server_->client();
  JsonReply reply = get_json(c, "/api/twin/warehouse");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["available"], true);
  // The same document `twin warehouse stats --json` prints under "collections".
  auto stats = llm_twin::collection_stats(server_->warehouse());
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(reply.body["collections"], *stats);
  EXPECT_EQ(reply.body["collections"]["articles"]["documents"], 3);
  EXPECT_EQ(reply.body["collections"]["articles"]["authors"],
            (json{{"Paul Iusztin", 2}, {"Maxime Labonne", 1}}));
  EXPECT_EQ(reply.body["collections"]["users"]["documents"], 1);
  EXPECT_EQ(reply.body["collections"]["users"]["authors"], json::object());
}

TEST_F(WarehouseServerApiTest, PageOfDocumentsWithPreviewAndLineage) {
  auto c = server_->client();
  JsonReply page = get_json(c, "/api/twin/warehouse/articles");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body["collection"], "articles");
  EXPECT_EQ(page.body["total"], 3);
  ASSERT_EQ(page.body["documents"].size(), 3u);
  const json& first = page.body["documents"][0];
  EXPECT_EQ(first["_id"], "a0");
  EXPECT_EQ(first["document"]["_id"], "a0");
  EXPECT_EQ(first["document"]["link"], "https://medium.com/a0");
  EXPECT_EQ(first["truncated"], true);
  const std::string content = first["document"]["content"]["Content"];
  EXPECT_LT(content.size(), 600u);
  EXPECT_GE(content.size(), 500u);
  EXPECT_EQ(first["lineage"], (json{{"run_id", "run-1"}, {"step_run_id", "step-1"}}));
  EXPECT_EQ(page.body["documents"][1]["truncated"], false);
  EXPECT_TRUE(page.body["documents"][1]["lineage"].is_null());

  // limit and skip page through insertion order; a class name names its collection.
  JsonReply second = get_json(c, "/api/twin/warehouse/ArticleDocument?limit=1&skip=1");
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["total"], 3);
  ASSERT_EQ(second.body["documents"].size(), 1u);
  EXPECT_EQ(second.body["documents"][0]["_id"], "a1");

  // A MongoDB-style filter, URL-encoded.
  JsonReply filtered = get_json(
      c, "/api/twin/warehouse/articles?filter=" +
             httplib::detail::encode_query_param(R"({"platform": {"$in": ["substack"]}})"));
  ASSERT_EQ(filtered.status, 200) << filtered.raw;
  EXPECT_EQ(filtered.body["total"], 1);
  ASSERT_EQ(filtered.body["documents"].size(), 1u);
  EXPECT_EQ(filtered.body["documents"][0]["document"]["author_full_name"], "Maxime Labonne");

  // A class with nothing stored yet is an empty page, not an error.
  JsonReply posts = get_json(c, "/api/twin/warehouse/posts");
  ASSERT_EQ(posts.status, 200) << posts.raw;
  EXPECT_EQ(posts.body["total"], 0);
}

TEST_F(WarehouseServerApiTest, UnknownCollectionIs404AndBadFilterIs400) {
  auto c = server_->client();
  JsonReply unknown = get_json(c, "/api/twin/warehouse/nope");
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_EQ(unknown.body["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_NE(unknown.body["message"].get<std::string>().find("nope"), std::string::npos);

  JsonReply bad_operator =
      get_json(c, "/api/twin/warehouse/articles?filter=" +
                      httplib::detail::encode_query_param(R"({"link": {"$regex": "medium"}})"));
  EXPECT_EQ(bad_operator.status, 400) << bad_operator.raw;
  EXPECT_EQ(bad_operator.body["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_NE(bad_operator.body["message"].get<std::string>().find("$regex"), std::string::npos)
      << bad_operator.raw;

  JsonReply not_json = get_json(c, "/api/twin/warehouse/articles?filter=%7Bnope");
  EXPECT_EQ(not_json.status, 400) << not_json.raw;
  EXPECT_EQ(not_json.body["error_code"], "INVALID_PARAMETER_VALUE");
}

TEST_F(WarehouseServerApiTest, TokenRequired) {
  server_.reset();
  ServerOptions options;
  options.token = "wh-token";
  start(options);
  auto c = server_->client();
  EXPECT_EQ(get_json(c, "/api/twin/warehouse").status, 401);
  EXPECT_EQ(get_json(c, "/api/twin/warehouse/articles").status, 401);
  const httplib::Headers auth = {{"Authorization", "Bearer wh-token"}};
  EXPECT_EQ(get_json(c, "/api/twin/warehouse", auth).status, 200);
  EXPECT_EQ(get_json(c, "/api/twin/warehouse/articles", auth).status, 200);
}

TEST(WarehouseServerPreview, CutsLongStringsOnCharacterBoundaries) {
  bool truncated = false;
  const json small = {{"a", "short"}, {"n", 3}, {"list", {"x", "y"}}};
  EXPECT_EQ(preview_json(small, 10, truncated), small);
  EXPECT_FALSE(truncated);
  // "é" is two bytes: a cut at byte 3 of "aéé" must not split the second one.
  const json cut = preview_json(json{{"t", {"aéé"}}}, 4, truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(cut["t"][0], "aé…");
}

}  // namespace
}  // namespace twin::server
