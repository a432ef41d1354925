// Pipeline definitions: a named DAG of steps, built in C++ or loaded from YAML (yaml_pipeline.h).
//
// A step node is either a registered C++ step (`uses`) or a command (`command`, any language).
// Its inputs name upstream outputs as "step.output"; `after` orders without data. Both make
// edges of the DAG. validate_pipeline() checks names, references and cycles.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"

namespace twin::orchestrator {

class PipelineRegistry;

struct StepNode {
  std::string name{};                           // unique in the pipeline
  std::optional<std::string> uses{};            // a registered C++ step
  std::vector<std::string> command{};           // argv of a command step (`run:`)
  std::string command_text{};                   // `run:` as written, for people and the cache key
  std::map<std::string, std::string> inputs{};  // input name -> "step.output"
  std::vector<std::string> outputs{};           // command steps declare them; C++ steps get theirs
  std::vector<std::string> after{};
  int retries = 0;
  std::optional<std::chrono::milliseconds> timeout{};
  std::vector<std::string> depends_on_files{};  // paths (relative to the project root) in the key
  std::vector<std::string> depends_on_env{};    // environment variable names in the key
  nlohmann::json parameters = nlohmann::json::object();
  std::string location{};  // "file:line:col" of the definition, for messages; empty for C++

  bool is_command() const { return !uses.has_value(); }
};

struct PipelineDefinition {
  std::string name{};
  nlohmann::json parameters = nlohmann::json::object();
  std::vector<StepNode> steps{};
  std::string source{};  // "built-in" or the YAML file's path
  std::string description{};
};

// Fills the outputs of `uses:` steps from the registry and checks the pipeline: unique step names,
// known `uses:` steps, inputs naming existing "step.output" pairs and declared C++ inputs, `after`
// naming existing steps, no cycles. Errors are kInvalidArgument naming the step (and its location).
Status validate_pipeline(PipelineDefinition& pipeline, const PipelineRegistry& registry);

// The steps a step waits for (producers of its inputs and its `after` steps), deduplicated.
std::vector<std::string> upstream_steps(const StepNode& step);

// Parses "30s", "500ms", "5m", "1h", "1m30s" or a plain number of seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace twin::orchestrator
