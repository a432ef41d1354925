// The artifact store on S3 (`TWIN_ARTIFACT_URI=s3://bucket/prefix`): the same content-addressed
// layout as the local store, a blob at <prefix>/<first 2 hex>/<hash>.
//
// A put first asks whether the blob is there (HEAD, same size) and uploads only when it is not.
// An object appears whole or not at all: a single PUT is atomic on S3, and a large file goes up
// as a multipart upload that is completed only once every part arrived (and aborted otherwise),
// so a failed upload leaves nothing under the blob's key and returns the error, and the
// orchestrator then records no artifact version. A blob is durable once put_*() returns, so
// flush() has nothing to do.
#pragma once

#include <memory>
#include <string>

#include "twin/artifacts/artifact_store.h"
#include "twin/cloud/s3_client.h"

namespace twin::artifacts {

class S3ArtifactStore final : public ArtifactStore {
 public:
  S3ArtifactStore(std::unique_ptr<cloud::S3Client> client, cloud::S3Location location);

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
  Status flush() override { return Status::ok(); }

  // The object key of a blob.
  std::string blob_key(std::string_view hash) const;
  const cloud::S3Client& client() const { return *client_; }
  const cloud::S3Location& location() const { return location_; }

 private:
  std::unique_ptr<cloud::S3Client> client_;
  cloud::S3Location location_;
};

}  // namespace twin::artifacts
