#include "twin/core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace twin {
namespace {

// Process groups of running children, for the signal handler (async-signal-safe access only).
constexpr size_t kMaxTrackedGroups = 256;
std::array<std::atomic<pid_t>, kMaxTrackedGroups> tracked_groups{};
std::atomic<int> last_signal{0};
std::atomic<unsigned> signals_received{0};  // to catch a signal racing a child's start
std::atomic<int> forwarders_installed{0};

// The write end of the watchdog's pipe (see kill_children_on_exit), -1 until it runs.
std::atomic<int> watchdog_fd{-1};

// Tells the watchdog that `group` started ('+') or ended ('-'): one short write, atomic on a pipe.
void tell_watchdog(char change, pid_t group) {
  const int fd = watchdog_fd.load();
  if (fd < 0) return;
  std::array<char, 24> record{};
  const auto end = fmt::format_to_n(record.data(), record.size(), "{}{}\n", change, group);
  ssize_t written = 0;
  do {
    written = ::write(fd, record.data(), end.size);
  } while (written < 0 && errno == EINTR);
}

void track_group(pid_t group) {
  tell_watchdog('+', group);
  for (auto& slot : tracked_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

void untrack_group(pid_t group) {
  tell_watchdog('-', group);
  for (auto& slot : tracked_groups) {
    pid_t expected = group;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// The watchdog, in the forked child of a process that may have threads: only async-signal-safe
// calls (read, kill, nanosleep, _exit) and no allocation. Reads "+PID\n" / "-PID\n" records until
// end-of-file, then stops every group still listed.
[[noreturn]] void watch_groups(int fd) {
  constexpr size_t kMaxGroups = 4096;
  std::array<pid_t, kMaxGroups> groups{};
  std::array<char, 512> buffer{};
  std::array<char, 24> line{};
  size_t line_size = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buffer[static_cast<size_t>(i)];
      if (c != '\n') {
        if (line_size < line.size()) line[line_size++] = c;
        continue;
      }
      pid_t group = 0;
      for (size_t k = 1; k < line_size && line[k] >= '0' && line[k] <= '9'; ++k) {
        group = group * 10 + (line[k] - '0');
      }
      const bool started = line_size > 0 && line[0] == '+';
      line_size = 0;
      if (group <= 0) continue;
      for (auto& slot : groups) {
        if (started ? slot == 0 : slot == group) {
          slot = started ? group : 0;
          break;
        }
      }
    }
  }
  bool any = false;
  for (const pid_t group : groups) {
    if (group > 0) any = ::kill(-group, SIGTERM) == 0 || any;
  }
  if (any) {
    timespec grace{.tv_sec = 1, .tv_nsec = 0};
    while (::nanosleep(&grace, &grace) != 0 && errno == EINTR) {
    }
    for (const pid_t group : groups) {
      if (group > 0) ::kill(-group, SIGKILL);
    }
  }
  ::_exit(0);
}

extern "C" void forward_signal(int signal_number) {
  last_signal.store(signal_number);
  signals_received.fetch_add(1);
  for (auto& slot : tracked_groups) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, signal_number);
  }
}

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  FileDescriptor read;
  FileDescriptor write;
};

Result<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return fail(Status::io(fmt::format("pipe: {}", std::strerror(errno))));
  }
  return Pipe{FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// Reads one output stream of the child and delivers it as its OutputSpec says.
struct StreamSink {
  const OutputSpec* spec = nullptr;
  std::string* captured = nullptr;
  std::string pending_line;
  FileDescriptor fd;

  void deliver(std::string_view data) {
    if (spec->mode == OutputMode::kCapture) {
      captured->append(data);
      return;
    }
    pending_line.append(data);
    size_t newline = 0;
    while ((newline = pending_line.find('\n')) != std::string::npos) {
      spec->on_line(std::string_view(pending_line).substr(0, newline));
      pending_line.erase(0, newline + 1);
    }
  }
  void finish() {
    if (spec->mode == OutputMode::kLines && !pending_line.empty()) {
      spec->on_line(pending_line);
      pending_line.clear();
    }
  }
};

bool needs_pipe(const OutputSpec& spec) {
  return spec.mode == OutputMode::kCapture || spec.mode == OutputMode::kLines;
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int decode_wait_status(int status, ProcessResult& result) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
    return 128 + WTERMSIG(status);
  }
  return 1;
}

