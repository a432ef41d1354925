#include "twin/sagemaker/requests.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

#include "twin/cloud/s3_client.h"

namespace twin::sagemaker {
namespace {

using nlohmann::json;

// Versions the Handbook pins in its estimator (finetuning/sagemaker.py) and the TGI container
// the SDK's get_huggingface_llm_image_uri("huggingface") resolved to at the SDK version the
// Handbook requires (>= 2.232.2).
constexpr std::string_view kTrainingImageTag =
    "2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04";
constexpr std::string_view kTgiImageTag = "2.3.0-tgi2.2.0-gpu-py310-cu121-ubuntu22.04";

// The SDK's log level for the container (logging.INFO).
constexpr int kContainerLogLevel = 20;

struct Registry {
  std::string_view region;
  std::string_view account;
};

// AWS's deep-learning-container registries: one account serves most regions; the opt-in
// regions have their own.
constexpr std::array kRegistries = {
    Registry{"us-east-1", "763104351884"},      Registry{"us-east-2", "763104351884"},
    Registry{"us-west-1", "763104351884"},      Registry{"us-west-2", "763104351884"},
    Registry{"ca-central-1", "763104351884"},   Registry{"sa-east-1", "763104351884"},
    Registry{"eu-central-1", "763104351884"},   Registry{"eu-west-1", "763104351884"},
    Registry{"eu-west-2", "763104351884"},      Registry{"eu-west-3", "763104351884"},
    Registry{"eu-north-1", "763104351884"},     Registry{"ap-south-1", "763104351884"},
    Registry{"ap-northeast-1", "763104351884"}, Registry{"ap-northeast-2", "763104351884"},
    Registry{"ap-northeast-3", "763104351884"}, Registry{"ap-southeast-1", "763104351884"},
    Registry{"ap-southeast-2", "763104351884"}, Registry{"af-south-1", "626614931356"},
    Registry{"ap-east-1", "871362719292"},      Registry{"eu-south-1", "692866216735"},
    Registry{"me-south-1", "217643126080"},
};

Result<std::string> image(std::string_view region, std::string_view repository,
                          std::string_view tag) {
  TWIN_ASSIGN_OR_RETURN(std::string account, deep_learning_registry(region));
  return fmt::format("{}.dkr.ecr.{}.amazonaws.com/{}:{}", account, region, repository, tag);
}

Status require(bool ok, std::string_view field, std::string_view problem) {
  if (ok) return Status::ok();
  return Status::invalid_argument(fmt::format("{}: {}", field, problem));
}

// The bucket of an s3:// URI ("" when it is not one).
std::string bucket_of(std::string_view uri) {
  auto location = cloud::parse_s3_uri(uri);
  return location ? location->bucket : "";
}

}  // namespace

Result<std::string> deep_learning_registry(std::string_view region) {
  const auto* found = std::ranges::find(kRegistries, region, &Registry::region);
  if (found == kRegistries.end()) {
    return fail(Status::invalid_argument(fmt::format(
        "region '{}': no known Hugging Face container registry there; pass the image URI "
        "(--image)",
        region)));
  }
  return std::string(found->account);
}

Result<std::string> huggingface_training_image(std::string_view region) {
  return image(region, "huggingface-pytorch-training", kTrainingImageTag);
}

Result<std::string> huggingface_tgi_image(std::string_view region) {
  return image(region, "huggingface-pytorch-tgi-inference", kTgiImageTag);
}

std::string timestamped_name(std::string_view base, std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{}-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{:03}", base, utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

std::string source_archive_uri(const TrainingJob& job) {
  return fmt::format("s3://{}/{}/source/sourcedir.tar.gz", bucket_of(job.output_path), job.name);
}

Result<json> create_training_job_request(const TrainingJob& job) {
  TWIN_RETURN_IF_ERROR(require(!job.name.empty() && job.name.size() <= 63, "training job name",
                               "must be 1 to 63 characters"));
  TWIN_RETURN_IF_ERROR(require(job.role_arn.starts_with("arn:aws"), "role (AWS_ARN_ROLE)",
                               fmt::format("'{}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:"
                                           "role/NAME)",
                                           job.role_arn)));
  TWIN_RETURN_IF_ERROR(require(!job.image.empty(), "training image", "is empty"));
  TWIN_RETURN_IF_ERROR(require(!bucket_of(job.output_path).empty(), "output path",
                               fmt::format("'{}' is not an s3://BUCKET/ URI", job.output_path)));
  json hyperparameters = json::object();
  for (const auto& [name, value] : job.hyperparameters.items()) {
    hyperparameters[name] = value.dump();
  }
  hyperparameters["sagemaker_submit_directory"] = json(source_archive_uri(job)).dump();
  hyperparameters["sagemaker_program"] = json(job.entry_point).dump();
  hyperparameters["sagemaker_container_log_level"] = json(kContainerLogLevel).dump();
  hyperparameters["sagemaker_region"] = json(job.region).dump();
  json request = {
      {"TrainingJobName", job.name},
      {"AlgorithmSpecification",
       {{"TrainingImage", job.image},
        {"TrainingInputMode", "File"},
        {"EnableSageMakerMetricsTimeSeries", true}}},
      {"RoleArn", job.role_arn},
      {"OutputDataConfig", {{"S3OutputPath", job.output_path}}},
      {"ResourceConfig",
       {{"VolumeSizeInGB", job.volume_size_gb},
        {"InstanceCount", job.instance_count},
        {"InstanceType", job.instance_type}}},
      {"StoppingCondition", {{"MaxRuntimeInSeconds", job.max_runtime_seconds}}},
      {"HyperParameters", std::move(hyperparameters)},
      {"DebugHookConfig",
       {{"S3OutputPath", job.output_path}, {"CollectionConfigurations", json::array()}}},
  };
  if (!job.environment.empty()) request["Environment"] = job.environment;
  return request;
}

std::string model_name_of(const Endpoint& endpoint) {
  return endpoint.model_name.empty() ? endpoint.name + "-model" : endpoint.model_name;
}

Result<std::vector<std::pair<std::string, json>>> deploy_requests(const Endpoint& endpoint) {
  TWIN_RETURN_IF_ERROR(require(endpoint.role_arn.starts_with("arn:aws"), "role (AWS_ARN_ROLE)",
                               fmt::format("'{}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:"
                                           "role/NAME)",
                                           endpoint.role_arn)));
  TWIN_RETURN_IF_ERROR(require(!endpoint.image.empty(), "inference image", "is empty"));
  TWIN_RETURN_IF_ERROR(require(endpoint.environment.contains("HF_MODEL_ID"), "HF_MODEL_ID",
                               "names no model for the endpoint to serve"));
  const std::string model_name = model_name_of(endpoint);
  std::vector<std::pair<std::string, json>> requests;
  requests.emplace_back(
      "CreateModel",
      json{{"ModelName", model_name},
           {"PrimaryContainer", {{"Image", endpoint.image}, {"Environment", endpoint.environment}}},
           {"ExecutionRoleArn", endpoint.role_arn}});
  requests.emplace_back(
      "CreateEndpointConfig",
      json{{"EndpointConfigName", endpoint.config_name},
           {"ProductionVariants", json::array({{{"VariantName", "AllTraffic"},
                                                {"ModelName", model_name},
                                                {"InitialInstanceCount", endpoint.instance_count},
                                                {"InstanceType", endpoint.instance_type},
                                                {"ContainerStartupHealthCheckTimeoutInSeconds",
                                                 endpoint.health_check_timeout_seconds}}})}});
  requests.emplace_back("CreateEndpoint", json{{"EndpointName", endpoint.name},
                                               {"EndpointConfigName", endpoint.config_name}});
  return requests;
}

std::vector<std::pair<std::string, json>> delete_requests(const Endpoint& endpoint) {
  const std::string model_name = model_name_of(endpoint);
  return {{"DeleteEndpoint", json{{"EndpointName", endpoint.name}}},
          {"DeleteEndpointConfig", json{{"EndpointConfigName", endpoint.config_name}}},
          {"DeleteModel", json{{"ModelName", model_name}}}};
}

json tgi_payload(std::string_view prompt, int max_new_tokens, double top_p, double temperature) {
  return {{"inputs", prompt},
          {"parameters",
           {{"max_new_tokens", max_new_tokens},
            {"top_p", top_p},
            {"temperature", temperature},
            {"return_full_text", false}}}};
}

Result<std::string> tgi_generated_text(std::string_view body) {
  const json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_array() && !answer.empty() && answer[0].is_object() &&
      answer[0].contains("generated_text") && answer[0]["generated_text"].is_string()) {
    return answer[0]["generated_text"].get<std::string>();
  }
  return fail(Status::invalid_argument(
      fmt::format("the endpoint's answer is not TGI's [{{\"generated_text\": ...}}]: {}",
                  body.substr(0, 200))));
}

std::vector<std::pair<std::string, std::map<std::string, std::string>>> execution_role_requests(
    std::string_view role_name) {
  const json trust = {
      {"Version", "2012-10-17"},
      {"Statement", json::array({{{"Effect", "Allow"},
                                  {"Principal", {{"Service", "sagemaker.amazonaws.com"}}},
                                  {"Action", "sts:AssumeRole"}}})}};
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> requests;
  requests.push_back({"CreateRole",
                      {{"RoleName", std::string(role_name)},
                       {"AssumeRolePolicyDocument", trust.dump()},
                       {"Description", "Execution role for SageMaker"}}});
  for (std::string_view policy :
       {"AmazonSageMakerFullAccess", "AmazonS3FullAccess", "CloudWatchLogsFullAccess",
        "AmazonEC2ContainerRegistryFullAccess"}) {
    requests.push_back({"AttachRolePolicy",
                        {{"RoleName", std::string(role_name)},
                         {"PolicyArn", fmt::format("arn:aws:iam::aws:policy/{}", policy)}}});
  }
  return requests;
}

}  // namespace twin::sagemaker
