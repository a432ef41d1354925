// twin aws configure list | whoami | iam create-execution-role: the AWS CLI's configuration as
// twin resolves it, who the credentials belong to (STS GetCallerIdentity), and the Handbook's
// SageMaker execution role.
#include <nlohmann/json.hpp>

#include "command.h"
#include "twin/cloud/aws_config.h"
#include "twin/cloud/sts.h"
#include "twin/cloud/xml_text.h"
#include "twin/sagemaker/client.h"
#include "twin/sagemaker/requests.h"

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

struct RoleFlags {
  AwsFlags aws;
  std::string role_name = "SageMakerExecutionRoleLLM";
  bool dry_run = false;
};

// The Handbook's create_execution_role: CreateRole (an existing role is reused, as re-running
// the script should be harmless), then the four AttachRolePolicy calls. Prints the role's ARN,
// the value AWS_ARN_ROLE wants.
Result<int> create_execution_role(Context& ctx, const RoleFlags& flags) {
  const auto requests = sagemaker::execution_role_requests(flags.role_name);
  TWIN_ASSIGN_OR_RETURN(cloud::AwsConfig config,
                        cloud::AwsConfig::load(cloud::aws_options_from_settings(
                            ctx.settings(), profile_flag(flags.aws))));
  const std::string url = sagemaker::SageMakerClient::endpoint_url(config, "iam", "us-east-1");
  if (flags.dry_run) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [action, params] : requests) {
      out.push_back({{"service", "iam"}, {"operation", action}, {"url", url}, {"params", params}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  TWIN_ASSIGN_OR_RETURN(auto client, sagemaker::SageMakerClient::open(config, "us-east-1"));
  std::string arn;
  for (const auto& [action, params] : requests) {
    auto answer = client.iam(action, params);
    if (!answer && action == "CreateRole" &&
        answer.error().message().find("EntityAlreadyExists") != std::string::npos) {
      if (!ctx.quiet()) fmt::print(stderr, "role {} exists already: reusing it\n", flags.role_name);
      answer = client.iam("GetRole", {{"RoleName", flags.role_name}});
    }
    if (!answer) return fail(answer.error());
    if (arn.empty()) arn = cloud::xml_text(*answer, "Arn");
    if (!ctx.quiet() && action == "AttachRolePolicy") {
      fmt::print(stderr, "attached {}\n", params.at("PolicyArn"));
    }
  }
  if (flags.aws.json) {
    fmt::print("{}\n", nlohmann::json{{"RoleName", flags.role_name}, {"Arn", arn}}.dump(2));
  } else {
    fmt::print("{}\nset it in .env: AWS_ARN_ROLE={}\n", arn, arn);
  }
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

  CLI::App* iam = aws->add_subcommand("iam", "IAM: the roles twin's SageMaker commands need");
  iam->require_subcommand(1);
  CLI::App* role = iam->add_subcommand(
      "create-execution-role",
      "Create the Handbook's SageMaker execution role (trusted by sagemaker.amazonaws.com, with "
      "SageMaker, S3, CloudWatch Logs and ECR full access) and print its ARN for AWS_ARN_ROLE; "
      "AWS_ENDPOINT_URL_IAM overrides the endpoint");
  auto role_flags = std::make_shared<RoleFlags>();
  add_common(role, std::shared_ptr<AwsFlags>(role_flags, &role_flags->aws));
  role->add_option("--role-name", role_flags->role_name, "The role's name")->capture_default_str();
  role->add_flag("--dry-run", role_flags->dry_run, "Print the IAM requests; send nothing");
  actions.on(role, [role_flags](Context& ctx) { return create_execution_role(ctx, *role_flags); });
}

}  // namespace

TWIN_REGISTER_COMMAND(74, add_aws_command);

}  // namespace twin::cli
