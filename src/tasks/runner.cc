#include "twin/tasks/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "dependencies.h"
#include "exec_context.h"
#include "executor.h"
#include "python_program.h"
#include "twin/core/dotenv.h"
#include "twin/core/process.h"
#include "twin/core/text.h"
#include "twin/tasks/command_line.h"
#include "twin/tasks/poe_schema.h"
#include "twin/tasks/task_args.h"
#include "twin/tasks/up_to_date.h"

namespace twin::tasks {
namespace {

// Where a task's output goes and what it inherits from its caller.
// The colours Poe rotates through for parallel prefixes: red, green, yellow, blue, magenta,
// cyan.
constexpr std::array<std::string_view, 6> kPrefixColors = {"\033[31m", "\033[32m", "\033[33m",
                                                           "\033[34m", "\033[35m", "\033[36m"};

// A parallel subtask's prefix: `prefix` with {name} and {index} filled, cut to `prefix_max`
// (an ellipsis marks the cut), put in `prefix_template` with or without colour.
std::string render_prefix(const ParallelOutput& output, const std::string& name, size_t index,
                          bool color) {
  if (!output.prefix) return "";
  std::string text = *output.prefix;
  const auto fill = [&text](std::string_view tag, const std::string& value) {
    for (size_t at = text.find(tag); at != std::string::npos;
         at = text.find(tag, at + value.size()))
      text.replace(at, tag.size(), value);
  };
  fill("{name}", name);
  fill("{index}", std::to_string(index + 1));
  if (static_cast<int>(text.size()) > output.prefix_max) {
    text = text.substr(0, static_cast<size_t>(std::max(0, output.prefix_max - 1))) + "\u2026";
  }
  std::string rendered = output.prefix_template;
  const auto put = [&rendered](std::string_view tag, std::string_view value) {
    for (size_t at = rendered.find(tag); at != std::string::npos;
         at = rendered.find(tag, at + value.size()))
      rendered.replace(at, tag.size(), value);
  };
  put("{color_start}", color ? kPrefixColors[index % kPrefixColors.size()] : "");
  put("{color_end}", color ? "\033[0m" : "");
  put("{prefix}", text);
  return rendered;
}

std::string platform_name() {
#if defined(__APPLE__)
  return "darwin";
#elif defined(_WIN32)
  return "win32";
#else
  return "linux";
#endif
}

}  // namespace

Status unknown_task(const TaskFile& file, std::string_view name) {
  std::vector<std::string> visible;
  for (const auto& task : file.tasks) {
    if (!task->hidden()) visible.push_back(task->name);
  }
  std::string message = fmt::format("no task named '{}' in {}", name, file.path.string());
  if (auto close = closest_matches(name, visible); !close.empty()) {
    message += fmt::format(". Did you mean {}? See 'twin tasks'.", quoted_alternatives(close));
  } else {
    message += ". See 'twin tasks'.";
  }
  return Status::invalid_argument(std::move(message));
}

struct TaskRunner::State {
  const TaskFile& file;
  RunOptions options;
  UpToDateStore up_to_date;
  std::mutex output_mutex;
  DependencyRunner dependency_runner;

  State(const TaskFile& task_file, RunOptions run_options)
      : file(task_file),
        options(std::move(run_options)),
        up_to_date(options.state_dir),
        dependency_runner(
            file, options.root, options.jobs, options.dry_run,
            [this](const TaskSpec& task, const std::vector<std::string>& words,
                   const ExecContext& ctx) { return invoke(task, words, ctx); },
            [this](const ExecContext& ctx, std::string_view message) { note(ctx, message); }) {}

  // ---- output -----------------------------------------------------------------------------

  // The verbosity a message of `ctx` is judged by: the task's own (or its parent's), else the
  // project's, moved by the command line's -q / -v.
  int verbosity(const ExecContext& ctx) const {
    return ctx.verbosity.value_or(file.verbosity) + options.verbosity - (options.quiet ? 1 : 0);
  }

