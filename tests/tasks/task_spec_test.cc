// Parsing twin.toml / pyproject.toml task definitions (tasks/task_spec.h).
#include "twin/tasks/task_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin::tasks {
namespace {

using ::testing::HasSubstr;
using testing_support::TempDir;

Result<TaskFile> load(const TempDir& dir, const std::string& twin_toml) {
  std::ofstream(dir.path() / "twin.toml") << twin_toml;
  return load_task_file(dir.path(), std::nullopt);
}

TEST(TaskSpecTest, EveryFormAndTaskType) {
  TempDir dir;
  auto file = load(dir, R"toml(
envfile = ".env.tasks"
[env]
A = "1"
B = { default = "2" }
[tasks]
plain = "echo hi"
seq = ["plain", { shell = "echo two" }]
[tasks.sh]
shell = "echo $A"
interpreter = ["bash", "posix"]
[tasks.sw]
control.expr = "sys.platform"
default = "pass"
switch = [{ case = ["linux", "darwin"], cmd = "echo unix" }, { cmd = "echo other" }]
[tasks.p]
parallel = ["plain", "sh"]
ignore_fail = "return_non_zero"
[tasks.r]
ref = "plain"
[tasks.s]
script = "pkg.mod:main"
[tasks.e]
expr = "1 + 1"
imports = ["math"]
assert = true
)toml");
  ASSERT_TRUE(file.has_value()) << file.error().to_string();
  EXPECT_EQ(file->env.size(), 2U);
  EXPECT_TRUE(file->env[1].only_if_unset);
  ASSERT_EQ(file->envfiles.size(), 1U);
  EXPECT_EQ(file->find("plain")->kind, TaskKind::kCmd);
  const TaskSpec* seq = file->find("seq");
  ASSERT_EQ(seq->subtasks.size(), 2U);
  EXPECT_EQ(seq->subtasks[0]->kind, TaskKind::kRef);
  EXPECT_EQ(seq->subtasks[1]->kind, TaskKind::kShell);
  EXPECT_EQ(file->find("sh")->interpreter, (std::vector<std::string>{"bash", "posix"}));
  const TaskSpec* sw = file->find("sw");
  EXPECT_EQ(sw->control->kind, TaskKind::kExpr);
  ASSERT_EQ(sw->switch_cases.size(), 2U);
  EXPECT_EQ(sw->switch_cases[0].cases, (std::vector<std::string>{"linux", "darwin"}));
  EXPECT_TRUE(sw->switch_cases[1].cases.empty());
  EXPECT_FALSE(sw->switch_default_fail);
  EXPECT_EQ(file->find("p")->ignore_fail.mode, IgnoreFail::Mode::kReturnNonZero);
  EXPECT_EQ(file->find("r")->kind, TaskKind::kRef);
  EXPECT_EQ(file->find("s")->kind, TaskKind::kScript);
  EXPECT_TRUE(file->find("e")->assert_result);
  // File order, not key order.
  EXPECT_EQ(file->names().front(), "plain");
  EXPECT_EQ(file->names().back(), "e");
}

TEST(TaskSpecTest, ArgsInAllThreeSpellings) {
  TempDir dir;
  auto file = load(dir, R"toml(
[tasks.a]
cmd = "echo"
args = ["x", { name = "y", options = ["-y", "--why"], type = "integer", default = 3 }]
[tasks.b]
cmd = "echo"
args = { z = { positional = true, multiple = true, help = "zs" } }
)toml");
  ASSERT_TRUE(file.has_value()) << file.error().to_string();
  const auto& a = file->find("a")->args;
  ASSERT_EQ(a.size(), 2U);
  EXPECT_EQ(a[0].options, (std::vector<std::string>{"--x"}));
  EXPECT_EQ(a[1].type, ArgType::kInteger);
  EXPECT_EQ(a[1].default_value, "3");
  const auto& b = file->find("b")->args;
  ASSERT_EQ(b.size(), 1U);
  EXPECT_TRUE(b[0].positional && b[0].multiple);
  EXPECT_TRUE(b[0].options.empty());
}

TEST(TaskSpecTest, ErrorsNameFileLineAndColumn) {
  TempDir dir;
  auto unknown_option = load(dir, "[tasks.a]\ncmd = \"x\"\nhlep = \"typo\"\n");
  ASSERT_FALSE(unknown_option.has_value());
  EXPECT_THAT(unknown_option.error().message(), HasSubstr("twin.toml:3:8"));
  EXPECT_THAT(unknown_option.error().message(), HasSubstr("unknown option 'hlep'"));
  auto two_types = load(dir, "[tasks.a]\ncmd = \"x\"\nshell = \"y\"\n");
  ASSERT_FALSE(two_types.has_value());
  EXPECT_THAT(two_types.error().message(), HasSubstr("a task has one type"));
  auto no_type = load(dir, "[tasks.a]\nhelp = \"x\"\n");
  ASSERT_FALSE(no_type.has_value());
  EXPECT_THAT(no_type.error().message(), HasSubstr("has no type"));
  auto bad_ignore = load(dir, "[tasks.a]\ncmd = \"x\"\nignore_fail = \"sometimes\"\n");
  ASSERT_FALSE(bad_ignore.has_value());
  EXPECT_THAT(bad_ignore.error().message(), HasSubstr("twin.toml:3:15"));
  auto malformed = load(dir, "[tasks]\na = \"unterminated\n");
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.error().message(), HasSubstr("twin.toml:2:"));
  auto bad_arg_type =
      load(dir, "[tasks.a]\ncmd = \"x\"\nargs = [{ name = \"n\", type = \"list\" }]\n");
  ASSERT_FALSE(bad_arg_type.has_value());
  EXPECT_THAT(bad_arg_type.error().message(),
              HasSubstr("arg type must be one of string, float, integer, boolean (got 'list')"));
}

TEST(TaskSpecTest, FallsBackToPyprojectToolPoe) {
  TempDir dir;
  std::ofstream(dir.path() / "twin.toml") << "[settings]\nX = '1'\n";
  std::ofstream(dir.path() / "pyproject.toml") << "[tool.poe.tasks]\nhello = 'echo hi'\n";
  auto file = load_task_file(dir.path(), std::nullopt);
  ASSERT_TRUE(file.has_value()) << file.error().to_string();
  EXPECT_EQ(file->path.filename(), "pyproject.toml");
  EXPECT_NE(file->find("hello"), nullptr);
}

TEST(TaskSpecTest, NoTasksAnywhereIsNotFound) {
  TempDir dir;
  auto file = load_task_file(dir.path(), std::nullopt);
  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace twin::tasks
