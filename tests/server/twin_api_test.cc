// twin's own JSON API (/api/twin/), which the dashboard reads.
#include <gtest/gtest.h>

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
