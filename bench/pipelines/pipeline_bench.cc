// Pipeline overhead: a 100-step chain and a 100-wide fan-out of no-op C++ steps, run end to end in
// this process with all metadata written to a fresh embedded (SQLite) store, against the same
// number of bare SQLite insert transactions (same journal settings) measured in the same run, in
// each durability mode of the artifact store: batch (the default; the headline), each and none.
//
// Prints one line per figure: "name value unit".
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "twin/orchestrator/runner.h"

namespace {
namespace fs = std::filesystem;
using twin::Status;
using twin::orchestrator::PipelineDefinition;
using twin::orchestrator::PipelineRegistry;
using twin::orchestrator::StepContext;
using twin::orchestrator::StepNode;

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "twin-bench-XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

PipelineRegistry make_registry() {
  PipelineRegistry registry;
  (void)registry.add_step({.name = "source", .outputs = {"out"}, .run = [](StepContext& ctx) {
                             return ctx.set_output("out", 0);
                           }});
  (void)registry.add_step(
      {.name = "link", .inputs = {"in"}, .outputs = {"out"}, .run = [](StepContext& ctx) -> Status {
         TWIN_ASSIGN_OR_RETURN(int value, ctx.input<int>("in"));
         return ctx.set_output("out", value + 1);
       }});
  return registry;
}

PipelineDefinition chain(int steps) {
  PipelineDefinition pipeline{.name = "chain"};
  pipeline.steps.push_back({.name = "s0", .uses = "source"});
  for (int i = 1; i < steps; ++i) {
    pipeline.steps.push_back({.name = fmt::format("s{}", i),
                              .uses = "link",
                              .inputs = {{"in", fmt::format("s{}.out", i - 1)}}});
  }
  return pipeline;
}

PipelineDefinition fan_out(int width) {
  PipelineDefinition pipeline{.name = "fan_out"};
  pipeline.steps.push_back({.name = "root", .uses = "source"});
  for (int i = 0; i < width; ++i) {
    pipeline.steps.push_back(
        {.name = fmt::format("leaf{}", i), .uses = "link", .inputs = {{"in", "root.out"}}});
  }
  return pipeline;
}

// Seconds for one run of `pipeline` in a fresh project; -1 on failure.
double time_pipeline(const PipelineRegistry& registry, const PipelineDefinition& pipeline,
                     std::string_view durability, double* cached_seconds) {
  const fs::path dir = make_temp_dir();
  const auto start = std::chrono::steady_clock::now();
  auto metadata = twin::metadata::open_metadata_store("sqlite://" + (dir / "metadata.db").string());
  auto artifacts = twin::artifacts::open_artifact_store("file://" + (dir / "artifacts").string() +
                                                        "?fsync=" + std::string(durability));
  if (!metadata || !artifacts) {
    fmt::print(stderr, "cannot open stores\n");
    return -1;
  }
  twin::orchestrator::RunOptions options;
  options.project_root = dir;
  options.state_dir = dir;
  twin::orchestrator::PipelineRunner runner(**metadata, **artifacts, registry);
  auto outcome = runner.run(pipeline, options);
  const double elapsed = seconds_since(start);
  if (std::getenv("TWIN_BENCH_DETAIL") != nullptr && outcome) {
    int64_t inside = 0;
    for (const auto& step : outcome->steps)
      inside += step.ended_at.value_or(step.started_at) - step.started_at;
    fmt::print(stderr, "{}: {} ms between start and end records of steps, {} ms total\n",
               pipeline.name, inside, elapsed * 1000);
  }
  if (!outcome || outcome->run.status != twin::metadata::RunStatus::kCompleted) {
    fmt::print(stderr, "{} failed: {}\n", pipeline.name,
               outcome ? "a step failed" : outcome.error().to_string());
    return -1;
  }
  const auto cached_start = std::chrono::steady_clock::now();
  (void)runner.run(pipeline, options);
  *cached_seconds = seconds_since(cached_start);
  fs::remove_all(dir);
  return elapsed;
}

// Seconds for `count` fsyncs of new one-byte files (what a durable blob write costs here).
double time_fsyncs(int count) {
  const fs::path dir = make_temp_dir();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    const fs::path file = dir / std::to_string(i);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) continue;
    (void)!::write(fd, "x", 1);
    ::fsync(fd);
    ::close(fd);
  }
  const double elapsed = seconds_since(start);
  fs::remove_all(dir);
  return elapsed;
}

// Seconds for `count` transactions each inserting one row into a fresh WAL SQLite database.
double time_bare_inserts(int count) {
  const fs::path dir = make_temp_dir();
  sqlite3* db = nullptr;
  sqlite3_open((dir / "bare.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER "
               "PRIMARY KEY, v TEXT)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)", -1, &insert, nullptr);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_text(insert, 1, "value", -1, SQLITE_STATIC);
    sqlite3_step(insert);
    sqlite3_reset(insert);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double elapsed = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  fs::remove_all(dir);
  return elapsed;
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);
  const PipelineRegistry registry = make_registry();
  constexpr int kSteps = 100;
  const double bare = time_bare_inserts(kSteps);
  const double fsyncs = time_fsyncs(kSteps);
  fmt::print("bare_sqlite_100_insert_transactions_ms {:.1f}   (baseline)\n", bare * 1000);
  fmt::print("fsync_100_new_files_ms {:.1f}   (baseline: the disk's durability cost)\n",
             fsyncs * 1000);
  // The default durability (batch: one flush per run) first, as the headline; then each (an fsync
  // per blob, the old default) and none (never durable), for comparison.
  double chain_ms = 0;
  for (const std::string_view mode : {"batch", "each", "none"}) {
    double chain_cached = 0;
    double fan_cached = 0;
    const double chain_seconds = time_pipeline(registry, chain(kSteps), mode, &chain_cached);
    const double fan_seconds = time_pipeline(registry, fan_out(kSteps), mode, &fan_cached);
    if (chain_seconds < 0 || fan_seconds < 0) return 1;
    if (mode == "batch") chain_ms = chain_seconds * 1000;
    fmt::print(
        "[fsync={}] chain_100_steps_ms {:.1f}  cached_rerun_ms {:.1f}  vs_bare_inserts {:.1f}x\n",
        mode, chain_seconds * 1000, chain_cached * 1000, chain_seconds / bare);
    fmt::print(
        "[fsync={}] fan_out_100_steps_ms {:.1f}  cached_rerun_ms {:.1f}  vs_bare_inserts {:.1f}x\n",
        mode, fan_seconds * 1000, fan_cached * 1000, fan_seconds / bare);
  }
  fmt::print(
      "goal: 100-step chain under 100 ms on the embedded store, default durability (batch): {} "
      "({:.1f} ms)\n",
      chain_ms < 100 ? "met" : "NOT met", chain_ms);
  return 0;
}
