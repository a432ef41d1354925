// C++ steps: a function with named inputs, parameters and outputs, and the context it runs in.
//
//   twin::orchestrator::StepDefinition get_or_create_user{
//       .name = "get_or_create_user",
//       .version = "1",  // change it when the step's behaviour changes: it enters the cache key
//       .outputs = {"user"},
//       .run = [](twin::orchestrator::StepContext& ctx) -> twin::Status {
//         TWIN_ASSIGN_OR_RETURN(auto name, ctx.parameter<std::string>("user_full_name"));
//         ctx.logger().info("looking up {}", name);
//         User user = ...;  // any type with nlohmann to_json/from_json
//         ctx.add_output_metadata("user", {{"found", true}});
//         return ctx.set_output("user", user);
//       }};
//
// A step reads its inputs with input<T>(name) (JSON artifacts) or input_path(name) (file and
// directory artifacts), and writes every declared output exactly once with set_output (JSON),
// set_output_bytes or set_output_path. A step that returns ok without writing a declared output
// fails. Exceptions thrown by `run` are caught and fail the step.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "twin/artifacts/materializers.h"
#include "twin/core/settings.h"
#include "twin/core/status.h"

namespace twin::orchestrator {

class StepContext;

struct StepDefinition {
  std::string name{};         // registry name, used by `uses:` in pipelines
  std::string version = "1";  // enters the cache key
  std::vector<std::string> inputs{};
  std::vector<std::string> outputs{};
  std::function<Status(StepContext&)> run{};
  std::string description{};
  // False for steps whose effects live outside the artifact store (an ETL writing a warehouse):
  // they run every time, as ZenML's @step(enable_cache=False).
  bool enable_cache = true;
  // Whether the settings let the step run at all (a warehouse twin can open, say), checked by
  // the runner for every step of a pipeline before the run is recorded: an error here is a
  // configuration error (exit 2) and no run is recorded. Empty: nothing to check.
  std::function<Status(const Settings&)> check_settings{};
};

// An output a step produced, not yet recorded (see the runner).
struct ProducedOutput {
  std::string materializer{};
  std::string hash{};
  uint64_t size = 0;
  nlohmann::json metadata = nlohmann::json::object();
};

// What a step sees while it runs. Created by the runner for one attempt of one step run; used
// by that step's thread only. Holds references to runner state: do not keep it after `run`.
class StepContext {
 public:
  struct Inputs {
    // Input name -> (materializer, content hash) of the artifact version on it.
    std::map<std::string, std::pair<std::string, std::string>> artifacts;
  };

  StepContext(std::string run_id, std::string step_run_id, std::string step_name,
              nlohmann::json parameters, Inputs inputs, std::vector<std::string> declared_outputs,
              artifacts::ArtifactStore& store, std::shared_ptr<spdlog::logger> logger,
              std::filesystem::path work_dir, const std::atomic<bool>& cancel_requested,
              const Settings* settings = nullptr);

  const std::string& run_id() const { return run_id_; }
  const std::string& step_run_id() const { return step_run_id_; }
  const std::string& step_name() const { return step_name_; }
  // The settings of the command running the pipeline (DATABASE_HOST, ...); nullptr when the
  // runner was given none (RunOptions::settings).
  const Settings* settings() const { return settings_; }
  // Writes to the step's log (kept with the run; `twin runs logs RUN STEP`).
  spdlog::logger& logger() { return *logger_; }
  // The pipeline's parameters overlaid with the step's own.
  const nlohmann::json& parameters() const { return parameters_; }
  // kInvalidArgument naming the step and parameter when it is missing.
  Result<nlohmann::json> parameter_json(std::string_view name) const;
  // kInvalidArgument when missing or not convertible to T.
  template <typename T>
  Result<T> parameter(std::string_view name) const {
    TWIN_ASSIGN_OR_RETURN(nlohmann::json value, parameter_json(name));
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception& error) {
      return fail(Status::invalid_argument(fmt::format(
          "step {}: parameter '{}' has the wrong type: {}", step_name_, name, error.what())));
    }
  }

  // A JSON input's value; kInvalidArgument for an undeclared input.
  Result<nlohmann::json> input_json(std::string_view name) const;
  template <typename T>
  Result<T> input(std::string_view name) const {
    TWIN_ASSIGN_OR_RETURN(nlohmann::json value, input_json(name));
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception& error) {
      return fail(Status::invalid_argument(fmt::format("step {}: input '{}' has the wrong type: {}",
                                                       step_name_, name, error.what())));
    }
  }
  // Any input exported to a file or folder in the step's work directory.
  Result<std::filesystem::path> input_path(std::string_view name);

  Status set_output_json(std::string_view name, const nlohmann::json& value);
  template <typename T>
  Status set_output(std::string_view name, const T& value) {
    return set_output_json(name, nlohmann::json(value));
  }
  Status set_output_bytes(std::string_view name, std::string_view bytes);
  // A file (file materializer) or folder (directory materializer).
  Status set_output_path(std::string_view name, const std::filesystem::path& path);

  // Metadata attached to an output's artifact version (merged over earlier calls).
  void add_output_metadata(std::string_view output, const nlohmann::json& metadata);
  // Metadata attached to this step run (merged).
  void log_step_metadata(const nlohmann::json& metadata);
  // Metadata attached to the whole pipeline run (merged).
  void log_metadata(const nlohmann::json& metadata);

  // True once the user asked to stop (Ctrl-C): long steps should return Status::cancelled.
  bool cancel_requested() const { return cancel_requested_.load(); }
  // A private folder for this step run's scratch files, removed after the run.
  // Created on first use.
  const std::filesystem::path& work_dir();

  // For the runner.
  std::map<std::string, ProducedOutput>& produced() { return produced_; }
  const nlohmann::json& step_metadata() const { return step_metadata_; }
  const nlohmann::json& run_metadata() const { return run_metadata_; }

 private:
  Status check_output(std::string_view name) const;
  Status record(std::string_view name, Result<artifacts::StoredArtifact> stored);

  std::string run_id_;
  std::string step_run_id_;
  std::string step_name_;
  nlohmann::json parameters_;
  Inputs inputs_;
  std::vector<std::string> declared_outputs_;
  artifacts::ArtifactStore& store_;
  std::shared_ptr<spdlog::logger> logger_;
  std::filesystem::path work_dir_;
  const std::atomic<bool>& cancel_requested_;
  const Settings* settings_;
  std::map<std::string, ProducedOutput> produced_;
  std::map<std::string, nlohmann::json> pending_output_metadata_;
  nlohmann::json step_metadata_ = nlohmann::json::object();
  nlohmann::json run_metadata_ = nlohmann::json::object();
};

}  // namespace twin::orchestrator
