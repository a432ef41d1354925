#include "twin/tasks/task_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "twin/core/json.h"
#include "twin/tasks/command_line.h"

namespace twin::tasks {
namespace {

constexpr std::array<std::string_view, 8> kKindKeys = {"cmd",      "shell",    "script", "expr",
                                                       "sequence", "parallel", "ref",    "switch"};

// Options every task type accepts (Poe's common options plus twin's up-to-date keys); keys Poe
// knows that twin does not need (verbosity, use_exec) are accepted and ignored.
const std::set<std::string_view>& common_options() {
  static const std::set<std::string_view> options = {
      "help",           "env",         "envfile", "cwd",       "deps",     "uses",      "args",
      "capture_stdout", "ignore_fail", "sources", "generates", "executor", "verbosity", "use_exec"};
  return options;
}

const std::set<std::string_view>& kind_options(TaskKind kind) {
  static const std::map<TaskKind, std::set<std::string_view>> options = {
      {TaskKind::kCmd, {"cmd", "empty_glob"}},
      {TaskKind::kShell, {"shell", "interpreter"}},
      {TaskKind::kScript, {"script", "print_result"}},
      {TaskKind::kExpr, {"expr", "imports", "assert"}},
      {TaskKind::kSequence, {"sequence", "default_item_type"}},
      {TaskKind::kParallel, {"parallel", "default_item_type"}},
      {TaskKind::kRef, {"ref"}},
      {TaskKind::kSwitch, {"switch", "control", "default"}},
  };
  return options.at(kind);
}

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

Status error_at(const toml::node& node, std::string_view what) {
  return Status::invalid_argument(fmt::format("{}: {}", toml_location(node), what));
}

// A scalar's text: strings as they are, numbers and booleans as TOML spells them.
std::optional<std::string> scalar_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

Result<std::string> string_of(const toml::node& node, std::string_view what) {
  if (const auto* s = node.as_string()) return s->get();
  return fail(error_at(node, fmt::format("{} must be a string", what)));
}

Result<std::vector<std::string>> strings_of(const toml::node& node, std::string_view what,
                                            bool allow_single) {
  if (allow_single && node.is_string()) return std::vector<std::string>{node.as_string()->get()};
  const auto* array = node.as_array();
  if (array == nullptr)
    return fail(error_at(node, fmt::format("{} must be a list of strings", what)));
  std::vector<std::string> values;
  for (const auto& item : *array) {
    TWIN_ASSIGN_OR_RETURN(auto value, string_of(item, what));
    values.push_back(std::move(value));
  }
  return values;
}

Result<bool> bool_of(const toml::node& node, std::string_view what) {
  if (const auto* b = node.as_boolean()) return b->get();
  return fail(error_at(node, fmt::format("{} must be true or false", what)));
}

Result<std::vector<EnvEntry>> parse_env(const toml::node& node) {
  const auto* table = node.as_table();
  if (table == nullptr) return fail(error_at(node, "env must be a table of NAME = \"value\""));
  std::vector<EnvEntry> entries;
  std::vector<toml::source_position> entry_lines;
  for (const auto& [key, value] : *table) {
    EnvEntry entry{std::string(key.str()), {}, false};
    if (const auto* options = value.as_table()) {
      const toml::node* fallback = options->get("default");
      if (fallback == nullptr || options->size() != 1) {
        return fail(error_at(
            value, fmt::format("env {}: a table must be {{ default = \"value\" }}", entry.name)));
      }
      auto text = scalar_text(*fallback);
      if (!text)
        return fail(
            error_at(*fallback, fmt::format("env {}: default must be a string", entry.name)));
      entry.value = *text;
      entry.only_if_unset = true;
    } else if (auto text = scalar_text(value)) {
      entry.value = *text;
    } else {
      return fail(error_at(value, fmt::format("env {} must be a string", entry.name)));
    }
    entry_lines.push_back(value.source().begin);
    entries.push_back(std::move(entry));
  }
  // TOML tables are ordered by key; apply entries in file order, so later ones can use earlier.
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::ranges::stable_sort(order, [&](size_t a, size_t b) {
    const auto& pa = entry_lines[a];
    const auto& pb = entry_lines[b];
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  std::vector<EnvEntry> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(entries[i]));
  return sorted;
}

Result<std::vector<EnvFileRef>> parse_envfile(const toml::node& node) {
  std::vector<EnvFileRef> refs;
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) {
      if (key.str() != "expected" && key.str() != "optional") {
        return fail(error_at(
            value, fmt::format("envfile: unknown key '{}' (expected or optional)", key.str())));
      }
      TWIN_ASSIGN_OR_RETURN(auto paths, strings_of(value, "envfile", true));
      for (auto& path : paths) refs.push_back({std::move(path), key.str() == "optional"});
    }
    return refs;
  }
  TWIN_ASSIGN_OR_RETURN(auto paths, strings_of(node, "envfile", true));
  for (auto& path : paths) refs.push_back({std::move(path), false});
  return refs;
}

Result<IgnoreFail> parse_ignore_fail(const toml::node& node) {
  IgnoreFail ignore;
  if (const auto* b = node.as_boolean()) {
    ignore.mode = b->get() ? IgnoreFail::Mode::kAll : IgnoreFail::Mode::kNone;
  } else if (const auto* s = node.as_string()) {
    if (s->get() == "return_zero") {
      ignore.mode = IgnoreFail::Mode::kReturnZero;
    } else if (s->get() == "return_non_zero") {
      ignore.mode = IgnoreFail::Mode::kReturnNonZero;
    } else {
      return fail(error_at(node,
                           "ignore_fail must be true, false, a list of exit codes, "
                           "\"return_zero\" or \"return_non_zero\""));
    }
  } else if (const auto* array = node.as_array()) {
    ignore.mode = IgnoreFail::Mode::kCodes;
    for (const auto& item : *array) {
      const auto* code = item.as_integer();
      if (code == nullptr) return fail(error_at(item, "ignore_fail codes must be integers"));
      ignore.codes.push_back(static_cast<int>(code->get()));
    }
  } else {
    return fail(error_at(node, "ignore_fail must be a boolean, a list of codes or a string"));
  }
  return ignore;
}

Result<ArgType> parse_arg_type(const toml::node& node) {
  TWIN_ASSIGN_OR_RETURN(auto name, string_of(node, "type"));
  if (name == "string") return ArgType::kString;
  if (name == "integer") return ArgType::kInteger;
  if (name == "float") return ArgType::kFloat;
  if (name == "boolean") return ArgType::kBoolean;
  return fail(error_at(
      node, fmt::format("unknown arg type '{}' (string, integer, float or boolean)", name)));
}

Result<ArgSpec> parse_arg_table(const toml::table& table, std::string name) {
  ArgSpec arg;
  arg.name = std::move(name);
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (k == "name") {
      TWIN_ASSIGN_OR_RETURN(arg.name, string_of(value, "arg name"));
    } else if (k == "options") {
      TWIN_ASSIGN_OR_RETURN(arg.options, strings_of(value, "arg options", false));
    } else if (k == "help") {
      TWIN_ASSIGN_OR_RETURN(arg.help, string_of(value, "arg help"));
    } else if (k == "type") {
      TWIN_ASSIGN_OR_RETURN(arg.type, parse_arg_type(value));
    } else if (k == "default") {
      arg.default_value = scalar_text(value);
      if (!arg.default_value) return fail(error_at(value, "arg default must be a scalar"));
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
      TWIN_ASSIGN_OR_RETURN(arg.multiple, bool_of(value, "multiple"));
    } else if (k == "choices") {
      const auto* array = value.as_array();
      if (array == nullptr) return fail(error_at(value, "choices must be a list"));
      for (const auto& item : *array) {
        auto text = scalar_text(item);
        if (!text) return fail(error_at(item, "choices must be scalars"));
        arg.choices.push_back(*text);
      }
    } else {
      return fail(error_at(value, fmt::format("unknown arg option '{}'", k)));
    }
  }
  if (arg.name.empty()) return fail(error_at(table, "arg has no name"));
  if (!arg.positional && arg.options.empty()) arg.options.push_back("--" + arg.name);
  if (arg.positional) arg.options.clear();
  return arg;
}

