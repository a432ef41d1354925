#include "twin/hub/hub_client.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "twin/artifacts/content_hash.h"

namespace twin::hub {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kMaxRedirects = 5;

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string path;    // path and query
};

Result<Url> split_url(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    return fail(Status::invalid_argument(fmt::format("'{}' is not an http(s) URL", url)));
  }
  const size_t slash = url.find('/', scheme + 3);
  if (slash == std::string::npos) return Url{url, "/"};
  return Url{url.substr(0, slash), url.substr(slash)};
}

std::string encode_base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                       (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63],
            kAlphabet[n & 63]};
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) {
      n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string api_type(const RepoId& repo) {
  return repo.type == RepoType::kDataset ? "datasets" : "models";
}

Result<std::string> read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Status::io(fmt::format("{}: cannot read", file.string())));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One HTTP session to an origin; Authorization only to the Hub endpoint's own origin (never to a
// CDN a resolve redirects to, nor to upload URLs, which are signed).
class Session {
 public:
  Session(const std::string& origin, const std::string& token) : client_(origin) {
    client_.set_connection_timeout(30, 0);
    client_.set_read_timeout(300, 0);
    client_.set_write_timeout(300, 0);
    client_.set_keep_alive(true);
    if (!token.empty()) client_.set_bearer_token_auth(token);
  }
  httplib::Client& operator*() { return client_; }
  httplib::Client* operator->() { return &client_; }

 private:
  httplib::Client client_;
};

Status http_failure(const std::string& what, const httplib::Result& result) {
  if (!result) {
    return Status::unavailable(fmt::format("{}: no answer ({} error; is HF_ENDPOINT right?)", what,
                                           httplib::to_string(result.error())));
  }
  std::string message = result->body;
  const json parsed = json::parse(result->body, nullptr, false);
  if (parsed.is_object()) {
    if (parsed.contains("error") && parsed["error"].is_string()) {
      message = parsed["error"].get<std::string>();
    } else if (parsed.contains("message") && parsed["message"].is_string()) {
      message = parsed["message"].get<std::string>();
    }
  }
  message = fmt::format("{}: HTTP {}: {}", what, result->status, message.substr(0, 500));
  if (result->status == 401 || result->status == 403) {
    return Status::failed_precondition(
        message + " (set HF_TOKEN or HUGGINGFACE_ACCESS_TOKEN to a token this server accepts)");
  }
  if (result->status == 404) return Status::not_found(message);
  return Status::unavailable(message);
}

Result<json> json_of(const std::string& what, const httplib::Result& result) {
  if (!result || result->status < 200 || result->status >= 300) {
    return fail(http_failure(what, result));
  }
  json parsed = json::parse(result->body, nullptr, false);
  if (parsed.is_discarded()) {
    return fail(Status::corruption(fmt::format("{}: the answer is not JSON", what)));
  }
  return parsed;
}

bool selected(const std::string& path, const std::vector<std::string>& include) {
  if (include.empty()) return true;
  return std::ranges::any_of(include, [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), path.c_str(), 0) == 0;
  });
}

struct Fetched {
  uint64_t received = 0;  // bytes that came over the wire
  std::string sha256;     // of the whole file (a resumed file's earlier bytes included)
};

// Streams `url` into `partial` (appending from its current size with a Range request), following
// redirects without the token to other origins, hashing as it goes.
Result<Fetched> fetch_to_file(const std::string& endpoint, const std::string& token,
                              std::string url, const fs::path& partial, uint64_t expected) {
  std::error_code ec;
  uint64_t have = fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0;
  if (have > expected) {
    fs::remove(partial, ec);
    have = 0;
  }
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    TWIN_ASSIGN_OR_RETURN(Url parts, split_url(url));
    TWIN_ASSIGN_OR_RETURN(Url home, split_url(endpoint + "/"));
    Session session(parts.origin, parts.origin == home.origin ? token : "");
    httplib::Headers headers;
    if (have > 0) headers.emplace("Range", fmt::format("bytes={}-", have));
    std::ofstream out;
    std::string location;
    int status = 0;
    uint64_t received = 0;
    auto hasher = std::make_unique<artifacts::Sha256>();
    auto result = session->Get(
        parts.path, headers,
        [&](const httplib::Response& response) {
          status = response.status;
          if (status >= 300 && status < 400) {
            location = response.get_header_value("Location");
            return false;
          }
          if (status != 200 && status != 206) return false;
          if (status == 200) have = 0;  // the server sent it whole: start over
          if (have > 0) {               // resumed: the bytes already here count in the hash
            std::ifstream earlier(partial, std::ios::binary);
            std::vector<char> buffer(size_t{1} << 20);
            while (earlier) {
              earlier.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
              hasher->update(
                  std::string_view(buffer.data(), static_cast<size_t>(earlier.gcount())));
            }
          }
          out.open(partial, std::ios::binary | (have > 0 ? std::ios::app : std::ios::trunc));
          return static_cast<bool>(out);
        },
        [&](const char* data, size_t length) {
          out.write(data, static_cast<std::streamsize>(length));
          hasher->update(std::string_view(data, length));
          received += length;
          return static_cast<bool>(out);
        });
    out.close();
    if (!location.empty()) {
      if (location.starts_with("/")) location = parts.origin + location;
      url = location;
      continue;
    }
    if (!result) {
      if (status != 0 && status != 200 && status != 206) {
        return fail(Status::unavailable(fmt::format("GET {}: HTTP {}", url, status)));
      }
      return fail(http_failure("GET " + url, result));
    }
    if (result->status != 200 && result->status != 206) {
      return fail(http_failure("GET " + url, result));
    }
    return Fetched{received, hasher->hex_digest()};
  }
  return fail(
      Status::unavailable(fmt::format("GET {}: more than {} redirects", url, kMaxRedirects)));
}

