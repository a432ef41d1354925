// twin sagemaker train | deploy | invoke | delete: the Handbook's SageMaker fine-tuning job and
// TGI endpoint, as the requests its SDK calls send (twin/sagemaker/requests.h).
//
// Each command takes --dry-run, which prints the exact requests (secrets masked unless
// --show-secrets) and sends nothing; --json prints them as a JSON array of {"service",
// "operation", "url", "params"}, the form tests/sagemaker/aws_service_server.py records.
// Sending them needs the AWS credential chain and SigV4 signing (issue 12): until that lands,
// a command without --dry-run exits 2 and says so.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "command.h"
#include "twin/orchestrator/run_config.h"
#include "twin/sagemaker/plan.h"
#include "twin/sagemaker/requests.h"
#include "twin/sagemaker/source_archive.h"

namespace twin::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommonArgs {
  bool dry_run = false;
  bool json = false;
  bool show_secrets = false;
};

struct TrainArgs {
  CommonArgs common;
  std::string config;
  std::vector<std::string> params;
  std::string source_dir = "llm_engineering/model/finetuning";
  std::string entry_point = "finetune.py";
  std::string job_name;
  std::string instance_type;
};

struct InvokeArgs {
  CommonArgs common;
  std::string prompt;
  int max_new_tokens = 150;   // the Handbook's MAX_NEW_TOKENS_INFERENCE
  double top_p = 0.9;         // TOP_P_INFERENCE
  double temperature = 0.01;  // TEMPERATURE_INFERENCE
};

// One service request: which service, the operation, where it goes and its parameters.
struct Request {
  std::string service;  // sagemaker, sagemaker-runtime, s3
  std::string operation;
  std::string url;
  json params;
};

std::string sagemaker_url(std::string_view region) {
  return fmt::format("https://api.sagemaker.{}.amazonaws.com/", region);
}

// Secrets (names holding TOKEN, KEY, SECRET, PASSWORD) in every Environment map are masked.
json masked(json params) {
  for (const char* holder : {"Environment"}) {
    if (params.contains(holder)) {
      for (auto& [name, value] : params[holder].items()) {
        if (Settings::is_secret(name) && value.is_string()) {
          value = Settings::mask(value.get<std::string>());
        }
      }
    }
  }
  if (params.contains("PrimaryContainer")) {
    params["PrimaryContainer"] = masked(params["PrimaryContainer"]);
  }
  return params;
}

Status not_sent_yet() {
  return Status::invalid_argument(
      "sending to SageMaker needs the AWS credential chain and SigV4 signing, which are not "
      "built yet (issue 12): add --dry-run to print the requests");
}

