#include "twin/crawl/fetcher.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "twin/crawl/charset.h"
#include "twin/crawl/robots.h"

namespace twin::crawl {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlHandle {
  CURLU* handle = curl_url();
  ~UrlHandle() { curl_url_cleanup(handle); }
  std::string part(CURLUPart which) const {
    char* value = nullptr;
    if (curl_url_get(handle, which, &value, 0) != CURLUE_OK || value == nullptr) return "";
    std::string out(value);
    curl_free(value);
    return out;
  }
};

bool is_text_type(const std::string& content_type) {
  if (content_type.empty()) return true;
  return content_type.starts_with("text/") || content_type.find("html") != std::string::npos ||
         content_type.find("xml") != std::string::npos ||
         content_type.find("json") != std::string::npos ||
         content_type.find("javascript") != std::string::npos;
}

// Retry-After: delay-seconds or an HTTP date.
std::optional<milliseconds> parse_retry_after(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size())
    return milliseconds(seconds * 1000);
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const time_t now = std::time(nullptr);
  return milliseconds(std::max<std::int64_t>(0, static_cast<std::int64_t>(when - now)) * 1000);
}

}  // namespace

Result<UrlParts> parse_url(const std::string& url) {
  ensure_curl_initialised();
  UrlHandle handle;
  if (curl_url_set(handle.handle, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return fail(Status::invalid_argument(fmt::format("'{}' is not a valid URL", url)));
  }
  UrlParts parts;
  parts.scheme = handle.part(CURLUPART_SCHEME);
  parts.host = handle.part(CURLUPART_HOST);
  parts.port = handle.part(CURLUPART_PORT);
  parts.path_and_query = handle.part(CURLUPART_PATH);
  if (std::string query = handle.part(CURLUPART_QUERY); !query.empty()) {
    parts.path_and_query += "?" + query;
  }
  std::ranges::transform(parts.host, parts.host.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return parts;
}

Result<std::string> resolve_url(const std::string& base, const std::string& reference) {
  ensure_curl_initialised();
  UrlHandle handle;
  if (curl_url_set(handle.handle, CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(handle.handle, CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    return fail(
        Status::invalid_argument(fmt::format("cannot resolve '{}' against '{}'", reference, base)));
  }
  return handle.part(CURLUPART_URL);
}

struct Fetcher::HostState {
  Clock::time_point next_allowed = Clock::time_point::min();
  bool busy = false;
  enum class Robots { kUnknown, kFetching, kReady } robots_state = Robots::kUnknown;
  RobotsRules robots;
  int robots_status = 0;  // the HTTP status robots.txt last answered with
  // Set when the host's name did not resolve: its other URLs fail at once, without the
  // politeness pause (50 links on a dead host took 50 pauses).
  std::string unresolved;
};

namespace {

// One URL on its way: original request, its redirects and retries.
struct Job {
  size_t index = 0;  // into the results; SIZE_MAX for a robots.txt fetch
  std::string url;   // current URL (after redirects)
  std::string host_key;
  std::string path;  // path and query, for robots.txt
  bool http = false;
  int attempt = 0;
  std::vector<std::string> redirects;
  Clock::time_point not_before = Clock::time_point::min();
  // Transfer state.
  CURL* easy = nullptr;
  std::string body;
  bool too_large = false;
  bool truncated = false;  // a robots.txt cut at kMaxRobotsBytes (what RFC 9309 lets us parse)
  std::int64_t max_body = 0;
  std::array<char, CURL_ERROR_SIZE> error{};
};

constexpr size_t kRobotsJob = static_cast<size_t>(-1);

// RFC 9309 2.5: crawlers must parse at least the first 500 KiB of a robots.txt; a longer one is
// cut there and parsed, never ignored (ignoring it would fetch what it disallows).
constexpr size_t kMaxRobotsBytes = 500 * 1024;

bool is_robots_txt(const Job& job) {
  return job.http && (job.index == kRobotsJob || job.path == "/robots.txt");
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* job = static_cast<Job*>(user);
  const size_t bytes = size * count;
  if (static_cast<std::int64_t>(job->body.size() + bytes) > job->max_body) {
    if (is_robots_txt(*job)) {
      job->body.append(data, static_cast<size_t>(job->max_body) - job->body.size());
      job->truncated = true;
    } else {
      job->too_large = true;
    }
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  job->body.append(data, bytes);
  return bytes;
}

std::string header_value(CURL* easy, const char* name) {
  struct curl_header* header = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
      header == nullptr) {
    return "";
  }
  return header->value;
}

}  // namespace

Fetcher::Fetcher(FetchOptions options) : options_(std::move(options)) { ensure_curl_initialised(); }
Fetcher::~Fetcher() = default;

FetchResult Fetcher::fetch(const std::string& url) { return std::move(fetch_all({url}).front()); }

bool Fetcher::allowed_by_robots(const std::string& url) {
  if (!options_.obey_robots) return true;
  auto parts = parse_url(url);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https")) return true;
  const std::string host_key =
      parts->scheme + "://" + parts->host + (parts->port.empty() ? "" : ":" + parts->port);
  auto& host = hosts_[host_key];
  if (!host) host = std::make_unique<HostState>();
  if (host->robots_state != HostState::Robots::kReady) {
    // robots.txt itself is fetched without consulting robots.txt.
    options_.obey_robots = false;
    FetchResult robots = fetch(host_key + "/robots.txt");
    options_.obey_robots = true;
    host->robots_state = HostState::Robots::kReady;
    if (robots.response && robots.response->status >= 200 && robots.response->status < 300) {
      host->robots = RobotsRules::parse(robots.response->body, options_.user_agent);
    } else if (host->robots_status >= 500) {
      host->robots = RobotsRules::disallow_all();  // RFC 9309 2.3.1.4, as in fetch_all
    }
  }
  return host->robots.allowed(parts->path_and_query);
}

std::vector<FetchResult> Fetcher::fetch_all(
    const std::vector<std::string>& urls, const std::function<void(const FetchResult&)>& on_done) {
  std::vector<FetchResult> results(urls.size());
  std::deque<std::unique_ptr<Job>> pending;
  std::set<Job*> running;
  std::mt19937 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.75, 1.25);

  auto finish = [&](size_t index, Result<FetchResponse> response, bool disallowed = false) {
    results[index].response = std::move(response);
    results[index].disallowed = disallowed;
    if (on_done) on_done(results[index]);
  };

  // Sets the job's URL, host key and path; false (and the result failed) when it is invalid.
  auto aim = [&](Job& job, const std::string& url) -> bool {
    auto parts = parse_url(url);
    if (!parts) {
      if (job.index != kRobotsJob) finish(job.index, fail(parts.error()));
      return false;
    }
    job.url = url;
    job.http = parts->scheme == "http" || parts->scheme == "https";
    job.host_key = job.http ? parts->scheme + "://" + parts->host +
                                  (parts->port.empty() ? "" : ":" + parts->port)
                            : "";
    job.path = parts->path_and_query;
    if (job.http && !hosts_.contains(job.host_key)) {
      hosts_[job.host_key] = std::make_unique<HostState>();
    }
    return true;
  };

  for (size_t i = 0; i < urls.size(); ++i) {
    results[i].url = urls[i];
    auto job = std::make_unique<Job>();
    job->index = i;
    if (aim(*job, urls[i])) pending.push_back(std::move(job));
  }

  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);

  auto start = [&](std::unique_ptr<Job> owned) {
    Job* job = owned.release();
    job->body.clear();
    job->too_large = false;
    job->truncated = false;
    job->max_body =
        is_robots_txt(*job) ? static_cast<std::int64_t>(kMaxRobotsBytes) : options_.max_body_size;
    job->error[0] = '\0';
    ++job->attempt;
    CURL* easy = curl_easy_init();
    job->easy = easy;
    curl_easy_setopt(easy, CURLOPT_URL, job->url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, job);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job->error.data());
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl supports
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    if (!is_robots_txt(*job)) {
      curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(options_.max_body_size));
    }
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_multi_add_handle(multi, easy);
    running.insert(job);
    if (job->http) hosts_[job->host_key]->busy = true;
  };

  // Tries to start pending jobs; returns the earliest time a waiting job may start.
  auto schedule = [&]() -> Clock::time_point {
    const auto now = Clock::now();
    Clock::time_point wake = now + milliseconds(200);
    for (auto it = pending.begin(); it != pending.end();) {
      Job& job = **it;
      if (job.not_before > now) {
        wake = std::min(wake, job.not_before);
        ++it;
        continue;
      }
      HostState* host = job.http ? hosts_[job.host_key].get() : nullptr;
      if (host != nullptr && job.index != kRobotsJob && !host->unresolved.empty()) {
        finish(job.index,
               fail(Status::unavailable(fmt::format("{}: {}", job.url, host->unresolved))));
        it = pending.erase(it);
        continue;
      }
      if (host != nullptr && job.index != kRobotsJob && options_.obey_robots) {
        if (host->robots_state == HostState::Robots::kUnknown) {
          host->robots_state = HostState::Robots::kFetching;
          auto robots = std::make_unique<Job>();
          robots->index = kRobotsJob;
          aim(*robots, job.host_key + "/robots.txt");
          it = pending.insert(it, std::move(robots));
          continue;
        }
        if (host->robots_state == HostState::Robots::kFetching) {
          ++it;
          continue;
        }
        if (!host->robots.allowed(job.path)) {
          finish(job.index,
                 fail(Status::failed_precondition(
                     fmt::format("{}: disallowed by {}/robots.txt", job.url, job.host_key))),
                 true);
          it = pending.erase(it);
          continue;
        }
      }
      if (host != nullptr && (host->busy || host->next_allowed > now)) {
        if (!host->busy) wake = std::min(wake, host->next_allowed);
        ++it;
        continue;
      }
      if (static_cast<int>(running.size()) >= options_.concurrency) break;
      auto owned = std::move(*it);
      it = pending.erase(it);
      start(std::move(owned));
    }
    return wake;
  };

  auto host_delay = [&](const std::string& host_key) {
    const HostState& host = *hosts_[host_key];
    milliseconds delay = options_.per_host_delay;
    if (host.robots.crawl_delay()) delay = std::max(delay, *host.robots.crawl_delay());
    return milliseconds(
        static_cast<std::int64_t>(static_cast<double>(delay.count()) * jitter(random)));
  };

  auto retry_later = [&](Job* job, milliseconds wait) {
    job->not_before = Clock::now() + std::min(wait, options_.max_retry_wait);
    pending.emplace_back(job);
  };

  // Handles one finished transfer; the job is either finished or put back in `pending`.
  auto complete = [&](Job* job, CURLcode code) {
    CURL* easy = job->easy;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    const char* content_type_raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &content_type_raw);
    const std::string content_type = content_type_raw ? content_type_raw : "";
    const char* location_raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location_raw);
    const std::string location = location_raw ? location_raw : "";
    const std::string retry_after = code == CURLE_OK ? header_value(easy, "Retry-After") : "";
    const std::string encoding = code == CURLE_OK ? header_value(easy, "Content-Encoding") : "";
    const std::string error_text = job->error[0] ? job->error.data() : curl_easy_strerror(code);
    if (job->truncated) code = CURLE_OK;  // the part of a robots.txt that is read is the answer
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
    job->easy = nullptr;
    running.erase(job);
    std::unique_ptr<Job> owned(job);
    if (job->http) {
      HostState& host = *hosts_[job->host_key];
      host.busy = false;
      host.next_allowed = Clock::now() + host_delay(job->host_key);
      if (code == CURLE_COULDNT_RESOLVE_HOST) {
        host.unresolved = error_text;
        host.next_allowed = Clock::now();
      }
    }

    if (is_robots_txt(*job) && code == CURLE_OK)
      hosts_[job->host_key]->robots_status = static_cast<int>(status);
    if (job->index == kRobotsJob) {
      HostState& host = *hosts_[job->host_key];
      host.robots_state = HostState::Robots::kReady;
      if (code == CURLE_OK && status >= 200 && status < 300) {
        if (job->truncated) {
          spdlog::warn("{}: robots.txt is over {} KiB; its first {} KiB are obeyed", job->url,
                       kMaxRobotsBytes / 1024, kMaxRobotsBytes / 1024);
        }
        host.robots = RobotsRules::parse(job->body, options_.user_agent);
      } else if (code == CURLE_OK && status >= 500) {
        // RFC 9309 2.3.1.4: a server error means the rules are unknown: assume all disallowed.
        spdlog::warn("{}: robots.txt answered HTTP {}; fetching nothing from this host", job->url,
                     status);
        host.robots = RobotsRules::disallow_all();
      } else if (code != CURLE_OK) {
        spdlog::warn("{}: robots.txt unavailable ({}), crawling as allowed", job->url, error_text);
      }
      return;
    }

    const bool transient_network = code == CURLE_OPERATION_TIMEDOUT ||
                                   code == CURLE_COULDNT_CONNECT || code == CURLE_RECV_ERROR ||
                                   code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING;
    if (job->too_large || code == CURLE_FILESIZE_EXCEEDED) {
      finish(
          job->index,
          fail(Status::failed_precondition(fmt::format(
              "{}: body larger than the maximum of {} bytes", job->url, options_.max_body_size))));
      return;
    }
    if (code != CURLE_OK) {
      if (transient_network && job->attempt <= options_.max_retries &&
          code != CURLE_OPERATION_TIMEDOUT) {
        retry_later(owned.release(), options_.retry_backoff * (1 << (job->attempt - 1)));
        return;
      }
      finish(job->index, fail(Status::unavailable(fmt::format("{}: {}", job->url, error_text))));
      return;
    }
    if (status >= 300 && status < 400 && !location.empty()) {
      const bool visited = location == job->url ||
                           std::ranges::find(job->redirects, location) != job->redirects.end();
      job->redirects.push_back(job->url);
      if (visited) {
        std::string chain;
        for (const std::string& url : job->redirects) chain += url + " -> ";
        finish(job->index,
               fail(Status::failed_precondition(fmt::format(
                   "{}: redirect loop: {}{}", results[job->index].url, chain, location))));
        return;
      }
      if (static_cast<int>(job->redirects.size()) > options_.max_redirects) {
        finish(
            job->index,
            fail(Status::failed_precondition(fmt::format(
                "{}: more than {} redirects", results[job->index].url, options_.max_redirects))));
        return;
      }
      job->attempt = 0;
      if (aim(*job, location)) pending.push_back(std::move(owned));
      return;
    }
    if ((status == 429 || status >= 500) && job->attempt <= options_.max_retries) {
      milliseconds wait = options_.retry_backoff * (1 << (job->attempt - 1));
      if (auto hinted = parse_retry_after(retry_after)) wait = std::max(wait, *hinted);
      spdlog::debug("{}: HTTP {}, retrying in {} ms", job->url, status, wait.count());
      retry_later(owned.release(), wait);
      return;
    }
    if (status >= 400) {
      finish(job->index, fail([&] {
               std::string message = fmt::format(
                   "{}: HTTP {}{}", job->url, status,
                   job->attempt > 1 ? fmt::format(" after {} attempts", job->attempt) : "");
               return status == 404 || status == 410 ? Status::not_found(std::move(message))
                                                     : Status::unavailable(std::move(message));
             }()));
      return;
    }
    FetchResponse response;
    response.url = job->url;
    response.status = job->http ? static_cast<int>(status) : 200;
    response.content_type = content_type;
    response.content_encoding = encoding;
    response.redirects = std::move(job->redirects);
    response.attempts = job->attempt;
    if (is_text_type(content_type)) {
      DecodedText decoded = decode_to_utf8(job->body, content_type);
      response.body = std::move(decoded.text);
      response.charset = std::move(decoded.charset);
    } else {
      response.body = std::move(job->body);
    }
    finish(job->index, std::move(response));
  };

  while (!pending.empty() || !running.empty()) {
    const Clock::time_point wake = schedule();
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int left = 0;
    bool completed = false;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Job* job = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &job);
      complete(job, message->data.result);
      completed = true;
    }
    if (pending.empty() && running.empty()) break;
    if (completed) continue;  // finished transfers may let waiting jobs start now
    const auto wait = std::chrono::duration_cast<milliseconds>(wake - Clock::now());
    const int timeout = static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 200));
    if (!running.empty()) {
      curl_multi_poll(multi, nullptr, 0, timeout, nullptr);
    } else if (timeout > 0) {
      std::this_thread::sleep_for(milliseconds(timeout));
    }
  }
  curl_multi_cleanup(multi);
  return results;
}

}  // namespace twin::crawl
