// Following SageMaker's long operations: a training job until it ends (with its CloudWatch log
// lines as they arrive, as the SDK's fit(logs=True) shows them) and an endpoint until it is in
// service.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "twin/core/status.h"
#include "twin/sagemaker/client.h"

namespace twin::sagemaker {

// Called with each new status ("InProgress (Training)") and each log line, in order.
using FollowOutput = std::function<void(std::string_view kind, std::string_view text)>;

struct TrainingOutcome {
  std::string status;           // Completed, Failed or Stopped
  std::string failure_reason;   // when Failed
  std::string model_artifacts;  // s3://.../output/model.tar.gz
  nlohmann::json description;   // the last DescribeTrainingJob answer
};

// Polls DescribeTrainingJob every `poll` until the job is Completed, Failed or Stopped, printing
// the log streams /aws/sagemaker/TrainingJobs/NAME/* as they grow.
Result<TrainingOutcome> follow_training_job(const SageMakerClient& client, std::string_view name,
                                            std::chrono::milliseconds poll,
                                            const FollowOutput& output);

// Polls DescribeEndpoint until InService (its description) or Failed (kFailedPrecondition with
// SageMaker's FailureReason).
Result<nlohmann::json> wait_for_endpoint(const SageMakerClient& client, std::string_view name,
                                         std::chrono::milliseconds poll,
                                         const FollowOutput& output);

}  // namespace twin::sagemaker
