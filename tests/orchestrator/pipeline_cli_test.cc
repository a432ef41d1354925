// End-to-end tests of `twin pipeline`, `twin runs` and `twin artifacts`, run as a user would,
// with the metadata store on SQLite (default) and on PostgreSQL (TWIN_METADATA_URI).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/child_program.h"
#include "support/run_twin.h"
#include "support/scratch_database.h"
#include "support/temp_dir.h"

namespace twin {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::CommandOutput;
using testing_support::run_shell;
using testing_support::ScratchDatabase;
using testing_support::shell_quote;
using testing_support::TempDir;
using testing_support::wait_for_child_program;

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
)";

// A step that records its own pid and twin's, then sleeps: for kill -9 and Ctrl-C.
constexpr const char* kSlow = R"(name: slow
steps:
  wait:
    run: echo $PPID > twin.pid; echo $$ > step.pid; echo yes > started; sleep 30
)";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool wait_for_file(const fs::path& path) {
  for (int i = 0; i < 400; ++i) {
    if (fs::exists(path) && !read_file(path).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class PipelineCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    std::ofstream(dir_.path() / "twin.toml") << "";
    fs::create_directories(dir_.path() / "pipelines");
    std::ofstream(dir_.path() / "pipelines" / "hello.yaml") << kHello;
    std::ofstream(dir_.path() / "slow.yaml") << kSlow;
  }

  void TearDown() override {
    // Leave nothing running: the slow step's process group.
    if (fs::exists(dir_.path() / "step.pid")) {
      const std::string pid = read_file(dir_.path() / "step.pid");
      if (!pid.empty()) ::kill(-std::stoi(pid), SIGKILL);
    }
  }

  // The environment prefix that points twin at this test's metadata store.
  std::string environment() const {
    std::string env = "NO_COLOR=1 ";
    if (GetParam() == "postgresql")
      env += "TWIN_METADATA_URI=" + shell_quote(scratch_->uri()) + " ";
    return env;
  }
  std::string twin_command(const std::string& args) const {
    return environment() + shell_quote(TWIN_BINARY) + " " + args;
  }
  CommandOutput twin(const std::string& args) { return run_shell(twin_command(args), dir_.path()); }

  json twin_json(const std::string& args) {
    const CommandOutput out = twin(args);
    EXPECT_EQ(out.exit_code, 0) << args << "\n" << out.err;
    json parsed = json::parse(out.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not one JSON document: " << out.out;
    return parsed;
  }

  // Starts `twin pipeline run slow.yaml` in the background; returns twin's pid once the step runs.
  int start_slow_run() {
    // The background job must not hold run_shell's stdout, or run_shell waits for it.
    run_shell("(" + twin_command("pipeline run slow.yaml") +
                  " > run.out 2> run.err; echo $? > run.code) > /dev/null 2>&1 &",
              dir_.path());
    EXPECT_TRUE(wait_for_file(dir_.path() / "started")) << read_file(dir_.path() / "run.err");
    EXPECT_TRUE(wait_for_file(dir_.path() / "twin.pid"));
    // step.pid is written before `started`.
    EXPECT_TRUE(wait_for_child_program(std::stoi(read_file(dir_.path() / "step.pid")), "sleep"))
        << "the step's sleep never started";
    return std::stoi(read_file(dir_.path() / "twin.pid"));
  }

  TempDir dir_;
  std::unique_ptr<ScratchDatabase> scratch_;
};

TEST_P(PipelineCliTest, ListRunShowLogsAndExport) {
  // The project's hello.yaml, beside the built-in pipelines the twin executable registers.
  const json pipelines = twin_json("pipeline list --json");
  const auto hello = std::find_if(pipelines.begin(), pipelines.end(),
                                  [](const json& p) { return p["name"] == "hello"; });
  ASSERT_NE(hello, pipelines.end()) << pipelines.dump();
  EXPECT_EQ((*hello)["steps"], 2);
  EXPECT_EQ((*hello)["source"], "pipelines/hello.yaml");

  const CommandOutput run = twin("pipeline run hello --param who=twin");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("greet"), std::string::npos);
  EXPECT_NE(run.out.find("completed"), std::string::npos);
  EXPECT_NE(run.out.find("2 steps, 0 cached"), std::string::npos) << run.out;

  const json runs = twin_json("runs list --json");
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_EQ(runs[0]["config"]["parameters"]["who"], "twin");
  const std::string id = runs[0]["id"];
  EXPECT_NE(run.out.find(id), std::string::npos) << "the summary names the run id";

  const json shown = twin_json("runs show " + id + " --json");
  ASSERT_EQ(shown["steps"].size(), 2U);
  EXPECT_EQ(shown["steps"][1]["inputs"]["text"]["name"], "greeting");
  EXPECT_EQ(shown["steps"][1]["outputs"]["loud"]["version"], 1);

  const CommandOutput exported = twin("artifacts export loud");
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, "HELLO TWIN\n");
  EXPECT_EQ(twin("artifacts export greeting@1 -o greeting.txt").exit_code, 0);
  EXPECT_EQ(read_file(dir_.path() / "greeting.txt"), "hello twin\n");

  const json artifact = twin_json("artifacts show loud@1 --json");
  EXPECT_EQ(artifact["materializer"], "file");
  EXPECT_EQ(artifact["present"], true);
  EXPECT_EQ(artifact["producer"]["step"], "shout");
  const json listed = twin_json("artifacts list --json");
  EXPECT_EQ(listed.size(), 2U);

  const CommandOutput table = twin("runs list");
  EXPECT_NE(table.out.find("RUN ID"), std::string::npos);
  EXPECT_EQ(twin("runs show " + runs[0]["name"].get<std::string>()).exit_code, 0);
}

