// SageMaker requests as the LLM Engineer's Handbook's SDK calls send them.
//
// The Handbook fine-tunes with the SageMaker Python SDK's `HuggingFace(...).fit()` (entry point
// finetune.py, transformers 4.36, PyTorch 2.1, py310, ml.g5.2xlarge) and deploys the model with
// the Hugging Face LLM (TGI) container behind a SageMaker endpoint. The builders here produce the
// same service requests, as JSON in the shape of the service models botocore ships (sagemaker
// 2017-07-24, sagemaker-runtime 2017-05-13, iam 2010-05-08), so that a plain HTTP client with
// SigV4 signing can send them, and `--dry-run` can print them exactly.
//
// Pure functions: nothing here touches the network, the clock (callers pass times) or files.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin::sagemaker {

// The ECR account that serves AWS's deep-learning containers (Hugging Face training and TGI
// images) in `region`; kInvalidArgument naming the region when it is not one we know (pass an
// explicit image then).
Result<std::string> deep_learning_registry(std::string_view region);

// The Hugging Face PyTorch training image the SDK picks for the Handbook's versions
// (transformers 4.36, PyTorch 2.1, py310, GPU): ACCOUNT.dkr.ecr.REGION.amazonaws.com/
// huggingface-pytorch-training:2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04.
Result<std::string> huggingface_training_image(std::string_view region);

// The Hugging Face LLM inference (TGI) image for `region`, as get_huggingface_llm_image_uri.
Result<std::string> huggingface_tgi_image(std::string_view region);

// The SDK's default job name: BASE-YYYY-MM-DD-HH-MM-SS-mmm in UTC.
std::string timestamped_name(std::string_view base, std::chrono::system_clock::time_point now);

// A training job as the Handbook's estimator describes it.
struct TrainingJob {
  std::string name;    // e.g. timestamped_name("huggingface-pytorch-training", now)
  std::string region;  // e.g. eu-central-1
  std::string role_arn;
  std::string image;                        // huggingface_training_image(region) by default
  std::string output_path;                  // s3://sagemaker-REGION-ACCOUNT/ by default
  std::string entry_point = "finetune.py";  // sagemaker_program
  std::string instance_type = "ml.g5.2xlarge";
  int instance_count = 1;
  int volume_size_gb = 30;
  int max_runtime_seconds = 86400;
  // Values as typed (strings, numbers, booleans); the request carries each JSON-encoded, as the
  // SDK's _json_encode_hyperparameters does ("sft" -> "\"sft\"", 3 -> "3", true -> "true").
  nlohmann::json hyperparameters = nlohmann::json::object();
  std::map<std::string, std::string> environment;
};

// s3://BUCKET/JOB/source/sourcedir.tar.gz: where the packed code directory goes, under the
// output path's bucket (the SDK's default code location).
std::string source_archive_uri(const TrainingJob& job);

// The CreateTrainingJob request (sagemaker 2017-07-24, CreateTrainingJobRequest), with the
// SDK's sagemaker_* hyperparameters (submit directory, program, log level, region).
// kInvalidArgument naming the field when role_arn, image or output_path is empty or not what
// SageMaker accepts (an ARN, an s3:// URI).
Result<nlohmann::json> create_training_job_request(const TrainingJob& job);

// An endpoint serving a Hugging Face model with TGI, as the Handbook deploys it.
struct Endpoint {
  std::string name = "twin";         // SAGEMAKER_ENDPOINT_INFERENCE
  std::string config_name = "twin";  // SAGEMAKER_ENDPOINT_CONFIG_INFERENCE
  std::string model_name;            // the SageMaker model; default NAME-model
  std::string role_arn;
  std::string image;                            // huggingface_tgi_image(region) by default
  std::string instance_type = "ml.g5.2xlarge";  // GPU_INSTANCE_TYPE
  int instance_count = 1;
  int health_check_timeout_seconds = 900;
  // The container's settings: HF_MODEL_ID, SM_NUM_GPUS, MAX_INPUT_LENGTH, MAX_TOTAL_TOKENS,
  // MAX_BATCH_TOTAL_TOKENS, HUGGING_FACE_HUB_TOKEN, ...
  std::map<std::string, std::string> environment;
};

// The SageMaker model's name: model_name, else NAME-model.
std::string model_name_of(const Endpoint& endpoint);

// CreateModel, CreateEndpointConfig and CreateEndpoint, in the order they must be sent.
Result<std::vector<std::pair<std::string, nlohmann::json>>> deploy_requests(
    const Endpoint& endpoint);

// DeleteEndpoint, DeleteEndpointConfig and DeleteModel, in that order.
std::vector<std::pair<std::string, nlohmann::json>> delete_requests(const Endpoint& endpoint);

// TGI's payload, as the Handbook's inference sends it: {"inputs": PROMPT, "parameters":
// {"max_new_tokens", "top_p", "temperature", "return_full_text": false}}.
nlohmann::json tgi_payload(std::string_view prompt, int max_new_tokens, double top_p,
                           double temperature);

// The generated text of TGI's answer `[{"generated_text": ...}]`; kInvalidArgument quoting the
// start of the body when it is not that.
Result<std::string> tgi_generated_text(std::string_view body);

// The Handbook's create_execution_role: role NAME trusted by sagemaker.amazonaws.com with the
// SageMaker, S3, CloudWatch Logs and ECR full-access policies attached. IAM's query-protocol
// requests as (Action, parameters) pairs, in order.
std::vector<std::pair<std::string, std::map<std::string, std::string>>> execution_role_requests(
    std::string_view role_name);

}  // namespace twin::sagemaker
