// TrackingStore conformance: the same tests on SQLite and PostgreSQL.
#include "twin/tracking/tracking_store.h"

#include <gtest/gtest.h>

#include <ostream>
#include <thread>

#include "support/scratch_database.h"
#include "twin/tracking/run_logger.h"

namespace twin {
// Lets GoogleTest print a Status in failure messages.
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin

namespace twin::tracking {
namespace {

using testing_support::ScratchDatabase;

class TrackingStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto database = db::Database::open(scratch_->uri());
    ASSERT_TRUE(database) << database.error();
    database_ = std::move(*database);
    auto store = TrackingStore::open(*database_, "file:///tmp/twin-artifacts/mlruns/");
    ASSERT_TRUE(store) << store.error();
    store_ = std::move(*store);
  }

  std::string new_experiment(const std::string& name) {
    auto id = store_->create_experiment(name);
    EXPECT_TRUE(id) << id.error();
    return id.value_or("");
  }

  tracking::Run new_run(const std::string& experiment_id, const std::string& name) {
    CreateRunRequest request;
    request.experiment_id = experiment_id;
    request.run_name = name;
    auto run = store_->create_run(request);
    EXPECT_TRUE(run) << run.error();
    return run.value_or(tracking::Run{});
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<TrackingStore> store_;
};

TEST_P(TrackingStoreTest, DefaultExperimentExists) {
  auto experiment = store_->get_experiment("0");
  ASSERT_TRUE(experiment) << experiment.error();
  EXPECT_EQ(experiment->name, "Default");
  EXPECT_EQ(experiment->artifact_location, "file:///tmp/twin-artifacts/mlruns/0");
}

TEST_P(TrackingStoreTest, ExperimentLifecycle) {
  const std::string id = new_experiment("sft");
  EXPECT_NE(id, "0");
  auto duplicate = store_->create_experiment("sft");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), StatusCode::kAlreadyExists);

  ASSERT_TRUE(store_->set_experiment_tag(id, {"team", "nlp"}).is_ok());
  ASSERT_TRUE(store_->rename_experiment(id, "sft-v2").is_ok());
  auto by_name = store_->get_experiment_by_name("sft-v2");
  ASSERT_TRUE(by_name) << by_name.error();
  EXPECT_EQ(by_name->experiment_id, id);
  ASSERT_EQ(by_name->tags.size(), 1u);
  EXPECT_EQ(by_name->tags[0].value, "nlp");
  EXPECT_EQ(by_name->artifact_location, "file:///tmp/twin-artifacts/mlruns/" + id);

  ASSERT_TRUE(store_->set_experiment_lifecycle(id, LifecycleStage::kDeleted).is_ok());
  auto active = store_->list_experiments(ViewType::kActiveOnly);
  ASSERT_TRUE(active);
  EXPECT_EQ(active->size(), 1u);  // Default only
  auto deleted = store_->list_experiments(ViewType::kDeletedOnly);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ(deleted->front().name, "sft-v2");
  ASSERT_TRUE(store_->set_experiment_lifecycle(id, LifecycleStage::kActive).is_ok());

  EXPECT_EQ(store_->get_experiment("999").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get_experiment("abc").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->set_experiment_lifecycle("0", LifecycleStage::kDeleted).code(),
            StatusCode::kInvalidArgument);
}