TEST_P(PipelineCliTest, LogsKeepStdoutAndStderr) {
  std::ofstream(dir_.path() / "noisy.yaml")
      << "steps:\n  talk: {run: 'echo to-out; echo to-err >&2'}\n";
  ASSERT_EQ(twin("pipeline run noisy.yaml").exit_code, 0);
  const std::string id = twin_json("runs list --json")[0]["id"];
  const CommandOutput logs = twin("runs logs " + id + " talk");
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "to-out\nto-err\n");
  const CommandOutput all = twin("runs logs " + id);
  EXPECT_NE(all.out.find("== talk (completed)"), std::string::npos) << all.out;
  EXPECT_EQ(twin("runs logs " + id + " nope").exit_code, 2);
}

TEST_P(PipelineCliTest, SecondRunIsEntirelyCached) {
  ASSERT_EQ(twin("pipeline run hello").exit_code, 0);
  const json second = twin_json("pipeline run hello --json");
  for (const auto& step : second["steps"]) EXPECT_EQ(step["status"], "cached") << step.dump();
  const json third = twin_json("pipeline run hello --no-cache --json");
  for (const auto& step : third["steps"]) EXPECT_EQ(step["status"], "completed");
  const json runs = twin_json("runs list --json");
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_EQ(runs[0]["id"], third["run"]["id"]);  // newest first
}

TEST_P(PipelineCliTest, FailedRunExitsOneAndSummarises) {
  std::ofstream(dir_.path() / "bad.yaml")
      << "steps:\n  boom: {run: 'exit 4'}\n  next: {run: 'true', after: [boom]}\n";
  const CommandOutput run = twin("pipeline run bad.yaml");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.out.find("skipped"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("failed"), std::string::npos);
}