// Checks a downloaded blob (whose SHA-256 is `sha256`) against what the tree said it is.
Status verify_blob(const fs::path& file, const RemoteFile& remote, const std::string& sha) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec || size != remote.size) {
    return Status::corruption(fmt::format("{}: {} bytes downloaded, the repo says {}", remote.path,
                                          ec ? 0 : size, remote.size));
  }
  if (!remote.lfs_sha256.empty()) {
    if (sha != remote.lfs_sha256) {
      return Status::corruption(
          fmt::format("{}: SHA-256 {} is not the repo's {}", remote.path, sha, remote.lfs_sha256));
    }
    return Status::ok();
  }
  TWIN_ASSIGN_OR_RETURN(std::string bytes, read_all(file));
  if (git_blob_oid(bytes) != remote.oid) {
    return Status::corruption(fmt::format("{}: git blob id {} is not the repo's {}", remote.path,
                                          git_blob_oid(bytes), remote.oid));
  }
  return Status::ok();
}

struct LocalFile {
  std::string path;  // in the repo
  fs::path source;
  uint64_t size = 0;
  bool lfs = false;
  std::string sha256;
};

Result<std::vector<LocalFile>> gather(const fs::path& root) {
  std::error_code ec;
  std::vector<LocalFile> files;
  if (fs::is_regular_file(root, ec)) {
    files.push_back({root.filename().string(), root, fs::file_size(root, ec), false, ""});
    return files;
  }
  if (!fs::is_directory(root, ec)) {
    return fail(Status::not_found(fmt::format("{}: no such file or folder", root.string())));
  }
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && (name == ".git" || name == ".cache")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    files.push_back({fs::relative(it->path(), root).generic_string(), it->path(), it->file_size(ec),
                     false, ""});
  }
  if (ec) return fail(Status::io(fmt::format("{}: {}", root.string(), ec.message())));
  if (files.empty()) {
    return fail(Status::invalid_argument(fmt::format("{}: no files to upload", root.string())));
  }
  std::ranges::sort(files, {}, &LocalFile::path);
  return files;
}

// Sends [offset, offset + length) of `file` as a PUT body to an upload URL.
Result<httplib::Result> put_file_range(const std::string& url, const fs::path& file,
                                       uint64_t offset, uint64_t length,
                                       const httplib::Headers& headers) {
  TWIN_ASSIGN_OR_RETURN(Url parts, split_url(url));
  Session session(parts.origin, "");
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  if (!*in) return fail(Status::io(fmt::format("{}: cannot read", file.string())));
  return session->Put(
      parts.path, headers, length,
      [in, offset](size_t at, size_t want, httplib::DataSink& sink) {
        std::vector<char> buffer(std::min<size_t>(want, size_t{1} << 20));
        in->seekg(static_cast<std::streamoff>(offset + at));
        in->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<size_t>(in->gcount());
        return got > 0 && sink.write(buffer.data(), got);
      },
      "application/octet-stream");
}

}  // namespace

std::string cache_folder_name(const RepoId& repo) {
  std::string name = repo.name;
  std::ranges::replace(name, '/', '\x01');
  std::string folder = fmt::format("{}s--", to_string(repo.type));
  for (const char c : name) folder += c == '\x01' ? std::string("--") : std::string(1, c);
  return folder;
}

