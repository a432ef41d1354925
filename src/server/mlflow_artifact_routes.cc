#include "mlflow_artifact_routes.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <system_error>

#include "json_endpoint.h"
#include "twin/core/file_io.h"

namespace twin::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kArtifactsPrefix = R"((?:/api|/ajax-api)/2\.0/mlflow-artifacts/artifacts)";

Status unsafe(std::string_view relative, std::string_view why) {
  return Status::invalid_argument(fmt::format(
      "artifact path '{}' {}; paths must stay inside the artifact root", relative, why));
}

// A temporary name beside `target`, unique in this process and across processes.
fs::path temporary_beside(const fs::path& target) {
  static std::atomic<uint64_t> counter{0};
  return target.parent_path() /
         fmt::format(".{}.upload-{}-{}", target.filename().string(), ::getpid(), counter++);
}

// Streams the request body into `target` through a temporary file and a rename. Returns the
// error to answer with, or ok.
Status receive_file(const httplib::ContentReader& reader, const fs::path& target,
                    size_t max_bytes) {
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Status::io(fmt::format("{}: {}", target.parent_path().string(), ec.message()));
  const fs::path temporary = temporary_beside(target);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::io(fmt::format("{}: {}", temporary.string(), std::strerror(errno)));
  }
  size_t received = 0;
  bool too_large = false;
  bool write_failed = false;
  const bool complete = reader([&](const char* data, size_t length) {
    received += length;
    if (received > max_bytes) {
      too_large = true;
      return false;
    }
    if (!write_all(fd, std::string_view(data, length))) {
      write_failed = true;
      return false;
    }
    return true;
  });
  const bool closed = ::close(fd) == 0;
  if (too_large || write_failed || !complete || !closed) {
    fs::remove(temporary, ec);
    if (too_large) {
      return Status::failed_precondition(fmt::format(
          "the upload is larger than {} bytes (twin server --max-artifact-mb)", max_bytes));
    }
    if (!complete) return Status::invalid_argument("the upload's body ended early");
    return Status::io(fmt::format("{}: cannot write the upload", target.string()));
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return Status::io(fmt::format("{}: {}", target.string(), ec.message()));
  }
  return Status::ok();
}

std::string path_match(const httplib::Request& request) {
  return request.matches.size() > 1 ? request.matches[1].str() : std::string();
}

}  // namespace

Result<fs::path> resolve_artifact_path(const fs::path& root, std::string_view relative) {
  if (relative.find('\0') != std::string_view::npos) return fail(unsafe(relative, "has a NUL"));
  if (relative.starts_with('/')) return fail(unsafe(relative, "is absolute"));
  if (relative.find('\\') != std::string_view::npos) {
    return fail(unsafe(relative, "has a backslash"));
  }
  fs::path resolved = root;
  size_t start = 0;
  while (start < relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) end = relative.size();
    const std::string_view part = relative.substr(start, end - start);
    if (part.empty() && end == relative.size()) break;  // one trailing '/'
    if (part.empty() || part == "." || part == "..") {
      return fail(unsafe(relative, "has an empty, '.' or '..' component"));
    }
    resolved /= std::string(part);
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(resolved, ec))) {
      return fail(unsafe(relative, "goes through a symlink"));
    }
    start = end + 1;
  }
  return resolved;
}

Result<fs::path> local_artifact_location(std::string_view uri, const fs::path& proxy_root) {
  constexpr std::string_view kProxy = "mlflow-artifacts:";
  constexpr std::string_view kFile = "file://";
  if (uri.starts_with(kFile)) return fs::path(uri.substr(kFile.size()));
  if (!uri.starts_with(kProxy)) {
    return fail(Status::invalid_argument(
        fmt::format("artifact URI '{}' is neither mlflow-artifacts: nor file://", uri)));
  }
  std::string_view path = uri.substr(kProxy.size());
  if (path.starts_with("//")) {  // mlflow-artifacts://host:port/path
    const size_t slash = path.find('/', 2);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  while (path.starts_with('/')) path.remove_prefix(1);
  if (proxy_root.empty()) {
    return fail(
        Status::unavailable("this server has no local artifact root for mlflow-artifacts:"));
  }
  return resolve_artifact_path(proxy_root, path);
}

json list_artifact_folder(const fs::path& folder, const std::string& prefix) {
  json files = json::array();
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(folder, ec)) entries.push_back(entry);
  std::ranges::sort(entries, {}, [](const fs::directory_entry& e) { return e.path(); });
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') && name.find(".upload-") != std::string::npos) continue;
    json file = {{"path", prefix.empty() ? name : fmt::format("{}/{}", prefix, name)},
                 {"is_dir", entry.is_directory(ec)}};
    if (entry.is_regular_file(ec)) file["file_size"] = static_cast<int64_t>(entry.file_size(ec));
    files.push_back(std::move(file));
  }
  return files;
}