TEST_P(TrackingStoreTest, RunsKeepParamsTagsAndLatestMetrics) {
  const std::string experiment = new_experiment("runs");
  tracking::Run run = new_run(experiment, "first");
  EXPECT_EQ(run.info.run_id.size(), 32u);
  EXPECT_EQ(run.info.status, RunStatus::kRunning);
  EXPECT_EQ(run.info.run_name, "first");

  RunDataBatch batch;
  batch.params = {{"lr", "0.01"}, {"epochs", "3"}};
  batch.tags = {{"model", "llama"}};
  batch.metrics = {
      {"loss", 0.9, 100, 1}, {"loss", 0.5, 300, 3}, {"loss", 0.7, 200, 2}, {"acc", 0.1, 100, 1}};
  ASSERT_TRUE(store_->log_batch(run.info.run_id, batch).is_ok());
  // An older step logged later does not replace the latest value.
  ASSERT_TRUE(store_
                  ->log_batch(run.info.run_id,
                              {.metrics = {{"loss", 0.95, 400, 0}}, .params = {}, .tags = {}})
                  .is_ok());

  auto loaded = store_->get_run(run.info.run_id);
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_NE(loaded->find_metric("loss"), nullptr);
  EXPECT_DOUBLE_EQ(loaded->find_metric("loss")->value, 0.5);
  EXPECT_EQ(loaded->find_metric("loss")->step, 3);
  EXPECT_EQ(loaded->find_param("lr")->value, "0.01");
  EXPECT_EQ(loaded->find_tag("model")->value, "llama");
  EXPECT_EQ(loaded->find_tag("mlflow.runName")->value, "first");

  auto history = store_->metric_history(run.info.run_id, "loss");
  ASSERT_TRUE(history) << history.error();
  ASSERT_EQ(history->size(), 4u);
  EXPECT_EQ((*history)[0].step, 0);
  EXPECT_DOUBLE_EQ((*history)[3].value, 0.5);
}

