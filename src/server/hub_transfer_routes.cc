// The Hub's transfers: the Git LFS batch API, the signed upload URLs it hands out (basic and
// multipart), and resolve (file bytes with the headers Hub clients read).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>

#include "hub_http.h"
#include "hub_routes.h"
#include "twin/artifacts/content_hash.h"

namespace twin::server {
namespace {

using hub::RepoId;
using nlohmann::json;

constexpr int64_t kUploadUrlSeconds = 3600;
const std::string kUploadPrefix = "/hub-lfs/";

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string signature(const std::string& key, std::string_view oid, uint64_t size,
                      int64_t expires) {
  return hub::hmac_sha256_hex(key, fmt::format("upload:{}:{}:{}", oid, size, expires));
}

std::string signed_query(const std::string& key, std::string_view oid, uint64_t size) {
  const int64_t expires = now_seconds() + kUploadUrlSeconds;
  return fmt::format("size={}&expires={}&sig={}", size, expires,
                     signature(key, oid, size, expires));
}

bool same_text(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

// The size an upload URL was signed for, or an error after answering 403.
std::optional<uint64_t> check_upload_url(const httplib::Request& request, const std::string& key,
                                         const std::string& oid, httplib::Response& response) {
  uint64_t size = 0;
  int64_t expires = 0;
  try {
    size = std::stoull(request.get_param_value("size"));
    expires = std::stoll(request.get_param_value("expires"));
  } catch (const std::exception&) {
    write_hub_error(response, 403, "", "this upload URL is not signed (size, expires, sig)");
    return std::nullopt;
  }
  if (!same_text(request.get_param_value("sig"), signature(key, oid, size, expires))) {
    write_hub_error(response, 403, "", "this upload URL's signature is not valid");
    return std::nullopt;
  }
  if (expires < now_seconds()) {
    write_hub_error(response, 403, "", "this upload URL has expired; ask the LFS batch API again");
    return std::nullopt;
  }
  return size;
}

hub::BodyReader body_of(const httplib::ContentReader& reader) {
  return [&reader](const hub::ChunkSink& sink) {
    return reader([&sink](const char* data, size_t length) { return sink(data, length); });
  };
}

std::string etag_of(std::string_view text) { return fmt::format("\"{}\"", text); }

}  // namespace

void write_hub_error(httplib::Response& response, int status, std::string_view code,
                     std::string_view message) {
  response.status = status;
  if (!code.empty()) response.set_header("X-Error-Code", std::string(code));
  response.set_header("X-Error-Message", std::string(message.substr(0, 512)));
  response.set_content(
      json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace),
      "application/json");
}

void write_hub_error(httplib::Response& response, const Status& status) {
  int http = 500;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      http = 400;
      break;
    case StatusCode::kNotFound:
      http = 404;
      break;
    case StatusCode::kAlreadyExists:
      http = 409;
      break;
    case StatusCode::kFailedPrecondition:
      http = 412;
      break;
    case StatusCode::kUnavailable:
      http = 503;
      break;
    default:
      break;
  }
  write_hub_error(response, http, "", status.message());
}

Result<json> hub_parse_json(std::string_view text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return fail(Status::invalid_argument("the body is not valid JSON"));
  return parsed;
}

std::string base_url(const httplib::Request& request) {
  const std::string host = request.get_header_value("Host");
  return "http://" + (host.empty() ? std::string("127.0.0.1") : host);
}

std::string repo_url(const httplib::Request& request, const RepoId& repo) {
  return fmt::format("{}/{}{}", base_url(request),
                     repo.type == hub::RepoType::kDataset ? "datasets/" : "", repo.name);
}

std::optional<hub::HubCommit> resolve_or_answer(hub::HubStore& hub, const RepoId& repo,
                                                const std::string& revision,
                                                httplib::Response& response, bool repo_only) {
  auto exists = hub.repo_exists(repo);
  if (!exists) {
    write_hub_error(response, exists.error());
    return std::nullopt;
  }
  if (!*exists) {
    write_hub_error(response, 404, "RepoNotFound",
                    fmt::format("Repository Not Found: {} is not on this server", repo.key()));
    return std::nullopt;
  }
  auto commit = hub.resolve(repo, repo_only ? std::string_view("main") : revision);
  if (!commit) {
    if (commit.error().code() == StatusCode::kNotFound) {
      write_hub_error(response, 404, "RevisionNotFound",
                      fmt::format("Invalid rev id: {} ({})", revision, commit.error().message()));
    } else {
      write_hub_error(response, commit.error());
    }
    return std::nullopt;
  }
  return std::move(*commit);
}

std::string random_signing_key() {
  std::array<unsigned char, 32> bytes{};
  std::ifstream random("/dev/urandom", std::ios::binary);
  random.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
  return hub::hmac_sha256_hex(std::string_view(reinterpret_cast<char*>(bytes.data()), bytes.size()),
                              "twin hub upload urls");
}

