// The MLflow REST API of TwinServer, through a real HTTP client on loopback.
#include <gtest/gtest.h>

#include <fstream>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kApi = "/api/2.0/mlflow";

class MlflowApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<RunningServer>(scratch_.uri(), ServerOptions{});
    ASSERT_TRUE(server_->error().empty()) << server_->error();
  }

  std::string create_run(httplib::Client& c, const std::string& experiment_id) {
    JsonReply run =
        post_json(c, kApi + "/runs/create",
                  {{"experiment_id", experiment_id}, {"run_name", "r"}, {"start_time", 1000}});
    EXPECT_EQ(run.status, 200) << run.raw;
    return run.body["run"]["info"]["run_id"].get<std::string>();
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
};

TEST_F(MlflowApiTest, ExperimentsEndpoints) {
  auto c = server_->client();
  JsonReply created =
      post_json(c, kApi + "/experiments/create",
                {{"name", "sft"}, {"tags", json::array({{{"key", "team"}, {"value", "nlp"}}})}});
  ASSERT_EQ(created.status, 200) << created.raw;
  const std::string id = created.body["experiment_id"];

  JsonReply got = get_json(c, kApi + "/experiments/get?experiment_id=" + id);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body["experiment"]["name"], "sft");
  EXPECT_EQ(got.body["experiment"]["lifecycle_stage"], "active");
  EXPECT_EQ(got.body["experiment"]["tags"][0]["value"], "nlp");

  EXPECT_EQ(get_json(c, kApi + "/experiments/get-by-name?experiment_name=sft")
                .body["experiment"]["experiment_id"],
            id);
  ASSERT_EQ(
      post_json(c, kApi + "/experiments/update", {{"experiment_id", id}, {"new_name", "sft2"}})
          .status,
      200);
  ASSERT_EQ(post_json(c, kApi + "/experiments/set-experiment-tag",
                      {{"experiment_id", id}, {"key", "k"}, {"value", "v"}})
                .status,
            200);
  JsonReply search = post_json(c, kApi + "/experiments/search", {{"filter", "name LIKE 'sft%'"}});
  ASSERT_EQ(search.status, 200) << search.raw;
  ASSERT_EQ(search.body["experiments"].size(), 1u);
  EXPECT_EQ(search.body["experiments"][0]["name"], "sft2");

  ASSERT_EQ(post_json(c, kApi + "/experiments/delete", {{"experiment_id", id}}).status, 200);
  EXPECT_EQ(get_json(c, kApi + "/experiments/list").body["experiments"].size(), 1u);
  EXPECT_EQ(get_json(c, kApi + "/experiments/list?view_type=ALL").body["experiments"].size(), 2u);
  ASSERT_EQ(post_json(c, kApi + "/experiments/restore", {{"experiment_id", id}}).status, 200);
  EXPECT_EQ(get_json(c, kApi + "/experiments/search?max_results=1").body["experiments"].size(), 1u);
}