void add_mlflow_artifact_routes(httplib::Server& server, const fs::path& root,
                                size_t max_artifact_bytes) {
  const auto unavailable = [root](httplib::Response& response) {
    if (!root.empty()) return false;
    write_error(response, 503, "TEMPORARILY_UNAVAILABLE",
                "this server has no local artifact store (TWIN_ARTIFACT_URI is not file://)");
    return true;
  };
  server.Put(
      kArtifactsPrefix + "/(.+)", [=](const httplib::Request& request, httplib::Response& response,
                                      const httplib::ContentReader& reader) {
        if (unavailable(response)) return;
        const std::string relative = path_match(request);
        if (request.get_header_value<uint64_t>("Content-Length") > max_artifact_bytes) {
          write_error(
              response, 413, "REQUEST_LIMIT_EXCEEDED",
              fmt::format("artifact '{}' is larger than {} bytes", relative, max_artifact_bytes));
          return;
        }
        auto target = resolve_artifact_path(root, relative);
        if (!target) {
          write_error(response, target.error());
          return;
        }
        if (relative.ends_with('/')) {
          write_error(response, Status::invalid_argument(
                                    fmt::format("artifact path '{}' names a folder", relative)));
          return;
        }
        const Status received = receive_file(reader, *target, max_artifact_bytes);
        if (received.code() == StatusCode::kFailedPrecondition) {
          write_error(response, 413, "REQUEST_LIMIT_EXCEEDED", received.message());
          return;
        }
        if (!received.is_ok()) {
          write_error(response, received);
          return;
        }
        response.set_content("{}", "application/json");
      });
  server.Get(kArtifactsPrefix + "/(.+)", [=](const httplib::Request& request,
                                             httplib::Response& response) {
    if (unavailable(response)) return;
    const std::string relative = path_match(request);
    auto target = resolve_artifact_path(root, relative);
    if (!target) {
      write_error(response, target.error());
      return;
    }
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(*target, ec))) {
      write_error(response, Status::not_found(fmt::format("no artifact file '{}'", relative)));
      return;
    }
    auto file = std::make_shared<std::ifstream>(*target, std::ios::binary);
    const auto size = static_cast<size_t>(fs::file_size(*target, ec));
    if (!*file || ec) {
      write_error(response, Status::io(fmt::format("cannot read artifact '{}'", relative)));
      return;
    }
    response.set_header("Content-Disposition",
                        fmt::format("attachment; filename=\"{}\"", target->filename().string()));
    response.set_content_provider(size, "application/octet-stream",
                                  [file](size_t offset, size_t length, httplib::DataSink& sink) {
                                    std::vector<char> buffer(std::min<size_t>(length, 1 << 20));
                                    file->seekg(static_cast<std::streamoff>(offset));
                                    file->read(buffer.data(),
                                               static_cast<std::streamsize>(buffer.size()));
                                    const auto got = static_cast<size_t>(file->gcount());
                                    if (got == 0) return false;
                                    return sink.write(buffer.data(), got);
                                  });
  });
  add_json_endpoint(server, "GET", kArtifactsPrefix,
                    [root](const json& f, const httplib::Request&) -> Result<json> {
                      if (root.empty()) {
                        return fail(Status::unavailable(
                            "this server has no local artifact store (TWIN_ARTIFACT_URI is not "
                            "file://)"));
                      }
                      const std::string relative = optional_string(f, "path").value_or("");
                      TWIN_ASSIGN_OR_RETURN(fs::path folder, resolve_artifact_path(root, relative));
                      // MLflow's proxy lists base names only.
                      return json{{"files", list_artifact_folder(folder, "")}};
                    });
  add_json_endpoint(server, "DELETE", kArtifactsPrefix + "/(.+)",
                    [root](const json&, const httplib::Request& request) -> Result<json> {
                      if (root.empty()) {
                        return fail(Status::unavailable("this server has no local artifact store"));
                      }
                      const std::string relative = path_match(request);
                      TWIN_ASSIGN_OR_RETURN(fs::path target, resolve_artifact_path(root, relative));
                      std::error_code ec;
                      if (fs::remove_all(target, ec) == 0 && !ec) {
                        return fail(Status::not_found(fmt::format("no artifact '{}'", relative)));
                      }
                      if (ec)
                        return fail(Status::io(fmt::format("{}: {}", relative, ec.message())));
                      return json::object();
                    });
}

}  // namespace twin::server
