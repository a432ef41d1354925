// The runner end to end in one process, on SQLite and PostgreSQL metadata stores.
#include "twin/orchestrator/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "support/scratch_database.h"
#include "support/temp_dir.h"
#include "twin/orchestrator/yaml_pipeline.h"

namespace twin::orchestrator {
namespace {
namespace fs = std::filesystem;
using metadata::RunStatus;
using metadata::StepStatus;
using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::ScratchDatabase;
using testing_support::TempDir;

struct User {
  std::string full_name;
  std::string id;
};
void to_json(json& j, const User& u) { j = {{"full_name", u.full_name}, {"id", u.id}}; }
void from_json(const json& j, User& u) {
  j.at("full_name").get_to(u.full_name);
  j.at("id").get_to(u.id);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class RunnerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto metadata = metadata::open_metadata_store(scratch_->uri());
    ASSERT_TRUE(metadata.has_value()) << metadata.error().to_string();
    metadata_ = std::move(*metadata);
    auto artifacts =
        artifacts::open_artifact_store("file://" + (dir_.path() / "artifacts").string());
    ASSERT_TRUE(artifacts.has_value());
    artifacts_ = std::move(*artifacts);
    register_cpp_steps();
  }

  void register_cpp_steps() {
    ASSERT_TRUE(registry_
                    .add_step({.name = "get_or_create_user",
                               .version = "1",
                               .outputs = {"user"},
                               .run = [](StepContext& ctx) -> Status {
                                 TWIN_ASSIGN_OR_RETURN(
                                     auto name, ctx.parameter<std::string>("user_full_name"));
                                 ctx.logger().info("looking up {}", name);
                                 ctx.add_output_metadata("user", {{"created", true}});
                                 ctx.log_metadata({{"users_seen", 1}});
                                 return ctx.set_output("user", User{name, "u-" + ctx.run_id()});
                               }})
                    .is_ok());
    ASSERT_TRUE(
        registry_
            .add_step({.name = "crawl_links",
                       .inputs = {"user"},
                       .outputs = {"crawled_links"},
                       .run = [](StepContext& ctx) -> Status {
                         TWIN_ASSIGN_OR_RETURN(User user, ctx.input<User>("user"));
                         TWIN_ASSIGN_OR_RETURN(auto links,
                                               ctx.parameter<std::vector<std::string>>("links"));
                         ctx.add_output_metadata("crawled_links", {{"count", links.size()}});
                         ctx.log_step_metadata({{"step_run", ctx.step_run_id()}});
                         return ctx.set_output("crawled_links",
                                               json{{"user", user.full_name}, {"links", links}});
                       }})
            .is_ok());
    ASSERT_TRUE(
        registry_
            .add_step({.name = "throws",
                       .outputs = {"never"},
                       .run = [](StepContext&) -> Status { throw std::runtime_error("kaboom"); }})
            .is_ok());
  }

  PipelineDefinition yaml(const std::string& text) {
    auto pipeline = parse_pipeline_yaml(text, "test.yaml");
    EXPECT_TRUE(pipeline.has_value()) << pipeline.error().to_string();
    return pipeline.value_or(PipelineDefinition{});
  }

  RunOptions options() {
    RunOptions options;
    options.project_root = dir_.path();
    options.state_dir = dir_.path() / ".twin";
    options.jobs = 4;
    options.retry_backoff = std::chrono::milliseconds(10);
    return options;
  }

  RunOutcome run(const PipelineDefinition& pipeline, const RunOptions& run_options) {
    PipelineRunner runner(*metadata_, *artifacts_, registry_);
    auto outcome = runner.run(pipeline, run_options);
    EXPECT_TRUE(outcome.has_value()) << outcome.error().to_string();
    return outcome.value_or(RunOutcome{});
  }
  RunOutcome run(const PipelineDefinition& pipeline) { return run(pipeline, options()); }

  static const metadata::StepRunRecord& step(const RunOutcome& outcome, const std::string& name) {
    for (const auto& s : outcome.steps) {
      if (s.step == name) return s;
    }
    static metadata::StepRunRecord none;
    ADD_FAILURE() << "no step " << name;
    return none;
  }

