#include "twin/metadata/records.h"

#include <array>
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
