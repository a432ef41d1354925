// One task definition as Poe the Poet 0.47.1 reads it: its type, the options its type accepts
// (twin/tasks/poe_schema.h) and their values.
#include "twin/tasks/task_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "task_parse.h"
#include "twin/tasks/poe_schema.h"

namespace twin::tasks {
namespace detail {
namespace {

constexpr std::array<std::string_view, 8> kKindKeys = {"cmd",      "shell",    "script", "expr",
                                                       "sequence", "parallel", "ref",    "switch"};

TaskKind kind_from_key(std::string_view key) {
  if (key == "shell") return TaskKind::kShell;
  if (key == "script") return TaskKind::kScript;
  if (key == "expr") return TaskKind::kExpr;
  if (key == "sequence") return TaskKind::kSequence;
  if (key == "parallel") return TaskKind::kParallel;
  if (key == "ref") return TaskKind::kRef;
  if (key == "switch") return TaskKind::kSwitch;
  return TaskKind::kCmd;
}

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Poe's accepted spellings of a boolean arg's default (case-insensitive, spaces around).
bool boolean_default_ok(std::string_view text) {
  if (text.find("${") != std::string_view::npos) return true;  // checked once templated
  const size_t start = text.find_first_not_of(" \t");
  const size_t end = text.find_last_not_of(" \t");
  const std::string word =
      start == std::string_view::npos ? "" : lower(text.substr(start, end - start + 1));
  return word.empty() || word == "t" || word == "true" || word == "1" || word == "f" ||
         word == "false" || word == "0";
}

Result<IgnoreFail> parse_ignore_fail(const toml::node& node, TaskKind kind) {
  IgnoreFail ignore;
  const bool group = kind == TaskKind::kSequence || kind == TaskKind::kParallel;
  const std::string_view expected = group ? "true, false, \"return_zero\" or \"return_non_zero\""
                                    : kind == TaskKind::kRef
                                        ? "true or false"
                                        : "true, false or a list of exit codes";
  const auto bad = [&] {
    return error_at(node,
                    fmt::format("ignore_fail on a {} task must be {}", to_string(kind), expected));
  };
  if (const auto* b = node.as_boolean()) {
    ignore.mode = b->get() ? IgnoreFail::Mode::kAll : IgnoreFail::Mode::kNone;
  } else if (const auto* s = node.as_string(); s != nullptr && group) {
    if (s->get() == "return_zero") {
      ignore.mode = IgnoreFail::Mode::kReturnZero;
    } else if (s->get() == "return_non_zero") {
      ignore.mode = IgnoreFail::Mode::kReturnNonZero;
    } else {
      return fail(bad());
    }
  } else if (const auto* array = node.as_array();
             array != nullptr && !group && kind != TaskKind::kRef) {
    ignore.mode = IgnoreFail::Mode::kCodes;
    for (const auto& item : *array) {
      const auto* code = item.as_integer();
      if (code == nullptr) return fail(error_at(item, "ignore_fail codes must be integers"));
      ignore.codes.push_back(static_cast<int>(code->get()));
    }
  } else {
    return fail(bad());
  }
  return ignore;
}

Result<ArgType> parse_arg_type(const toml::node& node) {
  TWIN_ASSIGN_OR_RETURN(auto name, enum_of(node, "arg type", poe::arg_types()));
  if (name == "integer") return ArgType::kInteger;
  if (name == "float") return ArgType::kFloat;
  if (name == "boolean") return ArgType::kBoolean;
  return ArgType::kString;
}

Result<ArgSpec> parse_arg_table(const toml::table& table, std::string name, bool named_by_key) {
  ArgSpec arg;
  arg.name = std::move(name);
  const toml::node* default_node = nullptr;
  const toml::node* choices_node = nullptr;
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (!contains(poe::arg_options(), k) || (named_by_key && k == "name")) {
      return fail(error_at(
          value,
          fmt::format(
              "arg {}: unknown option '{}'{}", arg.name.empty() ? "?" : arg.name, k,
              named_by_key && k == "name" ? " (in the args.NAME form the key is the name)" : "")));
    }
    if (k == "name") {
      TWIN_ASSIGN_OR_RETURN(arg.name, string_of(value, "arg name"));
    } else if (k == "options") {
      TWIN_ASSIGN_OR_RETURN(arg.options, strings_of(value, "arg options", false));
    } else if (k == "help") {
      TWIN_ASSIGN_OR_RETURN(arg.help, string_of(value, "arg help"));
    } else if (k == "type") {
      TWIN_ASSIGN_OR_RETURN(arg.type, parse_arg_type(value));
    } else if (k == "default") {
      default_node = &value;
      arg.default_value = scalar_text(value);
      if (!arg.default_value)
        return fail(error_at(value, "arg default must be a string, number or boolean"));
    } else if (k == "positional") {
      if (const auto* s = value.as_string()) {
        arg.positional = true;
        arg.name = s->get();
      } else {
        TWIN_ASSIGN_OR_RETURN(arg.positional, bool_of(value, "positional"));
      }
    } else if (k == "required") {
      TWIN_ASSIGN_OR_RETURN(arg.required, bool_of(value, "required"));
    } else if (k == "multiple") {
      if (const auto* count = value.as_integer()) {
        if (count->get() < 1)
          return fail(error_at(value, "multiple must be true, false or a count of at least 1"));
        arg.multiple = true;
        arg.exact_count = static_cast<int>(count->get());
      } else if (const auto* b = value.as_boolean()) {
        arg.multiple = b->get();
      } else {
        return fail(error_at(value, "multiple must be true, false or a number of values"));
      }
    } else if (k == "choices") {
      choices_node = &value;
      const auto* array = value.as_array();
      if (array == nullptr) return fail(error_at(value, "choices must be a list"));
      for (const auto& item : *array) {
        if (!item.is_string() && !item.is_number())
          return fail(error_at(item, "choices must be strings or numbers"));
        arg.choices.push_back(*scalar_text(item));
      }
    }
  }
  if (arg.name.empty()) return fail(error_at(table, "arg has no name"));
  if (arg.type == ArgType::kBoolean) {
    const auto reject = [&](std::string_view what) {
      return fail(error_at(
          table, fmt::format("arg {}: a boolean arg is a flag: it cannot {}", arg.name, what)));
    };
    if (arg.positional) return reject("be positional");
    if (arg.multiple) return reject("take multiple values");
    if (choices_node != nullptr) return reject("have choices");
    if (default_node != nullptr && !default_node->is_boolean() &&
        !(default_node->is_string() && boolean_default_ok(*arg.default_value))) {
      return fail(error_at(*default_node,
                           fmt::format("arg {}: a boolean arg's default must be true, false or "
                                       "one of \"t\", \"true\", \"1\", \"f\", \"false\", \"0\", "
                                       "\"\"",
                                       arg.name)));
    }
  }
  if (arg.positional) {
    arg.options.clear();
  } else if (arg.options.empty()) {
    // A private `_name` arg is still `--name` on the command line, as in Poe.
    const std::string_view spelled =
        std::string_view(arg.name).substr(arg.name.starts_with('_') ? 1 : 0);
    arg.options.push_back(fmt::format("--{}", spelled));
  }
  return arg;
}

Result<std::vector<ArgSpec>> parse_args(const toml::node& node) {
  std::vector<ArgSpec> args;
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) {
      const auto* arg_table = value.as_table();
      if (arg_table == nullptr) return fail(error_at(value, "each arg must be a table"));
      TWIN_ASSIGN_OR_RETURN(auto arg, parse_arg_table(*arg_table, std::string(key.str()), true));
      args.push_back(std::move(arg));
    }
    // TOML tables are ordered by key; keep the file's order (positionals depend on it).
    std::ranges::stable_sort(args, [table](const ArgSpec& a, const ArgSpec& b) {
      const auto& pa = table->get(a.name) != nullptr ? table->get(a.name)->source().begin
                                                     : toml::source_position{};
      const auto& pb = table->get(b.name) != nullptr ? table->get(b.name)->source().begin
                                                     : toml::source_position{};
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
  } else if (const auto* array = node.as_array()) {
    for (const auto& item : *array) {
      if (const auto* name = item.as_string()) {
        toml::table only_name;
        only_name.insert("name", name->get());
        TWIN_ASSIGN_OR_RETURN(auto arg, parse_arg_table(only_name, "", false));
        args.push_back(std::move(arg));
      } else if (const auto* arg_table = item.as_table()) {
        if (!arg_table->contains("name")) return fail(error_at(item, "an arg needs a name"));
        TWIN_ASSIGN_OR_RETURN(auto arg, parse_arg_table(*arg_table, "", false));
        args.push_back(std::move(arg));
      } else {
        return fail(error_at(item, "each arg must be a name or a table"));
      }
    }
  } else {
    return fail(error_at(node, "args must be a list or a table"));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].positional || !args[i].multiple) continue;
    for (size_t j = i + 1; j < args.size(); ++j) {
      if (args[j].positional) {
        return fail(error_at(node, fmt::format("only the last positional arg may be multiple "
                                               "({} is followed by {})",
                                               args[i].name, args[j].name)));
      }
    }
  }
  return args;
}

