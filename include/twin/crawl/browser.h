// A headless Chromium driven by chromedriver over the WebDriver protocol (HTTP JSON, libcurl).
//
// BrowserSession::start launches chromedriver on a free loopback port and opens a session with a
// headless Chromium (--headless --no-sandbox --disable-gpu ... and a fresh --user-data-dir that
// is removed at the end). The destructor ends the session and stops chromedriver.
//
// Thread-safety: one thread at a time per session.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "twin/core/status.h"
#include "twin/crawl/config.h"

namespace twin::crawl {

class BrowserSession {
 public:
  // kUnavailable when chromedriver or chromium is missing or does not start.
  static Result<std::unique_ptr<BrowserSession>> start(const BrowserOptions& options);
  ~BrowserSession();
  BrowserSession(const BrowserSession&) = delete;
  BrowserSession& operator=(const BrowserSession&) = delete;

  // Loads a page and waits until it has loaded.
  Status navigate(const std::string& url);
  // Runs JavaScript in the page (the body of a function); returns its value.
  Result<nlohmann::json> execute(const std::string& script,
                                 nlohmann::json args = nlohmann::json::array());
  // The current DOM serialised as HTML (after scripts ran).
  Result<std::string> page_html();
  Result<std::string> current_url();
  // Waits until `script` returns true, polling; kUnavailable naming `what` on timeout.
  Status wait_until(const std::string& script, std::chrono::milliseconds timeout,
                    std::string_view what);

 private:
  BrowserSession() = default;
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json* body);
  pid_t driver_pid_ = -1;
  std::string base_url_;  // http://127.0.0.1:<port>
  std::string session_id_;
  std::filesystem::path user_data_dir_;
  BrowserOptions options_;
};

}  // namespace twin::crawl
