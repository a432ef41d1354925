#include "twin/artifacts/materializers.h"

#include <algorithm>
#include <vector>

#include "twin/core/json.h"

namespace twin::artifacts {
namespace fs = std::filesystem;
using nlohmann::json;

Result<StoredArtifact> save_json(ArtifactStore& store, const json& value) {
  TWIN_ASSIGN_OR_RETURN(BlobInfo blob, store.put_bytes(value.dump()));
  return StoredArtifact{std::string(kJsonMaterializer), std::move(blob.hash), blob.size};
}

Result<json> load_json(const ArtifactStore& store, std::string_view hash) {
  TWIN_ASSIGN_OR_RETURN(std::string bytes, store.get_bytes(hash));
  Result<json> value = parse_json(bytes, fmt::format("artifact blob {}", hash));
  if (!value) return fail(Status::corruption(value.error().message()));
  return value;
}

Result<StoredArtifact> save_bytes(ArtifactStore& store, std::string_view bytes) {
  TWIN_ASSIGN_OR_RETURN(BlobInfo blob, store.put_bytes(bytes));
  return StoredArtifact{std::string(kBytesMaterializer), std::move(blob.hash), blob.size};
}

Result<StoredArtifact> save_file(ArtifactStore& store, const fs::path& file) {
  TWIN_ASSIGN_OR_RETURN(BlobInfo blob, store.put_file(file));
  return StoredArtifact{std::string(kFileMaterializer), std::move(blob.hash), blob.size};
}

Result<StoredArtifact> save_directory(ArtifactStore& store, const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return fail(Status::io(fmt::format("{}: cannot list: {}", dir.string(), ec.message())));
  std::ranges::sort(files);
  json entries = json::array();
  uint64_t total = 0;
  for (const fs::path& file : files) {
    TWIN_ASSIGN_OR_RETURN(BlobInfo blob, store.put_file(file));
    const auto permissions = fs::status(file, ec).permissions();
    const bool executable = (permissions & fs::perms::owner_exec) != fs::perms::none;
    entries.push_back({{"path", fs::relative(file, dir).generic_string()},
                       {"hash", blob.hash},
                       {"size", blob.size},
                       {"executable", executable}});
    total += blob.size;
  }
  const json manifest = {{"twin_directory_manifest", 1}, {"files", entries}};
  TWIN_ASSIGN_OR_RETURN(BlobInfo blob, store.put_bytes(manifest.dump()));
  return StoredArtifact{std::string(kDirectoryMaterializer), std::move(blob.hash), total};
}

Result<StoredArtifact> save_path(ArtifactStore& store, const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return save_directory(store, path);
  if (!fs::exists(path, ec))
    return fail(Status::not_found(fmt::format("{} does not exist", path.string())));
  return save_file(store, path);
}

namespace {

Result<json> load_manifest(const ArtifactStore& store, std::string_view hash) {
  TWIN_ASSIGN_OR_RETURN(json manifest, load_json(store, hash));
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_array()) {
    return fail(Status::corruption(fmt::format("blob {} is not a directory manifest", hash)));
  }
  return manifest;
}

Status export_directory(const ArtifactStore& store, std::string_view hash, const fs::path& dest) {
  TWIN_ASSIGN_OR_RETURN(json manifest, load_manifest(store, hash));
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) return Status::io(fmt::format("{}: cannot create: {}", dest.string(), ec.message()));
  for (const json& entry : manifest["files"]) {
    const fs::path relative = entry.value("path", "");
    if (relative.empty() || relative.is_absolute() ||
        relative.lexically_normal().string().starts_with("..")) {
      return Status::corruption(
          fmt::format("directory manifest {} has a bad path '{}'", hash, relative.string()));
    }
    const fs::path target = dest / relative;
    fs::create_directories(target.parent_path(), ec);
    // The manifest records each file's size: a blob truncated by a power loss before the store's
    // flush() is an error naming it, not a short file.
    const std::string file_hash = entry.value("hash", "");
    const std::optional<uint64_t> stored = store.blob_size(file_hash);
    if (stored && entry.contains("size") && *stored != entry.value("size", *stored)) {
      return Status::corruption(fmt::format("blob {} ({} in directory {}) has {} bytes, not {}",
                                            file_hash, relative.string(), hash, *stored,
                                            entry.value("size", *stored)));
    }
    TWIN_RETURN_IF_ERROR(store.copy_to_file(file_hash, target));
    if (entry.value("executable", false)) {
      fs::permissions(target,
                      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                      fs::perm_options::add, ec);
    }
  }
  return Status::ok();
}

}  // namespace

Status export_artifact(const ArtifactStore& store, std::string_view materializer,
                       std::string_view hash, const fs::path& destination) {
  if (materializer == kDirectoryMaterializer) return export_directory(store, hash, destination);
  if (materializer == kJsonMaterializer || materializer == kBytesMaterializer ||
      materializer == kFileMaterializer) {
    return store.copy_to_file(hash, destination);
  }
  return Status::invalid_argument(fmt::format("unknown materializer '{}'", materializer));
}

bool artifact_is_complete(const ArtifactStore& store, std::string_view materializer,
                          std::string_view hash, std::optional<uint64_t> size) {
  const std::optional<uint64_t> stored = store.blob_size(hash);
  if (!stored) return false;
  if (materializer != kDirectoryMaterializer) return !size || *stored == *size;
  // A truncated manifest does not parse; its files are checked against their recorded sizes.
  auto manifest = load_manifest(store, hash);
  if (!manifest) return false;
  return std::all_of(
      (*manifest)["files"].begin(), (*manifest)["files"].end(), [&store](const json& entry) {
        const std::optional<uint64_t> file = store.blob_size(entry.value("hash", ""));
        return file && entry.value("size", *file) == *file;
      });
}

}  // namespace twin::artifacts
