// A whole task file: project-level settings, groups, tasks, and the files it includes
// (followed depth first, as Poe the Poet 0.47.1 does).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "task_parse.h"
#include "twin/core/json.h"
#include "twin/tasks/command_line.h"
#include "twin/tasks/poe_schema.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks {
namespace {

using detail::Defaults;
using detail::error_at;
using detail::string_of;

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

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
  bool recursive = true;
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
        } else if (key.str() == "recursive") {
          TWIN_ASSIGN_OR_RETURN(ref.recursive, detail::bool_of(value, "include.recursive"));
        } else {
          return error_at(value, fmt::format("include: unknown key '{}' (expected {})", key.str(),
                                             fmt::join(poe::include_options(), ", ")));
        }
      }
      if (ref.path.empty()) return error_at(item, "include: a table needs a path");
      refs.push_back(std::move(ref));
      return Status::ok();
    }
    TWIN_ASSIGN_OR_RETURN(auto path, string_of(item, "include"));
    refs.push_back({std::move(path), "", true});
    return Status::ok();
  };
  if (const auto* list = node.as_array()) {
    for (const auto& item : *list) TWIN_RETURN_IF_ERROR(add(item));
  } else {
    TWIN_RETURN_IF_ERROR(add(node));
  }
  return refs;
}