// Where a task sits, for the keys the schema forbids there.
enum class Placement { kTopLevel, kArrayItem, kSwitchBranch, kControl };

Result<std::shared_ptr<TaskSpec>> parse_task(const std::string& name, const toml::node& node,
                                             const Defaults& defaults, TaskKind string_kind,
                                             Placement placement);

Result<std::vector<std::shared_ptr<const TaskSpec>>> parse_subtasks(const std::string& name,
                                                                    const toml::node& node,
                                                                    const Defaults& defaults,
                                                                    TaskKind item_kind,
                                                                    TaskKind nested_list_kind) {
  const auto* array = node.as_array();
  if (array == nullptr)
    return fail(error_at(node, fmt::format("task {}: expected a list of tasks", name)));
  std::vector<std::shared_ptr<const TaskSpec>> subtasks;
  size_t index = 0;
  for (const auto& item : *array) {
    const std::string item_name = fmt::format("{}[{}]", name, index++);
    if (item.is_array()) {
      // A list in a sequence is a parallel group; a list in a parallel task a sequence.
      Defaults nested = defaults;
      nested.array_kind = nested_list_kind;
      nested.array_item_kind = item_kind;
      TWIN_ASSIGN_OR_RETURN(auto subtask,
                            parse_task(item_name, item, nested, item_kind, Placement::kArrayItem));
      subtasks.push_back(std::move(subtask));
      continue;
    }
    TWIN_ASSIGN_OR_RETURN(auto subtask,
                          parse_task(item_name, item, defaults, item_kind, Placement::kArrayItem));
    subtasks.push_back(std::move(subtask));
  }
  return subtasks;
}

