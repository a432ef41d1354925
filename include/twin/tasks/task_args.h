// A task's declared arguments (Poe's `args`) parsed from the words after its name, as Poe's
// argparse does: `--name value`, `--name=value`, boolean flags, positionals, `multiple`,
// `choices`, `required`, typed values, and free arguments after `--`.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/tasks/command_line.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks {

struct ParsedArgs {
  // Variable name (the arg's name, dashes as underscores) -> value. Unset optional args are
  // absent; booleans set are "True"; multiple values are joined by spaces.
  std::map<std::string, std::string> values;
  // Variables to remove from the task's environment: boolean args that are false (Poe unsets
  // them, even when set by other means, so `${flag:+...}` sees them as unset).
  std::vector<std::string> unset;
  // Variable -> the Python expression of its value for script and expr tasks: True/False,
  // int('3'), float('1.5'), 'text', a list for `multiple` args, None when unset.
  std::map<std::string, std::string> python;
  std::vector<std::string> free;  // the words after `--`
};

// Parses `words` against `task.args`. Defaults are templated with `env`. A wrong word (unknown
// option, bad type, value outside `choices`, missing required arg) is kInvalidArgument naming
// the task and the argument.
Result<ParsedArgs> parse_task_args(const TaskSpec& task, const std::vector<std::string>& words,
                                   const Environment& env);

// The variable an arg is exposed as: its name with dashes turned into underscores.
std::string arg_variable(const ArgSpec& arg);

// A Python string literal of `text` (single-quoted, escaped).
std::string python_literal(std::string_view text);

// One line per argument for help output, as Poe shows them:
// ("-p, --planet PLANET", "help [default: earth] [choices: 'a', 'b']").
std::vector<std::pair<std::string, std::string>> describe_args(const TaskSpec& task);

}  // namespace twin::tasks
