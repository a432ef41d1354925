// An S3 client: put, get (whole or a byte range), head, list (ListObjectsV2, every page),
// delete, and multipart upload above a threshold (parts sent in parallel; the upload is aborted
// when any part fails, so no partial object ever appears). Every request is signed with SigV4
// (S3's rules: the path signed as sent, x-amz-content-sha256 carrying the body's SHA-256 or
// UNSIGNED-PAYLOAD) and retried with exponential backoff on transport errors, 5xx and throttling.
//
// Addressing: virtual-hosted (https://BUCKET.s3.REGION.amazonaws.com/KEY) on AWS; path-style
// (ENDPOINT/BUCKET/KEY) for a custom endpoint (AWS_ENDPOINT_URL_S3, a local S3 server).
//
// Errors name the object (s3://bucket/key) and the endpoint: kNotFound for a missing key or
// bucket, kFailedPrecondition for refused credentials or signatures (with S3's error code),
// kUnavailable when the service cannot be reached or keeps failing.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/cloud/aws_config.h"
#include "twin/cloud/http_client.h"
#include "twin/cloud/sigv4.h"
#include "twin/core/status.h"

namespace twin::cloud {

struct S3ClientOptions {
  std::string region = "us-east-1";
  std::string endpoint;  // empty: AWS's public endpoint for the region (virtual-hosted style)
  // Files at least this large go up in parts of `part_size` bytes, `upload_threads` at a time.
  uint64_t multipart_threshold = 64ULL << 20;
  uint64_t part_size = 16ULL << 20;
  int upload_threads = 4;
  // Tries per request (the first included), waiting initial_backoff, then twice as long, ...
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{200};
};

struct S3ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

// Bytes first..last, both included (HTTP's Range: bytes=first-last).
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

class S3Client {
 public:
  S3Client(S3ClientOptions options, ResolvedCredentials credentials);

  // A client for the AWS configuration: its credentials, region and S3 endpoint override, and
  // the AWS CLI's transfer settings of the profile (`s3 =` with multipart_threshold,
  // multipart_chunksize, max_concurrent_requests).
  static Result<std::unique_ptr<S3Client>> from_config(const AwsConfig& config);

  const S3ClientOptions& options() const { return options_; }
  // The keys in use (a copy: a refresh may replace them at any time).
  ResolvedCredentials credentials() const;
  // How to get new keys when temporary ones are about to expire (within 5 minutes of `expires`):
  // from_config() sets it to the credential chain. Without it, keys are never replaced.
  void set_refresh(std::function<Result<ResolvedCredentials>()> refresh);

  // `payload_sha256`: the bytes' hex SHA-256 when the caller knows it (signed as the payload
  // hash); computed otherwise.
  Status put_object(std::string_view bucket, std::string_view key, std::string_view bytes,
                    std::string payload_sha256 = "") const;
  // One PUT below the multipart threshold, a multipart upload above it.
  Status upload_file(std::string_view bucket, std::string_view key,
                     const std::filesystem::path& file) const;
  Result<std::string> get_object(std::string_view bucket, std::string_view key,
                                 std::optional<ByteRange> range = std::nullopt) const;
  // Writes the object to `file` (created or truncated; not atomic: callers rename).
  Status download_file(std::string_view bucket, std::string_view key,
                       const std::filesystem::path& file) const;
  // nullopt when the key is absent.
  Result<std::optional<S3ObjectInfo>> head_object(std::string_view bucket,
                                                  std::string_view key) const;
  // Every object under `prefix`, following continuation tokens; `page_size` keys per request.
  Result<std::vector<S3ObjectInfo>> list_objects(std::string_view bucket, std::string_view prefix,
                                                 int page_size = 1000) const;
  // Deleting an absent key is not an error (S3 answers 204 either way).
  Status delete_object(std::string_view bucket, std::string_view key) const;
  Status create_bucket(std::string_view bucket) const;

  // A presigned URL (SigV4 query form, UNSIGNED-PAYLOAD) that lets anyone holding it send
  // `method` to the object until `expires` passes, with no credentials of their own.
  std::string presigned_url(std::string_view bucket, std::string_view key,
                            std::string_view method = "GET",
                            std::chrono::seconds expires = std::chrono::hours(1)) const;

  // The object's URL (path-style for custom endpoints), for messages.
  std::string object_url(std::string_view bucket, std::string_view key) const;

 private:
  struct Call;
  Result<HttpResponse> perform(const Call& call) const;
  Status multipart_upload(std::string_view bucket, std::string_view key,
                          const std::filesystem::path& file, uint64_t size) const;

  // The keys to sign with now, refreshed first when they are about to expire.
  Result<ResolvedCredentials> current_credentials() const;

  S3ClientOptions options_;
  mutable std::mutex credentials_mutex_;
  mutable ResolvedCredentials credentials_;  // guarded by credentials_mutex_
  std::function<Result<ResolvedCredentials>()> refresh_;
  std::string scheme_;  // "http" or "https"
  std::string host_;    // endpoint host[:port]
  std::string base_path_;
  bool path_style_ = true;
  HttpClient http_;
};

// Splits "s3://bucket/some/prefix" into bucket and prefix (no leading or trailing slash).
// kInvalidArgument naming the URI when it is not one.
struct S3Location {
  std::string bucket;
  std::string prefix;
};
Result<S3Location> parse_s3_uri(std::string_view uri);

}  // namespace twin::cloud
