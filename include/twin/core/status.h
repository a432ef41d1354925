// Status and Result<T>: how every fallible twin call reports failure.
//
// A Status is a code plus a message that names what failed (a file:line, a URL, a step, a
// setting). Success is cheap: an ok Status holds no message. Result<T> is std::expected<T, Status>.
// Codes map to CLI exit codes (exit_code_for) and HTTP statuses in one place each.
#pragma once

#include <fmt/format.h>

#include <expected>
#include <string>
#include <utility>

namespace twin {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the caller's input is wrong (a flag, a file's content, a setting)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a unique thing exists already
  kFailedPrecondition,  // the system is not in a state where the call can work
  kUnavailable,         // a service or host cannot be reached; retrying may help
  kIo,                  // reading or writing a file or socket failed
  kCorruption,          // stored data is not what it should be
  kCancelled,           // stopped by the user (Ctrl-C) or a signal
  kInternal,            // a bug in twin
};

std::string_view to_string(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid_argument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status failed_precondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status io(std::string m) { return {StatusCode::kIo, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not_found: no task named 'x'"; "ok" for success.
  std::string to_string() const;

  // Prefixes context to the message: Status::io("disk full").with_context("writing a.json")
  // reads "writing a.json: disk full". No-op on success.
  Status with_context(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
using Result = std::expected<T, Status>;

// Wraps a failed Status for returning from a function that returns Result<T>.
inline std::unexpected<Status> fail(Status status) { return std::unexpected(std::move(status)); }

// Process exit code for a failure: 2 for usage or configuration errors, 1 for work that failed.
int exit_code_for(const Status& status);

}  // namespace twin

template <>
struct fmt::formatter<twin::Status> : fmt::formatter<std::string> {
  auto format(const twin::Status& status, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(status.to_string(), ctx);
  }
};

#define TWIN_CONCAT_INNER(a, b) a##b
#define TWIN_CONCAT(a, b) TWIN_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not ok.
// Works in functions returning Status or Result<T>.
#define TWIN_RETURN_IF_ERROR(expr)                                        \
  do {                                                                    \
    if (::twin::Status twin_status_ = (expr); !twin_status_.is_ok()) {    \
      return ::twin::internal_status::propagate(std::move(twin_status_)); \
    }                                                                     \
  } while (false)

// `TWIN_ASSIGN_OR_RETURN(auto x, f())` declares x from a Result<T>, or returns its error.
#define TWIN_ASSIGN_OR_RETURN(lhs, expr) \
  TWIN_ASSIGN_OR_RETURN_IMPL(TWIN_CONCAT(twin_result_, __LINE__), lhs, expr)
// `tmp` is a name and `lhs` a declaration, so neither can be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define TWIN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                     \
  auto tmp = (expr);                                                   \
  if (!tmp.has_value()) {                                              \
    return ::twin::internal_status::propagate(std::move(tmp).error()); \
  }                                                                    \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

namespace twin::internal_status {
// Converts to whatever the enclosing function returns: Status or Result<T>.
struct Propagated {
  Status status;
  operator Status() && { return std::move(status); }  // NOLINT(google-explicit-constructor)
  template <typename T>
  operator Result<T>() && {  // NOLINT(google-explicit-constructor)
    return std::unexpected(std::move(status));
  }
};
inline Propagated propagate(Status status) { return {std::move(status)}; }
}  // namespace twin::internal_status
