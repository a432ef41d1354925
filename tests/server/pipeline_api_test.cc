// The pipeline side of twin's JSON API over a real metadata store and artifact store.
#include <gtest/gtest.h>

#include <fstream>

#include "server/pipeline_routes.h"
#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;

class PipelineApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RunningServer>(scratch_.uri(), ServerOptions{});
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    auto& store = server_->metadata();
    metadata::NewRun new_run;
    new_run.pipeline = "etl";
    new_run.name = "etl-run-1";
    auto run = store.create_run(new_run);
    ASSERT_TRUE(run) << run.error();
    run_id_ = run->id;

    const std::string content = R"({"links": ["https://example.com/a"]})";
    auto blob = server_->blobs().put_bytes(content);
    ASSERT_TRUE(blob) << blob.error();
    const auto log = server_->artifacts() / "produce.log";
    std::ofstream(log) << "fetched 1 link\n";
    auto produce = store.start_step_run(run_id_, "produce", "key-1", log.string(), {});
    ASSERT_TRUE(produce) << produce.error();
    metadata::StepRunEnd end;
    end.outputs.push_back({.output_name = "links",
                           .artifact = "produce.links",
                           .content_hash = blob->hash,
                           .size = blob->size,
                           .materializer = "json",
                           .uri = server_->blobs().blob_uri(blob->hash),
                           .metadata = {{"count", 1}}});
    ASSERT_TRUE(store.finish_step_run(produce->id, end).is_ok());

    auto version = store.get_artifact_version("produce.links", std::nullopt);
    ASSERT_TRUE(version) << version.error();
    auto consume =
        store.start_step_run(run_id_, "consume", "key-2", "",
                             {{.step_run_id = "", .name = "links", .artifact = *version}});
    ASSERT_TRUE(consume) << consume.error();
    ASSERT_TRUE(store.finish_step_run(consume->id, {}).is_ok());
    ASSERT_TRUE(store.finish_run(run_id_, metadata::RunStatus::kCompleted).is_ok());

    tracking::CreateRunRequest tracked;
    tracked.pipeline_run_id = run_id_;
    ASSERT_TRUE(server_->tracking().create_run(tracked));
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
  std::string run_id_;
};

TEST_F(PipelineApiTest, PipelinesRunsStepsAndLineage) {
  auto c = server_->client();
  JsonReply pipelines = get_json(c, "/api/twin/pipelines");
  ASSERT_EQ(pipelines.status, 200) << pipelines.raw;
  EXPECT_EQ(pipelines.body["available"], true);
  ASSERT_EQ(pipelines.body["pipelines"].size(), 1u);
  EXPECT_EQ(pipelines.body["pipelines"][0]["name"], "etl");
  EXPECT_EQ(pipelines.body["pipelines"][0]["last_run"]["status"], "completed");

  EXPECT_EQ(get_json(c, "/api/twin/pipeline-runs?pipeline=etl").body["runs"].size(), 1u);
  EXPECT_EQ(get_json(c, "/api/twin/pipeline-runs?pipeline=other").body["runs"].size(), 0u);

  JsonReply run = get_json(c, "/api/twin/pipeline-runs/etl-run-1");
  ASSERT_EQ(run.status, 200) << run.raw;
  ASSERT_EQ(run.body["steps"].size(), 2u);
  ASSERT_EQ(run.body["edges"].size(), 1u);
  EXPECT_EQ(run.body["edges"][0],
            (json{{"from", "produce"}, {"to", "consume"}, {"artifact", "produce.links"}}));
  EXPECT_EQ(run.body["tracker_runs"].size(), 1u);

  auto log = c.Get("/api/twin/pipeline-runs/" + run_id_ + "/steps/produce/logs");
  ASSERT_TRUE(log);
  EXPECT_EQ(log->status, 200);
  EXPECT_EQ(log->body, "fetched 1 link\n");
  EXPECT_EQ(get_json(c, "/api/twin/pipeline-runs/" + run_id_ + "/steps/nope/logs").status, 404);
  EXPECT_EQ(get_json(c, "/api/twin/pipeline-runs/missing").body["error_code"],
            "RESOURCE_DOES_NOT_EXIST");
}

TEST_F(PipelineApiTest, ArtifactsPreviewAndDownload) {
  auto c = server_->client();
  JsonReply artifacts = get_json(c, "/api/twin/artifacts");
  ASSERT_EQ(artifacts.status, 200) << artifacts.raw;
  ASSERT_EQ(artifacts.body["artifacts"].size(), 1u);
  JsonReply version = get_json(c, "/api/twin/artifacts/produce.links/versions/1");
  ASSERT_EQ(version.status, 200) << version.raw;
  EXPECT_EQ(version.body["preview"], R"({"links": ["https://example.com/a"]})");
  EXPECT_EQ(version.body["producer"]["step"], "produce");
  ASSERT_EQ(version.body["consumers"].size(), 1u);
  EXPECT_EQ(version.body["consumers"][0]["step"], "consume");
  auto download = c.Get("/api/twin/artifacts/produce.links/versions/1/download");
  ASSERT_TRUE(download);
  EXPECT_EQ(download->status, 200);
  EXPECT_EQ(download->body, R"({"links": ["https://example.com/a"]})");
  EXPECT_EQ(get_json(c, "/api/twin/artifacts/produce.links/versions/9").status, 404);
  // Names are looked up in the metadata store, never used as paths.
  EXPECT_EQ(get_json(c, "/api/twin/artifacts/..%2F..%2Fetc%2Fpasswd/versions/1/download").status,
            404);
}

TEST(TextPreviewTest, TextIsCutOnCharacterBoundariesAndBinaryIsRefused) {
  EXPECT_EQ(text_preview("héllo", 2), std::optional<std::string>("h"));
  EXPECT_EQ(text_preview("héllo", 3), std::optional<std::string>("hé"));
  EXPECT_EQ(text_preview(std::string("\x00\x01\x02", 3), 10), std::nullopt);
  EXPECT_EQ(text_preview("line\nline\n", 100), std::optional<std::string>("line\nline\n"));
}

}  // namespace
}  // namespace twin::server