  // The command echo (Poe's "Poe => ..."), an info message: hidden below verbosity 0.
  void echo(const ExecContext& ctx, std::string_view action) {
    if (verbosity(ctx) < 0 && !options.dry_run) return;
    std::lock_guard lock(output_mutex);
    std::FILE* out = options.dry_run ? stdout : stderr;
    const bool color = options.color && !options.dry_run;
    // A switch's control task is echoed with `<=`, as Poe does ("Poe <= sys.platform").
    fmt::print(out, "{}{}twin {}{} {}\n", ctx.prefix, color ? "\033[1;36m" : "",
               ctx.switch_control ? "<=" : "=>", color ? "\033[0m" : "", action);
    std::fflush(out);
  }

  void note(const ExecContext& ctx, std::string_view message) {
    if (verbosity(ctx) < 0) return;
    std::lock_guard lock(output_mutex);
    fmt::print(stderr, "{}twin: {}\n", ctx.prefix, message);
  }

  // Warnings are hidden from verbosity -2 down.
  void warn(const ExecContext& ctx, std::string_view message) {
    if (verbosity(ctx) < -1) return;
    std::lock_guard lock(output_mutex);
    fmt::print(stderr, "{}twin: warning: {}\n", ctx.prefix, message);
  }

  OutputSpec prefixed_lines(const std::string& prefix, std::FILE* stream) {
    OutputSpec spec;
    spec.mode = OutputMode::kLines;
    spec.on_line = [this, prefix, stream](std::string_view line) {
      std::lock_guard lock(output_mutex);
      fmt::print(stream, "{}{}\n", prefix, line);
      std::fflush(stream);
    };
    return spec;
  }

  // ---- environment ------------------------------------------------------------------------

  Status apply_envfiles(const std::vector<EnvFileRef>& refs, const std::filesystem::path& base,
                        ExecContext& ctx, std::string_view owner) {
    for (const auto& ref : refs) {
      const std::filesystem::path path = base / expand_template(ref.path, ctx.env);
      const EnvironmentLookup lookup = [&ctx](std::string_view name) -> std::optional<std::string> {
        auto it = ctx.env.find(std::string(name));
        if (it == ctx.env.end()) return std::nullopt;
        return it->second;
      };
      auto entries = read_dotenv(path, lookup);
      if (!entries) {
        if (entries.error().code() == StatusCode::kNotFound) {
          // As Poe: a missing expected envfile is a warning, a missing optional one silent.
          if (!ref.optional) {
            warn(ctx, fmt::format("{}: envfile {} not found (list it under envfile.optional if "
                                  "it may be absent)",
                                  owner, path.string()));
          }
          continue;
        }
        return entries.error();
      }
      for (auto& entry : *entries) {
        if (is_private(entry.key)) ctx.private_names.insert(entry.key);
        ctx.env[entry.key] = std::move(entry.value);
      }
    }
    return Status::ok();
  }

  static void apply_env(const std::vector<EnvEntry>& entries, ExecContext& ctx) {
    for (const auto& entry : entries) {
      if (entry.only_if_unset && ctx.env.contains(entry.name)) continue;
      ctx.env[entry.name] = expand_template(entry.value, ctx.env);
      if (is_private(entry.name)) ctx.private_names.insert(entry.name);
    }
  }

  static std::map<std::string, std::string> exported(const ExecContext& ctx) {
    std::map<std::string, std::string> env = ctx.env;
    for (const auto& name : ctx.private_names) env.erase(name);
    return env;
  }

  Result<ExecContext> base_context() {
    ExecContext ctx;
    ctx.env = current_environment();
    for (const char* name : {"TWIN_ROOT", "POE_ROOT"}) ctx.env[name] = options.root.string();
    for (const char* name : {"TWIN_PWD", "POE_PWD"}) {
      ctx.env[name] = options.invocation_dir.string();
    }
    // The running twin, so tasks can call it back whatever build folder it lives in.
    std::error_code ec;
    if (auto self = std::filesystem::read_symlink("/proc/self/exe", ec); !ec) {
      ctx.env["TWIN_EXE"] = self.string();
    }
    for (const char* name : {"TWIN_CONF_DIR", "POE_CONF_DIR"}) {
      ctx.env[name] = file.path.parent_path().string();
    }
    // Usable in templates as if set, never exported (Poe's special variables).
    for (auto& [name, value] : git_variables(options.root)) {
      if (ctx.env.contains(name)) continue;
      ctx.env[name] = std::move(value);
      ctx.private_names.insert(name);
    }
    TWIN_RETURN_IF_ERROR(apply_envfiles(file.envfiles, options.root, ctx, file.path.string()));
    apply_env(file.env, ctx);
    return ctx;
  }

