// twin sagemaker train | deploy | invoke | delete: the Handbook's SageMaker fine-tuning job and
// TGI endpoint, as the requests its SDK calls send (twin/sagemaker/requests.h).
//
// Requests go out signed with the AWS CLI's credentials and region (cloud/aws_config.h), to
// AWS's endpoints or the AWS_ENDPOINT_URL_* overrides (sagemaker/client.h). --dry-run prints the
// exact requests instead (secrets masked unless --show-secrets); with --json as a JSON array of
// {"service", "operation", "url", "params"}, the form tests/sagemaker/aws_service_server.py
// records.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "command.h"
#include "twin/cloud/aws_config.h"
#include "twin/cloud/s3_client.h"
#include "twin/db/database.h"
#include "twin/orchestrator/run_config.h"
#include "twin/orchestrator/stores.h"
#include "twin/sagemaker/client.h"
#include "twin/sagemaker/follow.h"
#include "twin/sagemaker/plan.h"
#include "twin/sagemaker/requests.h"
#include "twin/sagemaker/source_archive.h"
#include "twin/tracking/tracking_store.h"

namespace twin::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The Handbook's region (env.example) when the AWS configuration names none.
constexpr std::string_view kDefaultRegion = "eu-central-1";

struct CommonArgs {
  std::string profile;
  bool dry_run = false;
  bool json = false;
  bool show_secrets = false;
  double poll_seconds = 15;
};

struct TrainArgs {
  CommonArgs common;
  std::string config;
  std::vector<std::string> params;
  std::string source_dir = "llm_engineering/model/finetuning";
  std::string entry_point = "finetune.py";
  std::string job_name;
  std::string instance_type;
  bool wait = false;
};

struct DeployArgs {
  CommonArgs common;
  bool no_wait = false;
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

// The AWS configuration of the command and its region.
struct Aws {
  cloud::AwsConfig config;
  std::string region;
};

Result<Aws> load_aws(const Context& ctx, const CommonArgs& args) {
  TWIN_ASSIGN_OR_RETURN(
      cloud::AwsConfig config,
      cloud::AwsConfig::load(cloud::aws_options_from_settings(
          ctx.settings(),
          args.profile.empty() ? std::nullopt : std::optional<std::string>(args.profile))));
  std::string region = config.region_value().value;
  if (region.empty()) region = std::string(kDefaultRegion);
  return Aws{std::move(config), std::move(region)};
}

// Secrets (names holding TOKEN, KEY, SECRET, PASSWORD) in Environment maps are masked.
json masked(json params) {
  if (params.contains("Environment")) {
    for (auto& [name, value] : params["Environment"].items()) {
      if (Settings::is_secret(name) && value.is_string()) {
        value = Settings::mask(value.get<std::string>());
      }
    }
  }
  if (params.contains("PrimaryContainer")) {
    params["PrimaryContainer"] = masked(params["PrimaryContainer"]);
  }
  return params;
}

int print_requests(const std::vector<Request>& requests, const CommonArgs& args) {
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
      fmt::print("POST {}/  X-Amz-Target: SageMaker.{}\n{}\n\n", r.url, r.operation,
                 params.dump(2));
    } else {
      fmt::print("{} {}\n{}\n\n", r.operation, r.url, params.dump(2));
    }
  }
  fmt::print("(dry run: nothing was sent)\n");
  return 0;
}

std::chrono::milliseconds poll_interval(const CommonArgs& args) {
  return std::chrono::milliseconds(static_cast<long>(std::max(0.0, args.poll_seconds) * 1000));
}

// Status changes and log lines on stderr, as progress; quiet with -q.
sagemaker::FollowOutput progress(const Context& ctx, std::string_view what) {
  return [&ctx, what = std::string(what)](std::string_view kind, std::string_view text) {
    if (ctx.quiet()) return;
    if (kind == "status") {
      fmt::print(stderr, "{}: {}\n", what, text);
    } else {
      fmt::print(stderr, "  {}\n", text);
    }
  };
}

// Uploads the archive; the SDK's default bucket is created when it does not exist yet, as the
// SDK's Session.default_bucket() does.
Status upload_source(const cloud::AwsConfig& config, const std::string& uri,
                     const fs::path& archive) {
  TWIN_ASSIGN_OR_RETURN(auto s3, cloud::S3Client::from_config(config));
  TWIN_ASSIGN_OR_RETURN(cloud::S3Location location, cloud::parse_s3_uri(uri));
  const std::string& bucket = location.bucket;
  const std::string& key = location.prefix;
  Status uploaded = s3->upload_file(bucket, key, archive);
  if (uploaded.code() == StatusCode::kNotFound && bucket.starts_with("sagemaker-")) {
    TWIN_RETURN_IF_ERROR(s3->create_bucket(bucket));
    uploaded = s3->upload_file(bucket, key, archive);
  }
  return uploaded;
}

