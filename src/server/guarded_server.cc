#include "guarded_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <string_view>
#include <thread>
#include <utility>

namespace twin::server {
namespace {

using Clock = std::chrono::steady_clock;

// A request line and headers longer than this end the connection (httplib bounds each line, not
// how many there are).
constexpr size_t kMaxHeaderBytes = 64 * 1024;

// httplib's task queue, one thread per connection: a job never waits for another to finish.
// Threads start when no idle one is left and are kept for the next connections.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(size_t warm) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < warm; ++i) threads_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(fn));
    if (idle_ < jobs_.size()) {
      threads_.emplace_back([this] { work(); });
    } else {
      ready_.notify_one();
    }
  }

  // Called once httplib's accept loop has ended: runs what is queued, then joins every thread.
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      ++idle_;
      ready_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
      --idle_;
      if (jobs_.empty()) return;  // shut down
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;
  size_t idle_ = 0;
  bool shutdown_ = false;
};

void address_and_port(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if ((peer ? ::getpeername(sock, raw, &length) : ::getsockname(sock, raw, &length)) != 0) return;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    port = ntohs(v6->sin6_port);
  }
  ip = text.data();
}

std::string peer_address(socket_t sock) {
  std::string ip;
  int port = 0;
  address_and_port(sock, /*peer=*/true, ip, port);
  return ip;
}

