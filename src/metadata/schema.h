// The metadata store's tables, as db/ migrations (one version line, module "metadata").
//
// Times are milliseconds since the epoch (BIGINT); JSON is TEXT. Metadata entries are rows
// (owner type, owner id, key) -> JSON value, for runs, step runs and artifact versions. Lineage
// is step_artifacts: (step run, direction 'input'/'output', name) -> artifact version.
#pragma once

#include <vector>

#include "twin/db/migrations.h"

namespace twin::metadata {

inline const std::vector<db::Migration>& metadata_migrations() {
  static const std::vector<db::Migration> migrations = {
      {1, "pipelines, runs, step runs, artifacts, lineage, metadata entries", R"sql(
CREATE TABLE pipelines (
  name TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE pipeline_runs (
  id TEXT PRIMARY KEY,
  pipeline TEXT NOT NULL REFERENCES pipelines(name),
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  config TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);
CREATE INDEX pipeline_runs_by_start ON pipeline_runs(started_at);
CREATE INDEX pipeline_runs_by_status ON pipeline_runs(status);
CREATE TABLE step_runs (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES pipeline_runs(id),
  step TEXT NOT NULL,
  status TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  log_uri TEXT NOT NULL,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  cached_from TEXT
);
CREATE INDEX step_runs_by_run ON step_runs(run_id);
CREATE INDEX step_runs_by_cache_key ON step_runs(cache_key, status);
CREATE TABLE artifacts (
  name TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE artifact_versions (
  id TEXT PRIMARY KEY,
  artifact TEXT NOT NULL REFERENCES artifacts(name),
  version BIGINT NOT NULL,
  content_hash TEXT NOT NULL,
  size BIGINT NOT NULL,
  materializer TEXT NOT NULL,
  uri TEXT NOT NULL,
  producer_step_run_id TEXT NOT NULL REFERENCES step_runs(id),
  created_at BIGINT NOT NULL,
  UNIQUE (artifact, version)
);
CREATE TABLE step_artifacts (
  step_run_id TEXT NOT NULL REFERENCES step_runs(id),
  direction TEXT NOT NULL,
  name TEXT NOT NULL,
  artifact_version_id TEXT NOT NULL REFERENCES artifact_versions(id),
  PRIMARY KEY (step_run_id, direction, name)
);
CREATE INDEX step_artifacts_by_version ON step_artifacts(artifact_version_id);
CREATE TABLE metadata_entries (
  owner_type TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (owner_type, owner_id, key)
);
)sql"},
  };
  return migrations;
}

}  // namespace twin::metadata
