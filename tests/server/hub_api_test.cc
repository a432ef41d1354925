// The Hub API against bad input: a wrong token, an upload whose bytes do not match its oid, a
// truncated upload, a forged upload URL, a path with "..", an LFS file never uploaded. Each gets
// its HTTP error and records nothing. And a commit to a model repo becomes a registry version.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "server/server_fixture.h"
#include "twin/artifacts/content_hash.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kToken = "hf_hub_test_token";
const httplib::Headers kAuth = {{"Authorization", "Bearer " + kToken}};
const hub::RepoId kRepo{.type = hub::RepoType::kModel, .name = "team/model"};

std::string header(const httplib::Headers& headers, const std::string& name) {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

// The path and query of an absolute URL the server handed out.
std::string local_part(const std::string& url) {
  const size_t start = url.find('/', std::string("http://").size());
  return url.substr(start);
}

class HubApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.token = kToken;
    options.hub_multipart_chunk_bytes = 1024;
    server_ = std::make_unique<RunningServer>(scratch_.uri(), options);
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    ASSERT_EQ(server_->hub().create_repo(kRepo), Status::ok());
  }

  std::string head_of(const hub::RepoId& repo) {
    auto commit = server_->hub().resolve(repo, "main");
    EXPECT_TRUE(commit.has_value());
    return commit ? commit->id : "";
  }

  // The LFS batch answer's upload action for one object.
  json upload_action(const std::string& oid, size_t size) {
    auto c = server_->client();
    const json request = {{"operation", "upload"},
                          {"transfers", {"basic", "multipart"}},
                          {"objects", {{{"oid", oid}, {"size", size}}}}};
    auto reply = to_reply(c.Post("/team/model.git/info/lfs/objects/batch", kAuth, request.dump(),
                                 "application/vnd.git-lfs+json"));
    EXPECT_EQ(reply.status, 200) << reply.raw;
    return reply.body["objects"][0]["actions"]["upload"];
  }

  bool staging_is_empty() const {
    const auto folder = server_->artifacts() / "hub-staging";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
      if (entry.is_regular_file()) return false;
    }
    return true;
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
};

TEST_F(HubApiTest, WrongTokenIsRefusedEverywhere) {
  auto c = server_->client();
  const httplib::Headers wrong = {{"Authorization", "Bearer hf_wrong"}};
  EXPECT_EQ(get_json(c, "/api/whoami-v2", wrong).status, 401);
  EXPECT_EQ(post_json(c, "/api/repos/create", {{"name", "other"}, {"organization", "team"}}, wrong)
                .status,
            401);
  EXPECT_EQ(server_->hub().repo_exists({.type = hub::RepoType::kModel, .name = "team/other"}),
            false);
  EXPECT_EQ(to_reply(c.Post("/team/model.git/info/lfs/objects/batch", wrong,
                            R"({"operation":"upload","objects":[]})", "application/json"))
                .status,
            401);
  EXPECT_EQ(to_reply(c.Get("/team/model/resolve/main/README.md", wrong)).status, 401);
  const std::string head = head_of(kRepo);
  EXPECT_EQ(to_reply(c.Post("/api/models/team/model/commit/main", wrong,
                            "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n",
                            "application/x-ndjson"))
                .status,
            401);
  EXPECT_EQ(head_of(kRepo), head);
  EXPECT_EQ(get_json(c, "/api/whoami-v2", kAuth).status, 200);
}

TEST_F(HubApiTest, UploadWhoseBytesDoNotMatchTheOidIsRefused) {
  const std::string promised(500, 'a');
  const std::string oid = artifacts::sha256_hex(promised);
  const json action = upload_action(oid, 500);  // under the 1 KiB chunk: one basic PUT
  ASSERT_TRUE(action.contains("href")) << action.dump();
  auto c = server_->client();
  const std::string wrong_bytes(500, 'b');
  auto reply = to_reply(c.Put(local_part(action["href"]), wrong_bytes, "application/octet-stream"));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_NE(reply.body["error"].get<std::string>().find("not the oid"), std::string::npos)
      << reply.raw;
  EXPECT_FALSE(server_->blobs().contains(oid));
  EXPECT_FALSE(server_->blobs().contains(artifacts::sha256_hex(wrong_bytes)));
  EXPECT_TRUE(staging_is_empty());
}

