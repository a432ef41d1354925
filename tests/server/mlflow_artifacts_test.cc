// MLflow's artifact proxy (/api/2.0/mlflow-artifacts/artifacts): uploads, downloads and listings
// through a real HTTP client, and every way a path could try to leave the artifact root.
#include <gtest/gtest.h>

#include <fstream>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
const std::string kProxy = "/api/2.0/mlflow-artifacts/artifacts";

class MlflowArtifactsTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    server_ = std::make_unique<RunningServer>(scratch_.uri(), options);
    ASSERT_TRUE(server_->error().empty()) << server_->error();
  }

  std::string create_run(httplib::Client& c) {
    JsonReply run = post_json(c, "/api/2.0/mlflow/runs/create", {{"experiment_id", "0"}});
    EXPECT_EQ(run.status, 200) << run.raw;
    return run.body["run"]["info"]["run_id"].get<std::string>();
  }

  fs::path root() const { return server_->artifacts() / "mlruns"; }

  // Files whose names say they are unfinished uploads, anywhere under the artifacts folder.
  size_t leftover_temporaries() const {
    size_t count = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(server_->artifacts(), ec)) {
      if (e.path().filename().string().find(".upload-") != std::string::npos) ++count;
    }
    return count;
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
};

TEST_F(MlflowArtifactsTest, UploadDownloadAndListARunsArtifacts) {
  start();
  auto c = server_->client();
  const std::string run_id = create_run(c);
  JsonReply run = get_json(c, "/api/2.0/mlflow/runs/get?run_id=" + run_id);
  const std::string artifact_uri = run.body["run"]["info"]["artifact_uri"];
  EXPECT_EQ(artifact_uri, "mlflow-artifacts:/0/" + run_id + "/artifacts");

  // What MLflow's client does with that URI: PUT to the proxy under the same path.
  const std::string base = "0/" + run_id + "/artifacts";
  std::string weights = "binary\0\xff\x01 bytes";
  weights += std::string(300000, 'w');
  auto put = c.Put(kProxy + "/" + base + "/model/weights.bin", weights, "application/octet-stream");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(put->body, "{}");
  ASSERT_EQ(c.Put(kProxy + "/" + base + "/notes.txt", "v1", "text/plain")->status, 200);
  ASSERT_EQ(c.Put(kProxy + "/" + base + "/notes.txt", "version 2", "text/plain")->status, 200);

  auto got = c.Get(kProxy + "/" + base + "/model/weights.bin");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(got->body, weights);
  EXPECT_EQ(c.Get(kProxy + "/" + base + "/notes.txt")->body, "version 2");
  EXPECT_EQ(get_json(c, kProxy + "/" + base + "/missing.txt").status, 404);

  JsonReply top = get_json(c, kProxy + "?path=" + base);
  ASSERT_EQ(top.status, 200) << top.raw;
  EXPECT_EQ(top.body["files"],
            (json::array({{{"path", "model"}, {"is_dir", true}},
                          {{"path", "notes.txt"}, {"is_dir", false}, {"file_size", 9}}})));
  JsonReply model = get_json(c, kProxy + "?path=" + base + "/model");
  ASSERT_EQ(model.body["files"].size(), 1u);
  EXPECT_EQ(model.body["files"][0]["path"], "weights.bin");
  EXPECT_EQ(model.body["files"][0]["file_size"], weights.size());

  // The tracking API lists the same files by run, with paths from the run's root.
  JsonReply listed = get_json(c, "/api/2.0/mlflow/artifacts/list?run_id=" + run_id + "&path=model");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.body["root_uri"], artifact_uri);
  ASSERT_EQ(listed.body["files"].size(), 1u);
  EXPECT_EQ(listed.body["files"][0]["path"], "model/weights.bin");
  EXPECT_EQ(get_json(c, "/api/2.0/mlflow/artifacts/list?run_id=" + run_id).body["files"].size(),
            2u);

  auto deleted = c.Delete(kProxy + "/" + base + "/notes.txt");
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(get_json(c, kProxy + "/" + base + "/notes.txt").status, 404);
  EXPECT_EQ(leftover_temporaries(), 0u);
}

