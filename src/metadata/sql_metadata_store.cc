// MetadataStore over db/ (SQLite or PostgreSQL): one SQL text for both engines.
#include <unistd.h>

#include <mutex>
#include <random>

#include "schema.h"
#include "twin/core/json.h"
#include "twin/db/database.h"
#include "twin/metadata/metadata_store.h"

namespace twin::metadata {
namespace {

using db::Connection;
using db::Row;
using nlohmann::json;

constexpr std::string_view kRunOwner = "run";
constexpr std::string_view kStepRunOwner = "step_run";
constexpr std::string_view kArtifactVersionOwner = "artifact_version";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 16 random hex characters: short enough to type, enough to never collide in one project.
std::string new_id() {
  thread_local std::mt19937_64 random{std::random_device{}() ^
                                      (static_cast<uint64_t>(::getpid()) << 32)};
  return fmt::format("{:016x}", random());
}

json parse_json_text(const std::string& text) {
  Result<json> value = parse_json(text, "stored JSON");
  return value ? *std::move(value) : json(text);
}

constexpr std::string_view kRunColumns =
    "id, pipeline, name, status, config, started_at, ended_at, host, pid, heartbeat_at";
constexpr std::string_view kStepRunColumns =
    "id, run_id, step, status, cache_key, started_at, ended_at, log_uri, error, attempts, "
    "cached_from";
constexpr std::string_view kVersionColumns =
    "av.id, av.artifact, av.version, av.content_hash, av.size, av.materializer, av.uri, "
    "av.producer_step_run_id, av.created_at";

RunRecord run_from_row(const Row& row) {
  RunRecord run;
  run.id = row.text(0);
  run.pipeline = row.text(1);
  run.name = row.text(2);
  run.status = parse_run_status(row.text(3)).value_or(RunStatus::kFailed);
  run.config = parse_json_text(row.text(4));
  run.started_at = row.int64(5);
  run.ended_at = row.optional_int64(6);
  run.host = row.text(7);
  run.pid = row.int64(8);
  run.heartbeat_at = row.int64(9);
  return run;
}

StepRunRecord step_run_from_row(const Row& row) {
  StepRunRecord step;
  step.id = row.text(0);
  step.run_id = row.text(1);
  step.step = row.text(2);
  step.status = parse_step_status(row.text(3)).value_or(StepStatus::kFailed);
  step.cache_key = row.text(4);
  step.started_at = row.int64(5);
  step.ended_at = row.optional_int64(6);
  step.log_uri = row.text(7);
  step.error = row.text(8);
  step.attempts = static_cast<int>(row.int64(9));
  step.cached_from = row.optional_text(10);
  return step;
}

ArtifactVersionRecord version_from_row(const Row& row, size_t first = 0) {
  ArtifactVersionRecord version;
  version.id = row.text(first);
  version.artifact = row.text(first + 1);
  version.version = row.int64(first + 2);
  version.content_hash = row.text(first + 3);
  version.size = static_cast<uint64_t>(row.int64(first + 4));
  version.materializer = row.text(first + 5);
  version.uri = row.text(first + 6);
  version.producer_step_run_id = row.text(first + 7);
  version.created_at = row.int64(first + 8);
  return version;
}

Status put_metadata(Connection& c, std::string_view owner_type, std::string_view owner_id,
                    const json& metadata) {
  if (!metadata.is_object()) return Status::ok();
  for (const auto& [key, value] : metadata.items()) {
    TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
        "INSERT INTO metadata_entries (owner_type, owner_id, key, value) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (owner_type, owner_id, key) DO UPDATE SET value = excluded.value",
        {owner_type, owner_id, key, value.dump()})));
  }
  return Status::ok();
}

template <typename Executor>
Result<json> get_metadata(Executor& c, std::string_view owner_type, std::string_view owner_id) {
  TWIN_ASSIGN_OR_RETURN(auto rows,
                        c.query("SELECT key, value FROM metadata_entries WHERE owner_type = ? AND "
                                "owner_id = ? ORDER BY key",
                                {owner_type, owner_id}));
  json metadata = json::object();
  for (const auto& row : rows) metadata[row.text(0)] = parse_json_text(row.text(1));
  return metadata;
}

class SqlMetadataStore final : public MetadataStore {
 public:
  explicit SqlMetadataStore(std::unique_ptr<db::Database> database) : db_(std::move(database)) {}

