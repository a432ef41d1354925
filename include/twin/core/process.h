// Child processes: start a command, feed or capture its output, wait with a timeout, stop it.
//
// Every child runs in a process group of its own (unless told otherwise), so that stopping it
// (a timeout, Ctrl-C) reaches everything it started. ForwardSignals relays SIGINT and SIGTERM
// that twin receives to the groups of the children it is running.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin {

// Where one output stream of a child goes.
enum class OutputMode {
  kInherit,  // twin's own stream
  kCapture,  // kept in ProcessResult
  kFile,     // appended to a file
  kLines,    // each line given to a callback as it arrives
  kNull,     // discarded
};

struct OutputSpec {
  OutputMode mode = OutputMode::kInherit;
  std::filesystem::path file;                          // for kFile
  std::function<void(std::string_view line)> on_line;  // for kLines (without the newline)
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no slash
  std::optional<std::filesystem::path> cwd;
  // The child's whole environment; nullopt inherits twin's.
  std::optional<std::map<std::string, std::string>> environment;
  OutputSpec out;
  OutputSpec err;
  bool merge_err_into_out = false;   // stderr goes wherever stdout goes
  std::optional<std::string> input;  // written to stdin, then closed; nullopt inherits stdin
  bool own_process_group = true;
  // While the child runs, hand it the controlling terminal (when twin's stdin is a terminal and
  // twin's group is in its foreground), so interactive programs can read from it and Ctrl-C
  // reaches them directly; twin takes the terminal back when the child ends. Only with
  // own_process_group, and only for one child at a time.
  bool foreground_terminal = false;
  // Stop the child (SIGTERM to its group, SIGKILL after `kill_grace`) when this elapses.
  std::optional<std::chrono::milliseconds> timeout;
  std::chrono::milliseconds kill_grace{2000};
  // When this becomes true while the child runs, stop it as a timeout does (SIGTERM to its
  // group, SIGKILL after `kill_grace`); checked every 50 ms. Not owned; may be null.
  const std::atomic<bool>* cancel = nullptr;
};

struct ProcessResult {
  int exit_code = 0;    // the child's exit status, or 128+signal when a signal ended it
  int term_signal = 0;  // the signal that ended it, 0 when it exited
  bool timed_out = false;
  std::string out;  // captured stdout (kCapture)
  std::string err;  // captured stderr (kCapture)
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs a command to completion. Failing to start it (no such program, bad cwd) is an error
// naming the program; a non-zero exit is not an error but a result.
Result<ProcessResult> run_process(const ProcessSpec& spec);

// The environment of this process as a map (for building a child's environment).
std::map<std::string, std::string> current_environment();

// Argument vector for `sh -c script` (the portable shell).
std::vector<std::string> shell_argv(std::string_view script);

// While alive, SIGINT and SIGTERM sent to twin are relayed to the process groups of running
// children (and recorded, see received_signal) instead of killing twin at once, so twin can
// wait for its children, record what happened and exit with their code.
class ForwardSignals {
 public:
  ForwardSignals();
  ~ForwardSignals();
  ForwardSignals(const ForwardSignals&) = delete;
  ForwardSignals& operator=(const ForwardSignals&) = delete;

  // The last signal received while installed, 0 if none.
  static int received_signal();
};

// Makes the children of this process die with it, however it ends (kill -9 included): from the
// first call on, every child started in a process group of its own (ProcessSpec::
// own_process_group) is, when this process is gone, sent SIGTERM to its whole group, then SIGKILL
// a second later. A watchdog process forked here holds the read end of a pipe that only this
// process writes to (close-on-exec, so children do not hold it); the pipe reaching end-of-file is
// the signal. PR_SET_PDEATHSIG cannot serve: it reaches only the direct child (a step's `sh`, not
// what it started), and fires when the parent *thread* ends. Idempotent and thread-safe;
// kUnavailable when the watchdog cannot be started.
Status kill_children_on_exit();

}  // namespace twin
