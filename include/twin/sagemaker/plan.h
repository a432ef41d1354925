// From a project's settings (the Handbook's names) to the SageMaker requests of requests.h.
//
// The region is the caller's (the AWS configuration's, cloud/aws_config.h). Settings read:
// AWS_ARN_ROLE (the execution role; its account names the default bucket
// sagemaker-REGION-ACCOUNT, as the SDK's default bucket), HUGGINGFACE_ACCESS_TOKEN,
// COMET_API_KEY, COMET_PROJECT, and for endpoints HF_MODEL_ID, GPU_INSTANCE_TYPE, SM_NUM_GPUS,
// MAX_INPUT_LENGTH, MAX_TOTAL_TOKENS, MAX_BATCH_TOTAL_TOKENS, SAGEMAKER_ENDPOINT_INFERENCE,
// SAGEMAKER_ENDPOINT_CONFIG_INFERENCE, with the Handbook's defaults (settings.py).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "twin/core/settings.h"
#include "twin/core/status.h"
#include "twin/sagemaker/requests.h"

namespace twin::sagemaker {

// The Handbook's training parameters (run_finetuning_on_sagemaker's defaults) overlaid with
// `parameters` (a run config's `parameters:`, e.g. configs/training.yaml). `is_dummy` is sent
// only when true, as the Handbook does.
nlohmann::json training_hyperparameters(const nlohmann::json& parameters);

// The training job for `hyperparameters`, named timestamped_name(..., now). kInvalidArgument
// naming the setting when AWS_ARN_ROLE is missing or not a role ARN, or the region unknown.
Result<TrainingJob> plan_training_job(const Settings& settings, std::string region,
                                      const nlohmann::json& hyperparameters,
                                      std::chrono::system_clock::time_point now);

// The endpoint the Handbook deploys (TGI serving HF_MODEL_ID).
Result<Endpoint> plan_endpoint(const Settings& settings, std::string_view region);

// The endpoint, its config and model names alone (for invoke and delete).
Endpoint endpoint_names(const Settings& settings);

}  // namespace twin::sagemaker