// The training job as a run of the tracker (experiment "sagemaker", as `twin server` shows
// it): its hyperparameters as params, the job's ARN, image and code as tags; finish() records
// how it ended and where the model is.
class TrackedJob {
 public:
  static Result<TrackedJob> start(const Context& ctx, const sagemaker::TrainingJob& job,
                                  const std::string& arn, const std::string& code) {
    TrackedJob tracked;
    TWIN_ASSIGN_OR_RETURN(tracked.database_,
                          db::Database::open(orchestrator::metadata_uri(
                              ctx.settings(), orchestrator::StoreAccess::kReadWrite)));
    TWIN_ASSIGN_OR_RETURN(
        tracked.store_, tracking::TrackingStore::open(*tracked.database_,
                                                      std::string(tracking::kMlflowArtifactsRoot)));
    TWIN_ASSIGN_OR_RETURN(std::string experiment, tracked.store_->ensure_experiment("sagemaker"));
    tracking::CreateRunRequest request;
    request.experiment_id = experiment;
    request.run_name = job.name;
    request.tags = {{"sagemaker.training_job_arn", arn},
                    {"sagemaker.training_image", job.image},
                    {"sagemaker.instance_type", job.instance_type},
                    {"sagemaker.source", code}};
    TWIN_ASSIGN_OR_RETURN(tracking::Run run, tracked.store_->create_run(request));
    tracked.run_id_ = run.info.run_id;
    tracking::RunDataBatch batch;
    for (const auto& [name, value] : job.hyperparameters.items()) {
      batch.params.push_back({name, value.is_string() ? value.get<std::string>() : value.dump()});
    }
    TWIN_RETURN_IF_ERROR(tracked.store_->log_batch(tracked.run_id_, batch));
    return tracked;
  }

  const std::string& run_id() const { return run_id_; }

  Status finish(const sagemaker::TrainingOutcome& outcome) {
    tracking::RunDataBatch batch;
    batch.tags = {{"sagemaker.status", outcome.status}};
    if (!outcome.model_artifacts.empty()) {
      batch.tags.push_back({"sagemaker.model_artifacts", outcome.model_artifacts});
    }
    if (!outcome.failure_reason.empty()) {
      batch.tags.push_back({"sagemaker.failure_reason", outcome.failure_reason});
    }
    TWIN_RETURN_IF_ERROR(store_->log_batch(run_id_, batch));
    tracking::UpdateRunRequest update;
    update.status = outcome.status == "Completed" ? tracking::RunStatus::kFinished
                                                  : tracking::RunStatus::kFailed;
    update.end_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    auto updated = store_->update_run(run_id_, update);
    return updated ? Status::ok() : updated.error();
  }

 private:
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<tracking::TrackingStore> store_;
  std::string run_id_;
};

