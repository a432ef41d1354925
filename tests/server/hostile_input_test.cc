// Requests built to crash or stall the server: deep nesting, oversized and chunked bodies.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kApi = "/api/2.0/mlflow";

std::string nested_array(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A raw TCP connection to the server, for clients httplib would not be: slow, idle, chunked.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // What the server sent until it closed the connection or `timeout` passed.
  std::string read_until_closed(std::chrono::milliseconds timeout) {
    std::string got;
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      pollfd one{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&one, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buffer, static_cast<size_t>(n));
    }
    return got;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

ServerOptions strict_options() {
  ServerOptions options;
  options.max_body_bytes = 256 * 1024;
  options.threads = 2;
  options.header_timeout = std::chrono::milliseconds(1000);
  options.idle_timeout = std::chrono::milliseconds(1000);
  options.max_connections_per_client = 40;
  return options;
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.error().empty()) << server_.error(); }
  testing_support::ScratchDatabase scratch_{"sqlite"};
  RunningServer server_{scratch_.uri(), strict_options()};
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

TEST_F(HostileInputTest, NonUtf8QueryParameterIs400Not500) {
  auto c = server_.client();
  JsonReply reply = get_json(c, kApi + "/experiments/get-by-name?experiment_name=caf%E9%FF");
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_NE(reply.raw.find("not UTF-8"), std::string::npos) << reply.raw;
}

TEST_F(HostileInputTest, RunsSearchWithAThousandAndsIs400WithoutSql) {
  auto c = server_.client();
  std::string filter = "params.lr = '1'";
  for (int i = 0; i < 999; ++i) filter += " AND params.lr = '1'";
  JsonReply reply =
      post_json(c, kApi + "/runs/search", {{"experiment_ids", {"0"}}, {"filter", filter}});
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(reply.raw.find("SELECT"), std::string::npos) << reply.raw;
}

TEST_F(HostileInputTest, WarehouseFilterWith999InValuesIs400WithoutSql) {
  auto c = server_.client();
  json values = json::array();
  for (int i = 0; i < 999; ++i) values.push_back(i);
  ASSERT_TRUE(server_.warehouse().collection("notes").has_value());
  const std::string filter = json{{"n", {{"$in", values}}}}.dump();
  JsonReply reply = get_json(
      c, "/api/twin/warehouse/notes?filter=" + httplib::detail::encode_query_param(filter));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(reply.raw.find("SELECT"), std::string::npos) << reply.raw;
}

TEST_F(HostileInputTest, ChunkedJsonBodyOverTheLimitIs413NotReadWhole) {
  RawConnection raw(server_.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.send("POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "4000\r\n" + std::string(0x4000, ' ') + "\r\n";
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(raw.send(chunk));  // 320 KB: over the 256 KB limit
  const std::string reply = raw.read_until_closed(std::chrono::seconds(10));
  EXPECT_NE(reply.find("413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("REQUEST_LIMIT_EXCEEDED"), std::string::npos) << reply;
  EXPECT_TRUE(raw.closed());
  auto c = server_.client();
  EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
}

TEST_F(HostileInputTest, CompressedBodyIs415) {
  auto c = server_.client();
  JsonReply reply = to_reply(c.Post(kApi + "/experiments/create", {{"Content-Encoding", "gzip"}},
                                    std::string("\x1f\x8b\x08\x00", 4), "application/json"));
  EXPECT_EQ(reply.status, 415) << reply.raw;
}

TEST_F(HostileInputTest, SlowHeaderClientsDoNotStopOthersAndAreCutOff) {
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_.port()));
    ASSERT_TRUE(slow.back()->send("P"));
  }
  auto c = server_.client();
  c.set_read_timeout(5, 0);
  EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
  for (auto& connection : slow) {
    connection->send("O");
    connection->read_until_closed(std::chrono::seconds(10));
    EXPECT_TRUE(connection->closed())
        << "a slow client kept its connection past the header timeout";
  }
}

TEST_F(HostileInputTest, IdleConnectionsDoNotStopOthers) {
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 30; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  for (int i = 0; i < 5; ++i) {
    auto c = server_.client();
    c.set_read_timeout(5, 0);
    EXPECT_EQ(get_json(c, "/api/twin/health").status, 200);
  }
}

TEST(HostileConnectionsTest, ConnectionsPerClientAreCappedWith503) {
  testing_support::ScratchDatabase scratch{"sqlite"};
  ServerOptions options;
  options.max_connections_per_client = 10;
  options.idle_timeout = std::chrono::seconds(60);
  RunningServer server(scratch.uri(), options);
  ASSERT_TRUE(server.error().empty()) << server.error();
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 10; ++i) held.push_back(std::make_unique<RawConnection>(server.port()));
  // Each is admitted on a thread of its own; wait until all ten are counted.
  std::string reply;
  for (int attempt = 0; attempt < 50 && reply.find("503") == std::string::npos; ++attempt) {
    RawConnection one_too_many(server.port());
    reply = one_too_many.read_until_closed(std::chrono::milliseconds(200));
  }
  EXPECT_NE(reply.find("503"), std::string::npos) << reply;
  held.clear();
  auto c = server.client();
  JsonReply health;
  for (int attempt = 0; attempt < 50 && health.status != 200; ++attempt) {
    health = get_json(c, "/api/twin/health");
    if (health.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(health.status, 200) << "connections were not released";
}

TEST_F(HostileInputTest, RunsSearchOnAnUnknownAttributeIs400NotSilentlyEmpty) {
  auto c = server_.client();
  JsonReply reply = post_json(c, kApi + "/runs/search",
                              {{"experiment_ids", {"0"}}, {"filter", "attributes.nosuch = 1"}});
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_NE(reply.raw.find("'nosuch'"), std::string::npos) << reply.raw;
  EXPECT_EQ(post_json(c, kApi + "/runs/search",
                      {{"experiment_ids", {"0"}}, {"order_by", {"attributes.nosuch DESC"}}})
                .status,
            400);
  EXPECT_EQ(post_json(c, kApi + "/runs/search",
                      {{"experiment_ids", {"0"}}, {"filter", "attributes.status = 'FINISHED'"}})
                .status,
            200);
}

}  // namespace
}  // namespace twin::server
