#include "twin/cloud/aws_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "twin/cloud/http_client.h"
#include "twin/cloud/sts.h"
#include "twin/core/process.h"

namespace twin::cloud {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

Result<IniFile> read_ini(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return IniFile{};  // a missing file is an empty one, as for the AWS CLI
  std::ostringstream text;
  text << in.rdbuf();
  return parse_aws_ini(text.str(), file.string());
}

std::filesystem::path expand_home(const std::string& path, const std::filesystem::path& home) {
  if (path == "~") return home;
  if (path.starts_with("~/")) return home / path.substr(2);
  return path;
}

std::string source_type(const SettingValue& value) {
  return value.source == SettingSource::kEnvironment ? "env" : std::string(to_string(value.source));
}

constexpr int kMaxRoleChain = 5;

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_aws_time(std::string_view text) {
  if (text.size() < 19) return std::nullopt;
  std::tm tm{};
  std::istringstream in{std::string(text.substr(0, 19))};
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<IniFile> parse_aws_ini(std::string_view text, std::string_view origin) {
  IniFile file;
  IniSection* section = nullptr;
  std::string nested_parent;  // a key whose value is empty: indented lines below are its keys
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[') {
      if (line.back() != ']') {
        return fail(Status::invalid_argument(
            fmt::format("{}:{}: section header without its closing ']'", origin, line_number)));
      }
      // "[profile  dev]" and "[profile dev]" are the same section.
      std::string name;
      bool space = false;
      for (char c : trim(line.substr(1, line.size() - 2))) {
        if (c == ' ' || c == '\t') {
          space = true;
          continue;
        }
        if (space && !name.empty()) name += ' ';
        space = false;
        name += c;
      }
      section = &file[name];
      nested_parent.clear();
      continue;
    }
    const size_t equals = line.find('=');
    if (section == nullptr || equals == std::string_view::npos) {
      return fail(Status::invalid_argument(fmt::format(
          "{}:{}: expected [section] or key = value, got '{}'", origin, line_number, line)));
    }
    const std::string key(trim(line.substr(0, equals)));
    const std::string value(trim(line.substr(equals + 1)));
    if (indented && !nested_parent.empty()) {
      (*section)[nested_parent + "." + key] = value;
      continue;
    }
    (*section)[key] = value;
    nested_parent = value.empty() ? key : "";
  }
  return file;
}

AwsOptions aws_options_from_settings(const Settings& settings, std::optional<std::string> profile) {
  AwsOptions options;
  options.lookup = [settings](std::string_view name) { return settings.get(name); };
  options.profile = std::move(profile);
  if (const char* home = std::getenv("HOME")) options.home = home;
  return options;
}

std::optional<SettingValue> AwsConfig::lookup(std::string_view name) const {
  auto value = options_.lookup(name);
  if (value && value->value.empty()) return std::nullopt;  // an empty variable is unset
  return value;
}

Result<AwsConfig> AwsConfig::load(AwsOptions options) {
  AwsConfig config;
  config.options_ = std::move(options);
  if (config.options_.home.empty()) {
    if (const char* home = std::getenv("HOME")) config.options_.home = home;
  }
  const auto& home = config.options_.home;
  std::filesystem::path config_path = home / ".aws" / "config";
  config.config_shown_ = "~/.aws/config";
  if (auto value = config.lookup("AWS_CONFIG_FILE")) {
    config.config_shown_ = value->value;
    config_path = expand_home(value->value, home);
  }
  std::filesystem::path credentials_path = home / ".aws" / "credentials";
  config.credentials_shown_ = "~/.aws/credentials";
  if (auto value = config.lookup("AWS_SHARED_CREDENTIALS_FILE")) {
    config.credentials_shown_ = value->value;
    credentials_path = expand_home(value->value, home);
  }
  TWIN_ASSIGN_OR_RETURN(config.config_, read_ini(config_path));
  TWIN_ASSIGN_OR_RETURN(config.credentials_, read_ini(credentials_path));

  config.profile_ = {"", "None", "None"};
  if (config.options_.profile) {
    config.profile_name_ = *config.options_.profile;
    config.profile_ = {config.profile_name_, "manual", "--profile"};
  } else {
    for (const char* name : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
      if (auto value = config.lookup(name)) {
        config.profile_name_ = value->value;
        config.profile_ = {value->value, source_type(*value),
                           "['AWS_PROFILE', 'AWS_DEFAULT_PROFILE']"};
        break;
      }
    }
  }
  const bool named = !config.profile_.value.empty();
  if (named && config.config_section(config.profile_name_) == nullptr &&
      config.credentials_section(config.profile_name_) == nullptr) {
    return fail(Status::invalid_argument(
        fmt::format("the config profile ({}) could not be found in {} or {} (chosen by {})",
                    config.profile_name_, config.config_shown_, config.credentials_shown_,
                    config.profile_.location == "--profile" ? "--profile" : "AWS_PROFILE")));
  }
  return config;
}

const IniSection* AwsConfig::config_section(std::string_view profile) const {
  if (auto it = config_.find(fmt::format("profile {}", profile)); it != config_.end())
    return &it->second;
  if (profile == "default") {
    if (auto it = config_.find("default"); it != config_.end()) return &it->second;
  }
  return nullptr;
}

const IniSection* AwsConfig::credentials_section(std::string_view profile) const {
  if (auto it = credentials_.find(profile); it != credentials_.end()) return &it->second;
  return nullptr;
}

std::optional<std::string> AwsConfig::profile_setting(std::string_view key) const {
  for (const IniSection* section :
       {credentials_section(profile_name_), config_section(profile_name_)}) {
    if (section == nullptr) continue;
    if (auto it = section->find(key); it != section->end() && !it->second.empty())
      return it->second;
  }
  return std::nullopt;
}

ConfigValue AwsConfig::region_value() const {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto value = lookup(name)) {
      return {value->value, source_type(*value), "['AWS_REGION', 'AWS_DEFAULT_REGION']"};
    }
  }
  if (const IniSection* section = config_section(profile_name_)) {
    if (auto it = section->find("region"); it != section->end() && !it->second.empty()) {
      return {it->second, "config-file", config_shown_};
    }
  }
  return {"", "None", "None"};
}

