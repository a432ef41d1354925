// The cache key of one step run (see runner.h for what it covers).
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "twin/core/status.h"
#include "twin/orchestrator/pipeline.h"
#include "twin/orchestrator/step.h"

namespace twin::orchestrator {

struct CacheKeyInputs {
  std::string pipeline;
  const StepNode* node = nullptr;
  const StepDefinition* definition = nullptr;  // for uses: steps
  nlohmann::json parameters;
  std::map<std::string, std::string> input_hashes;  // input name -> content hash
  std::filesystem::path project_root;               // base of depends_on_files
  std::function<std::optional<std::string>(const std::string&)> environment;
};

// SHA-256 hex of a canonical JSON description of everything the step's result depends on.
// kIo naming the file when a depends_on_files entry exists but cannot be read.
Result<std::string> compute_cache_key(const CacheKeyInputs& inputs);

}  // namespace twin::orchestrator
