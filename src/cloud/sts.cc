#include "twin/cloud/sts.h"

#include <fmt/format.h>

#include "twin/cloud/aws_config.h"
#include "twin/cloud/xml_text.h"

namespace twin::cloud {
namespace {

Result<std::string> call_sts(const HttpClient& http, const StsEndpoint& endpoint,
                             const AwsCredentials& credentials,
                             const std::vector<std::pair<std::string, std::string>>& form) {
  const std::string body = canonical_query_string(form);
  const auto [host, path] = split_host_and_path(endpoint.url);
  SignableRequest signable{
      "POST",
      path,
      {},
      {{"Host", host}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}};
  SigningParams params;
  params.region = endpoint.region;
  params.service = "sts";
  params.time = std::chrono::system_clock::now();
  params.payload_hash = sha256_hex(body);
  sign_request(signable, credentials, params);
  HttpRequest request;
  request.method = "POST";
  request.url = endpoint.url;
  request.headers = signable.headers;
  request.body.bytes = body;
  request.timeout = std::chrono::seconds(30);
  TWIN_ASSIGN_OR_RETURN(HttpResponse response, http.send(request));
  if (response.status >= 200 && response.status < 300) return std::move(response.body);
  const std::string code = xml_text(response.body, "Code");
  const std::string message = xml_text(response.body, "Message");
  const std::string what =
      fmt::format("STS {} at {}: HTTP {} {}: {}", form.front().second, endpoint.url,
                  response.status, code.empty() ? "(no error code)" : code,
                  message.empty() ? response.body.substr(0, 200) : message);
  if (response.status >= 500 || code == "Throttling") return fail(Status::unavailable(what));
  return fail(Status::failed_precondition(what));
}

}  // namespace

Result<CallerIdentity> get_caller_identity(const HttpClient& http, const StsEndpoint& endpoint,
                                           const AwsCredentials& credentials) {
  TWIN_ASSIGN_OR_RETURN(std::string xml,
                        call_sts(http, endpoint, credentials,
                                 {{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}));
  CallerIdentity identity{xml_text(xml, "Account"), xml_text(xml, "Arn"), xml_text(xml, "UserId")};
  if (identity.arn.empty()) {
    return fail(Status::corruption(
        fmt::format("STS GetCallerIdentity at {}: the answer has no <Arn>", endpoint.url)));
  }
  return identity;
}

Result<TemporaryCredentials> assume_role(const HttpClient& http, const StsEndpoint& endpoint,
                                         const AwsCredentials& credentials,
                                         const AssumeRoleRequest& request) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"Action", "AssumeRole"},
      {"Version", "2011-06-15"},
      {"RoleArn", request.role_arn},
      {"RoleSessionName", request.session_name},
      {"DurationSeconds", std::to_string(request.duration.count())}};
  if (!request.external_id.empty()) form.emplace_back("ExternalId", request.external_id);
  TWIN_ASSIGN_OR_RETURN(std::string xml, call_sts(http, endpoint, credentials, form));
  AwsCredentials assumed{xml_text(xml, "AccessKeyId"), xml_text(xml, "SecretAccessKey"),
                         xml_text(xml, "SessionToken")};
  if (assumed.access_key_id.empty() || assumed.secret_access_key.empty()) {
    return fail(Status::corruption(fmt::format(
        "STS AssumeRole {} at {}: the answer has no credentials", request.role_arn, endpoint.url)));
  }
  return TemporaryCredentials{assumed, parse_aws_time(xml_text(xml, "Expiration"))};
}

}  // namespace twin::cloud
