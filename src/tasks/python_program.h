// Internal to src/tasks: the Python programs that run script and expr tasks (`python3 -c`),
// as Poe the Poet evaluates them: the args in scope as typed Python variables, private
// variables, `_extra_args`, `sys.argv`, and ${VAR} references to the task environment.
//
// Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "twin/tasks/task_spec.h"

namespace twin::tasks {

// The Python variables a script or expr task sees.
struct PythonScope {
  std::map<std::string, std::string> variables;  // name -> Python expression
  std::vector<std::string> extra_args;           // the free arguments: `_extra_args`
};

// Runs `module:call` (`module:function` calls the function with the task's args as keyword
// arguments; an async function runs with asyncio.run); sys.argv is the task name and
// `argv_words`. A reference without a colon runs the module as `python -m` would, with the
// declared args re-emitted onto its sys.argv (`--option value`, flags when true), then
// `argv_words`. `root` and `root/src` go first on sys.path.
std::string script_program(const TaskSpec& task, const std::vector<std::string>& argv_words,
                           const std::filesystem::path& root, const PythonScope& scope);

// Evaluates the expression, prints its value and, with `assert`, fails when it is falsy.
std::string expr_program(const TaskSpec& task, const PythonScope& scope);

// `text` without leading and trailing whitespace.
std::string trim(std::string_view text);

}  // namespace twin::tasks
