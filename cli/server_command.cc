// twin server [--host 127.0.0.1] [--port 8237]: the tracking server, model registry, MLflow REST
// API and dashboard over the project's metadata store. Stops cleanly on SIGTERM or Ctrl-C (exit 0):
// it stops accepting, finishes the requests in flight (each write is committed before it is
// acknowledged) and closes the database.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "command.h"
#include "twin/db/database.h"
#include "twin/embeddings/embedder.h"
#include "twin/hub/hub_store.h"
#include "twin/orchestrator/stores.h"
#include "twin/registry/model_registry.h"
#include "twin/server/server.h"
#include "twin/tracking/tracking_store.h"
#include "twin/vectors/vector_store.h"
#include "twin/warehouse/warehouse.h"

namespace twin::cli {
namespace {

struct ServerFlags {
  std::string host = "127.0.0.1";
  int port = 8237;
  std::string cors_origin;
  int threads = 8;
  size_t max_artifact_mb = 1024;
  int qdrant_port = 6333;  // Qdrant's own default, where its clients look
  bool qdrant_port_given = false;
  std::string qdrant_log;
  std::vector<std::string> allowed_hosts;
  bool show_token = false;
};

// Where mlflow-artifacts:/ URIs live: <artifact store folder>/mlruns for a file:// store; none
// (the proxy answers 503) for other stores.
std::filesystem::path mlflow_artifacts_dir(const artifacts::ArtifactStore& store) {
  constexpr std::string_view kFile = "file://";
  const std::string uri = store.uri();
  if (!uri.starts_with(kFile)) return {};
  return std::filesystem::path(uri.substr(kFile.size(), uri.find('?') - kFile.size())) / "mlruns";
}

// The built dashboard: TWIN_WEB_DIR when set, else web/ next to the twin-full binary (where the
// build puts it), else <prefix>/share/twin/web when twin-full is installed in
// <prefix>/libexec/twin/ (make install).
std::filesystem::path dashboard_dir(const Settings& settings) {
  if (auto dir = settings.get("TWIN_WEB_DIR"); dir && !dir->value.empty()) return dir->value;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const auto beside = exe.parent_path() / "web";
  if (std::filesystem::exists(beside, ec)) return beside;
  const auto prefix = exe.parent_path().parent_path().parent_path();
  return prefix / "share" / "twin" / "web";
}

// SIGINT and SIGTERM stop the server. They are caught by a handler, not waited for with
// sigwait in one thread with the others blocking them: threads that libraries start before
// main (OpenBLAS's pool) have them unblocked, and a signal the kernel gives one of those would
// kill the process at once. The handler, in whatever thread it runs, writes the signal's number
// to a pipe that the stopper thread reads; 0 on the pipe means "the server ended by itself".
int stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int signal_number) {
  const auto byte = static_cast<unsigned char>(signal_number);
  [[maybe_unused]] const ssize_t written = ::write(stop_pipe[1], &byte, 1);
}

Status install_stop_signals() {
  if (::pipe2(stop_pipe, O_CLOEXEC) != 0) {
    return Status::io(fmt::format("twin server: pipe: {}", std::strerror(errno)));
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  return Status::ok();
}

// The signal that stopped the server, or 0.
int wait_for_stop() {
  unsigned char byte = 0;
  while (::read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  return byte;
}

Result<int> run_server(Context& ctx, const ServerFlags& flags) {
  const std::string metadata_uri = ctx.settings().value_or("TWIN_METADATA_URI", "");
  TWIN_ASSIGN_OR_RETURN(auto database, db::Database::open(metadata_uri));
  // Runs get mlflow-artifacts:/ URIs, served by this server's artifact proxy.
  TWIN_ASSIGN_OR_RETURN(auto tracking, tracking::TrackingStore::open(
                                           *database, std::string(tracking::kMlflowArtifactsRoot)));
  TWIN_ASSIGN_OR_RETURN(orchestrator::Stores pipeline_stores,
                        orchestrator::open_stores(ctx.settings()));
  // Earlier versions gave experiments file://<artifact store>/mlruns/<id>, the same folder the
  // proxy serves as mlflow-artifacts:/<id>: move them so their new runs upload through it too.
  const std::string artifact_uri = ctx.settings().value_or("TWIN_ARTIFACT_URI", "");
  TWIN_RETURN_IF_ERROR(db::status_of(tracking->move_artifact_root(
      artifact_uri + "/mlruns", std::string(tracking::kMlflowArtifactsRoot))));
  TWIN_ASSIGN_OR_RETURN(auto registry, registry::ModelRegistry::open(
                                           *database, {.artifacts = pipeline_stores.artifacts.get(),
                                                       .tracking = tracking.get()}));
  // Hugging Face Hub repos: blobs in the artifact store, commits and refs beside the registry;
  // commits to model repos become registry versions.
  TWIN_ASSIGN_OR_RETURN(
      auto hub_store,
      hub::HubStore::open(
          *database, *pipeline_stores.artifacts,
          {.staging_dir = ctx.settings().state_dir() / "hub-uploads", .registry = registry.get()}));
  // The same warehouse `twin warehouse` uses (DATABASE_HOST, DATABASE_NAME), opened once; a
  // mongodb:// DATABASE_HOST fails here as it does there.
  TWIN_ASSIGN_OR_RETURN(auto warehouse, warehouse::Warehouse::open(ctx.settings()));
  // The vector store the pipelines write (embedded, or the Qdrant the settings name), served
  // through Qdrant's API.
  TWIN_ASSIGN_OR_RETURN(auto vector_store, vectors::VectorStore::open(ctx.settings()));
  // The dashboard's vector search embeds its text; a model that cannot be opened (the GloVe
  // table not installed, say) leaves only that search unavailable.
  auto embedder = embeddings::Embedder::open(ctx.settings());
  if (!embedder)
    spdlog::warn("vector search in the dashboard is off: {}", embedder.error().message());

  server::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.token = ctx.settings().value_or("TWIN_SERVER_TOKEN", "");
  options.cors_origin = flags.cors_origin;
  options.allowed_hosts = flags.allowed_hosts;
  options.threads = flags.threads;
  options.web_dir = dashboard_dir(ctx.settings());
  options.max_artifact_bytes = flags.max_artifact_mb * 1024 * 1024;
  options.mlflow_artifacts_dir = mlflow_artifacts_dir(*pipeline_stores.artifacts);
  options.qdrant_port = flags.qdrant_port;
  options.qdrant_port_optional = !flags.qdrant_port_given;
  options.qdrant_exchange_log = flags.qdrant_log;
  if (options.token.empty() && options.host != "127.0.0.1" && options.host != "localhost" &&
      options.host != "::1") {
    spdlog::warn(
        "listening on {} without TWIN_SERVER_TOKEN: anyone who can reach this address "
        "can read and write your experiments",
        options.host);
  }

  TWIN_RETURN_IF_ERROR(install_stop_signals());
  server::TwinServer http(options, {.tracking = tracking.get(),
                                    .registry = registry.get(),
                                    .metadata = pipeline_stores.metadata.get(),
                                    .artifacts = pipeline_stores.artifacts.get(),
                                    .warehouse = warehouse.get(),
                                    .vectors = vector_store.get(),
                                    .embedder = embedder ? embedder->get() : nullptr,
                                    .hub = hub_store.get()});
  TWIN_RETURN_IF_ERROR(http.bind());
  std::thread stopper([&http] {
    const int received = wait_for_stop();
    if (received != 0) {
      spdlog::info("{}: finishing requests in flight, then stopping", strsignal(received));
    }
    http.stop();
  });

  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  const std::string url = fmt::format("http://{}:{}", host, http.port());
  fmt::print("twin server: listening on {}/\n", url);
  // The token stays hidden unless asked for: stdout often ends up in logs and CI output.
  const std::string token = flags.show_token ? options.token : "<TWIN_SERVER_TOKEN>";
  fmt::print("  dashboard:  {}/{}\n", url, options.token.empty() ? "" : "?token=" + token);
  if (!options.token.empty() && !flags.show_token) {
    fmt::print("              (the token is hidden; --show-token prints the full address)\n");
  }
  fmt::print("  MLflow:     MLFLOW_TRACKING_URI={}{}\n", url,
             options.token.empty() ? "" : "  MLFLOW_TRACKING_TOKEN=<TWIN_SERVER_TOKEN>");
  fmt::print("  Hub:        HF_ENDPOINT={} HF_HUB_DISABLE_XET=1{}\n", url,
             options.token.empty() ? "" : "  HF_TOKEN=<TWIN_SERVER_TOKEN>");
  if (http.qdrant_port() > 0) {
    fmt::print("  Qdrant API: http://{}:{}/ ({}){}\n", host, http.qdrant_port(),
               vector_store->describe(),
               options.token.empty() ? "" : "  api-key: <TWIN_SERVER_TOKEN>");
  }
  std::fflush(stdout);

  const Status served = http.serve();
  on_stop_signal(0);  // wakes the stopper if no signal came
  stopper.join();
  TWIN_RETURN_IF_ERROR(served);
  spdlog::info("twin server stopped");
  return 0;
}

void add_server_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* cmd = twin.add_subcommand(
      "server", "Serve the experiment tracker, model registry, MLflow REST API and dashboard");
  auto flags = std::make_shared<ServerFlags>();
  cmd->add_option("--host", flags->host, "Address to listen on (loopback by default)")
      ->capture_default_str();
  cmd->add_option("--port", flags->port, "Port to listen on; 0 picks a free one")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--cors-origin", flags->cors_origin,
                  "Allow cross-origin API calls from this origin (none by default)");
  cmd->add_option("--threads", flags->threads, "Request worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--allowed-host", flags->allowed_hosts,
                  "A host name a loopback server answers besides localhost and 127.x.y.z "
                  "(repeatable; against DNS rebinding, others get 403)");
  cmd->add_flag("--show-token", flags->show_token,
                "Print the dashboard address with TWIN_SERVER_TOKEN in it (hidden by default)");
  cmd->add_option("--max-artifact-mb", flags->max_artifact_mb,
                  "Largest file MLflow clients may upload through the artifact proxy")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024 * 1024));
  cmd->add_option("--qdrant-port", flags->qdrant_port,
                  "Port of the Qdrant REST API over the vector store; 0 picks a free one, -1 "
                  "serves none (the default 6333 is skipped with a warning when taken)")
      ->capture_default_str()
      ->check(CLI::Range(-1, 65535))
      ->each([flags](const std::string&) { flags->qdrant_port_given = true; });
  cmd->add_option("--qdrant-log", flags->qdrant_log,
                  "Append every Qdrant API request and response to FILE, one JSON line each")
      ->type_name("FILE");
  cmd->footer(
      "Settings: TWIN_METADATA_URI (where experiments and models live), TWIN_ARTIFACT_URI,\n"
      "DATABASE_HOST and DATABASE_NAME (the data warehouse, as for `twin warehouse`),\n"
      "TWIN_SERVER_TOKEN (when set, API calls need 'Authorization: Bearer <token>'; open the\n"
      "dashboard once with /?token=<token>), TWIN_WEB_DIR (the built dashboard).");
  actions.on(cmd, [flags](Context& ctx) { return run_server(ctx, *flags); });
}

}  // namespace

TWIN_REGISTER_COMMAND(70, add_server_command);

}  // namespace twin::cli
