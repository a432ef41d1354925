// Poe the Poet 0.47.1's task and project options, from the examples of tasks/options.rst,
// task_types/*.rst, global_options.rst and guides/*.rst, run through the twin binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::PyProject;
using testing_support::TaskProject;

TEST(PoeCaptureStdoutTest, WritesTheFileRelativeToTheRoot) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.serve]
cmd            = "echo serving"
capture_stdout = "logs/gunicorn_log.txt"
cwd            = "sub"
[tool.poe.tasks.quiet]
cmd            = "echo gone"
capture_stdout = "/dev/null"
[tool.poe.tasks.alias]
ref            = "serve2"
capture_stdout = "alias.txt"
[tool.poe.tasks.serve2]
cmd = "echo via ref"
)toml"});
  project.write("sub/.keep", "");
  project.write("logs/.keep", "");
  auto serve = project.twin("task serve");
  ASSERT_EQ(serve.exit_code, 0) << serve.err;
  EXPECT_EQ(serve.out, "");
  EXPECT_EQ(project.read("logs/gunicorn_log.txt"), "serving\n");
  auto quiet = project.twin("task quiet");
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.out, "");
  auto alias = project.twin("task alias");
  ASSERT_EQ(alias.exit_code, 0) << alias.err;
  EXPECT_EQ(project.read("alias.txt"), "via ref\n");
}

TEST(PoeCaptureStdoutTest, RulesOfTheDocs) {
  // Not on sequence/parallel (schema), not with use_exec, not on a `uses` target, not on a ref
  // to a sequence or parallel task.
  const auto error_of = [](const std::string& pyproject, const std::string& task) {
    TaskProject project(PyProject{pyproject});
    auto result = project.twin("task " + task);
    EXPECT_EQ(result.exit_code, 2) << pyproject;
    return result.err;
  };
  EXPECT_THAT(error_of("[tool.poe.tasks.s]\nsequence = [\"a\"]\ncapture_stdout = \"x\"\n"
                       "[tool.poe.tasks.a]\ncmd = \"true\"\n",
                       "s"),
              HasSubstr("unknown option 'capture_stdout' for a sequence task"));
  EXPECT_THAT(error_of("[tool.poe.tasks.e]\ncmd = \"true\"\nuse_exec = true\n"
                       "capture_stdout = \"x\"\n",
                       "e"),
              HasSubstr("capture_stdout cannot be used with use_exec"));
  EXPECT_THAT(error_of("[tool.poe.tasks.c]\ncmd = \"echo hi\"\ncapture_stdout = \"x\"\n"
                       "[tool.poe.tasks.u]\ncmd = \"echo ${V}\"\nuses = { V = \"c\" }\n",
                       "u"),
              HasSubstr("has capture_stdout"));
  EXPECT_THAT(error_of("[tool.poe.tasks.s]\nsequence = [\"a\"]\n[tool.poe.tasks.a]\n"
                       "cmd = \"true\"\n[tool.poe.tasks.r]\nref = \"s\"\ncapture_stdout = \"x\"\n",
                       "r"),
              HasSubstr("capture_stdout cannot be used on a ref to a sequence task"));
}

TEST(PoeIgnoreFailTest, OnEveryTypeThatHasIt) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.serve]
cmd        = "sh -c 'exit 5'"
ignore_fail = [4, 5]
[tool.poe.tasks.other-code]
cmd        = "sh -c 'exit 6'"
ignore_fail = [4, 5]
[tool.poe.tasks.test]
cmd = "sh -c 'exit 1'"
[tool.poe.tasks.always-pass]
ref = "test"
ignore_fail = true
[tool.poe.tasks.sh]
shell = "exit 2"
ignore_fail = true
[tool.poe.tasks.ex]
expr = "0"
assert = true
ignore_fail = true
)toml"});
  EXPECT_EQ(project.twin("task serve").exit_code, 0);
  EXPECT_EQ(project.twin("task other-code").exit_code, 6);
  EXPECT_EQ(project.twin("task always-pass").exit_code, 0);
  EXPECT_EQ(project.twin("task sh").exit_code, 0);
  EXPECT_EQ(project.twin("task ex").exit_code, 0);
  // The schema's forms per type: codes are not for sequences, refs take a boolean, switch none.
  TaskProject codes(PyProject{"[tool.poe.tasks.s]\nsequence = [\"a\"]\nignore_fail = [1]\n"});
  EXPECT_THAT(codes.twin("tasks").err,
              HasSubstr("ignore_fail on a sequence task must be true, false, \"return_zero\""));
  TaskProject ref(PyProject{"[tool.poe.tasks.r]\nref = \"a\"\nignore_fail = [1]\n"});
  EXPECT_THAT(ref.twin("tasks").err, HasSubstr("ignore_fail on a ref task must be true or false"));
  TaskProject sw(
      PyProject{"[tool.poe.tasks.w]\ncontrol.expr = \"1\"\nignore_fail = true\n"
                "[[tool.poe.tasks.w.switch]]\ncmd = \"true\"\n"});
  EXPECT_THAT(sw.twin("tasks").err, HasSubstr("unknown option 'ignore_fail' for a switch task"));
}