TEST_P(TrackingStoreTest, ParamsAreImmutable) {
  tracking::Run run = new_run("0", "params");
  ASSERT_TRUE(
      store_->log_batch(run.info.run_id, {.metrics = {}, .params = {{"lr", "0.1"}}, .tags = {}})
          .is_ok());
  EXPECT_TRUE(
      store_->log_batch(run.info.run_id, {.metrics = {}, .params = {{"lr", "0.1"}}, .tags = {}})
          .is_ok());
  Status changed =
      store_->log_batch(run.info.run_id, {.metrics = {}, .params = {{"lr", "0.2"}}, .tags = {}});
  EXPECT_EQ(changed.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(changed.message().find("lr"), std::string::npos) << changed;
  // The failed batch wrote nothing.
  EXPECT_EQ(store_->get_run(run.info.run_id)->find_param("lr")->value, "0.1");
}

TEST_P(TrackingStoreTest, UpdateDeleteRestoreAndTags) {
  tracking::Run run = new_run("0", "to-update");
  auto info = store_->update_run(
      run.info.run_id,
      {.status = RunStatus::kFinished, .end_time_ms = 12345, .run_name = "renamed"});
  ASSERT_TRUE(info) << info.error();
  EXPECT_EQ(info->status, RunStatus::kFinished);
  EXPECT_EQ(info->end_time_ms, 12345);
  EXPECT_EQ(info->run_name, "renamed");

  ASSERT_TRUE(
      store_->log_batch(run.info.run_id, {.metrics = {}, .params = {}, .tags = {{"k", "v"}}})
          .is_ok());
  ASSERT_TRUE(store_->delete_tag(run.info.run_id, "k").is_ok());
  EXPECT_EQ(store_->delete_tag(run.info.run_id, "k").code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->set_run_lifecycle(run.info.run_id, LifecycleStage::kDeleted).is_ok());
  EXPECT_EQ(
      store_->log_batch(run.info.run_id, {.metrics = {{"m", 1, 1, 1}}, .params = {}, .tags = {}})
          .code(),
      StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->set_run_lifecycle(run.info.run_id, LifecycleStage::kActive).is_ok());
  EXPECT_EQ(store_->get_run("0123").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->set_run_lifecycle("0123", LifecycleStage::kDeleted).code(),
            StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, SearchFiltersOrdersAndPages) {
  const std::string experiment = new_experiment("search");
  for (int i = 0; i < 5; ++i) {
    tracking::Run run = new_run(experiment, fmt::format("run{}", i));
    RunDataBatch batch;
    batch.params = {{"lr", i % 2 == 0 ? "0.01" : "0.1"}};
    batch.metrics = {{"loss", 1.0 / (i + 1), 1, 1}};
    ASSERT_TRUE(store_->log_batch(run.info.run_id, batch).is_ok());
  }
  new_run("0", "elsewhere");

  SearchRunsRequest request;
  request.experiment_ids = {experiment};
  request.filter = "params.lr = '0.01'";
  request.order_by = {"metrics.loss ASC"};
  auto found = store_->search_runs(request);
  ASSERT_TRUE(found) << found.error();
  ASSERT_EQ(found->runs.size(), 3u);
  EXPECT_EQ(found->runs[0].info.run_name, "run4");
  EXPECT_EQ(found->runs[2].info.run_name, "run0");

  request.filter = "";
  request.max_results = 2;
  auto page1 = store_->search_runs(request);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->runs.size(), 2u);
  ASSERT_FALSE(page1->next_page_token.empty());
  request.page_token = page1->next_page_token;
  auto page2 = store_->search_runs(request);
  ASSERT_TRUE(page2);
  EXPECT_EQ(page2->runs.size(), 2u);
  EXPECT_NE(page2->runs[0].info.run_id, page1->runs[0].info.run_id);

  request.filter = "metrics.loss >";
  EXPECT_EQ(store_->search_runs(request).error().code(), StatusCode::kInvalidArgument);
}

// runs/search runs in SQL; RunFilter::matches and sort_runs are its reference semantics. The
// same filters and orders must select the same runs in the same order, page by page.
TEST_P(TrackingStoreTest, SqlSearchAgreesWithTheReferenceEvaluator) {
  const std::string first = new_experiment("first");
  const std::string second = new_experiment("second");
  const std::vector<std::string> names = {"bert-base", "Bert-large", "bert_tiny", "gpt%2",
                                          "llama*3",   "llama?",     "[x]run",    "zeta"};
  std::vector<std::string> run_ids;
  for (size_t i = 0; i < names.size() * 2; ++i) {
    CreateRunRequest request;
    request.experiment_id = i % 3 == 0 ? second : first;
    request.run_name = names[i % names.size()] + (i >= names.size() ? "-b" : "");
    request.start_time_ms = 1000 + static_cast<int64_t>((i * 7) % 5);  // ties on purpose
    request.user_id = i % 2 == 0 ? "ana" : "Ana";
    auto run = store_->create_run(request);
    ASSERT_TRUE(run) << run.error();
    run_ids.push_back(run->info.run_id);
    RunDataBatch batch;
    if (i % 4 != 3) batch.params.push_back({"lr", i % 2 == 0 ? "0.01" : "0.1"});
    if (i % 3 != 2) batch.params.push_back({"optimizer", i % 2 == 0 ? "adam" : "Adam_W"});
    batch.params.push_back({"path", i % 5 == 0 ? "a[b]*c" : "plain"});
    if (i % 5 != 4) {
      batch.metrics.push_back({"loss", 10.0 - static_cast<double>(i), 1, 5});
      // An older step with a lower value: the latest (step 2) must be what counts.
      batch.metrics.push_back({"loss", static_cast<double>(i % 4), 2, 1});
    }
    if (i % 2 == 0) batch.metrics.push_back({"acc", 0.5 + static_cast<double>(i % 3) / 10, 0, 0});
    if (i % 3 == 0) batch.tags.push_back({"team", i % 2 == 0 ? "nlp" : "NLP"});
    ASSERT_TRUE(store_->log_batch(run->info.run_id, batch).is_ok());
    if (i % 4 == 1) {
      ASSERT_TRUE(store_
                      ->update_run(run->info.run_id, {.status = RunStatus::kFinished,
                                                      .end_time_ms = 5000 + static_cast<int64_t>(i),
                                                      .run_name = std::nullopt})
                      .has_value());
    }
  }
  ASSERT_TRUE(store_->set_run_lifecycle(run_ids[5], LifecycleStage::kDeleted).is_ok());

  std::vector<tracking::Run> all;
  for (const std::string& id : run_ids) all.push_back(*store_->get_run(id));

  const std::vector<std::string> filters = {
      "",
      "params.lr = '0.01'",
      "params.lr != '0.01'",
      "params.optimizer LIKE 'adam%'",
      "params.optimizer ILIKE 'adam%'",
      "params.optimizer LIKE 'Adam_W'",
      "params.path LIKE 'a[b]*%'",
      "params.path LIKE '%*c'",
      "metrics.loss < 2",
      "metrics.loss >= 2 and params.lr = '0.1'",
      "metrics.acc = 0.6",
      "metrics.acc != 0.6",
      "tags.team = 'nlp'",
      "tags.team ILIKE 'NLP'",
      "tags.\"mlflow.runName\" LIKE 'bert%'",
      "attributes.run_name ILIKE 'bert%'",
      "attributes.run_name LIKE '%*%'",
      "attributes.run_name LIKE '%?%'",
      "attributes.run_name LIKE '[x]%'",
      "attributes.run_name LIKE 'gpt%%'",
      "attributes.run_name = 'zeta'",
      "attributes.status = 'FINISHED'",
      "attributes.status != 'RUNNING' and metrics.loss > 0",
      "attributes.user_id = 'Ana'",
      "attributes.start_time > 1001",
      "attributes.end_time <= 5005",
      "attributes.run_id IN ('" + run_ids[0] + "', '" + run_ids[3] + "')",
      "attributes.run_id NOT IN ('" + run_ids[0] + "')",
      "attributes.experiment_id = '" + second + "'",
      "params.missing = 'x'",
  };
  const std::vector<std::vector<std::string>> orderings = {
      {},
      {"metrics.loss ASC"},
      {"metrics.loss DESC"},
      {"params.lr DESC", "attributes.run_name"},
      {"params.optimizer"},
      {"tags.team DESC"},
      {"attributes.end_time"},
      {"attributes.run_name DESC"},
      {"attributes.start_time ASC"},
      {"metrics.acc DESC", "params.path"},
  };
  for (const ViewType view : {ViewType::kActiveOnly, ViewType::kAll, ViewType::kDeletedOnly}) {
    for (const std::string& filter : filters) {
      for (const auto& order_by : orderings) {
        SCOPED_TRACE(fmt::format("filter [{}] order_by [{}] view {}", filter,
                                 fmt::join(order_by, ", "), static_cast<int>(view)));
        auto parsed = RunFilter::parse(filter);
        ASSERT_TRUE(parsed) << parsed.error();
        std::vector<RunOrder> orders;
        for (const auto& text : order_by) orders.push_back(*RunOrder::parse(text));
        std::vector<tracking::Run> expected;
        for (const tracking::Run& run : all) {
          if (visible_in(run.info.lifecycle_stage, view) && parsed->matches(run)) {
            expected.push_back(run);
          }
        }
        sort_runs(expected, orders);

        SearchRunsRequest request;
        request.experiment_ids = {first, second};
        request.filter = filter;
        request.order_by = order_by;
        request.view = view;
        request.max_results = 3;
        std::vector<std::string> got;
        for (int page = 0; page < 20; ++page) {
          auto found = store_->search_runs(request);
          ASSERT_TRUE(found) << found.error();
          for (const tracking::Run& run : found->runs) got.push_back(run.info.run_id);
          if (found->next_page_token.empty()) break;
          request.page_token = found->next_page_token;
        }
        std::vector<std::string> want;
        for (const tracking::Run& run : expected) want.push_back(run.info.run_id);
        ASSERT_EQ(got, want);
      }
    }
  }
  // The page carries the runs' data, not only their ids.
  SearchRunsRequest one;
  one.filter = "attributes.run_id = '" + run_ids[0] + "'";
  auto found = store_->search_runs(one);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->runs.size(), 1u);
  EXPECT_EQ(found->runs[0].params, all[0].params);
  EXPECT_EQ(found->runs[0].latest_metrics, all[0].latest_metrics);
  EXPECT_EQ(found->runs[0].tags, all[0].tags);
}

