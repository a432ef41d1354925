// The AWS CLI's configuration: ~/.aws/credentials and ~/.aws/config (or the files
// AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE name), the profile, the region, the endpoint
// overrides, and the credential chain in the AWS CLI v2's order:
//
//   1. the Handbook's explicit settings AWS_ACCESS_KEY + AWS_SECRET_KEY (what its code passes to
//      boto3 as aws_access_key_id / aws_secret_access_key, so they win, as explicit keys do);
//   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN;
//   (a profile named with --profile skips both 1 and 2: it negates environment keys in the AWS
//   CLI, and a flag is twin's highest precedence;)
//   3. the profile (--profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default"):
//      role_arn + source_profile (or credential_source = Environment) through STS AssumeRole;
//      then the keys of its credentials-file section; then its credential_process; then keys in
//      its config-file section;
//   4. container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN).
// Instance metadata (IMDS) is never asked: it is only reachable on EC2 and twin does not guess.
//
// Every name is looked up through one function (normally Settings::get), so the usual AWS
// environment variables work, and, as every twin setting, may also sit in .env or twin.toml.
// Region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's `region`. Endpoint for a
// service: AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_S3), then AWS_ENDPOINT_URL, then the
// profile's `services` section (`[services NAME]` with `s3 =` / `  endpoint_url = ...`), then
// the profile's `endpoint_url`.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "twin/cloud/sigv4.h"
#include "twin/core/settings.h"
#include "twin/core/status.h"

namespace twin::cloud {

// Sections of an AWS INI file. A nested key (a line indented under `s3 =`) is stored as
// "s3.endpoint_url".
using IniSection = std::map<std::string, std::string, std::less<>>;
using IniFile = std::map<std::string, IniSection, std::less<>>;

// Parses the AWS CLI's INI dialect: `[section]`, `key = value`, `#` and `;` comments, indented
// sub-keys. A malformed line is kInvalidArgument naming origin:line.
Result<IniFile> parse_aws_ini(std::string_view text, std::string_view origin);

// One value of `twin aws configure list`, as the AWS CLI reports it: the value, its type
// ("env", "manual", "config-file", "shared-credentials-file", "assume-role", "custom-process",
// "container-role", "explicit", ...) and where it was found.
struct ConfigValue {
  std::string value;  // empty: not set
  std::string type;
  std::string location;
};

struct ResolvedCredentials {
  AwsCredentials keys;
  std::string method;    // the AWS CLI's credential method name (ConfigValue::type)
  std::string location;  // the setting, file or URL the keys came from
  // When temporary keys (AssumeRole, container, credential_process) stop working; nullopt for
  // long-term keys.
  std::optional<std::chrono::system_clock::time_point> expires;
};

// "2026-12-02T15:37:00Z" (fractional seconds allowed), as AWS writes expirations; nullopt when
// the text is not one.
std::optional<std::chrono::system_clock::time_point> parse_aws_time(std::string_view text);

// Everything an AWS client of twin needs, loaded once per command.
struct AwsOptions {
  // Looks a setting up: flag > environment > .env > twin.toml (Settings::get). Required.
  std::function<std::optional<SettingValue>(std::string_view name)> lookup;
  std::optional<std::string> profile;  // --profile
  std::filesystem::path home;          // for ~/.aws; HOME when empty
};

// The options from twin's settings (HOME from the environment). The options keep a copy of the
// settings, so they (and an AwsConfig) may outlive `settings`.
AwsOptions aws_options_from_settings(const Settings& settings,
                                     std::optional<std::string> profile = std::nullopt);

class AwsConfig {
 public:
  // Reads both files (a missing file is empty). A profile named explicitly (--profile,
  // AWS_PROFILE) that neither file holds is kInvalidArgument: "the config profile (NAME) could
  // not be found in FILE, FILE".
  static Result<AwsConfig> load(AwsOptions options);

  // The profile in use ("default" when none is named) and how it was chosen.
  const std::string& profile_name() const { return profile_name_; }
  ConfigValue profile_value() const { return profile_; }
  // The region and its source; value empty when unset.
  ConfigValue region_value() const;
  // The region, or kInvalidArgument explaining where to set one.
  Result<std::string> region() const;
  // The endpoint override for a service id ("s3", "sts"); nullopt: use AWS's public endpoint.
  std::optional<std::string> endpoint_url(std::string_view service) const;
  // A value of the active profile (credentials file first, then config file).
  std::optional<std::string> profile_setting(std::string_view key) const;

  // Runs the chain (may start credential_process or call STS / the container endpoint).
  // kFailedPrecondition naming every place looked at when nothing yields keys.
  Result<ResolvedCredentials> credentials() const;

  // The files as shown to people: the setting's value as written, or "~/.aws/config".
  const std::string& config_file_shown() const { return config_shown_; }
  const std::string& credentials_file_shown() const { return credentials_shown_; }

 private:
  std::optional<SettingValue> lookup(std::string_view name) const;
  const IniSection* config_section(std::string_view profile) const;
  const IniSection* credentials_section(std::string_view profile) const;
  Result<ResolvedCredentials> profile_credentials(std::string_view profile, int depth) const;

  AwsOptions options_;
  std::string profile_name_ = "default";
  ConfigValue profile_;
  IniFile config_;
  IniFile credentials_;
  std::string config_shown_;
  std::string credentials_shown_;
};

// The default public endpoint of a service in a region, e.g. https://s3.eu-west-1.amazonaws.com.
std::string default_endpoint(std::string_view service, std::string_view region);

}  // namespace twin::cloud
