#include "twin/sagemaker/follow.h"

#include <fmt/format.h>

#include <map>
#include <thread>

namespace twin::sagemaker {
namespace {

using nlohmann::json;

constexpr std::string_view kTrainingLogGroup = "/aws/sagemaker/TrainingJobs";

std::string text_of(const json& object, const char* key) {
  return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

// Prints the lines of every log stream of the job that arrived since the last call. `tokens`
// keeps each stream's nextForwardToken.
Status print_new_log_lines(const SageMakerClient& client, std::string_view job,
                           std::map<std::string, std::string>& tokens, const FollowOutput& output) {
  TWIN_ASSIGN_OR_RETURN(
      json streams,
      client.logs("DescribeLogStreams", {{"logGroupName", kTrainingLogGroup},
                                         {"logStreamNamePrefix", fmt::format("{}/", job)}}));
  if (!streams.contains("logStreams") || !streams["logStreams"].is_array()) return Status::ok();
  for (const json& stream : streams["logStreams"]) {
    const std::string name = text_of(stream, "logStreamName");
    if (name.empty()) continue;
    json request = {
        {"logGroupName", kTrainingLogGroup}, {"logStreamName", name}, {"startFromHead", true}};
    if (auto it = tokens.find(name); it != tokens.end()) request["nextToken"] = it->second;
    TWIN_ASSIGN_OR_RETURN(json events, client.logs("GetLogEvents", request));
    if (events.contains("events") && events["events"].is_array()) {
      for (const json& event : events["events"]) output("log", text_of(event, "message"));
    }
    if (const std::string token = text_of(events, "nextForwardToken"); !token.empty()) {
      tokens[name] = token;
    }
  }
  return Status::ok();
}

}  // namespace

Result<TrainingOutcome> follow_training_job(const SageMakerClient& client, std::string_view name,
                                            std::chrono::milliseconds poll,
                                            const FollowOutput& output) {
  std::string last_status;
  std::map<std::string, std::string> tokens;
  while (true) {
    TWIN_ASSIGN_OR_RETURN(json job,
                          client.sagemaker("DescribeTrainingJob", {{"TrainingJobName", name}}));
    const std::string status = text_of(job, "TrainingJobStatus");
    const std::string secondary = text_of(job, "SecondaryStatus");
    const std::string shown = secondary.empty() || secondary == status
                                  ? status
                                  : fmt::format("{} ({})", status, secondary);
    if (shown != last_status) output("status", shown);
    last_status = shown;
    TWIN_RETURN_IF_ERROR(print_new_log_lines(client, name, tokens, output));
    if (status == "Completed" || status == "Failed" || status == "Stopped") {
      TrainingOutcome outcome{status, text_of(job, "FailureReason"), "", job};
      if (job.contains("ModelArtifacts")) {
        outcome.model_artifacts = text_of(job["ModelArtifacts"], "S3ModelArtifacts");
      }
      return outcome;
    }
    if (status.empty()) {
      return fail(Status::corruption(
          fmt::format("DescribeTrainingJob {}: the answer has no TrainingJobStatus", name)));
    }
    std::this_thread::sleep_for(poll);
  }
}

Result<json> wait_for_endpoint(const SageMakerClient& client, std::string_view name,
                               std::chrono::milliseconds poll, const FollowOutput& output) {
  std::string last_status;
  while (true) {
    TWIN_ASSIGN_OR_RETURN(json endpoint,
                          client.sagemaker("DescribeEndpoint", {{"EndpointName", name}}));
    const std::string status = text_of(endpoint, "EndpointStatus");
    if (status != last_status) output("status", status);
    last_status = status;
    if (status == "InService") return endpoint;
    if (status == "Failed" || status.empty()) {
      return fail(Status::failed_precondition(
          fmt::format("endpoint {} {}: {}", name, status.empty() ? "has no status" : "failed",
                      text_of(endpoint, "FailureReason"))));
    }
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace twin::sagemaker
