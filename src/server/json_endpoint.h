// JSON endpoints over cpp-httplib: request fields, typed field access, error responses.
//
// A JsonHandler sees one JSON object holding the request's fields: the JSON body's members,
// plus each query-string parameter the body does not set (a repeated parameter becomes an
// array). It returns the response document or a Status that becomes an MLflow-shaped error.
// Exceptions thrown by a handler become INTERNAL_ERROR 500 (the HTTP boundary of DESIGN.md).
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"

namespace twin::server {

using JsonHandler = std::function<Result<nlohmann::json>(const nlohmann::json& fields,
                                                         const httplib::Request& request)>;

// Registers `handler` for `method` ("GET", "POST", "PATCH", "DELETE") and `pattern` (a regex).
void add_json_endpoint(httplib::Server& server, std::string_view method, const std::string& pattern,
                       JsonHandler handler);

// Writes {"error_code", "message"} with the status's HTTP status.
void write_error(httplib::Response& response, const Status& status);
void write_error(httplib::Response& response, int http_status, std::string_view error_code,
                 std::string_view message);

// Typed access to request fields. Missing required fields are kInvalidArgument naming the field
// (MLflow: "Missing value for required parameter 'run_id'").
Result<std::string> required_string(const nlohmann::json& fields, std::string_view name);
std::optional<std::string> optional_string(const nlohmann::json& fields, std::string_view name);
// Numbers may arrive as JSON numbers or decimal strings (protobuf JSON writes int64 as strings).
Result<std::optional<int64_t>> optional_int64(const nlohmann::json& fields, std::string_view name);
Result<int64_t> required_int64(const nlohmann::json& fields, std::string_view name);
Result<double> required_double(const nlohmann::json& fields, std::string_view name);
// A list of strings; a single string counts as a list of one.
Result<std::vector<std::string>> string_list(const nlohmann::json& fields, std::string_view name);
bool optional_bool(const nlohmann::json& fields, std::string_view name, bool fallback);
// MLflow's run id: `run_id`, or the older `run_uuid`.
Result<std::string> required_run_id(const nlohmann::json& fields);

}  // namespace twin::server
