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

#include <cstddef>
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

// Largest YAML text twin parses (a pipeline file, a run config).
inline constexpr size_t kMaxYamlBytes = size_t{4} << 20;

// What any YAML text must be before it is parsed: at most kMaxYamlBytes, and UTF-8 (YAML's own
// encoding, and JSON's, which every value read from it becomes). kInvalidArgument naming
// "origin: a <what> is at most N MB" or "origin:line:column: not valid UTF-8 text".
Status check_yaml_text(std::string_view text, std::string_view origin, std::string_view what);

// What one YAML document may expand to when converted to JSON. Aliases are expanded, so a few
// hundred bytes of aliases of aliases can stand for billions of nodes (an alias bomb); the
// conversion counts what it produces and refuses past these limits. One budget per document,
// shared by every yaml_to_json call over it.
struct YamlBudget {
  size_t nodes = 100'000;  // scalars, sequences and mappings, aliases counted each time
  size_t scalar_bytes = size_t{16} << 20;  // bytes of scalars and keys, likewise
};

// YAML to JSON with YAML's scalar types: unquoted integers, floats, booleans and nulls become
// JSON numbers, booleans and null; quoted scalars stay strings. kInvalidArgument naming
// origin:line:col when the value nests deeper than kMaxJsonDepth or exceeds `budget` (which is
// decremented by what the value produced).
Result<nlohmann::json> yaml_to_json(const YAML::Node& node, std::string_view origin,
                                    YamlBudget& budget);

// "file:line:col" of a node.
std::string yaml_location(std::string_view origin, const YAML::Node& node);

}  // namespace twin::orchestrator
