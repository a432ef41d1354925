// An interactive task owns the terminal while it runs: it can read from it (instead of being
// stopped by SIGTTIN in a background process group) and twin gets the terminal back after.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tasks/task_project.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using testing_support::TaskProject;

// Runs `twin task NAME` on a new pseudo-terminal (python3's pty module), types `input` and
// prints everything the terminal showed, then "exit=<code>". Gives up after 20 seconds.
constexpr const char* kPtyDriver = R"py(
import os, pty, signal, sys
signal.alarm(20)
twin, task, typed = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.environ["NO_COLOR"] = "1"
    os.execv(twin, [twin, "task", task])
os.write(fd, typed.encode() + b"\n")
out = b""
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
print(out.decode(errors="replace"))
print("exit=%d" % os.waitstatus_to_exitcode(status))
)py";

TEST(TerminalTest, InteractiveTasksCanReadTheTerminal) {
  TaskProject project(R"toml(
[tasks.ask]
shell = "read name; echo hello-$name; [ -t 0 ] && echo stdin-is-a-terminal"
[tasks.twice]
sequence = ["ask", "ask"]
)toml");
  project.write("driver.py", kPtyDriver);
  const std::string twin = testing_support::shell_quote(TWIN_BINARY);
  auto once = testing_support::run_shell("python3 driver.py " + twin + " ask you", project.path());
  EXPECT_THAT(once.out, HasSubstr("hello-you"));
  EXPECT_THAT(once.out, HasSubstr("stdin-is-a-terminal"));
  EXPECT_THAT(once.out, HasSubstr("exit=0")) << once.err;
  // The second read only works if twin took the terminal back and handed it over again.
  auto twice = testing_support::run_shell(
      "python3 -c \"import sys; sys.argv[3] = 'a\\nb'; exec(open('driver.py').read())\" " + twin +
          " twice x",
      project.path());
  EXPECT_THAT(twice.out, HasSubstr("hello-a"));
  EXPECT_THAT(twice.out, HasSubstr("hello-b"));
  EXPECT_THAT(twice.out, HasSubstr("exit=0")) << twice.err;
}

}  // namespace
}  // namespace twin
