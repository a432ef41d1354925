// soak_bench TWIN SECONDS IDLE SLOW CLIENTS: starts `TWIN server --port 0` in a temporary
// project, holds IDLE connections open that send nothing and SLOW ones that send a header byte a
// second (each reconnects when the server closes it), and meanwhile has CLIENTS well-behaved
// MLflow clients log metrics over keep-alive connections for SECONDS. Prints the clients' p50,
// p99 and max latency, their errors, how often the server closed the idle and slow sockets, and
// the server's peak memory (VmHWM). Loopback only. Goal: p99 under 50 ms and no errors.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Server {
  pid_t pid = -1;
  int port = 0;
};

Server start_server(const std::string& twin, const std::filesystem::path& project) {
  int out[2];
  if (::pipe(out) != 0) return {};
  Server server;
  server.pid = ::fork();
  if (server.pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    if (::chdir(project.c_str()) != 0) ::_exit(127);
    ::execl(twin.c_str(), twin.c_str(), "-q", "server", "--port", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  std::smatch match;
  if (std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) {
    server.port = std::stoi(match[1]);
  }
  // Keep reading (and dropping) stdout so the server never blocks on it.
  std::thread([fd = out[0]] {
    char buffer[4096];
    while (::read(fd, buffer, sizeof(buffer)) > 0) {
    }
    ::close(fd);
  }).detach();
  return server;
}

int connect_to(int port) {
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(sock);
    return -1;
  }
  return sock;
}

// True when the server closed `sock` (or reset it).
bool closed_by_server(int sock) {
  pollfd one{.fd = sock, .events = POLLIN, .revents = 0};
  if (::poll(&one, 1, 0) <= 0) return false;
  char byte = 0;
  return ::recv(sock, &byte, 1, MSG_DONTWAIT) <= 0 || (one.revents & (POLLHUP | POLLERR)) != 0;
}

long peak_memory_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr, "usage: soak_bench TWIN SECONDS IDLE SLOW CLIENTS\n");
    return 2;
  }
  const std::string twin = std::filesystem::absolute(argv[1]).string();
  const auto duration = std::chrono::seconds(std::atoi(argv[2]));
  const int idle_count = std::atoi(argv[3]);
  const int slow_count = std::atoi(argv[4]);
  const int client_count = std::atoi(argv[5]);
  ::signal(SIGPIPE, SIG_IGN);

  std::string pattern = (std::filesystem::temp_directory_path() / "twin-soak-XXXXXX").string();
  const std::filesystem::path project = ::mkdtemp(pattern.data());
  std::ofstream(project / "twin.toml") << "";
  const Server server = start_server(twin, project);
  if (server.port <= 0) {
    fmt::print(stderr, "twin server did not start\n");
    return 1;
  }

  httplib::Client setup("127.0.0.1", server.port);
  const auto experiment = setup.Post("/api/2.0/mlflow/experiments/create",
                                     json{{"name", "soak"}}.dump(), "application/json");
  if (!experiment || experiment->status != 200) {
    fmt::print(stderr, "experiments/create failed\n");
    ::kill(server.pid, SIGKILL);
    return 1;
  }
  const std::string experiment_id = json::parse(experiment->body)["experiment_id"];

  // One phase of CLIENTS well-behaved clients logging metrics for `length`: their latencies.
  struct Phase {
    std::vector<double> latencies;
    long errors = 0;
  };
  const auto run_clients = [&](std::chrono::seconds length) {
    std::mutex latencies_mutex;
    std::vector<double> latencies;
    std::atomic<long> errors{0};
    std::vector<std::thread> clients;
    const auto until = Clock::now() + length;
    for (int c = 0; c < client_count; ++c) {
      clients.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", server.port);
        client.set_keep_alive(true);
        client.set_read_timeout(30, 0);
        std::vector<double> mine;
        const auto run =
            client.Post("/api/2.0/mlflow/runs/create",
                        json{{"experiment_id", experiment_id}}.dump(), "application/json");
        if (!run || run->status != 200) {
          ++errors;
          return;
        }
        const std::string run_id = json::parse(run->body)["run"]["info"]["run_id"];
        for (int step = 0; Clock::now() < until; ++step) {
          const json metric = {{"run_id", run_id},
                               {"key", fmt::format("loss{}", c)},
                               {"value", 1.0 / (step + 1)},
                               {"timestamp", 1700000000000 + step},
                               {"step", step}};
          const auto started = Clock::now();
          const auto reply =
              client.Post("/api/2.0/mlflow/runs/log-metric", metric.dump(), "application/json");
          const double ms =
              std::chrono::duration<double, std::milli>(Clock::now() - started).count();
          if (!reply || reply->status != 200) {
            ++errors;
          } else {
            mine.push_back(ms);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::lock_guard lock(latencies_mutex);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    }
    for (auto& client : clients) client.join();
    return Phase{std::move(latencies), errors.load()};
  };

  // The baseline: the same clients with nothing else connected.
  const Phase baseline = run_clients(duration);

  std::atomic<bool> done{false};
  std::atomic<long> idle_closed{0};
  std::atomic<long> slow_closed{0};

  // Idle connections: open, say nothing; reopened whenever the server closes one.
  std::thread idle_holder([&] {
    std::vector<int> sockets;
    for (int i = 0; i < idle_count; ++i) sockets.push_back(connect_to(server.port));
    while (!done) {
      for (int& sock : sockets) {
        if (sock < 0 || closed_by_server(sock)) {
          if (sock >= 0) {
            ::close(sock);
            ++idle_closed;
          }
          sock = connect_to(server.port);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (int sock : sockets) ::close(sock);
  });

  // Slow connections: a request's headers, one byte a second; reopened when closed.
  std::thread slow_holder([&] {
    const std::string request =
        "POST /api/2.0/mlflow/runs/log-metric HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nX-Padding: " +
        std::string(4000, 'x') + "\r\n\r\n";
    std::vector<int> sockets;
    std::vector<size_t> sent;
    for (int i = 0; i < slow_count; ++i) {
      sockets.push_back(connect_to(server.port));
      sent.push_back(0);
    }
    while (!done) {
      for (size_t i = 0; i < sockets.size(); ++i) {
        if (sockets[i] < 0 || closed_by_server(sockets[i]) ||
            ::send(sockets[i], request.data() + sent[i] % request.size(), 1, MSG_NOSIGNAL) != 1) {
          if (sockets[i] >= 0) {
            ::close(sockets[i]);
            ++slow_closed;
          }
          sockets[i] = connect_to(server.port);
          sent[i] = 0;
          continue;
        }
        ++sent[i];
      }
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    for (int sock : sockets) ::close(sock);
  });

  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the hostile sockets settle in
  const Phase hostile = run_clients(duration);

  done = true;
  idle_holder.join();
  slow_holder.join();

  const long peak = peak_memory_kib(server.pid);
  ::kill(server.pid, SIGTERM);
  int status = 0;
  ::waitpid(server.pid, &status, 0);
  std::error_code ignored;
  std::filesystem::remove_all(project, ignored);

  const auto report = [](const char* what, const Phase& phase) {
    fmt::print(
        "  {:<9} requests {:>5}  errors {}  p50 {:6.2f} ms  p99 {:6.2f} ms  max {:6.2f} ms\n", what,
        phase.latencies.size(), phase.errors, percentile(phase.latencies, 0.50),
        percentile(phase.latencies, 0.99), percentile(phase.latencies, 1.0));
  };
  fmt::print(
      "soak: {} clients logging metrics for {} s alone, then beside {} idle and {} slow "
      "connections\n",
      client_count, duration.count(), idle_count, slow_count);
  report("alone", baseline);
  report("beside", hostile);
  const double p99 = percentile(hostile.latencies, 0.99);
  const double base_p99 = percentile(baseline.latencies, 0.99);
  fmt::print("  p99 beside / alone: {:.2f}x\n", base_p99 > 0 ? p99 / base_p99 : 0.0);
  fmt::print("  server closed {} idle and {} slow sockets; server peak memory {} MiB\n",
             idle_closed.load(), slow_closed.load(), peak / 1024);
  const bool met = hostile.errors == 0 && p99 < 50.0 && !hostile.latencies.empty();
  fmt::print("  goal (p99 < 50 ms, 0 errors): {}\n", met ? "met" : "NOT met");
  return hostile.errors == 0 && !hostile.latencies.empty() ? 0 : 1;
}
