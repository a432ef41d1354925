// YAML pipelines (DESIGN.md, "Pipelines"):
//
//   name: hello
//   parameters: {who: world}
//   steps:
//     greet:
//       run: echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting"   # string: sh -c
//       outputs: [greeting]
//     shout:
//       run: [sh, -c, 'tr a-z A-Z < "$TWIN_INPUT_text" > "$TWIN_OUTPUT_loud"']  # list: argv
//       inputs: {text: greet.greeting}
//       outputs: [loud]
//       retries: 2
//       timeout: 30s
//
// Step keys: run | uses, inputs, outputs, parameters, after, retries, timeout, depends_on_files,
// depends_on_env. Unknown keys are errors naming file:line:col (with a suggestion).
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "twin/core/status.h"
#include "twin/orchestrator/pipeline.h"

namespace twin::orchestrator {

// Parses pipeline YAML; `origin` names the file in messages. The result is not yet validated
// (see validate_pipeline). The pipeline's name defaults to the file's stem.
Result<PipelineDefinition> parse_pipeline_yaml(std::string_view text, std::string_view origin);
// Reads and parses a file; kNotFound when missing.
Result<PipelineDefinition> load_pipeline_yaml(const std::filesystem::path& file);

// YAML to JSON with YAML's scalar types: unquoted integers, floats, booleans and nulls become
// JSON numbers, booleans and null; quoted scalars stay strings.
nlohmann::json yaml_to_json(const YAML::Node& node);

// "file:line:col" of a node.
std::string yaml_location(std::string_view origin, const YAML::Node& node);

}  // namespace twin::orchestrator