TEST_F(MlflowArtifactsTest, PathsCannotLeaveTheArtifactRoot) {
  start();
  auto c = server_->client();
  c.set_url_encode(false);  // send each path exactly as written
  fs::create_directories(root());
  // A symlink inside the root that points outside it.
  fs::create_directories(server_->artifacts() / "outside");
  std::ofstream(server_->artifacts() / "outside" / "secret.txt") << "secret";
  fs::create_symlink(server_->artifacts() / "outside", root() / "link");

  for (const std::string path :
       {"../escape.txt", "0/../../escape.txt", "..%2Fescape.txt", "%2e%2e/escape.txt",
        "%2E%2E%2Fescape.txt", "0/./x.txt", "/escape.txt", "0//x.txt", "link/secret.txt",
        "link/new.txt", "a%00b.txt"}) {
    SCOPED_TRACE(path);
    auto put = c.Put(kProxy + "/" + path, "payload", "application/octet-stream");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 400) << put->body;
    auto got = c.Get(kProxy + "/" + path);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 400) << got->body;
    EXPECT_NE(got->body, "secret");
    EXPECT_EQ(get_json(c, kProxy + "?path=" + path).status, 400);
  }
  EXPECT_FALSE(fs::exists(server_->artifacts() / "escape.txt"));
  EXPECT_FALSE(fs::exists(server_->artifacts() / "outside" / "new.txt"));
  EXPECT_EQ(get_json(c, kProxy + "?path=link").status, 400);
  // A run's listing refuses the same escapes.
  const std::string run_id = create_run(c);
  EXPECT_EQ(get_json(c, "/api/2.0/mlflow/artifacts/list?run_id=" + run_id + "&path=..%2F..").status,
            400);
}

TEST_F(MlflowArtifactsTest, UploadsRespectTheSizeLimitAndLeaveNothingBehind) {
  ServerOptions options;
  options.max_artifact_bytes = 1000;
  start(options);
  auto c = server_->client();
  auto too_big = c.Put(kProxy + "/0/big.bin", std::string(1001, 'x'), "application/octet-stream");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(json::parse(too_big->body)["error_code"], "REQUEST_LIMIT_EXCEEDED");
  EXPECT_FALSE(fs::exists(root() / "0" / "big.bin"));

  // A body without Content-Length (chunked) is cut off at the limit too.
  auto chunked = c.Put(
      kProxy + "/0/chunked.bin",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 5000) {
          sink.done();
          return true;
        }
        const std::string chunk(500, 'c');
        return sink.write(chunk.data(), chunk.size());
      },
      "application/octet-stream");
  if (chunked) {
    EXPECT_NE(chunked->status, 200);
  }
  EXPECT_FALSE(fs::exists(root() / "0" / "chunked.bin"));

  auto fits = c.Put(kProxy + "/0/fits.bin", std::string(1000, 'x'), "application/octet-stream");
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 200) << fits->body;
  EXPECT_EQ(fs::file_size(root() / "0" / "fits.bin"), 1000u);
  EXPECT_EQ(leftover_temporaries(), 0u);
}

TEST_F(MlflowArtifactsTest, JsonBodiesKeepTheirOwnLimit) {
  ServerOptions options;
  options.max_body_bytes = 2000;
  options.max_artifact_bytes = 100000;
  start(options);
  auto c = server_->client();
  const std::string long_name(5000, 'n');
  JsonReply refused = post_json(c, "/api/2.0/mlflow/experiments/create", {{"name", long_name}});
  EXPECT_EQ(refused.status, 413) << refused.raw;
  auto artifact = c.Put(kProxy + "/0/ok.bin", std::string(50000, 'x'), "application/octet-stream");
  EXPECT_EQ(artifact->status, 200) << artifact->body;
}

}  // namespace
}  // namespace twin::server