Result<std::vector<ArgSpec>> parse_args(const toml::node& node) {
  std::vector<ArgSpec> args;
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) {
      const auto* arg_table = value.as_table();
      if (arg_table == nullptr) return fail(error_at(value, "each arg must be a table"));
      TWIN_ASSIGN_OR_RETURN(auto arg, parse_arg_table(*arg_table, std::string(key.str())));
      args.push_back(std::move(arg));
    }
  } else if (const auto* array = node.as_array()) {
    for (const auto& item : *array) {
      if (const auto* name = item.as_string()) {
        ArgSpec arg;
        arg.name = name->get();
        arg.options.push_back("--" + arg.name);
        args.push_back(std::move(arg));
      } else if (const auto* arg_table = item.as_table()) {
        TWIN_ASSIGN_OR_RETURN(auto arg, parse_arg_table(*arg_table, ""));
        args.push_back(std::move(arg));
      } else {
        return fail(error_at(item, "each arg must be a name or a table"));
      }
    }
  } else {
    return fail(error_at(node, "args must be a list or a table"));
  }
  return args;
}

struct Defaults {
  TaskKind string_kind = TaskKind::kCmd;
  TaskKind array_item_kind = TaskKind::kRef;
  std::shared_ptr<const TaskOrigin> origin;
};