Result<int> print_requests(const std::vector<Request>& requests, const CommonArgs& args) {
  if (!args.dry_run) return fail(not_sent_yet());
  if (args.json) {
    json out = json::array();
    for (const Request& r : requests) {
      out.push_back({{"service", r.service},
                     {"operation", r.operation},
                     {"url", r.url},
                     {"params", args.show_secrets ? r.params : masked(r.params)}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  for (const Request& r : requests) {
    const json params = args.show_secrets ? r.params : masked(r.params);
    if (r.service == "sagemaker") {
      fmt::print("POST {}  X-Amz-Target: SageMaker.{}\n{}\n\n", r.url, r.operation, params.dump(2));
    } else {
      fmt::print("{} {}\n{}\n\n", r.operation, r.url, params.dump(2));
    }
  }
  fmt::print("(dry run: nothing was sent)\n");
  return 0;
}

Result<int> train_command(const Context& ctx, const TrainArgs& args) {
  orchestrator::RunConfig config;
  if (!args.config.empty()) {
    fs::path file = args.config;
    if (file.is_relative()) file = fs::absolute(file);
    TWIN_ASSIGN_OR_RETURN(config, orchestrator::load_run_config(file));
  }
  for (const std::string& param : args.params) {
    TWIN_RETURN_IF_ERROR(orchestrator::apply_param_override(config, param));
  }
  fs::path source = args.source_dir;
  if (source.is_relative()) source = ctx.root() / source;
  if (!fs::is_directory(source)) {
    return fail(Status::invalid_argument(
        fmt::format("--source-dir {}: no such folder (the code SageMaker runs: the Handbook's is "
                    "llm_engineering/model/finetuning)",
                    source.string())));
  }
  if (!fs::is_regular_file(source / args.entry_point)) {
    return fail(Status::invalid_argument(
        fmt::format("--entry-point {}: not a file in {}", args.entry_point, source.string())));
  }
  TWIN_ASSIGN_OR_RETURN(sagemaker::TrainingJob job,
                        sagemaker::plan_training_job(
                            ctx.settings(), sagemaker::training_hyperparameters(config.parameters),
                            std::chrono::system_clock::now()));
  job.entry_point = args.entry_point;
  if (!args.job_name.empty()) job.name = args.job_name;
  if (!args.instance_type.empty()) job.instance_type = args.instance_type;
  TWIN_ASSIGN_OR_RETURN(json create, sagemaker::create_training_job_request(job));
  // Packed for real (into a temporary file) so the dry run shows what would be uploaded.
  const fs::path archive_file =
      fs::temp_directory_path() / fmt::format("twin-sourcedir-{}.tar.gz", ::getpid());
  auto packed = sagemaker::pack_source_folder(source, archive_file);
  std::error_code ignored;
  fs::remove(archive_file, ignored);
  if (!packed) return fail(packed.error());
  const std::string archive = sagemaker::source_archive_uri(job);
  std::vector<Request> requests;
  requests.push_back({"s3",
                      "PutObject",
                      archive,
                      {{"Body", fmt::format("sourcedir.tar.gz of {}: {} files, {} bytes",
                                            source.string(), packed->files, packed->bytes)}}});
  requests.push_back({"sagemaker", "CreateTrainingJob", sagemaker_url(job.region), create});
  return print_requests(requests, args.common);
}

Result<int> deploy_command(const Context& ctx, const CommonArgs& args) {
  TWIN_ASSIGN_OR_RETURN(sagemaker::Endpoint endpoint, sagemaker::plan_endpoint(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto planned, sagemaker::deploy_requests(endpoint));
  std::vector<Request> requests;
  const std::string url = sagemaker_url(sagemaker::region_of(ctx.settings()));
  for (auto& [operation, params] : planned)
    requests.push_back({"sagemaker", operation, url, params});
  return print_requests(requests, args);
}

Result<int> invoke_command(const Context& ctx, const InvokeArgs& args) {
  const std::string endpoint = ctx.settings().value_or("SAGEMAKER_ENDPOINT_INFERENCE", "twin");
  const std::string url =
      fmt::format("https://runtime.sagemaker.{}.amazonaws.com/endpoints/{}/invocations",
                  sagemaker::region_of(ctx.settings()), endpoint);
  const json payload =
      sagemaker::tgi_payload(args.prompt, args.max_new_tokens, args.top_p, args.temperature);
  return print_requests(
      {{"sagemaker-runtime",
        "InvokeEndpoint",
        url,
        {{"EndpointName", endpoint}, {"ContentType", "application/json"}, {"Body", payload}}}},
      args.common);
}

Result<int> delete_command(const Context& ctx, const CommonArgs& args) {
  sagemaker::Endpoint endpoint;
  endpoint.name = ctx.settings().value_or("SAGEMAKER_ENDPOINT_INFERENCE", "twin");
  endpoint.config_name = ctx.settings().value_or("SAGEMAKER_ENDPOINT_CONFIG_INFERENCE", "twin");
  std::vector<Request> requests;
  const std::string url = sagemaker_url(sagemaker::region_of(ctx.settings()));
  for (auto& [operation, params] : sagemaker::delete_requests(endpoint)) {
    requests.push_back({"sagemaker", operation, url, params});
  }
  return print_requests(requests, args);
}

void add_common_flags(CLI::App* command, CommonArgs& args) {
  command->add_flag("--dry-run", args.dry_run, "Print the exact requests; send nothing");
  command->add_flag("--json", args.json, "With --dry-run: the requests as a JSON array");
  command->add_flag("--show-secrets", args.show_secrets,
                    "With --dry-run: print tokens and keys instead of masking them");
}

void add_sagemaker_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* sagemaker = twin.add_subcommand(
      "sagemaker", "Fine-tune on SageMaker and serve the model from a SageMaker endpoint");
  sagemaker->require_subcommand(1);

  CLI::App* train = sagemaker->add_subcommand(
      "train", "Start the Handbook's fine-tuning job (Hugging Face training container)");
  auto train_args = std::make_shared<TrainArgs>();
  train->add_option("--config", train_args->config,
                    "Run config whose parameters: are the hyperparameters (configs/training.yaml)");
  train->add_option("--param", train_args->params, "KEY=VALUE hyperparameter (VALUE as YAML)");
  train
      ->add_option("--source-dir", train_args->source_dir, "Code folder packed as sourcedir.tar.gz")
      ->capture_default_str();
  train->add_option("--entry-point", train_args->entry_point, "Script SageMaker runs")
      ->capture_default_str();
  train->add_option("--job-name", train_args->job_name,
                    "Training job name (default: huggingface-pytorch-training-TIMESTAMP)");
  train->add_option("--instance-type", train_args->instance_type,
                    "Instance type (default: ml.g5.2xlarge)");
  add_common_flags(train, train_args->common);
  actions.on(train, [train_args](Context& ctx) { return train_command(ctx, *train_args); });

  CLI::App* deploy = sagemaker->add_subcommand(
      "deploy", "Create the model, endpoint config and endpoint serving HF_MODEL_ID with TGI");
  auto deploy_args = std::make_shared<CommonArgs>();
  add_common_flags(deploy, *deploy_args);
  actions.on(deploy, [deploy_args](Context& ctx) { return deploy_command(ctx, *deploy_args); });

  CLI::App* invoke = sagemaker->add_subcommand(
      "invoke", "Ask the endpoint (SAGEMAKER_ENDPOINT_INFERENCE) to complete PROMPT");
  auto invoke_args = std::make_shared<InvokeArgs>();
  invoke->add_option("PROMPT", invoke_args->prompt, "Text to complete")->required();
  invoke->add_option("--max-new-tokens", invoke_args->max_new_tokens, "TGI max_new_tokens")
      ->capture_default_str();
  invoke->add_option("--top-p", invoke_args->top_p, "TGI top_p")->capture_default_str();
  invoke->add_option("--temperature", invoke_args->temperature, "TGI temperature")
      ->capture_default_str();
  add_common_flags(invoke, invoke_args->common);
  actions.on(invoke, [invoke_args](Context& ctx) { return invoke_command(ctx, *invoke_args); });

  CLI::App* remove =
      sagemaker->add_subcommand("delete", "Delete the endpoint, its endpoint config and its model");
  auto delete_args = std::make_shared<CommonArgs>();
  add_common_flags(remove, *delete_args);
  actions.on(remove, [delete_args](Context& ctx) { return delete_command(ctx, *delete_args); });
}

}  // namespace

TWIN_REGISTER_COMMAND(74, add_sagemaker_command);

}  // namespace twin::cli
