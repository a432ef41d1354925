#include "twin/sagemaker/plan.h"

#include <fmt/format.h>

namespace twin::sagemaker {
namespace {

using nlohmann::json;

// arn:aws:iam::ACCOUNT:role/NAME -> ACCOUNT ("" when the ARN is not of that form).
std::string account_of_role(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!arn.starts_with(kPrefix)) return "";
  const std::string_view rest = arn.substr(kPrefix.size());
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos || !rest.substr(colon + 1).starts_with("role/")) return "";
  return std::string(rest.substr(0, colon));
}

Result<std::string> role_of(const Settings& settings) {
  const std::string role = settings.value_or("AWS_ARN_ROLE", "");
  if (role.empty() || role == "str") {  // "str" is env.example's placeholder
    return fail(Status::invalid_argument(
        "AWS_ARN_ROLE is not set: SageMaker needs an execution role "
        "(arn:aws:iam::ACCOUNT:role/NAME; `twin aws iam create-execution-role` makes one)"));
  }
  if (account_of_role(role).empty()) {
    return fail(Status::invalid_argument(fmt::format(
        "AWS_ARN_ROLE '{}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", role)));
  }
  return role;
}

// A whole-number setting as the container reads it (TGI parses these itself: a typo would only
// show as an endpoint that never becomes InService).
Result<std::string> count_setting(const Settings& settings, std::string_view name, int fallback) {
  const std::string text = settings.value_or(name, "");
  if (text.empty()) return std::to_string(fallback);
  if (text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9) {
    return fail(Status::invalid_argument(fmt::format("{} '{}' is not a whole number", name, text)));
  }
  return text;
}

}  // namespace

json training_hyperparameters(const json& parameters) {
  json hyperparameters = {{"finetuning_type", "sft"},
                          {"num_train_epochs", 3},
                          {"per_device_train_batch_size", 2},
                          {"learning_rate", 3e-4},
                          {"dataset_huggingface_workspace", "mlabonne"},
                          {"model_output_huggingface_workspace", "mlabonne"}};
  if (parameters.is_object()) {
    for (const auto& [name, value] : parameters.items()) hyperparameters[name] = value;
  }
  if (hyperparameters.contains("is_dummy") && hyperparameters["is_dummy"] != true) {
    hyperparameters.erase("is_dummy");
  }
  return hyperparameters;
}

Result<TrainingJob> plan_training_job(const Settings& settings, std::string region,
                                      const json& hyperparameters,
                                      std::chrono::system_clock::time_point now) {
  TrainingJob job;
  job.region = std::move(region);
  TWIN_ASSIGN_OR_RETURN(job.role_arn, role_of(settings));
  TWIN_ASSIGN_OR_RETURN(job.image, huggingface_training_image(job.region));
  job.name = timestamped_name("huggingface-pytorch-training", now);
  job.output_path = fmt::format("s3://sagemaker-{}-{}/", job.region, account_of_role(job.role_arn));
  job.hyperparameters = hyperparameters;
  job.environment = {{"HUGGING_FACE_HUB_TOKEN", settings.value_or("HUGGINGFACE_ACCESS_TOKEN", "")},
                     {"COMET_API_KEY", settings.value_or("COMET_API_KEY", "")},
                     {"COMET_PROJECT_NAME", settings.value_or("COMET_PROJECT", "twin")}};
  return job;
}

Endpoint endpoint_names(const Settings& settings) {
  Endpoint endpoint;
  endpoint.name = settings.value_or("SAGEMAKER_ENDPOINT_INFERENCE", "twin");
  endpoint.config_name = settings.value_or("SAGEMAKER_ENDPOINT_CONFIG_INFERENCE", "twin");
  return endpoint;
}

Result<Endpoint> plan_endpoint(const Settings& settings, std::string_view region) {
  Endpoint endpoint = endpoint_names(settings);
  TWIN_ASSIGN_OR_RETURN(endpoint.role_arn, role_of(settings));
  TWIN_ASSIGN_OR_RETURN(endpoint.image, huggingface_tgi_image(region));
  endpoint.instance_type = settings.value_or("GPU_INSTANCE_TYPE", "ml.g5.2xlarge");
  endpoint.environment = {
      {"HF_MODEL_ID", settings.value_or("HF_MODEL_ID", "mlabonne/TwinLlama-3.1-8B-13")},
      {"HUGGING_FACE_HUB_TOKEN", settings.value_or("HUGGINGFACE_ACCESS_TOKEN", "")},
      // The Handbook's fixed TGI settings (deploy/huggingface/config.py).
      {"MAX_BATCH_PREFILL_TOKENS", "10000"},
      {"HF_MODEL_QUANTIZE", "bitsandbytes"},
  };
  for (const auto& [name, fallback] : {std::pair{"SM_NUM_GPUS", 1},
                                       {"MAX_INPUT_LENGTH", 2048},
                                       {"MAX_TOTAL_TOKENS", 4096},
                                       {"MAX_BATCH_TOTAL_TOKENS", 4096}}) {
    TWIN_ASSIGN_OR_RETURN(endpoint.environment[name], count_setting(settings, name, fallback));
  }
  return endpoint;
}

}  // namespace twin::sagemaker
