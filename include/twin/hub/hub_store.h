// HubStore: Hugging Face Hub repositories (models and datasets) kept by twin.
//
// A repo is a line of commits on branches (refs, "main" first); a commit is a whole snapshot: the
// list of its files, each a blob in the artifact store addressed by its SHA-256. Files come in as
// Hugging Face clients send them: small ("regular") files inside the commit request, large ("LFS")
// files uploaded first as objects named by their SHA-256 (receive_object) and then named in the
// commit by oid and size. Commit ids are 40 hex characters, as git's are; a regular file's `oid` is
// its git blob SHA-1 and an LFS file's the git SHA-1 of its pointer file, as the Hub reports them.
//
// A commit to a model repo also becomes the next version of the registry model of the same name
// (created when missing), with the commit's README.md as its card and source
// `hub://models/<name>@<commit>`; datasets have no registry counterpart.
//
// Tables hub_* live in the metadata database (migrations run on open). Thread-safety: every method
// may be called from any thread; each write is one transaction, so a failed call records nothing.
// Errors: unknown repo or revision -> kNotFound naming it (repo_exists() tells the two apart); an
// existing repo -> kAlreadyExists; a stale parent commit -> kFailedPrecondition; a bad path, an
// object that is not stored or whose bytes do not match -> kInvalidArgument.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/artifacts/artifact_store.h"
#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/registry/model_registry.h"

namespace twin::hub {

enum class RepoType { kModel, kDataset };
// "model" or "dataset".
std::string_view to_string(RepoType type);
// "model"/"models" or "dataset"/"datasets"; kInvalidArgument naming the word otherwise.
Result<RepoType> parse_repo_type(std::string_view word);

struct RepoId {
  RepoType type = RepoType::kModel;
  std::string name;  // "namespace/name"
  // "models/org/name" or "datasets/org/name": the key in the hub_* tables.
  std::string key() const;
  friend bool operator==(const RepoId&, const RepoId&) = default;
};

// kInvalidArgument unless `name` is "namespace/name", each part of letters, digits, '-', '_', '.'
// (not starting with '.', at most 96 characters).
Status validate_repo_name(std::string_view name);

// kInvalidArgument naming the path unless it is a relative '/'-separated path with no empty, "."
// or ".." part, no backslash or NUL, at most 1024 bytes.
Status validate_file_path(std::string_view path);

struct HubFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;   // the blob in the artifact store
  std::string git_oid;  // git blob SHA-1 (of the content, or of the LFS pointer when lfs)
  bool lfs = false;
  friend bool operator==(const HubFile&, const HubFile&) = default;
};

struct HubCommit {
  std::string id;      // 40 hex characters
  std::string parent;  // "" for a repo's first commit
  std::string title;
  std::string message;
  int64_t created_at_ms = 0;
  std::vector<HubFile> files;  // sorted by path
};

// One change of a commit.
struct FileChange {
  // kDeleteFolder removes every file below `path`.
  enum class Kind { kPut, kDelete, kDeleteFolder };
  Kind kind = Kind::kPut;
  std::string path;
  // kPut: the blob (already in the artifact store), its size, and whether it came as LFS.
  std::string sha256;
  uint64_t size = 0;
  bool lfs = false;
};

struct CommitRequest {
  std::string branch = "main";
  std::string title;
  std::string description;
  std::string parent_commit;  // "" for none; else the branch must still point there
  std::vector<FileChange> changes;
};

struct HubStoreOptions {
  // Where uploads are written while they are checked (created when missing). open() removes
  // what is older than a day there (left by a server that crashed mid-upload).
  std::filesystem::path staging_dir;
  // Commits to model repos become registry versions when set. Must outlive the store.
  registry::ModelRegistry* registry = nullptr;
};

// Reads the next piece of an upload into the sink; returns false when the body ended early or the
// sink refused. The shape of httplib's ContentReader, so the HTTP layer passes its own.
using ChunkSink = std::function<bool(const char* data, size_t length)>;
using BodyReader = std::function<bool(const ChunkSink& sink)>;

class HubStore {
 public:
  // The store and database must outlive the HubStore.
  static Result<std::unique_ptr<HubStore>> open(db::Database& database,
                                                artifacts::ArtifactStore& artifacts,
                                                HubStoreOptions options);

  // Creates the repo with an empty first commit on "main".
  Status create_repo(const RepoId& repo);
  // Deletes the repo's commits and refs (blobs stay: other repos may share them).
  Status delete_repo(const RepoId& repo);
  Result<bool> repo_exists(const RepoId& repo);
  // Branch names, "main" first.
  Result<std::vector<std::string>> branches(const RepoId& repo);
  // The commit a revision names: a branch name, a full commit id, or "HEAD" (main).
  Result<HubCommit> resolve(const RepoId& repo, std::string_view revision);
  // Records a commit on request.branch (created from main when missing); returns it.
  Result<HubCommit> commit(const RepoId& repo, const CommitRequest& request);

  // Stores a regular file's bytes; returns its blob.
  Result<artifacts::BlobInfo> store_bytes(std::string_view bytes);
  // True when an object of this sha256 and size is stored whole.
  bool has_object(std::string_view sha256, uint64_t size) const;
  // Streams an upload to a staging file and stores it only when it is exactly `size` bytes whose
  // SHA-256 is `sha256`: else kInvalidArgument (a mismatch, a body that ended early) and nothing
  // is stored. A body over `size` stops being read at once.
  Status receive_object(std::string_view sha256, uint64_t size, const BodyReader& body);
  // Multipart uploads: part `number` (1-based) of object `sha256`, kept in staging until
  // complete_parts(), which joins parts 1..count, checks size and SHA-256 as receive_object does,
  // stores the object and removes the parts. Returns the part's ETag ("<number>-<bytes>").
  Result<std::string> receive_part(std::string_view sha256, int number, uint64_t max_bytes,
                                   const BodyReader& body);
  Status complete_parts(std::string_view sha256, uint64_t size, int count);

  artifacts::ArtifactStore& artifacts() const { return artifacts_; }

 private:
  HubStore(db::Database& database, artifacts::ArtifactStore& artifacts, HubStoreOptions options)
      : database_(database), artifacts_(artifacts), options_(std::move(options)) {}
  Status record_registry_version(const RepoId& repo, const HubCommit& commit);

  db::Database& database_;
  artifacts::ArtifactStore& artifacts_;
  HubStoreOptions options_;
};

// Git's blob id of `bytes`: SHA-1 of "blob <size>\0<bytes>", 40 hex characters.
std::string git_blob_oid(std::string_view bytes);
// The Git LFS pointer file naming an object.
std::string lfs_pointer(std::string_view sha256, uint64_t size);
// Standard base64 (with or without padding); kInvalidArgument on other characters.
Result<std::string> decode_base64(std::string_view text);
// HMAC-SHA256 of `message` under `key`, as 64 hex characters.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace twin::hub
