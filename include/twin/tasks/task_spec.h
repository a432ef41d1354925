// The task file: tasks as twin.toml's [tasks] (or, unchanged, pyproject.toml's [tool.poe])
// declares them, with Poe the Poet's schema (https://poethepoet.natn.io/).
//
// A TaskFile is parsed once and immutable after; it is safe to read from many threads.
// Loading fails with kInvalidArgument naming file:line:column and what is wrong.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/core/toml.h"

namespace twin::tasks {

enum class TaskKind { kCmd, kShell, kSequence, kParallel, kRef, kSwitch, kScript, kExpr };
std::string_view to_string(TaskKind kind);

enum class ArgType { kString, kInteger, kFloat, kBoolean };

// One declared task argument (Poe's `args`).
struct ArgSpec {
  std::string name;                  // also the variable the value is exposed as
  std::vector<std::string> options;  // "--name" by default; empty for positional args
  std::string help;
  ArgType type = ArgType::kString;
  std::optional<std::string> default_value;  // templated with the task's environment
  bool positional = false;
  bool required = false;
  bool multiple = false;           // several values (`multiple = true` or `multiple = N`)
  std::optional<int> exact_count;  // `multiple = N`: exactly N values in total
  std::vector<std::string> choices;
  // The CLI spelling of a positional (its name without a leading `_`, as Poe shows it).
  std::string display_name() const;
};

// Which failures a task (or a sequence's subtasks) may have without failing.
struct IgnoreFail {
  enum class Mode { kNone, kAll, kCodes, kReturnZero, kReturnNonZero };
  Mode mode = Mode::kNone;
  std::vector<int> codes;  // for kCodes
};

// An `env` entry: a value, or `{ default = ... }` that applies only when the variable is unset.
struct EnvEntry {
  std::string name;
  std::string value;
  bool only_if_unset = false;
};

// `envfile`: files whose variables join the environment; missing optional ones are skipped.
struct EnvFileRef {
  std::string path;
  bool optional = false;
};

// How a task's commands run (Poe's `executor`, globally or per task):
//   simple      as they are;
//   virtualenv  with the virtualenv at `location` (default .venv, then venv) first on PATH and
//               VIRTUAL_ENV set, so `python`, `pytest`, ... are the project's;
//   poetry, uv  the same with the project's in-tree .venv, when it exists;
//   auto        (the default) virtualenv when the project has .venv/ or venv/, else simple.
// Inside an already active virtualenv (VIRTUAL_ENV set) auto and poetry/uv change nothing.
// A uv executor with options runs the task through `uv run` with the matching flags
// (`uv_options`: option name -> values; booleans hold "true"/"false"). A task's executor table
// without `type` extends the inherited one (group's, include's, project's) when types agree.
struct Executor {
  std::string type = "auto";
  bool type_given = false;  // `type` was written (or the string form was used)
  std::string location;     // virtualenv: relative to the project root; "" = look for .venv, venv
  std::map<std::string, std::vector<std::string>> uv_options;
};

// `[tool.poe.groups.NAME]`: tasks shown together under `heading`, sharing an executor.
struct TaskGroup {
  std::string name;
  std::string heading;  // "" = the name
  std::optional<Executor> executor;
};

// Parallel tasks: how subtask output reaches the terminal.
struct ParallelOutput {
  bool buffer = false;  // output_mode = "buffer": a leaf's stdout in one block
  std::optional<std::string> prefix = "{name}";  // nullopt: `prefix = false`
  int prefix_max = 16;
  std::string prefix_template = "{color_start}{prefix}{color_end} | ";
};

// The file a task was declared in. Tasks from an `include`d file run in the include's `cwd`
// (relative to the project root, templated; "" = the root) and read their envfiles from there,
// and that file's global env, envfile and executor apply to its tasks only (Poe's semantics).
struct TaskOrigin {
  std::filesystem::path file;
  bool included = false;
  std::string cwd;
  std::vector<EnvEntry> env;
  std::vector<EnvFileRef> envfiles;
  std::optional<Executor> executor;
};

struct TaskSpec;

// One branch of a switch task: matches when the control output equals one of `cases`; a branch
// with no cases is the default.
struct SwitchCase {
  std::vector<std::string> cases;
  std::shared_ptr<const TaskSpec> task;
};

struct TaskSpec {
  std::string name;  // the task's name; "<parent>[i]" for inline subtasks
  TaskKind kind = TaskKind::kCmd;
  std::string content;   // the cmd, shell script, script reference, expression or ref
  std::string location;  // file:line:column of the definition
  std::shared_ptr<const TaskOrigin> origin;  // never null

