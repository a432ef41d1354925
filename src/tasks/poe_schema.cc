#include "twin/tasks/poe_schema.h"

#include <array>
#include <cctype>

namespace twin::tasks::poe {
namespace {

// Keys every task type has in the schema.
#define TWIN_POE_COMMON "help", "args", "env", "envfile", "cwd", "deps", "uses", "verbosity"

constexpr std::array<std::string_view, 14> kCmd = {
    TWIN_POE_COMMON, "cmd", "capture_stdout", "executor", "ignore_fail", "use_exec", "empty_glob"};
constexpr std::array<std::string_view, 13> kShell = {
    TWIN_POE_COMMON, "shell", "capture_stdout", "executor", "ignore_fail", "interpreter"};
constexpr std::array<std::string_view, 14> kScript = {
    TWIN_POE_COMMON, "script",   "capture_stdout", "executor",
    "ignore_fail",   "use_exec", "print_result"};
constexpr std::array<std::string_view, 15> kExpr = {
    TWIN_POE_COMMON, "expr",     "capture_stdout", "executor",
    "ignore_fail",   "use_exec", "imports",        "assert"};
constexpr std::array<std::string_view, 12> kSequence = {TWIN_POE_COMMON, "sequence", "executor",
                                                        "ignore_fail", "default_item_type"};
constexpr std::array<std::string_view, 16> kParallel = {
    TWIN_POE_COMMON, "parallel", "executor",   "ignore_fail",    "default_item_type",
    "output_mode",   "prefix",   "prefix_max", "prefix_template"};
constexpr std::array<std::string_view, 11> kRef = {TWIN_POE_COMMON, "ref", "capture_stdout",
                                                   "ignore_fail"};
constexpr std::array<std::string_view, 13> kSwitch = {
    TWIN_POE_COMMON, "switch", "control", "default", "capture_stdout", "executor"};
#undef TWIN_POE_COMMON

constexpr std::array<std::string_view, 2> kTwinTask = {"sources", "generates"};
constexpr std::array<std::string_view, 14> kGlobal = {"default_array_item_task_type",
                                                      "default_array_task_type",
                                                      "default_task_type",
                                                      "env",
                                                      "envfile",
                                                      "executor",
                                                      "groups",
                                                      "include",
                                                      "include_script",
                                                      "poetry_command",
                                                      "poetry_hooks",
                                                      "shell_interpreter",
                                                      "tasks",
                                                      "verbosity"};
constexpr std::array<std::string_view, 9> kArg = {
    "name", "options", "help", "type", "default", "positional", "required", "multiple", "choices"};
constexpr std::array<std::string_view, 3> kInclude = {"path", "cwd", "recursive"};
constexpr std::array<std::string_view, 3> kGroup = {"heading", "executor", "tasks"};
constexpr std::array<std::string_view, 1> kTypeOnly = {"type"};
constexpr std::array<std::string_view, 2> kVirtualenv = {"type", "location"};
constexpr std::array<std::string_view, 12> kUv = {"type",   "extra",    "group",      "no-group",
                                                  "with",   "isolated", "exact",      "no-sync",
                                                  "locked", "frozen",   "no-project", "python"};
constexpr std::array<std::string_view, 6> kUvFlags = {"isolated", "exact",  "no-sync",
                                                      "locked",   "frozen", "no-project"};
constexpr std::array<std::string_view, 5> kExecutorTypes = {"auto", "poetry", "simple", "uv",
                                                            "virtualenv"};
constexpr std::array<std::string_view, 8> kInterpreters = {"posix", "sh",   "bash",       "zsh",
                                                           "fish",  "pwsh", "powershell", "python"};
constexpr std::array<std::string_view, 4> kArgTypes = {"string", "float", "integer", "boolean"};
constexpr std::array<std::string_view, 3> kEmptyGlob = {"pass", "null", "fail"};
constexpr std::array<std::string_view, 2> kOutputModes = {"stream", "buffer"};
constexpr std::array<std::string_view, 2> kSwitchDefaults = {"pass", "fail"};
constexpr std::array<std::string_view, 5> kStringTaskTypes = {"cmd", "expr", "ref", "script",
                                                              "shell"};
constexpr std::array<std::string_view, 2> kArrayTaskTypes = {"parallel", "sequence"};

bool word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) != 0 || c == '_';
}

}  // namespace

std::span<const std::string_view> task_options(TaskKind kind) {
  switch (kind) {
    case TaskKind::kCmd:
      return kCmd;
    case TaskKind::kShell:
      return kShell;
    case TaskKind::kScript:
      return kScript;
    case TaskKind::kExpr:
      return kExpr;
    case TaskKind::kSequence:
      return kSequence;
    case TaskKind::kParallel:
      return kParallel;
    case TaskKind::kRef:
      return kRef;
    case TaskKind::kSwitch:
      return kSwitch;
  }
  return {};
}

std::span<const std::string_view> twin_task_options() { return kTwinTask; }
std::span<const std::string_view> global_options() { return kGlobal; }
std::span<const std::string_view> arg_options() { return kArg; }
std::span<const std::string_view> include_options() { return kInclude; }
std::span<const std::string_view> group_options() { return kGroup; }
std::span<const std::string_view> executor_types() { return kExecutorTypes; }
std::span<const std::string_view> uv_flag_options() { return kUvFlags; }

std::span<const std::string_view> executor_options(std::string_view type) {
  if (type == "uv") return kUv;
  if (type == "virtualenv") return kVirtualenv;
  if (type == "auto" || type == "poetry" || type == "simple") return kTypeOnly;
  return {};
}

std::span<const std::string_view> shell_interpreters() { return kInterpreters; }
std::span<const std::string_view> arg_types() { return kArgTypes; }
std::span<const std::string_view> empty_glob_values() { return kEmptyGlob; }
std::span<const std::string_view> output_modes() { return kOutputModes; }
std::span<const std::string_view> switch_defaults() { return kSwitchDefaults; }
std::span<const std::string_view> string_task_types() { return kStringTaskTypes; }
std::span<const std::string_view> array_task_types() { return kArrayTaskTypes; }

bool valid_task_name(std::string_view name) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name.front());
  if (!word_char(name.front()) || std::isdigit(first) != 0) return false;
  for (char c : name.substr(1)) {
    if (!word_char(c) && c != ':' && c != '+' && c != '-') return false;
  }
  return true;
}

bool valid_group_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!word_char(c) && c != '-') return false;
  }
  return true;
}

}  // namespace twin::tasks::poe
