// twin aws configure list | whoami: the AWS CLI's configuration as twin resolves it, and who
// the credentials belong to (STS GetCallerIdentity).
#include <nlohmann/json.hpp>

#include "command.h"
#include "twin/cloud/aws_config.h"
#include "twin/cloud/sts.h"

namespace twin::cli {
namespace {

struct AwsFlags {
  std::string profile;
  bool json = false;
};

std::optional<std::string> profile_flag(const AwsFlags& flags) {
  if (flags.profile.empty()) return std::nullopt;
  return flags.profile;
}

// The AWS CLI's masking: 16 stars and the last four characters.
cloud::ConfigValue masked(cloud::ConfigValue value) {
  if (!value.value.empty()) {
    value.value = std::string(16, '*') +
                  value.value.substr(value.value.size() > 4 ? value.value.size() - 4 : 0);
  }
  return value;
}

// One row as `aws configure list` prints it ('%10s %24s %16s    %s').
void print_row(std::string_view name, const cloud::ConfigValue& value) {
  fmt::print("{:>10} {:>24} {:>16}    {}\n", name, value.value.empty() ? "<not set>" : value.value,
             value.type, value.location);
}

nlohmann::json to_json(const cloud::ConfigValue& value) {
  if (value.value.empty()) return {{"value", nullptr}, {"type", nullptr}, {"location", nullptr}};
  return {{"value", value.value}, {"type", value.type}, {"location", value.location}};
}

Result<int> configure_list(Context& ctx, const AwsFlags& flags) {
  auto config =
      cloud::AwsConfig::load(cloud::aws_options_from_settings(ctx.settings(), profile_flag(flags)));
  if (!config) {
    if (!flags.json) {
      print_row("Name", {"Value", "Type", "Location"});
      print_row("----", {"-----", "----", "--------"});
      if (!flags.profile.empty()) print_row("profile", {flags.profile, "manual", "--profile"});
    }
    return fail(config.error());
  }
  cloud::ConfigValue access_key{"", "None", "None"};
  cloud::ConfigValue secret_key{"", "None", "None"};
  auto credentials = config->credentials();
  if (credentials) {
    // As the AWS CLI: the method, and no location (the chain's source is the method).
    access_key = masked({credentials->keys.access_key_id, credentials->method, ""});
    secret_key = masked({credentials->keys.secret_access_key, credentials->method, ""});
  } else if (credentials.error().code() != StatusCode::kFailedPrecondition ||
             credentials.error().message().find("no AWS credentials found") == std::string::npos) {
    return fail(credentials.error());
  }
  const cloud::ConfigValue region = config->region_value();
  if (flags.json) {
    nlohmann::json out = {{"profile", to_json(config->profile_value())},
                          {"access_key", to_json(access_key)},
                          {"secret_key", to_json(secret_key)},
                          {"region", to_json(region)},
                          {"config_file", config->config_file_shown()},
                          {"credentials_file", config->credentials_file_shown()}};
    if (credentials) out["credentials_location"] = credentials->location;
    nlohmann::json endpoints = nlohmann::json::object();
    for (const char* service : {"s3", "sts"}) {
      if (auto url = config->endpoint_url(service)) endpoints[service] = *url;
    }
    out["endpoint_url"] = endpoints;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  print_row("Name", {"Value", "Type", "Location"});
  print_row("----", {"-----", "----", "--------"});
  print_row("profile", config->profile_value());
  print_row("access_key", access_key);
  print_row("secret_key", secret_key);
  print_row("region", region);
  return 0;
}

Result<int> whoami(Context& ctx, const AwsFlags& flags) {
  TWIN_ASSIGN_OR_RETURN(cloud::AwsConfig config,
                        cloud::AwsConfig::load(
                            cloud::aws_options_from_settings(ctx.settings(), profile_flag(flags))));
  TWIN_ASSIGN_OR_RETURN(cloud::ResolvedCredentials credentials, config.credentials());
  const std::string region = config.region().value_or("us-east-1");
  const cloud::StsEndpoint endpoint{
      config.endpoint_url("sts").value_or(cloud::default_endpoint("sts", region)), region};
  cloud::HttpClient http;
  TWIN_ASSIGN_OR_RETURN(cloud::CallerIdentity identity,
                        cloud::get_caller_identity(http, endpoint, credentials.keys));
  if (flags.json) {
    // The AWS CLI's `aws sts get-caller-identity` document, plus where the keys came from.
    nlohmann::json out = {{"UserId", identity.user_id},
                          {"Account", identity.account},
                          {"Arn", identity.arn},
                          {"CredentialsMethod", credentials.method},
                          {"CredentialsLocation", credentials.location}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("Account      {}\nArn          {}\nUserId       {}\nCredentials  {} ({})\n",
             identity.account, identity.arn, identity.user_id, credentials.method,
             credentials.location);
  return 0;
}

void add_aws_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* aws = twin.add_subcommand(
      "aws", "AWS: the AWS CLI's credentials and configuration as twin resolves them");
  aws->require_subcommand(1);
  auto add_common = [](CLI::App* cmd, const std::shared_ptr<AwsFlags>& flags) {
    cmd->add_option("--profile", flags->profile,
                    "The profile of ~/.aws/config and ~/.aws/credentials to use (default: "
                    "AWS_PROFILE, else \"default\"); it overrides AWS_ACCESS_KEY_ID");
    cmd->add_flag("--json", flags->json, "Print one JSON document");
  };
  CLI::App* configure = aws->add_subcommand("configure", "The AWS configuration");
  configure->require_subcommand(1);
  CLI::App* list = configure->add_subcommand(
      "list",
      "Show the profile, access key, secret key and region with where each came from, "
      "secrets masked, as `aws configure list` does");
  auto list_flags = std::make_shared<AwsFlags>();
  add_common(list, list_flags);
  actions.on(list, [list_flags](Context& ctx) { return configure_list(ctx, *list_flags); });

  CLI::App* who = aws->add_subcommand(
      "whoami",
      "Ask STS whose credentials these are (GetCallerIdentity; AWS_ENDPOINT_URL_STS "
      "overrides the endpoint)");
  auto who_flags = std::make_shared<AwsFlags>();
  add_common(who, who_flags);
  actions.on(who, [who_flags](Context& ctx) { return whoami(ctx, *who_flags); });
}

}  // namespace

TWIN_REGISTER_COMMAND(74, add_aws_command);

}  // namespace twin::cli
