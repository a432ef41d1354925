// Conformance suite for the metadata store, on SQLite and on PostgreSQL.
#include "twin/metadata/metadata_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/scratch_database.h"

namespace twin::metadata {
namespace {
using nlohmann::json;
using testing_support::ScratchDatabase;

class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto opened = open_metadata_store(scratch_->uri());
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    store_ = std::move(*opened);
  }

  RunRecord new_run(const std::string& name, const std::string& pipeline = "p") {
    auto run =
        store_->create_run({pipeline, name, json{{"parameters", {{"a", 1}}}}, "host-a", 4242});
    EXPECT_TRUE(run.has_value()) << run.error().to_string();
    return *run;
  }

  // Records a completed step run producing `outputs` (name -> content hash).
  StepRunRecord completed_step(const RunRecord& run, const std::string& step,
                               const std::string& key,
                               const std::map<std::string, std::string>& outputs,
                               const std::vector<StepArtifactLink>& inputs = {}) {
    auto started = store_->start_step_run(run.id, step, key, "/logs/" + step, inputs);
    EXPECT_TRUE(started.has_value()) << started.error().to_string();
    StepRunEnd end;
    for (const auto& [name, hash] : outputs) {
      end.outputs.push_back(
          {name, name, hash, 10, "json", "file:///blobs/" + hash, json{{"rows", 3}}});
    }
    end.metadata = json{{"duration_note", "fast"}};
    const Status finished = store_->finish_step_run(started->id, end);
    EXPECT_TRUE(finished.is_ok()) << finished.to_string();
    return *started;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<MetadataStore> store_;
};

TEST_P(MetadataStoreTest, RunsAreListedNewestFirstAndFoundByIdNameOrPrefix) {
  const RunRecord first = new_run("first");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const RunRecord second = new_run("second", "other");
  auto runs = store_->list_runs({});
  ASSERT_TRUE(runs.has_value()) << runs.error().to_string();
  ASSERT_EQ(runs->size(), 2U);
  EXPECT_EQ((*runs)[0].name, "second");
  EXPECT_EQ((*runs)[1].name, "first");
  EXPECT_EQ((*runs)[1].config["parameters"]["a"], 1);
  EXPECT_EQ((*runs)[1].host, "host-a");
  EXPECT_EQ((*runs)[1].pid, 4242);

  auto only_p = store_->list_runs({.pipeline = "p", .limit = 10});
  ASSERT_TRUE(only_p.has_value());
  ASSERT_EQ(only_p->size(), 1U);
  EXPECT_EQ(store_->list_runs({.pipeline = std::nullopt, .limit = 1})->size(), 1U);

  EXPECT_EQ(store_->get_run("first")->id, first.id);
  EXPECT_EQ(store_->get_run(second.id)->name, "second");
  EXPECT_EQ(store_->get_run(second.id.substr(0, 8))->name, "second");
  auto missing = store_->get_run("nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.error().message().find("nope"), std::string::npos);
}

TEST_P(MetadataStoreTest, DuplicateRunNameIsAlreadyExists) {
  new_run("same");
  auto again = store_->create_run({"p", "same", json::object(), "h", 1});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
}

TEST_P(MetadataStoreTest, FinishRunAndRunMetadata) {
  const RunRecord run = new_run("r");
  ASSERT_TRUE(store_->add_run_metadata(run.id, {{"docs", 12}}).is_ok());
  ASSERT_TRUE(store_->add_run_metadata(run.id, {{"docs", 13}, {"ok", true}}).is_ok());
  ASSERT_TRUE(store_->finish_run(run.id, RunStatus::kCompleted).is_ok());
  auto read = store_->get_run(run.id);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->status, RunStatus::kCompleted);
  EXPECT_TRUE(read->ended_at.has_value());
  EXPECT_EQ(read->metadata, (json{{"docs", 13}, {"ok", true}}));
  EXPECT_EQ(store_->finish_run("unknown", RunStatus::kFailed).code(), StatusCode::kNotFound);
}

TEST_P(MetadataStoreTest, LineageBothWaysAndVersionsPerArtifact) {
  const RunRecord run = new_run("r");
  const StepRunRecord producer =
      completed_step(run, "load", "k1", {{"rows", std::string(64, 'a')}});
  auto outputs = store_->step_outputs(producer.id);
  ASSERT_TRUE(outputs.has_value()) << outputs.error().to_string();
  ASSERT_EQ(outputs->size(), 1U);
  const ArtifactVersionRecord rows = (*outputs)[0].artifact;
  EXPECT_EQ(rows.artifact, "rows");
  EXPECT_EQ(rows.version, 1);
  EXPECT_EQ(rows.producer_step_run_id, producer.id);
  EXPECT_EQ(rows.metadata, (json{{"rows", 3}}));

  const StepRunRecord consumer =
      completed_step(run, "count", "k2", {{"n", std::string(64, 'b')}}, {{"", "rows", rows}});
  auto inputs = store_->step_inputs(consumer.id);
  ASSERT_TRUE(inputs.has_value());
  ASSERT_EQ(inputs->size(), 1U);
  EXPECT_EQ((*inputs)[0].name, "rows");
  EXPECT_EQ((*inputs)[0].artifact.id, rows.id);
  auto downstream = store_->consumers(rows.id);
  ASSERT_TRUE(downstream.has_value());
  ASSERT_EQ(downstream->size(), 1U);
  EXPECT_EQ((*downstream)[0].id, consumer.id);

  completed_step(run, "load", "k3", {{"rows", std::string(64, 'c')}});
  auto latest = store_->get_artifact_version("rows", std::nullopt);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->content_hash, std::string(64, 'c'));
  EXPECT_EQ(store_->get_artifact_version("rows", 1)->content_hash, std::string(64, 'a'));
  EXPECT_EQ(store_->get_artifact_version("rows", 9).error().code(), StatusCode::kNotFound);

