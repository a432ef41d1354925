// Poe the Poet 0.47.1's sequence and parallel tasks, from the examples of
// tasks/task_types/sequence.rst and parallel.rst, run through the twin binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::PyProject;
using testing_support::TaskProject;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(PoeSequenceTest, AListInASequenceIsAParallelGroup) {
  // sequence.rst: "An array within a sequence task is interpreted as a parallel task".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
first = "echo first"
left = "echo left"
right = "echo right"
last = "echo last"
release = ["first", ["left", "right"], "last"]
)toml"});
  auto run = project.twin("task release");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 4U) << run.out;
  EXPECT_EQ(lines.front(), "first");
  EXPECT_EQ(lines.back(), "last");
  EXPECT_THAT(run.out, HasSubstr("left | left\n"));
  EXPECT_THAT(run.out, HasSubstr("right | right\n"));
}

TEST(PoeSequenceTest, AListInAParallelTaskIsASequence) {
  // parallel.rst: "An array within a parallel task is interpreted as a sequence task".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
check.parallel = [["echo one", "echo two"], "echo other"]
check.default_item_type = "cmd"
)toml"});
  auto run = project.twin("task check");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The two groups run at once; inside the sequence, one comes before two.
  const size_t one = run.out.find("check[0] | one\n");
  const size_t two = run.out.find("check[0] | two\n");
  ASSERT_NE(one, std::string::npos) << run.out;
  ASSERT_NE(two, std::string::npos) << run.out;
  EXPECT_LT(one, two);
  EXPECT_THAT(run.out, HasSubstr("check[1] | other\n"));
}

TEST(PoeSequenceTest, DefaultArrayTaskTypeMakesListsParallel) {
  TaskProject project(PyProject{R"toml(
[tool.poe]
default_array_task_type = "parallel"
default_array_item_task_type = "cmd"
[tool.poe.tasks]
both = ["echo a", "echo b"]
)toml"});
  auto run = project.twin("task both");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("both[0] | a\n"));
  EXPECT_THAT(run.out, HasSubstr("both[1] | b\n"));
}

TEST(PoeSequenceTest, IgnoreFailReturnNonZeroRunsAllThenFails) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
task1 = "sh -c 'echo one; exit 3'"
task2 = "echo two"
attempts.sequence = ["task1", "task2"]
attempts.ignore_fail = "return_non_zero"
lenient.sequence = ["task1", "task2"]
lenient.ignore_fail = true
strict.sequence = ["task1", "task2"]
)toml"});
  auto attempts = project.twin("task attempts");
  EXPECT_EQ(attempts.out, "one\ntwo\n");
  EXPECT_EQ(attempts.exit_code, 3);
  auto lenient = project.twin("task lenient");
  EXPECT_EQ(lenient.out, "one\ntwo\n");
  EXPECT_EQ(lenient.exit_code, 0);
  auto strict = project.twin("task strict");
  EXPECT_EQ(strict.out, "one\n");
  EXPECT_EQ(strict.exit_code, 3);
}

TEST(PoeParallelTest, PrefixesLinesWithTheTaskName) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
mypy = "echo types ok"
pylint = "echo lint ok"
check.parallel = ["mypy", "pylint"]
)toml"});
  auto run = project.twin("task check");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("mypy | types ok\n"));
  EXPECT_THAT(run.out, HasSubstr("pylint | lint ok\n"));
}

TEST(PoeParallelTest, CustomPrefixTruncatesWithAnEllipsis) {
  // parallel.rst, "Customize output prefixing": prefix = "{index}:{name}", prefix_max = 10,
  // prefix_template = "[{prefix}] " gives "[1:build] ..." and "[3:deploy-…] ...".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
build = "echo first task output line"
test = "echo second task output line"
deploy-to-prod = "echo third task output line"
all.parallel = ["build", "test", "deploy-to-prod"]
all.prefix = "{index}:{name}"
all.prefix_max = 10
all.prefix_template = "[{prefix}] "
plain.parallel = ["build"]
plain.prefix = false
)toml"});
  auto run = project.twin("task all");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("[1:build] first task output line\n"));
  EXPECT_THAT(run.out, HasSubstr("[2:test] second task output line\n"));
  EXPECT_THAT(run.out, HasSubstr("[3:deploy-\u2026] third task output line\n"));
  EXPECT_EQ(project.twin("task plain").out, "first task output line\n");
}

