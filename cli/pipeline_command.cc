// twin pipeline list [--json]
// twin pipeline run NAME|FILE.yaml [--config FILE] [--no-cache] [--run-name N] [--param K=V]...
//                   [--jobs N] [--json]
//
// Pipelines are the registered C++ ones (PipelineRegistry) and YAML files: a path, or
// pipelines/NAME.yaml under the project root.
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/core/process.h"
#include "twin/core/text.h"
#include "twin/orchestrator/runner.h"
#include "twin/orchestrator/stores.h"
#include "twin/orchestrator/yaml_pipeline.h"

namespace twin::cli {
namespace {
namespace fs = std::filesystem;
using metadata::RunStatus;
using metadata::StepStatus;
using orchestrator::PipelineDefinition;
using orchestrator::PipelineRegistry;

// YAML pipelines found under <root>/pipelines/.
std::vector<fs::path> project_pipeline_files(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root / "pipelines", ec)) {
    const auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml"))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool looks_like_file(const std::string& target) {
  return target.ends_with(".yaml") || target.ends_with(".yml") ||
         target.find('/') != std::string::npos;
}

// A path given on the command line: relative to the working directory, else to the project root.
fs::path resolve_path(const std::string& given, const fs::path& root) {
  fs::path path(given);
  std::error_code ec;
  if (path.is_absolute() || fs::exists(path, ec)) return path;
  return root / path;
}

Result<PipelineDefinition> find_pipeline(const std::string& target, const fs::path& root) {
  if (looks_like_file(target)) return orchestrator::load_pipeline_yaml(resolve_path(target, root));
  if (const PipelineDefinition* builtin = PipelineRegistry::global().find_pipeline(target))
    return *builtin;
  for (const char* extension : {".yaml", ".yml"}) {
    const fs::path file = root / "pipelines" / (target + extension);
    std::error_code ec;
    if (fs::exists(file, ec)) return orchestrator::load_pipeline_yaml(file);
  }
  std::vector<std::string> known = PipelineRegistry::global().pipeline_names();
  for (const auto& file : project_pipeline_files(root)) known.push_back(file.stem().string());
  std::string message =
      fmt::format("no pipeline named '{}' (not registered, no pipelines/{}.yaml)", target, target);
  const auto suggestions = closest_matches(target, known);
  if (!suggestions.empty()) message += "; did you mean " + quoted_alternatives(suggestions) + "?";
  return fail(Status::not_found(message));
}

Result<int> list_pipelines(Context& ctx, bool json) {
  struct Entry {
    std::string name, source, description;
    size_t steps = 0;
  };
  std::vector<Entry> entries;
  for (const auto& name : PipelineRegistry::global().pipeline_names()) {
    const PipelineDefinition* pipeline = PipelineRegistry::global().find_pipeline(name);
    entries.push_back({name, "built-in", pipeline->description, pipeline->steps.size()});
  }
  for (const auto& file : project_pipeline_files(ctx.root())) {
    auto pipeline = orchestrator::load_pipeline_yaml(file);
    const std::string source = fs::relative(file, ctx.root()).string();
    if (!pipeline) {
      spdlog::warn("{}", pipeline.error().message());
      continue;
    }
    entries.push_back({pipeline->name, source, pipeline->description, pipeline->steps.size()});
  }
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries) {
      out.push_back({{"name", e.name},
                     {"source", e.source},
                     {"steps", e.steps},
                     {"description", e.description}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (entries.empty()) {
    fmt::print("no pipelines (register C++ pipelines, or add YAML files under pipelines/)\n");
    return 0;
  }
  Table table({"PIPELINE", "STEPS", "SOURCE", "DESCRIPTION"});
  for (const auto& e : entries)
    table.add_row({e.name, std::to_string(e.steps), e.source, e.description});
  table.print(stdout, ctx.stdout_color());
  return 0;
}

struct RunFlags {
  std::string target;
  std::string config;
  bool no_cache = false;
  std::string run_name;
  std::vector<std::string> params;
  int jobs = 0;
  bool json = false;
};

std::string status_mark(StepStatus status) {
  switch (status) {
    case StepStatus::kRunning:
      return "▶";
    case StepStatus::kCompleted:
      return "✓";
    case StepStatus::kCached:
      return "↺";
    case StepStatus::kFailed:
      return "✗";
    case StepStatus::kSkipped:
      return "-";
    case StepStatus::kCancelled:
      return "■";
  }
  return "?";
}

// Live progress on stderr when it is a terminal (one line per step change).
std::function<void(const orchestrator::StepEvent&)> progress_printer(bool live) {
  if (!live) return {};
  return [](const orchestrator::StepEvent& event) {
    if (event.status == StepStatus::kRunning) {
      fmt::print(stderr, "  {} {}{}\n", status_mark(event.status), event.step,
                 event.attempt > 1 ? fmt::format(" (attempt {})", event.attempt) : "");
    } else {
      fmt::print(stderr, "  {} {} {} {}\n", status_mark(event.status), event.step,
                 to_string(event.status),
                 event.status == StepStatus::kSkipped || event.status == StepStatus::kCancelled
                     ? ""
                     : metadata::format_duration(event.duration.count()));
    }
    std::fflush(stderr);
  };
}

int exit_code_for_run(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return 0;
    case RunStatus::kCancelled:
      return 130;
    default:
      return 1;
  }
}

void print_summary(Context& ctx, const orchestrator::RunOutcome& outcome) {
  Table table({"STEP", "STATUS", "DURATION", "ATTEMPTS", "NOTE"});
  int cached = 0;
  for (const auto& step : outcome.steps) {
    if (step.status == StepStatus::kCached) ++cached;
    const std::string duration =
        step.ended_at ? metadata::format_duration(*step.ended_at - step.started_at) : "-";
    std::string note = step.error;
    if (step.cached_from) note = "cached from step run " + *step.cached_from;
    table.add_row({step.step, std::string(to_string(step.status)), duration,
                   std::to_string(step.attempts), note});
  }
  table.print(stdout, ctx.stdout_color());
  const int64_t total =
      outcome.run.ended_at.value_or(outcome.run.started_at) - outcome.run.started_at;
  fmt::print("\nrun {} ({}) {} in {}: {} steps, {} cached\n", outcome.run.id, outcome.run.name,
             to_string(outcome.run.status), metadata::format_duration(total), outcome.steps.size(),
             cached);
}

Result<int> run_pipeline(Context& ctx, const RunFlags& flags) {
  TWIN_ASSIGN_OR_RETURN(PipelineDefinition pipeline, find_pipeline(flags.target, ctx.root()));
  orchestrator::RunOptions options;
  if (!flags.config.empty()) {
    TWIN_ASSIGN_OR_RETURN(options.config,
                          orchestrator::load_run_config(resolve_path(flags.config, ctx.root())));
  }
  for (const auto& warning : options.config.warnings) spdlog::warn("{}", warning);
  for (const auto& param : flags.params)
    TWIN_RETURN_IF_ERROR(orchestrator::apply_param_override(options.config, param));
  options.no_cache = flags.no_cache;
  if (!flags.run_name.empty()) options.run_name = flags.run_name;
  if (flags.jobs < 0) return fail(Status::invalid_argument("--jobs must be at least 1"));
  options.jobs = flags.jobs;
  options.project_root = ctx.root();
  options.state_dir = ctx.settings().state_dir();
  options.settings = &ctx.settings();
  options.on_step_event =
      progress_printer(!flags.json && !ctx.quiet() && ::isatty(STDERR_FILENO) == 1);

  TWIN_ASSIGN_OR_RETURN(auto stores, orchestrator::open_stores(ctx.settings()));
  if (auto reaped = orchestrator::reap_crashed_runs(*stores.metadata); reaped && *reaped > 0) {
    spdlog::warn("marked {} run(s) of dead processes as crashed", *reaped);
  }
  if (auto removed = orchestrator::remove_stale_work_folders(*stores.metadata, options.state_dir);
      !removed) {
    spdlog::warn("cleaning the work folders of crashed runs: {}", removed.error().message());
  }
  // Steps die with this process, even when it is killed with -9.
  TWIN_RETURN_IF_ERROR(kill_children_on_exit());
  ForwardSignals forward_signals;
  orchestrator::PipelineRunner runner(*stores.metadata, *stores.artifacts,
                                      PipelineRegistry::global());
  if (options.on_step_event) fmt::print(stderr, "running pipeline {}\n", pipeline.name);
  TWIN_ASSIGN_OR_RETURN(auto outcome, runner.run(std::move(pipeline), options));
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"run", outcome.run}, {"steps", outcome.steps}}.dump(2));
  } else {
    print_summary(ctx, outcome);
  }
  return exit_code_for_run(outcome.run.status);
}

