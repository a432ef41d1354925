// Poe's global `include` and the `executor` option.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TaskProject;

TEST(IncludeTest, TasksFromIncludedFilesJoinUnlessTheNameIsTaken) {
  TaskProject project(R"toml(
include = ["shared/tasks.toml", "generated.json", "missing.toml"]
[tasks]
own = "echo own"
both = "echo main wins"
)toml");
  project.write("shared/tasks.toml",
                "[tool.poe.tasks]\nshared = { cmd = 'echo shared', help = 'from a submodule' }\n"
                "both = 'echo included loses'\n");
  project.write("generated.json", R"({"tasks": {"generated": {"shell": "echo from json"}}})");
  auto list = project.twin("tasks");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("from a submodule"));
  EXPECT_THAT(list.out, HasSubstr("generated"));
  EXPECT_EQ(project.twin("-q task shared").out, "shared\n");
  EXPECT_EQ(project.twin("-q task generated").out, "from json\n");
  EXPECT_EQ(project.twin("-q task both").out, "main wins\n");
}

TEST(IncludeTest, IncludeCwdIsWhereItsTasksRunAndReadEnvfiles) {
  TaskProject project(R"toml(
[[include]]
path = "${POE_ROOT}/sub/pyproject.toml"
cwd = "sub"
[tasks]
root-env = "echo ${FROM_SUB:-unset}"
)toml");
  project.write("sub/pyproject.toml", R"toml(
[tool.poe]
envfile = ".env"
env = { FILE_ENV = "file" }
[tool.poe.tasks.where]
shell = "pwd; echo $FROM_SUB $FILE_ENV $TWIN_CONF_DIR"
)toml");
  project.write("sub/.env", "FROM_SUB=sub-dotenv\n");
  auto result = project.twin("-q task where");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string sub = (project.path() / "sub").string();
  EXPECT_EQ(result.out, sub + "\nsub-dotenv file " + sub + "\n");
  EXPECT_EQ(project.twin("-q task root-env").out, "unset\n")
      << "an included file's env stays with its tasks";
}

TEST(IncludeTest, MalformedIncludedFileIsNamed) {
  TaskProject project("include = 'broken.toml'\n[tasks]\nok = 'true'\n");
  project.write("broken.toml", "[tasks\n");
  auto result = project.twin("tasks");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("broken.toml"));
}

// A stand-in virtualenv: bin/ with a `tool` program.
void make_virtualenv(TaskProject& project, const std::string& dir) {
  project.write(dir + "/bin/tool", "#!/bin/sh\necho \"tool from " + dir + " $VIRTUAL_ENV\"\n");
  std::filesystem::permissions(project.path() / dir / "bin/tool",
                               std::filesystem::perms::owner_all);
}

TEST(ExecutorTest, AutoUsesTheProjectVirtualenv) {
  TaskProject project("[tasks]\nrun = 'tool'\n");
  make_virtualenv(project, ".venv");
  auto result = testing_support::run_shell(
      "unset VIRTUAL_ENV; NO_COLOR=1 " + testing_support::shell_quote(TWIN_BINARY) + " -q task run",
      project.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "tool from .venv " + (project.path() / ".venv").string() + "\n");
}

TEST(ExecutorTest, SimpleIgnoresItAndVirtualenvLocationIsUsed) {
  TaskProject project(R"toml(
executor = "simple"
[tasks]
plain = { shell = "command -v tool || echo none" }
custom = { cmd = "tool", executor = { type = "virtualenv", location = "envs/dev" } }
absent = { cmd = "tool", executor = { type = "virtualenv", location = "nowhere" } }
)toml");
  make_virtualenv(project, ".venv");
  make_virtualenv(project, "envs/dev");
  EXPECT_EQ(project.twin("-q task plain").out, "none\n");
  auto custom = project.twin("-q task custom");
  ASSERT_EQ(custom.exit_code, 0) << custom.err;
  EXPECT_THAT(custom.out, HasSubstr("tool from envs/dev"));
  auto absent = project.twin("-q task absent");
  EXPECT_NE(absent.exit_code, 0);
  EXPECT_THAT(absent.err, HasSubstr("no virtualenv at " + (project.path() / "nowhere").string()));
}

TEST(ExecutorTest, UnknownExecutorTypeIsAConfigurationError) {
  TaskProject project("[tasks]\nx = { cmd = 'true', executor = 'conda' }\n");
  auto result = project.twin("task x");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(
      result.err,
      HasSubstr("executor must be one of auto, poetry, simple, uv, virtualenv (got 'conda')"));
  EXPECT_THAT(result.err, Not(HasSubstr("internal")));
}

}  // namespace
}  // namespace twin
