#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "twin/artifacts/artifact_store.h"
#include "twin/artifacts/content_hash.h"
#include "twin/core/file_io.h"

namespace twin::artifacts {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// A name no other thread or process will pick for its temporary file.
std::string unique_temporary_name() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{}-{}-{:x}.tmp", ::getpid(), counter.fetch_add(1), random());
}

// Writes `bytes` to `path`, and fsyncs it when `sync`.
Status write_file(const fs::path& path, std::string_view bytes, bool sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::io(fmt::format("{}: cannot create: {}", path.string(), errno_text()));
  if (!write_all(fd, bytes)) {
    const std::string error = errno_text();
    ::close(fd);
    return Status::io(fmt::format("{}: write failed: {}", path.string(), error));
  }
  if (sync && ::fsync(fd) != 0) {
    const std::string error = errno_text();
    ::close(fd);
    return Status::io(fmt::format("{}: fsync failed: {}", path.string(), error));
  }
  ::close(fd);
  return Status::ok();
}

void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// fsyncs a file (or folder); a file deleted since it was written is not an error.
Status fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::io(fmt::format("{}: cannot open to fsync: {}", path.string(), errno_text()));
  }
  const int synced = ::fsync(fd);
  const std::string error = synced != 0 ? errno_text() : std::string();
  ::close(fd);
  if (synced != 0) return Status::io(fmt::format("{}: fsync failed: {}", path.string(), error));
  return Status::ok();
}

Status check_hash(std::string_view hash) {
  if (is_content_hash(hash)) return Status::ok();
  return Status::invalid_argument(fmt::format("'{}' is not a SHA-256 content hash", hash));
}

// The durability mode of a `fsync=MODE` URI option.
Result<Durability> parse_durability(std::string_view uri, std::string_view option) {
  constexpr std::string_view kKnown = "fsync=each|batch|none (also true|false)";
  if (!option.starts_with("fsync=")) {
    return fail(Status::invalid_argument(fmt::format(
        "TWIN_ARTIFACT_URI '{}': unknown option '{}' (known: {})", uri, option, kKnown)));
  }
  const std::string_view mode = option.substr(6);
  if (mode == "each" || mode == "true" || mode == "1") return Durability::kEach;
  if (mode == "batch") return Durability::kBatch;
  if (mode == "none" || mode == "false" || mode == "0") return Durability::kNone;
  return fail(Status::invalid_argument(fmt::format(
      "TWIN_ARTIFACT_URI '{}': unknown fsync mode '{}' (known: {})", uri, mode, kKnown)));
}

}  // namespace

std::string_view to_string(Durability durability) {
  switch (durability) {
    case Durability::kEach:
      return "each";
    case Durability::kBatch:
      return "batch";
    case Durability::kNone:
      return "none";
  }
  return "unknown";
}

Result<std::unique_ptr<LocalArtifactStore>> LocalArtifactStore::open(const fs::path& root,
                                                                     LocalStoreOptions options) {
  std::error_code ec;
  if (!options.create_missing && !fs::exists(root, ec)) {
    return std::unique_ptr<LocalArtifactStore>(new LocalArtifactStore(fs::absolute(root), options));
  }
  fs::create_directories(root / "tmp", ec);
  if (ec) {
    return fail(Status::io(
        fmt::format("artifact store {}: cannot create: {}", root.string(), ec.message())));
  }
  return std::unique_ptr<LocalArtifactStore>(new LocalArtifactStore(fs::absolute(root), options));
}

std::string LocalArtifactStore::uri() const { return "file://" + root_.string(); }

std::string LocalArtifactStore::blob_uri(std::string_view hash) const {
  return "file://" + blob_path(hash).string();
}

fs::path LocalArtifactStore::blob_path(std::string_view hash) const {
  const std::string name(hash);
  return root_ / name.substr(0, 2) / name;
}

