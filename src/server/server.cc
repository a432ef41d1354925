#include "twin/server/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "guarded_server.h"
#include "hub_routes.h"
#include "json_endpoint.h"
#include "mlflow_artifact_routes.h"
#include "mlflow_routes.h"
#include "pipeline_routes.h"
#include "qdrant_routes.h"
#include "twin/core/json.h"
#include "twin_routes.h"
#include "vector_routes.h"
#include "warehouse_routes.h"

namespace twin::server {
namespace {

constexpr std::string_view kTokenCookie = "twin_token";

bool is_api_path(const std::string& path) {
  return path.starts_with("/api/") || path.starts_with("/ajax-api/");
}

// Compares without an early exit, so response timing does not reveal a token's prefix.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

std::string cookie_value(const httplib::Request& request, std::string_view name) {
  const std::string header = request.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with(name) && part.size() > name.size() && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    pos = end + 1;
  }
  return "";
}

// Uploads whose bodies may reach max_artifact_bytes: MLflow's artifact proxy and the Hub's LFS
// upload URLs.
bool is_artifact_upload(const httplib::Request& request) {
  return request.method == "PUT" &&
         (request.path.find("/2.0/mlflow-artifacts/artifacts/") != std::string::npos ||
          is_hub_upload_path(request.path));
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A name only this machine answers to: `localhost`, [::1], or 127.x.y.z as an IPv4 literal
// (inet_pton takes exactly four decimal parts, so 127.0.0.1.evil.com and 127.1.1.1.nip.io, names
// a DNS server can point anywhere, are not literals).
bool is_loopback_host(std::string_view host) {
  if (equals_ignoring_case(host, "localhost") || host == "::1" || host == "[::1]") return true;
  in_addr address{};
  return ::inet_pton(AF_INET, std::string(host).c_str(), &address) == 1 &&
         (ntohl(address.s_addr) >> 24) == 127;
}

// The host name of a Host header, without the port.
std::string_view host_name(std::string_view header) {
  if (header.starts_with("[")) {
    const size_t close = header.find(']');
    return close == std::string_view::npos ? header : header.substr(0, close + 1);
  }
  return header.substr(0, header.find(':'));
}

}  // namespace

struct TwinServer::Impl {
  Impl(ServerOptions server_options, const ServerStores& server_stores)
      : options(std::move(server_options)),
        stores(server_stores),
        http(limits(options)),
        qdrant_http(limits(options)) {}

  static ConnectionLimits limits(const ServerOptions& options) {
    return {.max_connections = options.max_connections,
            .max_connections_per_client = options.max_connections_per_client,
            .header_timeout = options.header_timeout,
            .idle_timeout = options.idle_timeout,
            .max_body_bytes = options.max_body_bytes,
            .warm_threads = static_cast<size_t>(std::max(options.threads, 1))};
  }

  ServerOptions options;
  ServerStores stores;
  GuardedServer http;
  GuardedServer qdrant_http;  // the same limits: slow clients cannot stop the Qdrant API either
  int bound_port = -1;
  int bound_qdrant_port = -1;
  std::atomic<bool> stop_requested{false};

  bool is_allowed_host(std::string_view name) const {
    return is_loopback_host(name) ||
           std::any_of(
               options.allowed_hosts.begin(), options.allowed_hosts.end(),
               [name](const std::string& allowed) { return equals_ignoring_case(name, allowed); });
  }

  bool authorized(const httplib::Request& request) const {
    if (options.token.empty()) return true;
    const std::string header = request.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.starts_with(kBearer) && same_secret(header.substr(kBearer.size()), options.token)) {
      return true;
    }
    const std::string api_key = request.get_header_value("api-key");  // Qdrant clients
    if (!api_key.empty() && same_secret(api_key, options.token)) return true;
    const std::string cookie = cookie_value(request, kTokenCookie);
    return !cookie.empty() && same_secret(cookie, options.token);
  }