Result<Executor> parse_executor(const toml::node& node) {
  static const std::set<std::string_view> kTypes = {"auto", "simple", "virtualenv", "poetry", "uv"};
  Executor executor;
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) {
      if (key.str() == "type") {
        TWIN_ASSIGN_OR_RETURN(executor.type, string_of(value, "executor.type"));
      } else if (key.str() == "location") {
        TWIN_ASSIGN_OR_RETURN(executor.location, string_of(value, "executor.location"));
      } else {
        return fail(error_at(value, fmt::format("executor: unknown key '{}' (expected type or "
                                                "location)",
                                                key.str())));
      }
    }
  } else {
    TWIN_ASSIGN_OR_RETURN(executor.type, string_of(node, "executor"));
  }
  if (!kTypes.contains(executor.type)) {
    return fail(error_at(node, fmt::format("unknown executor type '{}' (expected auto, simple, "
                                           "virtualenv, poetry or uv)",
                                           executor.type)));
  }
  return executor;
}

Result<std::shared_ptr<TaskSpec>> parse_task(const std::string& name, const toml::node& node,
                                             const Defaults& defaults, TaskKind string_kind);
Result<std::shared_ptr<TaskSpec>> parse_task_table(const std::string& name,
                                                   const toml::table& table,
                                                   const Defaults& defaults, bool switch_branch);

Result<std::vector<std::shared_ptr<const TaskSpec>>> parse_subtasks(const std::string& name,
                                                                    const toml::node& node,
                                                                    const Defaults& defaults,
                                                                    TaskKind item_kind) {
  const auto* array = node.as_array();
  if (array == nullptr)
    return fail(error_at(node, fmt::format("task {}: expected a list of tasks", name)));
  std::vector<std::shared_ptr<const TaskSpec>> subtasks;
  size_t index = 0;
  for (const auto& item : *array) {
    if (item.is_array()) return fail(error_at(item, "a sequence item cannot be a list"));
    TWIN_ASSIGN_OR_RETURN(
        auto subtask, parse_task(fmt::format("{}[{}]", name, index++), item, defaults, item_kind));
    subtasks.push_back(std::move(subtask));
  }
  return subtasks;
}