TEST(PoeEmptyGlobTest, PassNullAndFail) {
  // cmd.rst, "Glob expansion": the clean example with empty_glob = "null".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.clean]
cmd = """
echo rm -rf ./**/*.pyc
       ./**/__pycache__    # this will match all __pycache__ dirs in the project
"""
empty_glob = "null"
[tool.poe.tasks.pass]
cmd = "echo *.nothing"
[tool.poe.tasks.fail]
cmd = "echo *.nothing"
empty_glob = "fail"
)toml"});
  EXPECT_EQ(project.twin("task clean").out, "rm -rf\n");
  project.write("pkg/__pycache__/x", "");
  project.write("pkg/a.pyc", "");
  EXPECT_EQ(project.twin("task clean").out, "rm -rf ./pkg/a.pyc ./pkg/__pycache__\n");
  EXPECT_EQ(project.twin("task pass").out, "*.nothing\n");
  auto fail = project.twin("task fail");
  EXPECT_EQ(fail.exit_code, 2);
  EXPECT_THAT(fail.err, HasSubstr("*.nothing"));
  TaskProject shell(PyProject{"[tool.poe.tasks.g]\nshell = \"true\"\nempty_glob = \"null\"\n"});
  EXPECT_THAT(shell.twin("task g").err, HasSubstr("unknown option 'empty_glob' for a shell task"));
}

TEST(PoeEnvfileTest, MissingExpectedWarnsOptionalIsSilentAndLoadsLast) {
  // options.rst / global_options.rst: "Normally a missing envfile results in a warning";
  // optional files load after expected ones and win.
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.serve]
shell = "echo $STAGE $LOCAL"
[tool.poe.tasks.serve.envfile]
optional = ["local.env", "absent.env"]
expected = ["base.env"]
[tool.poe.tasks.missing]
shell = "echo ran"
envfile = "nowhere.env"
)toml"});
  project.write("base.env", "STAGE=dev\nLOCAL=base\n");
  project.write("local.env", "LOCAL=local\n");
  auto serve = project.twin("task serve");
  ASSERT_EQ(serve.exit_code, 0) << serve.err;
  EXPECT_EQ(serve.out, "dev local\n");
  EXPECT_THAT(serve.err, Not(HasSubstr("warning")));
  auto missing = project.twin("task missing");
  EXPECT_EQ(missing.exit_code, 0);
  EXPECT_EQ(missing.out, "ran\n");
  EXPECT_THAT(missing.err, HasSubstr("warning"));
  EXPECT_THAT(missing.err, HasSubstr("nowhere.env"));
}

TEST(PoeIncludeTest, FollowsIncludesRecursivelyUnlessTold) {
  // include_guide.rst: includes are followed recursively, depth first; recursive = false stops;
  // a nested include's path is relative to the file that declares it.
  TaskProject project(PyProject{R"toml(
[tool.poe]
include = ["modules/acme/shared_tasks.toml", { path = "flat/tasks.toml", recursive = false }]
[tool.poe.tasks.own]
cmd = "echo own"
)toml"});
  project.write("modules/acme/shared_tasks.toml",
                "[tool.poe]\ninclude = \"nested/more.toml\"\n"
                "[tool.poe.tasks.build-image]\ncmd = \"echo build\"\n");
  project.write("modules/acme/nested/more.toml",
                "[tool.poe.tasks.deep]\ncmd = \"echo deep\"\n[tool.poe.tasks.own]\ncmd = \"echo "
                "not mine\"\n");
  project.write("flat/tasks.toml",
                "include = \"hidden.toml\"\n[tasks.flat]\ncmd = \"echo flat\"\n");
  project.write("flat/hidden.toml", "[tasks.hidden]\ncmd = \"echo hidden\"\n");
  EXPECT_EQ(project.twin("task deep").out, "deep\n");
  EXPECT_EQ(project.twin("task build-image").out, "build\n");
  EXPECT_EQ(project.twin("task own").out, "own\n") << "the project's own task wins";
  EXPECT_EQ(project.twin("task flat").out, "flat\n");
  EXPECT_EQ(project.twin("task hidden").exit_code, 2) << "recursive = false";
}

TEST(PoeGroupsTest, HelpListsUngroupedTasksThenGroupsByName) {
  // help_guide.rst, "Grouping tasks" (its listing, without colour).
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.test]
help = "Run the tests"
cmd = "pytest"

[tool.poe.groups.server]
heading = "Application Serving"
executor = { type = "uv", group = "server" }

[tool.poe.groups.server.tasks.dev]
help = "Run the app in debug mode"
cmd  = "uvicorn my_app:app --reload"

[tool.poe.groups.server.tasks.prod]
help = "Run the app in production mode"
cmd  = "uvicorn my_app:app"

[tool.poe.groups.testing]
heading = "Testing & Quality"

[tool.poe.groups.testing.tasks.unit]
help = "Run the test suite"
cmd  = "pytest --cov=my_app"

[tool.poe.groups.testing.tasks.lint]
help = "Run the linter"
cmd  = "ruff check ."
)toml"});
  auto list = project.twin("tasks");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "Configured tasks:\n"
            "  test           Run the tests\n"
            "\n"
            "Application Serving\n"
            "  dev            Run the app in debug mode\n"
            "  prod           Run the app in production mode\n"
            "\n"
            "Testing & Quality\n"
            "  unit           Run the test suite\n"
            "  lint           Run the linter\n");
  // The group's executor: uv with a dependency group runs through `uv run --group server`.
  auto dry = project.twin("task --dry-run dev");
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  project.write("bin/uv", "#!/bin/sh\necho \"uv $*\"\n");
  std::filesystem::permissions(project.path() / "bin/uv", std::filesystem::perms::owner_all);
  auto dev = testing_support::run_shell(
      "PATH=\"$PWD/bin:$PATH\" " + testing_support::shell_quote(TWIN_BINARY) + " task dev",
      project.path());
  EXPECT_EQ(dev.out, "uv run --group server uvicorn my_app:app --reload\n") << dev.err;
}

