#include "twin/artifacts/s3_artifact_store.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <random>

#include "twin/artifacts/content_hash.h"
#include "twin/cloud/aws_config.h"
#include "twin/core/settings.h"

namespace twin::artifacts {
namespace {

Status check_hash(std::string_view hash) {
  if (is_content_hash(hash)) return Status::ok();
  return Status::invalid_argument(
      fmt::format("'{}' is not a content hash (64 lowercase hex characters)", hash));
}

}  // namespace

S3ArtifactStore::S3ArtifactStore(std::unique_ptr<cloud::S3Client> client,
                                 cloud::S3Location location)
    : client_(std::move(client)), location_(std::move(location)) {}

std::string S3ArtifactStore::uri() const {
  return location_.prefix.empty() ? fmt::format("s3://{}", location_.bucket)
                                  : fmt::format("s3://{}/{}", location_.bucket, location_.prefix);
}

std::string S3ArtifactStore::blob_key(std::string_view hash) const {
  const std::string relative = fmt::format("{}/{}", hash.substr(0, 2), hash);
  return location_.prefix.empty() ? relative : location_.prefix + "/" + relative;
}

std::string S3ArtifactStore::blob_uri(std::string_view hash) const {
  return fmt::format("s3://{}/{}", location_.bucket, blob_key(hash));
}

Result<BlobInfo> S3ArtifactStore::put_bytes(std::string_view bytes) {
  BlobInfo info{sha256_hex(bytes), bytes.size()};
  const std::string key = blob_key(info.hash);
  TWIN_ASSIGN_OR_RETURN(auto existing, client_->head_object(location_.bucket, key));
  if (existing && existing->size == info.size) return info;
  TWIN_RETURN_IF_ERROR(client_->put_object(location_.bucket, key, bytes, info.hash));
  return info;
}

Result<BlobInfo> S3ArtifactStore::put_file(const std::filesystem::path& file) {
  TWIN_ASSIGN_OR_RETURN(std::string hash, sha256_file(file));
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(file, error);
  if (error)
    return fail(Status::io(fmt::format("cannot read {}: {}", file.string(), error.message())));
  BlobInfo info{std::move(hash), size};
  const std::string key = blob_key(info.hash);
  TWIN_ASSIGN_OR_RETURN(auto existing, client_->head_object(location_.bucket, key));
  if (existing && existing->size == info.size) return info;
  TWIN_RETURN_IF_ERROR(client_->upload_file(location_.bucket, key, file));
  return info;
}

Result<std::string> S3ArtifactStore::get_bytes(std::string_view hash) const {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  auto bytes = client_->get_object(location_.bucket, blob_key(hash));
  if (!bytes && bytes.error().code() == StatusCode::kNotFound) {
    return fail(
        Status::not_found(fmt::format("blob {} is not in the artifact store {}", hash, uri())));
  }
  return bytes;
}

Status S3ArtifactStore::copy_to_file(std::string_view hash,
                                     const std::filesystem::path& destination) const {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temporary = destination;
  temporary += fmt::format(".partial-{}-{}", ::getpid(), counter.fetch_add(1));
  Status downloaded = client_->download_file(location_.bucket, blob_key(hash), temporary);
  std::error_code error;
  if (!downloaded.is_ok()) {
    std::filesystem::remove(temporary, error);
    if (downloaded.code() == StatusCode::kNotFound) {
      return Status::not_found(fmt::format("blob {} is not in the artifact store {}", hash, uri()));
    }
    return downloaded;
  }
  std::filesystem::rename(temporary, destination, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return Status::io(fmt::format("cannot write {}: {}", destination.string(), error.message()));
  }
  return Status::ok();
}

bool S3ArtifactStore::contains(std::string_view hash) const { return blob_size(hash).has_value(); }

std::optional<uint64_t> S3ArtifactStore::blob_size(std::string_view hash) const {
  if (!is_content_hash(hash)) return std::nullopt;
  auto head = client_->head_object(location_.bucket, blob_key(hash));
  if (!head || !*head) return std::nullopt;
  return (*head)->size;
}

Status S3ArtifactStore::remove(std::string_view hash) {
  TWIN_RETURN_IF_ERROR(check_hash(hash));
  return client_->delete_object(location_.bucket, blob_key(hash));
}

}  // namespace twin::artifacts

namespace twin::artifacts {

Result<std::unique_ptr<ArtifactStore>> open_artifact_store(std::string_view uri,
                                                           const Settings& settings,
                                                           bool create_missing) {
  if (!uri.starts_with("s3://")) return open_artifact_store(uri, settings.root(), create_missing);
  TWIN_ASSIGN_OR_RETURN(cloud::S3Location location, cloud::parse_s3_uri(uri));
  auto config = cloud::AwsConfig::load(cloud::aws_options_from_settings(settings));
  if (!config) return fail(config.error().with_context(fmt::format("artifact store {}", uri)));
  auto client = cloud::S3Client::from_config(*config);
  if (!client) return fail(client.error().with_context(fmt::format("artifact store {}", uri)));
  return std::unique_ptr<ArtifactStore>(
      std::make_unique<S3ArtifactStore>(std::move(*client), std::move(location)));
}

}  // namespace twin::artifacts
