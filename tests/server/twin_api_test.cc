// twin's own JSON API (/api/twin/), which the dashboard reads.
#include <gtest/gtest.h>

#include <fstream>

#include "server/server_fixture.h"
#include "server/twin_routes.h"

namespace twin::server {
namespace {

using nlohmann::json;

TEST(TwinApiTest, ExperimentsRunsMetricsAndModels) {
  testing_support::ScratchDatabase scratch("sqlite");
  RunningServer server(scratch.uri(), {});
  ASSERT_TRUE(server.error().empty()) << server.error();
  auto experiment = server.tracking().create_experiment("dash");
  ASSERT_TRUE(experiment);
  tracking::CreateRunRequest request;
  request.experiment_id = *experiment;
  request.run_name = "charted";
  auto run = server.tracking().create_run(request);
  ASSERT_TRUE(run);
  tracking::RunDataBatch batch;
  for (int step = 0; step < 5000; ++step)
    batch.metrics.push_back({"loss", 1.0 / (step + 1), step, step});
  ASSERT_TRUE(server.tracking().log_batch(run->info.run_id, batch).is_ok());
  ASSERT_TRUE(server.registry().create_model("twin"));
  ASSERT_TRUE(server.registry().create_version({.name = "twin",
                                                .source = "file:///m",
                                                .run_id = run->info.run_id,
                                                .run_link = {},
                                                .description = {},
                                                .model_card = "# Twin\nfine-tuned",
                                                .tags = {}}));

  auto c = server.client();
  JsonReply experiments = get_json(c, "/api/twin/experiments");
  ASSERT_EQ(experiments.status, 200) << experiments.raw;
  ASSERT_EQ(experiments.body["experiments"].size(), 2u);
  EXPECT_EQ(experiments.body["experiments"][1]["run_count"], 1);

  JsonReply runs = get_json(c, "/api/twin/experiments/" + *experiment + "/runs");
  ASSERT_EQ(runs.status, 200) << runs.raw;
  EXPECT_EQ(runs.body["runs"][0]["info"]["run_name"], "charted");

  JsonReply series =
      get_json(c, "/api/twin/runs/" + run->info.run_id + "/metrics/loss?max_points=100");
  ASSERT_EQ(series.status, 200) << series.raw;
  EXPECT_EQ(series.body["total_points"], 5000);
  ASSERT_EQ(series.body["metrics"].size(), 100u);
  EXPECT_EQ(series.body["metrics"][0]["step"], 0);
  EXPECT_EQ(series.body["metrics"][99]["step"], 4999);

  JsonReply model = get_json(c, "/api/twin/models/twin");
  ASSERT_EQ(model.status, 200) << model.raw;
  EXPECT_EQ(model.body["versions"][0]["has_model_card"], true);
  auto card = c.Get("/api/twin/models/twin/versions/1/README.md");
  ASSERT_TRUE(card);
  EXPECT_EQ(card->status, 200);
  EXPECT_EQ(card->body, "# Twin\nfine-tuned");
  EXPECT_EQ(get_json(c, "/api/twin/models/nope").status, 404);
}

TEST(TwinApiTest, ModelFilesDownloadAndCardsOverRest) {
  testing_support::ScratchDatabase scratch("sqlite");
  RunningServer server(scratch.uri(), {});
  ASSERT_TRUE(server.error().empty()) << server.error();
  const auto dir = server.artifacts() / "model-src";
  std::filesystem::create_directories(dir / "sub");
  std::string weights(70000, '\0');
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<char>(i * 31);
  std::ofstream(dir / "weights.bin", std::ios::binary) << weights;
  std::ofstream(dir / "sub" / "a b.txt") << "spaced";
  registry::RegisterFilesRequest request;
  request.name = "twin";
  request.path = dir;
  auto version = server.registry().register_files(request);
  ASSERT_TRUE(version) << version.error();

  auto c = server.client();
  JsonReply model = get_json(c, "/api/twin/models/twin");
  ASSERT_EQ(model.status, 200) << model.raw;
  const json& v1 = model.body["versions"][0];
  EXPECT_EQ(v1["source"], version->source);
  ASSERT_EQ(v1["files"].size(), 3u);  // README.md, sub/a b.txt, weights.bin
  EXPECT_EQ(v1["files"][2]["path"], "weights.bin");
  EXPECT_EQ(v1["files"][2]["size"], weights.size());
  EXPECT_EQ(v1["model_card"], version->model_card);

  auto bytes = c.Get("/api/twin/models/twin/versions/1/files/weights.bin");
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->status, 200);
  EXPECT_EQ(bytes->body, weights);
  EXPECT_EQ(c.Get("/api/twin/models/twin/versions/1/files/sub/a%20b.txt")->body, "spaced");
  EXPECT_EQ(get_json(c, "/api/twin/models/twin/versions/1/files/nope.bin").status, 404);
  EXPECT_EQ(get_json(c, "/api/twin/models/twin/versions/1/files/..%2F..%2Fmetadata.db").status,
            404);

  // The card from the artifact store, replaced through the API.
  EXPECT_EQ(c.Get("/api/twin/models/twin/versions/1/README.md")->body, version->model_card);
  JsonReply replaced =
      to_reply(c.Put("/api/twin/models/twin/versions/1/README.md",
                     json{{"model_card", "# New card\n"}}.dump(), "application/json"));
  ASSERT_EQ(replaced.status, 200) << replaced.raw;
  EXPECT_EQ(c.Get("/api/twin/models/twin/versions/1/README.md")->body, "# New card\n");
  EXPECT_EQ(c.Get("/api/twin/models/twin/versions/1/files/README.md")->body, "# New card\n");
  EXPECT_EQ(to_reply(c.Put("/api/twin/models/twin/versions/9/README.md",
                           json{{"model_card", "x"}}.dump(), "application/json"))
                .status,
            404);

  // A version made through the MLflow API keeps its source URI and still gets a card.
  JsonReply created = post_json(c, "/api/2.0/mlflow/model-versions/create",
                                {{"name", "twin"}, {"source", "runs:/abc/model"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  EXPECT_EQ(created.body["model_version"]["source"], "runs:/abc/model");
  auto card = c.Get("/api/twin/models/twin/versions/2/README.md");
  EXPECT_NE(card->body.find("source: \"runs:/abc/model\""), std::string::npos) << card->body;
}

TEST(TwinApiTest, DownsampleKeepsEndsAndOrder) {
  std::vector<tracking::Metric> points;
  for (int i = 0; i < 10; ++i) points.push_back({"m", 1.0 * i, 0, i});
  auto few = downsample(points, 4);
  ASSERT_EQ(few.size(), 4u);
  EXPECT_EQ(few.front().step, 0);
  EXPECT_EQ(few.back().step, 9);
  EXPECT_TRUE(std::ranges::is_sorted(few, {}, &tracking::Metric::step));
  EXPECT_EQ(downsample(points, 20).size(), 10u);
}

}  // namespace
}  // namespace twin::server