Result<RepoId> parse_repo_argument(std::string_view text, std::string_view type) {
  RepoId repo;
  std::string_view name = text;
  if (name.starts_with("datasets/")) {
    repo.type = RepoType::kDataset;
    name.remove_prefix(9);
  } else if (name.starts_with("models/")) {
    name.remove_prefix(7);
  }
  if (!type.empty()) {
    TWIN_ASSIGN_OR_RETURN(repo.type, parse_repo_type(type));
  }
  repo.name = std::string(name);
  TWIN_RETURN_IF_ERROR(validate_repo_name(repo.name));
  return repo;
}

HubClient::HubClient(HubClientOptions options) : options_(std::move(options)) {
  while (options_.endpoint.ends_with('/')) options_.endpoint.pop_back();
}

Result<std::string> HubClient::resolve_commit(const RepoId& repo, const std::string& revision) {
  TWIN_ASSIGN_OR_RETURN(Url home, split_url(options_.endpoint + "/"));
  Session session(home.origin, options_.token);
  const std::string path =
      fmt::format("/api/{}/{}/revision/{}", api_type(repo), repo.name, revision);
  TWIN_ASSIGN_OR_RETURN(
      json info, json_of(fmt::format("{} {} ({}{})", repo.key(), revision, home.origin, path),
                         session->Get(path)));
  if (!info.contains("sha") || !info["sha"].is_string()) {
    return fail(Status::corruption(fmt::format("{}{}: no sha in the answer", home.origin, path)));
  }
  return info["sha"].get<std::string>();
}

Result<std::vector<RemoteFile>> HubClient::list_files(const RepoId& repo,
                                                      const std::string& revision) {
  std::vector<RemoteFile> files;
  std::string url = fmt::format("{}/api/{}/{}/tree/{}?recursive=true", options_.endpoint,
                                api_type(repo), repo.name, revision);
  TWIN_ASSIGN_OR_RETURN(Url home, split_url(options_.endpoint + "/"));
  for (int page = 0; !url.empty() && page < 100000; ++page) {
    TWIN_ASSIGN_OR_RETURN(Url parts, split_url(url));
    Session session(parts.origin, parts.origin == home.origin ? options_.token : "");
    auto result = session->Get(parts.path);
    TWIN_ASSIGN_OR_RETURN(json entries,
                          json_of(fmt::format("listing {} ({})", repo.key(), url), result));
    for (const auto& entry : entries) {
      if (entry.value("type", "") != "file") continue;
      RemoteFile file{.path = entry.value("path", ""),
                      .size = entry.value("size", uint64_t{0}),
                      .oid = entry.value("oid", ""),
                      .lfs_sha256 = ""};
      if (entry.contains("lfs") && entry["lfs"].is_object()) {
        file.lfs_sha256 = entry["lfs"].value("oid", "");
      }
      TWIN_RETURN_IF_ERROR(validate_file_path(file.path));
      files.push_back(std::move(file));
    }
    url.clear();
    const std::string link = result->get_header_value("Link");
    const size_t next = link.find("rel=\"next\"");
    if (next != std::string::npos) {
      const size_t open = link.rfind('<', next);
      const size_t close = link.find('>', open);
      if (open != std::string::npos && close != std::string::npos) {
        url = link.substr(open + 1, close - open - 1);
      }
    }
  }
  return files;
}

