// The Hub API's JSON endpoints: whoami, repos, info, preupload, commit, tree, paths-info.
// Transfers (LFS batch, upload URLs, resolve) are in hub_transfer_routes.cc.
#include "hub_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <set>
#include <sstream>

#include "hub_http.h"
#include "twin/artifacts/content_hash.h"

namespace twin::server {
namespace {

using hub::HubCommit;
using hub::HubFile;
using hub::RepoId;
using nlohmann::json;

const std::string kTypes = "(models|datasets)";
const std::string kRepo = "([^/]+/[^/]+)";

std::string iso_time(int64_t ms) {
  const std::time_t seconds = ms / 1000;
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

json tree_entry(const HubFile& file, const HubCommit* last_commit) {
  json entry = {{"type", "file"}, {"oid", file.git_oid}, {"size", file.size}, {"path", file.path}};
  if (file.lfs) {
    entry["lfs"] = {{"oid", file.sha256},
                    {"size", file.size},
                    {"pointerSize", hub::lfs_pointer(file.sha256, file.size).size()}};
  }
  if (last_commit != nullptr) {
    entry["lastCommit"] = {{"id", last_commit->id},
                           {"title", last_commit->title},
                           {"date", iso_time(last_commit->created_at_ms)}};
  }
  return entry;
}

json directory_entry(const std::string& path) {
  return {{"type", "directory"},
          {"oid", hub::git_blob_oid("tree " + path)},
          {"size", 0},
          {"path", path}};
}

// The repo type and name a request's (models|datasets)/(org/name) captures name.
RepoId repo_of(const httplib::Request& request) {
  return {.type = request.matches[1].str() == "datasets" ? hub::RepoType::kDataset
                                                         : hub::RepoType::kModel,
          .name = request.matches[2].str()};
}

// {"name", "organization", "type"} of repos/create and repos/delete.
Result<RepoId> repo_from_body(const json& body) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
    return fail(Status::invalid_argument("the body must be a JSON object with a 'name'"));
  }
  std::string name = body["name"].get<std::string>();
  if (body.contains("organization") && body["organization"].is_string()) {
    name = body["organization"].get<std::string>() + "/" + name;
  } else if (name.find('/') == std::string::npos) {
    name = std::string(kHubUser) + "/" + name;
  }
  RepoId repo{.type = hub::RepoType::kModel, .name = name};
  if (body.contains("type") && body["type"].is_string()) {
    TWIN_ASSIGN_OR_RETURN(repo.type, hub::parse_repo_type(body["type"].get<std::string>()));
  }
  TWIN_RETURN_IF_ERROR(hub::validate_repo_name(repo.name));
  return repo;
}

json repo_info(const RepoId& repo, const HubCommit& commit,
               const std::vector<std::string>& branches) {
  json siblings = json::array();
  for (const auto& file : commit.files) siblings.push_back({{"rfilename", file.path}});
  const std::string author = repo.name.substr(0, repo.name.find('/'));
  json info = {{"_id", hub::git_blob_oid(repo.key()).substr(0, 24)},
               {"id", repo.name},
               {"author", author},
               {"sha", commit.id},
               {"lastModified", iso_time(commit.created_at_ms)},
               {"private", false},
               {"gated", false},
               {"disabled", false},
               {"downloads", 0},
               {"likes", 0},
               {"tags", json::array()},
               {"siblings", std::move(siblings)},
               {"branches", branches}};
  if (repo.type == hub::RepoType::kModel) info["modelId"] = repo.name;
  return info;
}

// Files and folders of `commit` under `folder` ("" for the root): directly in it, or all below.
json list_tree(const HubCommit& commit, const std::string& folder, bool recursive, bool expand) {
  json entries = json::array();
  const std::string prefix = folder.empty() ? "" : folder + "/";
  std::set<std::string> directories;
  for (const auto& file : commit.files) {
    if (!file.path.starts_with(prefix)) continue;
    const std::string rest = file.path.substr(prefix.size());
    size_t slash = rest.find('/');
    while (slash != std::string::npos) {
      directories.insert(prefix + rest.substr(0, slash));
      if (!recursive) break;
      slash = rest.find('/', slash + 1);
    }
    if (recursive || rest.find('/') == std::string::npos) {
      entries.push_back(tree_entry(file, expand ? &commit : nullptr));
    }
  }
  for (const auto& directory : directories) entries.push_back(directory_entry(directory));
  std::sort(entries.begin(), entries.end(), [](const json& a, const json& b) {
    return a["path"].get<std::string>() < b["path"].get<std::string>();
  });
  return entries;
}

// paths-info's body: JSON {"paths": [...], "expand": bool} (@huggingface/hub) or a form with
// paths repeated (huggingface_hub).
Result<std::pair<std::vector<std::string>, bool>> paths_info_request(
    const httplib::Request& request) {
  std::vector<std::string> paths;
  bool expand = false;
  if (request.get_header_value("Content-Type").starts_with("application/json")) {
    TWIN_ASSIGN_OR_RETURN(json body, hub_parse_json(request.body));
    if (!body.is_object() || !body.contains("paths") || !body["paths"].is_array()) {
      return fail(Status::invalid_argument("paths-info needs {\"paths\": [...]}"));
    }
    for (const auto& path : body["paths"]) {
      if (path.is_string()) paths.push_back(path.get<std::string>());
    }
    expand = body.value("expand", false) == true;
  } else {
    httplib::Params form;
    httplib::detail::parse_query_text(request.body, form);
    for (const auto& [key, value] : form) {
      if (key == "paths") paths.push_back(value);
      if (key == "expand") expand = value == "true" || value == "True" || value == "1";
    }
  }
  return std::pair{std::move(paths), expand};
}

// Reads the NDJSON commit body into a CommitRequest, storing regular files' bytes as it goes.
Result<hub::CommitRequest> parse_commit(hub::HubStore& hub, const std::string& body,
                                        std::string branch) {
  hub::CommitRequest commit{.branch = std::move(branch),
                            .title = "",
                            .description = "",
                            .parent_commit = "",
                            .changes = {}};
  std::istringstream lines(body);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    TWIN_ASSIGN_OR_RETURN(json item, hub_parse_json(line));
    if (!item.is_object() || !item.contains("key") || !item.contains("value") ||
        !item["value"].is_object()) {
      return fail(Status::invalid_argument(
          fmt::format("commit line {}: not {{\"key\", \"value\"}}", number)));
    }
    const std::string key = item["key"].get<std::string>();
    const json& value = item["value"];
    if (key == "header") {
      commit.title = value.value("summary", "");
      commit.description = value.value("description", "");
      if (value.contains("parentCommit") && value["parentCommit"].is_string()) {
        commit.parent_commit = value["parentCommit"].get<std::string>();
      }
      continue;
    }
    std::string path = value.value("path", "");
    if (key == "deletedFolder") {
      while (path.ends_with('/')) path.pop_back();
    }
    TWIN_RETURN_IF_ERROR(hub::validate_file_path(path));
    if (key == "file") {
      std::string content = value.value("content", "");
      if (value.value("encoding", "utf-8") == "base64") {
        TWIN_ASSIGN_OR_RETURN(content, hub::decode_base64(content));
      }
      TWIN_ASSIGN_OR_RETURN(auto blob, hub.store_bytes(content));
      commit.changes.push_back({.kind = hub::FileChange::Kind::kPut,
                                .path = path,
                                .sha256 = blob.hash,
                                .size = blob.size,
                                .lfs = false});
    } else if (key == "lfsFile") {
      if (!value.contains("oid") || !value["oid"].is_string()) {
        return fail(Status::invalid_argument(
            fmt::format("commit line {}: lfsFile '{}' needs an oid", number, path)));
      }
      const std::string oid = value["oid"].get<std::string>();
      // huggingface_hub sends no size: the stored object's is used (the commit still refuses an
      // oid that is not stored).
      uint64_t size = 0;
      if (value.contains("size") && value["size"].is_number_unsigned()) {
        size = value["size"].get<uint64_t>();
      } else if (artifacts::is_content_hash(oid)) {
        size = hub.artifacts().blob_size(oid).value_or(0);
      }
      commit.changes.push_back({.kind = hub::FileChange::Kind::kPut,
                                .path = path,
                                .sha256 = oid,
                                .size = size,
                                .lfs = true});
    } else if (key == "deletedFile" || key == "deletedFolder") {
      commit.changes.push_back({.kind = key == "deletedFile" ? hub::FileChange::Kind::kDelete
                                                             : hub::FileChange::Kind::kDeleteFolder,
                                .path = path,
                                .sha256 = "",
                                .size = 0,
                                .lfs = false});
    } else {
      return fail(Status::invalid_argument(
          fmt::format("commit line {}: operation '{}' is not served", number, key)));
    }
  }
  return commit;
}

}  // namespace

