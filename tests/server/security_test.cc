// Token authentication, request size limits, host checks and CORS of TwinServer.
#include <gtest/gtest.h>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kRunsSearch = "/api/2.0/mlflow/runs/search";

std::string header(const httplib::Headers& headers, const std::string& name) {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

ServerOptions with_token(std::string token) {
  ServerOptions options;
  options.token = std::move(token);
  return options;
}

class SecurityTest : public ::testing::Test {
 protected:
  std::unique_ptr<RunningServer> start(ServerOptions options) {
    auto server = std::make_unique<RunningServer>(scratch_.uri(), std::move(options));
    EXPECT_TRUE(server->error().empty()) << server->error();
    return server;
  }
  testing_support::ScratchDatabase scratch_{"sqlite"};
};

TEST_F(SecurityTest, TokenIsRequiredForEveryApiRequest) {
  auto server = start(with_token("s3cret"));
  auto c = server->client();
  JsonReply anonymous = post_json(c, kRunsSearch, json::object());
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.body["error_code"], "UNAUTHENTICATED");
  EXPECT_EQ(get_json(c, "/api/twin/experiments").status, 401);
  EXPECT_EQ(post_json(c, kRunsSearch, json::object(), {{"Authorization", "Bearer wrong"}}).status,
            401);
  EXPECT_EQ(post_json(c, kRunsSearch, json::object(), {{"Authorization", "Bearer s3cret-and-more"}})
                .status,
            401);
  EXPECT_EQ(post_json(c, kRunsSearch, json::object(), {{"Authorization", "Bearer s3cret"}}).status,
            200);
}

TEST_F(SecurityTest, DashboardTakesTheTokenOnceAndKeepsItAsACookie) {
  auto server = start(with_token("s3cret"));
  auto c = server->client();
  JsonReply wrong = get_json(c, "/?token=nope");
  EXPECT_EQ(wrong.status, 401);
  JsonReply right = get_json(c, "/?token=s3cret");
  EXPECT_EQ(right.status, 302);
  const std::string cookie = header(right.headers, "Set-Cookie");
  EXPECT_NE(cookie.find("twin_token=s3cret"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_EQ(get_json(c, "/api/twin/experiments", {{"Cookie", "other=1; twin_token=s3cret"}}).status,
            200);
  EXPECT_EQ(get_json(c, "/api/twin/experiments", {{"Cookie", "twin_token=s3cre"}}).status, 401);
}

TEST_F(SecurityTest, NoTokenMeansOpenApi) {
  auto server = start({});
  auto c = server->client();
  EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
}

TEST_F(SecurityTest, BodiesOverTheLimitAre413) {
  ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  auto server = start(options);
  auto c = server->client();
  const std::string big = json{{"name", std::string(100 * 1024, 'x')}}.dump();
  JsonReply refused =
      to_reply(c.Post("/api/2.0/mlflow/experiments/create", big, "application/json"));
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(refused.body["error_code"], "REQUEST_LIMIT_EXCEEDED");
  EXPECT_EQ(post_json(c, "/api/2.0/mlflow/experiments/create", {{"name", "small"}}).status, 200);
}

TEST_F(SecurityTest, LoopbackServerRefusesForeignHostNames) {
  auto server = start({});
  auto c = server->client();
  JsonReply rebound = get_json(c, "/api/twin/health", {{"Host", "evil.example:8237"}});
  EXPECT_EQ(rebound.status, 403);
  EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", "localhost:8237"}}).status, 200);
}

TEST_F(SecurityTest, NoCorsUnlessConfigured) {
  {
    auto server = start({});
    auto c = server->client();
    JsonReply plain = get_json(c, "/api/twin/health", {{"Origin", "http://elsewhere.example"}});
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(header(plain.headers, "Access-Control-Allow-Origin"), "");
    auto preflight = c.Options("/api/2.0/mlflow/runs/create");
    ASSERT_TRUE(preflight);
    EXPECT_EQ(preflight->status, 403);
  }
  ServerOptions options;
  options.cors_origin = "http://notebook.example";
  auto server = start(options);
  auto c = server->client();
  JsonReply allowed = get_json(c, "/api/twin/health", {{"Origin", "http://notebook.example"}});
  EXPECT_EQ(header(allowed.headers, "Access-Control-Allow-Origin"), "http://notebook.example");
  auto preflight = c.Options("/api/2.0/mlflow/runs/create");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
}

TEST_F(SecurityTest, LoopbackServerRefusesNamesThatOnlyStartWith127) {
  auto server = start({});
  auto c = server->client();
  for (const std::string host : {"127.0.0.1.evil.com", "127.255.1.1.nip.io:8237", "127.1",
                                 "localhost.evil.com", "127.0.0.1evil", "0x7f.0.0.1"}) {
    EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", host}}).status, 403) << host;
  }
  for (const std::string host :
       {"127.0.0.1:8237", "127.8.9.10", "[::1]:8237", "[::1]", "LocalHost:8237"}) {
    EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", host}}).status, 200) << host;
  }
}

TEST_F(SecurityTest, AllowedHostNamesAreAnsweredOthersStillRefused) {
  ServerOptions options;
  options.allowed_hosts = {"twin.internal"};
  auto server = start(options);
  auto c = server->client();
  EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", "twin.internal:8237"}}).status, 200);
  EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", "TWIN.internal"}}).status, 200);
  EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", "twin.internal.evil.com"}}).status, 403);
  EXPECT_EQ(get_json(c, "/api/twin/health", {{"Host", "localhost"}}).status, 200);
}

}  // namespace
}  // namespace twin::server