TEST_F(MlflowApiTest, RunsEndpoints) {
  auto c = server_->client();
  const std::string run_id = create_run(c, "0");
  const std::string base = kApi + "/runs";
  ASSERT_EQ(
      post_json(c, base + "/log-parameter", {{"run_id", run_id}, {"key", "lr"}, {"value", "0.01"}})
          .status,
      200);
  ASSERT_EQ(
      post_json(
          c, base + "/log-metric",
          {{"run_id", run_id}, {"key", "loss"}, {"value", 0.5}, {"timestamp", 5}, {"step", 1}})
          .status,
      200);
  ASSERT_EQ(post_json(c, base + "/log-metric",
                      {{"run_uuid", run_id},
                       {"key", "loss"},
                       {"value", "0.25"},
                       {"timestamp", "6"},
                       {"step", "2"}})
                .status,
            200);
  ASSERT_EQ(
      post_json(c, base + "/set-tag", {{"run_id", run_id}, {"key", "stage"}, {"value", "sft"}})
          .status,
      200);
  ASSERT_EQ(
      post_json(c, base + "/set-tag", {{"run_id", run_id}, {"key", "tmp"}, {"value", "x"}}).status,
      200);
  ASSERT_EQ(post_json(c, base + "/delete-tag", {{"run_id", run_id}, {"key", "tmp"}}).status, 200);
  JsonReply batch = post_json(
      c, base + "/log-batch",
      {{"run_id", run_id},
       {"metrics", json::array({{{"key", "acc"}, {"value", 0.9}, {"timestamp", 7}, {"step", 2}}})},
       {"params", json::array({{{"key", "epochs"}, {"value", "3"}}})},
       {"tags", json::array({{{"key", "model"}, {"value", "llama"}}})}});
  ASSERT_EQ(batch.status, 200) << batch.raw;

  JsonReply run = get_json(c, base + "/get?run_id=" + run_id);
  ASSERT_EQ(run.status, 200) << run.raw;
  EXPECT_EQ(run.body["run"]["data"]["params"].size(), 2u);
  EXPECT_EQ(run.body["run"]["data"]["metrics"].size(), 2u);
  bool has_tmp = false;
  for (const auto& tag : run.body["run"]["data"]["tags"]) has_tmp |= tag["key"] == "tmp";
  EXPECT_FALSE(has_tmp);

  JsonReply history =
      get_json(c, kApi + "/metrics/get-history?run_id=" + run_id + "&metric_key=loss");
  ASSERT_EQ(history.status, 200) << history.raw;
  ASSERT_EQ(history.body["metrics"].size(), 2u);
  EXPECT_EQ(history.body["metrics"][1]["value"], 0.25);
  EXPECT_EQ(history.body["metrics"][1]["step"], 2);

  JsonReply search =
      post_json(c, base + "/search",
                {{"experiment_ids", {"0"}},
                 {"filter", "params.lr = '0.01' and metrics.loss < 0.3 and tags.model = 'llama'"}});
  ASSERT_EQ(search.status, 200) << search.raw;
  ASSERT_EQ(search.body["runs"].size(), 1u);
  EXPECT_EQ(
      post_json(c, base + "/search", {{"experiment_ids", {"0"}}, {"filter", "params.lr = '0.02'"}})
          .body["runs"]
          .size(),
      0u);

  JsonReply updated = post_json(c, base + "/update",
                                {{"run_id", run_id}, {"status", "FINISHED"}, {"end_time", 2000}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["run_info"]["status"], "FINISHED");
  EXPECT_EQ(updated.body["run_info"]["end_time"], 2000);

  ASSERT_EQ(post_json(c, base + "/delete", {{"run_id", run_id}}).status, 200);
  EXPECT_EQ(post_json(c, base + "/search", {{"experiment_ids", {"0"}}}).body["runs"].size(), 0u);
  EXPECT_EQ(
      post_json(c, base + "/search", {{"experiment_ids", {"0"}}, {"run_view_type", "DELETED_ONLY"}})
          .body["runs"]
          .size(),
      1u);
  ASSERT_EQ(post_json(c, base + "/restore", {{"run_id", run_id}}).status, 200);
}

TEST_F(MlflowApiTest, ArtifactsListStaysInsideTheRun) {
  auto c = server_->client();
  const std::string run_id = create_run(c, "0");
  auto run = server_->tracking().get_run(run_id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->info.artifact_uri, "mlflow-artifacts:/0/" + run_id + "/artifacts");
  const std::filesystem::path dir = server_->artifacts() / "mlruns/0" / run_id / "artifacts";
  std::filesystem::create_directories(dir / "model");
  std::ofstream(dir / "model" / "config.json") << "{}";
  JsonReply listed = get_json(c, kApi + "/artifacts/list?run_id=" + run_id + "&path=model");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  ASSERT_EQ(listed.body["files"].size(), 1u);
  EXPECT_EQ(listed.body["files"][0]["path"], "model/config.json");
  EXPECT_EQ(listed.body["files"][0]["file_size"], 2);
  for (const std::string escape : {"../..", "model/../../x", "/etc"}) {
    JsonReply refused = get_json(c, kApi + "/artifacts/list?run_id=" + run_id +
                                        "&path=" + httplib::detail::encode_query_param(escape));
    EXPECT_EQ(refused.status, 400) << escape;
    EXPECT_EQ(refused.body["error_code"], "INVALID_PARAMETER_VALUE");
  }
}

TEST_F(MlflowApiTest, ErrorsHaveMlflowShapeAndStatus) {
  auto c = server_->client();
  JsonReply missing_run = get_json(c, kApi + "/runs/get?run_id=ffff");
  EXPECT_EQ(missing_run.status, 404);
  EXPECT_EQ(missing_run.body["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_TRUE(missing_run.body["message"].is_string());

  JsonReply missing_field = post_json(c, kApi + "/experiments/create", json::object());
  EXPECT_EQ(missing_field.status, 400);
  EXPECT_EQ(missing_field.body["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_NE(missing_field.body["message"].get<std::string>().find("name"), std::string::npos);

  ASSERT_EQ(post_json(c, kApi + "/experiments/create", {{"name", "dup"}}).status, 200);
  JsonReply duplicate = post_json(c, kApi + "/experiments/create", {{"name", "dup"}});
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(duplicate.body["error_code"], "RESOURCE_ALREADY_EXISTS");

  JsonReply unknown = get_json(c, kApi + "/runs/teleport");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error_code"], "ENDPOINT_NOT_FOUND");

  JsonReply malformed = to_reply(c.Post(kApi + "/runs/create", "{not json", "application/json"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body["error_code"], "MALFORMED_REQUEST");

  // A form post (what a web page elsewhere can send without a CORS preflight) is refused.
  JsonReply form =
      to_reply(c.Post(kApi + "/experiments/create", "{\"name\":\"csrf\"}", "text/plain"));
  EXPECT_EQ(form.status, 400);
  EXPECT_FALSE(server_->tracking().get_experiment_by_name("csrf"));

  JsonReply bad_filter = post_json(c, kApi + "/runs/search", {{"filter", "params.lr ~ 1"}});
  EXPECT_EQ(bad_filter.status, 400);
  EXPECT_EQ(bad_filter.body["error_code"], "INVALID_PARAMETER_VALUE");
}

TEST_F(MlflowApiTest, LogBatchLimits) {
  auto c = server_->client();
  const std::string run_id = create_run(c, "0");
  const auto metrics = [](size_t n) {
    json out = json::array();
    for (size_t i = 0; i < n; ++i)
      out.push_back({{"key", "m"}, {"value", 1.0}, {"timestamp", 1}, {"step", i}});
    return out;
  };
  const auto params = [](size_t n) {
    json out = json::array();
    for (size_t i = 0; i < n; ++i) out.push_back({{"key", fmt::format("p{}", i)}, {"value", "v"}});
    return out;
  };
  EXPECT_EQ(post_json(c, kApi + "/runs/log-batch", {{"run_id", run_id}, {"metrics", metrics(1000)}})
                .status,
            200);
  JsonReply too_many =
      post_json(c, kApi + "/runs/log-batch", {{"run_id", run_id}, {"metrics", metrics(1001)}});
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.body["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(
      post_json(c, kApi + "/runs/log-batch", {{"run_id", run_id}, {"params", params(101)}}).status,
      400);
  EXPECT_EQ(post_json(c, kApi + "/runs/log-batch",
                      {{"run_id", run_id}, {"params", params(100)}, {"metrics", metrics(901)}})
                .status,
            400);
  JsonReply big = post_json(
      c, kApi + "/runs/log-batch",
      {{"run_id", run_id},
       {"tags", json::array({{{"key", "big"}, {"value", std::string(1100 * 1024, 'x')}}})}});
  EXPECT_EQ(big.status, 400);
  EXPECT_NE(big.body["message"].get<std::string>().find("bytes"), std::string::npos) << big.raw;
  // Nothing of the refused batches was written.
  auto history = server_->tracking().metric_history(run_id, "m");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 1000u);
}

TEST_F(MlflowApiTest, ModelRegistryEndpoints) {
  auto c = server_->client();
  const std::string models = kApi + "/registered-models";
  const std::string versions = kApi + "/model-versions";
  ASSERT_EQ(post_json(c, models + "/create", {{"name", "twin"}, {"description", "d"}}).status, 200);
  for (int i = 0; i < 2; ++i) {
    JsonReply v = post_json(c, versions + "/create",
                            {{"name", "twin"}, {"source", fmt::format("file:///m/{}", i)}});
    ASSERT_EQ(v.status, 200) << v.raw;
    EXPECT_EQ(v.body["model_version"]["version"], std::to_string(i + 1));
  }
  JsonReply moved = post_json(c, versions + "/transition-stage",
                              {{"name", "twin"},
                               {"version", "2"},
                               {"stage", "Production"},
                               {"archive_existing_versions", true}});
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["model_version"]["current_stage"], "Production");
  JsonReply latest =
      post_json(c, models + "/get-latest-versions", {{"name", "twin"}, {"stages", {"Production"}}});
  ASSERT_EQ(latest.status, 200) << latest.raw;
  ASSERT_EQ(latest.body["model_versions"].size(), 1u);
  EXPECT_EQ(latest.body["model_versions"][0]["version"], "2");

  ASSERT_EQ(
      post_json(c, models + "/alias", {{"name", "twin"}, {"alias", "champion"}, {"version", "2"}})
          .status,
      200);
  JsonReply alias = get_json(c, models + "/alias?name=twin&alias=champion");
  ASSERT_EQ(alias.status, 200) << alias.raw;
  EXPECT_EQ(alias.body["model_version"]["version"], "2");
  JsonReply model = get_json(c, models + "/get?name=twin");
  EXPECT_EQ(model.body["registered_model"]["aliases"][0]["alias"], "champion");
  EXPECT_EQ(
      to_reply(c.Delete(models + "/alias", json{{"name", "twin"}, {"alias", "champion"}}.dump(),
                        "application/json"))
          .status,
      200);
  EXPECT_EQ(get_json(c, models + "/alias?name=twin&alias=champion").status, 404);

  EXPECT_EQ(
      to_reply(c.Patch(versions + "/update",
                       json{{"name", "twin"}, {"version", "1"}, {"description", "first"}}.dump(),
                       "application/json"))
          .body["model_version"]["description"],
      "first");
  EXPECT_EQ(
      get_json(c, versions + "/search?filter=" + httplib::detail::encode_query_param("name='twin'"))
          .body["model_versions"]
          .size(),
      2u);
  EXPECT_EQ(get_json(c, models + "/search").body["registered_models"].size(), 1u);
  EXPECT_EQ(to_reply(c.Delete(versions + "/delete", json{{"name", "twin"}, {"version", "1"}}.dump(),
                              "application/json"))
                .status,
            200);
  EXPECT_EQ(get_json(c, versions + "/get?name=twin&version=1").status, 404);
  EXPECT_EQ(
      to_reply(c.Delete(models + "/delete", json{{"name", "twin"}}.dump(), "application/json"))
          .status,
      200);
  EXPECT_EQ(get_json(c, models + "/get?name=twin").body["error_code"], "RESOURCE_DOES_NOT_EXIST");
}

}  // namespace
}  // namespace twin::server