TEST_P(PipelineCliTest, UsageErrorsExitTwo) {
  const CommandOutput unknown = twin("pipeline run helo");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'hello'"), std::string::npos) << unknown.err;
  std::ofstream(dir_.path() / "typo.yaml") << "steps:\n  a: {run: 'true', timeot: 3s}\n";
  const CommandOutput typo = twin("pipeline run typo.yaml");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("typo.yaml:2:"), std::string::npos) << typo.err;
  EXPECT_EQ(twin("runs show nothing-here").exit_code, 2);
  EXPECT_EQ(twin("artifacts show loud@x").exit_code, 2);
  // A Handbook run config given as the pipeline says how to run it.
  std::ofstream(dir_.path() / "training.yaml")
      << "settings:\n  docker:\n    skip_build: True\nparameters:\n  dataset_id: x\n";
  const CommandOutput config = twin("pipeline run training.yaml");
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_NE(config.err.find("is a run config"), std::string::npos) << config.err;
  EXPECT_NE(config.err.find("twin pipeline run PIPELINE --config training.yaml"), std::string::npos)
      << config.err;
}

TEST_P(PipelineCliTest, RunConfigOverOneMegabyteIsRefusedBeforeAnyRunIsRecorded) {
  std::ofstream(dir_.path() / "big.yaml")
      << "parameters:\n  who: " << std::string(1200 * 1024, 'x') << "\n";
  const CommandOutput run = twin("pipeline run hello --config big.yaml");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("at most 1024 KiB"), std::string::npos) << run.err;
  EXPECT_TRUE(twin_json("runs list --json").empty());
}

TEST_P(PipelineCliTest, AliasBombInParametersIsAUsageErrorNotAnOutOfMemory) {
  std::string config =
      "parameters:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    config += "  a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) config += (i ? ", *a" : "*a") + std::to_string(level - 1);
    config += "]\n";
  }
  std::ofstream(dir_.path() / "bomb.yaml") << config;
  const CommandOutput run = twin("pipeline run hello --config bomb.yaml");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("bomb.yaml:"), std::string::npos) << run.err;
  EXPECT_TRUE(twin_json("runs list --json").empty());
}

TEST_P(PipelineCliTest, NonUtf8InARunConfigIsAUsageErrorNotAnInternalOne) {
  std::ofstream(dir_.path() / "latin1.yaml") << "parameters:\n  who: \"caf\xe9 \xff\"\n";
  const CommandOutput run = twin("pipeline run hello --config latin1.yaml");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.err.find("internal"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("latin1.yaml:2:12: not valid UTF-8 text"), std::string::npos) << run.err;
  EXPECT_TRUE(twin_json("runs list --json").empty());
}

TEST_P(PipelineCliTest, HandbookStyleConfigWarnsAboutSettingsOnce) {
  std::ofstream(dir_.path() / "config.yaml") << R"(settings:
  docker: {skip_build: True}
parameters:
  who: Paul Iusztin
run_name: greet-{date}
)";
  const CommandOutput run = twin("pipeline run hello --config config.yaml --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json outcome = json::parse(run.out);
  EXPECT_TRUE(outcome["run"]["name"].get<std::string>().starts_with("greet-20"));
  EXPECT_EQ(twin("artifacts export loud").out, "HELLO PAUL IUSZTIN\n");
  size_t warnings = 0;
  for (size_t at = run.err.find("settings.docker"); at != std::string::npos;
       at = run.err.find("settings.docker", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1U) << run.err;
}

TEST_P(PipelineCliTest, KillMinusNineLeavesACrashedRunNotARunningOne) {
  const int twin_pid = start_slow_run();
  EXPECT_EQ(twin_json("runs list --json")[0]["status"], "running");
  ASSERT_EQ(::kill(twin_pid, SIGKILL), 0);
  ASSERT_TRUE(wait_for_file(dir_.path() / "run.code"));
  const json runs = twin_json("runs list --json");
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "crashed");
  const json shown = twin_json("runs show " + runs[0]["id"].get<std::string>() + " --json");
  EXPECT_EQ(shown["steps"][0]["status"], "failed");
  // The stores still work.
  EXPECT_EQ(twin("pipeline run hello").exit_code, 0);
}

