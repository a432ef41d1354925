#include "twin/orchestrator/pipeline.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <set>

#include "twin/core/text.h"
#include "twin/orchestrator/registry.h"

namespace twin::orchestrator {

namespace {

std::string where(const StepNode& step) {
  return step.location.empty() ? fmt::format("step {}", step.name)
                               : fmt::format("{}: step {}", step.location, step.name);
}

// "step.output" -> {step, output}; nullopt when malformed.
std::optional<std::pair<std::string, std::string>> split_reference(const std::string& ref) {
  const auto dot = ref.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == ref.size()) return std::nullopt;
  return std::make_pair(ref.substr(0, dot), ref.substr(dot + 1));
}

Status fill_from_registry(StepNode& step, const PipelineRegistry& registry) {
  if (!step.uses) {
    if (step.command.empty())
      return Status::invalid_argument(where(step) + ": has neither run: nor uses:");
    return Status::ok();
  }
  const StepDefinition* definition = registry.find_step(*step.uses);
  if (definition == nullptr) {
    std::string message = fmt::format("{}: no registered step named '{}'", where(step), *step.uses);
    const auto suggestions = closest_matches(*step.uses, registry.step_names());
    if (!suggestions.empty()) message += "; did you mean " + quoted_alternatives(suggestions) + "?";
    return Status::invalid_argument(message);
  }
  if (!step.outputs.empty() && step.outputs != definition->outputs) {
    return Status::invalid_argument(
        fmt::format("{}: outputs of a uses: step come from the step '{}' and cannot be redeclared",
                    where(step), *step.uses));
  }
  step.outputs = definition->outputs;
  for (const auto& [input, ref] : step.inputs) {
    if (std::find(definition->inputs.begin(), definition->inputs.end(), input) ==
        definition->inputs.end()) {
      return Status::invalid_argument(
          fmt::format("{}: step '{}' has no input named '{}'", where(step), *step.uses, input));
    }
  }
  for (const auto& input : definition->inputs) {
    if (!step.inputs.contains(input)) {
      return Status::invalid_argument(fmt::format("{}: input '{}' of step '{}' is not connected",
                                                  where(step), input, *step.uses));
    }
  }
  return Status::ok();
}

Status check_cycles(const PipelineDefinition& pipeline) {
  std::map<std::string, const StepNode*> by_name;
  for (const auto& step : pipeline.steps) by_name[step.name] = &step;
  enum class Mark { kNone, kVisiting, kDone };
  std::map<std::string, Mark> marks;
  std::vector<std::string> path;
  std::function<Status(const StepNode&)> visit = [&](const StepNode& step) -> Status {
    Mark& mark = marks[step.name];
    if (mark == Mark::kDone) return Status::ok();
    if (mark == Mark::kVisiting) {
      path.push_back(step.name);
      std::string cycle;
      for (const auto& name : path) cycle += (cycle.empty() ? "" : " -> ") + name;
      return Status::invalid_argument(
          fmt::format("pipeline {}: steps form a cycle: {}", pipeline.name, cycle));
    }
    mark = Mark::kVisiting;
    path.push_back(step.name);
    for (const auto& upstream : upstream_steps(step))
      TWIN_RETURN_IF_ERROR(visit(*by_name.at(upstream)));
    path.pop_back();
    mark = Mark::kDone;
    return Status::ok();
  };
  for (const auto& step : pipeline.steps) TWIN_RETURN_IF_ERROR(visit(step));
  return Status::ok();
}

}  // namespace

std::vector<std::string> upstream_steps(const StepNode& step) {
  std::vector<std::string> upstream;
  auto add = [&upstream](const std::string& name) {
    if (std::find(upstream.begin(), upstream.end(), name) == upstream.end())
      upstream.push_back(name);
  };
  for (const auto& [input, ref] : step.inputs) {
    if (auto parts = split_reference(ref)) add(parts->first);
  }
  for (const auto& name : step.after) add(name);
  return upstream;
}

Status validate_pipeline(PipelineDefinition& pipeline, const PipelineRegistry& registry) {
  if (pipeline.name.empty()) return Status::invalid_argument("a pipeline needs a name");
  if (pipeline.steps.empty()) {
    return Status::invalid_argument(fmt::format("pipeline {} has no steps", pipeline.name));
  }
  std::map<std::string, StepNode*> by_name;
  for (auto& step : pipeline.steps) {
    if (step.name.empty() || step.name.find('.') != std::string::npos) {
      return Status::invalid_argument(
          fmt::format("{}: step names must be non-empty and contain no '.'", where(step)));
    }
    if (!by_name.emplace(step.name, &step).second) {
      return Status::invalid_argument(fmt::format("{}: duplicate step name", where(step)));
    }
    if (step.retries < 0) return Status::invalid_argument(where(step) + ": retries must be >= 0");
    TWIN_RETURN_IF_ERROR(fill_from_registry(step, registry));
    std::set<std::string> seen;
    for (const auto& output : step.outputs) {
      if (output.empty() || !seen.insert(output).second) {
        return Status::invalid_argument(fmt::format(
            "{}: output names must be unique and non-empty ('{}')", where(step), output));
      }
    }
  }
  for (const auto& step : pipeline.steps) {
    for (const auto& [input, ref] : step.inputs) {
      const auto parts = split_reference(ref);
      if (!parts) {
        return Status::invalid_argument(
            fmt::format("{}: input '{}' must name an upstream output as step.output, not '{}'",
                        where(step), input, ref));
      }
      const auto producer = by_name.find(parts->first);
      if (producer == by_name.end()) {
        return Status::invalid_argument(fmt::format("{}: input '{}' names unknown step '{}'",
                                                    where(step), input, parts->first));
      }
      const auto& outputs = producer->second->outputs;
      if (std::find(outputs.begin(), outputs.end(), parts->second) == outputs.end()) {
        return Status::invalid_argument(fmt::format("{}: input '{}': step '{}' has no output '{}'",
                                                    where(step), input, parts->first,
                                                    parts->second));
      }
    }
    for (const auto& name : step.after) {
      if (!by_name.contains(name)) {
        return Status::invalid_argument(
            fmt::format("{}: after: names unknown step '{}'", where(step), name));
      }
    }
  }
  return check_cycles(pipeline);
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::string original(text);
  if (text.empty()) return fail(Status::invalid_argument("empty duration"));
  double total_ms = 0;
  while (!text.empty()) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || !(number >= 0) || std::isinf(number)) {
      return fail(Status::invalid_argument(
          fmt::format("'{}' is not a duration (examples: 30s, 500ms, 5m, 1h, 1m30s)", original)));
    }
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    double unit = 1000;  // a bare number is seconds
    if (text.starts_with("ms")) {
      unit = 1;
      text.remove_prefix(2);
    } else if (text.starts_with("s")) {
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit = 60'000;
      text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      unit = 3'600'000;
      text.remove_prefix(1);
    } else if (!text.empty()) {
      return fail(Status::invalid_argument(
          fmt::format("'{}' is not a duration (examples: 30s, 500ms, 5m, 1h, 1m30s)", original)));
    }
    total_ms += number * unit;
  }
  // A bound keeps the conversion to milliseconds defined (3.9e76 was undefined behaviour: found
  // by fuzz/yaml_pipeline.cc); no step timeout or pause needs more than a year.
  constexpr double kYearMs = 365.0 * 24 * 3'600'000;
  if (total_ms > kYearMs) {
    return fail(Status::invalid_argument(
        fmt::format("'{}' is longer than a year, the longest duration twin takes", original)));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

}  // namespace twin::orchestrator
