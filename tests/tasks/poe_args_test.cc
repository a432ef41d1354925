// Poe the Poet 0.47.1's args, private variables and free arguments, from the examples of its
// docs (guides/args_guide.rst, env_vars.rst, tasks/options.rst, task_types/*.rst), run through
// the twin binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::PyProject;
using testing_support::TaskProject;

TEST(PoeArgsTest, IntegerMultipleTakesExactlyThatManyValuesInTotal) {
  // args_guide.rst: "with multiple = 2 both --widgets a b and --widgets a --widgets b are valid".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.widgets]
cmd = "echo ${widgets}"
args = [{ name = "widgets", multiple = 2 }]

[tool.poe.tasks.pair]
cmd = "echo ${pair}"
args = [{ name = "pair", positional = true, multiple = 2, type = "integer" }]
)toml"});
  auto spaced = project.twin("task widgets --widgets a b");
  ASSERT_EQ(spaced.exit_code, 0) << spaced.err;
  EXPECT_EQ(spaced.out, "a b\n");
  auto repeated = project.twin("task widgets --widgets a --widgets b");
  ASSERT_EQ(repeated.exit_code, 0) << repeated.err;
  EXPECT_EQ(repeated.out, "a b\n");
  auto one = project.twin("task widgets --widgets a");
  EXPECT_EQ(one.exit_code, 2);
  EXPECT_THAT(one.err, HasSubstr("expected 2 arguments (got 1)"));
  EXPECT_EQ(project.twin("task widgets --widgets a b c").exit_code, 2);
  EXPECT_EQ(project.twin("task pair 1 2").out, "1 2\n");
  EXPECT_EQ(project.twin("task pair 1").exit_code, 2);
  EXPECT_EQ(project.twin("task pair 1 x").exit_code, 2) << "integer values are checked";
}

TEST(PoeArgsTest, MultipleResolvesToAListInPython) {
  // "A multiple argument always resolves to a list: when it is omitted it resolves to an empty
  // list, or - if a default is configured - to a single-item list containing that default."
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.show]
expr = "(engines, sizes, extra)"
args = [
  { name = "engines", multiple = true },
  { name = "sizes", multiple = true, type = "integer" },
  { name = "extra", multiple = true, default = "v1" },
]
)toml"});
  EXPECT_EQ(project.twin("task show").out, "([], [], ['v1'])\n");
  EXPECT_EQ(project.twin("task show --engines v2 v8 --engines v10 --sizes 1 2 --extra x").out,
            "(['v2', 'v8', 'v10'], [1, 2], ['x'])\n");
}

TEST(PoeArgsTest, ChoicesAreEnforcedAndShownInHelp) {
  // args_guide.rst, "Constraining argument values".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.share]
help = "Share some personal information"
cmd = "echo \"My favorite ice cream is ${flavor}\""
[[tool.poe.tasks.share.args]]
name = "flavor"
help = "Favorite ice cream"
positional = true
choices = ["chocolate", "pistachio", "vanilla"]
)toml"});
  auto ok = project.twin("task share pistachio");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "My favorite ice cream is pistachio\n");
  auto bad = project.twin("task share mint");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("invalid choice: 'mint' (choose from 'chocolate', 'pistachio', "
                                 "'vanilla')"));
  auto help = project.twin("task share --help");
  EXPECT_THAT(help.out, HasSubstr("Description:\n  Share some personal information\n"));
  EXPECT_THAT(help.out, HasSubstr("Named arguments:\n  flavor         Favorite ice cream "
                                  "[choices: 'chocolate', 'pistachio', 'vanilla']\n"));
  auto list = project.twin("tasks");
  EXPECT_THAT(list.out, HasSubstr("   flavor       Favorite ice cream [choices: 'chocolate', "
                                  "'pistachio', 'vanilla']\n"));
}