  std::string output_text(const metadata::StepRunRecord& step_run, const std::string& output) {
    auto links = metadata_->step_outputs(step_run.id);
    for (const auto& link : *links) {
      if (link.name == output)
        return artifacts_->get_bytes(link.artifact.content_hash).value_or("<missing>");
    }
    return "<no output>";
  }

  TempDir dir_;
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<artifacts::ArtifactStore> artifacts_;
  PipelineRegistry registry_;
};

constexpr const char* kHello = R"(name: hello
parameters: {who: world}
steps:
  greet:
    run: echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting"
    outputs: [greeting]
  shout:
    run: [sh, -c, 'tr a-z A-Z < "$TWIN_INPUT_text" > "$TWIN_OUTPUT_loud"']
    inputs: {text: greet.greeting}
    outputs: [loud]
    retries: 2
    timeout: 30s
)";

TEST_P(RunnerTest, DesignExampleRunsAndRecordsLineage) {
  const RunOutcome outcome = run(yaml(kHello));
  EXPECT_EQ(outcome.run.status, RunStatus::kCompleted);
  EXPECT_EQ(outcome.run.pipeline, "hello");
  ASSERT_EQ(outcome.steps.size(), 2U);
  EXPECT_EQ(step(outcome, "greet").status, StepStatus::kCompleted);
  EXPECT_EQ(output_text(step(outcome, "shout"), "loud"), "HELLO WORLD\n");
  auto inputs = metadata_->step_inputs(step(outcome, "shout").id);
  ASSERT_EQ(inputs->size(), 1U);
  EXPECT_EQ((*inputs)[0].artifact.producer_step_run_id, step(outcome, "greet").id);
  EXPECT_EQ((*inputs)[0].artifact.materializer, "file");
  EXPECT_FALSE(fs::exists(dir_.path() / ".twin" / "work" / step(outcome, "greet").id));
}

// Two runs started in the same microsecond (CI saw it with concurrent runs on PostgreSQL) both
// get recorded: the second takes a suffix. A fixed name that exists already stays an error.
TEST_P(RunnerTest, RunsNamedInTheSameMicrosecondTakeASuffix) {
  const auto now = std::chrono::system_clock::now();
  metadata::NewRun new_run;
  new_run.pipeline = "hello";
  new_run.config = json::object();
  new_run.host = host_name();
  new_run.pid = ::getpid();
  auto first = create_named_run(*metadata_, new_run, "hello-{time}", now);
  auto second = create_named_run(*metadata_, new_run, "hello-{time}", now);
  auto third = create_named_run(*metadata_, new_run, "hello-{time}", now);
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(second->name, first->name + "-2");
  EXPECT_EQ(third->name, first->name + "-3");
  ASSERT_TRUE(create_named_run(*metadata_, new_run, "fixed", now));
  auto again = create_named_run(*metadata_, new_run, "fixed", now);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.error().message(), HasSubstr("'fixed' exists already"));
}

TEST_P(RunnerTest, SecondRunIsEntirelyCachedAndReusesVersions) {
  const RunOutcome first = run(yaml(kHello));
  const RunOutcome second = run(yaml(kHello));
  ASSERT_EQ(second.run.status, RunStatus::kCompleted);
  for (const auto& s : second.steps) EXPECT_EQ(s.status, StepStatus::kCached) << s.step;
  EXPECT_EQ(step(second, "shout").cached_from, step(first, "shout").id);
  EXPECT_EQ(metadata_->step_outputs(step(second, "shout").id)->at(0).artifact.id,
            metadata_->step_outputs(step(first, "shout").id)->at(0).artifact.id);
  EXPECT_EQ(metadata_->get_artifact_version("loud", std::nullopt)->version, 1);
}

TEST_P(RunnerTest, NoCacheAndEnableCacheFalseRunEverything) {
  run(yaml(kHello));
  RunOptions no_cache = options();
  no_cache.no_cache = true;
  for (const auto& s : run(yaml(kHello), no_cache).steps)
    EXPECT_EQ(s.status, StepStatus::kCompleted);
  RunOptions disabled = options();
  disabled.config.enable_cache = false;
  for (const auto& s : run(yaml(kHello), disabled).steps)
    EXPECT_EQ(s.status, StepStatus::kCompleted);
  EXPECT_EQ(metadata_->get_artifact_version("loud", std::nullopt)->version, 3);
}

