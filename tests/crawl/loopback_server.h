// A real HTTP server on 127.0.0.1 for crawl tests (cpp-httplib), on a port the kernel picks.
// Handlers are registered before start(); every request is recorded (path, user agent, time).
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace twin::testing_support {

struct RecordedRequest {
  std::string path;
  std::string user_agent;
  std::string accept_encoding;
  std::chrono::steady_clock::time_point at;
};

class LoopbackServer {
 public:
  LoopbackServer() {
    // Recorded before the handler runs: a logger would run after the response is sent, when
    // the client may already be looking at the record.
    server_.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
      std::lock_guard lock(mutex_);
      requests_.push_back({request.path, request.get_header_value("User-Agent"),
                           request.get_header_value("Accept-Encoding"),
                           std::chrono::steady_clock::now()});
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  ~LoopbackServer() { stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  httplib::Server& http() { return server_; }

  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Same server under another host name: a different host for politeness and robots.txt.
  std::string url_via_localhost(const std::string& path) const {
    return "http://localhost:" + std::to_string(port_) + path;
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<RecordedRequest> requests_for(const std::string& path) const {
    std::vector<RecordedRequest> matching;
    for (const auto& request : requests()) {
      if (request.path == path) matching.push_back(request);
    }
    return matching;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace twin::testing_support
