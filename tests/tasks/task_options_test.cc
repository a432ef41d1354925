// Task options: env, envfile, cwd, deps, uses, args, capture_stdout, ignore_fail, dry runs,
// up-to-date checks and parallel deps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TaskProject;

TEST(EnvOptionTest, DefaultsPrivateVariablesAndTemplating) {
  TaskProject project(R"toml(
[env]
BASE = "base"
[tasks.show]
shell = "echo $BASE $DERIVED $KEPT $SET ${_secret:-unexported} $TWIN_ROOT $POE_ROOT"
env = { _secret = "hidden", DERIVED = "${BASE}-${_secret}", KEPT = { default = "default" }, SET = { default = "default" } }
)toml");
  auto result = testing_support::run_shell(
      "SET=from-env NO_COLOR=1 " + testing_support::shell_quote(TWIN_BINARY) + " task show",
      project.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string root = project.path().string();
  EXPECT_EQ(result.out, "base base-hidden default from-env unexported " + root + " " + root + "\n");
}

TEST(EnvOptionTest, PwdIsWhereTwinStarted) {
  TaskProject project("[tasks.where]\nshell = 'echo $TWIN_PWD $POE_PWD; pwd'\n");
  project.write("sub/.keep", "");
  auto result = project.twin("-C sub task where");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string sub = (project.path() / "sub").string();
  EXPECT_EQ(result.out, sub + " " + sub + "\n" + project.path().string() + "\n")
      << "tasks run in the project root by default";
}

TEST(EnvfileOptionTest, LoadsFilesAndReportsMissingOnes) {
  TaskProject project(R"toml(
envfile = "global.env"
[tasks.show]
shell = "echo $A $B $C"
envfile = ["one.env", "two.env"]
[tasks.optional]
shell = "echo ${A}"
envfile = { optional = ["absent.env"] }
[tasks.missing]
shell = "echo never"
envfile = "absent.env"
)toml");
  project.write("global.env", "A=global\nB=global\n");
  project.write("one.env", "export B=\"one ${A}\"\n");
  project.write("two.env", "# comment\nC='two'\n");
  auto show = project.twin("task show");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "global one global two\n");
  EXPECT_EQ(project.twin("task optional").out, "global\n");
  // As Poe: a missing expected envfile is a warning, and the task runs.
  auto missing = project.twin("task missing");
  EXPECT_EQ(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("warning: missing: envfile "));
  EXPECT_THAT(missing.err, HasSubstr("absent.env not found"));
  EXPECT_EQ(missing.out, "never\n");
}

TEST(CwdOptionTest, RelativeToTheRootWithTemplating) {
  TaskProject project(R"toml(
[tasks.here]
cmd = "pwd"
cwd = "${PLACE}/inner"
env = { PLACE = "outer" }
)toml");
  project.write("outer/inner/.keep", "");
  auto result = project.twin("task here");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, (project.path() / "outer/inner").string() + "\n");
}

TEST(DepsOptionTest, EachInvocationRunsOnceInDependencyOrder) {
  TaskProject project(R"toml(
[tasks.base]
shell = "echo base >> log.txt"
[tasks.left]
shell = "echo left >> log.txt"
deps = ["base"]
[tasks.right]
shell = "echo right-$v >> log.txt"
deps = ["base"]
args = ["v"]
[tasks.top]
shell = "echo top >> log.txt"
deps = ["left", "right --v 1", "right --v 2", "base"]
)toml");
  auto result = project.twin("task top");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(project.read("log.txt"), "base\nleft\nright-1\nright-2\ntop\n");
}

TEST(DepsOptionTest, AFailedDependencyStopsTheTask) {
  TaskProject project(R"toml(
[tasks.bad]
cmd = "sh -c 'exit 5'"
[tasks.top]
cmd = "echo top"
deps = ["bad"]
)toml");
  auto result = project.twin("task top");
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("dependency 'bad' failed"));
}

TEST(DepsOptionTest, CyclesAreNamed) {
  TaskProject project(R"toml(
[tasks.a]
cmd = "echo a"
deps = ["b"]
[tasks.b]
cmd = "echo b"
deps = ["c"]
[tasks.c]
cmd = "echo c"
deps = ["a"]
[tasks.d]
cmd = "echo d"
deps = ["nonexistent"]
)toml");
  auto cycle = project.twin("task a");
  EXPECT_EQ(cycle.exit_code, 2);
  EXPECT_THAT(cycle.err, HasSubstr("dependency cycle: a -> b -> c -> a"));
  EXPECT_EQ(cycle.out, "") << "nothing runs";
  auto unknown = project.twin("task d");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("no task named 'nonexistent'"));
}

TEST(DepsOptionTest, JobsRunIndependentDepsAtTheSameTime) {
  // Each dep waits until the other has started: they finish only when run concurrently.
  TaskProject project(R"toml(
[tasks.first]
shell = "touch first.started; i=0; while [ ! -f second.started ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; [ -f second.started ]"
[tasks.second]
shell = "touch second.started; i=0; while [ ! -f first.started ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; [ -f first.started ]"
[tasks.both]
cmd = "echo both done"
deps = ["first", "second"]
)toml");
  auto parallel = project.twin("task --jobs 2 both");
  ASSERT_EQ(parallel.exit_code, 0) << parallel.err;
  EXPECT_EQ(parallel.out, "both done\n");
}

TEST(UsesOptionTest, CapturedOutputBecomesAVariable) {
  TaskProject project(R"toml(
[tasks._version]
cmd = "echo 1.2.3"
[tasks.release]
cmd = "echo releasing ${VERSION}"
uses = { VERSION = "_version" }
)toml");
  auto result = project.twin("task release");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "releasing 1.2.3\n");
}