  // Where a task runs and reads its envfiles: its include's cwd, or the project root.
  std::filesystem::path base_dir(const TaskSpec& task, const ExecContext& ctx) const {
    if (!task.origin->included || task.origin->cwd.empty()) return options.root;
    return options.root / expand_template(task.origin->cwd, ctx.env);
  }

  // An included file's own env, envfiles and TWIN_CONF_DIR, for the tasks it declares.
  Status apply_origin(const TaskSpec& task, ExecContext& ctx) {
    const TaskOrigin& origin = *task.origin;
    if (!origin.included) return Status::ok();
    const std::filesystem::path base = base_dir(task, ctx);
    const std::string conf_dir =
        origin.cwd.empty() ? origin.file.parent_path().string() : base.string();
    for (const char* name : {"TWIN_CONF_DIR", "POE_CONF_DIR"}) ctx.env[name] = conf_dir;
    TWIN_RETURN_IF_ERROR(apply_envfiles(origin.envfiles, base, ctx, origin.file.string()));
    apply_env(origin.env, ctx);
    return Status::ok();
  }

  // Poe's executor (task_spec.h): puts the project's virtualenv first on PATH when one applies;
  // a uv executor with options runs the task's commands through `uv run`.
  Status apply_executor(const TaskSpec& task, ExecContext& ctx) const {
    const Executor executor = resolve_executor(file, task, options.executor_override);
    ctx.launcher.clear();
    ctx.env["POE_ACTIVE"] = executor.type;  // Poe's marker of the executor in use
    if (executor.type == "simple") return Status::ok();
    if (executor.type == "uv" && !executor.uv_options.empty()) {
      ctx.launcher = uv_launcher(executor);
      return Status::ok();
    }
    const bool explicit_virtualenv = executor.type == "virtualenv";
    if (!explicit_virtualenv && ctx.env.contains("VIRTUAL_ENV")) return Status::ok();
    std::vector<std::filesystem::path> candidates;
    if (explicit_virtualenv && !executor.location.empty()) {
      candidates.push_back(options.root / expand_template(executor.location, ctx.env));
    } else {
      candidates = {options.root / ".venv", options.root / "venv"};
    }
    for (const auto& venv : candidates) {
      std::error_code ec;
      if (!std::filesystem::is_directory(venv / "bin", ec)) continue;
      const std::string bin = (venv / "bin").string();
      std::string& path = ctx.env["PATH"];
      if (!path.starts_with(bin + ":") && path != bin)
        path.insert(0, path.empty() ? bin : bin + ":");
      ctx.env["VIRTUAL_ENV"] = venv.string();
      return Status::ok();
    }
    if (!explicit_virtualenv) return Status::ok();
    return Status::failed_precondition(fmt::format(
        "task {}: executor virtualenv: no virtualenv at {} (a folder with bin/ inside)", task.name,
        candidates.size() == 1 ? candidates.front().string() : "./.venv or ./venv"));
  }

  // ---- processes --------------------------------------------------------------------------