TEST(PoeArgsTest, FalseBooleanArgsUnsetTheirVariable) {
  // cmd.rst: "${_arn_only:+ ...}" is included only with the flag; args_guide.rst: a false flag
  // unsets the variable "even if it was previously set by some other means".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.aws-identity]
cmd = "echo sts ${_arn_only:+ --no-cli-pager --output text --query 'Arn'}"
args = [{ name = "_arn_only", options = ["--arn-only"], type = "boolean" }]

[tool.poe.tasks.flag]
shell = "echo [${flag:-unset}]"
args = [{ name = "flag", type = "boolean" }]

[tool.poe.tasks.on-by-default]
shell = "echo [${flag:-unset}]"
args = [{ name = "flag", type = "boolean", default = true }]
)toml"});
  EXPECT_EQ(project.twin("task aws-identity").out, "sts\n");
  EXPECT_EQ(project.twin("task aws-identity --arn-only").out,
            "sts --no-cli-pager --output text --query Arn\n");
  EXPECT_EQ(project.twin("task flag --flag").out, "[True]\n");
  auto inherited = testing_support::run_shell(
      "flag=from-host " + testing_support::shell_quote(TWIN_BINARY) + " task flag", project.path());
  EXPECT_EQ(inherited.out, "[unset]\n") << "a false flag unsets a variable set by the host";
  EXPECT_EQ(project.twin("task on-by-default").out, "[True]\n");
  EXPECT_EQ(project.twin("task on-by-default --flag").out, "[unset]\n");
}

TEST(PoeArgsTest, BooleanDefaultsMustBeBooleanSpellings) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.t]
cmd = "echo"
args = [{ name = "f", type = "boolean", default = "maybe" }]
)toml"});
  auto result = project.twin("tasks");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("pyproject.toml:4:"));
  EXPECT_THAT(result.err, HasSubstr("boolean arg's default"));
}

TEST(PoeArgsTest, SwitchControlExprReadsTheSwitchArgs) {
  // switch.rst, "Switching on a named argument" (the control used to fail with NameError).
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.icecream]
control.expr = "flavor"
args = ["flavor"]

  [[tool.poe.tasks.icecream.switch]]
  case = "chocolate"
  cmd  = "echo make_chocolate_icecream"

  [[tool.poe.tasks.icecream.switch]]
  case = "strawberry"
  cmd  = "echo make_strawberry_icecream"

  [[tool.poe.tasks.icecream.switch]]
  cmd  = "echo make_vanilla_icecream"
)toml"});
  auto chocolate = project.twin("task icecream --flavor chocolate");
  ASSERT_EQ(chocolate.exit_code, 0) << chocolate.err;
  EXPECT_EQ(chocolate.out, "make_chocolate_icecream\n");
  EXPECT_THAT(chocolate.err, Not(HasSubstr("NameError")));
  EXPECT_EQ(project.twin("task icecream --flavor mint").out, "make_vanilla_icecream\n");
  EXPECT_EQ(project.twin("task icecream").out, "make_vanilla_icecream\n");
}

TEST(PoeArgsTest, SwitchOnAnEnvironmentVariable) {
  // switch.rst, "Switching on an environment variable".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.check_number]
control.expr = "int(${BEST_NUMBER}) % 2"

  [[tool.poe.tasks.check_number.switch]]
  case = "0"
  expr = "f'{${BEST_NUMBER}} is even'"

  [[tool.poe.tasks.check_number.switch]]
  case = "1"
  expr = "f'{${BEST_NUMBER}} is odd'"
)toml"});
  const auto run = [&](const std::string& number) {
    return testing_support::run_shell("BEST_NUMBER=" + number + " " +
                                          testing_support::shell_quote(TWIN_BINARY) +
                                          " task check_number",
                                      project.path());
  };
  EXPECT_EQ(run("12").out, "12 is even\n");
  // switch.rst shows the control echoed with `<=`, the branch with `=>`.
  EXPECT_THAT(run("12").err,
              HasSubstr("twin <= int(${BEST_NUMBER}) % 2\ntwin => f'{${BEST_NUMBER}} "
                        "is even'\n"));
  EXPECT_EQ(run("17").out, "17 is odd\n");
}