TEST(PoeHelpTest, ListingAndOneTaskLikePoe) {
  // help_guide.rst: the tunnel task and its --prod_host arg.
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.test]
help = "Run the test suite"
cmd  = "pytest --cov=poethepoet"

[tool.poe.tasks.serve]
help   = "Run the app in debug mode"
script = "my_app.service:run(debug=True)"

[tool.poe.tasks.tunnel]
help  = "Create an SSH tunnel to the production server"
shell = "ssh -N -L 0.0.0.0:8080:$prod_host:8080 $prod_host &"
args   = [
  {name = "prod_host", help = "Hostname of the production server", default = "myapp.com"}
]
)toml"});
  EXPECT_EQ(project.twin("tasks").out,
            "Configured tasks:\n"
            "  test           Run the test suite\n"
            "  serve          Run the app in debug mode\n"
            "  tunnel         Create an SSH tunnel to the production server\n"
            "   --prod_host  Hostname of the production server [default: myapp.com]\n");
  auto help = project.twin("task tunnel --help");
  EXPECT_THAT(help.out, HasSubstr("Description:\n  Create an SSH tunnel to the production server\n"
                                  "\nUsage:\n  twin task tunnel [named arguments] -- [free "
                                  "arguments]\n\nNamed arguments:\n  --prod_host    Hostname of "
                                  "the production server [default: myapp.com]\n"));
}

TEST(PoeVerbosityTest, TaskLevelVerbosityHidesTheEcho) {
  // options.rst, "Configure task level verbosity"; global_options.rst, "verbosity = -1".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.credentials]
cmd       = "echo secret"
verbosity = -1
[tool.poe.tasks.loud]
cmd = "echo loud"
[tool.poe.tasks.level]
shell = "echo $POE_VERBOSITY"
verbosity = 1
)toml"});
  auto credentials = project.twin("task credentials");
  EXPECT_EQ(credentials.out, "secret\n");
  EXPECT_THAT(credentials.err, Not(HasSubstr("=>")));
  EXPECT_THAT(project.twin("task loud").err, HasSubstr("twin => echo loud"));
  EXPECT_EQ(project.twin("task level").out, "1\n");
  EXPECT_EQ(project.twin("-q task level").out, "0\n") << "-q lowers every level by one";
  TaskProject quiet(
      PyProject{"[tool.poe]\nverbosity = -1\n[tool.poe.tasks.t]\ncmd = \"echo t\"\n"});
  auto t = quiet.twin("task t");
  EXPECT_EQ(t.out, "t\n");
  EXPECT_THAT(t.err, Not(HasSubstr("=>")));
  TaskProject bad(PyProject{"[tool.poe.tasks.t]\ncmd = \"true\"\nverbosity = 3\n"});
  EXPECT_THAT(bad.twin("tasks").err, HasSubstr("verbosity must be an integer from -2 to 2"));
}