Result<std::string> AwsConfig::region() const {
  ConfigValue value = region_value();
  if (value.value.empty()) {
    return fail(Status::invalid_argument(fmt::format(
        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or `region` in the [{}] "
        "section of {}",
        profile_name_ == "default" ? "default" : "profile " + profile_name_, config_shown_)));
  }
  return std::move(value.value);
}

std::optional<std::string> AwsConfig::endpoint_url(std::string_view service) const {
  std::string upper;
  for (char c : service) {
    upper +=
        c == ' ' || c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto value = lookup("AWS_ENDPOINT_URL_" + upper)) return value->value;
  if (auto value = lookup("AWS_ENDPOINT_URL")) return value->value;
  if (auto services = profile_setting("services")) {
    if (auto it = config_.find("services " + *services); it != config_.end()) {
      if (auto key = it->second.find(std::string(service) + ".endpoint_url");
          key != it->second.end()) {
        return key->second;
      }
    }
  }
  return profile_setting("endpoint_url");
}

std::string default_endpoint(std::string_view service, std::string_view region) {
  return fmt::format("https://{}.{}.amazonaws.com", service, region);
}

Result<ResolvedCredentials> AwsConfig::profile_credentials(std::string_view profile,
                                                           int depth) const {
  const IniSection* config = config_section(profile);
  const IniSection* credentials = credentials_section(profile);
  auto get = [&](const IniSection* section, std::string_view key) -> std::string {
    if (section == nullptr) return "";
    auto it = section->find(key);
    return it == section->end() ? "" : it->second;
  };
  auto either = [&](std::string_view key) {
    std::string value = get(credentials, key);
    return value.empty() ? get(config, key) : value;
  };
  const std::string section_name =
      profile == "default" ? "[default]" : fmt::format("[profile {}]", profile);

  if (const std::string role_arn = either("role_arn"); !role_arn.empty()) {
    if (depth >= kMaxRoleChain) {
      return fail(Status::invalid_argument(fmt::format(
          "{} in {}: role_arn chains more than {} profiles deep (a source_profile loop?)",
          section_name, config_shown_, kMaxRoleChain)));
    }
    ResolvedCredentials source;
    if (const std::string source_profile = either("source_profile"); !source_profile.empty()) {
      if (config_section(source_profile) == nullptr &&
          credentials_section(source_profile) == nullptr) {
        return fail(
            Status::invalid_argument(fmt::format("{} in {}: source_profile {} could not be found",
                                                 section_name, config_shown_, source_profile)));
      }
      // The source profile's own keys; its role_arn only when it names a different profile.
      TWIN_ASSIGN_OR_RETURN(
          source, profile_credentials(source_profile,
                                      source_profile == profile ? kMaxRoleChain : depth + 1));
    } else if (either("credential_source") == "Environment") {
      auto id = lookup("AWS_ACCESS_KEY_ID");
      auto secret = lookup("AWS_SECRET_ACCESS_KEY");
      if (!id || !secret) {
        return fail(Status::failed_precondition(fmt::format(
            "{}: credential_source = Environment but AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
            "are not set",
            section_name)));
      }
      auto token = lookup("AWS_SESSION_TOKEN");
      source.keys = {id->value, secret->value, token ? token->value : ""};
    } else {
      return fail(Status::invalid_argument(fmt::format(
          "{} in {}: role_arn needs source_profile or credential_source = Environment (twin "
          "does not read instance metadata)",
          section_name, config_shown_)));
    }
    std::string region = either("region");
    if (region.empty()) region = region_value().value;
    if (region.empty()) region = "us-east-1";
    StsEndpoint endpoint{endpoint_url("sts").value_or(default_endpoint("sts", region)), region};
    AssumeRoleRequest request;
    request.role_arn = role_arn;
    request.session_name = either("role_session_name");
    if (request.session_name.empty()) {
      request.session_name = fmt::format("twin-session-{}", std::time(nullptr));
    }
    request.external_id = either("external_id");
    if (const std::string seconds = either("duration_seconds"); !seconds.empty()) {
      request.duration = std::chrono::seconds(std::strtol(seconds.c_str(), nullptr, 10));
    }
    HttpClient http;
    auto assumed = assume_role(http, endpoint, source.keys, request);
    if (!assumed) return fail(assumed.error().with_context(section_name + " role_arn"));
    return ResolvedCredentials{assumed->keys, "assume-role", role_arn, assumed->expires};
  }

  if (const std::string id = get(credentials, "aws_access_key_id"); !id.empty()) {
    const std::string secret = get(credentials, "aws_secret_access_key");
    if (secret.empty()) {
      return fail(Status::invalid_argument(
          fmt::format("[{}] in {}: aws_access_key_id without aws_secret_access_key", profile,
                      credentials_shown_)));
    }
    return ResolvedCredentials{{id, secret, get(credentials, "aws_session_token")},
                               "shared-credentials-file",
                               credentials_shown_,
                               std::nullopt};
  }

  if (const std::string command = get(config, "credential_process"); !command.empty()) {
    ProcessSpec spec;
    spec.argv = shell_argv(command);
    spec.out.mode = OutputMode::kCapture;
    spec.err.mode = OutputMode::kCapture;
    spec.input = "";
    spec.timeout = std::chrono::minutes(1);
    TWIN_ASSIGN_OR_RETURN(ProcessResult result, run_process(spec));
    const std::string what = fmt::format("{} credential_process '{}'", section_name, command);
    if (!result.ok()) {
      return fail(Status::failed_precondition(fmt::format(
          "{} exited with {}: {}", what, result.exit_code, std::string(trim(result.err)))));
    }
    try {
      const auto json = nlohmann::json::parse(result.out);
      if (json.value("Version", 0) != 1) {
        return fail(Status::invalid_argument(what + ": output needs \"Version\": 1"));
      }
      return ResolvedCredentials{
          {json.at("AccessKeyId").get<std::string>(), json.at("SecretAccessKey").get<std::string>(),
           json.value("SessionToken", "")},
          "custom-process",
          command,
          parse_aws_time(json.value("Expiration", ""))};
    } catch (const nlohmann::json::exception& error) {
      return fail(Status::invalid_argument(
          fmt::format("{}: output is not the credentials JSON: {}", what, error.what())));
    }
  }

  if (const std::string id = get(config, "aws_access_key_id"); !id.empty()) {
    return ResolvedCredentials{
        {id, get(config, "aws_secret_access_key"), get(config, "aws_session_token")},
        "config-file",
        config_shown_,
        std::nullopt};
  }
  return fail(Status::not_found(fmt::format("profile {} holds no credentials", profile)));
}