  Result<int> run_command(const TaskSpec& task, std::vector<std::string> argv,
                          const std::filesystem::path& cwd, const ExecContext& ctx) {
    ProcessSpec spec;
    spec.argv = ctx.launcher;
    spec.argv.insert(spec.argv.end(), std::make_move_iterator(argv.begin()),
                     std::make_move_iterator(argv.end()));
    // posix_spawnp searches twin's own PATH; when the task's differs (a virtualenv executor, an
    // env entry), look the program up in the task's.
    if (!spec.argv.empty() && spec.argv.front().find('/') == std::string::npos) {
      const char* own_path = std::getenv("PATH");
      const auto task_path = ctx.env.find("PATH");
      if (task_path != ctx.env.end() && (own_path == nullptr || task_path->second != own_path)) {
        if (auto found = find_in_path(spec.argv.front(), ctx.env)) spec.argv.front() = *found;
      }
    }
    spec.cwd = cwd;
    spec.environment = exported(ctx);
    if (task.use_exec && ctx.stack.size() == 1 && ctx.capture == nullptr) {
      return exec_command(task, spec);
    }
    // Buffered parallel output: this leaf's stdout lines, printed in one block when it ends
    // (or earlier, past Poe's 4 MiB bound).
    std::vector<std::string> buffered;
    size_t buffered_bytes = 0;
    const auto flush_buffer = [&] {
      std::lock_guard lock(output_mutex);
      for (const auto& line : buffered) fmt::print(stdout, "{}{}\n", ctx.prefix, line);
      std::fflush(stdout);
      buffered.clear();
      buffered_bytes = 0;
    };
    const bool parallel_leaf = ctx.concurrent && (!ctx.prefix.empty() || ctx.buffer_output);
    if (ctx.capture != nullptr) {
      spec.out.mode = OutputMode::kCapture;
    } else if (ctx.stdout_file) {
      spec.out.mode = OutputMode::kFile;
      spec.out.file = *ctx.stdout_file;
    } else if (ctx.buffer_output) {
      constexpr size_t kBufferLimit = 4 << 20;
      spec.out.mode = OutputMode::kLines;
      spec.out.on_line = [&](std::string_view line) {
        if (buffered_bytes + line.size() + 1 > kBufferLimit && !buffered.empty()) flush_buffer();
        buffered.emplace_back(line);
        buffered_bytes += line.size() + 1;
      };
    } else if (!ctx.prefix.empty()) {
      spec.out = prefixed_lines(ctx.prefix, stdout);
    }
    if (!ctx.prefix.empty()) spec.err = prefixed_lines(ctx.prefix, stderr);
    // A lone task owns the terminal, so interactive programs work as they would without twin.
    spec.foreground_terminal = !ctx.concurrent && !parallel_leaf;
    spec.cancel = ctx.cancel.get();
    if (ctx.cancel && ctx.cancel->load()) return kCancelledCode;
    auto result = run_process(spec);
    if (!buffered.empty()) flush_buffer();
    if (!result) {
      return fail(
          Status::not_found(fmt::format("task {}: {}", task.name, result.error().message())));
    }
    if (ctx.capture != nullptr) ctx.capture->append(result->out);
    return result->exit_code;
  }