class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attributes_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attributes_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attributes() { return &attributes_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attributes_{};
};

Status redirect(SpawnSetup& setup, const OutputSpec& spec, int target_fd, const Pipe* pipe) {
  switch (spec.mode) {
    case OutputMode::kInherit:
      return Status::ok();
    case OutputMode::kNull:
      posix_spawn_file_actions_addopen(setup.actions(), target_fd, "/dev/null", O_WRONLY, 0);
      return Status::ok();
    case OutputMode::kFile:
      posix_spawn_file_actions_addopen(setup.actions(), target_fd, spec.file.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0644);
      return Status::ok();
    case OutputMode::kCapture:
    case OutputMode::kLines:
      posix_spawn_file_actions_adddup2(setup.actions(), pipe->write.get(), target_fd);
      return Status::ok();
  }
  return Status::internal("unknown output mode");
}

// Gives the controlling terminal to a child's process group for its lifetime (see
// ProcessSpec::foreground_terminal); a no-op when twin's stdin is not its foreground terminal.
class TerminalHandover {
 public:
  explicit TerminalHandover(pid_t group) {
    if (group <= 0 || ::isatty(STDIN_FILENO) == 0) return;
    if (::tcgetpgrp(STDIN_FILENO) != ::getpgrp()) return;
    active_ = give_terminal(group);
    // The child may have tried to read before it owned the terminal and been stopped.
    if (active_) ::kill(-group, SIGCONT);
  }
  ~TerminalHandover() {
    if (active_) give_terminal(::getpgrp());
  }
  TerminalHandover(const TerminalHandover&) = delete;
  TerminalHandover& operator=(const TerminalHandover&) = delete;

 private:
  // tcsetpgrp from a background group raises SIGTTOU unless it is blocked.
  static bool give_terminal(pid_t group) {
    sigset_t block;
    sigset_t previous;
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    ::pthread_sigmask(SIG_BLOCK, &block, &previous);
    const bool ok = ::tcsetpgrp(STDIN_FILENO, group) == 0;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return ok;
  }
  bool active_ = false;
};

}  // namespace

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

