// TwinServer: `twin server`'s HTTP server. It serves
//   /api/2.0/mlflow/...   the MLflow REST API (tracking and model registry), so MLflow clients
//                         and the MLflow callbacks of transformers/TRL log to twin unchanged;
//   /api/2.0/mlflow-artifacts/artifacts/...  MLflow's artifact proxy over mlflow_artifacts_dir
//                         (runs get artifact_uri mlflow-artifacts:/<experiment>/<run>/artifacts);
//   /api/whoami-v2, /api/models/..., /api/datasets/..., /<repo>/resolve/..., LFS batch
//                         the Hugging Face Hub API over the HubStore (src/server/hub_routes.h);
//   /api/twin/...         twin's own JSON API (pipelines, pipeline runs with their steps, logs,
//                         artifacts with lineage, preview and download, experiments, runs,
//                         metrics, models, health, the data warehouse's documents, the vector
//                         collections and a search over them);
//   /                     the dashboard (the built web/ app), when a web folder is given.
// and, on a second listener (qdrant_port, 6333 by default, where Qdrant clients look), Qdrant's
// REST API over the vector store (src/server/qdrant_routes.h), behind the same token (sent as
// Qdrant clients send it: an `api-key` header, or `Authorization: Bearer`).
//
// Security: binds where told (127.0.0.1 by default). With a token, every /api/ request needs
// `Authorization: Bearer <token>` or the cookie the dashboard gets by opening `/?token=<token>`
// once; otherwise 401. Bodies over max_body_bytes get 413 (artifact uploads: max_artifact_bytes),
// however they are framed: a chunked body is cut where it passes the limit. Compressed request
// bodies (Content-Encoding) get 415.
// Write requests must be JSON (Content-Type: application/json), so a web page elsewhere cannot post
// to the API without a CORS preflight, which is refused unless cors_origin names that page's
// origin. When bound to a loopback address, requests whose Host is not a loopback name (localhost,
// [::1], a 127.x.y.z literal) or one of allowed_hosts are refused with 403 (DNS rebinding).
//
// Errors use MLflow's shape {"error_code": "...", "message": "..."} with its HTTP statuses.
//
// Threading: each connection runs on a thread of its own (see ServerOptions::threads); slow
// clients are bounded by header_timeout and idle_timeout; the stores must be thread-safe and
// outlive the server. stop() may be called from any thread; serve() then stops accepting, lets
// in-flight requests finish (their writes are committed before they are acknowledged) and
// returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "twin/artifacts/artifact_store.h"
#include "twin/core/status.h"
#include "twin/embeddings/embedder.h"
#include "twin/hub/hub_store.h"
#include "twin/metadata/metadata_store.h"
#include "twin/registry/model_registry.h"
#include "twin/tracking/tracking_store.h"
#include "twin/vectors/vector_store.h"
#include "twin/warehouse/warehouse.h"

namespace twin::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8237;    // 0 picks a free port (see TwinServer::port)
  std::string token;  // TWIN_SERVER_TOKEN; empty means no authentication
  size_t max_body_bytes = size_t{16} * 1024 * 1024;
  // The largest file an MLflow client may upload through the artifact proxy, and the largest
  // Hub LFS object.
  size_t max_artifact_bytes = size_t{1024} * 1024 * 1024;
  // Hub uploads: files from this size on go through LFS; LFS objects past the chunk size are
  // uploaded in parts of that size.
  size_t hub_lfs_threshold_bytes = size_t{10} << 20;
  size_t hub_multipart_chunk_bytes = size_t{16} << 20;
  // Where mlflow-artifacts:/ paths live (<TWIN_ARTIFACT_URI folder>/mlruns); empty: the artifact
  // proxy answers 503.
  std::filesystem::path mlflow_artifacts_dir;
  std::filesystem::path web_dir;  // the built dashboard (index.html, assets/); empty: none
  std::string cors_origin;  // an origin allowed cross-origin access ("*" for any); empty: none
  // Host names a loopback server answers besides localhost, [::1] and 127.x.y.z literals (a name
  // in /etc/hosts, say); compared ignoring case, without the port.
  std::vector<std::string> allowed_hosts;
  // Every connection has a thread of its own (so slow or idle clients hold only themselves);
  // `threads` are started up front, more on demand. Past max_connections in all, or
  // max_connections_per_client from one address, a new connection gets 503 and is closed.
  int threads = 8;
  // The Qdrant API's port: 0 picks a free port, -1 serves no Qdrant API.
  int qdrant_port = -1;
  // True: a Qdrant port that cannot be bound is a warning and the server runs without it (for
  // the default port, which a real Qdrant may hold); false: bind() fails.
  bool qdrant_port_optional = false;
  // When set, every Qdrant API exchange is appended to this file as one JSON line {"method",
  // "path", "request", "status", "response"} (`twin server --qdrant-log`), which is how the tests
  // check the wire traffic against Qdrant's OpenAPI schema.
  std::filesystem::path qdrant_exchange_log;
  size_t max_connections = 500;
  size_t max_connections_per_client = 250;
  // From a request's first byte to the end of its headers; then the connection is closed.
  std::chrono::milliseconds header_timeout{10'000};
  // A keep-alive connection idle this long between requests is closed.
  std::chrono::milliseconds idle_timeout{5'000};
};

// What the server serves. Every pointer must outlive the server. tracking and registry are
// required; without metadata and artifacts the pipeline, run and artifact views answer that they
// are unavailable, and without a warehouse the warehouse view does.
struct ServerStores {
  tracking::TrackingStore* tracking = nullptr;
  registry::ModelRegistry* registry = nullptr;
  metadata::MetadataStore* metadata = nullptr;
  artifacts::ArtifactStore* artifacts = nullptr;
  warehouse::Warehouse* warehouse = nullptr;
  vectors::VectorStore* vectors = nullptr;  // without it the Qdrant API answers 503
  // Embeds the dashboard's vector search text; without it that search answers 503.
  embeddings::Embedder* embedder = nullptr;
  // Hugging Face Hub repos (src/server/hub_routes.h); without it the Hub API answers 503.
  hub::HubStore* hub = nullptr;
};

class TwinServer {
 public:
  TwinServer(ServerOptions options, const ServerStores& stores);
  ~TwinServer();
  TwinServer(const TwinServer&) = delete;
  TwinServer& operator=(const TwinServer&) = delete;

  // Binds the listening socket. kUnavailable naming host:port when it cannot (in use, bad host).
  Status bind();
  // The bound port (after bind()).
  int port() const;
  // The bound Qdrant API port, or -1 when there is none.
  int qdrant_port() const;
  // Accepts requests until stop(); returns once in-flight requests are done.
  Status serve();
  // Thread-safe; returns at once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The MLflow error code and HTTP status for a Status (the one place this mapping lives):
// invalid_argument -> INVALID_PARAMETER_VALUE 400, not_found -> RESOURCE_DOES_NOT_EXIST 404,
// already_exists -> RESOURCE_ALREADY_EXISTS 400, failed_precondition -> INVALID_STATE 400,
// unavailable/cancelled -> TEMPORARILY_UNAVAILABLE 503, others -> INTERNAL_ERROR 500.
struct HttpError {
  int http_status;
  std::string_view error_code;
};
HttpError http_error_for(const Status& status);

}  // namespace twin::server