  // `use_exec`: twin becomes the task's process (same pid, terminal and signals), as Poe's
  // exec does. Returns only when the exec fails.
  static Result<int> exec_command(const TaskSpec& task, const ProcessSpec& spec) {
    std::vector<std::string> env_strings;
    for (const auto& [name, value] : *spec.environment) env_strings.push_back(name + "=" + value);
    std::vector<char*> argv;
    for (const auto& word : spec.argv) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::fflush(stdout);
    std::fflush(stderr);
    if (spec.cwd && ::chdir(spec.cwd->c_str()) != 0) {
      return fail(Status::not_found(fmt::format("task {}: cannot enter {}: {}", task.name,
                                                spec.cwd->string(), std::strerror(errno))));
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    return fail(Status::not_found(fmt::format("task {}: cannot run {}: {}", task.name,
                                              spec.argv.front(), std::strerror(errno))));
  }

  static Result<std::filesystem::path> python(const TaskSpec& task, const ExecContext& ctx) {
    if (auto found = find_in_path("python3", ctx.env)) return *found;
    return fail(Status::failed_precondition(
        fmt::format("task {} is a {} task: it runs with python3, and there is no python3 on PATH",
                    task.name, to_string(task.kind))));
  }

  // What script and expr tasks see as Python variables: the args in scope, the private
  // variables (as strings) and the free arguments (`_extra_args`).
  static PythonScope python_scope(const ExecContext& ctx) {
    PythonScope scope;
    for (const auto& name : ctx.private_names) {
      auto it = ctx.env.find(name);
      if (it != ctx.env.end()) scope.variables[name] = python_literal(it->second);
    }
    for (const auto& [variable, value] : ctx.python_args) scope.variables[variable] = value;
    scope.extra_args = ctx.extra_args;
    return scope;
  }

  // ---- task types -------------------------------------------------------------------------

  Result<int> run_cmd(const TaskSpec& task, const std::vector<std::string>& free,
                      const std::filesystem::path& cwd, const ExecContext& ctx) {
    const EmptyGlob empty_glob = task.empty_glob == "null"   ? EmptyGlob::kNull
                                 : task.empty_glob == "fail" ? EmptyGlob::kFail
                                                             : EmptyGlob::kPass;
    auto words = split_command_line(task.content, ctx.env, cwd, empty_glob);
    if (!words) {
      return fail(Status::invalid_argument(
          fmt::format("{}: task {}: {}", task.location, task.name, words.error().message())));
    }
    // A command that places $POE_EXTRA_ARGS itself does not get the free words again at its end.
    const bool places_extra_args = task.content.find("POE_EXTRA_ARGS") != std::string::npos ||
                                   task.content.find("TWIN_EXTRA_ARGS") != std::string::npos;
    if (!places_extra_args) words->insert(words->end(), free.begin(), free.end());
    if (words->empty()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: task {}: the command is empty", task.location, task.name)));
    }
    echo(ctx, shell_join(*words));
    if (options.dry_run) return 0;
    return run_command(task, std::move(*words), cwd, ctx);
  }

  Result<int> run_shell(const TaskSpec& task, const std::vector<std::string>& free,
                        const std::filesystem::path& cwd, const ExecContext& ctx) {
    const std::vector<std::string>& interpreters =
        task.interpreter.empty() ? file.shell_interpreter : task.interpreter;
    // Poe's interpreters: posix is sh, else bash, else zsh; python is python3.
    std::vector<std::string> programs;
    for (const auto& name : interpreters) {
      if (name == "posix") {
        programs.insert(programs.end(), {"sh", "bash", "zsh"});
      } else {
        programs.push_back(name == "python" ? "python3" : name);
      }
    }
    std::vector<std::string> argv;
    for (const auto& program : programs) {
      if (find_in_path(program, ctx.env)) {
        argv = {program, program == "pwsh" || program == "powershell" ? "-Command" : "-c",
                task.content};
        break;
      }
    }
    if (argv.empty()) {
      return fail(Status::failed_precondition(
          fmt::format("task {}: no shell interpreter found on PATH (tried {})", task.name,
                      fmt::join(interpreters, ", "))));
    }
    if (argv[0] != "python3" && !free.empty()) {
      argv.push_back(task.name);  // $0; the free arguments are $1...
      argv.insert(argv.end(), free.begin(), free.end());
    }
    echo(ctx, task.content);
    if (options.dry_run) return 0;
    return run_command(task, std::move(argv), cwd, ctx);
  }

  // `runs_in_dry_run`: a script given `_dry_run` runs and decides itself (Poe's delegation).
  Result<int> run_python(const TaskSpec& task, const std::string& display, std::string code,
                         const std::filesystem::path& cwd, const ExecContext& ctx,
                         bool runs_in_dry_run = false) {
    echo(ctx, display);
    if (options.dry_run && !runs_in_dry_run) return 0;
    TWIN_ASSIGN_OR_RETURN(auto interpreter, python(task, ctx));
    return run_command(task, {interpreter.string(), "-c", std::move(code)}, cwd, ctx);
  }

  Result<int> run_script(const TaskSpec& task, const std::vector<std::string>& free,
                         const std::filesystem::path& cwd, const ExecContext& ctx) {
    PythonScope scope = python_scope(ctx);
    scope.variables["_dry_run"] = options.dry_run ? "True" : "False";
    const bool delegates_dry_run = task.content.find("_dry_run") != std::string::npos;
    std::string code = script_program(task, free, options.root, scope);
    return run_python(task, task.content, std::move(code), cwd, ctx, delegates_dry_run);
  }

  Result<int> run_expr(const TaskSpec& task, const std::filesystem::path& cwd,
                       const ExecContext& ctx) {
    // sys.platform needs no Python (the Handbook's switch on it works everywhere).
    if (trim(task.content) == "sys.platform" && task.imports.empty()) {
      echo(ctx, task.content);
      if (ctx.capture != nullptr) {
        ctx.capture->append(platform_name() + "\n");
      } else if (!options.dry_run) {
        std::lock_guard lock(output_mutex);
        fmt::print("{}{}\n", ctx.prefix, platform_name());
        std::fflush(stdout);
      }
      return 0;
    }
    std::string code = expr_program(task, python_scope(ctx));
    return run_python(task, task.content, std::move(code), cwd, ctx);
  }

  Result<int> run_ref(const TaskSpec& task, const std::vector<std::string>& free,
                      const std::filesystem::path& cwd, const ExecContext& ctx) {
    auto words = split_command_line(task.content, ctx.env, cwd);
    if (!words || words->empty()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: task {}: ref must name a task", task.location, task.name)));
    }
    const TaskSpec* target = file.find(words->front());
    if (target == nullptr) {
      return fail(unknown_task(file, words->front())
                      .with_context(fmt::format("{}: task {} refers to a task that does not exist",
                                                task.location, task.name)));
    }
    std::vector<std::string> args(words->begin() + 1, words->end());
    args.insert(args.end(), free.begin(), free.end());
    return invoke(*target, args, ctx);
  }

  // Whether a failed subtask stops its sequence, per `ignore_fail`.
  static bool ignored(const IgnoreFail& ignore, int code) {
    switch (ignore.mode) {
      case IgnoreFail::Mode::kNone:
        return false;
      case IgnoreFail::Mode::kCodes:
        return std::ranges::find(ignore.codes, code) != ignore.codes.end();
      default:
        return true;
    }
  }

  static int sequence_result(const IgnoreFail& ignore, int first_failure) {
    if (first_failure == 0) return 0;
    if (ignore.mode == IgnoreFail::Mode::kReturnNonZero) return first_failure;
    return 0;
  }

  Result<int> run_sequence(const TaskSpec& task, const ExecContext& ctx) {
    int first_failure = 0;
    for (const auto& subtask : task.subtasks) {
      if (ctx.cancel && ctx.cancel->load()) return kCancelledCode;
      TWIN_ASSIGN_OR_RETURN(int code, invoke(*subtask, {}, ctx));
      if (ForwardSignals::received_signal() != 0)
        return code != 0 ? code : 128 + ForwardSignals::received_signal();
      if (code == 0) continue;
      if (!ignored(task.ignore_fail, code)) return code;
      if (first_failure == 0) first_failure = code;
    }
    return sequence_result(task.ignore_fail, first_failure);
  }

  static std::string display_name(const TaskSpec& subtask) {
    if (subtask.kind == TaskKind::kRef) {
      const size_t space = subtask.content.find(' ');
      return subtask.content.substr(0, space);
    }
    return subtask.name;
  }

  // Parallel prefixes are coloured on a colour terminal, or when the task's environment sets
  // FORCE_COLOR to something other than 0 (NO_COLOR wins), as Poe does.
  bool prefix_color(const ExecContext& ctx) const {
    const auto set = [&ctx](const char* name) -> std::optional<std::string> {
      auto it = ctx.env.find(name);
      if (it == ctx.env.end()) return std::nullopt;
      return it->second;
    };
    if (auto no_color = set("NO_COLOR"); no_color && !no_color->empty()) return false;
    if (auto force = set("FORCE_COLOR"); force && !force->empty() && *force != "0") return true;
    return options.stdout_color;
  }

  Result<int> run_parallel(const TaskSpec& task, const ExecContext& ctx) {
    const size_t count = task.subtasks.size();
    std::vector<Result<int>> results(count, 0);
    std::vector<std::thread> threads;
    threads.reserve(count);
    const bool color = prefix_color(ctx);
    // The first failure that is not ignored cancels the other subtasks (Poe's rule).
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    std::atomic<int> cancelling_code{0};
    for (size_t i = 0; i < count; ++i) {
      threads.emplace_back([this, &task, &ctx, &results, &cancelling_code, cancel, i, color]() {
        ExecContext sub = ctx;
        sub.concurrent = true;
        sub.cancel = cancel;
        sub.buffer_output = task.parallel_output.buffer;
        sub.prefix = ctx.prefix +
                     render_prefix(task.parallel_output, display_name(*task.subtasks[i]), i, color);
        results[i] = invoke(*task.subtasks[i], {}, sub);
        if (results[i] && *results[i] != 0 && !ignored(task.ignore_fail, *results[i])) {
          int none = 0;
          if (cancelling_code.compare_exchange_strong(none, *results[i])) cancel->store(true);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (auto& result : results) {
      if (!result) return fail(result.error());
    }
    if (cancelling_code.load() != 0) return cancelling_code.load();
    int first_failure = 0;
    for (auto& result : results) {
      if (!result) return fail(result.error());
      if (*result != 0 && first_failure == 0) {
        if (!ignored(task.ignore_fail, *result)) return *result;
        first_failure = *result;
      }
    }
    return sequence_result(task.ignore_fail, first_failure);
  }

  Result<int> run_switch(const TaskSpec& task, const ExecContext& ctx) {
    const TaskSpec& control = *task.control;
    const bool platform_control = control.kind == TaskKind::kExpr &&
                                  trim(control.content) == "sys.platform" &&
                                  control.imports.empty();
    std::string value;
    if (platform_control) {
      value = platform_name();
    } else if (options.dry_run) {
      echo(ctx, fmt::format("unresolved case for switch task {}", task.name));
      return 0;
    } else {
      ExecContext control_ctx = ctx;
      control_ctx.capture = &value;
      control_ctx.switch_control = true;
      TWIN_ASSIGN_OR_RETURN(int code, invoke(control, {}, control_ctx));
      if (code != 0) {
        note(ctx,
             fmt::format("switch task {}: control task failed with exit code {}", task.name, code));
        return code;
      }
      value = trim(value);
    }
    const SwitchCase* fallback = nullptr;
    for (const auto& option : task.switch_cases) {
      if (option.cases.empty()) {
        fallback = &option;
      } else if (std::ranges::find(option.cases, value) != option.cases.end()) {
        return invoke(*option.task, {}, ctx);
      }
    }
    if (fallback != nullptr) return invoke(*fallback->task, {}, ctx);
    if (!task.switch_default_fail) return 0;
    note(ctx, fmt::format("switch task {}: control value '{}' matches no case", task.name, value));
    return 1;
  }

  // ---- one task ---------------------------------------------------------------------------

  Result<int> invoke(const TaskSpec& task, const std::vector<std::string>& words,
                     const ExecContext& caller) {
    if (std::ranges::find(caller.stack, task.name) != caller.stack.end()) {
      std::vector<std::string> cycle(std::ranges::find(caller.stack, task.name),
                                     caller.stack.end());
      cycle.push_back(task.name);
      return fail(
          Status::invalid_argument(fmt::format("task cycle: {}", fmt::join(cycle, " -> "))));
    }
    if (task.use_exec && !caller.stack.empty()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: task {} has use_exec, so it cannot be run by another task ({})",
                      task.location, task.name, caller.stack.back())));
    }
    ExecContext ctx = caller;
    ctx.stack.push_back(task.name);
    TWIN_RETURN_IF_ERROR(apply_origin(task, ctx));
    const std::filesystem::path base = base_dir(task, ctx);
    TWIN_RETURN_IF_ERROR(apply_envfiles(task.envfiles, base, ctx, task.name));
    apply_env(task.env, ctx);
    TWIN_RETURN_IF_ERROR(apply_executor(task, ctx));
    if (task.verbosity) ctx.verbosity = task.verbosity;
    ctx.env["POE_VERBOSITY"] = std::to_string(verbosity(ctx));

    // Without `args`, every word is free: appended to cmd tasks, sys.argv of script tasks,
    // $POE_EXTRA_ARGS / _extra_args for all (sequences pass them on only where referenced).
    std::vector<std::string> free = words;
    Environment arg_values;
    if (task.declares_args) {
      TWIN_ASSIGN_OR_RETURN(auto parsed, parse_task_args(task, words, ctx.env));
      for (const auto& name : parsed.unset) {
        ctx.env.erase(name);
        arg_values.erase(name);
      }
      for (auto& [name, value] : parsed.python) ctx.python_args[name] = std::move(value);
      arg_values = std::move(parsed.values);
      free = std::move(parsed.free);
      for (const auto& arg : task.args) {
        if (is_private(arg_variable(arg))) ctx.private_names.insert(arg_variable(arg));
      }
    }
    for (const auto& [name, value] : arg_values) ctx.env[name] = value;
    // A task given no free words keeps its parent's, so a sequence's subtasks can forward them.
    if (!free.empty() || !ctx.env.contains("POE_EXTRA_ARGS")) {
      const std::string extra = shell_join(free);
      ctx.env["TWIN_EXTRA_ARGS"] = extra;
      ctx.env["POE_EXTRA_ARGS"] = extra;
      ctx.extra_args = free;
    }

    TWIN_ASSIGN_OR_RETURN(auto dependencies, dependency_runner.run(task, ctx));
    if (const int* failed = std::get_if<int>(&dependencies)) return *failed;
    for (auto& [name, value] : std::get<Environment>(dependencies)) {
      if (is_private(name)) ctx.private_names.insert(name);
      ctx.env[name] = std::move(value);
    }
    // Args rank above uses (Poe's precedence).
    for (const auto& [name, value] : arg_values) ctx.env[name] = value;

    if (task.capture_stdout) {
      TWIN_RETURN_IF_ERROR(check_capture_stdout(task));
      std::filesystem::path target = expand_template(*task.capture_stdout, ctx.env);
      if (target.is_relative()) target = options.root / target;
      if (!options.dry_run) {
        std::ofstream truncate(target, std::ios::trunc);
        if (!truncate) {
          return fail(Status::io(fmt::format("task {}: cannot write capture_stdout file {}",
                                             task.name, target.string())));
        }
      }
      ctx.stdout_file = target;
    }

    std::filesystem::path cwd = base;
    if (task.cwd) cwd = base / expand_template(*task.cwd, ctx.env);

    std::optional<FingerprintInput> fingerprint;
    if (!task.sources.empty() || !task.generates.empty()) {
      fingerprint = FingerprintInput{
          shell_join([&] {
            std::vector<std::string> all{task.name};
            all.insert(all.end(), words.begin(), words.end());
            return all;
          }()),
          fmt::format("{}\n{}\n{}", to_string(task.kind), task.content, task.location),
          task.sources, task.generates, cwd};
      if (up_to_date.is_up_to_date(*fingerprint)) {
        note(ctx, fmt::format("task {} is up to date", task.name));
        return 0;
      }
    }

    TWIN_ASSIGN_OR_RETURN(int code, run_by_kind(task, free, cwd, ctx));
    if (code != 0 && task.kind != TaskKind::kSequence && task.kind != TaskKind::kParallel &&
        ignored(task.ignore_fail, code) && ForwardSignals::received_signal() == 0) {
      code = 0;
    }
    if (code == 0 && fingerprint && !options.dry_run)
      TWIN_RETURN_IF_ERROR(up_to_date.record(*fingerprint));
    return code;
  }

  // Poe's rule: a ref to a sequence or parallel task cannot capture its stdout.
  Status check_capture_stdout(const TaskSpec& task) const {
    if (task.kind != TaskKind::kRef) return Status::ok();
    const size_t space = task.content.find_first_of(" \t");
    const TaskSpec* target = file.find(task.content.substr(0, space));
    if (target != nullptr &&
        (target->kind == TaskKind::kSequence || target->kind == TaskKind::kParallel)) {
      return Status::invalid_argument(
          fmt::format("{}: task {}: capture_stdout cannot be used on a ref to a {} task ({})",
                      task.location, task.name, to_string(target->kind), target->name));
    }
    return Status::ok();
  }

  Result<int> run_by_kind(const TaskSpec& task, const std::vector<std::string>& free,
                          const std::filesystem::path& cwd, const ExecContext& ctx) {
    switch (task.kind) {
      case TaskKind::kCmd:
        return run_cmd(task, free, cwd, ctx);
      case TaskKind::kShell:
        return run_shell(task, free, cwd, ctx);
      case TaskKind::kScript:
        return run_script(task, free, cwd, ctx);
      case TaskKind::kExpr:
        return run_expr(task, cwd, ctx);
      case TaskKind::kRef:
        return run_ref(task, free, cwd, ctx);
      case TaskKind::kSequence:
        return run_sequence(task, ctx);
      case TaskKind::kParallel:
        return run_parallel(task, ctx);
      case TaskKind::kSwitch:
        return run_switch(task, ctx);
    }
    return fail(Status::internal("unknown task kind"));
  }
};

TaskRunner::TaskRunner(const TaskFile& file, RunOptions options)
    : state_(std::make_unique<State>(file, std::move(options))) {}

TaskRunner::~TaskRunner() = default;

Result<int> TaskRunner::run(std::string_view name, const std::vector<std::string>& words) {
  const TaskSpec* task = state_->file.find(name);
  if (task == nullptr) return fail(unknown_task(state_->file, name));
  if (task->hidden()) {
    return fail(Status::invalid_argument(fmt::format(
        "task {} is private (its name starts with '_'): it runs only as a dep, use, ref or "
        "subtask of another task",
        name)));
  }
  ForwardSignals forward;
  TWIN_ASSIGN_OR_RETURN(auto ctx, state_->base_context());
  // The task's own code, even after a relayed signal: a task that handles SIGINT decides.
  return state_->invoke(*task, words, ctx);
}

}  // namespace twin::tasks
