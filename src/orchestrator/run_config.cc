#include "twin/orchestrator/run_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "twin/orchestrator/yaml_pipeline.h"

namespace twin::orchestrator {
namespace {

Status invalid(std::string_view origin, const YAML::Node& node, std::string_view what) {
  return Status::invalid_argument(fmt::format("{}: {}", yaml_location(origin, node), what));
}

Status parse_steps(std::string_view origin, const YAML::Node& steps, RunConfig& config,
                   YamlBudget& budget) {
  if (!steps.IsMap()) return invalid(origin, steps, "steps: must map step names to their settings");
  for (const auto& entry : steps) {
    const std::string step = entry.first.Scalar();
    const YAML::Node& body = entry.second;
    if (!body.IsMap())
      return invalid(origin, body, fmt::format("steps.{}: must be a mapping", step));
    for (const auto& key : body) {
      const std::string name = key.first.Scalar();
      if (name == "parameters") {
        if (!key.second.IsMap()) {
          return invalid(origin, key.second,
                         fmt::format("steps.{}.parameters: must be a mapping", step));
        }
        TWIN_ASSIGN_OR_RETURN(config.step_parameters[step],
                              yaml_to_json(key.second, origin, budget));
      } else if (name == "settings" || name == "enable_cache" || name == "experiment_tracker" ||
                 name == "step_operator") {
        config.warnings.push_back(fmt::format("{}: steps.{}.{}: not served by twin, ignored",
                                              yaml_location(origin, key.first), step, name));
      } else {
        return invalid(
            origin, key.first,
            fmt::format("steps.{}: unknown key '{}' (known: parameters, settings)", step, name));
      }
    }
  }
  return Status::ok();
}

}  // namespace

Result<RunConfig> parse_run_config(std::string_view text, std::string_view origin) {
  TWIN_RETURN_IF_ERROR(check_yaml_text(text, origin, "run config"));
  YamlBudget budget;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return fail(Status::invalid_argument(fmt::format("{}:{}:{}: {}", origin, error.mark.line + 1,
                                                     error.mark.column + 1, error.msg)));
  }
  RunConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) return fail(invalid(origin, root, "a run config must be a mapping"));
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "parameters") {
      if (!value.IsMap() && !value.IsNull())
        return fail(invalid(origin, value, "parameters: must be a mapping"));
      if (value.IsMap()) {
        TWIN_ASSIGN_OR_RETURN(config.parameters, yaml_to_json(value, origin, budget));
      }
    } else if (key == "steps") {
      TWIN_RETURN_IF_ERROR(parse_steps(origin, value, config, budget));
    } else if (key == "enable_cache") {
      TWIN_ASSIGN_OR_RETURN(const nlohmann::json flag, yaml_to_json(value, origin, budget));
      if (!flag.is_boolean())
        return fail(invalid(origin, value, "enable_cache: must be true or false"));
      config.enable_cache = flag.get<bool>();
    } else if (key == "run_name") {
      if (!value.IsScalar()) return fail(invalid(origin, value, "run_name: must be a string"));
      config.run_name = value.Scalar();
    } else if (key == "settings") {
      TWIN_ASSIGN_OR_RETURN(config.settings, yaml_to_json(value, origin, budget));
      if (value.IsMap()) {
        for (const auto& setting : value) {
          config.warnings.push_back(fmt::format("{}: settings.{}: not served by twin, ignored",
                                                yaml_location(origin, setting.first),
                                                setting.first.Scalar()));
        }
      }
    } else if (key == "extra" || key == "model" || key == "schedule" ||
               key == "enable_artifact_metadata" || key == "enable_artifact_visualization" ||
               key == "enable_step_logs") {
      config.warnings.push_back(fmt::format("{}: {}: not served by twin, ignored",
                                            yaml_location(origin, entry.first), key));
    } else {
      return fail(invalid(origin, entry.first,
                          fmt::format("unknown key '{}' (known: parameters, steps, enable_cache, "
                                      "run_name, settings)",
                                      key)));
    }
  }
  return config;
}

Result<RunConfig> load_run_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return fail(Status::not_found(
        fmt::format("{}: cannot read run config: {}", file.string(), std::strerror(errno))));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_run_config(text.str(), file.string());
}

Status apply_param_override(RunConfig& config, std::string_view assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Status::invalid_argument(
        fmt::format("--param '{}': expected KEY=VALUE (or STEP.KEY=VALUE)", assignment));
  }
  const std::string key(assignment.substr(0, equals));
  const std::string text(assignment.substr(equals + 1));
  nlohmann::json value = text;
  try {
    const YAML::Node node = YAML::Load(text);
    YamlBudget budget;
    if (!text.empty()) {
      TWIN_ASSIGN_OR_RETURN(value, yaml_to_json(node, fmt::format("--param {}", key), budget));
    }
  } catch (const YAML::Exception&) {
    value = text;  // not YAML: take it as a string
  }
  if (const auto dot = key.find('.'); dot != std::string::npos) {
    auto& step = config.step_parameters[key.substr(0, dot)];
    if (!step.is_object()) step = nlohmann::json::object();
    step[key.substr(dot + 1)] = value;
  } else {
    config.parameters[key] = value;
  }
  return Status::ok();
}

std::string expand_run_name(std::string_view pattern, std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  const std::string date =
      fmt::format("{:04}_{:02}_{:02}", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday);
  const std::string time =
      fmt::format("{:02}_{:02}_{:02}_{:06}", utc.tm_hour, utc.tm_min, utc.tm_sec, micros);
  std::string name(pattern);
  for (const auto& [placeholder, value] :
       {std::pair{std::string("{date}"), date}, {"{time}", time}}) {
    for (size_t at = name.find(placeholder); at != std::string::npos;
         at = name.find(placeholder, at)) {
      name.replace(at, placeholder.size(), value);
      at += value.size();
    }
  }
  return name;
}

}  // namespace twin::orchestrator
