// MLflow's artifact proxy (what `mlflow server --serve-artifacts` serves), over a local folder:
//   PUT    /api/2.0/mlflow-artifacts/artifacts/<path>   upload one file (the raw body), {} back
//   GET    /api/2.0/mlflow-artifacts/artifacts/<path>   download it
//   GET    /api/2.0/mlflow-artifacts/artifacts?path=P   list a folder: {"files": [{"path" (base
//                                                       name), "is_dir", "file_size"}]}
//   DELETE /api/2.0/mlflow-artifacts/artifacts/<path>   delete a file or folder
// The URI mlflow-artifacts:/<path> names <root>/<path>; runs created by twin server get
// mlflow-artifacts:/<experiment_id>/<run_id>/artifacts.
//
// Paths never leave the root: absolute paths, empty, "." and ".." components (also when sent
// percent-encoded: the path is checked after decoding), NUL bytes and paths through a symlink are
// refused with INVALID_PARAMETER_VALUE 400. An upload is written to a temporary file beside its
// target and renamed into place, so readers see the old file or the whole new one; a body over
// max_artifact_bytes is REQUEST_LIMIT_EXCEEDED 413 and leaves nothing behind.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "twin/core/status.h"

namespace twin::server {

void add_mlflow_artifact_routes(httplib::Server& server, const std::filesystem::path& root,
                                size_t max_artifact_bytes);

// `relative` (a '/'-separated path from a client; "" is the root itself) resolved under `root`,
// or kInvalidArgument naming it when it would leave the root (see above).
Result<std::filesystem::path> resolve_artifact_path(const std::filesystem::path& root,
                                                    std::string_view relative);

// The folder or file an artifact URI names: mlflow-artifacts:/P (or mlflow-artifacts://host/P)
// under `proxy_root`, file:///P as is. kInvalidArgument for other schemes.
Result<std::filesystem::path> local_artifact_location(std::string_view uri,
                                                      const std::filesystem::path& proxy_root);

// The entries directly in `folder` as MLflow's FileInfo list, each path `prefix`/name (or name
// alone when `prefix` is empty), sorted by path; a missing folder lists as empty.
nlohmann::json list_artifact_folder(const std::filesystem::path& folder, const std::string& prefix);

}  // namespace twin::server
