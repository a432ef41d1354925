// GuardedServer: an httplib::Server that slow, idle and greedy clients cannot stop.
//
// httplib runs each connection on a worker of a fixed pool for as long as the connection lives,
// gives a request as long as it likes to send its headers (each byte restarts the read timeout),
// reads a chunked body whole whatever the payload limit, and listens with a backlog of 5. So eight
// clients sending a header byte a second, or 200 idle keep-alive connections, hold every worker
// and nobody else is answered. GuardedServer replaces httplib's per-connection loop:
//
// - every connection gets a thread of its own (started on demand and kept for reuse), so a slow
//   socket holds only itself; past ConnectionLimits::max_connections in all, or
//   max_connections_per_client from one address, a connection gets 503 at once and is closed;
// - a request has header_timeout from its first byte to the end of its headers (else the
//   connection is closed); a connection idle for idle_timeout between requests is closed;
// - body bytes are counted as they arrive, however the body is framed (Content-Length, chunked):
//   past the request's limit (set_body_limit, from a pre-routing handler; max_body_bytes by
//   default) reading stops, the request fails with 413 (see body_limit_exceeded) and the
//   connection is closed;
// - listen() uses a backlog of SOMAXCONN (call raise_backlog() after binding).
//
// Thread-safety: as httplib::Server. set_body_limit and body_limit_exceeded act on the request the
// calling thread is serving.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace twin::server {

struct ConnectionLimits {
  size_t max_connections = 500;  // below select()'s 1024 descriptors, which httplib 0.11 uses
  size_t max_connections_per_client = 250;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{5'000};
  size_t max_body_bytes = size_t{16} << 20;  // a request's body on the wire, unless set otherwise
  size_t warm_threads = 8;                   // threads started up front
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionLimits limits);

  // Re-listens on the bound socket with a backlog of SOMAXCONN (httplib's is 5).
  void raise_backlog();

  // For the request this thread is serving: the most body bytes it may send on the wire.
  static void set_body_limit(size_t bytes);
  // True when the request this thread is serving sent more body than its limit.
  static bool body_limit_exceeded();

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Counts a connection from `client`; false (and nothing counted) when over a limit.
  bool admit(const std::string& client);
  void release(const std::string& client);

  ConnectionLimits limits_;
  std::mutex mutex_;
  size_t connections_ = 0;
  std::map<std::string, size_t> per_client_;
};

}  // namespace twin::server