bool is_hub_upload_path(const std::string& path) { return path.starts_with(kUploadPrefix); }

void add_hub_transfer_routes(httplib::Server& server, hub::HubStore* hub,
                             std::shared_ptr<HubRouteOptions> options) {
  const auto refused = [hub, options](const httplib::Request& request,
                                      httplib::Response& response) {
    if (hub == nullptr) {
      write_hub_error(response, 503, "", "this server keeps no Hub repos (no metadata store)");
      return true;
    }
    if (options->authorized && !options->authorized(request)) {
      response.set_header("WWW-Authenticate", "Bearer");
      write_hub_error(
          response, 401, "",
          "this server needs a token: send 'Authorization: Bearer <TWIN_SERVER_TOKEN>'");
      return true;
    }
    return false;
  };

  server.Post(
      R"(/(?:(datasets)/)?([^/]+/[^/]+)\.git/info/lfs/objects/batch)",
      json_safe([=](const httplib::Request& request, httplib::Response& response) {
        if (refused(request, response)) return;
        const RepoId repo{.type = request.matches[1].str() == "datasets" ? hub::RepoType::kDataset
                                                                         : hub::RepoType::kModel,
                          .name = request.matches[2].str()};
        if (!resolve_or_answer(*hub, repo, "main", response, true)) return;
        auto body = hub_parse_json(request.body);
        if (!body) return write_hub_error(response, body.error());
        if (!body->is_object() || body->value("operation", "") != "upload" ||
            !(*body)["objects"].is_array()) {
          return write_hub_error(response, 400, "",
                                 "the LFS batch API here serves uploads: {\"operation\": "
                                 "\"upload\", \"objects\": [...]} (download with resolve)");
        }
        bool basic = !body->contains("transfers");
        bool multipart = false;
        if (body->contains("transfers") && (*body)["transfers"].is_array()) {
          for (const auto& transfer : (*body)["transfers"]) {
            basic = basic || transfer == "basic";
            multipart = multipart || transfer == "multipart";
          }
        }
        if (!basic && !multipart) {
          return write_hub_error(response, 400, "XetNotServed",
                                 "twin server transfers with Git LFS only (basic, multipart), "
                                 "not Xet: set HF_HUB_DISABLE_XET=1");
        }
        const std::string base = base_url(request);
        json objects = json::array();
        for (const auto& object : (*body)["objects"]) {
          const std::string oid = object.value("oid", "");
          const uint64_t size = object.value("size", uint64_t{0});
          json answer = {{"oid", oid}, {"size", size}, {"authenticated", true}};
          if (!artifacts::is_content_hash(oid)) {
            answer["error"] = {{"code", 422}, {"message", "oid is not a SHA-256"}};
          } else if (size > options->max_object_bytes) {
            answer["error"] = {
                {"code", 422},
                {"message", fmt::format("object is larger than this server's {} bytes",
                                        options->max_object_bytes)}};
          } else if (!hub->has_object(oid, size)) {
            const std::string query = signed_query(options->signing_key, oid, size);
            json upload = {{"expires_in", kUploadUrlSeconds}};
            if (multipart && size > options->multipart_chunk_bytes) {
              json header = {{"chunk_size", std::to_string(options->multipart_chunk_bytes)}};
              const uint64_t parts =
                  (size + options->multipart_chunk_bytes - 1) / options->multipart_chunk_bytes;
              for (uint64_t part = 1; part <= parts; ++part) {
                header[fmt::format("{:05}", part)] =
                    fmt::format("{}{}{}/part/{}?{}", base, kUploadPrefix, oid, part, query);
              }
              upload["header"] = std::move(header);
              upload["href"] = fmt::format("{}{}{}/complete?{}", base, kUploadPrefix, oid, query);
            } else {
              upload["href"] = fmt::format("{}{}{}?{}", base, kUploadPrefix, oid, query);
            }
            answer["actions"] = {{"upload", std::move(upload)}};
          }
          objects.push_back(std::move(answer));
        }
        response.set_content(
            json{{"transfer", multipart ? "multipart" : "basic"}, {"objects", std::move(objects)}}
                .dump(),
            "application/vnd.git-lfs+json");
      }));

  server.Put(kUploadPrefix + "([0-9a-f]{64})",
             [=](const httplib::Request& request, httplib::Response& response,
                 const httplib::ContentReader& reader) {
               if (hub == nullptr) return write_hub_error(response, 503, "", "no Hub store");
               const std::string oid = request.matches[1].str();
               auto size = check_upload_url(request, options->signing_key, oid, response);
               if (!size) return;
               if (request.has_header("Content-Length") &&
                   request.get_header_value<uint64_t>("Content-Length") != *size) {
                 return write_hub_error(
                     response, 400, "",
                     fmt::format("object {}: Content-Length {} is not the {} bytes announced", oid,
                                 request.get_header_value<uint64_t>("Content-Length"), *size));
               }
               const Status received = hub->receive_object(oid, *size, body_of(reader));
               if (!received.is_ok()) return write_hub_error(response, received);
               response.set_content("{}", "application/json");
             });

  server.Put(kUploadPrefix + "([0-9a-f]{64})/part/([0-9]{1,5})",
             [=](const httplib::Request& request, httplib::Response& response,
                 const httplib::ContentReader& reader) {
               if (hub == nullptr) return write_hub_error(response, 503, "", "no Hub store");
               const std::string oid = request.matches[1].str();
               if (!check_upload_url(request, options->signing_key, oid, response)) return;
               auto etag = hub->receive_part(oid, std::stoi(request.matches[2].str()),
                                             options->multipart_chunk_bytes, body_of(reader));
               if (!etag) return write_hub_error(response, etag.error());
               response.set_header("ETag", etag_of(*etag));
               response.set_content("{}", "application/json");
             });

  server.Post(
      kUploadPrefix + "([0-9a-f]{64})/complete",
      json_safe([=](const httplib::Request& request, httplib::Response& response) {
        if (hub == nullptr) return write_hub_error(response, 503, "", "no Hub store");
        const std::string oid = request.matches[1].str();
        auto size = check_upload_url(request, options->signing_key, oid, response);
        if (!size) return;
        auto body = hub_parse_json(request.body);
        if (!body) return write_hub_error(response, body.error());
        const uint64_t expected =
            (*size + options->multipart_chunk_bytes - 1) / options->multipart_chunk_bytes;
        if (!body->is_object() || !(*body)["parts"].is_array() ||
            (*body)["parts"].size() != expected) {
          return write_hub_error(
              response, 400, "",
              fmt::format("object {}: the completion must list its {} parts", oid, expected));
        }
        const Status done = hub->complete_parts(oid, *size, static_cast<int>(expected));
        if (!done.is_ok()) return write_hub_error(response, done);
        response.set_content("{}", "application/json");
      }));

  server.Get(
      R"(/(?:(datasets)/)?([^/]+/[^/]+)/(?:resolve|raw)/([^/]+)/(.+))",
      json_safe([=](const httplib::Request& request, httplib::Response& response) {
        if (refused(request, response)) return;
        const RepoId repo{.type = request.matches[1].str() == "datasets" ? hub::RepoType::kDataset
                                                                         : hub::RepoType::kModel,
                          .name = request.matches[2].str()};
        const std::string revision = request.matches[3].str();
        const std::string path = request.matches[4].str();
        auto commit = resolve_or_answer(*hub, repo, revision, response);
        if (!commit) return;
        const auto file = std::ranges::find(commit->files, path, &hub::HubFile::path);
        if (file == commit->files.end()) {
          return write_hub_error(
              response, 404, "EntryNotFound",
              fmt::format("Entry not found: '{}' is not in {}@{}", path, repo.key(), revision));
        }
        response.set_header("X-Repo-Commit", commit->id);
        response.set_header("Accept-Ranges", "bytes");
        if (file->lfs) {
          response.set_header("ETag", etag_of(file->sha256));
          response.set_header("X-Linked-Etag", etag_of(file->sha256));
          response.set_header("X-Linked-Size", std::to_string(file->size));
        } else {
          response.set_header("ETag", etag_of(file->git_oid));
        }
        const std::string name = path.substr(path.rfind('/') + 1);
        response.set_header("Content-Disposition", fmt::format("inline; filename=\"{}\"", name));
        auto* local = dynamic_cast<artifacts::LocalArtifactStore*>(&hub->artifacts());
        if (local == nullptr) {
          auto bytes = hub->artifacts().get_bytes(file->sha256);
          if (!bytes) return write_hub_error(response, bytes.error());
          response.set_content(std::move(*bytes), "application/octet-stream");
          return;
        }
        const auto blob =
            std::make_shared<std::ifstream>(local->blob_path(file->sha256), std::ios::binary);
        if (!*blob) {
          return write_hub_error(
              response, 500, "",
              fmt::format("the blob of '{}' is missing from the artifact store", path));
        }
        response.set_content_provider(
            file->size, "application/octet-stream",
            [blob](size_t offset, size_t length, httplib::DataSink& sink) {
              std::vector<char> buffer(std::min<size_t>(length, size_t{1} << 20));
              blob->clear();
              blob->seekg(static_cast<std::streamoff>(offset));
              blob->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
              const auto got = static_cast<size_t>(blob->gcount());
              if (got == 0) return false;
              return sink.write(buffer.data(), got);
            });
      }));
}

}  // namespace twin::server
