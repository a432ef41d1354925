// Values shared by the task-file parser: scalars, strings, enums, env, envfile, executor.
#include <fmt/format.h>

#include <algorithm>

#include "task_parse.h"
#include "twin/tasks/poe_schema.h"

namespace twin::tasks::detail {
namespace {

bool contains(std::span<const std::string_view> list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

}  // namespace

// A scalar's text: strings as they are, numbers and booleans as TOML spells them.
std::optional<std::string> scalar_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return std::nullopt;
}

Status error_at(const toml::node& node, std::string_view what) {
  return Status::invalid_argument(fmt::format("{}: {}", toml_location(node), what));
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

Result<std::string> enum_of(const toml::node& node, std::string_view what,
                            std::span<const std::string_view> allowed) {
  TWIN_ASSIGN_OR_RETURN(auto value, string_of(node, what));
  if (contains(allowed, value)) return value;
  return fail(error_at(
      node, fmt::format("{} must be one of {} (got '{}')", what, fmt::join(allowed, ", "), value)));
}

Result<int> verbosity_of(const toml::node& node) {
  const auto* level = node.as_integer();
  if (level == nullptr || level->get() < poe::kMinVerbosity || level->get() > poe::kMaxVerbosity) {
    return fail(error_at(node, fmt::format("verbosity must be an integer from {} to {}",
                                           poe::kMinVerbosity, poe::kMaxVerbosity)));
  }
  return static_cast<int>(level->get());
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
  std::vector<EnvFileRef> expected;
  std::vector<EnvFileRef> optional;
  const auto add_table = [&](const toml::table& table) -> Status {
    for (const auto& [key, value] : table) {
      if (key.str() != "expected" && key.str() != "optional") {
        return error_at(value,
                        fmt::format("envfile: unknown key '{}' (expected or optional)", key.str()));
      }
      TWIN_ASSIGN_OR_RETURN(auto paths, strings_of(value, "envfile", true));
      auto& into = key.str() == "optional" ? optional : expected;
      for (auto& path : paths) into.push_back({std::move(path), key.str() == "optional"});
    }
    return Status::ok();
  };
  if (const auto* table = node.as_table()) {
    TWIN_RETURN_IF_ERROR(add_table(*table));
  } else if (const auto* path = node.as_string()) {
    expected.push_back({path->get(), false});
  } else if (const auto* list = node.as_array()) {
    for (const auto& item : *list) {
      if (const auto* item_table = item.as_table()) {
        TWIN_RETURN_IF_ERROR(add_table(*item_table));
      } else {
        TWIN_ASSIGN_OR_RETURN(auto item_path, string_of(item, "envfile"));
        expected.push_back({std::move(item_path), false});
      }
    }
  } else {
    return fail(error_at(node, "envfile must be a path, a list or { expected, optional }"));
  }
  // Optional files load after expected ones, so they can override them (Poe's order).
  expected.insert(expected.end(), optional.begin(), optional.end());
  return expected;
}

Result<Executor> parse_executor(const toml::node& node) {
  Executor executor;
  if (node.is_string()) {
    TWIN_ASSIGN_OR_RETURN(executor.type, enum_of(node, "executor", poe::executor_types()));
    executor.type_given = true;
    return executor;
  }
  const auto* table = node.as_table();
  if (table == nullptr) return fail(error_at(node, "executor must be a type or a table"));
  if (const toml::node* type = table->get("type")) {
    TWIN_ASSIGN_OR_RETURN(executor.type, enum_of(*type, "executor.type", poe::executor_types()));
    executor.type_given = true;
  }
  for (const auto& [key, value] : *table) {
    const std::string_view k = key.str();
    if (k == "type") continue;
    // Without `type`, the keys say which executor the table extends.
    const std::string_view type = executor.type_given ? std::string_view(executor.type)
                                  : k == "location"   ? std::string_view("virtualenv")
                                                      : std::string_view("uv");
    if (!contains(poe::executor_options(type), k)) {
      return fail(error_at(
          value, fmt::format("executor: unknown option '{}' for the {} executor", k, type)));
    }
    if (!executor.type_given) executor.type = std::string(type);
    if (k == "location") {
      TWIN_ASSIGN_OR_RETURN(executor.location, string_of(value, "executor.location"));
    } else if (contains(poe::uv_flag_options(), k)) {
      TWIN_ASSIGN_OR_RETURN(bool flag, bool_of(value, fmt::format("executor.{}", k)));
      executor.uv_options[std::string(k)] = {flag ? "true" : "false"};
    } else if (k == "python") {
      TWIN_ASSIGN_OR_RETURN(auto python, string_of(value, "executor.python"));
      executor.uv_options["python"] = {std::move(python)};
    } else {
      TWIN_ASSIGN_OR_RETURN(executor.uv_options[std::string(k)],
                            strings_of(value, fmt::format("executor.{}", k), true));
    }
  }
  return executor;
}

}  // namespace twin::tasks::detail
