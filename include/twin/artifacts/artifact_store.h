// The artifact store: a content-addressed blob store (SHA-256).
//
// A blob is addressed by the SHA-256 of its bytes, so storing the same bytes twice keeps one
// copy. Writes are atomic: a reader sees a whole blob or none (the local backend writes a
// temporary file and renames it into place). When a blob is durable (survives a power loss) depends
// on the store's durability mode: see LocalStoreOptions and flush(). Backends: `file://PATH`
// (LocalArtifactStore, the default `<state>/artifacts`) and `s3://bucket/prefix`
// (S3ArtifactStore, s3_artifact_store.h). Open one with open_artifact_store().
//
// Thread-safety: every method may be called from many threads and many processes at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin {
class Settings;
}

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

  // True when the blob is present.
  virtual bool contains(std::string_view hash) const = 0;
  // The stored blob's size in bytes, or nullopt when absent. A blob whose size differs from the
  // one recorded when it was stored was truncated (e.g. a power loss before flush()) and must be
  // treated as missing.
  virtual std::optional<uint64_t> blob_size(std::string_view hash) const = 0;
  // Deletes a blob; deleting an absent blob is not an error.
  virtual Status remove(std::string_view hash) = 0;

  // Makes every blob this object stored before the call durable (it survives a power loss once
  // flush() returns ok). A no-op when nothing is pending (nothing written, or a store that makes
  // each blob durable as it is written). Errors are kIo; the blobs stay pending, so a later
  // flush() tries again.
  virtual Status flush() = 0;
};

// When the local store's blobs reach the disk. Every mode writes a blob to a temporary file and
// renames it into place, so a blob is atomic against a crash of twin itself (kill -9): the page
// cache outlives the process. The modes differ only on a power loss or kernel crash.
enum class Durability {
  // `?fsync=each` (or `fsync=true`): fsync each blob before the rename and its folder after, so a
  // blob is durable when put_*() returns. About two disk flushes per new blob (~7 ms here).
  kEach,
  // `?fsync=batch`, the default: no fsync per blob; the store remembers the blobs it stored since
  // the last flush() and flush() makes them all durable with one syncfs() of the store's
  // filesystem (measured: 3-50 ms for 100 blobs, against 140-400 ms for an fsync of each pending
  // file and folder). Until then a power loss may lose or truncate a recent blob: a caller that
  // trusts a blob later must check it against its recorded size (blob_size(),
  // artifact_is_complete()), and must flush() before it records as final anything that cannot be
  // checked that way (the runner flushes once before it records a run as finished).
  kBatch,
  // `?fsync=false` (or `none`): never fsync; flush() does nothing. For scratch stores and
  // benchmarks.
  kNone,
};

// "each", "batch" or "none".
std::string_view to_string(Durability durability);

struct LocalStoreOptions {
  Durability durability = Durability::kBatch;
  // False for readers: a missing folder is left uncreated and reads as an empty store (writes
  // then fail naming the folder).
  bool create_missing = true;
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
  std::optional<uint64_t> blob_size(std::string_view hash) const override;
  Status remove(std::string_view hash) override;
  Status flush() override;

  Durability durability() const { return options_.durability; }

  // The file holding a blob (it may not exist).
  std::filesystem::path blob_path(std::string_view hash) const;

 private:
  LocalArtifactStore(std::filesystem::path root, LocalStoreOptions options)
      : root_(std::move(root)), options_(options) {}
  Result<BlobInfo> commit_temporary(const std::filesystem::path& temporary, std::string hash,
                                    uint64_t size);
  // kBatch: notes a blob that flush() must make durable. A deduplicated blob counts too: another
  // process may have written it and not flushed yet.
  void remember_unflushed(const std::filesystem::path& blob);
  std::filesystem::path root_;
  LocalStoreOptions options_;
  // kBatch: blobs stored since the last flush() (their paths, for the fallback when syncfs() is
  // unavailable). Guarded by pending_mutex_.
  std::mutex pending_mutex_;
  std::vector<std::filesystem::path> pending_;
};

// Opens the store a URI names: `file://PATH[?fsync=MODE]` (PATH absolute, or relative to `base`)
// or a bare path. MODE is `each` (also `true`, `1`), `batch` (the default) or `none` (also
// `false`, `0`); see Durability. An unknown mode or option, and unknown schemes, are
// kInvalidArgument naming the URI; so is s3:// here, which needs the overload below. With
// `create_missing` false, a missing local folder is not created (see LocalStoreOptions).
Result<std::unique_ptr<ArtifactStore>> open_artifact_store(std::string_view uri,
                                                           const std::filesystem::path& base = {},
                                                           bool create_missing = true);

// As above, relative paths under settings.root(), and also `s3://bucket/prefix`, whose AWS
// configuration (credentials chain, region, endpoint override) comes from `settings`
// (cloud/aws_config.h). Missing credentials are an error here; a missing bucket is reported by
// the first request, naming it.
Result<std::unique_ptr<ArtifactStore>> open_artifact_store(std::string_view uri,
                                                           const Settings& settings,
                                                           bool create_missing = true);

}  // namespace twin::artifacts
