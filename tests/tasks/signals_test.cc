// Ctrl-C and SIGTERM reach the task's process group; twin exits with the task's own code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using testing_support::TaskProject;

constexpr const char* kTasks = R"toml(
[tasks.trapping]
shell = "trap 'echo got $SIG; exit 7' $SIG; touch ready; while true; do sleep 0.05; done"
[tasks.plain]
shell = "echo $$ > ready; sleep 30; echo not-interrupted"
[tasks.chain]
sequence = ["plain", { cmd = "touch second-ran" }]
)toml";

// Starts `twin task NAME` in the background, waits until the task is ready, sends SIG to twin
// only (not to the task), and prints twin's exit code. A task that writes its shell's pid into
// `ready` is also waited for until its `sleep` runs (support/child_program.h says why).
testing_support::CommandOutput run_and_signal(const TaskProject& project, const std::string& task,
                                              const std::string& signal) {
  const std::string script =
      "export SIG=" + signal + " NO_COLOR=1; " + testing_support::shell_quote(TWIN_BINARY) +
      " task " + task +
      " & pid=$!; i=0; while [ ! -f ready ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
      "shell=$(cat ready); while [ -n \"$shell\" ] && [ $i -lt 400 ]; do "
      "  for child in $(cat /proc/$shell/task/$shell/children 2>/dev/null); do "
      "    [ \"$(cat /proc/$child/comm 2>/dev/null)\" = sleep ] && shell=; "
      "  done; sleep 0.01; i=$((i+1)); "
      "done; "
      "kill -" +
      signal + " $pid; wait $pid; echo \"exit=$?\"";
  return testing_support::run_shell(script, project.path());
}

TEST(SignalsTest, TermReachesTheTaskWhichChoosesTheExitCode) {
  TaskProject project(kTasks);
  auto result = run_and_signal(project, "trapping", "TERM");
  EXPECT_THAT(result.out, HasSubstr("got TERM"));
  EXPECT_THAT(result.out, HasSubstr("exit=7"));
}

TEST(SignalsTest, InterruptReachesTheTask) {
  TaskProject project(kTasks);
  auto result = run_and_signal(project, "trapping", "INT");
  EXPECT_THAT(result.out, HasSubstr("got INT"));
  EXPECT_THAT(result.out, HasSubstr("exit=7"));
}

TEST(SignalsTest, AKilledTaskGivesOneHundredTwentyEightPlusTheSignal) {
  TaskProject project(kTasks);
  auto result = run_and_signal(project, "plain", "TERM");
  EXPECT_THAT(result.out, HasSubstr("exit=143"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("not-interrupted")));
}

TEST(SignalsTest, AnInterruptedSequenceStops) {
  TaskProject project(kTasks);
  auto result = run_and_signal(project, "chain", "INT");
  EXPECT_THAT(result.out, HasSubstr("exit=130"));
  EXPECT_FALSE(std::filesystem::exists(project.path() / "second-ran"));
}

}  // namespace
}  // namespace twin
