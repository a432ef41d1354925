// Runs the built `twin` binary the way a user would, for end-to-end tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace twin::testing_support {

struct CommandOutput {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Quotes one argument for /bin/sh.
inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// Runs `shell_command` with /bin/sh in `cwd`, capturing stdout and stderr separately.
inline CommandOutput run_shell(const std::string& shell_command, const std::filesystem::path& cwd) {
  // One file per call: calls may run at once on several threads.
  static std::atomic<unsigned> calls{0};
  const auto err_file =
      std::filesystem::temp_directory_path() /
      ("twin-test-stderr-" + std::to_string(::getpid()) + "-" + std::to_string(calls.fetch_add(1)));
  const std::string full = "cd " + shell_quote(cwd.string()) + " && " + shell_command + " 2>" +
                           shell_quote(err_file.string()) + " </dev/null";
  CommandOutput result;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err_in(err_file);
  std::ostringstream err;
  err << err_in.rdbuf();
  result.err = err.str();
  std::filesystem::remove(err_file);
  return result;
}

// Runs `twin <args>` (args already shell-quoted as needed) in `cwd` with NO_COLOR set.
inline CommandOutput run_twin(const std::string& args, const std::filesystem::path& cwd) {
  return run_shell("NO_COLOR=1 " + shell_quote(TWIN_BINARY) + " " + args, cwd);
}

}  // namespace twin::testing_support