TEST_P(RunnerTest, CacheHitWhoseBlobWasDeletedIsAMiss) {
  const RunOutcome first = run(yaml(kHello));
  const auto greeting = metadata_->step_outputs(step(first, "greet").id)->at(0).artifact;
  ASSERT_TRUE(artifacts_->remove(greeting.content_hash).is_ok());
  const RunOutcome second = run(yaml(kHello));
  EXPECT_EQ(second.run.status, RunStatus::kCompleted);
  EXPECT_EQ(step(second, "greet").status, StepStatus::kCompleted);
  EXPECT_TRUE(artifacts_->contains(greeting.content_hash));
  EXPECT_EQ(step(second, "shout").status, StepStatus::kCached);  // same input content
}

TEST_P(RunnerTest, CacheHitWhoseBlobWasTruncatedIsAMiss) {
  // What a power loss before the store's flush() can leave: the blob renamed into place, short.
  const RunOutcome first = run(yaml(kHello));
  const auto greeting = metadata_->step_outputs(step(first, "greet").id)->at(0).artifact;
  const std::string uri = artifacts_->blob_uri(greeting.content_hash);
  fs::resize_file(uri.substr(std::string_view("file://").size()), 2);
  const RunOutcome second = run(yaml(kHello));
  EXPECT_EQ(second.run.status, RunStatus::kCompleted);
  EXPECT_EQ(step(second, "greet").status, StepStatus::kCompleted);
  EXPECT_EQ(artifacts_->blob_size(greeting.content_hash), greeting.size);  // written again
  EXPECT_EQ(output_text(step(second, "shout"), "loud"), "HELLO WORLD\n");
}

// Forwards to a store and records, at each flush(), the run's status in the metadata store.
class FlushRecordingStore final : public artifacts::ArtifactStore {
 public:
  FlushRecordingStore(artifacts::ArtifactStore& inner, metadata::MetadataStore& metadata)
      : inner_(inner), metadata_(metadata) {}
  std::string uri() const override { return inner_.uri(); }
  std::string blob_uri(std::string_view hash) const override { return inner_.blob_uri(hash); }
  Result<artifacts::BlobInfo> put_bytes(std::string_view bytes) override {
    return inner_.put_bytes(bytes);
  }
  Result<artifacts::BlobInfo> put_file(const fs::path& file) override {
    return inner_.put_file(file);
  }
  Result<std::string> get_bytes(std::string_view hash) const override {
    return inner_.get_bytes(hash);
  }
  Status copy_to_file(std::string_view hash, const fs::path& destination) const override {
    return inner_.copy_to_file(hash, destination);
  }
  bool contains(std::string_view hash) const override { return inner_.contains(hash); }
  std::optional<uint64_t> blob_size(std::string_view hash) const override {
    return inner_.blob_size(hash);
  }
  Status remove(std::string_view hash) override { return inner_.remove(hash); }
  Status flush() override {
    auto runs = metadata_.list_runs({});
    if (runs && !runs->empty()) statuses_at_flush.push_back(runs->front().status);
    return inner_.flush();
  }
  std::vector<RunStatus> statuses_at_flush;

 private:
  artifacts::ArtifactStore& inner_;
  metadata::MetadataStore& metadata_;
};

TEST_P(RunnerTest, FlushesArtifactsOnceBeforeRecordingTheRunFinished) {
  FlushRecordingStore store(*artifacts_, *metadata_);
  PipelineRunner runner(*metadata_, store, registry_);
  auto outcome = runner.run(yaml(kHello), options());
  ASSERT_TRUE(outcome.has_value()) << outcome.error().to_string();
  EXPECT_EQ(outcome->run.status, RunStatus::kCompleted);
  EXPECT_EQ(store.statuses_at_flush, std::vector<RunStatus>{RunStatus::kRunning});
}