  // The Qdrant listener's checks: the same Host rule, token and body limit as the main API.
  httplib::Server::HandlerResponse before_qdrant_routing(const httplib::Request& request,
                                                         httplib::Response& response) const {
    using Handled = httplib::Server::HandlerResponse;
    auto refuse = [&](int status, std::string_view message) {
      response.status = status;
      response.set_content(nlohmann::json{{"status", {{"error", message}}}, {"time", 0}}.dump(),
                           "application/json");
      return Handled::Handled;
    };
    if (is_loopback_host(options.host) && request.has_header("Host") &&
        !is_allowed_host(host_name(request.get_header_value("Host")))) {
      return refuse(403,
                    "this server listens on a loopback address and answers loopback host "
                    "names only");
    }
    const bool health = request.path == "/" || request.path == "/healthz" ||
                        request.path == "/livez" || request.path == "/readyz";
    if (!health && !authorized(request)) {
      return refuse(401, "Must provide an API key or an Authorization bearer token");
    }
    if (request.get_header_value<uint64_t>("Content-Length") > options.max_body_bytes) {
      return refuse(413, "the request body is too large");
    }
    GuardedServer::set_body_limit(options.max_body_bytes);  // chunked bodies too
    if (const std::string encoding = request.get_header_value("Content-Encoding");
        !encoding.empty() && encoding != "identity") {
      return refuse(415, "compressed request bodies are not accepted");
    }
    return Handled::Unhandled;
  }