Result<int> train_command(const Context& ctx, const TrainArgs& args) {
  orchestrator::RunConfig config;
  if (!args.config.empty()) {
    TWIN_ASSIGN_OR_RETURN(config, orchestrator::load_run_config(fs::absolute(args.config)));
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
  TWIN_ASSIGN_OR_RETURN(Aws aws, load_aws(ctx, args.common));
  TWIN_ASSIGN_OR_RETURN(
      sagemaker::TrainingJob job,
      sagemaker::plan_training_job(ctx.settings(), aws.region,
                                   sagemaker::training_hyperparameters(config.parameters),
                                   std::chrono::system_clock::now()));
  job.entry_point = args.entry_point;
  if (!args.job_name.empty()) job.name = args.job_name;
  if (!args.instance_type.empty()) job.instance_type = args.instance_type;
  TWIN_ASSIGN_OR_RETURN(json create, sagemaker::create_training_job_request(job));

  const fs::path archive =
      fs::temp_directory_path() / fmt::format("twin-sourcedir-{}.tar.gz", ::getpid());
  auto packed = sagemaker::pack_source_folder(source, archive);
  if (!packed) return fail(packed.error());
  const std::string archive_uri = sagemaker::source_archive_uri(job);
  const std::string sagemaker_url =
      sagemaker::SageMakerClient::endpoint_url(aws.config, "sagemaker", aws.region);
  if (args.common.dry_run) {
    std::error_code ignored;
    fs::remove(archive, ignored);
    return print_requests({{"s3",
                            "PutObject",
                            archive_uri,
                            {{"Body", fmt::format("sourcedir.tar.gz of {}: {} files, {} bytes",
                                                  source.string(), packed->files, packed->bytes)}}},
                           {"sagemaker", "CreateTrainingJob", sagemaker_url, create}},
                          args.common);
  }
  const Status uploaded = upload_source(aws.config, archive_uri, archive);
  std::error_code ignored;
  fs::remove(archive, ignored);
  TWIN_RETURN_IF_ERROR(uploaded);
  TWIN_ASSIGN_OR_RETURN(auto client, sagemaker::SageMakerClient::open(aws.config, aws.region));
  TWIN_ASSIGN_OR_RETURN(json started, client.sagemaker("CreateTrainingJob", create));
  const std::string arn = started.value("TrainingJobArn", "");
  TWIN_ASSIGN_OR_RETURN(TrackedJob tracked, TrackedJob::start(ctx, job, arn, archive_uri));
  if (!args.wait) {
    if (args.common.json) {
      fmt::print(
          "{}\n",
          json{{"TrainingJobName", job.name}, {"TrainingJobArn", arn}, {"RunId", tracked.run_id()}}
              .dump(2));
    } else {
      fmt::print(
          "started training job {}\n  {}\n  code: {}\n  tracked as run {} (experiment "
          "sagemaker)\n",
          job.name, arn, archive_uri, tracked.run_id());
    }
    return 0;
  }
  TWIN_ASSIGN_OR_RETURN(sagemaker::TrainingOutcome outcome,
                        sagemaker::follow_training_job(client, job.name, poll_interval(args.common),
                                                       progress(ctx, job.name)));
  TWIN_RETURN_IF_ERROR(tracked.finish(outcome));
  if (args.common.json) {
    fmt::print("{}\n", json{{"TrainingJobName", job.name},
                            {"TrainingJobArn", arn},
                            {"RunId", tracked.run_id()},
                            {"TrainingJobStatus", outcome.status},
                            {"FailureReason", outcome.failure_reason},
                            {"S3ModelArtifacts", outcome.model_artifacts}}
                           .dump(2));
  } else {
    fmt::print("training job {} {}{} (run {})\n", job.name, outcome.status,
               outcome.model_artifacts.empty() ? "" : ": model at " + outcome.model_artifacts,
               tracked.run_id());
  }
  if (outcome.status != "Completed") {
    return fail(Status::failed_precondition(
        fmt::format("training job {} {}: {}", job.name, outcome.status, outcome.failure_reason)));
  }
  return 0;
}

Result<int> deploy_command(const Context& ctx, const DeployArgs& args) {
  TWIN_ASSIGN_OR_RETURN(Aws aws, load_aws(ctx, args.common));
  TWIN_ASSIGN_OR_RETURN(sagemaker::Endpoint endpoint,
                        sagemaker::plan_endpoint(ctx.settings(), aws.region));
  TWIN_ASSIGN_OR_RETURN(auto planned, sagemaker::deploy_requests(endpoint));
  if (args.common.dry_run) {
    const std::string url =
        sagemaker::SageMakerClient::endpoint_url(aws.config, "sagemaker", aws.region);
    std::vector<Request> requests;
    for (auto& [operation, params] : planned) {
      requests.push_back({"sagemaker", operation, url, params});
    }
    return print_requests(requests, args.common);
  }
  TWIN_ASSIGN_OR_RETURN(auto client, sagemaker::SageMakerClient::open(aws.config, aws.region));
  for (const auto& [operation, params] : planned) {
    if (auto sent = client.sagemaker(operation, params); !sent) return fail(sent.error());
  }
  json described = {{"EndpointName", endpoint.name}, {"EndpointStatus", "Creating"}};
  if (!args.no_wait) {
    TWIN_ASSIGN_OR_RETURN(
        described, sagemaker::wait_for_endpoint(client, endpoint.name, poll_interval(args.common),
                                                progress(ctx, endpoint.name)));
  }
  if (args.common.json) {
    fmt::print("{}\n", described.dump(2));
  } else {
    fmt::print("endpoint {} {} (model {}, {}), serving {}\n", endpoint.name,
               described.value("EndpointStatus", ""), sagemaker::model_name_of(endpoint),
               endpoint.instance_type, endpoint.environment["HF_MODEL_ID"]);
  }
  return 0;
}

Result<int> invoke_command(const Context& ctx, const InvokeArgs& args) {
  TWIN_ASSIGN_OR_RETURN(Aws aws, load_aws(ctx, args.common));
  const std::string endpoint = sagemaker::endpoint_names(ctx.settings()).name;
  const json payload =
      sagemaker::tgi_payload(args.prompt, args.max_new_tokens, args.top_p, args.temperature);
  if (args.common.dry_run) {
    const std::string url = fmt::format(
        "{}/endpoints/{}/invocations",
        sagemaker::SageMakerClient::endpoint_url(aws.config, "sagemaker-runtime", aws.region),
        endpoint);
    return print_requests(
        {{"sagemaker-runtime",
          "InvokeEndpoint",
          url,
          {{"EndpointName", endpoint}, {"ContentType", "application/json"}, {"Body", payload}}}},
        args.common);
  }
  TWIN_ASSIGN_OR_RETURN(auto client, sagemaker::SageMakerClient::open(aws.config, aws.region));
  TWIN_ASSIGN_OR_RETURN(std::string answer,
                        client.invoke(endpoint, payload.dump(), "application/json"));
  if (args.common.json) {
    fmt::print("{}\n", answer);
    return 0;
  }
  TWIN_ASSIGN_OR_RETURN(std::string text, sagemaker::tgi_generated_text(answer));
  fmt::print("{}\n", text);
  return 0;
}

Result<int> delete_command(const Context& ctx, const CommonArgs& args) {
  TWIN_ASSIGN_OR_RETURN(Aws aws, load_aws(ctx, args));
  const auto planned = sagemaker::delete_requests(sagemaker::endpoint_names(ctx.settings()));
  if (args.dry_run) {
    const std::string url =
        sagemaker::SageMakerClient::endpoint_url(aws.config, "sagemaker", aws.region);
    std::vector<Request> requests;
    for (const auto& [operation, params] : planned) {
      requests.push_back({"sagemaker", operation, url, params});
    }
    return print_requests(requests, args);
  }
  TWIN_ASSIGN_OR_RETURN(auto client, sagemaker::SageMakerClient::open(aws.config, aws.region));
  for (const auto& [operation, params] : planned) {
    if (auto sent = client.sagemaker(operation, params); !sent) return fail(sent.error());
    if (!ctx.quiet()) fmt::print(stderr, "{} {}\n", operation, params.begin().value().dump());
  }
  return 0;
}

void add_common_flags(CLI::App* command, CommonArgs& args, bool polls) {
  command->add_option("--profile", args.profile,
                      "The AWS CLI profile to use (default: AWS_PROFILE, else \"default\")");
  command->add_flag("--dry-run", args.dry_run, "Print the exact requests; send nothing");
  command->add_flag("--json", args.json, "Print JSON (with --dry-run: the requests as an array)");
  command->add_flag("--show-secrets", args.show_secrets,
                    "With --dry-run: print tokens and keys instead of masking them");
  if (polls) {
    command->add_option("--poll-interval", args.poll_seconds, "Seconds between status checks")
        ->capture_default_str();
  }
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
  train->add_flag("--wait", train_args->wait,
                  "Follow the job (status and CloudWatch log lines) until it ends");
  add_common_flags(train, train_args->common, true);
  actions.on(train, [train_args](Context& ctx) { return train_command(ctx, *train_args); });

  CLI::App* deploy = sagemaker->add_subcommand(
      "deploy", "Create the model, endpoint config and endpoint serving HF_MODEL_ID with TGI");
  auto deploy_args = std::make_shared<DeployArgs>();
  deploy->add_flag("--no-wait", deploy_args->no_wait, "Return before the endpoint is InService");
  add_common_flags(deploy, deploy_args->common, true);
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
  add_common_flags(invoke, invoke_args->common, false);
  actions.on(invoke, [invoke_args](Context& ctx) { return invoke_command(ctx, *invoke_args); });

  CLI::App* remove =
      sagemaker->add_subcommand("delete", "Delete the endpoint, its endpoint config and its model");
  auto delete_args = std::make_shared<CommonArgs>();
  add_common_flags(remove, *delete_args, false);
  actions.on(remove, [delete_args](Context& ctx) { return delete_command(ctx, *delete_args); });
}

}  // namespace

TWIN_REGISTER_COMMAND(74, add_sagemaker_command);

}  // namespace twin::cli
