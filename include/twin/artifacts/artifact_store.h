// The artifact store: a content-addressed blob store (SHA-256).
//
// A blob is addressed by the SHA-256 of its bytes, so storing the same bytes twice keeps one
// copy. Writes are atomic: a reader sees a whole blob or none (the local backend writes a
// temporary file, fsyncs it and renames it into place). Backends: `file://PATH`
// (LocalArtifactStore, the default `<state>/artifacts`); an S3 backend (`s3://bucket/prefix`)
// implements the same interface. Open one with open_artifact_store().
//
// Thread-safety: every method may be called from many threads and many processes at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "twin/core/status.h"

namespace twin::artifacts {

struct BlobInfo {
  std::string hash;   // 64 lowercase hex characters (SHA-256)
  uint64_t size = 0;  // bytes
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;

  // The URI the store was opened with, e.g. "file:///home/me/proj/.twin/artifacts".
  virtual std::string uri() const = 0;
  // Where a blob lives, for people and for lineage records ("file:///.../ab/abcd...").
  virtual std::string blob_uri(std::string_view hash) const = 0;

  // Stores bytes; returns their hash. Storing existing content is cheap and returns the same hash.
  virtual Result<BlobInfo> put_bytes(std::string_view bytes) = 0;
  // Stores a regular file's content (streamed, not read into memory at once).
  virtual Result<BlobInfo> put_file(const std::filesystem::path& file) = 0;

  // A blob's bytes; kNotFound naming the hash when absent.
  virtual Result<std::string> get_bytes(std::string_view hash) const = 0;
  // Writes a blob to `destination` (replacing it atomically); kNotFound when absent.
  virtual Status copy_to_file(std::string_view hash,
                              const std::filesystem::path& destination) const = 0;

  // True when the blob is present (and, for the local backend, has the recorded size).
  virtual bool contains(std::string_view hash) const = 0;
  // Deletes a blob; deleting an absent blob is not an error.
  virtual Status remove(std::string_view hash) = 0;
};

struct LocalStoreOptions {
  // fsync each blob before renaming it into place (and its folder after), so a blob survives a
  // power loss. Off (`file://PATH?fsync=false`) a blob is still atomic against crashes of twin
  // itself (kill -9), since the page cache outlives the process; for scratch stores and
  // benchmarks.
  bool fsync = true;
};

// A store under a local folder: blobs at <root>/<first 2 hex>/<hash>, temporaries in <root>/tmp.
class LocalArtifactStore final : public ArtifactStore {
 public:
  // Creates the folder when missing; kIo when that fails.
  static Result<std::unique_ptr<LocalArtifactStore>> open(const std::filesystem::path& root,
                                                          LocalStoreOptions options = {});

  std::string uri() const override;
  std::string blob_uri(std::string_view hash) const override;
  Result<BlobInfo> put_bytes(std::string_view bytes) override;
  Result<BlobInfo> put_file(const std::filesystem::path& file) override;
  Result<std::string> get_bytes(std::string_view hash) const override;
  Status copy_to_file(std::string_view hash,
                      const std::filesystem::path& destination) const override;
  bool contains(std::string_view hash) const override;
  Status remove(std::string_view hash) override;

  // The file holding a blob (it may not exist).
  std::filesystem::path blob_path(std::string_view hash) const;

 private:
  LocalArtifactStore(std::filesystem::path root, LocalStoreOptions options)
      : root_(std::move(root)), options_(options) {}
  Result<BlobInfo> commit_temporary(const std::filesystem::path& temporary, std::string hash,
                                    uint64_t size);
  std::filesystem::path root_;
  LocalStoreOptions options_;
};

// Opens the store a URI names: `file://PATH[?fsync=false]` (PATH absolute, or relative to `base`)
// or a bare path. Unknown schemes (s3:// until its backend exists) are kInvalidArgument naming the
// URI.
Result<std::unique_ptr<ArtifactStore>> open_artifact_store(std::string_view uri,
                                                           const std::filesystem::path& base = {});

}  // namespace twin::artifacts