TEST(PoePrivateVariablesTest, NeverReachTheTaskEnvironment) {
  // env_vars.rst: names starting with _ and holding no uppercase letter are private, whether
  // they come from env, an envfile, args or uses; options.rst: they can be aliased to exported
  // variables by templating.
  TaskProject project(PyProject{R"toml(
[tool.poe]
envfile = "vars.env"
env = { _from_env = "e", _NOT_PRIVATE = "visible" }

[tool.poe.tasks.run]
ref = "_serve"
args = ["_favorite_number"]

[tool.poe.tasks._serve]
shell = "echo PORT=$PORT [$_favorite_number] [$_from_env] [$_token] [$_used] [$_NOT_PRIVATE]; env | grep -c '^_[a-z]' || true"
env = { PORT = "${_favorite_number}:${_from_env}:${_token}" }
uses = { _used = "_value" }

[tool.poe.tasks._value]
cmd = "echo u"

[tool.poe.tasks.template]
cmd = "echo [${_used}] [${LINES}]"
uses = { _used = "_value", LINES = "_lines" }

[tool.poe.tasks._lines]
shell = "echo one; echo two"
)toml"});
  project.write("vars.env", "_token=secret\n");
  auto run = project.twin("task run --favorite_number 42");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "PORT=42:e:secret [] [] [] [] [visible]\n0\n");
  // composition_guide.rst: a private `uses` is a template variable; captured output is
  // "compacted to have new lines removed".
  EXPECT_EQ(project.twin("task template").out, "[u] [one two]\n");
}

TEST(PoePrivateVariablesTest, ArePythonVariablesInScriptAndExprTasks) {
  // args_guide.rst: script = "kitchen:frying_pan(_food)" with args = ["_food"], called as
  // `poe cook --food eggs` (the leading underscore is stripped from the option).
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.cook]
script = "kitchen:frying_pan(_food)"
args = ["_food"]

[tool.poe.tasks.build]
script = "kitchen:build"
args = ["dest", "version"]
)toml"});
  project.write("kitchen.py",
                "import os\n"
                "def frying_pan(food):\n    print('frying', food, os.environ.get('_food'))\n"
                "def build(dest, version):\n    print('build', dest, version)\n");
  auto cook = project.twin("task cook --food eggs");
  ASSERT_EQ(cook.exit_code, 0) << cook.err;
  EXPECT_EQ(cook.out, "frying eggs None\n");
  auto build = project.twin("task build --dest out --version 3");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_EQ(build.out, "build out 3\n") << "without parentheses args are keyword arguments";
  auto help = project.twin("task cook --help");
  EXPECT_THAT(help.out, HasSubstr("--food"));
}

TEST(PoeExtraArgsTest, SequencesForwardFreeArgumentsOnlyWhereReferenced) {
  // args_guide.rst: `poe test-all --cov=mypackage -v` forwards to the test tasks, not to lint.
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.test-py39]
cmd = "echo py39"
[tool.poe.tasks.test-py310]
cmd = "echo py310"
[tool.poe.tasks.lint]
cmd = "echo lint"
[tool.poe.tasks.test-all]
sequence = [
  "test-py39 --timeout=30 $POE_EXTRA_ARGS --tb=short",
  "test-py310 $POE_EXTRA_ARGS",
  "lint",
]
)toml"});
  auto run = project.twin("task test-all --cov=mypackage -v");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "py39 --timeout=30 --cov=mypackage -v --tb=short\npy310 --cov=mypackage -v\nlint\n");
}