// True when `sock` has something to read (or was closed) within `timeout`.
bool wait_for(socket_t sock, short events, std::chrono::milliseconds timeout) {
  pollfd one{.fd = sock, .events = events, .revents = 0};
  const int millis = static_cast<int>(std::max<std::chrono::milliseconds::rep>(timeout.count(), 0));
  int ready = 0;
  do {
    ready = ::poll(&one, 1, millis);
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

// One connection's socket as httplib reads and writes it, with the guards: a deadline for the
// headers, and a limit on body bytes. Reads are buffered (httplib reads headers a byte at a time).
class GuardedStream : public httplib::Stream {
 public:
  GuardedStream(socket_t sock, std::chrono::milliseconds read_timeout,
                std::chrono::milliseconds write_timeout, size_t default_body_limit)
      : sock_(sock),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        default_body_limit_(default_body_limit) {}

  // Waits up to `idle` for the next request's first byte; then its header deadline starts.
  // False when none came (or the peer closed, or `keep_going` turned false meanwhile).
  bool wait_for_request(std::chrono::milliseconds idle, const std::function<bool()>& keep_going,
                        std::chrono::milliseconds header_timeout) {
    const auto until = Clock::now() + idle;
    while (begin_ == end_) {
      if (!keep_going()) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      if (wait_for(sock_, POLLIN, std::min(left, std::chrono::milliseconds(100)))) {
        if (!fill(std::chrono::milliseconds(0))) return false;
      }
    }
    in_headers_ = true;
    header_deadline_ = Clock::now() + header_timeout;
    header_tail_ = 0;
    header_bytes_ = 0;
    body_read_ = 0;
    body_limit_ = default_body_limit_;
    body_limit_exceeded_ = false;
    header_timed_out_ = false;
    return true;
  }

  void set_body_limit(size_t bytes) { body_limit_ = bytes; }
  bool body_limit_exceeded() const { return body_limit_exceeded_; }
  bool header_timed_out() const { return header_timed_out_; }

  bool is_readable() const override {
    return begin_ != end_ || wait_for(sock_, POLLIN, read_timeout_);
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      std::chrono::milliseconds timeout = read_timeout_;
      if (in_headers_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(header_deadline_ - Clock::now());
        if (left.count() <= 0) {
          header_timed_out_ = true;
          return -1;
        }
        timeout = std::min(timeout, left);
      }
      if (!fill(timeout)) {
        if (in_headers_ && Clock::now() >= header_deadline_) header_timed_out_ = true;
        return -1;
      }
    }
    size_t n = std::min(size, end_ - begin_);
    if (in_headers_) {
      n = std::min<size_t>(n, 1);  // to see where the headers end
      if (++header_bytes_ > kMaxHeaderBytes) {
        header_timed_out_ = true;  // as good as: the headers never end
        return -1;
      }
      const char c = buffer_[begin_];
      header_tail_ = (header_tail_ << 8) | static_cast<unsigned char>(c);
      // The empty line ending the headers: "\r\n" after a line's "\n" (httplib needs the CR).
      if ((header_tail_ & 0xffffffU) == 0x0a0d0aU) in_headers_ = false;
    } else {
      if (body_read_ + n > body_limit_) {
        body_limit_exceeded_ = true;
        return -1;
      }
      body_read_ += n;
    }
    std::copy_n(buffer_.data() + begin_, n, ptr);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t sent = 0;
    do {
      sent = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address_and_port(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address_and_port(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  // Reads what the socket has into the (empty) buffer, waiting up to `timeout`.
  bool fill(std::chrono::milliseconds timeout) {
    if (timeout.count() > 0 && !wait_for(sock_, POLLIN, timeout)) return false;
    ssize_t got = 0;
    do {
      got = ::recv(sock_, buffer_.data(), buffer_.size(), timeout.count() > 0 ? 0 : MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return false;
    begin_ = 0;
    end_ = static_cast<size_t>(got);
    return true;
  }

  socket_t sock_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  size_t default_body_limit_;
  std::array<char, 16 * 1024> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
  bool in_headers_ = false;
  Clock::time_point header_deadline_;
  uint32_t header_tail_ = 0;
  size_t header_bytes_ = 0;
  size_t body_read_ = 0;
  size_t body_limit_ = 0;
  bool body_limit_exceeded_ = false;
  bool header_timed_out_ = false;
};

thread_local GuardedStream* current_stream = nullptr;

// Answers a connection that is refused before any request is read.
void send_refusal(socket_t sock) {
  const std::string_view body =
      R"({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "too many connections (from this )"
      R"(client or in all); retry later"})";
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  if (wait_for(sock, POLLOUT, std::chrono::milliseconds(1000))) {
    (void)::send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
}

// After answering a request whose body was cut off: closing with its rest unread would reset
// the connection, and a reset can destroy the answer before the client reads it. So stop
// sending, then read and drop what still comes, for a short while.
void drain_before_close(socket_t sock) {
  ::shutdown(sock, SHUT_WR);
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  std::array<char, 16 * 1024> sink{};
  size_t drained = 0;
  while (Clock::now() < until && drained < (size_t{4} << 20)) {
    if (!wait_for(sock, POLLIN, std::chrono::milliseconds(50))) continue;
    const ssize_t n = ::recv(sock, sink.data(), sink.size(), MSG_DONTWAIT);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
}

}  // namespace

GuardedServer::GuardedServer(ConnectionLimits limits) : limits_(limits) {
  const size_t warm = limits_.warm_threads;
  new_task_queue = [warm] { return new ConnectionThreads(warm); };
  set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(limits_.idle_timeout).count());
}

void GuardedServer::raise_backlog() {
  const socket_t sock = svr_sock_;
  if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
}

void GuardedServer::set_body_limit(size_t bytes) {
  if (current_stream != nullptr) current_stream->set_body_limit(bytes);
}

bool GuardedServer::body_limit_exceeded() {
  return current_stream != nullptr && current_stream->body_limit_exceeded();
}

bool GuardedServer::admit(const std::string& client) {
  std::lock_guard lock(mutex_);
  size_t& from_client = per_client_[client];
  if (connections_ >= limits_.max_connections ||
      from_client >= limits_.max_connections_per_client) {
    if (from_client == 0) per_client_.erase(client);
    return false;
  }
  ++connections_;
  ++from_client;
  return true;
}

void GuardedServer::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  --connections_;
  if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) {
    per_client_.erase(it);
  }
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  const std::string client = peer_address(sock);
  bool served = false;
  if (!admit(client)) {
    send_refusal(sock);
  } else {
    using std::chrono::microseconds;
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    const auto read_timeout = std::chrono::duration_cast<milliseconds>(
        seconds(read_timeout_sec_) + microseconds(read_timeout_usec_));
    const auto write_timeout = std::chrono::duration_cast<milliseconds>(
        seconds(write_timeout_sec_) + microseconds(write_timeout_usec_));
    GuardedStream stream(sock, read_timeout, write_timeout, limits_.max_body_bytes);
    current_stream = &stream;
    const auto running = [this] { return svr_sock_ != INVALID_SOCKET; };
    for (size_t left = keep_alive_max_count_;
         left > 0 && stream.wait_for_request(limits_.idle_timeout, running, limits_.header_timeout);
         --left) {
      bool connection_closed = false;
      served = process_request(stream, left == 1, connection_closed, nullptr);
      if (!served || connection_closed || stream.header_timed_out() ||
          stream.body_limit_exceeded()) {
        break;
      }
    }
    if (stream.body_limit_exceeded()) drain_before_close(sock);
    current_stream = nullptr;
    release(client);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace twin::server