TEST(PoeExecutorTest, UvOptionsRunThroughUvRunAndExtendTheProjectExecutor) {
  // options.rst, "Configure task level virtualenv with uv"; global_options.rst "Uv Executor".
  TaskProject project(PyProject{R"toml(
[tool.poe.executor]
type = "uv"
[tool.poe.tasks.test-py311]
cmd = "pytest tests"
executor = {isolated = true, python = "3.11", with = ["pytest"]}
[tool.poe.tasks.test]
cmd      = "pytest"
executor = {type = "uv", with = ["pytest", "pytest-cov"], isolated = true, no-sync = true, extra = "dev"}
[tool.poe.tasks.plain]
cmd      = "echo plain"
executor = "simple"
)toml"});
  project.write("bin/uv", "#!/bin/sh\necho \"uv $*\"\n");
  std::filesystem::permissions(project.path() / "bin/uv", std::filesystem::perms::owner_all);
  const auto run = [&](const std::string& task) {
    return testing_support::run_shell(
        "PATH=\"$PWD/bin:$PATH\" " + testing_support::shell_quote(TWIN_BINARY) + " task " + task,
        project.path());
  };
  EXPECT_EQ(run("test-py311").out, "uv run --isolated --python 3.11 --with pytest pytest tests\n");
  EXPECT_EQ(run("test").out,
            "uv run --extra dev --isolated --no-sync --with pytest --with pytest-cov pytest\n");
  EXPECT_EQ(run("plain").out, "plain\n");
  TaskProject bad(
      PyProject{"[tool.poe.tasks.t]\ncmd = \"true\"\n"
                "executor = { type = \"uv\", colour = true }\n"});
  EXPECT_THAT(bad.twin("tasks").err, HasSubstr("unknown option 'colour' for the uv executor"));
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(PoeUseExecTest, TheTaskReplacesTwinAndCannotBeReferenced) {
  // options.rst, "Defining tasks that run via exec instead of a subprocess".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks.serve]
cmd      = "sh -c 'cat /proc/$PPID/comm; exit 3'"
use_exec = true
[tool.poe.tasks.spawned]
cmd      = "sh -c 'cat /proc/$PPID/comm'"
[tool.poe.tasks.both]
sequence = ["serve"]
)toml"});
  auto exec = project.twin("task serve");
  EXPECT_EQ(exec.exit_code, 3);
  EXPECT_NE(exec.out, "twin\n") << "with use_exec the command's parent is not twin";
  EXPECT_EQ(project.twin("task spawned").out, "twin\n");
  auto referenced = project.twin("task both");
  EXPECT_EQ(referenced.exit_code, 2);
  EXPECT_THAT(referenced.err, HasSubstr("has use_exec, so it cannot be run by another task"));
}

TEST(PoeExecutorTest, CommandLineExecutorAndOptionsOverride) {
  // options.rst: `poe --executor uv --executor-opt with=pytest --executor-opt isolated ...`.
  TaskProject project(PyProject{"[tool.poe.tasks.test]\ncmd = \"pytest\"\n"});
  project.write("bin/uv", "#!/bin/sh\necho \"uv $*\"\n");
  std::filesystem::permissions(project.path() / "bin/uv", std::filesystem::perms::owner_all);
  auto run = testing_support::run_shell(
      "PATH=\"$PWD/bin:$PATH\" " + testing_support::shell_quote(TWIN_BINARY) +
          " task --executor uv --executor-opt with=pytest --executor-opt isolated -X "
          "with=pytest-cov -X python=3.12 test --cov my_package",
      project.path());
  EXPECT_EQ(run.out,
            "uv run --isolated --python 3.12 --with pytest --with pytest-cov pytest --cov "
            "my_package\n")
      << run.err;
  auto bad = project.twin("task -X colour=1 test");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown option 'colour' for the uv executor"));
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(PoeGitVariablesTest, GitDirAndRootInIncludesEnvfilesAndTemplates) {
  // env_vars.rst, "Special variables": POE_GIT_DIR / POE_GIT_ROOT, not exported.
  TaskProject project(PyProject{""});
  project.write(".git/HEAD", "ref: refs/heads/main\n");
  project.write("tasks.toml", "[tool.poe.tasks.shared]\ncmd = \"echo shared\"\n");
  project.write("app/.env", "FROM_ENVFILE=yes\n");
  project.write("app/pyproject.toml", R"toml(
[tool.poe]
include = "${POE_GIT_DIR}/tasks.toml"
envfile = "${POE_GIT_ROOT}/app/.env"
[tool.poe.tasks.where]
shell = "echo ${FROM_ENVFILE} [${POE_GIT_DIR:-unset}]"
[tool.poe.tasks.templated]
cmd = "echo ${POE_GIT_DIR}"
)toml");
  auto shared = testing_support::run_twin("task shared", project.path() / "app");
  EXPECT_EQ(shared.out, "shared\n") << shared.err;
  EXPECT_EQ(testing_support::run_twin("task where", project.path() / "app").out, "yes [unset]\n");
  EXPECT_EQ(testing_support::run_twin("task templated", project.path() / "app").out,
            std::filesystem::canonical(project.path()).string() + "\n");
}

}  // namespace
}  // namespace twin
