#include "twin/cloud/s3_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "twin/cloud/xml_text.h"

namespace twin::cloud {
namespace {

std::string object_name(std::string_view bucket, std::string_view key) {
  return key.empty() ? fmt::format("s3://{}", bucket) : fmt::format("s3://{}/{}", bucket, key);
}

bool is_retryable(long status, const std::string& code) {
  return status >= 500 || status == 429 || code == "SlowDown" || code == "Throttling" ||
         code == "ThrottlingException" || code == "RequestTimeout" ||
         code == "RequestTimeTooSkewed" || code == "InternalError";
}

// The AWS CLI's sizes in its `s3` settings: "8388608", "8MB", "8MiB" (KB, MB, GB are
// 1024-based there too).
Result<uint64_t> parse_size(std::string_view key, const std::string& text) {
  size_t used = 0;
  uint64_t value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  std::ranges::transform(unit, unit.begin(),
                         [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const std::vector<std::pair<std::string, uint64_t>> units = {{"", 1},
                                                               {"B", 1},
                                                               {"KB", 1ULL << 10},
                                                               {"KIB", 1ULL << 10},
                                                               {"MB", 1ULL << 20},
                                                               {"MIB", 1ULL << 20},
                                                               {"GB", 1ULL << 30},
                                                               {"GIB", 1ULL << 30}};
  for (const auto& [name, factor] : units) {
    if (used > 0 && unit == name) return value * factor;
  }
  return fail(Status::invalid_argument(fmt::format(
      "s3 setting {} = '{}': expected a size such as 8388608, 8MB or 8MiB", key, text)));
}

}  // namespace

struct S3Client::Call {
  std::string method;
  std::string bucket;
  std::string key;
  std::vector<std::pair<std::string, std::string>> query;
  HttpHeaders headers;
  HttpBody body;
  std::string payload_hash = std::string(kEmptyPayloadHash);
  std::optional<std::filesystem::path> response_file;
  std::string operation;             // "PUT", "GET", "UploadPart 3", ... for messages
  bool not_found_is_answer = false;  // HEAD: a 404 is an answer, not an error
};

S3Client::S3Client(S3ClientOptions options, ResolvedCredentials credentials)
    : options_(std::move(options)), credentials_(std::move(credentials)) {
  std::string endpoint = options_.endpoint;
  path_style_ = !endpoint.empty();
  if (endpoint.empty()) endpoint = default_endpoint("s3", options_.region);
  const size_t scheme_end = endpoint.find("://");
  scheme_ = scheme_end == std::string::npos ? "https" : endpoint.substr(0, scheme_end);
  std::string rest = scheme_end == std::string::npos ? endpoint : endpoint.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  host_ = rest.substr(0, slash);
  if (slash != std::string::npos) base_path_ = rest.substr(slash);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  options_.part_size = std::max<uint64_t>(options_.part_size, 5ULL << 20);  // S3's minimum
  options_.upload_threads = std::max(options_.upload_threads, 1);
  options_.max_attempts = std::max(options_.max_attempts, 1);
}

Result<std::unique_ptr<S3Client>> S3Client::from_config(const AwsConfig& config) {
  TWIN_ASSIGN_OR_RETURN(ResolvedCredentials credentials, config.credentials());
  S3ClientOptions options;
  const auto endpoint = config.endpoint_url("s3");
  auto region = config.region();
  if (region) {
    options.region = *region;
  } else if (!endpoint) {
    return fail(region.error());  // AWS itself needs the region; a local server does not
  }
  if (endpoint) options.endpoint = *endpoint;
  // The AWS CLI's own transfer settings (`s3 =` then indented keys in ~/.aws/config).
  if (auto threshold = config.profile_setting("s3.multipart_threshold")) {
    TWIN_ASSIGN_OR_RETURN(options.multipart_threshold,
                          parse_size("multipart_threshold", *threshold));
  }
  if (auto chunk = config.profile_setting("s3.multipart_chunksize")) {
    TWIN_ASSIGN_OR_RETURN(options.part_size, parse_size("multipart_chunksize", *chunk));
  }
  if (auto concurrency = config.profile_setting("s3.max_concurrent_requests")) {
    TWIN_ASSIGN_OR_RETURN(const uint64_t threads,
                          parse_size("max_concurrent_requests", *concurrency));
    options.upload_threads = static_cast<int>(std::clamp<uint64_t>(threads, 1, 64));
  }
  auto client = std::make_unique<S3Client>(std::move(options), std::move(credentials));
  client->set_refresh([config] { return config.credentials(); });
  return client;
}

ResolvedCredentials S3Client::credentials() const {
  std::lock_guard lock(credentials_mutex_);
  return credentials_;
}

void S3Client::set_refresh(std::function<Result<ResolvedCredentials>()> refresh) {
  std::lock_guard lock(credentials_mutex_);
  refresh_ = std::move(refresh);
}

Result<ResolvedCredentials> S3Client::current_credentials() const {
  std::lock_guard lock(credentials_mutex_);
  const auto margin = std::chrono::minutes(5);
  if (refresh_ && credentials_.expires &&
      std::chrono::system_clock::now() + margin >= *credentials_.expires) {
    auto fresh = refresh_();
    if (!fresh) return fail(fresh.error().with_context("refreshing expiring AWS credentials"));
    credentials_ = std::move(*fresh);
  }
  return credentials_;
}

std::string S3Client::object_url(std::string_view bucket, std::string_view key) const {
  const std::string path = uri_encode(key, false);
  if (path_style_) {
    return fmt::format("{}://{}{}/{}{}{}", scheme_, host_, base_path_, bucket,
                       key.empty() ? "" : "/", path);
  }
  return fmt::format("{}://{}.{}/{}", scheme_, bucket, host_, path);
}

std::string S3Client::presigned_url(std::string_view bucket, std::string_view key,
                                    std::string_view method, std::chrono::seconds expires) const {
  std::string path;
  std::string host = host_;
  if (path_style_) {
    path = fmt::format("{}/{}/{}", base_path_, bucket, uri_encode(key, false));
  } else {
    host = fmt::format("{}.{}", bucket, host_);
    path = "/" + uri_encode(key, false);
  }
  SignableRequest signable{std::string(method), path, {}, {{"Host", host}}};
  SigningParams params;
  params.region = options_.region;
  params.service = "s3";
  params.time = std::chrono::system_clock::now();
  params.payload_hash = std::string(kUnsignedPayload);
  params.double_encode_path = false;
  params.normalize_path = false;
  params.expires = expires;
  presign_request(signable, credentials().keys, params);
  return fmt::format("{}://{}{}?{}", scheme_, host, path, canonical_query_string(signable.query));
}

Result<HttpResponse> S3Client::perform(const Call& call) const {
  const std::string what =
      fmt::format("S3 {} {} at {}", call.operation, object_name(call.bucket, call.key),
                  path_style_ ? fmt::format("{}://{}{}", scheme_, host_, base_path_)
                              : fmt::format("{}://{}", scheme_, host_));
  std::string path;
  std::string host = host_;
  if (path_style_) {
    path = fmt::format("{}/{}", base_path_, call.bucket);
    if (!call.key.empty()) path += "/" + uri_encode(call.key, false);
  } else {
    host = fmt::format("{}.{}", call.bucket, host_);
    path = "/" + uri_encode(call.key, false);
  }
  std::mt19937 jitter(std::random_device{}());
  Status last_error = Status::ok();
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      const auto base = options_.initial_backoff * (1 << std::min(attempt - 1, 10));
      std::uniform_int_distribution<long> spread(0, base.count() / 2 + 1);
      std::this_thread::sleep_for(base + std::chrono::milliseconds(spread(jitter)));
    }
    SignableRequest signable{call.method, path, call.query, call.headers};
    signable.headers.emplace_back("Host", host);
    SigningParams params;
    params.region = options_.region;
    params.service = "s3";
    params.time = std::chrono::system_clock::now();
    params.payload_hash = call.payload_hash;
    params.add_content_sha256_header = true;
    params.double_encode_path = false;
    params.normalize_path = false;
    auto keys_now = current_credentials();
    if (!keys_now) return fail(keys_now.error().with_context(what));
    sign_request(signable, keys_now->keys, params);

    HttpRequest request;
    request.method = call.method;
    request.url = fmt::format("{}://{}{}", scheme_, host, path);
    const std::string query = canonical_query_string(call.query);
    if (!query.empty()) request.url += "?" + query;
    // libcurl sets Host from the URL itself; a second one would be sent twice.
    for (auto& header : signable.headers) {
      if (header.first != "Host") request.headers.push_back(std::move(header));
    }
    request.body = call.body;
    request.response_file = call.response_file;
    auto response = http_.send(request);
    if (!response) {
      last_error = response.error().with_context(what);
      continue;  // connection refused, reset, timed out: try again
    }
    const long status = response->status;
    if (status >= 200 && status < 300) {
      // CompleteMultipartUpload may answer 200 with an <Error> body.
      if (call.operation == "CompleteMultipartUpload" &&
          response->body.find("<Error>") != std::string::npos) {
        const std::string code = xml_text(response->body, "Code");
        last_error = Status::unavailable(
            fmt::format("{}: {}: {}", what, code, xml_text(response->body, "Message")));
        if (is_retryable(500, code)) continue;
        return fail(last_error);
      }
      return std::move(*response);
    }
    if (status == 304 || (status == 404 && call.not_found_is_answer)) return std::move(*response);
    const std::string code = xml_text(response->body, "Code");
    const std::string message = xml_text(response->body, "Message");
    const std::string detail =
        fmt::format("{}: HTTP {}{}{}", what, status, code.empty() ? "" : " " + code,
                    message.empty() ? "" : ": " + message);
    if (is_retryable(status, code)) {
      last_error = Status::unavailable(detail);
      continue;
    }
    if (code == "NoSuchBucket") {
      return fail(
          Status::not_found(fmt::format("{}: bucket '{}' does not exist", what, call.bucket)));
    }
    if (status == 404) return fail(Status::not_found(detail));
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "AccessDenied" ||
        code == "InvalidToken" || code == "ExpiredToken" || status == 403) {
      return fail(Status::failed_precondition(fmt::format(
          "{} (credentials: {} from {}{}{})", detail, keys_now->method,
          keys_now->location.empty() ? "" : keys_now->location,
          code == "SignatureDoesNotMatch" ? "; the secret key does not match the access key " : "",
          code == "SignatureDoesNotMatch" ? keys_now->keys.access_key_id : "")));
    }
    return fail(Status::failed_precondition(detail));
  }
  return fail(
      last_error.with_context(fmt::format("gave up after {} tries", options_.max_attempts)));
}

