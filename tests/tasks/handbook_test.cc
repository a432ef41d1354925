// The LLM Engineer's Handbook's pyproject.toml, unchanged: `twin tasks` lists every task and
// `twin task --dry-run` prints what Poe the Poet would run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tasks/task_project.h"
#include "twin/tasks/task_spec.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using testing_support::TaskProject;

// ../shared/data next to the checkout (or next to the worktrees folder, for a git worktree).
std::filesystem::path handbook_pyproject() {
  for (const char* shared : {TWIN_SOURCE_DIR "/../shared", TWIN_SOURCE_DIR "/../../shared"}) {
    const auto path = std::filesystem::path(shared) / "data/llm-engineers-handbook/pyproject.toml";
    if (std::filesystem::exists(path)) return path;
  }
  return std::filesystem::path(TWIN_SOURCE_DIR "/../shared") /
         "data/llm-engineers-handbook/pyproject.toml";
}
const std::filesystem::path kHandbook = handbook_pyproject();

class HandbookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kHandbook)) {
      GTEST_SKIP() << "the Handbook's pyproject.toml is absent (" << kHandbook << ")";
    }
    std::filesystem::remove(project_.path() / "twin.toml");
    std::filesystem::copy_file(kHandbook, project_.path() / "pyproject.toml");
  }
  TaskProject project_{""};
};

TEST_F(HandbookTest, ListsEveryTaskWithItsHelp) {
  auto file = tasks::load_task_file(project_.path(), std::nullopt);
  ASSERT_TRUE(file.has_value()) << file.error().to_string();
  EXPECT_EQ(file->tasks.size(), 43U);
  auto result = project_.twin("tasks");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const auto& task : file->tasks) {
    EXPECT_THAT(result.out, HasSubstr("  " + task->name)) << task->name;
    if (!task->help.empty()) {
      EXPECT_THAT(result.out, HasSubstr(task->help));
    }
  }
}

TEST_F(HandbookTest, DryRunOfEveryTaskPrintsWhatPoeWouldRun) {
  const std::map<std::string, std::string> expected = {
      {"run-digital-data-etl-alex", "twin => echo 'It is not supported anymore.'\n"},
      {"run-digital-data-etl",
       "twin => poetry run python -m tools.run --run-etl --no-cache --etl-config-filename "
       "digital_data_etl_maxime_labonne.yaml\n"
       "twin => poetry run python -m tools.run --run-etl --no-cache --etl-config-filename "
       "digital_data_etl_paul_iusztin.yaml\n"},
      {"local-infrastructure-up",
       "twin => docker compose up -d\ntwin => poetry run zenml logout --local\n"
       "twin => poetry run zenml login --local\n"},
      {"local-infrastructure-down",
       "twin => docker compose stop\ntwin => poetry run zenml logout --local\n"},
      {"local-zenml-server-up", "twin => poetry run zenml login --local\n"},
      {"call-inference-ml-service",
       "twin => curl -X POST http://127.0.0.1:8000/rag -H 'Content-Type: application/json' -d "
       "'{\"query\": \"My name is Paul Iusztin. Could you draft a LinkedIn post discussing RAG "
       "systems? I am particularly interested in how RAG works and how it is integrated with "
       "vector DBs and LLMs.\"}'\n"},
      {"lint-check-docker", "twin => sh -c 'docker run --rm -i hadolint/hadolint < Dockerfile'\n"},
      {"test", "twin => poetry run pytest tests/\n"},
      {"run-inference-ml-service",
       "twin => poetry run uvicorn tools.ml_service:app --host 0.0.0.0 --port 8000 --reload\n"},
  };
  auto file = tasks::load_task_file(project_.path(), std::nullopt);
  ASSERT_TRUE(file.has_value()) << file.error().to_string();
  for (const auto& task : file->tasks) {
    auto result = project_.twin("task --dry-run " + task->name);
    ASSERT_EQ(result.exit_code, 0) << task->name << ": " << result.err;
    EXPECT_TRUE(result.out.starts_with("twin => ")) << task->name << ": " << result.out;
    if (auto it = expected.find(task->name); it != expected.end()) {
      EXPECT_EQ(result.out, it->second) << task->name;
    } else if (task->kind == tasks::TaskKind::kCmd) {
      EXPECT_EQ(result.out, "twin => " + task->content + "\n") << task->name;
    }
  }
}

TEST_F(HandbookTest, RunsASimpleTaskForReal) {
  auto result = project_.twin("task run-digital-data-etl-alex");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "It is not supported anymore.\n");
}

// Without poetry (the Handbook's tasks run its Python tools through it), a failed task says
// which twin command does the same work.
TEST_F(HandbookTest, APoetryTaskWithoutPoetryNamesTheTwinEquivalent) {
  const std::string without_poetry = "PATH=/usr/bin:/bin ";  // Debian has no poetry there
  auto etl = testing_support::run_shell(without_poetry + testing_support::shell_quote(TWIN_BINARY) +
                                            " task run-digital-data-etl-paul",
                                        project_.path());
  EXPECT_NE(etl.exit_code, 0);
  EXPECT_THAT(etl.err, HasSubstr("twin: hint: poetry is not installed; twin does this itself: "
                                 "twin pipeline run digital_data_etl --config "
                                 "configs/digital_data_etl_paul_iusztin.yaml --no-cache"));
  auto features =
      testing_support::run_shell(without_poetry + testing_support::shell_quote(TWIN_BINARY) +
                                     " task run-feature-engineering-pipeline",
                                 project_.path());
  EXPECT_THAT(features.err, HasSubstr("twin pipeline run feature_engineering --config "
                                      "configs/feature_engineering.yaml --no-cache"));
  // The SageMaker tasks have their twin commands.
  for (const auto& [task, equivalent] :
       {std::pair{"run-training-pipeline",
                  "twin sagemaker train --config configs/training.yaml --wait"},
        {"create-sagemaker-execution-role", "twin aws iam create-execution-role"},
        {"deploy-inference-endpoint", "twin sagemaker deploy"},
        {"delete-inference-endpoint", "twin sagemaker delete"}}) {
    auto result = testing_support::run_shell(
        without_poetry + testing_support::shell_quote(TWIN_BINARY) + " task " + task,
        project_.path());
    EXPECT_THAT(result.err, HasSubstr(std::string("twin does this itself: ") + equivalent)) << task;
  }
  auto other = testing_support::run_shell(
      without_poetry + testing_support::shell_quote(TWIN_BINARY) + " task run-evaluation-pipeline",
      project_.path());
  EXPECT_EQ(other.err.find("twin: hint"), std::string::npos) << other.err;
}

// A twin.toml with [tasks] takes the place of pyproject.toml's [tool.poe]; asking for a task that
// is only in pyproject.toml says so instead of only "no task named".
TEST_F(HandbookTest, ATaskHiddenByTwinTomlIsFoundInPyproject) {
  project_.write("twin.toml", "[tasks.mine]\ncmd = \"echo mine\"\n");
  auto result = project_.twin("task run-digital-data-etl-alex");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("pyproject.toml's [tool.poe] has a task "
                                    "'run-digital-data-etl-alex'"));
  EXPECT_THAT(result.err, HasSubstr("twin task --file pyproject.toml run-digital-data-etl-alex"));
}

}  // namespace
}  // namespace twin
