// HubClient: twin as a Hugging Face Hub client (huggingface.co, or any server speaking its API,
// `twin server` included).
//
// Downloads land in the Hugging Face cache layout, so Python tools find what twin fetched and the
// reverse: <cache>/models--org--name/blobs/<etag> (the LFS SHA-256, or the git blob id of a small
// file), snapshots/<commit>/<path> as relative symlinks to those blobs, and refs/<revision> holding
// the commit. A blob is written to <blob>.incomplete first, resumed from there with a Range request
// when a download was cut, verified (SHA-256 for LFS files, the git blob id for others) and only
// then renamed into place; a blob already there is not fetched again.
//
// Uploads follow the Hub's protocol: preupload decides regular or LFS per file, LFS files go
// through the Git LFS batch API (basic or multipart PUTs to the URLs it returns; objects the
// server has are skipped), then one NDJSON commit names every file.
//
// Errors name the URL and the server's message; HTTP 401/403 is kFailedPrecondition (the token),
// 404 kNotFound. Not thread-safe: one client per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/hub/hub_store.h"

namespace twin::hub {

struct HubClientOptions {
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT
  std::string token;                                // HF_TOKEN / HUGGINGFACE_ACCESS_TOKEN
};

struct RemoteFile {
  std::string path;
  uint64_t size = 0;
  std::string oid;         // git blob id
  std::string lfs_sha256;  // "" for a regular file
  // The cache's name for the blob: the LFS SHA-256, else the git blob id.
  const std::string& etag() const { return lfs_sha256.empty() ? oid : lfs_sha256; }
};

struct DownloadRequest {
  RepoId repo;
  std::string revision = "main";
  std::vector<std::string> include;  // glob patterns (fnmatch); empty: every file
  std::filesystem::path cache_dir;   // the hub cache (HF_HUB_CACHE, HF_HOME/hub)
  std::filesystem::path output_dir;  // when set, the files are copied there too
};

struct DownloadResult {
  std::string commit;
  std::filesystem::path snapshot;  // <cache>/<repo folder>/snapshots/<commit>
  std::vector<RemoteFile> files;   // those selected
  uint64_t bytes_downloaded = 0;   // 0 when every blob was cached
};

struct UploadRequest {
  RepoId repo;
  std::filesystem::path path;  // a file (uploaded under its name) or a folder (its files)
  std::string message;         // the commit title; "" for "Upload N files with twin"
};

struct UploadResult {
  std::string commit;
  size_t files = 0;
  size_t lfs_files = 0;
  uint64_t bytes_uploaded = 0;  // LFS bytes sent (0 when the server had every object)
};

class HubClient {
 public:
  explicit HubClient(HubClientOptions options);

  // The commit a revision names.
  Result<std::string> resolve_commit(const RepoId& repo, const std::string& revision);
  // Every file of a revision (the tree, recursive, following its pages).
  Result<std::vector<RemoteFile>> list_files(const RepoId& repo, const std::string& revision);
  Result<DownloadResult> download(const DownloadRequest& request);
  // Creates the repo when missing, then commits the files to main.
  Result<UploadResult> upload(const UploadRequest& request);

 private:
  HubClientOptions options_;
};

// "models--org--name" or "datasets--org--name".
std::string cache_folder_name(const RepoId& repo);

// "org/name" or "datasets/org/name" (also "models/org/name") as a RepoId; `type` ("model",
// "dataset" or "") overrides the prefix.
Result<RepoId> parse_repo_argument(std::string_view text, std::string_view type);

}  // namespace twin::hub