Status S3Client::put_object(std::string_view bucket, std::string_view key, std::string_view bytes,
                            std::string payload_sha256) const {
  Call call;
  call.method = "PUT";
  call.operation = "PUT";
  call.bucket = bucket;
  call.key = key;
  call.body.bytes = bytes;
  call.payload_hash = payload_sha256.empty() ? sha256_hex(bytes) : std::move(payload_sha256);
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  auto response = perform(call);
  return response ? Status::ok() : response.error();
}

Status S3Client::upload_file(std::string_view bucket, std::string_view key,
                             const std::filesystem::path& file) const {
  std::error_code error;
  const uint64_t size = std::filesystem::file_size(file, error);
  if (error) return Status::io(fmt::format("cannot read {}: {}", file.string(), error.message()));
  if (size >= options_.multipart_threshold) return multipart_upload(bucket, key, file, size);
  Call call;
  call.method = "PUT";
  call.operation = "PUT";
  call.bucket = bucket;
  call.key = key;
  call.body.file = file;
  call.body.length = size;
  call.payload_hash = std::string(kUnsignedPayload);
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  auto response = perform(call);
  return response ? Status::ok() : response.error();
}

Status S3Client::multipart_upload(std::string_view bucket, std::string_view key,
                                  const std::filesystem::path& file, uint64_t size) const {
  Call create;
  create.method = "POST";
  create.operation = "CreateMultipartUpload";
  create.bucket = bucket;
  create.key = key;
  create.query = {{"uploads", ""}};
  create.headers.emplace_back("Content-Type", "application/octet-stream");
  TWIN_ASSIGN_OR_RETURN(HttpResponse created, perform(create));
  const std::string upload_id = xml_text(created.body, "UploadId");
  if (upload_id.empty()) {
    return Status::corruption(fmt::format("S3 CreateMultipartUpload {}: the answer has no UploadId",
                                          object_name(bucket, key)));
  }

  const uint64_t part_count = (size + options_.part_size - 1) / options_.part_size;
  std::vector<std::string> etags(part_count);
  std::atomic<uint64_t> next_part{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Status first_error = Status::ok();
  auto worker = [&] {
    while (!failed.load()) {
      const uint64_t index = next_part.fetch_add(1);
      if (index >= part_count) return;
      Call part;
      part.method = "PUT";
      part.operation = fmt::format("UploadPart {}/{}", index + 1, part_count);
      part.bucket = bucket;
      part.key = key;
      part.query = {{"partNumber", std::to_string(index + 1)}, {"uploadId", upload_id}};
      part.body.file = file;
      part.body.offset = index * options_.part_size;
      part.body.length = std::min(options_.part_size, size - part.body.offset);
      part.payload_hash = std::string(kUnsignedPayload);
      auto response = perform(part);
      if (!response || response->header("etag").empty()) {
        std::lock_guard lock(error_mutex);
        if (first_error.is_ok()) {
          first_error = response ? Status::corruption(part.operation + ": the answer has no ETag")
                                 : response.error();
        }
        failed = true;
        return;
      }
      etags[index] = response->header("etag");
    }
  };
  std::vector<std::thread> threads;
  const auto thread_count = static_cast<uint64_t>(
      std::min<uint64_t>(static_cast<uint64_t>(options_.upload_threads), part_count));
  for (uint64_t i = 0; i < thread_count; ++i) threads.emplace_back(worker);
  for (auto& thread : threads) thread.join();

  Status outcome = first_error;
  if (outcome.is_ok()) {
    std::string xml = "<CompleteMultipartUpload>";
    for (uint64_t i = 0; i < part_count; ++i) {
      xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1,
                         xml_escape(etags[i]));
    }
    xml += "</CompleteMultipartUpload>";
    Call complete;
    complete.method = "POST";
    complete.operation = "CompleteMultipartUpload";
    complete.bucket = bucket;
    complete.key = key;
    complete.query = {{"uploadId", upload_id}};
    complete.body.bytes = xml;
    complete.payload_hash = sha256_hex(xml);
    complete.headers.emplace_back("Content-Type", "application/xml");
    auto completed = perform(complete);
    if (completed) return Status::ok();
    outcome = completed.error();
  }
  // Abort, so no half-uploaded object lingers (nor its parts' storage).
  Call abort;
  abort.method = "DELETE";
  abort.operation = "AbortMultipartUpload";
  abort.bucket = bucket;
  abort.key = key;
  abort.query = {{"uploadId", upload_id}};
  abort.not_found_is_answer = true;
  auto aborted = perform(abort);
  return outcome.with_context(fmt::format(
      "multipart upload of {} ({} parts) {}", object_name(bucket, key), part_count,
      aborted ? "aborted" : "failed, and aborting it failed too: " + aborted.error().message()));
}