void add_pipeline_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* pipeline = twin.add_subcommand("pipeline", "List and run pipelines (C++ or YAML)");
  pipeline->require_subcommand(1);

  CLI::App* list =
      pipeline->add_subcommand("list", "List registered pipelines and pipelines/*.yaml");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json,
                 "Print one JSON document: [{name, source, steps, description}]");
  actions.on(list, [list_json](Context& ctx) { return list_pipelines(ctx, *list_json); });

  CLI::App* run =
      pipeline->add_subcommand("run", "Run a pipeline; prints a summary and the run id");
  auto flags = std::make_shared<RunFlags>();
  run->add_option("pipeline", flags->target, "A registered pipeline's name, or a YAML file")
      ->required();
  run->add_option("--config", flags->config, "Run config (LLM Engineer's Handbook format)");
  run->add_flag("--no-cache", flags->no_cache, "Run every step even when a cached result exists");
  run->add_option("--run-name", flags->run_name,
                  "Name of the run ({date} and {time} are replaced)");
  run->add_option("--param", flags->params,
                  "Override a parameter: KEY=VALUE or STEP.KEY=VALUE (repeatable)");
  run->add_option("-j,--jobs", flags->jobs, "Steps run at once (default: the number of cores)");
  run->add_flag("--json", flags->json, "Print one JSON document: {run, steps}");
  actions.on(run, [flags](Context& ctx) { return run_pipeline(ctx, *flags); });
}

}  // namespace

TWIN_REGISTER_COMMAND(40, add_pipeline_command);

}  // namespace twin::cli
