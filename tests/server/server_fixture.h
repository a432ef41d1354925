// A TwinServer on a free loopback port over a scratch database (and a scratch SQLite warehouse),
// with an HTTP client for it.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <thread>

#include "support/scratch_database.h"
#include "twin/hub/hub_store.h"
#include "twin/registry/model_registry.h"
#include "twin/server/server.h"
#include "twin/tracking/tracking_store.h"
#include "twin/vectors/vector_store.h"

namespace twin {
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin

namespace twin::server {

class RunningServer {
 public:
  RunningServer(const std::string& database_uri, ServerOptions options) {
    auto database = db::Database::open(database_uri);
    if (!database) {
      error_ = database.error().to_string();
      return;
    }
    database_ = std::move(*database);
    // As `twin server` does: runs get mlflow-artifacts:/ URIs served from <artifacts>/mlruns.
    auto tracking =
        tracking::TrackingStore::open(*database_, std::string(tracking::kMlflowArtifactsRoot));
    auto metadata = metadata::open_metadata_store(database_uri);
    auto blobs = artifacts::LocalArtifactStore::open(artifacts_.path() / "blobs");
    if (!tracking || !metadata || !blobs) {
      error_ = !tracking   ? tracking.error().to_string()
               : !metadata ? metadata.error().to_string()
                           : blobs.error().to_string();
      return;
    }
    tracking_ = std::move(*tracking);
    metadata_ = std::move(*metadata);
    blobs_ = std::move(*blobs);
    auto registry = registry::ModelRegistry::open(
        *database_, {.artifacts = blobs_.get(), .tracking = tracking_.get()});
    if (!registry) {
      error_ = registry.error().to_string();
      return;
    }
    registry_ = std::move(*registry);
    auto hub = hub::HubStore::open(
        *database_, *blobs_,
        {.staging_dir = artifacts_.path() / "hub-staging", .registry = registry_.get()});
    if (!hub) {
      error_ = hub.error().to_string();
      return;
    }
    hub_ = std::move(*hub);
    if (options.mlflow_artifacts_dir.empty()) {
      options.mlflow_artifacts_dir = artifacts_.path() / "mlruns";
    }
    auto opened_warehouse =
        warehouse::Warehouse::open("sqlite://" + (artifacts_.path() / "warehouse.db").string());
    if (!opened_warehouse) {
      error_ = opened_warehouse.error().to_string();
      return;
    }
    warehouse_ = std::move(*opened_warehouse);
    auto opened_vectors =
        vectors::VectorStore::open_embedded((artifacts_.path() / "vectors").string());
    if (!opened_vectors) {
      error_ = opened_vectors.error().to_string();
      return;
    }
    vectors_ = std::move(*opened_vectors);
    options.port = 0;
    if (options.qdrant_port < 0) options.qdrant_port = 0;
    server_ = std::make_unique<TwinServer>(options, ServerStores{.tracking = tracking_.get(),
                                                                 .registry = registry_.get(),
                                                                 .metadata = metadata_.get(),
                                                                 .artifacts = blobs_.get(),
                                                                 .warehouse = warehouse_.get(),
                                                                 .vectors = vectors_.get(),
                                                                 .embedder = nullptr,
                                                                 .hub = hub_.get()});
    if (Status bound = server_->bind(); !bound.is_ok()) {
      error_ = bound.to_string();
      return;
    }
    thread_ = std::thread([this] { served_ = server_->serve(); });
  }

  ~RunningServer() { stop(); }

  // Stops the server and waits for serve() to return.
  void stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  const std::string& error() const { return error_; }
  int port() const { return server_->port(); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(30, 0);
    return c;
  }
  // The Qdrant API listener.
  int qdrant_port() const { return server_->qdrant_port(); }
  httplib::Client qdrant_client() const {
    httplib::Client c("127.0.0.1", qdrant_port());
    c.set_read_timeout(30, 0);
    return c;
  }
  vectors::VectorStore& vectors() { return *vectors_; }
  tracking::TrackingStore& tracking() { return *tracking_; }
  registry::ModelRegistry& registry() { return *registry_; }
  metadata::MetadataStore& metadata() { return *metadata_; }
  artifacts::ArtifactStore& blobs() { return *blobs_; }
  warehouse::Warehouse& warehouse() { return *warehouse_; }
  hub::HubStore& hub() { return *hub_; }
  const std::filesystem::path& artifacts() const { return artifacts_.path(); }

 private:
  testing_support::TempDir artifacts_;
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<tracking::TrackingStore> tracking_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<metadata::MetadataStore> metadata_;
  std::unique_ptr<artifacts::ArtifactStore> blobs_;
  std::unique_ptr<warehouse::Warehouse> warehouse_;
  std::unique_ptr<vectors::VectorStore> vectors_;
  std::unique_ptr<hub::HubStore> hub_;
  std::unique_ptr<TwinServer> server_;
  std::thread thread_;
  Status served_;
  std::string error_;
};

// One HTTP exchange's outcome, with the body parsed as JSON when it is.
struct JsonReply {
  int status = 0;
  nlohmann::json body;
  std::string raw;
  httplib::Headers headers;
};

inline JsonReply to_reply(const httplib::Result& result) {
  JsonReply reply;
  if (!result) {
    reply.status = -1;
    reply.raw = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.raw = result->body;
  reply.headers = result->headers;
  reply.body = nlohmann::json::parse(result->body, nullptr, false);
  return reply;
}

inline JsonReply post_json(httplib::Client& client, const std::string& path,
                           const nlohmann::json& body, const httplib::Headers& headers = {}) {
  return to_reply(client.Post(path, headers, body.dump(), "application/json"));
}

inline JsonReply get_json(httplib::Client& client, const std::string& path,
                          const httplib::Headers& headers = {}) {
  return to_reply(client.Get(path, headers));
}

inline JsonReply put_json(httplib::Client& client, const std::string& path,
                          const nlohmann::json& body, const httplib::Headers& headers = {}) {
  return to_reply(client.Put(path, headers, body.dump(), "application/json"));
}

}  // namespace twin::server
