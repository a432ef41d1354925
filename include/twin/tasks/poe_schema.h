// What twin's task parser knows of Poe the Poet's configuration schema (0.47.1): the keys each
// task type accepts, the project-level (global) keys, the keys of args, includes, groups and
// executors, and the values of the enumerated settings. task_spec.cc validates against these
// tables; tests/tasks/poe_schema_test.cc compares them with Poe's generated JSON Schema
// (docs/_static/partial-poe.json), so a new Poe release shows its differences as failing tests.
//
// All tables are immutable; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "twin/tasks/task_spec.h"

namespace twin::tasks::poe {

// The schema version these tables follow.
inline constexpr std::string_view kSchemaVersion = "0.47.1";

// Keys a task table of `kind` accepts, as the schema names them (its type key included).
std::span<const std::string_view> task_options(TaskKind kind);
// twin's own task keys, accepted on every task type beside Poe's (up-to-date checks).
std::span<const std::string_view> twin_task_options();
// Keys of [tool.poe] (and of twin.toml's task settings).
std::span<const std::string_view> global_options();
// Keys of one entry of `args` (the table form, `args.NAME`, has no `name`).
std::span<const std::string_view> arg_options();
// Keys of a table in `include`.
std::span<const std::string_view> include_options();
// Keys of [tool.poe.groups.NAME].
std::span<const std::string_view> group_options();
// Keys of an executor table per type ("type" included); empty for unknown types.
std::span<const std::string_view> executor_options(std::string_view type);
std::span<const std::string_view> executor_types();
// uv executor options that are flags (true/false); the others take one value or a list.
std::span<const std::string_view> uv_flag_options();

// Enumerated values.
std::span<const std::string_view> shell_interpreters();  // shell_interpreter, interpreter
std::span<const std::string_view> arg_types();           // args.type
std::span<const std::string_view> empty_glob_values();   // cmd empty_glob
std::span<const std::string_view> output_modes();        // parallel output_mode
std::span<const std::string_view> switch_defaults();     // switch default
std::span<const std::string_view> string_task_types();   // default_task_type, ..._item_...
std::span<const std::string_view> array_task_types();    // default_array_task_type
inline constexpr int kMinVerbosity = -2;                 // verbosity (task and project)
inline constexpr int kMaxVerbosity = 2;

// Task names: `^[^\W\d][\w:+-]*$` (non-ASCII bytes count as word characters).
bool valid_task_name(std::string_view name);
// Group names: `^[\w-]+$`.
bool valid_group_name(std::string_view name);

}  // namespace twin::tasks::poe