TEST_P(RunnerTest, CacheKeyCoversParametersFilesAndEnvironment) {
  std::ofstream(dir_.path() / "script.txt") << "v1";
  const std::string text = R"(steps:
  s:
    run: cat script.txt > "$TWIN_OUTPUT_o"; echo "$TWIN_PARAM_n $MODEL" >> "$TWIN_OUTPUT_o"
    outputs: [o]
    parameters: {n: 1}
    depends_on_files: [script.txt]
    depends_on_env: [MODEL]
)";
  ::setenv("MODEL", "a", 1);
  EXPECT_EQ(run(yaml(text)).steps[0].status, StepStatus::kCompleted);
  EXPECT_EQ(run(yaml(text)).steps[0].status, StepStatus::kCached);
  std::ofstream(dir_.path() / "script.txt") << "v2";
  EXPECT_EQ(run(yaml(text)).steps[0].status, StepStatus::kCompleted);
  ::setenv("MODEL", "b", 1);
  EXPECT_EQ(run(yaml(text)).steps[0].status, StepStatus::kCompleted);
  RunOptions param = options();
  ASSERT_TRUE(apply_param_override(param.config, "s.n=2").is_ok());
  const RunOutcome changed = run(yaml(text), param);
  EXPECT_EQ(changed.steps[0].status, StepStatus::kCompleted);
  EXPECT_EQ(output_text(changed.steps[0], "o"), "v22 b\n");
  ::unsetenv("MODEL");
}

