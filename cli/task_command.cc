// twin tasks / twin task NAME: the task runner, a drop-in for Poe the Poet. Tasks come from
// twin.toml's [tasks] or, unchanged, pyproject.toml's [tool.poe] (tasks/task_spec.h).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.h"
#include "table.h"
#include "twin/tasks/command_line.h"
#include "twin/tasks/runner.h"
#include "twin/tasks/task_args.h"
#include "twin/tasks/task_spec.h"

namespace twin::cli {
namespace {

struct TaskOptions {
  std::string file;
  bool dry_run = false;
  int jobs = 1;
  bool json = false;
  std::string executor;                    // -e / --executor
  std::vector<std::string> executor_opts;  // -X / --executor-opt
};

Result<tasks::TaskFile> load_tasks(const Context& ctx, const std::string& file) {
  std::optional<std::filesystem::path> explicit_file;
  if (!file.empty()) explicit_file = std::filesystem::absolute(file);
  auto loaded = tasks::load_task_file(ctx.root(), explicit_file);
  if (loaded && !ctx.quiet()) {
    for (const auto& warning : loaded->warnings) fmt::print(stderr, "twin: warning: {}\n", warning);
  }
  return loaded;
}

// When twin.toml has a [tasks] table, pyproject.toml's [tool.poe] is not read (tasks/task_spec.h):
// a task the user finds missing may be there. The hint says so; empty when it is not.
std::string hidden_in_pyproject(const Context& ctx, const tasks::TaskFile& file,
                                const std::string& name) {
  const std::filesystem::path pyproject = ctx.root() / "pyproject.toml";
  std::error_code ec;
  if (file.path.filename() != "twin.toml" || !std::filesystem::exists(pyproject, ec)) return "";
  auto poe = tasks::load_task_file(ctx.root(), pyproject);
  if (!poe || poe->find(name) == nullptr) return "";
  return fmt::format(
      " pyproject.toml's [tool.poe] has a task '{}', but twin reads only twin.toml's [tasks] "
      "when it has one: run 'twin task --file pyproject.toml {}', or keep the tasks in one file",
      name, name);
}

// The twin command that does what a task of the Handbook's pyproject.toml does through poetry
// and its Python tools ("poetry run python -m tools.run --run-etl ..."); nullopt for others.
std::optional<std::string> handbook_equivalent(const std::string& command) {
  if (!command.starts_with("poetry ")) return std::nullopt;
  const auto has = [&command](std::string_view flag) {
    return command.find(flag) != std::string::npos;
  };
  std::string equivalent;
  if (has("tools.run") && has("--run-etl")) {
    const std::string flag = "--etl-config-filename ";
    const auto at = command.find(flag);
    const std::string config =
        at == std::string::npos
            ? "digital_data_etl_<author>.yaml"
            : command.substr(at + flag.size(),
                             command.find(' ', at + flag.size()) - at - flag.size());
    equivalent = "twin pipeline run digital_data_etl --config configs/" + config;
  } else if (has("tools.run") && has("--run-feature-engineering")) {
    equivalent = "twin pipeline run feature_engineering --config configs/feature_engineering.yaml";
  } else if (has("tools.run") && has("--run-export-artifact-to-json")) {
    equivalent =
        "twin pipeline run export_artifact_to_json --config configs/export_artifact_to_json.yaml";
  } else if (has("tools.run") && has("--run-training")) {
    return "twin sagemaker train --config configs/training.yaml --wait";
  } else if (has("aws.roles.create_execution_role")) {
    return "twin aws iam create-execution-role";
  } else if (has("aws.deploy.huggingface.run")) {
    return "twin sagemaker deploy";
  } else if (has("model.inference.test")) {
    return "twin sagemaker invoke \"Write me a post about RAG\"";
  } else if (has("aws.deploy.delete_sagemaker_endpoint")) {
    return "twin sagemaker delete";
  } else if (has("tools.data_warehouse") && has("--export-raw-data")) {
    return "twin warehouse export data/data_warehouse_raw_data";
  } else if (has("tools.data_warehouse") && has("--import-raw-data")) {
    return "twin warehouse import data/data_warehouse_raw_data";
  } else {
    return std::nullopt;
  }
  if (has("--no-cache")) equivalent += " --no-cache";
  return equivalent;
}

std::string bold(const std::string& text, bool color) {
  return color ? "\033[1m" + text + "\033[0m" : text;
}

// Poe's help colours: task names cyan, args blue, group headings green.
std::string paint(const std::string& text, std::string_view code, bool color) {
  return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

// Poe's listing: ungrouped tasks first, then each group (sorted by name) under its heading;
// under each task its args with their help, defaults and choices.
// Poe's columns (as its help pages show them): task names in a column at least 13 wide, the
// args under a task one space further in and two narrower, two spaces before the help.
constexpr size_t kMinNameColumn = 13;

void print_task_list(const tasks::TaskFile& file, bool color) {
  size_t width = kMinNameColumn;
  for (const auto& task : file.tasks) {
    if (task->hidden()) continue;
    width = std::max(width, task->name.size());
    for (const auto& [usage, help] : tasks::describe_args(*task))
      width = std::max(width, usage.size() + 2);
  }
  const auto print_task = [&](const tasks::TaskSpec& task) {
    const std::string padding(width - task.name.size() + 2, ' ');
    fmt::print("  {}{}{}\n", paint(task.name, "36", color), task.help.empty() ? "" : padding,
               task.help);
    for (const auto& [usage, help] : tasks::describe_args(task)) {
      const std::string arg_padding(width - usage.size(), ' ');
      fmt::print("   {}{}{}\n", paint(usage, "34", color), help.empty() ? "" : arg_padding, help);
    }
  };
  fmt::print("{}\n", bold("Configured tasks:", color));
  for (const auto& task : file.tasks) {
    if (!task->hidden() && !task->group) print_task(*task);
  }
  for (const auto& group : file.groups) {
    bool heading_printed = false;
    for (const auto& task : file.tasks) {
      if (task->hidden() || task->group != group) continue;
      if (!heading_printed) {
        fmt::print("\n{}\n",
                   paint(group->heading.empty() ? group->name : group->heading, "32", color));
        heading_printed = true;
      }
      print_task(*task);
    }
  }
}

nlohmann::json tasks_json(const tasks::TaskFile& file) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& task : file.tasks) {
    if (task->hidden()) continue;
    nlohmann::json args = nlohmann::json::array();
    for (const auto& arg : task->args) {
      args.push_back({{"name", arg.name},
                      {"options", arg.options},
                      {"help", arg.help},
                      {"positional", arg.positional},
                      {"required", arg.required},
                      {"multiple", arg.multiple},
                      {"default", arg.default_value ? nlohmann::json(*arg.default_value) : nullptr},
                      {"choices", arg.choices}});
    }
    list.push_back({{"name", task->name},
                    {"type", tasks::to_string(task->kind)},
                    {"help", task->help},
                    {"group", task->group ? nlohmann::json(task->group->name) : nullptr},
                    {"args", args}});
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& group : file.groups) {
    groups.push_back({{"name", group->name},
                      {"heading", group->heading.empty() ? group->name : group->heading}});
  }
  return {{"file", file.path.string()}, {"tasks", list}, {"groups", groups}};
}

// One task's help, laid out as `poe --help TASK`: description, usage, named arguments.
void print_task_help(const tasks::TaskSpec& task, bool color) {
  if (!task.help.empty()) fmt::print("{}\n  {}\n\n", bold("Description:", color), task.help);
  fmt::print("{}\n  twin task {}{}\n", bold("Usage:", color), paint(task.name, "36", color),
             task.declares_args ? " [named arguments] -- [free arguments]" : " [free arguments]");
  const auto args = tasks::describe_args(task);
  if (!args.empty()) {
    size_t width = kMinNameColumn;
    for (const auto& [arg_usage, help] : args) width = std::max(width, arg_usage.size());
    fmt::print("\n{}\n", bold("Named arguments:", color));
    for (const auto& [arg_usage, help] : args) {
      fmt::print("  {}{}{}\n", paint(arg_usage, "34", color),
                 help.empty() ? "" : std::string(width - arg_usage.size() + 2, ' '), help);
    }
  }
  fmt::print("\n{}\n  {} ({})\n", bold("Type:", color), tasks::to_string(task.kind), task.location);
  if (!task.content.empty()) fmt::print("  runs: {}\n", task.content);
}

Result<int> list_tasks(Context& ctx, const TaskOptions& options) {
  TWIN_ASSIGN_OR_RETURN(auto file, load_tasks(ctx, options.file));
  if (options.json) {
    fmt::print("{}\n", tasks_json(file).dump(2));
  } else {
    print_task_list(file, ctx.stdout_color());
  }
  return 0;
}

// Whether a task declares `option` itself (then it is the task's, not twin's).
bool task_takes_option(const tasks::TaskSpec& task, std::string_view option) {
  return std::ranges::any_of(task.args, [&](const tasks::ArgSpec& arg) {
    return std::ranges::find(arg.options, option) != arg.options.end();
  });
}

Result<int> run_task(Context& ctx, TaskOptions options, std::vector<std::string> words) {
  TWIN_ASSIGN_OR_RETURN(auto file, load_tasks(ctx, options.file));
  if (words.empty()) {
    print_task_list(file, ctx.stdout_color());
    fmt::print(stderr, "twin: error: no task given. Run 'twin task NAME'.\n");
    return 2;
  }
  const std::string name = words.front();
  words.erase(words.begin());
  const tasks::TaskSpec* task = file.find(name);
  if (task == nullptr) {
    const Status unknown = tasks::unknown_task(file, name);
    return fail(Status::invalid_argument(unknown.message() + hidden_in_pyproject(ctx, file, name)));
  }

  // twin's own flags may also follow the task name (before `--`), unless the task owns them.
  for (size_t i = 0; i < words.size() && words[i] != "--";) {
    if ((words[i] == "-h" || words[i] == "--help") && !task_takes_option(*task, words[i])) {
      print_task_help(*task, ctx.stdout_color());
      return 0;
    }
    if (words[i] == "--dry-run" && !task_takes_option(*task, words[i])) {
      options.dry_run = true;
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }

  tasks::RunOptions run_options;
  run_options.root = ctx.root();
  run_options.state_dir = ctx.settings().state_dir();
  run_options.invocation_dir = std::filesystem::current_path();
  run_options.dry_run = options.dry_run;
  run_options.verbosity = ctx.quiet() ? -1 : ctx.verbosity() == Verbosity::kVerbose ? 1 : 0;
  run_options.color = ctx.stderr_color();
  run_options.stdout_color = ctx.stdout_color();
  run_options.jobs = options.jobs;
  if (!options.executor.empty() || !options.executor_opts.empty()) {
    TWIN_ASSIGN_OR_RETURN(run_options.executor_override,
                          tasks::executor_from_cli(options.executor, options.executor_opts));
  }
  tasks::TaskRunner runner(file, std::move(run_options));
  auto code = runner.run(name, words);
  // The Handbook's tasks call its Python tools through poetry: without poetry, say what twin
  // runs instead.
  tasks::Environment environment;
  if (const char* path = std::getenv("PATH")) environment["PATH"] = path;
  if ((!code || *code != 0) && !tasks::find_in_path("poetry", environment)) {
    if (const auto equivalent = handbook_equivalent(task->content)) {
      fmt::print(stderr, "twin: hint: poetry is not installed; twin does this itself: {}\n",
                 *equivalent);
    }
  }
  return code;
}

void add_task_commands(CLI::App& twin, CommandActions& actions) {
  auto list_options = std::make_shared<TaskOptions>();
  CLI::App* list = twin.add_subcommand(
      "tasks", "List the project's tasks (twin.toml [tasks], else pyproject.toml [tool.poe])");
  list->add_option("--file", list_options->file, "Read tasks from this file")->type_name("FILE");
  list->add_flag("--json", list_options->json, "Print one JSON document: {file, tasks: [...]}");
  actions.on(list, [list_options](Context& ctx) { return list_tasks(ctx, *list_options); });

  auto run_options = std::make_shared<TaskOptions>();
  CLI::App* run = twin.add_subcommand(
      "task",
      "Run a task: twin task NAME [ARGS...] (Poe the Poet compatible; 'twin task NAME --help' "
      "describes one task)");
  run->add_flag("-d,--dry-run", run_options->dry_run, "Print what would run; run nothing");
  run->add_option("-j,--jobs", run_options->jobs, "Run up to N independent deps at once")
      ->type_name("N")
      ->check(CLI::Range(1, 1024));
  run->add_option("--file", run_options->file, "Read tasks from this file")->type_name("FILE");
  run->add_option("-e,--executor", run_options->executor,
                  "Override the task's executor (auto, poetry, simple, uv, virtualenv)")
      ->type_name("EXECUTOR");
  run->add_option("-X,--executor-opt", run_options->executor_opts,
                  "Set executor configuration for this run (repeatable)")
      ->type_name("KEY[=VALUE]")
      ->allow_extra_args(false);  // one value per -X, so the task name is not taken
  run->prefix_command();
  run->fallthrough(false);  // the task name and its words stay with `task`
  run->footer(
      "\nEverything from NAME on belongs to the task: declared args, or words appended to a cmd "
      "task.\nAfter `--` come free arguments for tasks that declare args. Exit code: the task's "
      "own\n(128+signal when a signal ended it); 2 for configuration errors.");
  actions.on(run, [run, run_options](Context& ctx) {
    return run_task(ctx, *run_options, run->remaining());
  });
}

}  // namespace

TWIN_REGISTER_COMMAND(20, add_task_commands);

}  // namespace twin::cli