  auto artifacts = store_->list_artifacts(std::nullopt);
  ASSERT_TRUE(artifacts.has_value()) << artifacts.error().to_string();
  ASSERT_EQ(artifacts->size(), 2U);
  EXPECT_EQ((*artifacts)[0].name, "n");
  EXPECT_EQ((*artifacts)[1].name, "rows");
  EXPECT_EQ((*artifacts)[1].versions, 2);
  EXPECT_EQ((*artifacts)[1].latest.version, 2);

  auto steps = store_->list_step_runs(run.id);
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 3U);
  EXPECT_EQ((*steps)[0].status, StepStatus::kCompleted);
  EXPECT_EQ((*steps)[0].metadata, (json{{"duration_note", "fast"}}));
}

TEST_P(MetadataStoreTest, CacheLookupFindsCompletedStepsOnly) {
  const RunRecord run = new_run("r");
  EXPECT_FALSE(store_->find_cached_step_run("key")->has_value());
  auto failed = store_->start_step_run(run.id, "s", "key", "", {});
  ASSERT_TRUE(failed.has_value());
  ASSERT_TRUE(store_->finish_step_run(failed->id, {.status = StepStatus::kFailed, .error = "boom"})
                  .is_ok());
  EXPECT_FALSE(store_->find_cached_step_run("key")->has_value());
  const StepRunRecord done = completed_step(run, "s", "key", {{"o", std::string(64, 'd')}});
  auto hit = store_->find_cached_step_run("key");
  ASSERT_TRUE(hit.has_value() && hit->has_value());
  EXPECT_EQ((**hit).id, done.id);

  // A cached step run links the same version as its output.
  auto outputs = store_->step_outputs(done.id);
  auto cached = store_->start_step_run(run.id, "s", "key", "", {});
  StepRunEnd end{.status = StepStatus::kCached, .attempts = 0};
  end.reused_outputs.push_back({cached->id, "o", (*outputs)[0].artifact});
  end.cached_from = done.id;
  ASSERT_TRUE(store_->finish_step_run(cached->id, end).is_ok());
  auto reread = store_->get_step_run(cached->id);
  ASSERT_TRUE(reread.has_value());
  EXPECT_EQ(reread->status, StepStatus::kCached);
  EXPECT_EQ(reread->cached_from, done.id);
  EXPECT_EQ(store_->step_outputs(cached->id)->at(0).artifact.id, (*outputs)[0].artifact.id);
}

