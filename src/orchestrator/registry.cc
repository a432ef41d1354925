#include "twin/orchestrator/registry.h"

#include <spdlog/spdlog.h>

#include <mutex>

namespace twin::orchestrator {

namespace {
std::vector<PipelineSetup>& pending_setups() {
  static std::vector<PipelineSetup> setups;
  return setups;
}
}  // namespace

PipelineRegistration::PipelineRegistration(PipelineSetup setup) {
  pending_setups().push_back(setup);
}

PipelineRegistry& PipelineRegistry::global() {
  static PipelineRegistry registry;
  static std::once_flag applied;
  std::call_once(applied, [] {
    for (PipelineSetup setup : pending_setups()) {
      if (Status status = setup(registry); !status.is_ok()) {
        spdlog::error("registering pipelines: {}", status.to_string());
      }
    }
  });
  return registry;
}

Status PipelineRegistry::add_step(StepDefinition step) {
  if (step.name.empty()) return Status::invalid_argument("a step needs a name");
  if (!step.run)
    return Status::invalid_argument(fmt::format("step {} has no run function", step.name));
  if (steps_.contains(step.name)) {
    return Status::already_exists(
        fmt::format("a step named '{}' is registered already", step.name));
  }
  const std::string name = step.name;
  steps_.emplace(name, std::move(step));
  return Status::ok();
}

Status PipelineRegistry::add_pipeline(PipelineDefinition pipeline) {
  if (pipelines_.contains(pipeline.name)) {
    return Status::already_exists(
        fmt::format("a pipeline named '{}' is registered already", pipeline.name));
  }
  if (pipeline.source.empty()) pipeline.source = "built-in";
  TWIN_RETURN_IF_ERROR(validate_pipeline(pipeline, *this));
  const std::string name = pipeline.name;
  pipelines_.emplace(name, std::move(pipeline));
  return Status::ok();
}

const StepDefinition* PipelineRegistry::find_step(std::string_view name) const {
  const auto it = steps_.find(name);
  return it == steps_.end() ? nullptr : &it->second;
}

const PipelineDefinition* PipelineRegistry::find_pipeline(std::string_view name) const {
  const auto it = pipelines_.find(name);
  return it == pipelines_.end() ? nullptr : &it->second;
}

std::vector<std::string> PipelineRegistry::step_names() const {
  std::vector<std::string> names;
  names.reserve(steps_.size());
  for (const auto& [name, step] : steps_) names.push_back(name);
  return names;
}

std::vector<std::string> PipelineRegistry::pipeline_names() const {
  std::vector<std::string> names;
  names.reserve(pipelines_.size());
  for (const auto& [name, pipeline] : pipelines_) names.push_back(name);
  return names;
}

}  // namespace twin::orchestrator
