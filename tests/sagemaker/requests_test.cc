// The SageMaker request builders: the SDK's encodings and the errors a user can cause.
#include "twin/sagemaker/requests.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "twin/sagemaker/plan.h"

namespace twin::sagemaker {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TrainingJob handbook_job() {
  TrainingJob job;
  job.name = "huggingface-pytorch-training-2026-12-02-10-00-00-000";
  job.region = "eu-central-1";
  job.role_arn = "arn:aws:iam::123456789012:role/SageMakerExecutionRoleLLM";
  job.image = *huggingface_training_image(job.region);
  job.output_path = "s3://sagemaker-eu-central-1-123456789012/";
  job.hyperparameters = training_hyperparameters({{"is_dummy", true}, {"learning_rate", 3e-4}});
  return job;
}

TEST(TrainingJobRequest, HyperparametersAreJsonEncodedAsTheSdkDoes) {
  const json request = *create_training_job_request(handbook_job());
  const json& hyper = request["HyperParameters"];
  EXPECT_EQ(hyper["finetuning_type"], "\"sft\"");
  EXPECT_EQ(hyper["num_train_epochs"], "3");
  EXPECT_EQ(hyper["learning_rate"], "0.0003");
  EXPECT_EQ(hyper["is_dummy"], "true");
  EXPECT_EQ(hyper["sagemaker_program"], "\"finetune.py\"");
  EXPECT_EQ(hyper["sagemaker_region"], "\"eu-central-1\"");
  EXPECT_EQ(hyper["sagemaker_submit_directory"],
            "\"s3://sagemaker-eu-central-1-123456789012/"
            "huggingface-pytorch-training-2026-12-02-10-00-00-000/source/sourcedir.tar.gz\"");
  EXPECT_EQ(request["AlgorithmSpecification"]["TrainingImage"],
            "763104351884.dkr.ecr.eu-central-1.amazonaws.com/huggingface-pytorch-training:"
            "2.1.0-transformers4.36.0-gpu-py310-cu121-ubuntu20.04");
}

TEST(TrainingJobRequest, IsDummyFalseIsLeftOutAsTheHandbookDoes) {
  EXPECT_FALSE(training_hyperparameters({{"is_dummy", false}}).contains("is_dummy"));
  EXPECT_EQ(training_hyperparameters({{"num_train_epochs", 1}})["num_train_epochs"], 1);
}

TEST(TrainingJobRequest, BadRoleOrOutputPathNamesTheField) {
  TrainingJob job = handbook_job();
  job.role_arn = "SageMakerExecutionRoleLLM";
  EXPECT_THAT(create_training_job_request(job).error().message(), HasSubstr("AWS_ARN_ROLE"));
  job = handbook_job();
  job.output_path = "/tmp/out";
  EXPECT_THAT(create_training_job_request(job).error().message(),
              HasSubstr("'/tmp/out' is not an s3://BUCKET/ URI"));
}

TEST(Images, UnknownRegionSaysToPassTheImage) {
  auto image = huggingface_tgi_image("xx-nowhere-1");
  ASSERT_FALSE(image);
  EXPECT_THAT(image.error().message(), HasSubstr("region 'xx-nowhere-1'"));
  EXPECT_THAT(image.error().message(), HasSubstr("--image"));
  EXPECT_THAT(*huggingface_tgi_image("me-south-1"), HasSubstr("217643126080.dkr.ecr.me-south-1"));
}

TEST(Names, TimestampedLikeTheSdk) {
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1733133600042));
  EXPECT_EQ(timestamped_name("huggingface-pytorch-training", at),
            "huggingface-pytorch-training-2024-12-02-10-00-00-042");
}

TEST(Endpoint, DeployRequestsInOrderAndNeedAModel) {
  Endpoint endpoint;
  endpoint.role_arn = "arn:aws:iam::123456789012:role/r";
  endpoint.image = "image";
  EXPECT_THAT(deploy_requests(endpoint).error().message(), HasSubstr("HF_MODEL_ID"));
  endpoint.environment["HF_MODEL_ID"] = "mlabonne/TwinLlama-3.1-8B-13";
  auto requests = *deploy_requests(endpoint);
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].first, "CreateModel");
  EXPECT_EQ(requests[1].second["ProductionVariants"][0]["ModelName"], "twin-model");
  EXPECT_EQ(requests[2].second["EndpointConfigName"], "twin");
  EXPECT_EQ(delete_requests(endpoint)[0].first, "DeleteEndpoint");
}

TEST(Tgi, PayloadAndAnswer) {
  const json payload = tgi_payload("Hi", 150, 0.9, 0.01);
  EXPECT_EQ(payload["parameters"]["return_full_text"], false);
  EXPECT_EQ(*tgi_generated_text(R"([{"generated_text": "Hello"}])"), "Hello");
  auto bad = tgi_generated_text(R"({"error": "model not loaded"})");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("model not loaded"));
}

TEST(ExecutionRole, TheHandbooksRoleAndPolicies) {
  auto requests = execution_role_requests("SageMakerExecutionRoleLLM");
  ASSERT_EQ(requests.size(), 5U);
  EXPECT_EQ(requests[0].first, "CreateRole");
  EXPECT_THAT(requests[0].second["AssumeRolePolicyDocument"], HasSubstr("sagemaker.amazonaws.com"));
  EXPECT_EQ(requests[1].second["PolicyArn"], "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess");
}

}  // namespace
}  // namespace twin::sagemaker
