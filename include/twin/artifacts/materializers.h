// Materializers: how values become blobs in an ArtifactStore and back.
//
// Four materializers, named in metadata records by their string:
//   "json"       any JSON value; any C++ type with nlohmann to_json/from_json
//   (save_value/load_value) "bytes"      raw bytes "file"       one regular file "directory"  a
//   folder tree: each file is a blob, and a JSON manifest (relative path, hash,
//                size, executable bit) is the artifact's blob, so equal trees share one hash
// A StoredArtifact's hash is the content hash recorded for the artifact version (and used in
// cache keys). All functions are as thread-safe as the store they use.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "twin/artifacts/artifact_store.h"
#include "twin/core/status.h"

namespace twin::artifacts {

inline constexpr std::string_view kJsonMaterializer = "json";
inline constexpr std::string_view kBytesMaterializer = "bytes";
inline constexpr std::string_view kFileMaterializer = "file";
inline constexpr std::string_view kDirectoryMaterializer = "directory";

struct StoredArtifact {
  std::string materializer;
  std::string hash;   // content hash of the blob (for a directory: of its manifest)
  uint64_t size = 0;  // bytes of content (for a directory: of all its files)
};

Result<StoredArtifact> save_json(ArtifactStore& store, const nlohmann::json& value);
// kCorruption naming the hash when the blob is not JSON.
Result<nlohmann::json> load_json(const ArtifactStore& store, std::string_view hash);

template <typename T>
Result<StoredArtifact> save_value(ArtifactStore& store, const T& value) {
  return save_json(store, nlohmann::json(value));
}

// kInvalidArgument when the JSON does not convert to T.
template <typename T>
Result<T> load_value(const ArtifactStore& store, std::string_view hash) {
  TWIN_ASSIGN_OR_RETURN(nlohmann::json json, load_json(store, hash));
  try {
    return json.get<T>();
  } catch (const nlohmann::json::exception& error) {
    return fail(Status::invalid_argument(
        fmt::format("artifact {} does not convert to the requested type: {}", hash, error.what())));
  }
}

Result<StoredArtifact> save_bytes(ArtifactStore& store, std::string_view bytes);
Result<StoredArtifact> save_file(ArtifactStore& store, const std::filesystem::path& file);
Result<StoredArtifact> save_directory(ArtifactStore& store, const std::filesystem::path& dir);
// save_directory for a folder, save_file otherwise; kNotFound when `path` does not exist.
Result<StoredArtifact> save_path(ArtifactStore& store, const std::filesystem::path& path);

// Writes an artifact to `destination`: the bytes for json/bytes/file, the tree for directory
// (created; existing files in it are replaced). kInvalidArgument for an unknown materializer.
Status export_artifact(const ArtifactStore& store, std::string_view materializer,
                       std::string_view hash, const std::filesystem::path& destination);

// True when every blob the artifact needs is in the store with the size it was stored with (a
// directory needs its manifest and every file, each with the size its manifest records; `size`,
// the artifact's recorded size, is checked for the other materializers when given). A cache hit
// whose blobs were deleted, or truncated by a power loss before the store's flush(), must be
// treated as a miss.
bool artifact_is_complete(const ArtifactStore& store, std::string_view materializer,
                          std::string_view hash, std::optional<uint64_t> size = std::nullopt);

}  // namespace twin::artifacts
