// Requests built to crash or stall the server: deep nesting, oversized and chunked bodies.
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kApi = "/api/2.0/mlflow";

std::string nested_array(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.error().empty()) << server_.error(); }
  testing_support::ScratchDatabase scratch_{"sqlite"};
  RunningServer server_{scratch_.uri(), ServerOptions{}};
};

TEST_F(HostileInputTest, JsonBodyNested60kDeepIs400NotACrash) {
  auto c = server_.client();
  const std::string body = R"({"name":"m","description":)" + nested_array(60'000) + "}";
  for (const std::string endpoint : {"/registered-models/create", "/runs/log-parameter",
                                     "/runs/search", "/experiments/create"}) {
    JsonReply reply = to_reply(c.Post(kApi + endpoint, body, "application/json"));
    EXPECT_EQ(reply.status, 400) << endpoint << ": " << reply.raw;
    EXPECT_EQ(reply.body["error_code"], "MALFORMED_REQUEST") << endpoint;
    EXPECT_NE(reply.raw.find("nested deeper than 256 levels"), std::string::npos) << reply.raw;
  }
  EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
}

TEST_F(HostileInputTest, WarehouseFilterNestedTooDeepIs400NotACrash) {
  auto c = server_.client();
  // 1000 levels: as deep as fits in httplib's 8 KB request line once percent-encoded.
  const std::string filter = R"({"$and":)" + nested_array(1000) + "}";
  JsonReply reply = get_json(
      c, "/api/twin/warehouse/articles?filter=" + httplib::detail::encode_query_param(filter));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
}

}  // namespace
}  // namespace twin::server
