#include <algorithm>

#include "twin/orchestrator/step.h"

namespace twin::orchestrator {

namespace {
void merge_into(nlohmann::json& target, const nlohmann::json& source) {
  if (!source.is_object()) return;
  if (!target.is_object()) target = nlohmann::json::object();
  target.update(source, /*merge_objects=*/true);
}
}  // namespace

StepContext::StepContext(std::string run_id, std::string step_run_id, std::string step_name,
                         nlohmann::json parameters, Inputs inputs,
                         std::vector<std::string> declared_outputs, artifacts::ArtifactStore& store,
                         std::shared_ptr<spdlog::logger> logger, std::filesystem::path work_dir,
                         const std::atomic<bool>& cancel_requested, const Settings* settings)
    : run_id_(std::move(run_id)),
      step_run_id_(std::move(step_run_id)),
      step_name_(std::move(step_name)),
      parameters_(std::move(parameters)),
      inputs_(std::move(inputs)),
      declared_outputs_(std::move(declared_outputs)),
      store_(store),
      logger_(std::move(logger)),
      work_dir_(std::move(work_dir)),
      cancel_requested_(cancel_requested),
      settings_(settings) {}

Result<nlohmann::json> StepContext::parameter_json(std::string_view name) const {
  const auto it = parameters_.find(name);
  if (it == parameters_.end()) {
    return fail(Status::invalid_argument(fmt::format(
        "step {}: missing parameter '{}' (set it in the pipeline, the run config's parameters: or "
        "steps.{}.parameters:, or with --param {}=VALUE)",
        step_name_, name, step_name_, name)));
  }
  return *it;
}

Result<nlohmann::json> StepContext::input_json(std::string_view name) const {
  const auto it = inputs_.artifacts.find(std::string(name));
  if (it == inputs_.artifacts.end()) {
    return fail(
        Status::invalid_argument(fmt::format("step {}: no input named '{}'", step_name_, name)));
  }
  return artifacts::load_json(store_, it->second.second);
}

Result<std::filesystem::path> StepContext::input_path(std::string_view name) {
  const auto it = inputs_.artifacts.find(std::string(name));
  if (it == inputs_.artifacts.end()) {
    return fail(
        Status::invalid_argument(fmt::format("step {}: no input named '{}'", step_name_, name)));
  }
  std::filesystem::path destination = work_dir_ / "inputs" / std::string(name);
  std::error_code ec;
  if (std::filesystem::exists(destination, ec)) return destination;
  std::filesystem::create_directories(destination.parent_path(), ec);
  TWIN_RETURN_IF_ERROR(
      artifacts::export_artifact(store_, it->second.first, it->second.second, destination));
  return destination;
}

Status StepContext::check_output(std::string_view name) const {
  if (std::find(declared_outputs_.begin(), declared_outputs_.end(), name) ==
      declared_outputs_.end()) {
    return Status::invalid_argument(
        fmt::format("step {}: no declared output named '{}'", step_name_, name));
  }
  if (produced_.contains(std::string(name))) {
    return Status::already_exists(
        fmt::format("step {}: output '{}' was set twice", step_name_, name));
  }
  return Status::ok();
}

Status StepContext::record(std::string_view name, Result<artifacts::StoredArtifact> stored) {
  if (!stored)
    return stored.error().with_context(
        fmt::format("step {}: storing output '{}'", step_name_, name));
  ProducedOutput output{stored->materializer, stored->hash, stored->size, nlohmann::json::object()};
  if (auto pending = pending_output_metadata_.find(std::string(name));
      pending != pending_output_metadata_.end()) {
    output.metadata = pending->second;
  }
  produced_.emplace(std::string(name), std::move(output));
  return Status::ok();
}

Status StepContext::set_output_json(std::string_view name, const nlohmann::json& value) {
  TWIN_RETURN_IF_ERROR(check_output(name));
  return record(name, artifacts::save_json(store_, value));
}

Status StepContext::set_output_bytes(std::string_view name, std::string_view bytes) {
  TWIN_RETURN_IF_ERROR(check_output(name));
  return record(name, artifacts::save_bytes(store_, bytes));
}

Status StepContext::set_output_path(std::string_view name, const std::filesystem::path& path) {
  TWIN_RETURN_IF_ERROR(check_output(name));
  return record(name, artifacts::save_path(store_, path));
}

void StepContext::add_output_metadata(std::string_view output, const nlohmann::json& metadata) {
  const std::string key(output);
  if (auto it = produced_.find(key); it != produced_.end()) {
    merge_into(it->second.metadata, metadata);
    return;
  }
  merge_into(pending_output_metadata_[key], metadata);
}

const std::filesystem::path& StepContext::work_dir() {
  std::error_code ec;
  std::filesystem::create_directories(work_dir_, ec);
  return work_dir_;
}

void StepContext::log_step_metadata(const nlohmann::json& metadata) {
  merge_into(step_metadata_, metadata);
}

void StepContext::log_metadata(const nlohmann::json& metadata) {
  merge_into(run_metadata_, metadata);
}

}  // namespace twin::orchestrator
