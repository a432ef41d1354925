// Internal to src/tasks: what one task run inherits from its caller (environment, private
// names, args in scope, output routing, cancellation), shared by runner.cc and
// dependencies.cc.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "twin/tasks/command_line.h"

namespace twin::tasks {

// Where a task's output goes and what it inherits from its caller.
struct ExecContext {
  Environment env;
  // Private variables set by the configuration (env, envfiles, args, uses): usable in
  // templates, never exported to a task's process.
  std::set<std::string> private_names;
  // Variable -> Python expression: the args in scope (the task's own and its parents'), for
  // script and expr tasks (a switch's control reads its switch's args).
  std::map<std::string, std::string> python_args;
  std::vector<std::string> extra_args;  // the free arguments (`_extra_args` in Python)
  std::string prefix;                   // parallel subtask: put before each output line
  bool buffer_output = false;           // parallel output_mode = "buffer"
  std::optional<std::filesystem::path> stdout_file;  // capture_stdout of this task or a parent
  std::string* capture = nullptr;                    // uses / switch control: collect stdout here
  std::vector<std::string> stack;                    // task names being run, to catch ref cycles
  bool concurrent = false;            // other tasks run at the same time: the terminal is shared
  std::optional<int> verbosity;       // a task's `verbosity`, inherited by inline subtasks
  std::vector<std::string> launcher;  // put before each command: `uv run --flags`
  // Set when a sibling in a parallel task failed: running commands are stopped, no new start.
  std::shared_ptr<std::atomic<bool>> cancel;
  bool switch_control = false;  // running a switch's control task: echoed with `<=`
};

// The exit code of a command that a failing parallel sibling cancelled (as SIGTERM would).
constexpr int kCancelledCode = 128 + 15;

// Poe's rule: a name starting with `_` and holding no uppercase letter.
inline bool is_private(std::string_view name) {
  return name.starts_with('_') && std::ranges::none_of(name, [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) != 0;
         });
}

}  // namespace twin::tasks
