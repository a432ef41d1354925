#include "json_endpoint.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <exception>

#include "twin/core/json.h"
#include "twin/core/text.h"
#include "twin/server/server.h"

namespace twin::server {
namespace {

bool is_json_content_type(const httplib::Request& request) {
  const std::string type = request.get_header_value("Content-Type");
  return type.starts_with("application/json");
}

// The fields a handler sees: body members first, then query parameters the body lacks.
Result<nlohmann::json> request_fields(const httplib::Request& request) {
  nlohmann::json fields = nlohmann::json::object();
  if (!request.body.empty()) {
    if (!is_json_content_type(request)) {
      return fail(Status::invalid_argument(
          "the request body must be JSON with Content-Type: application/json"));
    }
    TWIN_ASSIGN_OR_RETURN(fields, parse_json(request.body, "the request body"));
    if (!fields.is_object()) {
      return fail(Status::invalid_argument("the request body must be a JSON object"));
    }
  }
  for (const auto& [key, value] : request.params) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      return fail(Status::invalid_argument(fmt::format(
          "query parameter {} is not UTF-8 text",
          nlohmann::json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))));
    }
    if (fields.contains(key) && !fields[key].is_array()) continue;
    if (!fields.contains(key)) {
      fields[key] = value;
    } else {
      fields[key].push_back(value);
    }
  }
  return fields;
}

const nlohmann::json* field(const nlohmann::json& fields, std::string_view name) {
  const auto it = fields.find(name);
  if (it == fields.end() || it->is_null()) return nullptr;
  return &*it;
}

Status missing(std::string_view name) {
  return Status::invalid_argument(fmt::format("Missing value for required parameter '{}'", name));
}

}  // namespace

HttpError http_error_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return {400, "INVALID_PARAMETER_VALUE"};
    case StatusCode::kNotFound:
      return {404, "RESOURCE_DOES_NOT_EXIST"};
    case StatusCode::kAlreadyExists:
      return {400, "RESOURCE_ALREADY_EXISTS"};
    case StatusCode::kFailedPrecondition:
      return {400, "INVALID_STATE"};
    case StatusCode::kUnavailable:
    case StatusCode::kCancelled:
      return {503, "TEMPORARILY_UNAVAILABLE"};
    default:
      return {500, "INTERNAL_ERROR"};
  }
}

void write_error(httplib::Response& response, int http_status, std::string_view error_code,
                 std::string_view message) {
  response.status = http_status;
  // Messages may quote what the client sent, which need not be UTF-8.
  response.set_content(nlohmann::json{{"error_code", error_code}, {"message", message}}.dump(
                           -1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
}

void write_error(httplib::Response& response, const Status& status) {
  const HttpError error = http_error_for(status);
  write_error(response, error.http_status, error.error_code, status.message());
}

void add_json_endpoint(httplib::Server& server, std::string_view method, const std::string& pattern,
                       JsonHandler handler) {
  auto wrapped = [handler = std::move(handler)](const httplib::Request& request,
                                                httplib::Response& response) {
    try {
      Result<nlohmann::json> fields = request_fields(request);
      if (!fields) {
        write_error(response, 400, "MALFORMED_REQUEST", fields.error().message());
        return;
      }
      Result<nlohmann::json> result = handler(*fields, request);
      if (!result) {
        write_error(response, result.error());
        return;
      }
      response.set_content(result->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           "application/json");
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", request.method, request.path, e.what());
      write_error(response, 500, "INTERNAL_ERROR", fmt::format("internal error: {}", e.what()));
    }
  };
  if (method == "GET") {
    server.Get(pattern, wrapped);
  } else if (method == "POST") {
    server.Post(pattern, wrapped);
  } else if (method == "PATCH") {
    server.Patch(pattern, wrapped);
  } else if (method == "DELETE") {
    server.Delete(pattern, wrapped);
  } else if (method == "PUT") {
    server.Put(pattern, wrapped);
  }
}

Result<std::string> required_string(const nlohmann::json& fields, std::string_view name) {
  auto value = optional_string(fields, name);
  if (!value || value->empty()) return fail(missing(name));
  return *value;
}

std::optional<std::string> optional_string(const nlohmann::json& fields, std::string_view name) {
  const nlohmann::json* value = field(fields, name);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  if (value->is_array() && !value->empty() && value->front().is_string()) {
    return value->front().get<std::string>();
  }
  if (value->is_number_integer()) return std::to_string(value->get<int64_t>());
  return value->dump();
}

Result<std::optional<int64_t>> optional_int64(const nlohmann::json& fields, std::string_view name) {
  const nlohmann::json* value = field(fields, name);
  if (value == nullptr) return std::optional<int64_t>();
  if (value->is_number_integer()) return std::optional<int64_t>(value->get<int64_t>());
  if (value->is_number_float()) {
    const double d = value->get<double>();
    if (std::isfinite(d) && std::trunc(d) == d)
      return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    int64_t parsed = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) {
      return std::optional<int64_t>(parsed);
    }
  }
  return fail(Status::invalid_argument(fmt::format(
      "Invalid value {} for parameter '{}': an integer is required", value->dump(), name)));
}

Result<int64_t> required_int64(const nlohmann::json& fields, std::string_view name) {
  TWIN_ASSIGN_OR_RETURN(std::optional<int64_t> value, optional_int64(fields, name));
  if (!value) return fail(missing(name));
  return *value;
}

Result<double> required_double(const nlohmann::json& fields, std::string_view name) {
  const nlohmann::json* value = field(fields, name);
  if (value == nullptr) return fail(missing(name));
  if (value->is_number()) return value->get<double>();
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    if (text == "NaN") return std::nan("");
    if (text == "Infinity") return HUGE_VAL;
    if (text == "-Infinity") return -HUGE_VAL;
    double parsed = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return parsed;
  }
  return fail(Status::invalid_argument(fmt::format(
      "Invalid value {} for parameter '{}': a number is required", value->dump(), name)));
}

Result<std::vector<std::string>> string_list(const nlohmann::json& fields, std::string_view name) {
  const nlohmann::json* value = field(fields, name);
  std::vector<std::string> out;
  if (value == nullptr) return out;
  if (value->is_string()) return std::vector<std::string>{value->get<std::string>()};
  if (!value->is_array()) {
    return fail(Status::invalid_argument(fmt::format("parameter '{}' must be a list", name)));
  }
  for (const nlohmann::json& item : *value) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    } else if (item.is_number_integer()) {
      out.push_back(std::to_string(item.get<int64_t>()));
    } else {
      return fail(
          Status::invalid_argument(fmt::format("parameter '{}' must be a list of strings", name)));
    }
  }
  return out;
}

bool optional_bool(const nlohmann::json& fields, std::string_view name, bool fallback) {
  const nlohmann::json* value = field(fields, name);
  if (value == nullptr) return fallback;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string()) return *value == "true" || *value == "True" || *value == "1";
  return fallback;
}

Result<std::string> required_run_id(const nlohmann::json& fields) {
  if (auto id = optional_string(fields, "run_id"); id && !id->empty()) return *id;
  if (auto id = optional_string(fields, "run_uuid"); id && !id->empty()) return *id;
  return fail(missing("run_id"));
}

}  // namespace twin::server
