// Every task type, run by the twin binary on a temporary project.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TaskProject;

TEST(CmdTaskTest, TemplatesGlobsAndAppendsExtraArguments) {
  TaskProject project(R"toml(
[env]
WHO = "world"
[tasks]
greet = "echo hello ${WHO} $WHO '$WHO'"
files = "echo *.txt"
)toml");
  project.write("b.txt", "");
  project.write("a.txt", "");
  auto greet = project.twin("task greet and more");
  ASSERT_EQ(greet.exit_code, 0) << greet.err;
  EXPECT_EQ(greet.out, "hello world world $WHO and more\n");
  EXPECT_THAT(greet.err, HasSubstr("twin => echo hello world world '$WHO' and more"));
  auto files = project.twin("task files");
  EXPECT_EQ(files.out, "a.txt b.txt\n");
  auto quiet = project.twin("-q task greet");
  EXPECT_EQ(quiet.out, "hello world world $WHO\n");
  EXPECT_EQ(quiet.err, "") << "-q silences the echo";
}

TEST(CmdTaskTest, ExitCodeIsTheTasksOwn) {
  TaskProject project("[tasks]\nfail = \"sh -c 'exit 3'\"\nmissing = \"no-such-program-xyz\"\n");
  EXPECT_EQ(project.twin("task fail").exit_code, 3);
  auto missing = project.twin("task missing");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("no-such-program-xyz"));
}

TEST(ShellTaskTest, PosixByDefaultAndOtherInterpreters) {
  TaskProject project(R"toml(
[tasks.pipe]
shell = "echo one two | wc -w; echo $0"
[tasks.bash]
shell = "echo ${BASH_VERSION:+bash}"
interpreter = "bash"
[tasks.py]
shell = "import sys; print('py', sys.version_info[0])"
interpreter = "python"
[tasks.positional]
shell = "echo [$1] [$2]"
)toml");
  auto pipe = project.twin("task pipe");
  ASSERT_EQ(pipe.exit_code, 0) << pipe.err;
  EXPECT_EQ(pipe.out, "2\nsh\n");
  EXPECT_EQ(project.twin("task bash").out, "bash\n");
  EXPECT_EQ(project.twin("task py").out, "py 3\n");
  EXPECT_EQ(project.twin("task positional a 'b c'").out, "[a] [b c]\n");
}

TEST(SequenceTaskTest, RunsInOrderAndStopsAtTheFirstFailure) {
  TaskProject project(R"toml(
[tasks]
one = "echo one"
two = "echo two"
bad = "sh -c 'exit 4'"
all = ["one", "two"]
broken = ["one", "bad", "two"]
[tasks.inline]
sequence = [{ cmd = "echo a" }, { shell = "echo b" }, "one"]
[tasks.ignored]
sequence = ["bad", "two"]
ignore_fail = true
[tasks.return-zero]
sequence = ["bad", "two"]
ignore_fail = "return_zero"
[tasks.return-non-zero]
sequence = ["bad", "two"]
ignore_fail = "return_non_zero"
)toml");
  EXPECT_EQ(project.twin("task all").out, "one\ntwo\n");
  auto broken = project.twin("task broken");
  EXPECT_EQ(broken.exit_code, 4);
  EXPECT_EQ(broken.out, "one\n");
  EXPECT_EQ(project.twin("task inline").out, "a\nb\none\n");
  auto ignored = project.twin("task ignored");
  EXPECT_EQ(ignored.exit_code, 0);
  EXPECT_EQ(ignored.out, "two\n");
  EXPECT_EQ(project.twin("task return-zero").exit_code, 0);
  auto non_zero = project.twin("task return-non-zero");
  EXPECT_EQ(non_zero.exit_code, 4);
  EXPECT_EQ(non_zero.out, "two\n") << "the sequence still runs to the end";
  // Free words given to a sequence are not passed on (only via $POE_EXTRA_ARGS), as in Poe.
  auto args = project.twin("task all extra");
  EXPECT_EQ(args.exit_code, 0) << args.err;
  EXPECT_EQ(args.out, "one\ntwo\n");
  // Exit codes are for execution tasks; the schema gives sequences true/false/return_*.
  TaskProject codes("[tasks.codes]\nsequence = [\"bad\"]\nignore_fail = [4]\n");
  EXPECT_EQ(codes.twin("task codes").exit_code, 2);
}

TEST(ParallelTaskTest, PrefixesOutputLinesWithTheTaskName) {
  TaskProject project(R"toml(
[tasks]
left = "sh -c 'echo l1; echo l2 >&2'"
right = "echo r1"
bad = "sh -c 'exit 6'"
both = { parallel = ["left", "right"] }
with-bad = { parallel = ["left", "bad"] }
)toml");
  auto both = project.twin("task both");
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_THAT(both.out, HasSubstr("left | l1\n"));
  EXPECT_THAT(both.out, HasSubstr("right | r1\n"));
  EXPECT_THAT(both.err, HasSubstr("left | l2\n"));
  EXPECT_EQ(project.twin("task with-bad").exit_code, 6);
}