TEST_F(HubApiTest, TruncatedUploadIsRefused) {
  const std::string whole(800, 'x');
  const std::string oid = artifacts::sha256_hex(whole);
  const json action = upload_action(oid, whole.size());
  auto c = server_->client();
  auto reply =
      to_reply(c.Put(local_part(action["href"]), whole.substr(0, 700), "application/octet-stream"));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_FALSE(server_->blobs().contains(oid));
  EXPECT_TRUE(staging_is_empty());
  // A body that stops short of its own Content-Length (the client went away mid-upload).
  {
    const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    const std::string request =
        fmt::format("PUT {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 800\r\n\r\n{}",
                    local_part(action["href"]), whole.substr(0, 700));
    ASSERT_EQ(::send(sock, request.data(), request.size(), 0),
              static_cast<ssize_t>(request.size()));
    ::shutdown(sock, SHUT_WR);
    char buffer[512];
    while (::recv(sock, buffer, sizeof(buffer), 0) > 0) {
    }
    ::close(sock);
  }
  for (int i = 0; i < 100 && !staging_is_empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(server_->blobs().contains(oid));
  EXPECT_TRUE(staging_is_empty());
  // The whole object through the same URL is stored.
  reply = to_reply(c.Put(local_part(action["href"]), whole, "application/octet-stream"));
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(server_->blobs().contains(oid));
  // Asked again, the batch API has nothing to upload.
  EXPECT_TRUE(upload_action(oid, whole.size()).is_null());
}

TEST_F(HubApiTest, MultipartWithAMissingPartIsRefused) {
  const std::string whole(2500, 'm');  // three parts of 1 KiB
  const std::string oid = artifacts::sha256_hex(whole);
  const json action = upload_action(oid, whole.size());
  ASSERT_EQ(action["header"]["chunk_size"], "1024") << action.dump();
  auto c = server_->client();
  for (size_t part = 1; part <= 2; ++part) {
    const std::string url = action["header"][fmt::format("{:05}", part)];
    auto reply = to_reply(
        c.Put(local_part(url), whole.substr((part - 1) * 1024, 1024), "application/octet-stream"));
    EXPECT_EQ(reply.status, 200) << reply.raw;
    EXPECT_FALSE(header(reply.headers, "ETag").empty());
  }
  const json completion = {
      {"oid", oid}, {"parts", {{{"partNumber", 1}}, {{"partNumber", 2}}, {{"partNumber", 3}}}}};
  auto reply = to_reply(
      c.Post(local_part(action["href"]), completion.dump(), "application/vnd.git-lfs+json"));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_FALSE(server_->blobs().contains(oid));
  EXPECT_TRUE(staging_is_empty());
}

TEST_F(HubApiTest, ForgedOrUnsignedUploadUrlsAre403) {
  const std::string whole(100, 'f');
  const std::string oid = artifacts::sha256_hex(whole);
  const std::string href = local_part(upload_action(oid, whole.size())["href"]);
  auto c = server_->client();
  EXPECT_EQ(to_reply(c.Put("/hub-lfs/" + oid, whole, "application/octet-stream")).status, 403);
  std::string forged = href;
  forged.replace(forged.find("size=100"), 8, "size=999");
  EXPECT_EQ(to_reply(c.Put(forged, whole, "application/octet-stream")).status, 403);
  EXPECT_FALSE(server_->blobs().contains(oid));
}

TEST_F(HubApiTest, PathsLeavingTheRepoAreRefused) {
  auto c = server_->client();
  const std::string head = head_of(kRepo);
  for (const std::string path : {"../evil.txt", "a/../../evil.txt", "/etc/passwd", "a//b", "./x"}) {
    const std::string body =
        "{\"key\":\"header\",\"value\":{\"summary\":\"bad\"}}\n" +
        json{{"key", "file"},
             {"value", {{"path", path}, {"content", "aGk="}, {"encoding", "base64"}}}}
            .dump() +
        "\n";
    auto reply =
        to_reply(c.Post("/api/models/team/model/commit/main", kAuth, body, "application/x-ndjson"));
    EXPECT_EQ(reply.status, 400) << path << ": " << reply.raw;
    const json preupload = {{"files", {{{"path", path}, {"size", 2}, {"sample", "aGk="}}}}};
    EXPECT_EQ(post_json(c, "/api/models/team/model/preupload/main", preupload, kAuth).status, 400)
        << path;
  }
  EXPECT_EQ(head_of(kRepo), head);
}

TEST_F(HubApiTest, FieldsOfTheWrongTypeAre400) {
  auto c = server_->client();
  const json preupload = {{"files", {{{"path", "a.txt"}, {"size", "big"}, {"sample", ""}}}}};
  EXPECT_EQ(post_json(c, "/api/models/team/model/preupload/main", preupload, kAuth).status, 400);
  const json batch = {{"operation", "upload"}, {"objects", {{{"oid", 5}, {"size", 1}}}}};
  EXPECT_EQ(to_reply(c.Post("/team/model.git/info/lfs/objects/batch", kAuth, batch.dump(),
                            "application/vnd.git-lfs+json"))
                .status,
            400);
  EXPECT_EQ(post_json(c, "/api/repos/create", {{"name", 7}}, kAuth).status, 400);
}

TEST_F(HubApiTest, LfsFileNeverUploadedIsRefused) {
  auto c = server_->client();
  const std::string head = head_of(kRepo);
  const std::string body =
      "{\"key\":\"header\",\"value\":{\"summary\":\"lfs\"}}\n" +
      json{{"key", "lfsFile"},
           {"value",
            {{"path", "w.bin"}, {"algo", "sha256"}, {"oid", std::string(64, 'c')}, {"size", 10}}}}
          .dump() +
      "\n";
  auto reply =
      to_reply(c.Post("/api/models/team/model/commit/main", kAuth, body, "application/x-ndjson"));
  EXPECT_EQ(reply.status, 400) << reply.raw;
  EXPECT_EQ(head_of(kRepo), head);
}

// As huggingface_hub sends them: lfsFile without a size, and deletedFolder.
TEST_F(HubApiTest, LfsFileWithoutSizeAndDeletedFolder) {
  const std::string bytes(600, 'w');
  const std::string oid = artifacts::sha256_hex(bytes);
  auto c = server_->client();
  ASSERT_EQ(to_reply(c.Put(local_part(upload_action(oid, bytes.size())["href"]), bytes,
                           "application/octet-stream"))
                .status,
            200);
  const std::string add =
      "{\"key\":\"header\",\"value\":{\"summary\":\"add\"}}\n" +
      json{{"key", "lfsFile"}, {"value", {{"path", "w/a.bin"}, {"algo", "sha256"}, {"oid", oid}}}}
          .dump() +
      "\n" + json{{"key", "file"}, {"value", {{"path", "keep.txt"}, {"content", "k"}}}}.dump() +
      "\n";
  auto added =
      to_reply(c.Post("/api/models/team/model/commit/main", kAuth, add, "application/x-ndjson"));
  ASSERT_EQ(added.status, 200) << added.raw;
  auto head = server_->hub().resolve(kRepo, "main");
  ASSERT_TRUE(head);
  ASSERT_EQ(head->files.size(), 2u);
  EXPECT_EQ(head->files[1].path, "w/a.bin");
  EXPECT_EQ(head->files[1].size, bytes.size());
  const std::string remove = "{\"key\":\"header\",\"value\":{\"summary\":\"rm\"}}\n" +
                             json{{"key", "deletedFolder"}, {"value", {{"path", "w/"}}}}.dump() +
                             "\n";
  auto removed =
      to_reply(c.Post("/api/models/team/model/commit/main", kAuth, remove, "application/x-ndjson"));
  ASSERT_EQ(removed.status, 200) << removed.raw;
  head = server_->hub().resolve(kRepo, "main");
  ASSERT_EQ(head->files.size(), 1u);
  EXPECT_EQ(head->files[0].path, "keep.txt");
}

TEST_F(HubApiTest, UnknownRepoRevisionAndEntryAnswerAsTheHubDoes) {
  auto c = server_->client();
  auto repo = to_reply(c.Get("/api/models/team/none", kAuth));
  EXPECT_EQ(repo.status, 404);
  EXPECT_EQ(header(repo.headers, "X-Error-Code"), "RepoNotFound");
  auto revision = to_reply(c.Get("/api/models/team/model/revision/v9", kAuth));
  EXPECT_EQ(header(revision.headers, "X-Error-Code"), "RevisionNotFound");
  auto entry = to_reply(c.Get("/team/model/resolve/main/none.txt", kAuth));
  EXPECT_EQ(entry.status, 404);
  EXPECT_EQ(header(entry.headers, "X-Error-Code"), "EntryNotFound");
  EXPECT_NE(entry.body["error"].get<std::string>().find("none.txt"), std::string::npos);
  auto xet = to_reply(c.Get("/api/models/team/model/xet-read-token/main", kAuth));
  EXPECT_NE(xet.raw.find("HF_HUB_DISABLE_XET=1"), std::string::npos) << xet.raw;
}

TEST_F(HubApiTest, ModelCommitBecomesARegistryVersionWithItsCard) {
  auto c = server_->client();
  const std::string card = "# team/model\nA card.\n";
  const std::string body =
      "{\"key\":\"header\",\"value\":{\"summary\":\"first weights\"}}\n" +
      json{{"key", "file"}, {"value", {{"path", "README.md"}, {"content", card}}}}.dump() + "\n";
  auto reply =
      to_reply(c.Post("/api/models/team/model/commit/main", kAuth, body, "application/x-ndjson"));
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto versions = server_->registry().search_versions("name = 'team/model'");
  ASSERT_TRUE(versions.has_value()) << versions.error();
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].model_card, card);
  EXPECT_EQ((*versions)[0].source,
            fmt::format("hub://models/team/model@{}", reply.body["commitOid"].get<std::string>()));
}

}  // namespace
}  // namespace twin::server