Result<BlobInfo> LocalArtifactStore::commit_temporary(const fs::path& temporary, std::string hash,
                                                      uint64_t size) {
  const fs::path target = blob_path(hash);
  std::error_code ec;
  if (fs::exists(target, ec) && fs::file_size(target, ec) == size) {
    fs::remove(temporary, ec);  // deduplicated: the same content is there already
    remember_unflushed(target);
    return BlobInfo{std::move(hash), size};
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    fs::remove(temporary, ec);
    return fail(Status::io(
        fmt::format("{}: cannot create: {}", target.parent_path().string(), ec.message())));
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    const std::string error = errno_text();
    fs::remove(temporary, ec);
    return fail(Status::io(fmt::format("{}: rename failed: {}", target.string(), error)));
  }
  if (options_.durability == Durability::kEach) {
    fsync_directory(target.parent_path());
  } else {
    remember_unflushed(target);
  }
  return BlobInfo{std::move(hash), size};
}

void LocalArtifactStore::remember_unflushed(const fs::path& blob) {
  if (options_.durability != Durability::kBatch) return;
  std::lock_guard lock(pending_mutex_);
  pending_.push_back(blob);
}

Result<BlobInfo> LocalArtifactStore::put_bytes(std::string_view bytes) {
  std::string hash = sha256_hex(bytes);
  const fs::path target = blob_path(hash);
  std::error_code ec;
  if (fs::exists(target, ec) && fs::file_size(target, ec) == bytes.size()) {
    remember_unflushed(target);
    return BlobInfo{std::move(hash), bytes.size()};
  }
  const fs::path temporary = root_ / "tmp" / unique_temporary_name();
  if (Status written = write_file(temporary, bytes, options_.durability == Durability::kEach);
      !written.is_ok()) {
    fs::remove(temporary, ec);
    return fail(written);
  }
  return commit_temporary(temporary, std::move(hash), bytes.size());
}

Result<BlobInfo> LocalArtifactStore::put_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Status::io(fmt::format("{}: cannot read: {}", file.string(), errno_text())));
  const fs::path temporary = root_ / "tmp" / unique_temporary_name();
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(Status::io(fmt::format("{}: cannot create: {}", temporary.string(), errno_text())));
  }
  Sha256 hasher;
  uint64_t size = 0;
  std::array<char, 1 << 16> buffer{};
  Status status;
  while (status.is_ok() && in) {
    in.read(buffer.data(), buffer.size());
    const auto n = static_cast<size_t>(in.gcount());
    hasher.update(std::string_view(buffer.data(), n));
    size += n;
    if (!write_all(fd, std::string_view(buffer.data(), n))) {
      status = Status::io(fmt::format("{}: write failed: {}", temporary.string(), errno_text()));
    }
  }
  if (status.is_ok() && in.bad()) status = Status::io(fmt::format("{}: read error", file.string()));
  if (status.is_ok() && options_.durability == Durability::kEach && ::fsync(fd) != 0) {
    status = Status::io(fmt::format("{}: fsync failed: {}", temporary.string(), errno_text()));
  }
  ::close(fd);
  std::error_code ec;
  if (!status.is_ok()) {
    fs::remove(temporary, ec);
    return fail(status);
  }
  return commit_temporary(temporary, hasher.hex_digest(), size);
}

Result<std::string> LocalArtifactStore::get_bytes(std::string_view hash) const {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  const fs::path path = blob_path(hash);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found(fmt::format("blob {} is not in {}", hash, uri())));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return fail(Status::io(fmt::format("{}: read error", path.string())));
  return bytes;
}

Status LocalArtifactStore::copy_to_file(std::string_view hash, const fs::path& destination) const {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  const fs::path source = blob_path(hash);
  std::error_code ec;
  if (!fs::exists(source, ec)) {
    return Status::not_found(fmt::format("blob {} is not in {}", hash, uri()));
  }
  const fs::path temporary = destination.string() + "." + unique_temporary_name();
  fs::copy_file(source, temporary, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    return Status::io(
        fmt::format("{}: cannot copy blob {}: {}", destination.string(), hash, ec.message()));
  }
  fs::rename(temporary, destination, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    return Status::io(fmt::format("{}: rename failed: {}", destination.string(), ec.message()));
  }
  return Status::ok();
}

