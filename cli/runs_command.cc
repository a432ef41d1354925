// twin runs list [--pipeline P] [--limit N] [--json]
// twin runs show RUN [--json]          RUN: a run id (or a unique prefix of one) or a run name
// twin runs logs RUN [STEP]
//
// Every command first marks runs of dead processes (or with stale heartbeats) as crashed.
#include <fstream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/orchestrator/runner.h"
#include "twin/orchestrator/stores.h"

namespace twin::cli {
namespace {
using metadata::RunRecord;
using metadata::StepRunRecord;

Result<orchestrator::Stores> open_for_reading(Context& ctx) {
  TWIN_ASSIGN_OR_RETURN(
      auto stores, orchestrator::open_stores(ctx.settings(), orchestrator::StoreAccess::kReadOnly));
  if (auto reaped = orchestrator::reap_crashed_runs(*stores.metadata); !reaped) {
    spdlog::warn("checking for crashed runs: {}", reaped.error().to_string());
  }
  return stores;
}

std::string run_duration(const RunRecord& run) {
  return run.ended_at ? metadata::format_duration(*run.ended_at - run.started_at) : "-";
}

Result<int> list_runs(Context& ctx, const std::string& pipeline, int limit, bool json) {
  TWIN_ASSIGN_OR_RETURN(auto stores, open_for_reading(ctx));
  metadata::RunFilter filter;
  if (!pipeline.empty()) filter.pipeline = pipeline;
  filter.limit = limit;
  TWIN_ASSIGN_OR_RETURN(auto runs, stores.metadata->list_runs(filter));
  if (json) {
    fmt::print("{}\n", nlohmann::json(runs).dump(2));
    return 0;
  }
  if (runs.empty()) {
    fmt::print("no runs yet (twin pipeline run NAME)\n");
    return 0;
  }
  Table table({"RUN ID", "NAME", "PIPELINE", "STATUS", "STARTED", "DURATION"});
  for (const auto& run : runs) {
    table.add_row({run.id, run.name, run.pipeline, std::string(to_string(run.status)),
                   metadata::format_time(run.started_at), run_duration(run)});
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

std::string outputs_text(metadata::MetadataStore& store, const StepRunRecord& step) {
  auto links = store.step_outputs(step.id);
  if (!links) return "";
  std::string text;
  for (const auto& link : *links) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{}@{}", link.artifact.artifact, link.artifact.version);
  }
  return text;
}

Result<int> show_run(Context& ctx, const std::string& id, bool json) {
  TWIN_ASSIGN_OR_RETURN(auto stores, open_for_reading(ctx));
  TWIN_ASSIGN_OR_RETURN(RunRecord run, stores.metadata->get_run(id));
  TWIN_ASSIGN_OR_RETURN(auto steps, stores.metadata->list_step_runs(run.id));
  if (json) {
    nlohmann::json out = {{"run", run}, {"steps", nlohmann::json::array()}};
    for (const auto& step : steps) {
      nlohmann::json entry = step;
      entry["inputs"] = nlohmann::json::object();
      entry["outputs"] = nlohmann::json::object();
      if (auto inputs = stores.metadata->step_inputs(step.id)) {
        for (const auto& link : *inputs) entry["inputs"][link.name] = link.artifact;
      }
      if (auto outputs = stores.metadata->step_outputs(step.id)) {
        for (const auto& link : *outputs) entry["outputs"][link.name] = link.artifact;
      }
      out["steps"].push_back(std::move(entry));
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print(
      "run       {}\nname      {}\npipeline  {}\nstatus    {}\nstarted   {}\nduration  "
      "{}\nhost/pid  {}/{}\n",
      run.id, run.name, run.pipeline, to_string(run.status), metadata::format_time(run.started_at),
      run_duration(run), run.host, run.pid);
  if (!run.metadata.empty()) fmt::print("metadata  {}\n", run.metadata.dump());
  fmt::print("\n");
  Table table({"STEP", "STATUS", "DURATION", "ATTEMPTS", "OUTPUTS", "NOTE"});
  for (const auto& step : steps) {
    const std::string duration =
        step.ended_at ? metadata::format_duration(*step.ended_at - step.started_at) : "-";
    std::string note = step.error;
    if (step.cached_from) note = "cached from " + *step.cached_from;
    table.add_row({step.step, std::string(to_string(step.status)), duration,
                   std::to_string(step.attempts), outputs_text(*stores.metadata, step), note});
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

Result<int> show_logs(Context& ctx, const std::string& id, const std::string& step_name) {
  TWIN_ASSIGN_OR_RETURN(auto stores, open_for_reading(ctx));
  TWIN_ASSIGN_OR_RETURN(RunRecord run, stores.metadata->get_run(id));
  TWIN_ASSIGN_OR_RETURN(auto steps, stores.metadata->list_step_runs(run.id));
  bool found = false;
  for (const auto& step : steps) {
    if (!step_name.empty() && step.step != step_name) continue;
    found = true;
    if (step_name.empty()) fmt::print("== {} ({})\n", step.step, to_string(step.status));
    if (step.cached_from && step_name.empty())
      fmt::print("(cached: log of step run {})\n", *step.cached_from);
    if (step.log_uri.empty()) {
      if (!step.error.empty() && step_name.empty()) fmt::print("({})\n", step.error);
      continue;
    }
    std::ifstream in(step.log_uri, std::ios::binary);
    if (!in) {
      // A C++ step that logged nothing has no log file; a deleted .twin/logs has none either.
      spdlog::debug("step {}: no log at {}", step.step, step.log_uri);
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (step_name.empty() && !text.empty() && text.back() != '\n') fmt::print("\n");
  }
  if (!step_name.empty() && !found) {
    return fail(Status::not_found(fmt::format("run {} has no step named '{}'", run.id, step_name)));
  }
  return 0;
}

void add_runs_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* runs = twin.add_subcommand("runs", "Pipeline runs: list, show, logs");
  runs->require_subcommand(1);

  CLI::App* list = runs->add_subcommand("list", "List runs, newest first");
  auto pipeline = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(50);
  auto list_json = std::make_shared<bool>(false);
  list->add_option("--pipeline", *pipeline, "Only runs of this pipeline");
  list->add_option("--limit", *limit, "At most this many runs (default 50)");
  list->add_flag("--json", *list_json, "Print one JSON document: an array of runs, newest first");
  actions.on(list, [=](Context& ctx) { return list_runs(ctx, *pipeline, *limit, *list_json); });

  CLI::App* show = runs->add_subcommand("show", "Show a run, its steps and their artifacts");
  auto show_id = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  show->add_option("run", *show_id, "Run id (or unique prefix) or run name")->required();
  show->add_flag("--json", *show_json, "Print one JSON document: {run, steps}");
  actions.on(show, [=](Context& ctx) { return show_run(ctx, *show_id, *show_json); });

  CLI::App* logs =
      runs->add_subcommand("logs", "Print the logs of a run's steps (stdout and stderr)");
  auto logs_id = std::make_shared<std::string>();
  auto step = std::make_shared<std::string>();
  logs->add_option("run", *logs_id, "Run id (or unique prefix) or run name")->required();
  logs->add_option("step", *step, "Only this step's log");
  actions.on(logs, [=](Context& ctx) { return show_logs(ctx, *logs_id, *step); });
}

}  // namespace

TWIN_REGISTER_COMMAND(41, add_runs_command);

}  // namespace twin::cli