  std::string help;
  std::vector<EnvEntry> env;
  std::vector<EnvFileRef> envfiles;
  std::optional<std::string> cwd;
  std::vector<std::string> deps;                          // task invocations ("name arg...")
  std::vector<std::pair<std::string, std::string>> uses;  // variable -> task invocation
  std::vector<ArgSpec> args;
  bool declares_args = false;                 // `args` present (even empty): extras need `--`
  std::optional<std::string> capture_stdout;  // a file path (templated)
  IgnoreFail ignore_fail;
  std::vector<std::string> sources;    // twin extension: up-to-date checks
  std::vector<std::string> generates;  // twin extension: up-to-date checks
  std::optional<Executor> executor;
  std::shared_ptr<const TaskGroup> group;  // null: not in a group
  std::optional<int> verbosity;            // -2..2, overrides the project's
  bool use_exec = false;

  std::vector<std::string> interpreter;  // shell: e.g. {"posix"}, {"bash"}; empty = file default
  std::vector<std::string> imports;      // expr
  bool assert_result = false;            // expr
  bool print_result = false;             // script
  std::string empty_glob = "pass";       // cmd: pass | null | fail

  std::vector<std::shared_ptr<const TaskSpec>> subtasks;  // sequence, parallel
  ParallelOutput parallel_output;                         // parallel
  std::shared_ptr<const TaskSpec> control;                // switch
  std::vector<SwitchCase> switch_cases;                   // switch
  bool switch_default_fail = true;                        // switch: `default = "fail"`

  bool hidden() const { return name.starts_with("_"); }
};

struct TaskFile {
  std::filesystem::path path;  // the file the tasks came from
  std::vector<EnvEntry> env;
  std::vector<EnvFileRef> envfiles;
  std::vector<std::string> shell_interpreter{"posix"};
  std::optional<Executor> executor;
  int verbosity = 0;                                     // the project's `verbosity`
  std::vector<std::shared_ptr<const TaskSpec>> tasks;    // in file order, then included ones
  std::vector<std::shared_ptr<const TaskGroup>> groups;  // by name
  std::vector<std::string> warnings;  // e.g. a missing included file; the CLI prints them

  const TaskSpec* find(std::string_view name) const;
  std::vector<std::string> names() const;
};

// Parses a task configuration table: twin.toml's top level or pyproject's [tool.poe] (both have
// `tasks`, `env`, `envfile`, `shell_interpreter`, `include`, ... as Poe defines them).
// `include` names other TOML or JSON files (a path, `{ path, cwd }`, or a list of those;
// ${TWIN_ROOT}/${POE_ROOT} expand; relative to `root`) whose tasks join the file's after its own,
// unless a task of that name already exists. A missing included file is skipped, as Poe does;
// one that cannot be parsed is an error. Includes of included files are followed (depth first,
// before the including file's own tasks) unless the include says `recursive = false`.
Result<TaskFile> parse_task_file(const toml::table& config, const std::filesystem::path& path,
                                 const std::filesystem::path& root);

// Poe's special variables POE_GIT_DIR (the git work tree holding `root`; a submodule's own)
// and POE_GIT_ROOT (the same, but above any submodule: the main work tree). Empty outside git.
// Found from the .git entries of `root` and its parents; git is not run.
std::map<std::string, std::string> git_variables(const std::filesystem::path& root);

// The tasks of the project at `root`: `explicit_file` when given (twin.toml layout, or a
// pyproject.toml), else <root>/twin.toml's [tasks], else <root>/pyproject.toml's [tool.poe].
// No tasks anywhere is kNotFound.
Result<TaskFile> load_task_file(const std::filesystem::path& root,
                                const std::optional<std::filesystem::path>& explicit_file);

}  // namespace twin::tasks