  void configure_qdrant() {
    qdrant_http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    qdrant_http.set_tcp_nodelay(true);
    qdrant_http.set_payload_max_length(options.max_body_bytes);
    qdrant_http.set_read_timeout(30, 0);
    qdrant_http.set_pre_routing_handler([this](const httplib::Request& q, httplib::Response& r) {
      return before_qdrant_routing(q, r);
    });
    qdrant_http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& request, httplib::Response& response) {
          using Handled = httplib::Server::HandlerResponse;
          if (!response.body.empty()) return Handled::Unhandled;
          if (GuardedServer::body_limit_exceeded()) response.status = 413;
          const std::string message =
              response.status == 413 ? std::string("the request body is too large")
              : response.status == 404
                  ? fmt::format("Not found: no endpoint {} {}", request.method, request.path)
                  : fmt::format("HTTP {}", response.status);
          response.set_content(nlohmann::json{{"status", {{"error", message}}}, {"time", 0}}.dump(),
                               "application/json");
          return Handled::Handled;
        }));
    add_qdrant_routes(qdrant_http, stores.vectors);
    if (!options.qdrant_exchange_log.empty()) {
      qdrant_http.set_logger(
          [this](const httplib::Request& request, const httplib::Response& response) {
            log_qdrant_exchange(request, response);
          });
    }
  }

  std::mutex exchange_log_mutex;
  void log_qdrant_exchange(const httplib::Request& request, const httplib::Response& response) {
    auto as_json = [](const std::string& body) {
      if (body.empty()) return nlohmann::json(nullptr);
      auto parsed = parse_json(body, "exchange");
      return parsed ? *parsed : nlohmann::json(body);
    };
    const nlohmann::json line = {{"method", request.method},
                                 {"path", request.path},
                                 {"request", as_json(request.body)},
                                 {"status", response.status},
                                 {"response", as_json(response.body)}};
    const std::lock_guard lock(exchange_log_mutex);
    std::ofstream out(options.qdrant_exchange_log, std::ios::app);
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }

  httplib::Server::HandlerResponse before_routing(const httplib::Request& request,
                                                  httplib::Response& response) {
    using Handled = httplib::Server::HandlerResponse;
    if (is_loopback_host(options.host) && request.has_header("Host") &&
        !is_allowed_host(host_name(request.get_header_value("Host")))) {
      write_error(response, 403, "PERMISSION_DENIED",
                  "this server listens on a loopback address and answers loopback host names only");
      return Handled::Handled;
    }
    // `/?token=...` once: the dashboard keeps the token as a cookie (as Jupyter does).
    if (!is_api_path(request.path) && request.has_param("token")) {
      if (options.token.empty() || !same_secret(request.get_param_value("token"), options.token)) {
        write_error(response, 401, "UNAUTHENTICATED", "the token in the address is not valid");
        return Handled::Handled;
      }
      response.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                                    kTokenCookie, options.token));
      response.set_redirect(request.path.empty() ? "/" : request.path);
      return Handled::Handled;
    }
    if (is_api_path(request.path) && request.method != "OPTIONS" && !authorized(request)) {
      response.set_header("WWW-Authenticate", "Bearer");
      write_error(response, 401, "UNAUTHENTICATED",
                  "this server needs a token: send 'Authorization: Bearer <TWIN_SERVER_TOKEN>'");
      return Handled::Handled;
    }
    // httplib's own limit is the larger artifact limit; other bodies are refused here, before
    // they are read (this handler runs once the headers are in).
    if (!is_artifact_upload(request) &&
        request.get_header_value<uint64_t>("Content-Length") > options.max_body_bytes) {
      write_error(response, 413, "REQUEST_LIMIT_EXCEEDED", "the request body is too large");
      return Handled::Handled;
    }
    // A body without Content-Length (chunked) is cut where it passes the same limit on the wire;
    // the artifact proxy checks its own limit on the data, so its framing gets some room.
    GuardedServer::set_body_limit(is_artifact_upload(request)
                                      ? options.max_artifact_bytes + options.max_artifact_bytes / 8
                                      : options.max_body_bytes);
    // httplib inflates gzip, deflate and br bodies as it reads them: a few MB could stand for
    // gigabytes. No MLflow client compresses what it sends.
    if (const std::string encoding = request.get_header_value("Content-Encoding");
        !encoding.empty() && encoding != "identity") {
      write_error(
          response, 415, "INVALID_PARAMETER_VALUE",
          fmt::format("request bodies with Content-Encoding: {} are not accepted", encoding));
      return Handled::Handled;
    }
    return Handled::Unhandled;
  }

  void after_routing(const httplib::Request& request, httplib::Response& response) const {
    response.set_header("X-Content-Type-Options", "nosniff");
    if (!options.cors_origin.empty()) {
      response.set_header("Access-Control-Allow-Origin",
                          options.cors_origin == "*" ? std::string("*") : options.cors_origin);
      response.set_header("Vary", "Origin");
    }
    spdlog::debug("{} {} -> {}", request.method, request.path, response.status);
  }

  void configure() {
    // httplib's default also sets SO_REUSEPORT, which would let a second twin server share the
    // port silently; SO_REUSEADDR alone still allows a quick restart.
    http.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    // Responses go out as headers then body; without TCP_NODELAY, Nagle's algorithm holds the
    // body until the client's delayed ACK (~40 ms per request).
    http.set_tcp_nodelay(true);
    http.set_payload_max_length(std::max(options.max_body_bytes, options.max_artifact_bytes));
    http.set_keep_alive_max_count(100000);
    http.set_read_timeout(30, 0);
    http.set_pre_routing_handler(
        [this](const httplib::Request& q, httplib::Response& r) { return before_routing(q, r); });
    http.set_post_routing_handler(
        [this](const httplib::Request& q, httplib::Response& r) { after_routing(q, r); });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& request, httplib::Response& response) {
          using Handled = httplib::Server::HandlerResponse;
          if (!response.body.empty()) return Handled::Unhandled;
          if (response.status == 413 || GuardedServer::body_limit_exceeded()) {
            write_error(response, 413, "REQUEST_LIMIT_EXCEEDED", "the request body is too large");
          } else if (response.status == 404 && is_api_path(request.path)) {
            write_error(response, 404, "ENDPOINT_NOT_FOUND",
                        fmt::format("no endpoint {} {}", request.method, request.path));
          } else {
            write_error(response, response.status, "BAD_REQUEST",
                        fmt::format("HTTP {}", response.status));
          }
          return Handled::Handled;
        }));
    http.set_exception_handler([](const httplib::Request& request, httplib::Response& response,
                                  const std::exception_ptr& error) {
      std::string what = "unknown exception";
      try {
        if (error) std::rethrow_exception(error);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {  // NOLINT(bugprone-empty-catch): reported as "unknown exception"
      }
      spdlog::error("{} {}: {}", request.method, request.path, what);
      write_error(response, 500, "INTERNAL_ERROR", what);
    });
    http.Options(".*", [this](const httplib::Request&, httplib::Response& response) {
      if (options.cors_origin.empty()) {
        response.status = 403;
        return;
      }
      response.status = 204;
      response.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE");
      response.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    });
    add_mlflow_routes(http, stores, options.mlflow_artifacts_dir);
    add_mlflow_artifact_routes(http, options.mlflow_artifacts_dir, options.max_artifact_bytes);
    add_twin_routes(http, stores);
    add_pipeline_routes(http, stores);
    add_warehouse_routes(http, stores.warehouse);
    add_vector_routes(http, stores.vectors, stores.embedder);
    add_hub_routes(
        http, stores.hub,
        {.lfs_threshold_bytes = options.hub_lfs_threshold_bytes,
         .multipart_chunk_bytes = options.hub_multipart_chunk_bytes,
         .max_object_bytes = options.max_artifact_bytes,
         // Upload URLs stay valid across restarts when there is a token to derive
         // their key from; never the token itself, which would leak with the URL.
         .signing_key = options.token.empty()
                            ? std::string()
                            : hub::hmac_sha256_hex(options.token, "twin hub upload urls"),
         .authorized = [this](const httplib::Request& q) { return authorized(q); }});
    configure_dashboard();
  }

  void configure_dashboard() {
    std::error_code ec;
    if (!options.web_dir.empty() && std::filesystem::exists(options.web_dir / "index.html", ec)) {
      http.set_mount_point("/", options.web_dir.string());
      http.set_file_request_handler(
          [](const httplib::Request& request, httplib::Response& response) {
            // index.html names its hashed assets; it must be fetched fresh, the assets may be
            // cached.
            if (request.path == "/" || request.path.ends_with(".html")) {
              response.set_header("Cache-Control", "no-store");
            }
          });
      return;
    }
    const std::string where =
        options.web_dir.empty() ? std::string("(none given)") : options.web_dir.string();
    http.Get("/", [where](const httplib::Request&, httplib::Response& response) {
      response.set_content(
          fmt::format("twin server is running, but the dashboard was not built (looked in {}). "
                      "Build twin with npm installed to get it; the API is at /api/.\n",
                      where),
          "text/plain; charset=utf-8");
    });
  }
};

