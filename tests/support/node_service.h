// Starts a Node.js test server from web/tests/ (one that prints "listening PORT" when ready) in
// the background, and stops it when the object goes away.
#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "support/run_twin.h"

namespace twin::testing_support {

class NodeService {
 public:
  // `script` is relative to web/tests/; `args` are shell-quoted already; logs go to
  // <dir>/<name>.out and .err.
  NodeService(const std::string& script, const std::string& args, const std::filesystem::path& dir,
              const std::string& name)
      : out_(dir / (name + ".out")), err_(dir / (name + ".err")) {
    const auto path = std::filesystem::path(TWIN_SOURCE_DIR) / "web" / "tests" / script;
    const CommandOutput started = run_shell("node " + shell_quote(path.string()) + " " + args +
                                                " > " + shell_quote(out_.string()) + " 2> " +
                                                shell_quote(err_.string()) + " & echo $!",
                                            dir);
    if (started.exit_code != 0 || started.out.empty()) return;
    pid_ = std::stoi(started.out);
    for (int i = 0; i < 400 && port_.empty(); ++i) {
      const std::string text = output();
      const size_t at = text.find("listening ");
      const size_t end = at == std::string::npos ? at : text.find('\n', at);
      if (end != std::string::npos) port_ = text.substr(at + 10, end - at - 10);
      if (port_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~NodeService() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
  }
  NodeService(const NodeService&) = delete;
  NodeService& operator=(const NodeService&) = delete;

  bool ready() const { return !port_.empty(); }
  std::string url() const { return "http://127.0.0.1:" + port_; }
  std::string output() const { return read(out_); }
  std::string errors() const { return read(err_); }

 private:
  static std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::path out_;
  std::filesystem::path err_;
  int pid_ = 0;
  std::string port_;
};

}  // namespace twin::testing_support