TEST_P(TrackingStoreTest, MoveArtifactRootRewritesOnlyExperimentsUnderIt) {
  const std::string moved = new_experiment("moved");
  auto kept = store_->create_experiment("kept", "s3://bucket/elsewhere");
  ASSERT_TRUE(kept) << kept.error();
  const tracking::Run before = new_run(moved, "before");
  auto count = store_->move_artifact_root("file:///tmp/twin-artifacts/mlruns", "mlflow-artifacts:");
  ASSERT_TRUE(count) << count.error();
  EXPECT_EQ(*count, 2);  // Default and "moved"
  EXPECT_EQ(store_->get_experiment("0")->artifact_location, "mlflow-artifacts:/0");
  EXPECT_EQ(store_->get_experiment(moved)->artifact_location, "mlflow-artifacts:/" + moved);
  EXPECT_EQ(store_->get_experiment(*kept)->artifact_location, "s3://bucket/elsewhere");
  const tracking::Run after = new_run(moved, "after");
  EXPECT_EQ(after.info.artifact_uri,
            fmt::format("mlflow-artifacts:/{}/{}/artifacts", moved, after.info.run_id));
  EXPECT_EQ(store_->get_run(before.info.run_id)->info.artifact_uri, before.info.artifact_uri);
}

TEST_P(TrackingStoreTest, PipelineRunLink) {
  CreateRunRequest request;
  request.tags = {{std::string(kPipelineRunTag), "pipeline-run-7"}};
  auto run = store_->create_run(request);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->info.pipeline_run_id, "pipeline-run-7");
  auto linked = store_->runs_of_pipeline_run("pipeline-run-7");
  ASSERT_TRUE(linked);
  ASSERT_EQ(linked->size(), 1u);
  EXPECT_EQ(linked->front(), run->info.run_id);
}