std::shared_ptr<TaskSpec> new_task(const std::string& name, const toml::node& node,
                                   const Defaults& defaults, TaskKind kind) {
  auto task = std::make_shared<TaskSpec>();
  task->name = name;
  task->origin = defaults.origin;
  task->group = defaults.group;
  task->kind = kind;
  task->location = toml_location(node);
  return task;
}

Result<std::shared_ptr<TaskSpec>> parse_task_table(const std::string& name,
                                                   const toml::table& table,
                                                   const Defaults& defaults, Placement placement);

Status parse_switch(TaskSpec& task, const toml::table& table, const Defaults& defaults) {
  const toml::node* control = table.get("control");
  if (control == nullptr)
    return error_at(table, fmt::format("switch task {} has no control", task.name));
  if (const auto* control_table = control->as_table()) {
    for (const auto& [key, value] : *control_table) {
      const std::string_view k = key.str();
      if (k == "expr" || k == "cmd" || k == "script") continue;
      if (contains(kKindKeys, k)) {
        return error_at(value, fmt::format("switch task {}: control must be an expr, cmd or "
                                           "script task, not {}",
                                           task.name, k));
      }
    }
  }
  TWIN_ASSIGN_OR_RETURN(task.control, parse_task(task.name + "[control]", *control, defaults,
                                                 defaults.string_kind, Placement::kControl));
  const auto* branches = table.get("switch")->as_array();
  if (branches == nullptr) return error_at(*table.get("switch"), "switch must be a list of tables");
  bool has_default = false;
  size_t index = 0;
  for (const auto& item : *branches) {
    const auto* branch = item.as_table();
    if (branch == nullptr) return error_at(item, "each switch item must be a table");
    SwitchCase option;
    if (const toml::node* cases = branch->get("case")) {
      if (const auto* list = cases->as_array()) {
        for (const auto& value : *list) {
          auto text = scalar_text(value);
          if (!text || value.is_floating_point())
            return error_at(value, "case values must be strings, integers or booleans");
          option.cases.push_back(*text);
        }
      } else if (auto text = scalar_text(*cases); text && !cases->is_floating_point()) {
        option.cases.push_back(*text);
      } else {
        return error_at(*cases, "case must be a value or a list of values");
      }
    } else {
      if (has_default)
        return error_at(item, fmt::format("switch task {} has two default branches", task.name));
      has_default = true;
    }
    TWIN_ASSIGN_OR_RETURN(auto branch_task,
                          parse_task_table(fmt::format("{}[{}]", task.name, index++), *branch,
                                           defaults, Placement::kSwitchBranch));
    option.task = std::move(branch_task);
    task.switch_cases.push_back(std::move(option));
  }
  if (const toml::node* fallback = table.get("default")) {
    TWIN_ASSIGN_OR_RETURN(auto value, enum_of(*fallback, "default", poe::switch_defaults()));
    task.switch_default_fail = value == "fail";
  }
  return Status::ok();
}