Result<std::string> S3Client::get_object(std::string_view bucket, std::string_view key,
                                         std::optional<ByteRange> range) const {
  Call call;
  call.method = "GET";
  call.operation = range ? fmt::format("GET bytes={}-{}", range->first, range->last) : "GET";
  call.bucket = bucket;
  call.key = key;
  if (range)
    call.headers.emplace_back("Range", fmt::format("bytes={}-{}", range->first, range->last));
  TWIN_ASSIGN_OR_RETURN(HttpResponse response, perform(call));
  return std::move(response.body);
}

Status S3Client::download_file(std::string_view bucket, std::string_view key,
                               const std::filesystem::path& file) const {
  Call call;
  call.method = "GET";
  call.operation = "GET";
  call.bucket = bucket;
  call.key = key;
  call.response_file = file;
  auto response = perform(call);
  return response ? Status::ok() : response.error();
}

Result<std::optional<S3ObjectInfo>> S3Client::head_object(std::string_view bucket,
                                                          std::string_view key) const {
  Call call;
  call.method = "HEAD";
  call.operation = "HEAD";
  call.bucket = bucket;
  call.key = key;
  call.not_found_is_answer = true;
  auto head = perform(call);
  if (!head && head.error().code() == StatusCode::kFailedPrecondition) {
    // A HEAD answer has no body, so no error code: ask again with a one-byte GET, whose answer
    // says why (SignatureDoesNotMatch, InvalidAccessKeyId, AccessDenied, ...).
    auto probe = get_object(bucket, key, ByteRange{0, 0});
    if (!probe && probe.error().code() == StatusCode::kFailedPrecondition) {
      return fail(probe.error());
    }
    return fail(head.error());
  }
  if (!head) return fail(head.error());
  HttpResponse response = std::move(*head);
  if (response.status == 404) return std::optional<S3ObjectInfo>();
  S3ObjectInfo info;
  info.key = key;
  info.size = std::strtoull(response.header("content-length").c_str(), nullptr, 10);
  info.etag = response.header("etag");
  return std::optional<S3ObjectInfo>(std::move(info));
}

