#include "twin/orchestrator/yaml_pipeline.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "twin/core/json.h"
#include "twin/core/process.h"
#include "twin/core/text.h"

namespace twin::orchestrator {
namespace {

using nlohmann::json;

json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  int64_t integer = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  if (auto [ptr, error] = std::from_chars(begin, end, integer);
      error == std::errc() && ptr == end) {
    return integer;
  }
  double real = 0;
  if (auto [ptr, error] = std::from_chars(begin, end, real);
      error == std::errc() && ptr == end && text.find_first_of("0123456789") != std::string::npos) {
    return real;
  }
  if (text == ".inf" || text == ".Inf") return std::numeric_limits<double>::infinity();
  return text;
}

std::vector<std::string> string_list(const YAML::Node& node) {
  std::vector<std::string> items;
  if (node.IsScalar()) {
    items.push_back(node.Scalar());
  } else {
    for (const auto& item : node) items.push_back(item.Scalar());
  }
  return items;
}

Status expect(bool condition, std::string_view origin, const YAML::Node& node,
              std::string_view what) {
  if (condition) return Status::ok();
  return Status::invalid_argument(fmt::format("{}: {}", yaml_location(origin, node), what));
}

Status check_keys(std::string_view origin, const YAML::Node& map,
                  const std::vector<std::string>& allowed, std::string_view context) {
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::ranges::find(allowed, key) != allowed.end()) continue;
    std::string message =
        fmt::format("{}: unknown key '{}' in {}", yaml_location(origin, entry.first), key, context);
    const auto suggestions = closest_matches(key, allowed);
    if (!suggestions.empty())
      message += "; did you mean " + quoted_alternatives(suggestions) + "?";
    else
      message += fmt::format(" (known: {})", quoted_alternatives(allowed));
    return Status::invalid_argument(message);
  }
  return Status::ok();
}

bool is_safe_name(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
                  c == '.';
         });
}

bool is_string_list(const YAML::Node& node) {
  if (node.IsScalar()) return true;
  if (!node.IsSequence()) return false;
  return std::all_of(node.begin(), node.end(),
                     [](const YAML::Node& item) { return item.IsScalar(); });
}

