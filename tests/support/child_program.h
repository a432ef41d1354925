// Waiting until a shell's child runs its program, before a test interrupts it.
//
// Why: `sh -c` (dash) catches SIGINT, and a child it forks keeps that handler until it execs its
// program. A SIGINT that lands in that window is swallowed: the child execs and runs on, and the
// shell waits for it. A user pressing Ctrl-C while a command works never sees this; a test that
// signals right after a "ready" marker hits it now and then, so it waits for the exec first.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

namespace twin::testing_support {

// True once a child of `parent` runs `program` (its /proc comm name), within `timeout`.
inline bool wait_for_child_program(pid_t parent, std::string_view program,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const std::string proc = "/proc/" + std::to_string(parent);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream children(proc + "/task/" + std::to_string(parent) + "/children");
    for (std::string child; children >> child;) {
      std::ifstream comm("/proc/" + child + "/comm");
      std::string name;
      if (std::getline(comm, name) && name == program) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace twin::testing_support
