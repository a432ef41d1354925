// `twin tasks`, `twin task` with no name or an unknown one, per-task help, errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TaskProject;

constexpr const char* kTasks = R"toml(
[tasks.build]
help = "Build everything"
cmd = "echo building"
args = [{ name = "target", help = "what to build", default = "all", choices = ["all", "docs"] }]

[tasks._private]
cmd = "echo hidden"

[tasks.check]
help = "Run the checks"
shell = "echo checking"
)toml";

TEST(TaskCliTest, ListsTasksWithHelpAndArgsHidingPrivateOnes) {
  TaskProject project(kTasks);
  auto result = project.twin("tasks");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("build"));
  EXPECT_THAT(result.out, HasSubstr("Build everything"));
  EXPECT_THAT(result.out, HasSubstr("--target"));
  EXPECT_THAT(result.out,
              HasSubstr("what to build [default: all] [choices: 'all', 'docs']"));  // Poe's style
  EXPECT_THAT(result.out, HasSubstr("Run the checks"));
  EXPECT_THAT(result.out, Not(HasSubstr("_private")));
  EXPECT_LT(result.out.find("build"), result.out.find("check")) << "file order";

  auto json = project.twin("tasks --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["tasks"].size(), 2U);
  EXPECT_EQ(doc["tasks"][0]["name"], "build");
  EXPECT_EQ(doc["tasks"][0]["args"][0]["default"], "all");
}

// A missing task name is a usage error: exit 2, as for every other command.
TEST(TaskCliTest, NoTaskNamePrintsTheListAndExitsTwo) {
  TaskProject project(kTasks);
  auto result = project.twin("task");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.out, HasSubstr("Build everything"));
  EXPECT_THAT(result.err, HasSubstr("no task given"));
}

TEST(TaskCliTest, UnknownTaskExitsTwoWithClosestNames) {
  TaskProject project(kTasks);
  auto result = project.twin("task biuld");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("no task named 'biuld'"));
  EXPECT_THAT(result.err, HasSubstr("Did you mean 'build'?"));
}

TEST(TaskCliTest, PrivateTasksDoNotRunDirectly) {
  TaskProject project(kTasks);
  auto result = project.twin("task _private");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("task _private is private"));
  EXPECT_EQ(result.out, "");
}

TEST(TaskCliTest, TaskHelpDescribesOneTask) {
  TaskProject project(kTasks);
  auto result = project.twin("task build --help");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Usage:\n  twin task build [named arguments]"));
  EXPECT_THAT(result.out, HasSubstr("Build everything"));
  EXPECT_THAT(result.out, HasSubstr("--target"));
  EXPECT_THAT(result.out, Not(HasSubstr("\nbuilding\n"))) << "help must not run the task";
  auto general = project.twin("task --help");
  EXPECT_EQ(general.exit_code, 0);
  EXPECT_THAT(general.out, HasSubstr("--dry-run"));
}

TEST(TaskCliTest, MalformedFilesAreConfigurationErrorsWithPositions) {
  TaskProject project("[tasks.a]\ncmd = \"echo\"\nbogus = 1\n");
  auto result = project.twin("task a");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("twin.toml:3:9"));
  EXPECT_THAT(result.err, HasSubstr("unknown option 'bogus'"));

  TaskProject broken("[tasks\na = 1\n");
  auto parse_error = broken.twin("tasks");
  EXPECT_EQ(parse_error.exit_code, 2);
  EXPECT_THAT(parse_error.err, HasSubstr("twin.toml:1:"));

  TaskProject pyproject("");
  std::filesystem::remove(pyproject.path() / "twin.toml");
  pyproject.write("pyproject.toml", "[tool.poe.tasks]\nx = { cmd = 'a', shell = 'b' }\n");
  auto poe_error = pyproject.twin("tasks");
  EXPECT_EQ(poe_error.exit_code, 2);
  EXPECT_THAT(poe_error.err, HasSubstr("pyproject.toml:2:5"));
}

TEST(TaskCliTest, BadArgumentsExitTwo) {
  TaskProject project(kTasks);
  auto result = project.twin("task build --target nope");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("invalid choice: 'nope'"));
}

TEST(TaskCliTest, FileOptionReadsAnotherFile) {
  TaskProject project(kTasks);
  project.write("other/tasks.toml", "[tasks.elsewhere]\ncmd = 'echo from-other-file'\n");
  auto result = project.twin("task --file other/tasks.toml elsewhere");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("from-other-file"));
}

}  // namespace
}  // namespace twin