Result<StepNode> parse_step(std::string_view origin, const std::string& name,
                            const YAML::Node& node, YamlBudget& budget) {
  StepNode step;
  step.name = name;
  step.location = yaml_location(origin, node);
  TWIN_RETURN_IF_ERROR(
      expect(node.IsMap(), origin, node, fmt::format("step {} must be a mapping", name)));
  TWIN_RETURN_IF_ERROR(check_keys(origin, node,
                                  {"run", "uses", "inputs", "outputs", "parameters", "after",
                                   "retries", "timeout", "depends_on_files", "depends_on_env"},
                                  fmt::format("step {}", name)));
  const auto context = [&](std::string_view what) {
    return fmt::format("step {}: {}", name, what);
  };
  if (const auto run = node["run"]) {
    if (run.IsScalar()) {
      step.command_text = run.Scalar();
      step.command = shell_argv(step.command_text);
    } else {
      TWIN_RETURN_IF_ERROR(
          expect(run.IsSequence() && run.size() > 0 && is_string_list(run), origin, run,
                 context("run: must be a string (for sh) or a list of strings (argv)")));
      step.command = string_list(run);
      json argv = step.command;
      step.command_text = argv.dump();
    }
  }
  if (const auto uses = node["uses"]) {
    TWIN_RETURN_IF_ERROR(expect(uses.IsScalar(), origin, uses, context("uses: must name a step")));
    step.uses = uses.Scalar();
  }
  TWIN_RETURN_IF_ERROR(expect(node["run"].IsDefined() != node["uses"].IsDefined(), origin, node,
                              context("needs exactly one of run: or uses:")));
  if (const auto inputs = node["inputs"]) {
    TWIN_RETURN_IF_ERROR(
        expect(inputs.IsMap(), origin, inputs, context("inputs: must map names to step.output")));
    for (const auto& entry : inputs) {
      TWIN_RETURN_IF_ERROR(expect(entry.second.IsScalar(), origin, entry.second,
                                  context("an input must name an upstream output as step.output")));
      step.inputs[entry.first.Scalar()] = entry.second.Scalar();
    }
  }
  const auto read_list = [&](const char* key, std::vector<std::string>& into) -> Status {
    if (const auto list = node[key]) {
      TWIN_RETURN_IF_ERROR(expect(is_string_list(list), origin, list,
                                  context(fmt::format("{}: must be a list of names", key))));
      into = string_list(list);
    }
    return Status::ok();
  };
  TWIN_RETURN_IF_ERROR(read_list("outputs", step.outputs));
  // Names become file names under the step's work folder and parts of environment variable
  // names: "../x" would write outside it.
  for (const auto& output : step.outputs) {
    TWIN_RETURN_IF_ERROR(expect(is_safe_name(output), origin, node["outputs"],
                                context(fmt::format("output '{}': names are letters, digits, "
                                                    "'_', '-' and '.', not starting with '.'",
                                                    output))));
  }
  for (const auto& [input, source] : step.inputs) {
    TWIN_RETURN_IF_ERROR(expect(is_safe_name(input), origin, node["inputs"],
                                context(fmt::format("input '{}': names are letters, digits, "
                                                    "'_', '-' and '.', not starting with '.'",
                                                    input))));
  }
  TWIN_RETURN_IF_ERROR(read_list("after", step.after));
  TWIN_RETURN_IF_ERROR(read_list("depends_on_files", step.depends_on_files));
  TWIN_RETURN_IF_ERROR(read_list("depends_on_env", step.depends_on_env));
  if (step.uses && node["outputs"]) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: step {}: outputs: belong to command steps; a uses: step has its C++ step's outputs",
        yaml_location(origin, node["outputs"]), name)));
  }
  if (const auto retries = node["retries"]) {
    const json value = scalar_to_json(retries);
    TWIN_RETURN_IF_ERROR(
        expect(retries.IsScalar() && value.is_number_integer() && value.get<int64_t>() >= 0, origin,
               retries, context("retries: must be a whole number >= 0")));
    step.retries = value.get<int>();
  }
  if (const auto timeout = node["timeout"]) {
    TWIN_RETURN_IF_ERROR(expect(timeout.IsScalar(), origin, timeout,
                                context("timeout: must be a duration like 30s")));
    auto duration = parse_duration(timeout.Scalar());
    if (!duration) {
      return fail(Status::invalid_argument(fmt::format("{}: step {}: timeout: {}",
                                                       yaml_location(origin, timeout), name,
                                                       duration.error().message())));
    }
    step.timeout = *duration;
  }
  if (const auto parameters = node["parameters"]) {
    TWIN_RETURN_IF_ERROR(
        expect(parameters.IsMap(), origin, parameters, context("parameters: must be a mapping")));
    TWIN_ASSIGN_OR_RETURN(step.parameters, yaml_to_json(parameters, origin, budget));
  }
  return step;
}

class YamlToJson {
 public:
  YamlToJson(std::string_view origin, YamlBudget& budget) : origin_(origin), budget_(budget) {}

  Result<json> convert(const YAML::Node& node, size_t depth) {
    if (budget_.nodes == 0) {
      return fail(too_big(node,
                          "expands to too many values (aliases count each time they are "
                          "used)"));
    }
    --budget_.nodes;
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return nullptr;
      case YAML::NodeType::Scalar:
        TWIN_RETURN_IF_ERROR(spend(node, node.Scalar().size()));
        return scalar_to_json(node);
      case YAML::NodeType::Sequence: {
        TWIN_RETURN_IF_ERROR(enter(node, depth));
        json array = json::array();
        for (const auto& item : node) {
          TWIN_ASSIGN_OR_RETURN(json value, convert(item, depth + 1));
          array.push_back(std::move(value));
        }
        return array;
      }
      case YAML::NodeType::Map: {
        TWIN_RETURN_IF_ERROR(enter(node, depth));
        json object = json::object();
        for (const auto& entry : node) {
          TWIN_RETURN_IF_ERROR(spend(entry.first, entry.first.Scalar().size()));
          TWIN_ASSIGN_OR_RETURN(json value, convert(entry.second, depth + 1));
          object[entry.first.Scalar()] = std::move(value);
        }
        return object;
      }
    }
    return nullptr;
  }

 private:
  Status enter(const YAML::Node& node, size_t depth) const {
    if (depth < kMaxJsonDepth) return Status::ok();
    return Status::invalid_argument(fmt::format("{}: nested deeper than {} levels",
                                                yaml_location(origin_, node), kMaxJsonDepth));
  }

  Status spend(const YAML::Node& node, size_t bytes) {
    if (bytes > budget_.scalar_bytes) {
      return too_big(node, "expands to too much text (aliases count each time they are used)");
    }
    budget_.scalar_bytes -= bytes;
    return Status::ok();
  }

  Status too_big(const YAML::Node& node, std::string_view what) const {
    return Status::invalid_argument(
        fmt::format("{}: the YAML document {}", yaml_location(origin_, node), what));
  }

  std::string_view origin_;
  YamlBudget& budget_;
};

}  // namespace

