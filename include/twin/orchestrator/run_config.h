// Run configs in the LLM Engineer's Handbook format (its configs/*.yaml, read by ZenML):
//
//   settings:            # ZenML deployment settings: twin warns once about keys it does not serve
//     docker: {...}
//   parameters:          # pipeline parameters
//     user_full_name: Paul Iusztin
//   steps:
//     crawl_links:
//       parameters: {...}  # one step's parameters
//   enable_cache: false
//   run_name: etl-{date}-{time}
//
// Other top-level keys are errors naming file:line:col.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin::orchestrator {

struct RunConfig {
  nlohmann::json parameters = nlohmann::json::object();
  std::map<std::string, nlohmann::json> step_parameters{};  // step -> object
  std::optional<bool> enable_cache{};
  std::optional<std::string> run_name{};
  nlohmann::json settings = nlohmann::json::object();
  // Warnings for settings twin does not serve ("settings.docker: not served by twin, ignored").
  std::vector<std::string> warnings{};
};

Result<RunConfig> parse_run_config(std::string_view text, std::string_view origin);
Result<RunConfig> load_run_config(const std::filesystem::path& file);

// Applies `--param KEY=VALUE`: VALUE is read as YAML (so 3, true, [a, b] are typed; anything
// else is a string). KEY `step.name` sets a step's parameter, otherwise a pipeline parameter.
Status apply_param_override(RunConfig& config, std::string_view assignment);

// Replaces {date} (YYYY_MM_DD) and {time} (HH_MM_SS_ffffff), in UTC as ZenML does.
std::string expand_run_name(std::string_view pattern, std::chrono::system_clock::time_point now);

}  // namespace twin::orchestrator