TEST(RefTaskTest, PassesArgumentsAndTemplates) {
  TaskProject project(R"toml(
[env]
DEFAULT_NAME = "ref"
[tasks.greet]
cmd = "echo hi ${name}"
args = ["name"]
[tasks.alias]
ref = "greet --name ${DEFAULT_NAME}"
[tasks.loop-a]
ref = "loop-b"
[tasks.loop-b]
ref = "loop-a"
)toml");
  auto alias = project.twin("task alias");
  ASSERT_EQ(alias.exit_code, 0) << alias.err;
  EXPECT_EQ(alias.out, "hi ref\n");
  auto loop = project.twin("task loop-a");
  EXPECT_EQ(loop.exit_code, 2);
  EXPECT_THAT(loop.err, HasSubstr("loop-a -> loop-b -> loop-a"));
}

TEST(SwitchTaskTest, ControlByCmdWithCaseListsAndDefaults) {
  TaskProject project(R"toml(
[tasks.by-cmd]
control.cmd = "echo blue"
switch = [
  { case = "red", cmd = "echo stop" },
  { case = ["blue", "green"], cmd = "echo go" },
]
[tasks.by-shell]
control.cmd = "sh -c 'echo $COLOUR'"
switch = [{ case = "red", cmd = "echo stop" }, { cmd = "echo default branch" }]
[tasks.no-match-fails]
control.cmd = "echo purple"
switch = [{ case = "red", cmd = "echo stop" }]
[tasks.no-match-passes]
control.cmd = "echo purple"
default = "pass"
switch = [{ case = "red", cmd = "echo stop" }]
[tasks.platform]
control.expr = "sys.platform"
switch = [{ case = "linux", cmd = "/bin/echo linux branch" }, { cmd = "/bin/echo other" }]
)toml");
  auto by_cmd = project.twin("task by-cmd");
  ASSERT_EQ(by_cmd.exit_code, 0) << by_cmd.err;
  EXPECT_EQ(by_cmd.out, "go\n");
  EXPECT_EQ(project.twin("task by-shell").out, "default branch\n");
  auto red = testing_support::run_shell(
      "COLOUR=red NO_COLOR=1 " + testing_support::shell_quote(TWIN_BINARY) + " task by-shell",
      project.path());
  EXPECT_EQ(red.out, "stop\n");
  // Poe's schema: a control is an expr, cmd or script task.
  TaskProject shell_control(
      "[tasks.s]\ncontrol.shell = \"echo x\"\nswitch = [{ cmd = \"echo y\" }]\n");
  EXPECT_THAT(shell_control.twin("task s").err,
              HasSubstr("control must be an expr, cmd or script task, not shell"));
  auto fails = project.twin("task no-match-fails");
  EXPECT_EQ(fails.exit_code, 1);
  EXPECT_THAT(fails.err, HasSubstr("'purple' matches no case"));
  EXPECT_EQ(project.twin("task no-match-passes").exit_code, 0);
  // sys.platform needs no Python: it works with an empty PATH.
  project.write("empty/.keep", "");
  auto platform =
      testing_support::run_shell("PATH=" + (project.path() / "empty").string() + " NO_COLOR=1 " +
                                     testing_support::shell_quote(TWIN_BINARY) + " task platform",
                                 project.path());
  ASSERT_EQ(platform.exit_code, 0) << platform.err;
  EXPECT_EQ(platform.out, "linux branch\n");
}

TEST(ScriptAndExprTaskTest, RunWithPython3FromPath) {
  TaskProject project(R"toml(
[tasks.script]
script = "tools.hello:main(name)"
args = [{ name = "name", default = "twin" }]
[tasks.script-result]
script = "tools.hello:answer"
print_result = true
[tasks.expr]
expr = "math.floor(3.7) + len(${WORD})"
imports = ["math"]
env = { WORD = "abcd" }
[tasks.assertion]
expr = "int(${N}) > 5"
assert = true
env = { N = { default = "3" } }
)toml");
  project.write("tools/__init__.py", "");
  project.write("tools/hello.py",
                "import sys\n"
                "def main(name):\n    print('hello', name, sys.argv[1:])\n"
                "def answer():\n    return 42\n");
  auto script = project.twin("task script --name ann -- x y");
  ASSERT_EQ(script.exit_code, 0) << script.err;
  EXPECT_EQ(script.out, "hello ann ['x', 'y']\n");
  EXPECT_EQ(project.twin("task script-result").out, "42\n");
  auto expr = project.twin("task expr");
  ASSERT_EQ(expr.exit_code, 0) << expr.err;
  EXPECT_EQ(expr.out, "7\n");
  EXPECT_EQ(project.twin("task assertion").exit_code, 1);

  project.write("empty/.keep", "");
  auto no_python =
      testing_support::run_shell("PATH=" + (project.path() / "empty").string() + " NO_COLOR=1 " +
                                     testing_support::shell_quote(TWIN_BINARY) + " task expr",
                                 project.path());
  EXPECT_EQ(no_python.exit_code, 2);
  EXPECT_THAT(no_python.err, HasSubstr("no python3 on PATH"));
  EXPECT_THAT(no_python.out, Not(HasSubstr("7")));
}

}  // namespace
}  // namespace twin