 private:
  // Runs a write transaction. Writers in this process queue on a mutex: SQLite lets one writer
  // in at a time and makes the others poll with sleeps (its busy handler), which would cost
  // milliseconds per step when steps finish together.
  template <typename Fn>
  auto write(Fn&& fn) {
    std::lock_guard lock(write_mutex_);
    return db_->run_in_transaction(std::forward<Fn>(fn));
  }

 public:
  Result<RunRecord> create_run(const NewRun& new_run) override {
    RunRecord run;
    run.id = new_id();
    run.pipeline = new_run.pipeline;
    run.name = new_run.name;
    run.status = RunStatus::kRunning;
    run.config = new_run.config;
    run.started_at = now_ms();
    run.heartbeat_at = run.started_at;
    run.host = new_run.host;
    run.pid = new_run.pid;
    Status status = write([&](Connection& c) -> Status {
      TWIN_RETURN_IF_ERROR(
          db::status_of(c.execute("INSERT INTO pipelines (name, created_at) VALUES (?, ?) "
                                  "ON CONFLICT (name) DO NOTHING",
                                  {run.pipeline, run.started_at})));
      return db::status_of(
          c.execute("INSERT INTO pipeline_runs (id, pipeline, name, status, config, started_at, "
                    "ended_at, host, pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                    {run.id, run.pipeline, run.name, to_string(run.status), run.config.dump(),
                     run.started_at, run.host, run.pid, run.heartbeat_at}));
    });
    if (status.code() == StatusCode::kAlreadyExists) {
      return fail(Status::already_exists(fmt::format("a run named '{}' exists already", run.name)));
    }
    TWIN_RETURN_IF_ERROR(status);
    return run;
  }

  Status heartbeat(std::string_view run_id) override {
    return db::status_of(write([&](Connection& c) {
      return c.execute("UPDATE pipeline_runs SET heartbeat_at = ? WHERE id = ?",
                       {now_ms(), run_id});
    }));
  }

  Status finish_run(std::string_view run_id, RunStatus status) override {
    TWIN_ASSIGN_OR_RETURN(
        int64_t changed, write([&](Connection& c) {
          return c.execute(
              "UPDATE pipeline_runs SET status = ?, ended_at = ?, heartbeat_at = ? "
              "WHERE id = ?",
              {to_string(status), now_ms(), now_ms(), run_id});
        }));
    if (changed == 0) return Status::not_found(fmt::format("no run with id '{}'", run_id));
    return Status::ok();
  }

  Status add_run_metadata(std::string_view run_id, const json& metadata) override {
    return write(
        [&](Connection& c) -> Status { return put_metadata(c, kRunOwner, run_id, metadata); });
  }

  Result<std::vector<RunRecord>> list_runs(const RunFilter& filter) override {
    const std::string sql =
        fmt::format("SELECT {} FROM pipeline_runs {} ORDER BY started_at DESC, id LIMIT ?",
                    kRunColumns, filter.pipeline ? "WHERE pipeline = ?" : "");
    db::Params params;
    if (filter.pipeline) params.emplace_back(*filter.pipeline);
    params.emplace_back(static_cast<int64_t>(filter.limit > 0 ? filter.limit : 1'000'000));
    TWIN_ASSIGN_OR_RETURN(auto rows, db_->query(sql, params));
    std::vector<RunRecord> runs;
    for (const auto& row : rows) {
      runs.push_back(run_from_row(row));
      TWIN_ASSIGN_OR_RETURN(runs.back().metadata, get_metadata(*db_, kRunOwner, runs.back().id));
    }
    return runs;
  }

  Result<RunRecord> get_run(std::string_view id_or_name) override {
    TWIN_ASSIGN_OR_RETURN(auto row,
                          db_->query_one(fmt::format("SELECT {} FROM pipeline_runs WHERE id = ? OR "
                                                     "name = ?",
                                                     kRunColumns),
                                         {id_or_name, id_or_name}));
    if (!row && id_or_name.size() >= 4) {
      TWIN_ASSIGN_OR_RETURN(
          auto rows, db_->query(fmt::format("SELECT {} FROM pipeline_runs WHERE id LIKE ? LIMIT 2",
                                            kRunColumns),
                                {std::string(id_or_name) + "%"}));
      if (rows.size() == 1) row = rows[0];
    }
    if (!row)
      return fail(Status::not_found(fmt::format("no run with id or name '{}'", id_or_name)));
    RunRecord run = run_from_row(*row);
    TWIN_ASSIGN_OR_RETURN(run.metadata, get_metadata(*db_, kRunOwner, run.id));
    return run;
  }

  Result<int> mark_crashed_runs(std::string_view host, const std::function<bool(int64_t)>& is_alive,
                                int64_t stale_before) override {
    TWIN_ASSIGN_OR_RETURN(auto rows,
                          db_->query("SELECT id, host, pid, heartbeat_at FROM pipeline_runs WHERE "
                                     "status = 'running'"));
    std::vector<std::string> crashed;
    for (const auto& row : rows) {
      const bool dead_here = row.text(1) == host && !is_alive(row.int64(2));
      if (dead_here || row.int64(3) < stale_before) crashed.push_back(row.text(0));
    }
    if (crashed.empty()) return 0;
    const int64_t now = now_ms();
    return write([&](Connection& c) -> Result<int> {
      int marked = 0;
      for (const auto& id : crashed) {
        TWIN_ASSIGN_OR_RETURN(int64_t changed,
                              c.execute("UPDATE pipeline_runs SET status = 'crashed', ended_at = ? "
                                        "WHERE id = ? AND status = 'running'",
                                        {now, id}));
        TWIN_RETURN_IF_ERROR(db::status_of(
            c.execute("UPDATE step_runs SET status = 'failed', ended_at = ?, error = ? WHERE "
                      "run_id = ? AND status = 'running'",
                      {now, "the run's process died (crashed run)", id})));
        marked += static_cast<int>(changed);
      }
      return marked;
    });
  }

  Result<StepRunRecord> start_step_run(std::string_view run_id, std::string_view step,
                                       std::string_view cache_key, std::string_view log_uri,
                                       const std::vector<StepArtifactLink>& inputs) override {
    StepRunRecord record;
    record.id = new_id();
    record.run_id = run_id;
    record.step = step;
    record.status = StepStatus::kRunning;
    record.cache_key = cache_key;
    record.started_at = now_ms();
    record.log_uri = log_uri;
    const Status recorded = write([&](Connection& c) -> Status {
      TWIN_RETURN_IF_ERROR(insert_step_run(c, record));
      for (const auto& input : inputs) {
        TWIN_RETURN_IF_ERROR(link(c, record.id, "input", input.name, input.artifact.id));
      }
      return Status::ok();
    });
    if (!recorded.is_ok()) return fail(recorded);
    return record;
  }

  Result<StepRunRecord> record_unstarted_step(std::string_view run_id, std::string_view step,
                                              StepStatus status, std::string_view reason) override {
    StepRunRecord record;
    record.id = new_id();
    record.run_id = run_id;
    record.step = step;
    record.status = status;
    record.started_at = now_ms();
    record.ended_at = record.started_at;
    record.error = reason;
    TWIN_RETURN_IF_ERROR(write([&](Connection& c) { return insert_step_run(c, record); }));
    return record;
  }

  Status finish_step_run(std::string_view step_run_id, const StepRunEnd& end) override {
    const int64_t now = now_ms();
    Status status;
    // Versions are numbered under a per-artifact lock; should two writers still collide on a
    // version (a backend without locks), the loser retries.
    for (int attempt = 0; attempt < 10; ++attempt) {
      status = write([&](Connection& c) -> Status {
        TWIN_ASSIGN_OR_RETURN(int64_t changed,
                              c.execute("UPDATE step_runs SET status = ?, ended_at = ?, error "
                                        "= ?, attempts = ?, cached_from = ? "
                                        "WHERE id = ?",
                                        {to_string(end.status), now, end.error, end.attempts,
                                         end.cached_from, step_run_id}));
        if (changed == 0)
          return Status::not_found(fmt::format("no step run with id '{}'", step_run_id));
        for (const auto& output : end.outputs)
          TWIN_RETURN_IF_ERROR(insert_version(c, step_run_id, output, now));
        for (const auto& reused : end.reused_outputs) {
          TWIN_RETURN_IF_ERROR(link(c, step_run_id, "output", reused.name, reused.artifact.id));
        }
        return put_metadata(c, kStepRunOwner, step_run_id, end.metadata);
      });
      if (status.code() != StatusCode::kAlreadyExists || end.outputs.empty()) break;
    }
    return status;
  }

  Result<std::vector<StepRunRecord>> list_step_runs(std::string_view run_id) override {
    TWIN_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT {} FROM step_runs WHERE run_id = ? ORDER BY "
                                          "started_at, id",
                                          kStepRunColumns),
                              {run_id}));
    std::vector<StepRunRecord> steps;
    for (const auto& row : rows) {
      steps.push_back(step_run_from_row(row));
      TWIN_ASSIGN_OR_RETURN(steps.back().metadata,
                            get_metadata(*db_, kStepRunOwner, steps.back().id));
    }
    return steps;
  }

  Result<StepRunRecord> get_step_run(std::string_view step_run_id) override {
    TWIN_ASSIGN_OR_RETURN(
        auto row,
        db_->query_one(fmt::format("SELECT {} FROM step_runs WHERE id = ?", kStepRunColumns),
                       {step_run_id}));
    if (!row) return fail(Status::not_found(fmt::format("no step run with id '{}'", step_run_id)));
    StepRunRecord step = step_run_from_row(*row);
    TWIN_ASSIGN_OR_RETURN(step.metadata, get_metadata(*db_, kStepRunOwner, step.id));
    return step;
  }

  Result<std::optional<StepRunRecord>> find_cached_step_run(std::string_view cache_key) override {
    TWIN_ASSIGN_OR_RETURN(
        auto row, db_->query_one(fmt::format("SELECT {} FROM step_runs WHERE cache_key = ? AND "
                                             "status = 'completed' ORDER BY ended_at DESC LIMIT 1",
                                             kStepRunColumns),
                                 {cache_key}));
    if (!row) return std::optional<StepRunRecord>();
    return std::optional<StepRunRecord>(step_run_from_row(*row));
  }

  Result<std::vector<StepArtifactLink>> step_inputs(std::string_view step_run_id) override {
    return links_of(step_run_id, "input");
  }

  Result<std::vector<StepArtifactLink>> step_outputs(std::string_view step_run_id) override {
    return links_of(step_run_id, "output");
  }

  Result<std::vector<StepRunRecord>> consumers(std::string_view artifact_version_id) override {
    TWIN_ASSIGN_OR_RETURN(auto rows,
                          db_->query(fmt::format("SELECT {} FROM step_runs WHERE id IN (SELECT "
                                                 "step_run_id FROM step_artifacts WHERE "
                                                 "artifact_version_id = ? AND direction = 'input') "
                                                 "ORDER BY started_at",
                                                 kStepRunColumns),
                                     {artifact_version_id}));
    std::vector<StepRunRecord> steps;
    for (const auto& row : rows) steps.push_back(step_run_from_row(row));
    return steps;
  }

  Result<std::vector<ArtifactSummary>> list_artifacts(
      std::optional<std::string_view> name) override {
    const std::string sql = fmt::format(
        "SELECT {}, counts.n FROM artifact_versions av JOIN (SELECT artifact, MAX(version) AS "
        "latest, "
        "COUNT(*) AS n FROM artifact_versions GROUP BY artifact) counts ON counts.artifact = "
        "av.artifact AND "
        "counts.latest = av.version {} ORDER BY av.artifact",
        kVersionColumns, name ? "WHERE av.artifact = ?" : "");
    db::Params params;
    if (name) params.emplace_back(*name);
    TWIN_ASSIGN_OR_RETURN(auto rows, db_->query(sql, params));
    std::vector<ArtifactSummary> artifacts;
    for (const auto& row : rows) {
      ArtifactSummary summary;
      summary.latest = version_from_row(row);
      summary.name = summary.latest.artifact;
      summary.versions = row.int64(9);
      TWIN_ASSIGN_OR_RETURN(summary.latest.metadata,
                            get_metadata(*db_, kArtifactVersionOwner, summary.latest.id));
      artifacts.push_back(std::move(summary));
    }
    return artifacts;
  }

  Result<ArtifactVersionRecord> get_artifact_version(std::string_view name,
                                                     std::optional<int64_t> version) override {
    std::optional<Row> row;
    if (version) {
      TWIN_ASSIGN_OR_RETURN(
          row, db_->query_one(fmt::format("SELECT {} FROM artifact_versions av WHERE av.artifact = "
                                          "? AND av.version = ?",
                                          kVersionColumns),
                              {name, *version}));
    } else {
      TWIN_ASSIGN_OR_RETURN(
          row, db_->query_one(fmt::format("SELECT {} FROM artifact_versions av WHERE av.artifact = "
                                          "? ORDER BY av.version DESC LIMIT 1",
                                          kVersionColumns),
                              {name}));
    }
    if (!row) {
      return fail(Status::not_found(version
                                        ? fmt::format("no artifact version {}@{}", name, *version)
                                        : fmt::format("no artifact named '{}'", name)));
    }
    ArtifactVersionRecord record = version_from_row(*row);
    TWIN_ASSIGN_OR_RETURN(record.metadata, get_metadata(*db_, kArtifactVersionOwner, record.id));
    return record;
  }

 private:
  static Status insert_step_run(Connection& c, const StepRunRecord& r) {
    return db::status_of(
        c.execute(fmt::format("INSERT INTO step_runs ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              kStepRunColumns),
                  {r.id, r.run_id, r.step, to_string(r.status), r.cache_key, r.started_at,
                   r.ended_at, r.log_uri, r.error, r.attempts, r.cached_from}));
  }

  static Status link(Connection& c, std::string_view step_run_id, std::string_view direction,
                     std::string_view name, std::string_view version_id) {
    return db::status_of(
        c.execute("INSERT INTO step_artifacts (step_run_id, direction, name, artifact_version_id) "
                  "VALUES (?, ?, ?, ?)",
                  {step_run_id, direction, name, version_id}));
  }

  static Status insert_version(Connection& c, std::string_view step_run_id,
                               const NewArtifactVersion& output, int64_t now) {
    TWIN_RETURN_IF_ERROR(db::status_of(
        c.execute("INSERT INTO artifacts (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO "
                  "NOTHING",
                  {output.artifact, now})));
    TWIN_RETURN_IF_ERROR(
        c.lock_until_transaction_ends("twin.metadata.artifact:" + output.artifact));
    TWIN_ASSIGN_OR_RETURN(
        auto row, c.query_one("SELECT COALESCE(MAX(version), 0) FROM artifact_versions WHERE "
                              "artifact = ?",
                              {output.artifact}));
    const int64_t version = row ? row->int64(0) + 1 : 1;
    const std::string id = new_id();
    TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
        "INSERT INTO artifact_versions (id, artifact, version, content_hash, size, "
        "materializer, uri, producer_step_run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, "
        "?, ?, ?)",
        {id, output.artifact, version, output.content_hash, static_cast<int64_t>(output.size),
         output.materializer, output.uri, step_run_id, now})));
    TWIN_RETURN_IF_ERROR(link(c, step_run_id, "output", output.output_name, id));
    return put_metadata(c, kArtifactVersionOwner, id, output.metadata);
  }

  Result<std::vector<StepArtifactLink>> links_of(std::string_view step_run_id,
                                                 std::string_view direction) {
    TWIN_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT sa.step_run_id, sa.name, {} FROM step_artifacts "
                                          "sa JOIN artifact_versions av ON av.id = "
                                          "sa.artifact_version_id WHERE sa.step_run_id = ? AND "
                                          "sa.direction = ? ORDER BY sa.name",
                                          kVersionColumns),
                              {step_run_id, direction}));
    std::vector<StepArtifactLink> links;
    for (const auto& row : rows) {
      StepArtifactLink link{row.text(0), row.text(1), version_from_row(row, 2)};
      TWIN_ASSIGN_OR_RETURN(link.artifact.metadata,
                            get_metadata(*db_, kArtifactVersionOwner, link.artifact.id));
      links.push_back(std::move(link));
    }
    return links;
  }

  std::unique_ptr<db::Database> db_;
  std::mutex write_mutex_;
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> open_metadata_store(std::string_view uri,
                                                           const std::filesystem::path& base) {
  const std::string resolved = db::resolve_sqlite_uri(uri, base);
  if (!uri.starts_with("sqlite://") && !uri.starts_with("postgresql://") &&
      !uri.starts_with("postgres://")) {
    return fail(Status::invalid_argument(fmt::format(
        "TWIN_METADATA_URI '{}': unsupported (use sqlite://PATH or postgresql://...)", uri)));
  }
  TWIN_ASSIGN_OR_RETURN(auto database,
                        db::Database::open(resolved, {.create_database_if_missing = true}));
  TWIN_RETURN_IF_ERROR(db::migrate(*database, "metadata", metadata_migrations()));
  return std::unique_ptr<MetadataStore>(new SqlMetadataStore(std::move(database)));
}

}  // namespace twin::metadata