std::vector<std::string> shell_argv(std::string_view script) {
  return {"sh", "-c", std::string(script)};
}

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) return fail(Status::invalid_argument("empty command"));
  ProcessResult result;

  std::optional<Pipe> out_pipe;
  std::optional<Pipe> err_pipe;
  std::optional<Pipe> in_pipe;
  if (needs_pipe(spec.out)) {
    TWIN_ASSIGN_OR_RETURN(out_pipe, make_pipe());
  }
  if (!spec.merge_err_into_out && needs_pipe(spec.err)) {
    TWIN_ASSIGN_OR_RETURN(err_pipe, make_pipe());
  }
  if (spec.input) {
    TWIN_ASSIGN_OR_RETURN(in_pipe, make_pipe());
  }

  SpawnSetup setup;
  if (in_pipe) posix_spawn_file_actions_adddup2(setup.actions(), in_pipe->read.get(), STDIN_FILENO);
  TWIN_RETURN_IF_ERROR(redirect(setup, spec.out, STDOUT_FILENO, out_pipe ? &*out_pipe : nullptr));
  if (spec.merge_err_into_out) {
    posix_spawn_file_actions_adddup2(setup.actions(), STDOUT_FILENO, STDERR_FILENO);
  } else {
    TWIN_RETURN_IF_ERROR(redirect(setup, spec.err, STDERR_FILENO, err_pipe ? &*err_pipe : nullptr));
  }
  if (spec.cwd) posix_spawn_file_actions_addchdir_np(setup.actions(), spec.cwd->c_str());

  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (spec.own_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(setup.attributes(), 0);
  }
  posix_spawnattr_setflags(setup.attributes(), flags);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(setup.attributes(), &defaults);
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  posix_spawnattr_setsigmask(setup.attributes(), &empty_mask);

  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (spec.environment) {
    for (const auto& [key, value] : *spec.environment)
      env_strings.push_back(fmt::format("{}={}", key, value));
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }
  if (spec.cwd) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*spec.cwd, ec)) {
      return fail(Status::invalid_argument(fmt::format("{}: working directory {} does not exist",
                                                       spec.argv[0], spec.cwd->string())));
    }
  }

  pid_t pid = 0;
  const unsigned signals_before_spawn = signals_received.load();
  const int spawn_error = ::posix_spawnp(&pid, argv[0], setup.actions(), setup.attributes(),
                                         argv.data(), spec.environment ? envp.data() : environ);
  if (spawn_error != 0) {
    return fail(Status::not_found(
        fmt::format("cannot run '{}': {}", spec.argv[0], std::strerror(spawn_error))));
  }
  if (spec.own_process_group) {
    track_group(pid);
    // A signal that arrived while the child was starting found no group to forward to (the
    // child may already be running, e.g. when twin was descheduled): relay it now.
    if (signals_received.load() != signals_before_spawn) ::kill(-pid, last_signal.load());
  }
  const TerminalHandover terminal(spec.foreground_terminal && spec.own_process_group ? pid : 0);

  // Close the child's ends in this process.
  if (out_pipe) out_pipe->write.reset();
  if (err_pipe) err_pipe->write.reset();
  if (in_pipe) {
    in_pipe->read.reset();
    // Small inputs fit the pipe buffer; larger ones are written as the child reads.
    std::string_view remaining = *spec.input;
    ::fcntl(in_pipe->write.get(), F_SETFL, O_NONBLOCK);
    while (!remaining.empty()) {
      const ssize_t n = ::write(in_pipe->write.get(), remaining.data(), remaining.size());
      if (n > 0) {
        remaining.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        pollfd pfd{in_pipe->write.get(), POLLOUT, 0};
        ::poll(&pfd, 1, 100);
      } else if (n < 0 && errno != EINTR) {
        break;  // the child closed its stdin
      }
    }
    in_pipe->write.reset();
  }

  std::vector<StreamSink> sinks;
  if (out_pipe) sinks.push_back({&spec.out, &result.out, {}, std::move(out_pipe->read)});
  if (err_pipe) sinks.push_back({&spec.err, &result.err, {}, std::move(err_pipe->read)});

  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  Clock::time_point kill_deadline{};
  bool kill_pending = false;
  bool cancel_sent = false;  // spec.cancel was seen and acted on
  FileDescriptor pidfd(pidfd_open(pid));
  int wait_status = 0;
  bool exited = false;

  while (!exited) {
    std::vector<pollfd> fds;
    for (auto& sink : sinks) {
      if (sink.fd.get() >= 0) fds.push_back({sink.fd.get(), POLLIN, 0});
    }
    if (pidfd.get() >= 0) fds.push_back({pidfd.get(), POLLIN, 0});

    int wait_ms = pidfd.get() >= 0 ? -1 : 20;  // without pidfd, poll for exit
    const auto now = Clock::now();
    if (spec.timeout && !result.timed_out) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(started + *spec.timeout - now);
      wait_ms = wait_ms < 0
                    ? static_cast<int>(std::max<int64_t>(0, left.count()))
                    : std::min(wait_ms, static_cast<int>(std::max<int64_t>(0, left.count())));
    }
    if (kill_pending) wait_ms = wait_ms < 0 ? 100 : std::min(wait_ms, 100);
    if (spec.cancel != nullptr) wait_ms = wait_ms < 0 ? 50 : std::min(wait_ms, 50);

    const int ready = fds.empty() ? 0 : ::poll(fds.data(), fds.size(), wait_ms);
    if (fds.empty() && wait_ms != 0) {
      // Nothing to read and no pidfd: block in waitpid (the common, fastest case).
      if (!spec.timeout && spec.cancel == nullptr) {
        while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
        }
        exited = true;
        break;
      }
      ::usleep(static_cast<useconds_t>(std::min(wait_ms, 20)) * 1000U);
    }
    if (ready > 0) {
      for (auto& sink : sinks) {
        if (sink.fd.get() < 0) continue;
        std::array<char, 65536> buffer{};
        const ssize_t n = ::read(sink.fd.get(), buffer.data(), buffer.size());
        if (n > 0) {
          sink.deliver(std::string_view(buffer.data(), static_cast<size_t>(n)));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          sink.finish();
          sink.fd.reset();
        }
      }
    }
    if (::waitpid(pid, &wait_status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    const auto after = Clock::now();
    if (spec.timeout && !result.timed_out && after - started >= *spec.timeout) {
      result.timed_out = true;
      ::kill(spec.own_process_group ? -pid : pid, SIGTERM);
      kill_deadline = after + spec.kill_grace;
      kill_pending = true;
    }
    if (spec.cancel != nullptr && !cancel_sent && spec.cancel->load()) {
      cancel_sent = true;
      ::kill(spec.own_process_group ? -pid : pid, SIGTERM);
      kill_deadline = after + spec.kill_grace;
      kill_pending = true;
    }
    if (kill_pending && after >= kill_deadline) {
      ::kill(spec.own_process_group ? -pid : pid, SIGKILL);
      kill_pending = false;
    }
  }

  // Drain what the child wrote before exiting (its descendants may still hold the pipe).
  for (auto& sink : sinks) {
    while (sink.fd.get() >= 0) {
      pollfd pfd{sink.fd.get(), POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) break;
      std::array<char, 65536> buffer{};
      const ssize_t n = ::read(sink.fd.get(), buffer.data(), buffer.size());
      if (n <= 0) break;
      sink.deliver(std::string_view(buffer.data(), static_cast<size_t>(n)));
    }
    sink.finish();
  }
  if (spec.own_process_group) {
    if (result.timed_out) ::kill(-pid, SIGKILL);  // leave nothing of a timed-out step behind
    untrack_group(pid);
  }
  result.exit_code = decode_wait_status(wait_status, result);
  return result;
}