Result<DownloadResult> HubClient::download(const DownloadRequest& request) {
  DownloadResult result;
  TWIN_ASSIGN_OR_RETURN(result.commit, resolve_commit(request.repo, request.revision));
  TWIN_ASSIGN_OR_RETURN(auto files, list_files(request.repo, result.commit));
  const fs::path storage = request.cache_dir / cache_folder_name(request.repo);
  result.snapshot = storage / "snapshots" / result.commit;
  std::error_code ec;
  fs::create_directories(storage / "blobs", ec);
  if (ec) return fail(Status::io(fmt::format("{}: {}", storage.string(), ec.message())));
  for (auto& file : files) {
    if (!selected(file.path, request.include)) continue;
    const fs::path blob = storage / "blobs" / file.etag();
    const auto cached_size = fs::exists(blob, ec) ? fs::file_size(blob, ec) : uint64_t{0};
    if (!fs::exists(blob, ec) || cached_size != file.size) {
      const fs::path partial = blob.string() + ".incomplete";
      const std::string url =
          fmt::format("{}/{}{}/resolve/{}/{}", options_.endpoint,
                      request.repo.type == RepoType::kDataset ? "datasets/" : "", request.repo.name,
                      result.commit, file.path);
      // A resumed download whose earlier part was not this blob's fails verification: it is
      // fetched once more from the start.
      for (int attempt = 0;; ++attempt) {
        TWIN_ASSIGN_OR_RETURN(Fetched fetched, fetch_to_file(options_.endpoint, options_.token, url,
                                                             partial, file.size));
        result.bytes_downloaded += fetched.received;
        const Status verified = verify_blob(partial, file, fetched.sha256);
        if (verified.is_ok()) break;
        fs::remove(partial, ec);
        if (attempt > 0 || fetched.received == file.size) return fail(verified);
      }
      fs::rename(partial, blob, ec);
      if (ec) return fail(Status::io(fmt::format("{}: {}", blob.string(), ec.message())));
    }
    const fs::path pointer = result.snapshot / file.path;
    fs::create_directories(pointer.parent_path(), ec);
    fs::remove(pointer, ec);
    fs::create_symlink(fs::relative(blob, pointer.parent_path()), pointer, ec);
    if (ec) return fail(Status::io(fmt::format("{}: {}", pointer.string(), ec.message())));
    if (!request.output_dir.empty()) {
      const fs::path target = request.output_dir / file.path;
      fs::create_directories(target.parent_path(), ec);
      fs::copy_file(blob, target, fs::copy_options::overwrite_existing, ec);
      if (ec) return fail(Status::io(fmt::format("{}: {}", target.string(), ec.message())));
    }
    result.files.push_back(file);
  }
  if (request.revision != result.commit) {
    fs::create_directories(storage / "refs", ec);
    std::ofstream ref(storage / "refs" / request.revision, std::ios::trunc);
    ref << result.commit;
    if (!ref) return fail(Status::io(fmt::format("{}: cannot write", (storage / "refs").string())));
  }
  return result;
}

