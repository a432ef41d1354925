// Runs tasks from a TaskFile the way Poe the Poet does: templating, arguments, env and
// envfiles, deps (each invocation once, in parallel with `jobs` > 1), uses, every task type,
// ignore_fail, capture_stdout, plus up-to-date skipping.
//
// Each command run is echoed to stderr ("twin => cmd ...") unless quiet; in a dry run the echo
// goes to stdout and nothing runs. While a TaskRunner runs, SIGINT and SIGTERM are relayed to
// the running children's process groups, and the exit code is the task's own (128+signal when
// a signal ended it).
//
// One TaskRunner per `twin task` invocation; run() is not reentrant from several threads.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks {

struct RunOptions {
  std::filesystem::path root;            // the project root: default cwd, TWIN_ROOT
  std::filesystem::path state_dir;       // <root>/.twin: fingerprints for up-to-date checks
  std::filesystem::path invocation_dir;  // where twin was started: TWIN_PWD
  bool dry_run = false;
  bool quiet = false;         // -q: no command echo (the same as verbosity -1)
  bool color = false;         // colour the echo (stderr)
  bool stdout_color = false;  // colour parallel prefixes (stdout); FORCE_COLOR in a task's env too
  int verbosity = 0;          // -q / -v on the command line: added to every task's verbosity
  int jobs = 1;               // independent deps run this many at a time
  // `--executor` / `--executor-opt`: layered over every task's executor (Poe's -e / -X).
  std::optional<Executor> executor_override;
};

// Reads Poe's `--executor TYPE` and `--executor-opt KEY[=VALUE]` (repeatable; a flag option
// without a value is true, list options accumulate). kInvalidArgument names a bad type or key.
Result<Executor> executor_from_cli(const std::string& type, const std::vector<std::string>& opts);

class TaskRunner {
 public:
  TaskRunner(const TaskFile& file, RunOptions options);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Runs task `name` with the words given after it. Returns the task's exit code; a problem
  // with the configuration or the arguments (unknown task, dependency cycle, missing envfile,
  // bad argument) is a Status (kInvalidArgument / kNotFound, exit 2).
  Result<int> run(std::string_view name, const std::vector<std::string>& words);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The message for an unknown task name, with the closest names.
Status unknown_task(const TaskFile& file, std::string_view name);

}  // namespace twin::tasks
