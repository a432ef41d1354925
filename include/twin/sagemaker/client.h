// The AWS services twin's SageMaker commands call, over cloud/'s HTTP client and SigV4:
// SageMaker (JSON protocol 1.1, X-Amz-Target SageMaker.<Operation>), SageMaker Runtime
// (REST-JSON: POST /endpoints/NAME/invocations, signed as "sagemaker"), CloudWatch Logs (JSON
// protocol, Logs_20140328.<Operation>) and IAM (query protocol, global, signed in us-east-1).
//
// Endpoints: AWS's public ones for the region, unless AWS_ENDPOINT_URL_SAGEMAKER,
// AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL_IAM (or
// AWS_ENDPOINT_URL, or the profile's endpoint_url) override them, as AWS's own clients do.
//
// Errors: a service's error answer is kFailedPrecondition (kUnavailable for 5xx and throttling)
// whose message names the service, the operation, the URL, the HTTP status, the error code and
// the service's message, e.g. "SageMaker DescribeEndpoint at http://127.0.0.1:9/: HTTP 400
// ValidationException: Could not find endpoint ...". Thread-safe after construction.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "twin/cloud/aws_config.h"
#include "twin/cloud/http_client.h"
#include "twin/core/status.h"

namespace twin::sagemaker {

class SageMakerClient {
 public:
  // The region's endpoints (with the overrides above) and the credential chain's keys.
  static Result<SageMakerClient> open(const cloud::AwsConfig& config, std::string region);

  // The URL requests to `service` go to: "sagemaker", "sagemaker-runtime", "logs", "iam".
  static std::string endpoint_url(const cloud::AwsConfig& config, std::string_view service,
                                  std::string_view region);

  const std::string& region() const { return region_; }

  // A SageMaker control-plane operation (CreateTrainingJob, DescribeEndpoint, ...).
  Result<nlohmann::json> sagemaker(std::string_view operation, const nlohmann::json& params) const;
  // A CloudWatch Logs operation (DescribeLogStreams, GetLogEvents).
  Result<nlohmann::json> logs(std::string_view operation, const nlohmann::json& params) const;
  // InvokeEndpoint: the response body.
  Result<std::string> invoke(std::string_view endpoint_name, std::string_view body,
                             std::string_view content_type) const;
  // An IAM action with its parameters (query protocol); the XML answer.
  Result<std::string> iam(std::string_view action,
                          const std::map<std::string, std::string>& params) const;

 private:
  SageMakerClient() = default;
  // A JSON-protocol call: POST / with X-Amz-Target TARGET.OPERATION, signed as `service`
  // (which also names the endpoint); `label` names the service in errors.
  Result<nlohmann::json> json_call(std::string_view service, std::string_view label,
                                   std::string_view target, std::string_view operation,
                                   const nlohmann::json& params) const;
  Result<cloud::HttpResponse> send(std::string_view what, std::string_view signing_service,
                                   std::string_view signing_region, const std::string& url,
                                   std::vector<std::pair<std::string, std::string>> headers,
                                   std::string_view body) const;

  std::string region_;
  cloud::AwsCredentials credentials_;
  std::map<std::string, std::string, std::less<>> urls_;  // service -> endpoint URL
  std::shared_ptr<cloud::HttpClient> http_;
};

}  // namespace twin::sagemaker