TEST(ArgsOptionTest, FreeArgumentsAfterDoubleDash) {
  TaskProject project(R"toml(
[tasks.plain]
cmd = "echo plain"
[tasks.named]
cmd = "echo ${greeting}"
args = [{ name = "greeting", default = "hi" }]
[tasks.extras]
shell = "echo [$TWIN_EXTRA_ARGS] [$POE_EXTRA_ARGS] [$flag]"
args = [{ name = "flag", type = "boolean" }]
)toml");
  EXPECT_EQ(project.twin("task plain a 'b c'").out, "plain a b c\n");
  auto named = project.twin("task named --greeting hello -- extra words");
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, "hello extra words\n");
  auto extras = project.twin("task extras --flag -- 'x y' z");
  ASSERT_EQ(extras.exit_code, 0) << extras.err;
  EXPECT_EQ(extras.out, "['x y' z] ['x y' z] [True]\n");
}

TEST(CaptureStdoutOptionTest, WritesTheOutputToAFile) {
  TaskProject project(R"toml(
[tasks.save]
cmd = "echo saved"
capture_stdout = "${NAME}.txt"
env = { NAME = "out" }
)toml");
  project.write("out.txt", "old content that must be replaced\n");
  auto result = project.twin("task save");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(project.read("out.txt"), "saved\n");
}

TEST(IgnoreFailOptionTest, OnASingleTask) {
  TaskProject project(R"toml(
[tasks.any]
cmd = "sh -c 'exit 3'"
ignore_fail = true
[tasks.listed]
cmd = "sh -c 'exit 3'"
ignore_fail = [1, 3]
[tasks.unlisted]
cmd = "sh -c 'exit 3'"
ignore_fail = [1]
)toml");
  EXPECT_EQ(project.twin("task any").exit_code, 0);
  EXPECT_EQ(project.twin("task listed").exit_code, 0);
  EXPECT_EQ(project.twin("task unlisted").exit_code, 3);
}

TEST(DryRunTest, PrintsCommandsAndRunsNothing) {
  TaskProject project(R"toml(
[tasks.make]
shell = "touch made.txt"
[tasks.all]
sequence = ["make", { cmd = "touch ${X}.txt" }]
env = { X = "also" }
)toml");
  auto result = project.twin("task --dry-run all");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "twin => touch made.txt\ntwin => touch also.txt\n");
  EXPECT_FALSE(std::filesystem::exists(project.path() / "made.txt"));
  auto after_name = project.twin("task all --dry-run");
  EXPECT_EQ(after_name.out, result.out) << "--dry-run may also follow the task name";
  EXPECT_FALSE(std::filesystem::exists(project.path() / "also.txt"));
}

// Issue 16: the printed command shows args and `uses` as they would be, not `$preset` or "".
TEST(DryRunTest, ExpandsArgsAndShowsWhereUsesOutputGoes) {
  TaskProject project(R"toml(
[tasks.build]
cmd = "cmake --preset $preset -j ${jobs}"
args = [{ name = "preset", default = "release" }, { name = "jobs", default = "4" }]
[tasks.version]
shell = "echo 1.2.3 > version-ran.txt; echo 1.2.3"
[tasks.show]
cmd = "echo version $VER"
uses = { VER = "version" }
)toml");
  EXPECT_EQ(project.twin("task --dry-run build").out, "twin => cmake --preset release -j 4\n");
  EXPECT_EQ(project.twin("task --dry-run build --preset asan --jobs 2").out,
            "twin => cmake --preset asan -j 2\n");
  auto show = project.twin("task --dry-run show");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("twin => echo version '<output:version>'\n"));
  EXPECT_FALSE(std::filesystem::exists(project.path() / "version-ran.txt"));
}

TEST(UpToDateTest, SkipsWhileSourcesAndOutputsAreUnchanged) {
  TaskProject project(R"toml(
[tasks.build]
shell = "echo ran >> runs.log; cat src/*.txt > out/all.txt"
sources = ["src/*.txt"]
generates = ["out/all.txt"]
)toml");
  project.write("src/a.txt", "a\n");
  project.write("out/.keep", "");
  auto first = project.twin("task build");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = project.twin("task build");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("task build is up to date"));
  EXPECT_EQ(project.read("runs.log"), "ran\n");

  project.write("src/a.txt", "changed\n");
  ASSERT_EQ(project.twin("task build").exit_code, 0);
  EXPECT_EQ(project.read("runs.log"), "ran\nran\n");

  std::filesystem::remove(project.path() / "out/all.txt");
  ASSERT_EQ(project.twin("task build").exit_code, 0);
  EXPECT_EQ(project.read("runs.log"), "ran\nran\nran\n") << "a deleted output is rebuilt";
  EXPECT_EQ(project.read("out/all.txt"), "changed\n");
  EXPECT_TRUE(std::filesystem::is_directory(project.path() / ".twin/tasks"));
}

TEST(UpToDateTest, FailuresAreNotRecorded) {
  TaskProject project(R"toml(
[tasks.flaky]
shell = "echo ran >> runs.log; test -f ok"
sources = ["in.txt"]
)toml");
  project.write("in.txt", "x");
  EXPECT_EQ(project.twin("task flaky").exit_code, 1);
  project.write("ok", "");
  EXPECT_EQ(project.twin("task flaky").exit_code, 0);
  EXPECT_EQ(project.twin("task flaky").exit_code, 0);
  EXPECT_EQ(project.read("runs.log"), "ran\nran\n");
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(EnvOptionTest, TasksCanCallTheRunningTwinBack) {
  testing_support::TaskProject project("[tasks]\nself = \"echo ${TWIN_EXE}\"\n");
  auto result = project.twin("task self");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::filesystem::canonical(TWIN_BINARY).string() + "\n");
}

}  // namespace
}  // namespace twin