Status parse_parallel_output(ParallelOutput& output, std::string_view key,
                             const toml::node& value) {
  if (key == "output_mode") {
    TWIN_ASSIGN_OR_RETURN(auto mode, enum_of(value, "output_mode", poe::output_modes()));
    output.buffer = mode == "buffer";
  } else if (key == "prefix") {
    if (const auto* b = value.as_boolean(); b != nullptr && !b->get()) {
      output.prefix.reset();
    } else {
      TWIN_ASSIGN_OR_RETURN(output.prefix, string_of(value, "prefix (a string or false)"));
    }
  } else if (key == "prefix_max") {
    const auto* max = value.as_integer();
    if (max == nullptr || max->get() < 1)
      return error_at(value, "prefix_max must be a positive integer");
    output.prefix_max = static_cast<int>(max->get());
  } else if (key == "prefix_template") {
    TWIN_ASSIGN_OR_RETURN(output.prefix_template, string_of(value, "prefix_template"));
  }
  return Status::ok();
}

Status parse_option(TaskSpec& task, std::string_view key, const toml::node& value) {
  if (key == "help") {
    TWIN_ASSIGN_OR_RETURN(task.help, string_of(value, "help"));
  } else if (key == "env") {
    TWIN_ASSIGN_OR_RETURN(task.env, parse_env(value));
  } else if (key == "envfile") {
    TWIN_ASSIGN_OR_RETURN(task.envfiles, parse_envfile(value));
  } else if (key == "cwd") {
    TWIN_ASSIGN_OR_RETURN(task.cwd, string_of(value, "cwd"));
    if (task.cwd->find_first_not_of(" \t\r\n") == std::string::npos)
      return error_at(value, "cwd must not be empty");
  } else if (key == "deps") {
    TWIN_ASSIGN_OR_RETURN(task.deps, strings_of(value, "deps", false));
  } else if (key == "uses") {
    const auto* table = value.as_table();
    if (table == nullptr) return error_at(value, "uses must be a table of VARIABLE = \"task\"");
    for (const auto& [name, invocation] : *table) {
      TWIN_ASSIGN_OR_RETURN(auto text, string_of(invocation, "uses"));
      task.uses.emplace_back(std::string(name.str()), std::move(text));
    }
  } else if (key == "args") {
    TWIN_ASSIGN_OR_RETURN(task.args, parse_args(value));
    task.declares_args = true;
  } else if (key == "capture_stdout") {
    TWIN_ASSIGN_OR_RETURN(task.capture_stdout, string_of(value, "capture_stdout"));
  } else if (key == "ignore_fail") {
    TWIN_ASSIGN_OR_RETURN(task.ignore_fail, parse_ignore_fail(value, task.kind));
  } else if (key == "sources") {
    TWIN_ASSIGN_OR_RETURN(task.sources, strings_of(value, "sources", true));
  } else if (key == "generates") {
    TWIN_ASSIGN_OR_RETURN(task.generates, strings_of(value, "generates", true));
  } else if (key == "interpreter") {
    TWIN_ASSIGN_OR_RETURN(task.interpreter, strings_of(value, "interpreter", true));
    for (const auto& name : task.interpreter) {
      if (!contains(poe::shell_interpreters(), name)) {
        return error_at(value, fmt::format("interpreter: unknown shell '{}' (expected one of {})",
                                           name, fmt::join(poe::shell_interpreters(), ", ")));
      }
    }
  } else if (key == "imports") {
    TWIN_ASSIGN_OR_RETURN(task.imports, strings_of(value, "imports", false));
  } else if (key == "assert") {
    if (const auto* number = value.as_integer()) {
      task.assert_result = number->get() != 0;
    } else {
      TWIN_ASSIGN_OR_RETURN(task.assert_result, bool_of(value, "assert"));
    }
  } else if (key == "print_result") {
    TWIN_ASSIGN_OR_RETURN(task.print_result, bool_of(value, "print_result"));
  } else if (key == "executor") {
    TWIN_ASSIGN_OR_RETURN(task.executor, parse_executor(value));
  } else if (key == "empty_glob") {
    TWIN_ASSIGN_OR_RETURN(task.empty_glob, enum_of(value, "empty_glob", poe::empty_glob_values()));
  } else if (key == "verbosity") {
    TWIN_ASSIGN_OR_RETURN(task.verbosity, verbosity_of(value));
  } else if (key == "use_exec") {
    TWIN_ASSIGN_OR_RETURN(task.use_exec, bool_of(value, "use_exec"));
  } else {
    TWIN_RETURN_IF_ERROR(parse_parallel_output(task.parallel_output, key, value));
  }  // kind keys, default_item_type, control, switch and default are read by the caller
  return Status::ok();
}

