// AWS STS over its query protocol (POST form, XML answers): GetCallerIdentity and AssumeRole.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "twin/cloud/http_client.h"
#include "twin/cloud/sigv4.h"
#include "twin/core/status.h"

namespace twin::cloud {

struct StsEndpoint {
  std::string url;     // e.g. https://sts.eu-west-1.amazonaws.com or a loopback override
  std::string region;  // the signing region
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

// An STS error answer (<ErrorResponse>) is kFailedPrecondition (rejected signature, unknown
// key, denied) or kUnavailable (5xx, throttling) with STS's code and message and the URL.
Result<CallerIdentity> get_caller_identity(const HttpClient& http, const StsEndpoint& endpoint,
                                           const AwsCredentials& credentials);

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::string external_id;  // optional
  std::chrono::seconds duration{3600};
};

struct TemporaryCredentials {
  AwsCredentials keys;  // with a session token
  std::optional<std::chrono::system_clock::time_point> expires;
};

// Temporary credentials for the role.
Result<TemporaryCredentials> assume_role(const HttpClient& http, const StsEndpoint& endpoint,
                                         const AwsCredentials& credentials,
                                         const AssumeRoleRequest& request);

}  // namespace twin::cloud