Result<std::vector<S3ObjectInfo>> S3Client::list_objects(std::string_view bucket,
                                                         std::string_view prefix,
                                                         int page_size) const {
  std::vector<S3ObjectInfo> objects;
  std::string token;
  while (true) {
    Call call;
    call.method = "GET";
    call.operation = fmt::format("ListObjectsV2 prefix '{}'", prefix);
    call.bucket = bucket;
    call.query = {{"list-type", "2"}, {"max-keys", std::to_string(page_size)}};
    if (!prefix.empty()) call.query.emplace_back("prefix", std::string(prefix));
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    TWIN_ASSIGN_OR_RETURN(HttpResponse response, perform(call));
    for (const std::string_view contents : xml_elements(response.body, "Contents")) {
      S3ObjectInfo info;
      info.key = xml_text(contents, "Key");
      info.size = std::strtoull(xml_text(contents, "Size").c_str(), nullptr, 10);
      info.etag = xml_text(contents, "ETag");
      objects.push_back(std::move(info));
    }
    token = xml_text(response.body, "NextContinuationToken");
    if (xml_text(response.body, "IsTruncated") != "true" || token.empty()) break;
  }
  return objects;
}

Status S3Client::delete_object(std::string_view bucket, std::string_view key) const {
  Call call;
  call.method = "DELETE";
  call.operation = "DELETE";
  call.bucket = bucket;
  call.key = key;
  call.not_found_is_answer = true;
  auto response = perform(call);
  return response ? Status::ok() : response.error();
}

Status S3Client::create_bucket(std::string_view bucket) const {
  Call call;
  call.method = "PUT";
  call.operation = "CreateBucket";
  call.bucket = bucket;
  auto response = perform(call);
  return response ? Status::ok() : response.error();
}

Result<S3Location> parse_s3_uri(std::string_view uri) {
  if (!uri.starts_with("s3://")) {
    return fail(
        Status::invalid_argument(fmt::format("'{}' is not an s3://bucket/prefix URI", uri)));
  }
  std::string_view rest = uri.substr(5);
  const size_t slash = rest.find('/');
  S3Location location;
  location.bucket = rest.substr(0, slash);
  if (slash != std::string_view::npos) location.prefix = rest.substr(slash + 1);
  while (!location.prefix.empty() && location.prefix.back() == '/') location.prefix.pop_back();
  if (location.bucket.empty()) {
    return fail(Status::invalid_argument(fmt::format("'{}': the bucket name is missing", uri)));
  }
  return location;
}

}  // namespace twin::cloud