// The keys the schema forbids where a task sits (inline items cannot declare args; switch
// branches neither args, uses nor deps).
std::optional<std::string_view> forbidden_here(std::string_view key, Placement placement) {
  if (placement == Placement::kArrayItem && key == "args")
    return "a task inline in a sequence or parallel list cannot declare args";
  if (placement == Placement::kSwitchBranch && (key == "args" || key == "uses" || key == "deps"))
    return "a switch branch cannot declare args, uses or deps";
  return std::nullopt;
}

Result<std::shared_ptr<TaskSpec>> parse_task_table(const std::string& name,
                                                   const toml::table& table,
                                                   const Defaults& defaults, Placement placement) {
  std::optional<std::string_view> kind_key;
  for (auto key : kKindKeys) {
    if (table.contains(key)) {
      if (kind_key) {
        return fail(
            error_at(table, fmt::format("task {} has both '{}' and '{}'; a task has one type", name,
                                        *kind_key, key)));
      }
      kind_key = key;
    }
  }
  if (!kind_key) {
    return fail(error_at(table, fmt::format("task {} has no type: give one of cmd, shell, script, "
                                            "expr, sequence, parallel, ref or switch",
                                            name)));
  }
  auto task = new_task(name, table, defaults, kind_from_key(*kind_key));
  const toml::node& body = *table.get(*kind_key);
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (placement == Placement::kSwitchBranch && k == "case") continue;
    if (!contains(poe::task_options(task->kind), k) && !contains(poe::twin_task_options(), k)) {
      return fail(error_at(value, fmt::format("task {}: unknown option '{}' for a {} task", name, k,
                                              to_string(task->kind))));
    }
    if (auto why = forbidden_here(k, placement))
      return fail(error_at(value, fmt::format("task {}: {}", name, *why)));
    TWIN_RETURN_IF_ERROR(parse_option(*task, k, value));
  }
  if (task->use_exec && task->capture_stdout) {
    return fail(
        error_at(*table.get("capture_stdout"),
                 fmt::format("task {}: capture_stdout cannot be used with use_exec", name)));
  }
  switch (task->kind) {
    case TaskKind::kSequence:
    case TaskKind::kParallel: {
      TaskKind item_kind = defaults.array_item_kind;
      if (const toml::node* item_type = table.get("default_item_type")) {
        TWIN_ASSIGN_OR_RETURN(item_kind, kind_of_name(*item_type, kKindKeys));
      }
      const TaskKind nested =
          task->kind == TaskKind::kSequence ? TaskKind::kParallel : TaskKind::kSequence;
      TWIN_ASSIGN_OR_RETURN(task->subtasks,
                            parse_subtasks(name, body, defaults, item_kind, nested));
      break;
    }
    case TaskKind::kSwitch:
      TWIN_RETURN_IF_ERROR(parse_switch(*task, table, defaults));
      break;
    case TaskKind::kCmd:
      if (const auto* words = body.as_array()) {
        std::vector<std::string> parts;
        for (const auto& word : *words) {
          TWIN_ASSIGN_OR_RETURN(auto text, string_of(word, "cmd"));
          parts.push_back(std::move(text));
        }
        for (const auto& part : parts) task->content += (task->content.empty() ? "" : " ") + part;
        break;
      }
      [[fallthrough]];
    default:
      TWIN_ASSIGN_OR_RETURN(task->content, string_of(body, *kind_key));
  }
  // The schema: a script naming a module (no `:function`) runs it as __main__; no result.
  if (task->kind == TaskKind::kScript && task->content.find(':') == std::string::npos &&
      table.contains("print_result")) {
    return fail(
        error_at(*table.get("print_result"),
                 fmt::format("task {}: print_result needs a 'module:function' script", name)));
  }
  return task;
}