TEST(PoeParallelTest, ForceColorColoursThePrefixes) {
  // parallel.rst: "Poe also respects this variable [FORCE_COLOR] for its own output".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
a = "echo A"
check.parallel = ["a"]
check.env = { FORCE_COLOR = "1" }
)toml"});
  auto forced = testing_support::run_shell(
      "env -u NO_COLOR " + testing_support::shell_quote(TWIN_BINARY) + " task check",
      project.path());
  EXPECT_EQ(forced.out, "\033[31ma\033[0m | A\n");
  auto no_color = testing_support::run_shell(
      "NO_COLOR=1 FORCE_COLOR=1 " + testing_support::shell_quote(TWIN_BINARY) + " task check",
      project.path());
  EXPECT_EQ(no_color.out, "a | A\n") << "NO_COLOR wins";
}

TEST(PoeParallelTest, BufferModeKeepsEachTasksOutputTogether) {
  // parallel.rst, "Buffer subtask output": each leaf's stdout printed as one block when it ends.
  const std::string tasks = R"toml(
[tool.poe.tasks]
slow = "sh -c 'echo s1; sleep 1; echo s2'"
fast = "sh -c 'sleep 0.3; echo f1; echo f2'"
)toml";
  TaskProject stream(PyProject{tasks + "matrix.parallel = [\"slow\", \"fast\"]\n"});
  auto streamed = stream.twin("task matrix");
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(streamed.out, "slow | s1\nfast | f1\nfast | f2\nslow | s2\n") << "stream interleaves";
  TaskProject buffer(PyProject{tasks + "matrix.parallel = [\"slow\", \"fast\"]\n"
                                       "matrix.output_mode = \"buffer\"\n"});
  auto buffered = buffer.twin("task matrix");
  ASSERT_EQ(buffered.exit_code, 0) << buffered.err;
  EXPECT_EQ(buffered.out, "fast | f1\nfast | f2\nslow | s1\nslow | s2\n");
}

TEST(PoeParallelTest, CapturedSubtaskWritesItsFileOnly) {
  // parallel.rst, "Redirect a subtask's output to a file".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
lint = "echo linted"
[tool.poe.tasks.checks]
parallel = [
  "lint",
  { cmd = "echo tested", capture_stdout = "pytest.log" },
]
)toml"});
  auto run = project.twin("task checks");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "lint | linted\n");
  EXPECT_EQ(project.read("pytest.log"), "tested\n");
}

TEST(PoeParallelTest, IgnoreFailReturnNonZero) {
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
task1 = "sh -c 'exit 4'"
task2 = "echo two"
attempts.parallel = ["task1", "task2"]
attempts.ignore_fail = "return_non_zero"
lenient.parallel = ["task1", "task2"]
lenient.ignore_fail = true
)toml"});
  auto attempts = project.twin("task attempts");
  EXPECT_EQ(attempts.exit_code, 4);
  EXPECT_THAT(attempts.out, HasSubstr("task2 | two\n"));
  EXPECT_EQ(project.twin("task lenient").exit_code, 0);
}

}  // namespace
}  // namespace twin

namespace twin {
namespace {

TEST(PoeParallelTest, AFailureCancelsTheOtherSubtasks) {
  // parallel.rst: "A failure (non-zero result) will result in any remaining subtasks being
  // cancelled, unless the ignore_fail option is set".
  TaskProject project(PyProject{R"toml(
[tool.poe.tasks]
fails = "sh -c 'sleep 0.2; exit 5'"
slow = "sh -c 'sleep 2; echo finished'"
attempts.parallel = ["fails", "slow"]
lenient.parallel = ["fails", "slow"]
lenient.ignore_fail = true
)toml"});
  auto attempts = project.twin("task attempts");
  EXPECT_EQ(attempts.exit_code, 5) << "the failure's own code";
  EXPECT_THAT(attempts.out, Not(HasSubstr("finished"))) << "slow was stopped, not waited for";
  auto lenient = project.twin("task lenient");
  EXPECT_EQ(lenient.exit_code, 0);
  EXPECT_THAT(lenient.out, HasSubstr("slow | finished"));
}

}  // namespace
}  // namespace twin
