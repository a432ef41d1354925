// Internal to src/tasks: which executor a task runs with, and the `uv run` command a uv
// executor with options puts before the task's commands.
#pragma once

#include <string>
#include <vector>

#include "twin/tasks/task_spec.h"

namespace twin::tasks {

// The project's executor, extended or replaced by the task's include's, group's and own (a
// level without `type`, or with the same type, extends the one before: Poe's inheritance).
// `override` (the command line's) comes last.
Executor resolve_executor(const TaskFile& file, const TaskSpec& task,
                          const std::optional<Executor>& override);

// `uv run` and a flag per option (`--isolated`, `--with X` per value, ...), as Poe passes them.
std::vector<std::string> uv_launcher(const Executor& executor);

}  // namespace twin::tasks