Result<json> yaml_to_json(const YAML::Node& node, std::string_view origin, YamlBudget& budget) {
  return YamlToJson(origin, budget).convert(node, 0);
}

std::string yaml_location(std::string_view origin, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return std::string(origin);
  return fmt::format("{}:{}:{}", origin, mark.line + 1, mark.column + 1);
}

Status check_yaml_text(std::string_view text, std::string_view origin, std::string_view what) {
  if (text.size() > kMaxYamlBytes) {
    return Status::invalid_argument(fmt::format("{}: a {} is at most {} MB, this one is {} bytes",
                                                origin, what, kMaxYamlBytes >> 20, text.size()));
  }
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      return Status::invalid_argument(
          fmt::format("{}:{}:{}: not valid UTF-8 text (save the {} "
                      "as UTF-8)",
                      origin, line, i - line_start + 1, what));
    }
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += length;
  }
  return Status::ok();
}

Result<PipelineDefinition> parse_pipeline_yaml(std::string_view text, std::string_view origin) {
  TWIN_RETURN_IF_ERROR(check_yaml_text(text, origin, "pipeline file"));
  YamlBudget budget;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return fail(Status::invalid_argument(fmt::format("{}:{}:{}: {}", origin, error.mark.line + 1,
                                                     error.mark.column + 1, error.msg)));
  }
  TWIN_RETURN_IF_ERROR(
      expect(root.IsMap(), origin, root, "a pipeline file must be a mapping with steps:"));
  // A run config (the Handbook's configs/*.yaml: settings:, parameters:, no steps:) given where a
  // pipeline file is expected: say how to run it.
  if (root["settings"] && !root["steps"]) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: this is a run config (settings: and parameters:, no steps:), not a pipeline file: "
        "run it as `twin pipeline run PIPELINE --config {}` (`twin pipeline list` shows the "
        "pipelines)",
        origin, origin)));
  }
  TWIN_RETURN_IF_ERROR(
      check_keys(origin, root, {"name", "description", "parameters", "steps"}, "the pipeline"));
  PipelineDefinition pipeline;
  pipeline.source = std::string(origin);
  pipeline.name = std::filesystem::path(origin).stem().string();
  if (const auto name = root["name"]) {
    TWIN_RETURN_IF_ERROR(
        expect(name.IsScalar() && !name.Scalar().empty(), origin, name, "name: must be a string"));
    pipeline.name = name.Scalar();
  }
  if (const auto description = root["description"]) pipeline.description = description.Scalar();
  if (const auto parameters = root["parameters"]) {
    TWIN_RETURN_IF_ERROR(
        expect(parameters.IsMap(), origin, parameters, "parameters: must be a mapping"));
    TWIN_ASSIGN_OR_RETURN(pipeline.parameters, yaml_to_json(parameters, origin, budget));
  }
  const auto steps = root["steps"];
  TWIN_RETURN_IF_ERROR(expect(steps.IsMap() && steps.size() > 0, origin,
                              steps.IsDefined() ? steps : root,
                              "steps: must be a mapping of step names to steps"));
  for (const auto& entry : steps) {
    TWIN_ASSIGN_OR_RETURN(StepNode step,
                          parse_step(origin, entry.first.Scalar(), entry.second, budget));
    pipeline.steps.push_back(std::move(step));
  }
  return pipeline;
}

Result<PipelineDefinition> load_pipeline_yaml(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return fail(Status::not_found(
        fmt::format("{}: cannot read pipeline file: {}", file.string(), std::strerror(errno))));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_pipeline_yaml(text.str(), file.string());
}

}  // namespace twin::orchestrator
