#include "executor.h"

#include <algorithm>

#include "twin/tasks/poe_schema.h"

namespace twin::tasks {

Executor resolve_executor(const TaskFile& file, const TaskSpec& task) {
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
  return resolved;
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
