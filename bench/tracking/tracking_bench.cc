// Metric points per second into the tracker: through the C++ API (TrackingStore::log_batch with
// 1000-point batches, what RunLogger sends), through REST log-batch over one keep-alive
// connection, and, as the baseline, raw SQLite inserts of the same rows (prepared statement,
// 1000 rows per transaction, same table, index and pragmas). Also the latency of acknowledging
// one 1000-metric log-batch (the goal: under 10 ms). And runs/search over many runs: the filter,
// order and page in SQL (what search_runs does) against loading every run of the experiment and
// filtering and sorting in C++ (what it did before, RunFilter::matches and sort_runs).
//
// Usage: tracking_bench [POINTS] [RUNS]   (defaults 200000 and 3000)
#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "twin/registry/model_registry.h"
#include "twin/server/server.h"
#include "twin/tracking/tracking_store.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kBatch = 1000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / fmt::format("twin-bench-{}-{}", name, ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fmt::print(stderr, "sqlite: {}: {}\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

double raw_sqlite(int points) {
  const auto dir = fresh_dir("raw");
  sqlite3* db = nullptr;
  check(sqlite3_open((dir / "raw.db").c_str(), &db), db, "open");
  check(
      sqlite3_exec(db,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                   "CREATE TABLE tracking_metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, "
                   "value DOUBLE PRECISION, timestamp_ms BIGINT NOT NULL, step BIGINT NOT NULL);"
                   "CREATE INDEX tracking_metrics_history ON tracking_metrics (run_id, key, step);",
                   nullptr, nullptr, nullptr),
      db, "schema");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO tracking_metrics VALUES (?, ?, ?, ?, ?)", -1, &insert,
                           nullptr),
        db, "prepare");
  const std::string run_id(32, 'a');
  const auto start = Clock::now();
  for (int done = 0; done < points; done += kBatch) {
    check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (int i = done; i < done + kBatch; ++i) {
      sqlite3_bind_text(insert, 1, run_id.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, "loss", -1, SQLITE_STATIC);
      sqlite3_bind_double(insert, 3, 1.0 / (i + 1));
      sqlite3_bind_int64(insert, 4, 1700000000000 + i);
      sqlite3_bind_int64(insert, 5, i);
      check(sqlite3_step(insert), db, "insert");
      sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  const double elapsed = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  return points / elapsed;
}

struct Stores {
  std::filesystem::path dir;
  std::unique_ptr<twin::db::Database> database;
  std::unique_ptr<twin::tracking::TrackingStore> tracking;
  std::unique_ptr<twin::registry::ModelRegistry> registry;
  std::string run_id;
};

Stores open_stores(const std::string& name) {
  Stores s;
  s.dir = fresh_dir(name);
  auto database = twin::db::Database::open("sqlite://" + (s.dir / "metadata.db").string());
  if (!database) {
    fmt::print(stderr, "{}\n", database.error().to_string());
    std::exit(1);
  }
  s.database = std::move(*database);
  s.tracking =
      std::move(*twin::tracking::TrackingStore::open(*s.database, "file://" + s.dir.string()));
  s.registry = std::move(*twin::registry::ModelRegistry::open(*s.database));
  s.run_id = s.tracking->create_run({})->info.run_id;
  return s;
}

double cpp_api(int points) {
  Stores s = open_stores("cpp");
  const auto start = Clock::now();
  for (int done = 0; done < points; done += kBatch) {
    twin::tracking::RunDataBatch batch;
    batch.metrics.reserve(kBatch);
    for (int i = done; i < done + kBatch; ++i)
      batch.metrics.push_back({"loss", 1.0 / (i + 1), 1700000000000 + i, i});
    if (twin::Status status = s.tracking->log_batch(s.run_id, batch); !status.is_ok()) {
      fmt::print(stderr, "{}\n", status.to_string());
      std::exit(1);
    }
  }
  const double elapsed = seconds_since(start);
  std::filesystem::remove_all(s.dir);
  return points / elapsed;
}

struct RestFigures {
  double points_per_second;
  double median_ms;
  double p99_ms;
};

RestFigures rest_log_batch(int points) {
  Stores s = open_stores("rest");
  twin::server::ServerOptions options;
  options.port = 0;
  twin::server::TwinServer server(options, {s.tracking.get(), s.registry.get(), nullptr, nullptr});
  if (!server.bind().is_ok()) std::exit(1);
  std::thread serving([&server] { (void)server.serve(); });
  std::vector<std::string> bodies;
  for (int done = 0; done < points; done += kBatch) {
    nlohmann::json metrics = nlohmann::json::array();
    for (int i = done; i < done + kBatch; ++i) {
      metrics.push_back({{"key", "loss"},
                         {"value", 1.0 / (i + 1)},
                         {"timestamp", 1700000000000 + i},
                         {"step", i}});
    }
    bodies.push_back(nlohmann::json{{"run_id", s.run_id}, {"metrics", metrics}}.dump());
  }
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  std::vector<double> latencies;
  const auto start = Clock::now();
  for (const std::string& body : bodies) {
    const auto sent = Clock::now();
    auto reply = client.Post("/api/2.0/mlflow/runs/log-batch", body, "application/json");
    latencies.push_back(seconds_since(sent) * 1000);
    if (!reply || reply->status != 200) {
      fmt::print(stderr, "log-batch failed: {}\n",
                 reply ? reply->body : httplib::to_string(reply.error()));
      std::exit(1);
    }
  }
  const double elapsed = seconds_since(start);
  server.stop();
  serving.join();
  std::filesystem::remove_all(s.dir);
  std::ranges::sort(latencies);
  return {points / elapsed, latencies[latencies.size() / 2],
          latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)]};
}