TEST_P(MetadataStoreTest, UnstartedStepsAreRecordedWithReason) {
  const RunRecord run = new_run("r");
  auto skipped =
      store_->record_unstarted_step(run.id, "later", StepStatus::kSkipped, "upstream failed");
  ASSERT_TRUE(skipped.has_value());
  auto steps = store_->list_step_runs(run.id);
  ASSERT_EQ(steps->size(), 1U);
  EXPECT_EQ((*steps)[0].status, StepStatus::kSkipped);
  EXPECT_EQ((*steps)[0].error, "upstream failed");
}

TEST_P(MetadataStoreTest, DeadOrSilentRunsAreMarkedCrashed) {
  const RunRecord dead = new_run("dead");  // pid 4242 on host-a
  auto alive = store_->create_run({"p", "alive", json::object(), "host-a", 1});
  auto elsewhere = store_->create_run({"p", "elsewhere", json::object(), "host-b", 4242});
  ASSERT_TRUE(alive && elsewhere);
  auto running_step = store_->start_step_run(dead.id, "s", "k", "", {});
  ASSERT_TRUE(running_step.has_value());
  const auto is_alive = [](int64_t pid) { return pid == 1; };
  auto marked = store_->mark_crashed_runs("host-a", is_alive, /*stale_before=*/0);
  ASSERT_TRUE(marked.has_value()) << marked.error().to_string();
  EXPECT_EQ(*marked, 1);
  EXPECT_EQ(store_->get_run("dead")->status, RunStatus::kCrashed);
  EXPECT_EQ(store_->get_step_run(running_step->id)->status, StepStatus::kFailed);
  EXPECT_EQ(store_->get_run("alive")->status, RunStatus::kRunning);
  EXPECT_EQ(store_->get_run("elsewhere")->status,
            RunStatus::kRunning);  // another host: heartbeat decides

  const int64_t far_future = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(*store_->mark_crashed_runs("host-a", is_alive, far_future), 2);
  EXPECT_EQ(store_->get_run("elsewhere")->status, RunStatus::kCrashed);
}

TEST_P(MetadataStoreTest, ConcurrentWritersGetDistinctVersions) {
  const RunRecord run = new_run("r");
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      completed_step(run, "s" + std::to_string(i), "k" + std::to_string(i),
                     {{"shared", std::string(64, static_cast<char>('a' + i))}});
    });
  }
  for (auto& thread : threads) thread.join();
  auto summary = store_->list_artifacts("shared");
  ASSERT_TRUE(summary.has_value());
  ASSERT_EQ(summary->size(), 1U);
  EXPECT_EQ((*summary)[0].versions, 6);
  EXPECT_EQ((*summary)[0].latest.version, 6);
}

TEST_P(MetadataStoreTest, ReopeningKeepsData) {
  new_run("kept");
  store_.reset();
  auto reopened = open_metadata_store(scratch_->uri());
  ASSERT_TRUE(reopened.has_value()) << reopened.error().to_string();
  EXPECT_EQ((*reopened)->get_run("kept")->name, "kept");
}

INSTANTIATE_TEST_SUITE_P(Backends, MetadataStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test_info) { return test_info.param; });

TEST(OpenMetadataStore, UnsupportedSchemeNamesTheUri) {
  auto store = open_metadata_store("mongodb://localhost/x");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.error().message().find("mongodb://localhost/x"), std::string::npos);
}

}  // namespace
}  // namespace twin::metadata