void add_hub_routes(httplib::Server& server, hub::HubStore* hub, HubRouteOptions options) {
  auto shared = std::make_shared<HubRouteOptions>(std::move(options));
  if (shared->signing_key.empty()) shared->signing_key = random_signing_key();
  const auto unavailable = [hub](httplib::Response& response) {
    if (hub != nullptr) return false;
    write_hub_error(response, 503, "", "this server keeps no Hub repos (no metadata store)");
    return true;
  };

  server.Get("/api/whoami-v2", [](const httplib::Request&, httplib::Response& response) {
    const json user = {{"type", "user"},
                       {"id", kHubUser},
                       {"name", kHubUser},
                       {"fullname", "twin server"},
                       {"email", nullptr},
                       {"emailVerified", false},
                       {"isPro", false},
                       {"canPay", false},
                       {"avatarUrl", ""},
                       {"periodEnd", nullptr},
                       {"orgs", json::array()},
                       {"auth",
                        {{"type", "access_token"},
                         {"accessToken",
                          {{"displayName", "TWIN_SERVER_TOKEN"},
                           {"role", "write"},
                           {"createdAt", "1970-01-01T00:00:00.000Z"}}}}}};
    response.set_content(user.dump(), "application/json");
  });

  server.Post("/api/repos/create",
              json_safe([=](const httplib::Request& request, httplib::Response& response) {
                if (unavailable(response)) return;
                auto body = hub_parse_json(request.body);
                auto repo = body ? repo_from_body(*body) : Result<RepoId>(fail(body.error()));
                if (!repo) return write_hub_error(response, repo.error());
                const std::string url = repo_url(request, *repo);
                const Status created = hub->create_repo(*repo);
                if (created.code() == StatusCode::kAlreadyExists) {
                  response.status = 409;
                  response.set_content(
                      json{{"error", "You already created this " +
                                         std::string(hub::to_string(repo->type)) + " repo"},
                           {"url", url}}
                          .dump(),
                      "application/json");
                  return;
                }
                if (!created.is_ok()) return write_hub_error(response, created);
                response.set_content(
                    json{{"url", url}, {"name", repo->name}, {"id", repo->name}}.dump(),
                    "application/json");
              }));

  server.Delete("/api/repos/delete",
                json_safe([=](const httplib::Request& request, httplib::Response& response) {
                  if (unavailable(response)) return;
                  auto body = hub_parse_json(request.body);
                  auto repo = body ? repo_from_body(*body) : Result<RepoId>(fail(body.error()));
                  if (!repo) return write_hub_error(response, repo.error());
                  const Status deleted = hub->delete_repo(*repo);
                  if (deleted.code() == StatusCode::kNotFound) {
                    return write_hub_error(response, 404, "RepoNotFound", deleted.message());
                  }
                  if (!deleted.is_ok()) return write_hub_error(response, deleted);
                  response.set_content("{}", "application/json");
                }));

  const auto info = json_safe([=](const httplib::Request& request, httplib::Response& response) {
    if (unavailable(response)) return;
    const RepoId repo = repo_of(request);
    const std::string revision = request.matches.size() > 3 && request.matches[3].matched
                                     ? request.matches[3].str()
                                     : "main";
    auto commit = resolve_or_answer(*hub, repo, revision, response);
    if (!commit) return;
    auto branches = hub->branches(repo);
    if (!branches) return write_hub_error(response, branches.error());
    response.set_content(repo_info(repo, *commit, *branches).dump(), "application/json");
  });
  server.Get("/api/" + kTypes + "/" + kRepo + "(?:/revision/(.+))?", info);

  server.Post(
      "/api/" + kTypes + "/" + kRepo + "/preupload/(.+)",
      json_safe([=](const httplib::Request& request, httplib::Response& response) {
        if (unavailable(response)) return;
        const RepoId repo = repo_of(request);
        if (!resolve_or_answer(*hub, repo, request.matches[3].str(), response, true)) {
          return;
        }
        auto body = hub_parse_json(request.body);
        if (!body) return write_hub_error(response, body.error());
        if (!body->is_object() || !(*body)["files"].is_array()) {
          return write_hub_error(response, 400, "",
                                 "preupload needs {\"files\": [{path, size, sample}]}");
        }
        json files = json::array();
        for (const auto& file : (*body)["files"]) {
          const std::string path = file.value("path", "");
          if (Status valid = hub::validate_file_path(path); !valid.is_ok()) {
            return write_hub_error(response, valid);
          }
          const uint64_t size = file.value("size", uint64_t{0});
          auto sample = hub::decode_base64(file.value("sample", ""));
          const bool binary = sample && sample->find('\0') != std::string::npos;
          const bool lfs = size >= shared->lfs_threshold_bytes || binary;
          files.push_back(
              {{"path", path}, {"uploadMode", lfs ? "lfs" : "regular"}, {"shouldIgnore", false}});
        }
        response.set_content(json{{"files", files}, {"commitOid", nullptr}}.dump(),
                             "application/json");
      }));

  server.Post("/api/" + kTypes + "/" + kRepo + "/commit/(.+)",
              json_safe([=](const httplib::Request& request, httplib::Response& response) {
                if (unavailable(response)) return;
                const RepoId repo = repo_of(request);
                if (request.has_param("create_pr") && request.get_param_value("create_pr") != "0") {
                  return write_hub_error(response, 400, "", "pull requests are not served by twin");
                }
                const std::string branch = request.matches[3].str();
                if (!resolve_or_answer(*hub, repo, "main", response)) return;
                auto parsed = parse_commit(*hub, request.body, branch);
                if (!parsed) return write_hub_error(response, parsed.error());
                auto commit = hub->commit(repo, *parsed);
                if (!commit) {
                  const Status& error = commit.error();
                  if (error.code() == StatusCode::kNotFound) {
                    return write_hub_error(response, 404, "EntryNotFound", error.message());
                  }
                  return write_hub_error(response, error);
                }
                response.set_content(
                    json{{"success", true},
                         {"commitOid", commit->id},
                         {"commitUrl", repo_url(request, repo) + "/commit/" + commit->id},
                         {"hookOutput", ""}}
                        .dump(),
                    "application/json");
              }));

  server.Get(
      "/api/" + kTypes + "/" + kRepo + "/tree/([^/]+)(?:/(.*))?",
      json_safe([=](const httplib::Request& request, httplib::Response& response) {
        if (unavailable(response)) return;
        const RepoId repo = repo_of(request);
        auto commit = resolve_or_answer(*hub, repo, request.matches[3].str(), response);
        if (!commit) return;
        std::string folder = request.matches[4].matched ? request.matches[4].str() : "";
        while (folder.ends_with('/')) folder.pop_back();
        const bool recursive = request.get_param_value("recursive") == "true" ||
                               request.get_param_value("recursive") == "1";
        const bool expand = request.get_param_value("expand") == "true";
        const json entries = list_tree(*commit, folder, recursive, expand);
        if (!folder.empty() && entries.empty()) {
          return write_hub_error(
              response, 404, "EntryNotFound",
              fmt::format("no folder '{}' in {}@{}", folder, repo.key(), request.matches[3].str()));
        }
        const auto number = [&](const char* name, size_t fallback) -> std::optional<size_t> {
          if (!request.has_param(name)) return fallback;
          const std::string text = request.get_param_value(name);
          size_t value = 0;
          const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
          if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
          return value;
        };
        const auto asked_limit = number("limit", 1000);
        const auto asked_offset = number("cursor", 0);
        if (!asked_limit || !asked_offset) {
          return write_hub_error(response, 400, "", "limit and cursor must be whole numbers");
        }
        const size_t limit = std::clamp<size_t>(*asked_limit, 1, 10000);
        const size_t offset = *asked_offset;
        json page = json::array();
        for (size_t i = offset; i < entries.size() && page.size() < limit; ++i) {
          page.push_back(entries[i]);
        }
        if (offset + page.size() < entries.size()) {
          std::string next = fmt::format(
              "{}/api/{}s/{}/tree/{}{}?recursive={}&expand={}&limit={}&cursor={}",
              base_url(request), hub::to_string(repo.type), repo.name, request.matches[3].str(),
              folder.empty() ? "" : "/" + folder, recursive, expand, limit, offset + page.size());
          response.set_header("Link", fmt::format("<{}>; rel=\"next\"", next));
        }
        response.set_content(page.dump(), "application/json");
      }));

  server.Post("/api/" + kTypes + "/" + kRepo + "/paths-info/(.+)",
              json_safe([=](const httplib::Request& request, httplib::Response& response) {
                if (unavailable(response)) return;
                const RepoId repo = repo_of(request);
                auto commit = resolve_or_answer(*hub, repo, request.matches[3].str(), response);
                if (!commit) return;
                auto asked = paths_info_request(request);
                if (!asked) return write_hub_error(response, asked.error());
                json entries = json::array();
                for (const auto& path : asked->first) {
                  for (const auto& file : commit->files) {
                    if (file.path == path) entries.push_back(tree_entry(file, &*commit));
                  }
                  const bool is_folder = std::ranges::any_of(
                      commit->files,
                      [&](const HubFile& file) { return file.path.starts_with(path + "/"); });
                  if (is_folder) entries.push_back(directory_entry(path));
                }
                response.set_content(entries.dump(), "application/json");
              }));

  const auto xet_refused = [](const httplib::Request&, httplib::Response& response) {
    write_hub_error(response, 501, "XetNotServed",
                    "twin server does not serve the Xet protocol: set HF_HUB_DISABLE_XET=1 so "
                    "the client uses plain HTTP and Git LFS");
  };
  server.Get("/api/" + kTypes + "/" + kRepo + "/xet-(?:read|write)-token/(.+)", xet_refused);

  add_hub_transfer_routes(server, hub, shared);
}

}  // namespace twin::server