struct SearchFigures {
  double sql_ms;
  double in_memory_ms;
  size_t matched;
};

SearchFigures search_runs(int runs) {
  Stores s = open_stores("search");
  const std::string experiment = *s.tracking->create_experiment("search");
  for (int i = 0; i < runs; ++i) {
    twin::tracking::CreateRunRequest create;
    create.experiment_id = experiment;
    auto run = s.tracking->create_run(create);
    twin::tracking::RunDataBatch batch;
    batch.params = {{"lr", fmt::format("{}", (i % 20) / 100.0)}, {"batch_size", "8"}};
    batch.metrics = {{"loss", 1.0 / (i % 97 + 1), 0, 10}, {"accuracy", (i % 89) / 89.0, 0, 10}};
    batch.tags = {{"team", i % 3 == 0 ? "nlp" : "vision"}};
    if (!s.tracking->log_batch(run->info.run_id, batch).is_ok()) std::exit(1);
  }
  twin::tracking::SearchRunsRequest request;
  request.experiment_ids = {experiment};
  request.filter = "params.lr = '0.05' and metrics.loss < 0.5 and tags.team = 'nlp'";
  request.order_by = {"metrics.accuracy DESC"};
  request.max_results = 50;
  constexpr int kRepeats = 10;
  size_t matched = 0;
  auto start = Clock::now();
  for (int r = 0; r < kRepeats; ++r) matched = s.tracking->search_runs(request)->runs.size();
  const double sql_ms = seconds_since(start) * 1000 / kRepeats;
  const auto filter = *twin::tracking::RunFilter::parse(request.filter);
  const std::vector<twin::tracking::RunOrder> orders = {
      *twin::tracking::RunOrder::parse(request.order_by[0])};
  start = Clock::now();
  for (int r = 0; r < kRepeats; ++r) {
    twin::tracking::SearchRunsRequest every;
    every.experiment_ids = {experiment};
    every.max_results = static_cast<size_t>(runs);
    auto all = std::move(s.tracking->search_runs(every)->runs);
    std::erase_if(all, [&](const auto& run) { return !filter.matches(run); });
    twin::tracking::sort_runs(all, orders);
    if (all.size() > 50) all.resize(50);
    if (all.size() != matched) {
      fmt::print(stderr, "search: SQL found {} runs, the C++ evaluator {}\n", matched, all.size());
      std::exit(1);
    }
  }
  const double in_memory_ms = seconds_since(start) * 1000 / kRepeats;
  std::filesystem::remove_all(s.dir);
  return {sql_ms, in_memory_ms, matched};
}

}  // namespace

int main(int argc, char** argv) {
  const int points = std::max(kBatch, (argc > 1 ? std::atoi(argv[1]) : 200000) / kBatch * kBatch);
  spdlog::set_level(spdlog::level::warn);
  const double raw = raw_sqlite(points);
  const double cpp = cpp_api(points);
  const RestFigures rest = rest_log_batch(points);
  const int runs = std::max(100, argc > 2 ? std::atoi(argv[2]) : 3000);
  const SearchFigures search = search_runs(runs);
  fmt::print("metric points: {} per measurement, batches of {}, SQLite (WAL, synchronous=NORMAL)\n",
             points, kBatch);
  fmt::print("  raw SQLite inserts (baseline)   {:>12.0f} points/s\n", raw);
  fmt::print("  C++ API (log_batch)             {:>12.0f} points/s   {:.2f}x baseline\n", cpp,
             cpp / raw);
  fmt::print("  REST log-batch, keep-alive      {:>12.0f} points/s   {:.2f}x baseline\n",
             rest.points_per_second, rest.points_per_second / raw);
  fmt::print(
      "  1000-metric log-batch acknowledged in {:.2f} ms median, {:.2f} ms p99 (goal < 10 ms)\n",
      rest.median_ms, rest.p99_ms);
  fmt::print(
      "runs/search over {} runs (3 clauses, order by a metric, first page of 50, {} found):\n",
      runs, search.matched);
  fmt::print("  load every run, filter in C++ (baseline) {:>8.2f} ms\n", search.in_memory_ms);
  fmt::print("  filter, order and page in SQL            {:>8.2f} ms   {:.1f}x faster\n",
             search.sql_ms, search.in_memory_ms / search.sql_ms);
  return 0;
}