TwinServer::TwinServer(ServerOptions options, const ServerStores& stores)
    : impl_(std::make_unique<Impl>(std::move(options), stores)) {
  impl_->configure();
  if (impl_->options.qdrant_port >= 0) impl_->configure_qdrant();
}

TwinServer::~TwinServer() = default;

Status TwinServer::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    impl_->bound_port = impl_->http.bind_to_any_port(o.host);
  } else if (impl_->http.bind_to_port(o.host, o.port)) {
    impl_->bound_port = o.port;
  }
  if (impl_->bound_port > 0) impl_->http.raise_backlog();
  if (impl_->bound_port <= 0) {
    return Status::unavailable(fmt::format(
        "cannot listen on {}:{} (is the port in use, or the host not an address of this machine?)",
        o.host, o.port));
  }
  if (o.qdrant_port < 0) return Status::ok();
  if (o.qdrant_port == 0) {
    impl_->bound_qdrant_port = impl_->qdrant_http.bind_to_any_port(o.host);
  } else if (impl_->qdrant_http.bind_to_port(o.host, o.qdrant_port)) {
    impl_->bound_qdrant_port = o.qdrant_port;
  }
  if (impl_->bound_qdrant_port > 0) impl_->qdrant_http.raise_backlog();
  if (impl_->bound_qdrant_port <= 0) {
    impl_->bound_qdrant_port = -1;
    const std::string message = fmt::format(
        "cannot listen on {}:{} for the Qdrant API (is a Qdrant running there? --qdrant-port "
        "picks another port)",
        o.host, o.qdrant_port);
    if (!o.qdrant_port_optional) return Status::unavailable(message);
    spdlog::warn("{}; serving without the Qdrant API", message);
  }
  return Status::ok();
}

int TwinServer::port() const { return impl_->bound_port; }

int TwinServer::qdrant_port() const { return impl_->bound_qdrant_port; }

Status TwinServer::serve() {
  if (impl_->bound_port <= 0) TWIN_RETURN_IF_ERROR(bind());
  // stop() may come before listening starts; this watcher turns the request into a stop of the
  // running server whenever it arrives.
  std::atomic<bool> done{false};
  std::thread watcher([this, &done] {
    while (!done.load()) {
      if (impl_->stop_requested.load() && impl_->http.is_running()) {
        impl_->http.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::thread qdrant_listener;
  std::atomic<bool> qdrant_done{false};
  if (impl_->bound_qdrant_port > 0) {
    qdrant_listener = std::thread([this, &qdrant_done] {
      impl_->qdrant_http.listen_after_bind();
      qdrant_done = true;
    });
  }
  if (!impl_->stop_requested.load()) impl_->http.listen_after_bind();
  done = true;
  watcher.join();
  if (qdrant_listener.joinable()) {
    // stop() only reaches a server that is already listening: wait until it is.
    while (!impl_->qdrant_http.is_running() && !qdrant_done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    impl_->qdrant_http.stop();
    qdrant_listener.join();
  }
  return Status::ok();
}

void TwinServer::stop() { impl_->stop_requested = true; }

}  // namespace twin::server