Result<UploadResult> HubClient::upload(const UploadRequest& request) {
  TWIN_ASSIGN_OR_RETURN(auto files, gather(request.path));
  TWIN_ASSIGN_OR_RETURN(Url home, split_url(options_.endpoint + "/"));
  Session session(home.origin, options_.token);
  const RepoId& repo = request.repo;
  const std::string slash = repo.name.substr(0, repo.name.find('/'));
  const json create = {{"organization", slash},
                       {"name", repo.name.substr(repo.name.find('/') + 1)},
                       {"type", std::string(to_string(repo.type))}};
  auto created = session->Post("/api/repos/create", create.dump(), "application/json");
  if (!created || (created->status != 409 && (created->status < 200 || created->status >= 300))) {
    return fail(http_failure(fmt::format("creating {} on {}", repo.key(), home.origin), created));
  }

  // Regular or LFS, as the server decides from each file's size and first 512 bytes.
  for (size_t start = 0; start < files.size(); start += 100) {
    json asked = json::array();
    for (size_t i = start; i < std::min(files.size(), start + 100); ++i) {
      std::ifstream in(files[i].source, std::ios::binary);
      std::string sample(512, '\0');
      in.read(sample.data(), 512);
      sample.resize(static_cast<size_t>(in.gcount()));
      asked.push_back(
          {{"path", files[i].path}, {"size", files[i].size}, {"sample", encode_base64(sample)}});
    }
    TWIN_ASSIGN_OR_RETURN(
        json modes,
        json_of("preupload to " + repo.key(),
                session->Post(fmt::format("/api/{}/{}/preupload/main", api_type(repo), repo.name),
                              json{{"files", asked}}.dump(), "application/json")));
    for (const auto& mode : modes["files"]) {
      for (auto& file : files) {
        if (file.path == mode.value("path", "")) file.lfs = mode.value("uploadMode", "") == "lfs";
      }
    }
  }

  UploadResult result;
  result.files = files.size();
  json objects = json::array();
  for (auto& file : files) {
    if (!file.lfs) continue;
    ++result.lfs_files;
    TWIN_ASSIGN_OR_RETURN(file.sha256, artifacts::sha256_file(file.source));
    objects.push_back({{"oid", file.sha256}, {"size", file.size}});
  }
  if (!objects.empty()) {
    const json batch = {{"operation", "upload"},
                        {"transfers", {"basic", "multipart"}},
                        {"hash_algo", "sha_256"},
                        {"ref", {{"name", "main"}}},
                        {"objects", objects}};
    const httplib::Headers lfs_headers = {{"Accept", "application/vnd.git-lfs+json"}};
    TWIN_ASSIGN_OR_RETURN(
        json answer,
        json_of("LFS batch for " + repo.key(),
                session->Post(
                    fmt::format("/{}{}.git/info/lfs/objects/batch",
                                repo.type == RepoType::kDataset ? "datasets/" : "", repo.name),
                    lfs_headers, batch.dump(), "application/vnd.git-lfs+json")));
    for (const auto& object : answer["objects"]) {
      const std::string oid = object.value("oid", "");
      const auto file = std::ranges::find(files, oid, &LocalFile::sha256);
      if (file == files.end()) continue;
      if (object.contains("error")) {
        return fail(Status::unavailable(
            fmt::format("{}: the server refused it: {}", file->path, object["error"].dump())));
      }
      if (!object.contains("actions") || !object["actions"].contains("upload")) continue;
      const json& upload = object["actions"]["upload"];
      const std::string href = upload.value("href", "");
      const json header =
          upload.contains("header") && upload["header"].is_object() ? upload["header"] : json();
      if (header.contains("chunk_size")) {
        const uint64_t chunk = std::stoull(header["chunk_size"].get<std::string>());
        json parts = json::array();
        for (const auto& [key, value] : header.items()) {
          if (key.empty() || !std::ranges::all_of(key, ::isdigit)) continue;
          const uint64_t number = std::stoull(key);
          const uint64_t offset = (number - 1) * chunk;
          const uint64_t length = std::min(chunk, file->size - std::min(file->size, offset));
          TWIN_ASSIGN_OR_RETURN(
              auto put, put_file_range(value.get<std::string>(), file->source, offset, length, {}));
          if (!put || put->status != 200) {
            return fail(http_failure(fmt::format("{} part {}", file->path, number), put));
          }
          parts.push_back({{"partNumber", number}, {"etag", put->get_header_value("ETag")}});
          result.bytes_uploaded += length;
        }
        TWIN_ASSIGN_OR_RETURN(Url done, split_url(href));
        Session completion(done.origin, "");
        TWIN_RETURN_IF_ERROR(db::status_of(json_of(
            "completing " + file->path,
            completion->Post(done.path, lfs_headers, json{{"oid", oid}, {"parts", parts}}.dump(),
                             "application/vnd.git-lfs+json"))));
      } else {
        httplib::Headers headers;
        for (const auto& [key, value] : header.items()) {
          if (value.is_string()) headers.emplace(key, value.get<std::string>());
        }
        TWIN_ASSIGN_OR_RETURN(auto put, put_file_range(href, file->source, 0, file->size, headers));
        if (!put || put->status < 200 || put->status >= 300) {
          return fail(http_failure("uploading " + file->path, put));
        }
        result.bytes_uploaded += file->size;
      }
      if (object["actions"].contains("verify")) {
        const json& verify = object["actions"]["verify"];
        TWIN_ASSIGN_OR_RETURN(Url check, split_url(verify.value("href", "")));
        Session verifier(check.origin, check.origin == home.origin ? options_.token : "");
        httplib::Headers headers = lfs_headers;
        const json verify_header =
            verify.contains("header") && verify["header"].is_object() ? verify["header"] : json();
        for (const auto& [key, value] : verify_header.items()) {
          if (value.is_string()) headers.emplace(key, value.get<std::string>());
        }
        TWIN_RETURN_IF_ERROR(db::status_of(json_of(
            "verifying " + file->path,
            verifier->Post(check.path, headers, json{{"oid", oid}, {"size", file->size}}.dump(),
                           "application/vnd.git-lfs+json"))));
      }
    }
  }

  std::string body = json{{"key", "header"},
                          {"value",
                           {{"summary", request.message.empty()
                                            ? fmt::format("Upload {} files with twin", files.size())
                                            : request.message}}}}
                         .dump() +
                     "\n";
  for (const auto& file : files) {
    if (file.lfs) {
      body += json{{"key", "lfsFile"},
                   {"value",
                    {{"path", file.path},
                     {"algo", "sha256"},
                     {"oid", file.sha256},
                     {"size", file.size}}}}
                  .dump() +
              "\n";
      continue;
    }
    TWIN_ASSIGN_OR_RETURN(std::string bytes, read_all(file.source));
    body += json{{"key", "file"},
                 {"value",
                  {{"path", file.path}, {"content", encode_base64(bytes)}, {"encoding", "base64"}}}}
                .dump() +
            "\n";
  }
  TWIN_ASSIGN_OR_RETURN(
      json committed,
      json_of("committing to " + repo.key(),
              session->Post(fmt::format("/api/{}/{}/commit/main", api_type(repo), repo.name), body,
                            "application/x-ndjson")));
  result.commit = committed.value("commitOid", "");
  return result;
}

}  // namespace twin::hub
