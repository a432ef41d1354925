#include "twin/sagemaker/client.h"

#include <fmt/format.h>

#include "twin/cloud/sigv4.h"
#include "twin/cloud/xml_text.h"

namespace twin::sagemaker {
namespace {

using nlohmann::json;

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";
// IAM is global: one endpoint, signed in us-east-1.
constexpr std::string_view kIamRegion = "us-east-1";
constexpr std::string_view kIamEndpoint = "https://iam.amazonaws.com";

std::string without_trailing_slash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

// The error code and message of a JSON-protocol error answer ({"__type": "...#Code",
// "message": "..."}, the code also in x-amzn-ErrorType).
std::pair<std::string, std::string> json_error(const cloud::HttpResponse& response) {
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string code = response.header("x-amzn-errortype");
  std::string message;
  if (body.is_object()) {
    if (code.empty() && body.contains("__type") && body["__type"].is_string()) {
      code = body["__type"].get<std::string>();
    }
    for (const char* key : {"message", "Message"}) {
      if (body.contains(key) && body[key].is_string()) message = body[key].get<std::string>();
    }
  }
  code = code.substr(0, code.find(':'));  // "ValidationError:http://internal..."
  if (const size_t hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
  if (message.empty()) message = response.body.substr(0, 200);
  return {code.empty() ? "(no error code)" : code, message};
}

Status service_error(std::string_view what, const cloud::HttpResponse& response,
                     const std::pair<std::string, std::string>& error) {
  const std::string text =
      fmt::format("{}: HTTP {} {}: {}", what, response.status, error.first, error.second);
  const bool retryable = response.status >= 500 || error.first.find("Throttl") != std::string::npos;
  return retryable ? Status::unavailable(text) : Status::failed_precondition(text);
}

}  // namespace

std::string SageMakerClient::endpoint_url(const cloud::AwsConfig& config, std::string_view service,
                                          std::string_view region) {
  // The AWS SDKs' service ids, which name the AWS_ENDPOINT_URL_<ID> variables.
  const std::string_view id = service == "logs" ? "cloudwatch logs" : service;
  if (auto url = config.endpoint_url(id)) return without_trailing_slash(*url);
  if (service == "iam") return std::string(kIamEndpoint);
  if (service == "sagemaker") return fmt::format("https://api.sagemaker.{}.amazonaws.com", region);
  if (service == "sagemaker-runtime") {
    return fmt::format("https://runtime.sagemaker.{}.amazonaws.com", region);
  }
  return cloud::default_endpoint(service, region);
}

Result<SageMakerClient> SageMakerClient::open(const cloud::AwsConfig& config, std::string region) {
  SageMakerClient client;
  TWIN_ASSIGN_OR_RETURN(cloud::ResolvedCredentials credentials, config.credentials());
  client.credentials_ = std::move(credentials.keys);
  for (std::string_view service : {"sagemaker", "sagemaker-runtime", "logs", "iam"}) {
    client.urls_.emplace(std::string(service), endpoint_url(config, service, region));
  }
  client.region_ = std::move(region);
  client.http_ = std::make_shared<cloud::HttpClient>();
  return client;
}

Result<cloud::HttpResponse> SageMakerClient::send(
    std::string_view what, std::string_view signing_service, std::string_view signing_region,
    const std::string& url, std::vector<std::pair<std::string, std::string>> headers,
    std::string_view body) const {
  const auto [host, path] = cloud::split_host_and_path(url);
  headers.insert(headers.begin(), {"Host", host});
  cloud::SignableRequest signable{"POST", path, {}, std::move(headers)};
  cloud::SigningParams params;
  params.region = std::string(signing_region);
  params.service = std::string(signing_service);
  params.time = std::chrono::system_clock::now();
  params.payload_hash = cloud::sha256_hex(body);
  cloud::sign_request(signable, credentials_, params);
  cloud::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = std::move(signable.headers);
  request.body.bytes = body;
  request.timeout = std::chrono::seconds(60);
  auto response = http_->send(request);
  if (!response) {
    return fail(
        Status(response.error().code(), fmt::format("{}: {}", what, response.error().message())));
  }
  return response;
}

Result<json> SageMakerClient::json_call(std::string_view service, std::string_view label,
                                        std::string_view target, std::string_view operation,
                                        const json& params) const {
  const std::string& url = urls_.find(service)->second;
  const std::string what = fmt::format("{} {} at {}", label, operation, url);
  const std::string body = params.dump();
  TWIN_ASSIGN_OR_RETURN(cloud::HttpResponse response,
                        send(what, service, region_, url + "/",
                             {{"Content-Type", std::string(kJsonContentType)},
                              {"X-Amz-Target", fmt::format("{}.{}", target, operation)}},
                             body));
  if (response.status != 200) return fail(service_error(what, response, json_error(response)));
  json answer = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) {
    return fail(Status::corruption(fmt::format("{}: the answer is not JSON", what)));
  }
  return answer;
}

Result<json> SageMakerClient::sagemaker(std::string_view operation, const json& params) const {
  return json_call("sagemaker", "SageMaker", "SageMaker", operation, params);
}

Result<json> SageMakerClient::logs(std::string_view operation, const json& params) const {
  return json_call("logs", "CloudWatch Logs", "Logs_20140328", operation, params);
}

Result<std::string> SageMakerClient::invoke(std::string_view endpoint_name, std::string_view body,
                                            std::string_view content_type) const {
  const std::string url =
      fmt::format("{}/endpoints/{}/invocations", urls_.find("sagemaker-runtime")->second,
                  cloud::uri_encode(endpoint_name));
  const std::string what = fmt::format("SageMaker Runtime InvokeEndpoint at {}", url);
  TWIN_ASSIGN_OR_RETURN(
      cloud::HttpResponse response,
      send(what, "sagemaker", region_, url,
           {{"Content-Type", std::string(content_type)}, {"Accept", "application/json"}}, body));
  if (response.status != 200) return fail(service_error(what, response, json_error(response)));
  return std::move(response.body);
}

Result<std::string> SageMakerClient::iam(std::string_view action,
                                         const std::map<std::string, std::string>& params) const {
  std::vector<std::pair<std::string, std::string>> form = {{"Action", std::string(action)},
                                                           {"Version", "2010-05-08"}};
  form.insert(form.end(), params.begin(), params.end());
  const std::string body = cloud::canonical_query_string(form);
  const std::string& url = urls_.find("iam")->second;
  const std::string what = fmt::format("IAM {} at {}", action, url);
  TWIN_ASSIGN_OR_RETURN(
      cloud::HttpResponse response,
      send(what, "iam", kIamRegion, url + "/",
           {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body));
  if (response.status != 200) {
    return fail(service_error(
        what, response,
        {cloud::xml_text(response.body, "Code"), cloud::xml_text(response.body, "Message")}));
  }
  return std::move(response.body);
}

}  // namespace twin::sagemaker
