// What hub_routes.cc and hub_transfer_routes.cc share: the Hub's error shape, URLs, lookups.
#pragma once

#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "hub_routes.h"
#include "twin/hub/hub_store.h"

namespace twin::server {

// The one user twin server's Hub knows: whoever holds the token.
inline constexpr std::string_view kHubUser = "twin";

// The Hub's error: status, `X-Error-Code: code` (when not empty), {"error": message}.
void write_hub_error(httplib::Response& response, int status, std::string_view code,
                     std::string_view message);
// A Status as a Hub error: invalid_argument 400, not_found 404, already_exists 409,
// failed_precondition 412, unavailable 503, others 500.
void write_hub_error(httplib::Response& response, const Status& status);

Result<nlohmann::json> hub_parse_json(std::string_view text);

// "http://<Host>" of the request.
std::string base_url(const httplib::Request& request);
// "http://<Host>/[datasets/]<name>".
std::string repo_url(const httplib::Request& request, const hub::RepoId& repo);

// The commit `revision` names, or nullopt after answering 404 RepoNotFound or RevisionNotFound.
// With `repo_only`, only the repo's existence is checked (the revision may be a new branch).
std::optional<hub::HubCommit> resolve_or_answer(hub::HubStore& hub, const hub::RepoId& repo,
                                                const std::string& revision,
                                                httplib::Response& response,
                                                bool repo_only = false);

// `handler` with request fields of the wrong JSON type (a number where a string belongs) answered
// as the client's mistake, 400, instead of the server's 500.
template <typename Handler>
auto json_safe(Handler handler) {
  return [handler](const httplib::Request& request, httplib::Response& response) {
    try {
      handler(request, response);
    } catch (const nlohmann::json::exception& error) {
      write_hub_error(response, 400, "", std::string("malformed request: ") + error.what());
    }
  };
}

// 32 random bytes as hex, from /dev/urandom.
std::string random_signing_key();

void add_hub_transfer_routes(httplib::Server& server, hub::HubStore* hub,
                             std::shared_ptr<HubRouteOptions> options);

}  // namespace twin::server