TEST_P(RunnerTest, IndependentStepsRunAtTheSameTime) {
  // Each step waits (up to 20 s) for the other's marker: they finish only if run concurrently.
  const RunOutcome outcome = run(yaml(R"(steps:
  a:
    run: touch a.started; for i in $(seq 200); do [ -e b.started ] && exit 0; sleep 0.1; done; exit 1
  b:
    run: touch b.started; for i in $(seq 200); do [ -e a.started ] && exit 0; sleep 0.1; done; exit 1
)"));
  EXPECT_EQ(outcome.run.status, RunStatus::kCompleted);
}

TEST_P(RunnerTest, JobsOneRunsStepsOneAtATime) {
  RunOptions serial = options();
  serial.jobs = 1;
  const RunOutcome outcome = run(yaml(R"(steps:
  a: {run: 'mkdir lock && sleep 0.2 && rmdir lock'}
  b: {run: 'mkdir lock && sleep 0.2 && rmdir lock'}
  c: {run: 'mkdir lock && sleep 0.2 && rmdir lock'}
)"),
                                 serial);
  EXPECT_EQ(outcome.run.status, RunStatus::kCompleted);
}

TEST_P(RunnerTest, FailedStepSkipsDownstreamAndOthersFinish) {
  const RunOutcome outcome = run(yaml(R"(steps:
  bad: {run: 'echo broken >&2; exit 3', outputs: [x]}
  after_bad: {run: 'true', inputs: {x: bad.x}}
  after_after: {run: 'true', after: [after_bad]}
  independent: {run: 'sleep 0.3; echo fine > "$TWIN_OUTPUT_o"', outputs: [o]}
)"));
  EXPECT_EQ(outcome.run.status, RunStatus::kFailed);
  EXPECT_EQ(step(outcome, "bad").status, StepStatus::kFailed);
  EXPECT_NE(step(outcome, "bad").error.find("exited with code 3"), std::string::npos)
      << step(outcome, "bad").error;
  // The end of its output is in the error, not only in the log file.
  EXPECT_TRUE(step(outcome, "bad").error.ends_with("its output ended with:\n    broken"))
      << step(outcome, "bad").error;
  EXPECT_EQ(step(outcome, "after_bad").status, StepStatus::kSkipped);
  EXPECT_EQ(step(outcome, "after_after").status, StepStatus::kSkipped);
  EXPECT_EQ(step(outcome, "independent").status, StepStatus::kCompleted);
  EXPECT_TRUE(read_file(step(outcome, "bad").log_uri).starts_with("broken\n"));
}

TEST_P(RunnerTest, RetriesUntilSuccess) {
  const RunOutcome outcome = run(yaml(R"(steps:
  flaky:
    run: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]'
    retries: 3
)"));
  EXPECT_EQ(outcome.run.status, RunStatus::kCompleted);
  EXPECT_EQ(outcome.steps[0].attempts, 3);
  EXPECT_EQ(read_file(dir_.path() / "count"), "3\n");
  EXPECT_NE(read_file(outcome.steps[0].log_uri).find("attempt 2 failed"), std::string::npos);
}

TEST_P(RunnerTest, RetriesRunOut) {
  const RunOutcome outcome =
      run(yaml("steps:\n  never: {run: 'echo x >> tries; exit 1', retries: 1}\n"));
  EXPECT_EQ(outcome.run.status, RunStatus::kFailed);
  EXPECT_EQ(outcome.steps[0].attempts, 2);
  EXPECT_EQ(read_file(dir_.path() / "tries"), "x\nx\n");
}

TEST_P(RunnerTest, TimeoutKillsTheStepsProcessGroup) {
  const RunOutcome outcome = run(yaml(R"(steps:
  slow:
    run: 'sleep 30 & echo $! > child.pid; wait'
    timeout: 500ms
)"));
  EXPECT_EQ(outcome.run.status, RunStatus::kFailed);
  EXPECT_NE(outcome.steps[0].error.find("timed out"), std::string::npos) << outcome.steps[0].error;
  const pid_t child = std::stoi(read_file(dir_.path() / "child.pid"));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(child, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "the step's child " << child << " outlived its timeout";
}

TEST_P(RunnerTest, DeclaredOutputNotWrittenFailsTheStep) {
  const RunOutcome outcome = run(yaml("steps:\n  lazy: {run: 'true', outputs: [result]}\n"));
  EXPECT_EQ(outcome.run.status, RunStatus::kFailed);
  EXPECT_NE(outcome.steps[0].error.find("declared output 'result' was not written"),
            std::string::npos);
}

TEST_P(RunnerTest, CommandStepEnvironmentParamsMetadataAndDirectories) {
  const RunOutcome outcome = run(yaml(R"(parameters: {name: Paul, n: 3, links: [a, b]}
steps:
  make:
    run: |
      printf '%s|%s|%s|%s|%s' "$TWIN_PARAM_name" "$TWIN_PARAM_n" "$TWIN_PARAM_links" "$TWIN_STEP" "$TWIN_RUN_ID" > "$TWIN_OUTPUT_env"
      mkdir -p "$TWIN_OUTPUT_tree/sub" && echo leaf > "$TWIN_OUTPUT_tree/sub/leaf.txt"
      echo '{"env": {"rows": 1}, "note": "hi"}' > "$TWIN_METADATA_FILE"
    outputs: [env, tree]
  use:
    run: cat "$TWIN_INPUT_t/sub/leaf.txt" > "$TWIN_OUTPUT_copy"
    inputs: {t: make.tree}
    outputs: [copy]
)"));
  ASSERT_EQ(outcome.run.status, RunStatus::kCompleted) << step(outcome, "make").error;
  EXPECT_EQ(output_text(step(outcome, "make"), "env"),
            "Paul|3|[\"a\",\"b\"]|make|" + outcome.run.id);
  EXPECT_EQ(output_text(step(outcome, "use"), "copy"), "leaf\n");
  auto outputs = metadata_->step_outputs(step(outcome, "make").id);
  ASSERT_EQ(outputs->size(), 2U);
  EXPECT_EQ((*outputs)[0].artifact.metadata, (json{{"rows", 1}}));
  EXPECT_EQ((*outputs)[1].artifact.materializer, "directory");
  EXPECT_EQ(step(outcome, "make").metadata, (json{{"note", "hi"}}));
}

TEST_P(RunnerTest, CppStepsWithTypedInputsMetadataAndLogs) {
  PipelineDefinition etl{
      .name = "digital_data_etl",
      .parameters = {{"user_full_name", "Paul Iusztin"}, {"links", {"https://a", "https://b"}}},
      .steps = {{.name = "get_or_create_user", .uses = "get_or_create_user"},
                {.name = "crawl_links",
                 .uses = "crawl_links",
                 .inputs = {{"user", "get_or_create_user.user"}}}}};
  const RunOutcome outcome = run(etl);
  ASSERT_EQ(outcome.run.status, RunStatus::kCompleted) << step(outcome, "crawl_links").error;
  EXPECT_EQ(outcome.run.metadata, (json{{"users_seen", 1}}));
  const auto crawl = step(outcome, "crawl_links");
  EXPECT_EQ(crawl.metadata, (json{{"step_run", crawl.id}}));
  auto links = metadata_->step_outputs(crawl.id);
  ASSERT_EQ(links->size(), 1U);
  EXPECT_EQ((*links)[0].artifact.artifact, "crawled_links");
  EXPECT_EQ((*links)[0].artifact.metadata, (json{{"count", 2}}));
  EXPECT_EQ(json::parse(output_text(crawl, "crawled_links")),
            (json{{"user", "Paul Iusztin"}, {"links", {"https://a", "https://b"}}}));
  EXPECT_NE(read_file(step(outcome, "get_or_create_user").log_uri).find("looking up Paul Iusztin"),
            std::string::npos);

  // The step version enters the cache key: same version is cached.
  EXPECT_EQ(step(run(etl), "crawl_links").status, StepStatus::kCached);
}

TEST_P(RunnerTest, StepsWithCacheDisabledRunEveryTimeAndSeeTheSettings) {
  auto settings = Settings::load(
      {.root = dir_.path(),
       .flags = {{"DATABASE_NAME", "from_flag"}},
       .environment = [](std::string_view) { return std::optional<std::string>(); }});
  ASSERT_TRUE(settings.has_value()) << settings.error().to_string();
  ASSERT_TRUE(registry_
                  .add_step({.name = "side_effect",
                             .outputs = {"seen"},
                             .run = [](StepContext& ctx) -> Status {
                               const std::string name =
                                   ctx.settings() ? ctx.settings()->value_or("DATABASE_NAME", "")
                                                  : "<no settings>";
                               return ctx.set_output("seen", name);
                             },
                             .enable_cache = false})
                  .is_ok());
  PipelineDefinition pipeline{.name = "effects",
                              .steps = {{.name = "side_effect", .uses = "side_effect"}}};
  EXPECT_EQ(output_text(step(run(pipeline), "side_effect"), "seen"), "\"<no settings>\"");
  RunOptions with_settings = options();
  with_settings.settings = &*settings;
  const RunOutcome second = run(pipeline, with_settings);
  EXPECT_EQ(step(second, "side_effect").status, StepStatus::kCompleted);  // never cached
  EXPECT_EQ(output_text(step(second, "side_effect"), "seen"), "\"from_flag\"");
}

TEST_P(RunnerTest, CppStepErrorsAndExceptionsFailTheStep) {
  PipelineDefinition missing_param{.name = "p",
                                   .steps = {{.name = "u", .uses = "get_or_create_user"}}};
  const RunOutcome outcome = run(missing_param);
  EXPECT_EQ(outcome.run.status, RunStatus::kFailed);
  EXPECT_NE(outcome.steps[0].error.find("missing parameter 'user_full_name'"), std::string::npos)
      << outcome.steps[0].error;
  PipelineDefinition throwing{.name = "t", .steps = {{.name = "x", .uses = "throws"}}};
  const RunOutcome thrown = run(throwing);
  EXPECT_EQ(thrown.steps[0].status, StepStatus::kFailed);
  EXPECT_NE(thrown.steps[0].error.find("kaboom"), std::string::npos);
}

TEST_P(RunnerTest, CancelStopsTheRunAndMarksItCancelled) {
  std::atomic<bool> cancel{false};
  RunOptions cancellable = options();
  cancellable.cancel = &cancel;
  cancellable.on_step_event = [&cancel](const StepEvent& event) {
    if (event.step == "first" && event.status == StepStatus::kRunning) cancel.store(true);
  };
  const RunOutcome outcome = run(yaml(R"(steps:
  first: {run: 'sleep 0.3'}
  second: {run: 'true', after: [first]}
)"),
                                 cancellable);
  EXPECT_EQ(outcome.run.status, RunStatus::kCancelled);
  EXPECT_EQ(step(outcome, "second").status, StepStatus::kCancelled);
}

TEST_P(RunnerTest, RunNamesFromConfigAndDuplicates) {
  RunOptions named = options();
  named.config.run_name = "nightly-{date}";
  const RunOutcome outcome = run(yaml(kHello), named);
  EXPECT_TRUE(outcome.run.name.starts_with("nightly-20")) << outcome.run.name;
  PipelineRunner runner(*metadata_, *artifacts_, registry_);
  auto again = runner.run(yaml(kHello), named);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);
}

TEST_P(RunnerTest, UnknownStepInRunConfigIsAnError) {
  RunOptions bad = options();
  bad.config.step_parameters["nope"] = json::object();
  PipelineRunner runner(*metadata_, *artifacts_, registry_);
  auto outcome = runner.run(yaml(kHello), bad);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_NE(outcome.error().message().find("steps.nope"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunnerTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test_info) { return test_info.param; });

}  // namespace
}  // namespace twin::orchestrator
