#include "twin/metadata/records.h"

#include <fmt/format.h>

#include <array>
#include <ctime>
#include <utility>

namespace twin::metadata {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 5> kRunStatuses = {{
    {RunStatus::kRunning, "running"},
    {RunStatus::kCompleted, "completed"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kCancelled, "cancelled"},
    {RunStatus::kCrashed, "crashed"},
}};

constexpr std::array<std::pair<StepStatus, std::string_view>, 6> kStepStatuses = {{
    {StepStatus::kRunning, "running"},
    {StepStatus::kCompleted, "completed"},
    {StepStatus::kFailed, "failed"},
    {StepStatus::kCached, "cached"},
    {StepStatus::kSkipped, "skipped"},
    {StepStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(RunStatus status) {
  for (const auto& [value, name] : kRunStatuses) {
    if (value == status) return name;
  }
  return "unknown";
}

std::string_view to_string(StepStatus status) {
  for (const auto& [value, name] : kStepStatuses) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  for (const auto& [value, name] : kRunStatuses) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::optional<StepStatus> parse_step_status(std::string_view text) {
  for (const auto& [value, name] : kStepStatuses) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace twin::metadata

namespace twin::metadata {

std::string format_time(int64_t epoch_ms) {
  const auto seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     epoch_ms % 1000);
}

std::string format_duration(int64_t ms) {
  if (ms < 1000) return fmt::format("{}ms", ms);
  if (ms < 60'000) return fmt::format("{:.2f}s", static_cast<double>(ms) / 1000.0);
  return fmt::format("{}m{:02}s", ms / 60'000, (ms % 60'000) / 1000);
}

namespace {
nlohmann::json optional_time(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(format_time(*ms)) : nlohmann::json(nullptr);
}
nlohmann::json duration(int64_t start, const std::optional<int64_t>& end) {
  return end ? nlohmann::json(*end - start) : nlohmann::json(nullptr);
}
}  // namespace

void to_json(nlohmann::json& j, const RunRecord& run) {
  j = {{"id", run.id},
       {"name", run.name},
       {"pipeline", run.pipeline},
       {"status", to_string(run.status)},
       {"started_at", format_time(run.started_at)},
       {"ended_at", optional_time(run.ended_at)},
       {"duration_ms", duration(run.started_at, run.ended_at)},
       {"host", run.host},
       {"pid", run.pid},
       {"heartbeat_at", format_time(run.heartbeat_at)},
       {"config", run.config},
       {"metadata", run.metadata}};
}

void to_json(nlohmann::json& j, const StepRunRecord& step) {
  j = {{"id", step.id},
       {"run_id", step.run_id},
       {"step", step.step},
       {"status", to_string(step.status)},
       {"cache_key", step.cache_key},
       {"started_at", format_time(step.started_at)},
       {"ended_at", optional_time(step.ended_at)},
       {"duration_ms", duration(step.started_at, step.ended_at)},
       {"attempts", step.attempts},
       {"log", step.log_uri},
       {"error", step.error},
       {"cached_from",
        step.cached_from ? nlohmann::json(*step.cached_from) : nlohmann::json(nullptr)},
       {"metadata", step.metadata}};
}

void to_json(nlohmann::json& j, const ArtifactVersionRecord& version) {
  j = {{"id", version.id},
       {"name", version.artifact},
       {"version", version.version},
       {"content_hash", version.content_hash},
       {"size", version.size},
       {"materializer", version.materializer},
       {"uri", version.uri},
       {"producer_step_run_id", version.producer_step_run_id},
       {"created_at", format_time(version.created_at)},
       {"metadata", version.metadata}};
}

}  // namespace twin::metadata
