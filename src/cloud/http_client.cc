#include "twin/cloud/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

namespace twin::cloud {

std::pair<std::string, std::string> split_host_and_path(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t slash = url.find('/', start);
  if (slash == std::string_view::npos) return {std::string(url.substr(start)), "/"};
  return {std::string(url.substr(start, slash - start)), std::string(url.substr(slash))};
}
namespace {

struct FileCloser {
  void operator()(FILE* file) const {
    if (file != nullptr) std::fclose(file);
  }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

struct UploadState {
  std::string_view bytes;
  FILE* file = nullptr;
  uint64_t remaining = 0;
  size_t position = 0;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<UploadState*>(user);
  const size_t wanted = std::min<uint64_t>(size * count, state->remaining);
  if (wanted == 0) return 0;
  if (state->file != nullptr) {
    const size_t got = std::fread(buffer, 1, wanted, state->file);
    state->remaining -= got;
    return got == 0 ? CURL_READFUNC_ABORT : got;
  }
  std::copy_n(state->bytes.data() + state->position, wanted, buffer);
  state->position += wanted;
  state->remaining -= wanted;
  return wanted;
}

struct DownloadState {
  HttpResponse* response = nullptr;
  const std::filesystem::path* file_path = nullptr;
  FilePtr file;
  bool write_failed = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<DownloadState*>(user);
  const size_t n = size * count;
  const bool to_file = state->file_path != nullptr && state->response->status >= 200 &&
                       state->response->status < 300;
  if (!to_file) {
    state->response->body.append(data, n);
    return n;
  }
  if (!state->file) {
    state->file.reset(std::fopen(state->file_path->c_str(), "wb"));
    if (!state->file) {
      state->write_failed = true;
      return 0;
    }
  }
  if (std::fwrite(data, 1, n, state->file.get()) != n) {
    state->write_failed = true;
    return 0;
  }
  return n;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue, say): forget the previous response's headers.
    response->headers.clear();
    const size_t space = line.find(' ');
    if (space != std::string_view::npos) {
      response->status = std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::ranges::transform(name, name.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

}  // namespace

std::string HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

struct HttpClient::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;
  ~Pool() {
    for (CURL* easy : idle) curl_easy_cleanup(easy);
  }
  CURL* take() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        CURL* easy = idle.back();
        idle.pop_back();
        curl_easy_reset(easy);
        return easy;
      }
    }
    return curl_easy_init();
  }
  void give_back(CURL* easy) {
    std::lock_guard lock(mutex);
    idle.push_back(easy);
  }
};

HttpClient::HttpClient() : pool_(std::make_unique<Pool>()) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  CURL* easy = pool_->take();
  if (easy == nullptr) return fail(Status::internal("curl_easy_init failed"));
  struct GiveBack {
    Pool* pool;
    CURL* easy;
    ~GiveBack() { pool->give_back(easy); }
  } give_back{pool_.get(), easy};

  HttpResponse response;
  UploadState upload;
  FilePtr upload_file;
  const uint64_t body_size = request.body.size();
  if (!request.body.file.empty()) {
    upload_file.reset(std::fopen(request.body.file.c_str(), "rb"));
    if (!upload_file) {
      return fail(Status::io(fmt::format("cannot read {}", request.body.file.string())));
    }
    if (fseeko(upload_file.get(), static_cast<off_t>(request.body.offset), SEEK_SET) != 0) {
      return fail(Status::io(fmt::format("cannot seek in {}", request.body.file.string())));
    }
    upload.file = upload_file.get();
  } else {
    upload.bytes = request.body.bytes;
  }
  upload.remaining = body_size;

  DownloadState download;
  download.response = &response;
  if (request.response_file) download.file_path = &*request.response_file;

  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    header_list = curl_slist_append(header_list, fmt::format("{}: {}", name, value).c_str());
  }
  // libcurl adds these on its own; S3 and STS need neither (and "Expect: 100-continue" costs a
  // round trip per upload).
  header_list = curl_slist_append(header_list, "Expect:");
  header_list = curl_slist_append(header_list, "Accept:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers_owner(header_list,
                                                                            curl_slist_free_all);

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &response);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &download);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 512L * 1024L);
  curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024L);
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method == "PUT" || request.method == "POST" || body_size > 0) {
      curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
      curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    }
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode code = curl_easy_perform(easy);
  if (download.write_failed) {
    return fail(Status::io(fmt::format("cannot write {}", request.response_file->string())));
  }
  if (code != CURLE_OK) {
    return fail(Status::unavailable(
        fmt::format("{} {}: {}", request.method, request.url, curl_easy_strerror(code))));
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  if (download.file) {
    if (std::fflush(download.file.get()) != 0) {
      return fail(Status::io(fmt::format("cannot write {}", request.response_file->string())));
    }
  } else if (request.response_file && status >= 200 && status < 300) {
    // An empty body: still leave an (empty) file.
    FilePtr empty(std::fopen(request.response_file->c_str(), "wb"));
    if (!empty) {
      return fail(Status::io(fmt::format("cannot write {}", request.response_file->string())));
    }
  }
  return response;
}

}  // namespace twin::cloud