bool LocalArtifactStore::contains(std::string_view hash) const {
  if (!is_content_hash(hash)) return false;
  std::error_code ec;
  return fs::is_regular_file(blob_path(hash), ec);
}

std::optional<uint64_t> LocalArtifactStore::blob_size(std::string_view hash) const {
  if (!is_content_hash(hash)) return std::nullopt;
  std::error_code ec;
  const fs::path path = blob_path(hash);
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  const uint64_t size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  return size;
}

Status LocalArtifactStore::flush() {
  std::vector<fs::path> pending;
  {
    std::lock_guard lock(pending_mutex_);
    pending.swap(pending_);
  }
  if (pending.empty()) return Status::ok();
  // One syncfs() writes back every dirty page and commits the journal once, which makes all the
  // pending blobs, their renames and their folders durable; it was 5-40x faster than an fsync per
  // pending file and folder (each of which commits the journal again). Only where syncfs() is
  // unavailable, fsync each pending file and its folder: after a failed syncfs() a fresh fsync
  // could miss the writeback error, so that error is returned instead.
  Status status;
  const int root = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    status = Status::io(fmt::format("cannot open: {}", errno_text()));
  } else {
    const int synced = ::syncfs(root);
    const int error = errno;
    ::close(root);
    if (synced == 0) return Status::ok();
    if (error == ENOSYS) {
      for (const auto& path : pending) {
        if (status.is_ok()) status = fsync_path(path, O_RDONLY);
        if (status.is_ok()) status = fsync_path(path.parent_path(), O_RDONLY | O_DIRECTORY);
      }
    } else {
      status = Status::io(fmt::format("syncfs failed: {}", std::strerror(error)));
    }
  }
  if (!status.is_ok()) {
    std::lock_guard lock(pending_mutex_);
    pending_.insert(pending_.end(), pending.begin(), pending.end());  // a later flush() retries
    return status.with_context(fmt::format("artifact store {}: flush", root_.string()));
  }
  return Status::ok();
}

Status LocalArtifactStore::remove(std::string_view hash) {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  std::error_code ec;
  fs::remove(blob_path(hash), ec);
  if (ec)
    return Status::io(fmt::format("{}: cannot delete: {}", blob_path(hash).string(), ec.message()));
  return Status::ok();
}

Result<std::unique_ptr<ArtifactStore>> open_artifact_store(std::string_view uri,
                                                           const fs::path& base,
                                                           bool create_missing) {
  std::string_view path = uri;
  LocalStoreOptions options;
  options.create_missing = create_missing;
  if (const auto query = path.find('?'); query != std::string_view::npos) {
    const std::string_view parameters = path.substr(query + 1);
    path = path.substr(0, query);
    TWIN_ASSIGN_OR_RETURN(options.durability, parse_durability(uri, parameters));
  }
  if (path.starts_with("file://")) {
    path.remove_prefix(7);
  } else if (const auto scheme = uri.find("://"); scheme != std::string_view::npos) {
    return fail(Status::invalid_argument(fmt::format(
        "TWIN_ARTIFACT_URI '{}': unsupported scheme '{}' (supported: file://, and s3:// "
        "when opened with the settings)",
        uri, uri.substr(0, scheme))));
  }
  if (path.empty()) {
    return fail(Status::invalid_argument(fmt::format("TWIN_ARTIFACT_URI '{}': empty path", uri)));
  }
  fs::path root(path);
  if (root.is_relative() && !base.empty()) root = base / root;
  TWIN_ASSIGN_OR_RETURN(auto store, LocalArtifactStore::open(root, options));
  return std::unique_ptr<ArtifactStore>(std::move(store));
}

}  // namespace twin::artifacts
