// twin server's Qdrant API over HTTP: the envelope, statuses, the token as Qdrant clients send
// it, and bad input (wrong vector size, unknown collection, malformed filter, numbers a float
// cannot hold, malformed JSON) answered in Qdrant's error envelope with nothing stored changed.
#include <gtest/gtest.h>

#include <cmath>

#include "server/server_fixture.h"
#include "support/scratch_database.h"

namespace twin::server {
namespace {

using nlohmann::json;

class QdrantApiTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.error().empty()) << server_.error();
    ASSERT_GT(server_.qdrant_port(), 0);
    const JsonReply created =
        put_json(client_, "/collections/docs", {{"vectors", {{"size", 3}, {"distance", "Dot"}}}});
    ASSERT_EQ(created.status, 200) << created.raw;
    const JsonReply upserted =
        put_json(client_, "/collections/docs/points?wait=true",
                 {{"points",
                   {{{"id", 1}, {"vector", {1, 0, 0}}, {"payload", {{"kind", "a"}}}},
                    {{"id", 2}, {"vector", {0, 1, 0}}, {"payload", {{"kind", "b"}}}}}}});
    ASSERT_EQ(upserted.status, 200) << upserted.raw;
  }

  std::uint64_t count() {
    const JsonReply reply = post_json(client_, "/collections/docs/points/count", {{"exact", true}});
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body["result"]["count"].get<std::uint64_t>();
  }

  // Asserts Qdrant's error envelope, with a message containing `words`.
  static void expect_error(const JsonReply& reply, int status, std::string_view words) {
    EXPECT_EQ(reply.status, status) << reply.raw;
    ASSERT_TRUE(reply.body.is_object()) << reply.raw;
    ASSERT_TRUE(reply.body.contains("status") && reply.body["status"].is_object()) << reply.raw;
    const std::string message = reply.body["status"].value("error", "");
    EXPECT_NE(message.find(words), std::string::npos) << message;
    EXPECT_TRUE(reply.body.contains("time"));
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  RunningServer server_{scratch_.uri(), ServerOptions{}};
  httplib::Client client_ = server_.qdrant_client();
};

TEST_F(QdrantApiTest, AnswersInQdrantsEnvelope) {
  const JsonReply version = get_json(client_, "/");
  EXPECT_EQ(version.status, 200);
  EXPECT_EQ(version.body["title"], "qdrant - vector search engine");
  const JsonReply search =
      post_json(client_, "/collections/docs/points/search",
                {{"vector", {1, 0.5, 0}}, {"limit", 1}, {"with_payload", true}});
  ASSERT_EQ(search.status, 200) << search.raw;
  EXPECT_EQ(search.body["status"], "ok");
  EXPECT_TRUE(search.body["time"].is_number());
  ASSERT_EQ(search.body["result"].size(), 1U);
  EXPECT_EQ(search.body["result"][0]["id"], 1);
  EXPECT_FLOAT_EQ(search.body["result"][0]["score"].get<float>(), 1.0F);
  EXPECT_EQ(search.body["result"][0]["payload"]["kind"], "a");
}

TEST_F(QdrantApiTest, WrongVectorSizeIs400AndStoresNothing) {
  const JsonReply reply =
      put_json(client_, "/collections/docs/points",
               {{"points", {{{"id", 3}, {"vector", {1, 0, 0}}}, {{"id", 4}, {"vector", {1, 0}}}}}});
  expect_error(reply, 400, "Wrong input");
  EXPECT_EQ(count(), 2U);  // the good point of the batch is not stored either
  const JsonReply search =
      post_json(client_, "/collections/docs/points/search", {{"vector", {1, 0}}, {"limit", 1}});
  expect_error(search, 400, "Wrong input");
}

TEST_F(QdrantApiTest, UnknownCollectionIs404) {
  expect_error(get_json(client_, "/collections/nosuch"), 404, "Collection `nosuch` doesn't exist!");
  expect_error(post_json(client_, "/collections/nosuch/points/search",
                         {{"vector", {1, 0, 0}}, {"limit", 1}}),
               404, "doesn't exist");
  expect_error(put_json(client_, "/collections/nosuch/points", {{"points", json::array()}}), 404,
               "doesn't exist");
}

TEST_F(QdrantApiTest, MalformedFilterIs400) {
  for (const json& filter :
       {json{{"must", {{{"key", "kind"}, {"match", {{"value", "a"}, {"any", {"a"}}}}}}}},
        json{{"must", {{{"key", "kind"}, {"range", {{"gt", "x"}}}}}}}, json{{"must", "kind"}},
        json{{"bogus", json::array()}}}) {
    SCOPED_TRACE(filter.dump());
    const JsonReply reply =
        post_json(client_, "/collections/docs/points/scroll", {{"filter", filter}, {"limit", 10}});
    expect_error(reply, 400, "filter");
  }
  const JsonReply deleted =
      post_json(client_, "/collections/docs/points/delete", {{"filter", {{"must", 7}}}});
  expect_error(deleted, 400, "filter");
  EXPECT_EQ(count(), 2U);
}

TEST_F(QdrantApiTest, NumbersOutsideFloatAndMalformedJsonAre400) {
  // JSON has no NaN or Infinity; 1e39 is finite in JSON but not as a float32.
  httplib::Headers none;
  const auto huge =
      client_.Put("/collections/docs/points", none,
                  R"({"points": [{"id": 9, "vector": [1e39, 0, 0]}]})", "application/json");
  ASSERT_TRUE(huge);
  expect_error(to_reply(huge), 400, "finite");
  const auto nan_text =
      client_.Put("/collections/docs/points", none,
                  R"({"points": [{"id": 9, "vector": [NaN, 0, 0]}]})", "application/json");
  ASSERT_TRUE(nan_text);
  expect_error(to_reply(nan_text), 400, "JSON");
  const auto bad_id =
      client_.Put("/collections/docs/points", none,
                  R"({"points": [{"id": -4, "vector": [1, 0, 0]}]})", "application/json");
  ASSERT_TRUE(bad_id);
  EXPECT_EQ(bad_id->status, 400) << bad_id->body;
  EXPECT_EQ(count(), 2U);
}

TEST_F(QdrantApiTest, ExistingCollectionIs409) {
  expect_error(
      put_json(client_, "/collections/docs", {{"vectors", {{"size", 3}, {"distance", "Dot"}}}}),
      409, "already exists");
}

TEST(QdrantApiTokenTest, AcceptsTheApiKeyHeaderAndBearer) {
  ServerOptions options;
  options.token = "s3cret";
  testing_support::ScratchDatabase scratch("sqlite");
  RunningServer server(scratch.uri(), options);
  ASSERT_TRUE(server.error().empty()) << server.error();
  httplib::Client client = server.qdrant_client();
  EXPECT_EQ(get_json(client, "/collections").status, 401);
  EXPECT_EQ(get_json(client, "/collections", {{"api-key", "wrong"}}).status, 401);
  EXPECT_EQ(get_json(client, "/collections", {{"api-key", "s3cret"}}).status, 200);
  EXPECT_EQ(get_json(client, "/collections", {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(get_json(client, "/healthz").status, 200);  // health checks need no key, as Qdrant's
}

}  // namespace
}  // namespace twin::server
