// Internal to src/tasks: the pieces of task-file parsing that task_spec.cc (one task) and
// task_file.cc (a whole file: globals, groups, includes) share. Validation follows Poe the
// Poet's schema (twin/tasks/poe_schema.h); every error names file:line:column and the option.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"
#include "twin/core/toml.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks::detail {

// What a task inherits from the file (and group) it is declared in.
struct Defaults {
  TaskKind string_kind = TaskKind::kCmd;      // default_task_type
  TaskKind array_kind = TaskKind::kSequence;  // default_array_task_type
  TaskKind array_item_kind = TaskKind::kRef;  // default_array_item_task_type
  std::shared_ptr<const TaskOrigin> origin;
  std::shared_ptr<const TaskGroup> group;
};

Status error_at(const toml::node& node, std::string_view what);
// A scalar's text: strings as they are, numbers and booleans as TOML spells them.
std::optional<std::string> scalar_text(const toml::node& node);
Result<std::string> string_of(const toml::node& node, std::string_view what);
Result<std::vector<std::string>> strings_of(const toml::node& node, std::string_view what,
                                            bool allow_single);
Result<bool> bool_of(const toml::node& node, std::string_view what);
// `value` must be one of `allowed` (a string).
Result<std::string> enum_of(const toml::node& node, std::string_view what,
                            std::span<const std::string_view> allowed);
Result<int> verbosity_of(const toml::node& node);

Result<std::vector<EnvEntry>> parse_env(const toml::node& node);
Result<std::vector<EnvFileRef>> parse_envfile(const toml::node& node);
Result<Executor> parse_executor(const toml::node& node);
Result<TaskKind> kind_of_name(const toml::node& node, std::span<const std::string_view> allowed);

// One top-level task (`name` is checked against Poe's task name pattern).
Result<std::shared_ptr<TaskSpec>> parse_named_task(const std::string& name, const toml::node& node,
                                                   const Defaults& defaults);

}  // namespace twin::tasks::detail