// Gone, or a zombie nobody reaps (an orphan in a container whose init does not wait).
bool process_is_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool wait_until_gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    if (process_is_gone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_P(PipelineCliTest, StepProcessesDieWithARunnerKilledWithMinusNine) {
  const int twin_pid = start_slow_run();
  const pid_t step = std::stoi(read_file(dir_.path() / "step.pid"));
  // The step's sh and the sleep it started (a grandchild of twin).
  std::ifstream children("/proc/" + std::to_string(step) + "/task/" + std::to_string(step) +
                         "/children");
  pid_t sleep_pid = 0;
  children >> sleep_pid;
  ASSERT_GT(sleep_pid, 0);
  ASSERT_EQ(::kill(twin_pid, SIGKILL), 0);
  EXPECT_TRUE(wait_until_gone(step)) << "the step's shell outlived twin";
  EXPECT_TRUE(wait_until_gone(sleep_pid)) << "the step's sleep outlived twin";
}

TEST_P(PipelineCliTest, WorkFoldersOfACrashedRunAreRemovedByTheNextRun) {
  const int twin_pid = start_slow_run();
  const fs::path work = dir_.path() / ".twin" / "work";
  ASSERT_FALSE(fs::is_empty(work));
  ASSERT_EQ(::kill(twin_pid, SIGKILL), 0);
  ASSERT_TRUE(wait_for_file(dir_.path() / "run.code"));
  EXPECT_FALSE(fs::is_empty(work));
  ASSERT_EQ(twin("pipeline run hello").exit_code, 0);
  EXPECT_TRUE(fs::is_empty(work)) << fs::begin(fs::directory_iterator(work))->path();
}

TEST_P(PipelineCliTest, CtrlCCancelsTheRun) {
  const int twin_pid = start_slow_run();
  ASSERT_EQ(::kill(twin_pid, SIGINT), 0);
  ASSERT_TRUE(wait_for_file(dir_.path() / "run.code")) << "twin did not stop after SIGINT";
  EXPECT_EQ(read_file(dir_.path() / "run.code"), "130\n");
  const json runs = twin_json("runs list --json");
  EXPECT_EQ(runs[0]["status"], "cancelled");
  EXPECT_EQ(
      twin_json("runs show " + runs[0]["id"].get<std::string>() + " --json")["steps"][0]["status"],
      "cancelled");
}

TEST_P(PipelineCliTest, TwoRunsAtTheSameTimeBothSucceed) {
  std::ofstream(dir_.path() / "busy.yaml") << R"(steps:
  a: {run: 'sleep 0.3; echo $TWIN_RUN_ID > "$TWIN_OUTPUT_o"', outputs: [o]}
  b: {run: 'cat "$TWIN_INPUT_i" > "$TWIN_OUTPUT_o"', inputs: {i: a.o}, outputs: [o]}
)";
  const std::string run = twin_command("pipeline run busy.yaml --no-cache");
  run_shell("{ (" + run + " >/dev/null 2>one.err; echo $? > one.code) & (" + run +
                " >/dev/null 2>two.err; echo $? > two.code) & wait; }",
            dir_.path());
  EXPECT_EQ(read_file(dir_.path() / "one.code"), "0\n") << read_file(dir_.path() / "one.err");
  EXPECT_EQ(read_file(dir_.path() / "two.code"), "0\n") << read_file(dir_.path() / "two.err");
  const json runs = twin_json("runs list --json");
  ASSERT_EQ(runs.size(), 2U);
  for (const auto& r : runs) EXPECT_EQ(r["status"], "completed");
  const json artifacts = twin_json("artifacts list --json");
  ASSERT_EQ(artifacts.size(), 1U);
  EXPECT_EQ(artifacts[0]["versions"], 4);  // two runs x two steps, all named "o"
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineCliTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& test_info) { return test_info.param; });

}  // namespace
}  // namespace twin
