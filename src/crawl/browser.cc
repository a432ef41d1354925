#include "twin/crawl/browser.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "twin/core/json.h"

namespace twin::crawl {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// A loopback port free right now (the kernel's pick).
Result<int> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return fail(Status::io("cannot open a socket to find a free port"));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return fail(Status::io("cannot bind a loopback socket to find a free port"));
  }
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HttpReply {
  long status = 0;
  std::string body;
};

Result<HttpReply> http_json(const std::string& method, const std::string& url,
                            const std::string* body, milliseconds timeout) {
  CURL* easy = curl_easy_init();
  HttpReply reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");  // chromedriver is on loopback
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply.body);
  if (body != nullptr) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  const CURLcode code = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  if (code != CURLE_OK) {
    return fail(Status::unavailable(
        fmt::format("chromedriver {} {}: {}", method, url, curl_easy_strerror(code))));
  }
  return reply;
}

}  // namespace

Result<std::unique_ptr<BrowserSession>> BrowserSession::start(const BrowserOptions& options) {
  for (const fs::path& program : {options.chromedriver, options.chromium}) {
    if (::access(program.c_str(), X_OK) != 0) {
      return fail(Status::unavailable(fmt::format(
          "{} not found: browser fetching needs the Debian packages chromium and chromium-driver",
          program.string())));
    }
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  TWIN_ASSIGN_OR_RETURN(int port, free_port());
  std::unique_ptr<BrowserSession> session(new BrowserSession());
  session->options_ = options;
  session->base_url_ = fmt::format("http://127.0.0.1:{}", port);
  std::string pattern = (fs::temp_directory_path() / "twin-chromium-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(Status::io("cannot create a temporary Chromium profile directory"));
  }
  session->user_data_dir_ = pattern;

  const std::string port_flag = fmt::format("--port={}", port);
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Status::io("cannot fork to start chromedriver"));
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, STDIN_FILENO);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    ::execl(options.chromedriver.c_str(), options.chromedriver.c_str(), port_flag.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  session->driver_pid_ = pid;

  // Wait for chromedriver to answer /status.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool ready = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply = http_json("GET", session->base_url_ + "/status", nullptr, milliseconds(1000));
    if (reply && reply->status == 200) {
      ready = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  if (!ready) {
    return fail(Status::unavailable(
        fmt::format("{} did not start on {}", options.chromedriver.string(), session->base_url_)));
  }
  const nlohmann::json args = {"--headless",
                               "--no-sandbox",
                               "--disable-gpu",
                               "--disable-quic",
                               "--no-first-run",
                               "--disable-background-networking",
                               "--disable-component-update",
                               "--disable-sync",
                               "--disable-dev-shm-usage",
                               "--user-data-dir=" + session->user_data_dir_.string()};
  const nlohmann::json request = {
      {"capabilities",
       {{"alwaysMatch",
         {{"browserName", "chrome"},
          {"pageLoadStrategy", "normal"},
          {"goog:chromeOptions", {{"binary", options.chromium.string()}, {"args", args}}}}}}}};
  TWIN_ASSIGN_OR_RETURN(nlohmann::json created, session->call("POST", "/session", &request));
  session->session_id_ = created.value("sessionId", "");
  if (session->session_id_.empty()) {
    return fail(Status::unavailable(
        fmt::format("chromedriver did not open a session: {}", created.dump())));
  }
  const nlohmann::json timeouts = {{"pageLoad", options.page_timeout.count()},
                                   {"script", options.page_timeout.count()}};
  TWIN_ASSIGN_OR_RETURN(
      nlohmann::json ignored,
      session->call("POST", "/session/" + session->session_id_ + "/timeouts", &timeouts));
  return session;
}

BrowserSession::~BrowserSession() {
  if (!session_id_.empty()) {
    (void)http_json("DELETE", base_url_ + "/session/" + session_id_, nullptr, milliseconds(10'000));
  }
  if (driver_pid_ > 0) {
    ::kill(-driver_pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(driver_pid_, &status, WNOHANG) == driver_pid_) {
        driver_pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (driver_pid_ > 0) {
      ::kill(-driver_pid_, SIGKILL);
      ::waitpid(driver_pid_, &status, 0);
    }
  }
  if (!user_data_dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(user_data_dir_, ignored);
  }
}

Result<nlohmann::json> BrowserSession::call(const std::string& method, const std::string& path,
                                            const nlohmann::json* body) {
  const std::string text = body ? body->dump() : std::string();
  TWIN_ASSIGN_OR_RETURN(HttpReply reply, http_json(method, base_url_ + path, body ? &text : nullptr,
                                                   options_.page_timeout + milliseconds(30'000)));
  const nlohmann::json parsed =
      parse_json(reply.body, "chromedriver's reply").value_or(nlohmann::json());
  if (!parsed.is_object()) {
    return fail(Status::unavailable(fmt::format(
        "chromedriver {} {}: HTTP {} with a body that is not JSON", method, path, reply.status)));
  }
  nlohmann::json value = parsed.value("value", nlohmann::json());
  if (reply.status != 200) {
    std::string message = value.is_object() ? value.value("message", "") : "";
    if (size_t newline = message.find('\n'); newline != std::string::npos) message.resize(newline);
    return fail(Status::unavailable(
        fmt::format("chromedriver {} {}: HTTP {}: {}", method, path, reply.status, message)));
  }
  if (path == "/session") return value;
  return value;
}

Status BrowserSession::navigate(const std::string& url) {
  const nlohmann::json body = {{"url", url}};
  auto done = call("POST", "/session/" + session_id_ + "/url", &body);
  if (!done) return done.error().with_context(fmt::format("loading {} in Chromium", url));
  return Status::ok();
}

Result<nlohmann::json> BrowserSession::execute(const std::string& script, nlohmann::json args) {
  const nlohmann::json body = {{"script", script}, {"args", std::move(args)}};
  return call("POST", "/session/" + session_id_ + "/execute/sync", &body);
}

Result<std::string> BrowserSession::page_html() {
  TWIN_ASSIGN_OR_RETURN(nlohmann::json html, execute("return document.documentElement.outerHTML;"));
  if (!html.is_string()) return fail(Status::unavailable("Chromium returned no page source"));
  return "<!DOCTYPE html>\n" + html.get<std::string>();
}

Result<std::string> BrowserSession::current_url() {
  TWIN_ASSIGN_OR_RETURN(nlohmann::json url,
                        call("GET", "/session/" + session_id_ + "/url", nullptr));
  return url.is_string() ? url.get<std::string>() : std::string();
}

Status BrowserSession::wait_until(const std::string& script, milliseconds timeout,
                                  std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto value = execute(script);
    if (!value) return value.error();
    if (value->is_boolean() && value->get<bool>()) return Status::ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::unavailable(
          fmt::format("timed out after {} ms waiting for {}", timeout.count(), what));
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
}

}  // namespace twin::crawl