Result<ResolvedCredentials> AwsConfig::credentials() const {
  // 1. The Handbook's explicit settings, and 2. the environment: both give way to a profile named
  // on the command line (a flag is twin's highest precedence, and the AWS CLI's --profile
  // negates environment keys).
  if (!options_.profile) {
    auto handbook_id = lookup("AWS_ACCESS_KEY");
    auto handbook_secret = lookup("AWS_SECRET_KEY");
    if (handbook_id || handbook_secret) {
      if (!handbook_id || !handbook_secret) {
        return fail(Status::invalid_argument(
            fmt::format("{} is set but {} is not: the Handbook's AWS keys go in pairs",
                        handbook_id ? "AWS_ACCESS_KEY" : "AWS_SECRET_KEY",
                        handbook_id ? "AWS_SECRET_KEY" : "AWS_ACCESS_KEY")));
      }
      return ResolvedCredentials{
          {handbook_id->value, handbook_secret->value, ""},
          "explicit",
          fmt::format("AWS_ACCESS_KEY, AWS_SECRET_KEY ({})", to_string(handbook_id->source)),
          std::nullopt};
    }
    auto id = lookup("AWS_ACCESS_KEY_ID");
    auto secret = lookup("AWS_SECRET_ACCESS_KEY");
    if (id || secret) {
      if (!id || !secret) {
        return fail(Status::invalid_argument(fmt::format(
            "{} is set but {} is not", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
            id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID")));
      }
      auto token = lookup("AWS_SESSION_TOKEN");
      return ResolvedCredentials{{id->value, secret->value, token ? token->value : ""},
                                 "env",
                                 "AWS_ACCESS_KEY_ID",
                                 std::nullopt};
    }
  }
  // 3. The profile.
  auto from_profile = profile_credentials(profile_name_, 0);
  if (from_profile || from_profile.error().code() != StatusCode::kNotFound) return from_profile;
  // 4. Container credentials (ECS, EKS Pod Identity).
  std::string url;
  if (auto full = lookup("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = full->value;
  } else if (auto relative = lookup("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + relative->value;
  }
  if (!url.empty()) {
    HttpRequest request;
    request.url = url;
    request.timeout = std::chrono::seconds(5);
    if (auto token = lookup("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      request.headers.emplace_back("Authorization", token->value);
    }
    HttpClient http;
    TWIN_ASSIGN_OR_RETURN(HttpResponse response, http.send(request));
    if (response.status != 200) {
      return fail(Status::failed_precondition(
          fmt::format("container credentials at {}: HTTP {}", url, response.status)));
    }
    try {
      const auto json = nlohmann::json::parse(response.body);
      return ResolvedCredentials{
          {json.at("AccessKeyId").get<std::string>(), json.at("SecretAccessKey").get<std::string>(),
           json.value("Token", "")},
          "container-role",
          url,
          parse_aws_time(json.value("Expiration", ""))};
    } catch (const nlohmann::json::exception& error) {
      return fail(Status::corruption(fmt::format(
          "container credentials at {}: not the credentials JSON: {}", url, error.what())));
    }
  }
  return fail(Status::failed_precondition(fmt::format(
      "no AWS credentials found: looked at AWS_ACCESS_KEY/AWS_SECRET_KEY, "
      "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY{}, profile {} in {} and {}, and container "
      "credentials; run `aws configure` or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      options_.profile ? " (both ignored: --profile given)" : "", profile_name_, credentials_shown_,
      config_shown_)));
}

}  // namespace twin::cloud