Status parse_switch(TaskSpec& task, const toml::table& table, const Defaults& defaults) {
  const toml::node* control = table.get("control");
  if (control == nullptr)
    return error_at(table, fmt::format("switch task {} has no control", task.name));
  TWIN_ASSIGN_OR_RETURN(task.control,
                        parse_task(task.name + "[control]", *control, defaults, TaskKind::kCmd));
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
          if (!text) return error_at(value, "case values must be scalars");
          option.cases.push_back(*text);
        }
      } else if (auto text = scalar_text(*cases)) {
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
                                           defaults, /*switch_branch=*/true));
    option.task = std::move(branch_task);
    task.switch_cases.push_back(std::move(option));
  }
  if (const toml::node* fallback = table.get("default")) {
    TWIN_ASSIGN_OR_RETURN(auto value, string_of(*fallback, "default"));
    if (value != "pass" && value != "fail")
      return error_at(*fallback, "default must be \"pass\" or \"fail\"");
    task.switch_default_fail = value == "fail";
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
    TWIN_ASSIGN_OR_RETURN(task.ignore_fail, parse_ignore_fail(value));
  } else if (key == "sources") {
    TWIN_ASSIGN_OR_RETURN(task.sources, strings_of(value, "sources", true));
  } else if (key == "generates") {
    TWIN_ASSIGN_OR_RETURN(task.generates, strings_of(value, "generates", true));
  } else if (key == "interpreter") {
    TWIN_ASSIGN_OR_RETURN(task.interpreter, strings_of(value, "interpreter", true));
  } else if (key == "imports") {
    TWIN_ASSIGN_OR_RETURN(task.imports, strings_of(value, "imports", false));
  } else if (key == "assert") {
    TWIN_ASSIGN_OR_RETURN(task.assert_result, bool_of(value, "assert"));
  } else if (key == "print_result") {
    TWIN_ASSIGN_OR_RETURN(task.print_result, bool_of(value, "print_result"));
  } else if (key == "executor") {
    TWIN_ASSIGN_OR_RETURN(task.executor, parse_executor(value));
  } else if (key == "empty_glob") {
    TWIN_ASSIGN_OR_RETURN(task.empty_glob, string_of(value, "empty_glob"));
    if (task.empty_glob != "pass" && task.empty_glob != "null" && task.empty_glob != "fail") {
      return error_at(value, "empty_glob must be \"pass\", \"null\" or \"fail\"");
    }
  }  // kind keys, default_item_type, control, switch and default are read by the caller
  return Status::ok();
}

Result<TaskKind> kind_of_name(const toml::node& node) {
  TWIN_ASSIGN_OR_RETURN(auto name, string_of(node, "task type"));
  for (auto key : kKindKeys) {
    if (key == name) return kind_from_key(key);
  }
  return fail(error_at(node, fmt::format("unknown task type '{}'", name)));
}