TEST(PoeExtraArgsTest, CmdTasksPlaceThemWhereReferenced) {
  // args_guide.rst: `poe coverage tests/unit -x` runs `pytest tests/unit -x --cov=mypackage`.
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.coverage]
cmd = "echo pytest $POE_EXTRA_ARGS --cov=mypackage"
[tool.poe.tasks.count-args]
expr = "len(_extra_args)"
[tool.poe.tasks.lint]
cmd  = "echo ruff check ${target_dir}"
args = { target_dir = { options = ["--target", "-t"], default = "." }}
)toml"});
  EXPECT_EQ(project.twin("task coverage tests/unit -x").out,
            "pytest tests/unit -x --cov=mypackage\n");
  EXPECT_EQ(project.twin("task count-args a b c").out, "3\n");
  EXPECT_EQ(project.twin("task lint -t tests -- --fix").out, "ruff check tests --fix\n");
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(PoeScriptTest, ModulesAsyncFunctionsSrcAndDryRunDelegation) {
  // script.rst: a module runs as __main__ with the args re-emitted onto sys.argv; an async
  // function runs with asyncio.run; <root>/src is importable; `_dry_run` delegates dry runs.
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.serve]
script = "server"
args = [
  { name = "port", options = ["-p"], default = "8000" },
  { name = "bind", options = ["-b", "--bind"], default = "127.0.0.1" },
  { name = "verbose", type = "boolean" },
]
[tool.poe.tasks.fetch]
script = "assets:fetch(only='images')"
print_result = true
[tool.poe.tasks.careful]
script = "assets:careful(_dry_run)"
)toml"});
  project.write("src/server.py", "import sys\nprint(sys.argv[1:])\n");
  project.write("src/assets.py",
                "import asyncio\n"
                "async def fetch(only):\n    await asyncio.sleep(0)\n    return 'fetched ' + only\n"
                "def careful(dry_run):\n    print('dry' if dry_run else 'wet')\n");
  auto serve = project.twin("task serve -p 9000 --verbose -- --extra");
  ASSERT_EQ(serve.exit_code, 0) << serve.err;
  EXPECT_EQ(serve.out, "['-p', '9000', '-b', '127.0.0.1', '--verbose', '--extra']\n");
  EXPECT_EQ(project.twin("task fetch").out, "fetched images\n");
  EXPECT_EQ(project.twin("task careful").out, "wet\n");
  EXPECT_EQ(project.twin("task --dry-run careful").out, "twin => assets:careful(_dry_run)\ndry\n");
  TaskProject bad(PyProject{"[tool.poe.tasks.m]\nscript = \"http.server\"\nprint_result = true\n"});
  EXPECT_THAT(bad.twin("tasks").err, HasSubstr("print_result needs a 'module:function' script"));
}

TEST(PoeShellTest, PosixFallsBackToBashThenZsh) {
  // shell.rst: posix is ["sh", "bash", "zsh"]: sh first, then bash, then zsh.
  TaskProject project(PyProject{"[tool.poe.tasks.t]\nshell = \"echo ${BASH_VERSION:+bash}\"\n"});
  project.write("bin/.keep", "");
  std::filesystem::create_symlink("/bin/bash", project.path() / "bin" / "bash");
  auto result = testing_support::run_shell(
      "PATH=\"$PWD/bin\" " + testing_support::shell_quote(TWIN_BINARY) + " task t", project.path());
  EXPECT_EQ(result.out, "bash\n") << result.err;
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(PoeArgsTest, SequenceArgsReachRefAndScriptSubtasks) {
  // args_guide.rst, "Arguments for sequence tasks".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.build]
script = "util:build_app"
args = [{ name = "target", positional = true }]

[tool.poe.tasks.check]
sequence = ["build ${_target}", { script = "util:run_tests(_target)" }]
args = ["_target"]
)toml"});
  project.write("util.py",
                "def build_app(target):\n    print('build', target)\n"
                "def run_tests(target):\n    print('tests', target)\n");
  auto run = project.twin("task check --target web");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "build web\ntests web\n");
}

}  // namespace
}  // namespace twin