TEST_P(TrackingStoreTest, RunLoggerBatchesAndFinishes) {
  tracking::Run run = new_run("0", "logger");
  {
    RunLogger logger(*store_, run.info.run_id, 100);
    ASSERT_TRUE(logger.log_param("batch_size", "8").is_ok());
    for (int step = 0; step < 250; ++step) {
      ASSERT_TRUE(logger.log_metric("loss", 1.0 / (step + 1), step).is_ok());
    }
    ASSERT_TRUE(logger.finish().is_ok());
    // Destroying with an empty buffer writes nothing more.
  }
  auto history = store_->metric_history(run.info.run_id, "loss");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 250u);
  auto loaded = store_->get_run(run.info.run_id);
  EXPECT_EQ(loaded->info.status, RunStatus::kFinished);
  EXPECT_TRUE(loaded->info.end_time_ms.has_value());
  EXPECT_EQ(loaded->find_param("batch_size")->value, "8");
}

TEST_P(TrackingStoreTest, ConcurrentWritersLoseNothing) {
  tracking::Run run = new_run("0", "concurrent");
  constexpr int kThreads = 4;
  constexpr int kBatches = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        RunDataBatch batch;
        for (int i = 0; i < 50; ++i)
          batch.metrics.push_back({fmt::format("m{}", t), 1.0, 1, b * 50 + i});
        if (!store_->log_batch(run.info.run_id, batch).is_ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    auto history = store_->metric_history(run.info.run_id, fmt::format("m{}", t));
    ASSERT_TRUE(history);
    EXPECT_EQ(history->size(), static_cast<size_t>(kBatches * 50));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackingStoreTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace twin::tracking