Status kill_children_on_exit() {
  static std::mutex start_mutex;
  std::lock_guard lock(start_mutex);
  if (watchdog_fd.load() >= 0) return Status::ok();
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return Status::unavailable(
        fmt::format("cannot start the child watchdog: pipe: {}", std::strerror(errno)));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::unavailable(
        fmt::format("cannot start the child watchdog: fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    // A group of its own and deaf to the terminal's signals, so Ctrl-C or a hang-up that ends
    // twin does not end the watchdog before it has done its work.
    ::setpgid(0, 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    for (const int sig : {SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::sigaction(sig, &ignore, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    // Hold nothing of twin's but the read end: no write end (or end-of-file never comes), no
    // sockets, no children's pipes.
    ::dup2(fds[0], STDIN_FILENO);
    ::syscall(SYS_close_range, 1U, ~0U, 0U);
    watch_groups(STDIN_FILENO);
  }
  ::close(fds[0]);
  watchdog_fd.store(fds[1]);
  // Children already running were started before the watchdog: tell it about them.
  for (auto& slot : tracked_groups) {
    if (const pid_t group = slot.load(); group > 0) tell_watchdog('+', group);
  }
  return Status::ok();
}

namespace {
struct sigaction previous_int {};
struct sigaction previous_term {};
std::mutex install_mutex;
}  // namespace

ForwardSignals::ForwardSignals() {
  std::lock_guard lock(install_mutex);
  if (forwarders_installed.fetch_add(1) > 0) return;
  last_signal.store(0);
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, &previous_int);
  ::sigaction(SIGTERM, &action, &previous_term);
}

ForwardSignals::~ForwardSignals() {
  std::lock_guard lock(install_mutex);
  if (forwarders_installed.fetch_sub(1) > 1) return;
  ::sigaction(SIGINT, &previous_int, nullptr);
  ::sigaction(SIGTERM, &previous_term, nullptr);
}

int ForwardSignals::received_signal() { return last_signal.load(); }

}  // namespace twin