// Tasks of one `tasks` table, in the order the file defines them (TOML tables are ordered by
// key), skipping names an earlier file already defines.
Status parse_task_table_into(TaskFile& file, const toml::node& tasks, const Defaults& defaults) {
  const auto* table = tasks.as_table();
  if (table == nullptr) return error_at(tasks, "tasks must be a table");
  std::vector<std::shared_ptr<const TaskSpec>> parsed;
  for (const auto& [key, node] : *table) {
    const std::string name(key.str());
    if (file.find(name) != nullptr) continue;  // an included task never replaces one
    TWIN_ASSIGN_OR_RETURN(auto task, detail::parse_named_task(name, node, defaults));
    parsed.push_back(std::move(task));
  }
  std::ranges::stable_sort(parsed, [table](const auto& a, const auto& b) {
    const auto& pa = table->get(a->name)->source().begin;
    const auto& pb = table->get(b->name)->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  file.tasks.insert(file.tasks.end(), parsed.begin(), parsed.end());
  return Status::ok();
}

// [tool.poe.groups.NAME]: a group already known (from a file of higher precedence) keeps its
// heading and executor; the tasks of both join it.
Status parse_groups_into(TaskFile& file, const toml::node& node, Defaults defaults) {
  const auto* groups = node.as_table();
  if (groups == nullptr) return error_at(node, "groups must be a table of groups");
  for (const auto& [key, value] : *groups) {
    const std::string name(key.str());
    if (!poe::valid_group_name(name)) {
      return error_at(value, fmt::format("'{}' is not a valid group name (letters, digits, - "
                                         "and _)",
                                         name));
    }
    const auto* table = value.as_table();
    if (table == nullptr) return error_at(value, fmt::format("group {} must be a table", name));
    auto group = std::make_shared<TaskGroup>();
    group->name = name;
    for (const auto& [option, option_value] : *table) {
      if (!contains(poe::group_options(), option.str())) {
        return error_at(option_value,
                        fmt::format("group {}: unknown option '{}' (expected {})", name,
                                    option.str(), fmt::join(poe::group_options(), ", ")));
      }
      if (option.str() == "heading") {
        TWIN_ASSIGN_OR_RETURN(group->heading, string_of(option_value, "heading"));
      } else if (option.str() == "executor") {
        TWIN_ASSIGN_OR_RETURN(group->executor, detail::parse_executor(option_value));
      }
    }
    auto known = std::ranges::find_if(file.groups, [&](const auto& g) { return g->name == name; });
    if (known == file.groups.end()) {
      file.groups.push_back(group);
      defaults.group = group;
    } else {
      defaults.group = *known;
    }
    if (const toml::node* tasks = table->get("tasks"))
      TWIN_RETURN_IF_ERROR(parse_task_table_into(file, *tasks, defaults));
  }
  std::ranges::stable_sort(file.groups, {}, &TaskGroup::name);
  return Status::ok();
}

// Reads the settings and tasks of one configuration table into `file`. `strict`: the table is
// [tool.poe] (or an included file), so keys the schema does not know are errors; twin.toml's
// top level holds twin's own sections beside the task settings.
Status parse_tasks_into(TaskFile& file, const toml::table& config, TaskOrigin origin, bool strict) {
  if (strict) {
    for (const auto& [key, value] : config) {
      if (!contains(poe::global_options(), key.str())) {
        return error_at(value, fmt::format("unknown option '{}' in {} (Poe {} knows {})", key.str(),
                                           origin.file.filename().string(), poe::kSchemaVersion,
                                           fmt::join(poe::global_options(), ", ")));
      }
    }
  }
  Defaults defaults;
  if (const toml::node* kind = config.get("default_task_type")) {
    TWIN_ASSIGN_OR_RETURN(defaults.string_kind,
                          detail::kind_of_name(*kind, poe::string_task_types()));
  }
  if (const toml::node* kind = config.get("default_array_task_type")) {
    TWIN_ASSIGN_OR_RETURN(defaults.array_kind,
                          detail::kind_of_name(*kind, poe::array_task_types()));
  }
  if (const toml::node* kind = config.get("default_array_item_task_type")) {
    TWIN_ASSIGN_OR_RETURN(defaults.array_item_kind,
                          detail::kind_of_name(*kind, poe::string_task_types()));
  }
  if (const toml::node* env = config.get("env")) {
    TWIN_ASSIGN_OR_RETURN(origin.env, detail::parse_env(*env));
  }
  if (const toml::node* envfile = config.get("envfile")) {
    TWIN_ASSIGN_OR_RETURN(origin.envfiles, detail::parse_envfile(*envfile));
  }
  if (const toml::node* executor = config.get("executor")) {
    TWIN_ASSIGN_OR_RETURN(origin.executor, detail::parse_executor(*executor));
  }
  if (config.contains("include_script")) {
    file.warnings.push_back(fmt::format(
        "{}: include_script is not supported by twin (tasks from Python packages); ignored",
        toml_location(*config.get("include_script"))));
  }
  if (!origin.included) {
    file.env = origin.env;
    file.envfiles = origin.envfiles;
    file.executor = origin.executor;
    if (const toml::node* shell = config.get("shell_interpreter")) {
      TWIN_ASSIGN_OR_RETURN(file.shell_interpreter,
                            detail::strings_of(*shell, "shell_interpreter", true));
      for (const auto& name : file.shell_interpreter) {
        if (!contains(poe::shell_interpreters(), name)) {
          return error_at(*shell, fmt::format("shell_interpreter: unknown shell '{}' (expected "
                                              "one of {})",
                                              name, fmt::join(poe::shell_interpreters(), ", ")));
        }
      }
    }
    if (const toml::node* verbosity = config.get("verbosity")) {
      TWIN_ASSIGN_OR_RETURN(file.verbosity, detail::verbosity_of(*verbosity));
    }
  }
  defaults.origin = std::make_shared<const TaskOrigin>(std::move(origin));
  if (const toml::node* tasks = config.get("tasks"))
    TWIN_RETURN_IF_ERROR(parse_task_table_into(file, *tasks, defaults));
  if (const toml::node* groups = config.get("groups"))
    TWIN_RETURN_IF_ERROR(parse_groups_into(file, *groups, defaults));
  return Status::ok();
}

const toml::table& poe_section(const toml::table& document) {
  const toml::node* poe = document.at_path("tool.poe").node();
  return poe != nullptr && poe->is_table() ? *poe->as_table() : document;
}

// Loads the includes of `config` (declared in a file in `config_dir`) depth first: each
// included file, then the files it includes (unless `recursive = false`). `ancestors` stops
// include cycles.
Status load_includes(TaskFile& file, const toml::table& config,
                     const std::filesystem::path& config_dir, const std::filesystem::path& root,
                     std::vector<std::filesystem::path>& ancestors) {
  const toml::node* include = config.get("include");
  if (include == nullptr) return Status::ok();
  TWIN_ASSIGN_OR_RETURN(auto refs, parse_include(*include));
  Environment roots = {{"TWIN_ROOT", root.string()},
                       {"POE_ROOT", root.string()},
                       {"TWIN_CONF_DIR", config_dir.string()},
                       {"POE_CONF_DIR", config_dir.string()}};
  roots.merge(git_variables(root));
  for (const auto& ref : refs) {
    std::error_code ec;
    const std::filesystem::path included =
        std::filesystem::weakly_canonical(config_dir / expand_template(ref.path, roots), ec);
    if (std::ranges::find(ancestors, included) != ancestors.end()) continue;  // a cycle
    if (!std::filesystem::exists(included, ec)) {
      file.warnings.push_back(
          fmt::format("could not include file from invalid path {}", included.string()));
      continue;  // Poe skips missing includes
    }
    TWIN_ASSIGN_OR_RETURN(auto document, read_included_file(included));
    const toml::table& included_config = poe_section(document);
    TaskOrigin origin;
    origin.file = included;
    origin.included = true;
    if (!ref.cwd.empty()) {
      // Relative to the including file's folder; kept relative to the root when inside it.
      const auto absolute =
          std::filesystem::weakly_canonical(config_dir / expand_template(ref.cwd, roots), ec);
      const auto relative = absolute.lexically_relative(std::filesystem::weakly_canonical(root));
      origin.cwd = !relative.empty() && !relative.string().starts_with("..") ? relative.string()
                                                                             : absolute.string();
    }
    TWIN_RETURN_IF_ERROR(parse_tasks_into(file, included_config, std::move(origin), true));
    if (ref.recursive) {
      ancestors.push_back(included);
      TWIN_RETURN_IF_ERROR(
          load_includes(file, included_config, included.parent_path(), root, ancestors));
      ancestors.pop_back();
    }
  }
  return Status::ok();
}

Result<TaskFile> parse_config(const toml::table& config, const std::filesystem::path& path,
                              const std::filesystem::path& root, bool strict) {
  TaskFile file;
  file.path = path;
  TaskOrigin own;
  own.file = path;
  TWIN_RETURN_IF_ERROR(parse_tasks_into(file, config, std::move(own), strict));
  std::error_code ec;
  std::vector<std::filesystem::path> ancestors{std::filesystem::weakly_canonical(path, ec)};
  TWIN_RETURN_IF_ERROR(load_includes(file, config, root, root, ancestors));
  return file;
}

}  // namespace

std::map<std::string, std::string> git_variables(const std::filesystem::path& root) {
  std::string git_dir;
  std::string git_root;
  std::error_code ec;
  for (auto dir = std::filesystem::weakly_canonical(root, ec); !dir.empty();
       dir = dir.parent_path()) {
    const auto entry = std::filesystem::symlink_status(dir / ".git", ec);
    if (std::filesystem::exists(entry)) {
      if (git_dir.empty()) git_dir = dir.string();
      git_root = dir.string();
      // A .git directory is a main work tree; a .git file a submodule (or linked worktree).
      if (std::filesystem::is_directory(entry)) break;
    }
    if (dir == dir.parent_path()) break;
  }
  return {{"POE_GIT_DIR", git_dir}, {"POE_GIT_ROOT", git_root}};
}

Result<TaskFile> parse_task_file(const toml::table& config, const std::filesystem::path& path,
                                 const std::filesystem::path& root) {
  return parse_config(config, path, root, /*strict=*/false);
}

Result<TaskFile> load_task_file(const std::filesystem::path& root,
                                const std::optional<std::filesystem::path>& explicit_file) {
  const auto from_pyproject = [&root](const toml::table& document,
                                      const std::filesystem::path& path) -> Result<TaskFile> {
    const toml::node* poe = document.at_path("tool.poe").node();
    if (poe == nullptr || !poe->is_table()) {
      return fail(Status::not_found(fmt::format("{}: no [tool.poe] tasks", path.string())));
    }
    return parse_config(*poe->as_table(), path, root, /*strict=*/true);
  };
  if (explicit_file) {
    TWIN_ASSIGN_OR_RETURN(auto document, read_toml_file(*explicit_file));
    if (explicit_file->filename() == "pyproject.toml" || document.at_path("tool.poe").is_table())
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