Result<std::shared_ptr<TaskSpec>> parse_task_table(const std::string& name,
                                                   const toml::table& table,
                                                   const Defaults& defaults, bool switch_branch) {
  auto task = std::make_shared<TaskSpec>();
  task->name = name;
  task->origin = defaults.origin;
  task->location = toml_location(table);
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
  task->kind = kind_from_key(*kind_key);
  const toml::node& body = *table.get(*kind_key);
  for (const auto& [key, value] : table) {
    const std::string_view k = key.str();
    if (switch_branch && k == "case") continue;
    if (!common_options().contains(k) && !kind_options(task->kind).contains(k)) {
      return fail(error_at(value, fmt::format("task {}: unknown option '{}' for a {} task", name, k,
                                              to_string(task->kind))));
    }
    TWIN_RETURN_IF_ERROR(parse_option(*task, k, value));
  }
  switch (task->kind) {
    case TaskKind::kSequence:
    case TaskKind::kParallel: {
      TaskKind item_kind = defaults.array_item_kind;
      if (const toml::node* item_type = table.get("default_item_type")) {
        TWIN_ASSIGN_OR_RETURN(item_kind, kind_of_name(*item_type));
      }
      TWIN_ASSIGN_OR_RETURN(task->subtasks, parse_subtasks(name, body, defaults, item_kind));
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
  return task;
}

Result<std::shared_ptr<TaskSpec>> parse_task(const std::string& name, const toml::node& node,
                                             const Defaults& defaults, TaskKind string_kind) {
  if (const auto* text = node.as_string()) {
    auto task = std::make_shared<TaskSpec>();
    task->name = name;
    task->origin = defaults.origin;
    task->kind = string_kind;
    task->content = text->get();
    task->location = toml_location(node);
    return task;
  }
  if (node.is_array()) {
    auto task = std::make_shared<TaskSpec>();
    task->name = name;
    task->origin = defaults.origin;
    task->kind = TaskKind::kSequence;
    task->location = toml_location(node);
    TWIN_ASSIGN_OR_RETURN(task->subtasks,
                          parse_subtasks(name, node, defaults, defaults.array_item_kind));
    return task;
  }
  if (const auto* table = node.as_table()) return parse_task_table(name, *table, defaults, false);
  return fail(error_at(node, fmt::format("task {} must be a string, a list or a table", name)));
}

}  // namespace

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

namespace {

// JSON values as TOML nodes, so included .json files go through the same parser. JSON has no
// positions, so errors in such a file name no line; null has no TOML spelling and is left out.
toml::table json_table(const nlohmann::json& json);
toml::array json_array(const nlohmann::json& json);

template <typename Add>
void add_json(const nlohmann::json& value, Add add) {
  if (value.is_object()) {
    add(json_table(value));
  } else if (value.is_array()) {
    add(json_array(value));
  } else if (value.is_string()) {
    add(value.get<std::string>());
  } else if (value.is_boolean()) {
    add(value.get<bool>());
  } else if (value.is_number_integer()) {
    add(value.get<int64_t>());
  } else if (value.is_number_float()) {
    add(value.get<double>());
  }
}

toml::table json_table(const nlohmann::json& json) {
  toml::table table;
  for (const auto& [key, item] : json.items()) {
    add_json(item, [&](auto node) { table.insert(key, std::move(node)); });
  }
  return table;
}

toml::array json_array(const nlohmann::json& json) {
  toml::array array;
  for (const auto& item : json)
    add_json(item, [&](auto node) { array.push_back(std::move(node)); });
  return array;
}

Result<toml::table> read_included_file(const std::filesystem::path& path) {
  if (path.extension() == ".json") {
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    TWIN_ASSIGN_OR_RETURN(auto json, parse_json(text, path.string()));
    if (!json.is_object()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: not a JSON object of task settings", path.string())));
    }
    return json_table(json);
  }
  return read_toml_file(path);
}

struct IncludeRef {
  std::string path;
  std::string cwd;
};

Result<std::vector<IncludeRef>> parse_include(const toml::node& node) {
  std::vector<IncludeRef> refs;
  auto add = [&refs](const toml::node& item) -> Status {
    if (const auto* table = item.as_table()) {
      IncludeRef ref;
      for (const auto& [key, value] : *table) {
        if (key.str() == "path") {
          TWIN_ASSIGN_OR_RETURN(ref.path, string_of(value, "include.path"));
        } else if (key.str() == "cwd") {
          TWIN_ASSIGN_OR_RETURN(ref.cwd, string_of(value, "include.cwd"));
        } else {
          return error_at(
              value, fmt::format("include: unknown key '{}' (expected path or cwd)", key.str()));
        }
      }
      if (ref.path.empty()) return error_at(item, "include: a table needs a path");
      refs.push_back(std::move(ref));
      return Status::ok();
    }
    TWIN_ASSIGN_OR_RETURN(auto path, string_of(item, "include"));
    refs.push_back({std::move(path), ""});
    return Status::ok();
  };
  if (const auto* list = node.as_array()) {
    for (const auto& item : *list) TWIN_RETURN_IF_ERROR(add(item));
  } else {
    TWIN_RETURN_IF_ERROR(add(node));
  }
  return refs;
}

// Reads the file-level settings and the tasks of one configuration table into `file`.
Status parse_tasks_into(TaskFile& file, const toml::table& config, Defaults defaults,
                        TaskOrigin origin) {
  if (const toml::node* kind = config.get("default_task_type")) {
    TWIN_ASSIGN_OR_RETURN(defaults.string_kind, kind_of_name(*kind));
  }
  if (const toml::node* kind = config.get("default_array_item_task_type")) {
    TWIN_ASSIGN_OR_RETURN(defaults.array_item_kind, kind_of_name(*kind));
  }
  if (const toml::node* env = config.get("env")) {
    TWIN_ASSIGN_OR_RETURN(origin.env, parse_env(*env));
  }
  if (const toml::node* envfile = config.get("envfile")) {
    TWIN_ASSIGN_OR_RETURN(origin.envfiles, parse_envfile(*envfile));
  }
  if (const toml::node* executor = config.get("executor")) {
    TWIN_ASSIGN_OR_RETURN(origin.executor, parse_executor(*executor));
  }
  if (!origin.included) {
    file.env = origin.env;
    file.envfiles = origin.envfiles;
    file.executor = origin.executor;
    if (const toml::node* shell = config.get("shell_interpreter")) {
      TWIN_ASSIGN_OR_RETURN(file.shell_interpreter, strings_of(*shell, "shell_interpreter", true));
    }
  }
  defaults.origin = std::make_shared<const TaskOrigin>(std::move(origin));
  const toml::node* tasks = config.get("tasks");
  if (tasks == nullptr) return Status::ok();
  const auto* table = tasks->as_table();
  if (table == nullptr) return error_at(*tasks, "tasks must be a table");
  std::vector<std::shared_ptr<const TaskSpec>> parsed;
  for (const auto& [key, node] : *table) {
    const std::string name(key.str());
    if (file.find(name) != nullptr) continue;  // an included task never replaces one
    TWIN_ASSIGN_OR_RETURN(auto task, parse_task(name, node, defaults, defaults.string_kind));
    parsed.push_back(std::move(task));
  }
  // TOML tables are ordered by key; list tasks in the order the file defines them, as Poe does.
  std::ranges::stable_sort(parsed, [table](const auto& a, const auto& b) {
    const auto& pa = table->get(a->name)->source().begin;
    const auto& pb = table->get(b->name)->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  file.tasks.insert(file.tasks.end(), parsed.begin(), parsed.end());
  return Status::ok();
}

}  // namespace

Result<TaskFile> parse_task_file(const toml::table& config, const std::filesystem::path& path,
                                 const std::filesystem::path& root) {
  TaskFile file;
  file.path = path;
  TaskOrigin own;
  own.file = path;
  TWIN_RETURN_IF_ERROR(parse_tasks_into(file, config, Defaults{}, std::move(own)));
  const toml::node* include = config.get("include");
  if (include == nullptr) return file;
  TWIN_ASSIGN_OR_RETURN(auto refs, parse_include(*include));
  const Environment roots = {{"TWIN_ROOT", root.string()}, {"POE_ROOT", root.string()}};
  for (const auto& ref : refs) {
    const std::filesystem::path included = root / expand_template(ref.path, roots);
    std::error_code ec;
    if (!std::filesystem::exists(included, ec)) continue;  // Poe skips missing includes
    TWIN_ASSIGN_OR_RETURN(auto document, read_included_file(included));
    const toml::node* poe = document.at_path("tool.poe").node();
    const toml::table& config_of_include =
        poe != nullptr && poe->is_table() ? *poe->as_table() : document;
    TaskOrigin origin;
    origin.file = included;
    origin.included = true;
    origin.cwd = ref.cwd;
    TWIN_RETURN_IF_ERROR(parse_tasks_into(file, config_of_include, Defaults{}, std::move(origin)));
  }
  return file;
}

Result<TaskFile> load_task_file(const std::filesystem::path& root,
                                const std::optional<std::filesystem::path>& explicit_file) {
  const auto from_pyproject = [&root](const toml::table& document,
                                      const std::filesystem::path& path) -> Result<TaskFile> {
    const toml::node* poe = document.at_path("tool.poe").node();
    if (poe == nullptr || !poe->is_table()) {
      return fail(Status::not_found(fmt::format("{}: no [tool.poe] tasks", path.string())));
    }
    return parse_task_file(*poe->as_table(), path, root);
  };
  if (explicit_file) {
    TWIN_ASSIGN_OR_RETURN(auto document, read_toml_file(*explicit_file));
    if (explicit_file->filename() == "pyproject.toml")
      return from_pyproject(document, *explicit_file);
    return parse_task_file(document, *explicit_file, root);
  }
  const std::filesystem::path twin_toml = root / "twin.toml";
  std::error_code ec;
  if (std::filesystem::exists(twin_toml, ec)) {
    TWIN_ASSIGN_OR_RETURN(auto document, read_toml_file(twin_toml));
    if (document.contains("tasks")) return parse_task_file(document, twin_toml, root);
  }
  const std::filesystem::path pyproject = root / "pyproject.toml";
  if (std::filesystem::exists(pyproject, ec)) {
    TWIN_ASSIGN_OR_RETURN(auto document, read_toml_file(pyproject));
    if (document.at_path("tool.poe").is_table()) return from_pyproject(document, pyproject);
  }
  return fail(Status::not_found(
      fmt::format("no tasks in {}: add a [tasks] table to twin.toml (see 'twin init') or "
                  "[tool.poe.tasks] to pyproject.toml",
                  root.string())));
}

}  // namespace twin::tasks