Result<std::shared_ptr<TaskSpec>> parse_task(const std::string& name, const toml::node& node,
                                             const Defaults& defaults, TaskKind string_kind,
                                             Placement placement) {
  if (const auto* text = node.as_string()) {
    auto task = new_task(name, node, defaults, string_kind);
    task->content = text->get();
    return task;
  }
  if (node.is_array()) {
    auto task = new_task(name, node, defaults, defaults.array_kind);
    const TaskKind nested =
        task->kind == TaskKind::kSequence ? TaskKind::kParallel : TaskKind::kSequence;
    TWIN_ASSIGN_OR_RETURN(task->subtasks,
                          parse_subtasks(name, node, defaults, defaults.array_item_kind, nested));
    return task;
  }
  if (const auto* table = node.as_table())
    return parse_task_table(name, *table, defaults, placement);
  return fail(error_at(node, fmt::format("task {} must be a string, a list or a table", name)));
}

}  // namespace

Result<TaskKind> kind_of_name(const toml::node& node, std::span<const std::string_view> allowed) {
  TWIN_ASSIGN_OR_RETURN(auto name, enum_of(node, "task type", allowed));
  return kind_from_key(name);
}

Result<std::shared_ptr<TaskSpec>> parse_named_task(const std::string& name, const toml::node& node,
                                                   const Defaults& defaults) {
  if (!poe::valid_task_name(name)) {
    return fail(error_at(node, fmt::format("'{}' is not a valid task name (letters, digits, _, "
                                           "-, : and +, not starting with a digit or -)",
                                           name)));
  }
  return parse_task(name, node, defaults, defaults.string_kind, Placement::kTopLevel);
}

}  // namespace detail

std::string ArgSpec::display_name() const { return name.starts_with('_') ? name.substr(1) : name; }

std::string_view to_string(TaskKind kind) {
  switch (kind) {
    case TaskKind::kCmd:
      return "cmd";
    case TaskKind::kShell:
      return "shell";
    case TaskKind::kSequence:
      return "sequence";
    case TaskKind::kParallel:
      return "parallel";
    case TaskKind::kRef:
      return "ref";
    case TaskKind::kSwitch:
      return "switch";
    case TaskKind::kScript:
      return "script";
    case TaskKind::kExpr:
      return "expr";
  }
  return "cmd";
}

const TaskSpec* TaskFile::find(std::string_view name) const {
  for (const auto& task : tasks) {
    if (task->name == name) return task.get();
  }
  return nullptr;
}

std::vector<std::string> TaskFile::names() const {
  std::vector<std::string> all;
  all.reserve(tasks.size());
  for (const auto& task : tasks) all.push_back(task->name);
  return all;
}

}  // namespace twin::tasks
