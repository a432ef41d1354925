#include "executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <span>

#include "twin/tasks/poe_schema.h"
#include "twin/tasks/runner.h"

namespace twin::tasks {

Executor resolve_executor(const TaskFile& file, const TaskSpec& task,
                          const std::optional<Executor>& override) {
  Executor resolved = file.executor.value_or(Executor{});
  const auto layer = [&resolved](const std::optional<Executor>& next) {
    if (!next) return;
    if (next->type_given && next->type != resolved.type) {
      resolved = *next;
      return;
    }
    if (!next->location.empty()) resolved.location = next->location;
    for (const auto& [key, values] : next->uv_options) resolved.uv_options[key] = values;
  };
  if (task.origin->included) layer(task.origin->executor);
  if (task.group) layer(task.group->executor);
  layer(task.executor);
  layer(override);
  return resolved;
}

Result<Executor> executor_from_cli(const std::string& type, const std::vector<std::string>& opts) {
  Executor executor;
  const auto known = [](std::span<const std::string_view> list, std::string_view value) {
    return std::ranges::find(list, value) != list.end();
  };
  if (!type.empty()) {
    if (!known(poe::executor_types(), type)) {
      return fail(
          Status::invalid_argument(fmt::format("--executor: unknown executor '{}' (expected {})",
                                               type, fmt::join(poe::executor_types(), ", "))));
    }
    executor.type = type;
    executor.type_given = true;
  }
  for (const auto& opt : opts) {
    const size_t eq = opt.find('=');
    const std::string key = opt.substr(0, eq);
    const std::optional<std::string> value =
        eq == std::string::npos ? std::nullopt : std::optional(opt.substr(eq + 1));
    const std::string_view for_type = executor.type_given ? std::string_view(executor.type)
                                      : key == "location" ? std::string_view("virtualenv")
                                                          : std::string_view("uv");
    if (key == "type" || !known(poe::executor_options(for_type), key)) {
      return fail(Status::invalid_argument(
          fmt::format("--executor-opt: unknown option '{}' for the {} executor", key, for_type)));
    }
    if (!executor.type_given) executor.type = std::string(for_type);
    if (key == "location") {
      executor.location = value.value_or("");
    } else if (known(poe::uv_flag_options(), key)) {
      const std::string flag = value.value_or("true");
      executor.uv_options[key] = {flag == "false" || flag == "0" ? "false" : "true"};
    } else if (!value) {
      return fail(Status::invalid_argument(
          fmt::format("--executor-opt: {} needs a value ({}=VALUE)", key, key)));
    } else if (key == "python") {
      executor.uv_options[key] = {*value};
    } else {
      executor.uv_options[key].push_back(*value);
    }
  }
  return executor;
}

std::vector<std::string> uv_launcher(const Executor& executor) {
  std::vector<std::string> argv{"uv", "run"};
  for (const auto& [key, values] : executor.uv_options) {
    const bool flag =
        std::ranges::find(poe::uv_flag_options(), key) != poe::uv_flag_options().end();
    if (flag) {
      if (!values.empty() && values.front() == "true") argv.push_back("--" + key);
      continue;
    }
    for (const auto& value : values) {
      argv.push_back("--" + key);
      argv.push_back(value);
    }
  }
  return argv;
}

}  // namespace twin::tasks
