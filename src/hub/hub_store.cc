#include "twin/hub/hub_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "twin/artifacts/content_hash.h"
#include "twin/db/migrations.h"

namespace twin::hub {
namespace {

const std::vector<db::Migration>& migrations() {
  static const std::vector<db::Migration> kMigrations = {
      {1, "hub repos, commits, files and refs",
       R"sql(
CREATE TABLE hub_repos (
  repo_key TEXT PRIMARY KEY, repo_type TEXT NOT NULL, name TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL);
CREATE TABLE hub_commits (
  repo_key TEXT NOT NULL REFERENCES hub_repos(repo_key) ON DELETE CASCADE,
  commit_id TEXT NOT NULL, parent_id TEXT NOT NULL, title TEXT NOT NULL, message TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL, PRIMARY KEY (repo_key, commit_id));
CREATE TABLE hub_commit_files (
  repo_key TEXT NOT NULL, commit_id TEXT NOT NULL, path TEXT NOT NULL, size BIGINT NOT NULL,
  sha256 TEXT NOT NULL, git_oid TEXT NOT NULL, lfs BIGINT NOT NULL,
  PRIMARY KEY (repo_key, commit_id, path),
  FOREIGN KEY (repo_key, commit_id) REFERENCES hub_commits(repo_key, commit_id) ON DELETE CASCADE);
CREATE TABLE hub_refs (
  repo_key TEXT NOT NULL REFERENCES hub_repos(repo_key) ON DELETE CASCADE,
  name TEXT NOT NULL, commit_id TEXT NOT NULL, PRIMARY KEY (repo_key, name));
)sql",
       "", ""},
  };
  return kMigrations;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool is_commit_id(std::string_view text) {
  return text.size() == 40 && std::ranges::all_of(text, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<std::vector<HubFile>> load_files(db::Connection& c, const std::string& key,
                                        const std::string& commit_id) {
  TWIN_ASSIGN_OR_RETURN(auto rows, c.query("SELECT path, size, sha256, git_oid, lfs FROM "
                                           "hub_commit_files WHERE repo_key = ? AND commit_id = ? "
                                           "ORDER BY path",
                                           {key, commit_id}));
  std::vector<HubFile> files;
  for (const auto& row : rows) {
    files.push_back({.path = row.text(0),
                     .size = static_cast<uint64_t>(row.int64(1)),
                     .sha256 = row.text(2),
                     .git_oid = row.text(3),
                     .lfs = row.int64(4) != 0});
  }
  return files;
}

Result<HubCommit> load_commit(db::Connection& c, const std::string& key,
                              const std::string& commit_id) {
  TWIN_ASSIGN_OR_RETURN(auto row, c.query_one("SELECT commit_id, parent_id, title, message, "
                                              "created_at_ms FROM hub_commits WHERE repo_key = ? "
                                              "AND commit_id = ?",
                                              {key, commit_id}));
  if (!row) return fail(Status::not_found(fmt::format("no revision '{}' in {}", commit_id, key)));
  HubCommit commit{.id = row->text(0),
                   .parent = row->text(1),
                   .title = row->text(2),
                   .message = row->text(3),
                   .created_at_ms = row->int64(4),
                   .files = {}};
  TWIN_ASSIGN_OR_RETURN(commit.files, load_files(c, key, commit_id));
  return commit;
}

Result<std::optional<std::string>> branch_head(db::Connection& c, const std::string& key,
                                               std::string_view branch) {
  TWIN_ASSIGN_OR_RETURN(
      auto row, c.query_one("SELECT commit_id FROM hub_refs WHERE repo_key = ? AND name = ?",
                            {key, std::string(branch)}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->text(0));
}

// A commit id as git would make one: the SHA-1 of what the commit holds.
std::string commit_id_for(const std::string& key, const HubCommit& commit) {
  std::string text =
      fmt::format("repo {}\nparent {}\ntime {}\n", key, commit.parent, commit.created_at_ms);
  for (const auto& file : commit.files) {
    text += fmt::format("{} {} {} {}\n", file.git_oid, file.sha256, file.size, file.path);
  }
  text += commit.title + "\n\n" + commit.message;
  return git_blob_oid(text);
}

Status insert_commit(db::Connection& c, const std::string& key, const HubCommit& commit) {
  TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
      "INSERT INTO hub_commits (repo_key, commit_id, parent_id, title, message, "
      "created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
      {key, commit.id, commit.parent, commit.title, commit.message, commit.created_at_ms})));
  for (const auto& file : commit.files) {
    TWIN_RETURN_IF_ERROR(db::status_of(
        c.execute("INSERT INTO hub_commit_files (repo_key, commit_id, path, size, sha256, "
                  "git_oid, lfs) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {key, commit.id, file.path, static_cast<int64_t>(file.size), file.sha256,
                   file.git_oid, file.lfs})));
  }
  return Status::ok();
}

Status set_ref(db::Connection& c, const std::string& key, const std::string& branch,
               const std::string& commit_id) {
  return db::status_of(
      c.execute("INSERT INTO hub_refs (repo_key, name, commit_id) VALUES (?, ?, ?) "
                "ON CONFLICT (repo_key, name) DO UPDATE SET commit_id = excluded.commit_id",
                {key, branch, commit_id}));
}

}  // namespace

std::string_view to_string(RepoType type) { return type == RepoType::kModel ? "model" : "dataset"; }

Result<RepoType> parse_repo_type(std::string_view word) {
  if (word == "model" || word == "models") return RepoType::kModel;
  if (word == "dataset" || word == "datasets") return RepoType::kDataset;
  return fail(Status::invalid_argument(
      fmt::format("repo type '{}' is not served (model or dataset)", word)));
}

std::string RepoId::key() const { return fmt::format("{}s/{}", to_string(type), name); }

Status validate_repo_name(std::string_view name) {
  const size_t slash = name.find('/');
  const auto valid_part = [](std::string_view part) {
    return !part.empty() && part.size() <= 96 && !part.starts_with('.') &&
           std::ranges::all_of(part, is_name_char);
  };
  if (slash == std::string_view::npos || !valid_part(name.substr(0, slash)) ||
      !valid_part(name.substr(slash + 1))) {
    return Status::invalid_argument(fmt::format(
        "repo name '{}' is not 'namespace/name' (letters, digits, '-', '_', '.')", name));
  }
  return Status::ok();
}

Status validate_file_path(std::string_view path) {
  const auto bad = [path](std::string_view why) {
    return Status::invalid_argument(
        fmt::format("file path '{}' {}; paths must stay inside the repo", path, why));
  };
  if (path.empty()) return bad("is empty");
  if (path.size() > 1024) return bad("is longer than 1024 bytes");
  if (path.starts_with('/')) return bad("is absolute");
  if (path.find('\0') != std::string_view::npos) return bad("has a NUL");
  if (path.find('\\') != std::string_view::npos) return bad("has a backslash");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return bad("has an empty, '.' or '..' part");
    }
    start = end + 1;
  }
  return Status::ok();
}

Result<std::unique_ptr<HubStore>> HubStore::open(db::Database& database,
                                                 artifacts::ArtifactStore& artifacts,
                                                 HubStoreOptions options) {
  TWIN_RETURN_IF_ERROR(db::migrate(database, "hub", migrations()));
  if (options.staging_dir.empty()) {
    return fail(Status::invalid_argument("the hub store needs a staging folder"));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.staging_dir, ec);
  if (ec) {
    return fail(Status::io(fmt::format("{}: {}", options.staging_dir.string(), ec.message())));
  }
  // Uploads a crashed server left behind: nothing older than a day can still complete (upload
  // URLs expire after an hour), so it goes; younger files may belong to a live server.
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& folder : {options.staging_dir, options.staging_dir / "parts"}) {
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      const std::string name = entry.path().filename().string();
      if (name == "parts" || entry.last_write_time(ec) > cutoff || ec) continue;
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  return std::unique_ptr<HubStore>(new HubStore(database, artifacts, std::move(options)));
}

Status HubStore::create_repo(const RepoId& repo) {
  TWIN_RETURN_IF_ERROR(validate_repo_name(repo.name));
  const std::string key = repo.key();
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_ASSIGN_OR_RETURN(auto existing,
                          c.query_one("SELECT 1 FROM hub_repos WHERE repo_key = ?", {key}));
    if (existing) return Status::already_exists(fmt::format("repo {} exists already", key));
    const int64_t now = now_ms();
    TWIN_RETURN_IF_ERROR(db::status_of(
        c.execute("INSERT INTO hub_repos (repo_key, repo_type, name, created_at_ms) VALUES (?, "
                  "?, ?, ?)",
                  {key, std::string(to_string(repo.type)), repo.name, now})));
    HubCommit first{.id = "",
                    .parent = "",
                    .title = "initial commit",
                    .message = "",
                    .created_at_ms = now,
                    .files = {}};
    first.id = commit_id_for(key, first);
    TWIN_RETURN_IF_ERROR(insert_commit(c, key, first));
    return set_ref(c, key, "main", first.id);
  });
}

Status HubStore::delete_repo(const RepoId& repo) {
  const std::string key = repo.key();
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(
        db::status_of(c.execute("DELETE FROM hub_refs WHERE repo_key = ?", {key})));
    TWIN_RETURN_IF_ERROR(
        db::status_of(c.execute("DELETE FROM hub_commit_files WHERE repo_key = ?", {key})));
    TWIN_RETURN_IF_ERROR(
        db::status_of(c.execute("DELETE FROM hub_commits WHERE repo_key = ?", {key})));
    TWIN_ASSIGN_OR_RETURN(int64_t deleted,
                          c.execute("DELETE FROM hub_repos WHERE repo_key = ?", {key}));
    if (deleted == 0) return Status::not_found(fmt::format("no repo {}", key));
    return Status::ok();
  });
}

Result<bool> HubStore::repo_exists(const RepoId& repo) {
  TWIN_ASSIGN_OR_RETURN(
      auto row, database_.query_one("SELECT 1 FROM hub_repos WHERE repo_key = ?", {repo.key()}));
  return row.has_value();
}

Result<std::vector<std::string>> HubStore::branches(const RepoId& repo) {
  TWIN_ASSIGN_OR_RETURN(auto rows,
                        database_.query("SELECT name FROM hub_refs WHERE repo_key = ? ORDER BY "
                                        "CASE WHEN name = 'main' THEN 0 ELSE 1 END, name",
                                        {repo.key()}));
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(row.text(0));
  return names;
}

Result<HubCommit> HubStore::resolve(const RepoId& repo, std::string_view revision) {
  const std::string key = repo.key();
  const std::string branch = revision == "HEAD" ? std::string("main") : std::string(revision);
  auto connection = database_.acquire();
  if (!connection) return fail(connection.error());
  db::Connection& c = **connection;
  TWIN_ASSIGN_OR_RETURN(auto head, branch_head(c, key, branch));
  if (head) return load_commit(c, key, *head);
  if (is_commit_id(revision)) return load_commit(c, key, std::string(revision));
  return fail(Status::not_found(fmt::format("no revision '{}' in {}", revision, key)));
}

Result<HubCommit> HubStore::commit(const RepoId& repo, const CommitRequest& request) {
  const std::string key = repo.key();
  for (const auto& change : request.changes) {
    TWIN_RETURN_IF_ERROR(validate_file_path(change.path));
    if (change.kind == FileChange::Kind::kPut && !has_object(change.sha256, change.size)) {
      return fail(Status::invalid_argument(
          fmt::format("file '{}': object {} of {} bytes is not stored (upload it first)",
                      change.path, change.sha256, change.size)));
    }
  }
  if (request.branch.empty() || validate_file_path(request.branch).code() != StatusCode::kOk) {
    return fail(
        Status::invalid_argument(fmt::format("branch name '{}' is not valid", request.branch)));
  }
  auto recorded = database_.run_in_transaction([&](db::Connection& c) -> Result<HubCommit> {
    TWIN_ASSIGN_OR_RETURN(auto exists,
                          c.query_one("SELECT 1 FROM hub_repos WHERE repo_key = ?", {key}));
    if (!exists) return fail(Status::not_found(fmt::format("no repo {}", key)));
    TWIN_ASSIGN_OR_RETURN(auto head, branch_head(c, key, request.branch));
    if (!head) {
      TWIN_ASSIGN_OR_RETURN(head, branch_head(c, key, "main"));
      if (!head) return fail(Status::internal(fmt::format("repo {} has no main branch", key)));
    }
    if (!request.parent_commit.empty() && request.parent_commit != *head) {
      return fail(Status::failed_precondition(
          fmt::format("parent commit {} is not the head of {} in {} (now {}): a commit has "
                      "happened since; refresh and try again",
                      request.parent_commit, request.branch, key, *head)));
    }
    TWIN_ASSIGN_OR_RETURN(auto files, load_files(c, key, *head));
    std::map<std::string, HubFile> tree;
    for (auto& file : files) tree.emplace(file.path, std::move(file));
    for (const auto& change : request.changes) {
      if (change.kind == FileChange::Kind::kDeleteFolder) {
        const std::string prefix = change.path + "/";
        const auto erased =
            std::erase_if(tree, [&](const auto& entry) { return entry.first.starts_with(prefix); });
        if (erased == 0) {
          return fail(Status::not_found(
              fmt::format("folder '{}' is not in {}@{}", change.path, key, request.branch)));
        }
        continue;
      }
      if (change.kind == FileChange::Kind::kDelete) {
        if (tree.erase(change.path) == 0) {
          return fail(Status::not_found(
              fmt::format("file '{}' is not in {}@{}", change.path, key, request.branch)));
        }
        continue;
      }
      HubFile file{.path = change.path,
                   .size = change.size,
                   .sha256 = change.sha256,
                   .git_oid = "",
                   .lfs = change.lfs};
      if (change.lfs) {
        file.git_oid = git_blob_oid(lfs_pointer(change.sha256, change.size));
      } else {
        TWIN_ASSIGN_OR_RETURN(std::string bytes, artifacts_.get_bytes(change.sha256));
        file.git_oid = git_blob_oid(bytes);
      }
      tree.insert_or_assign(change.path, std::move(file));
    }
    HubCommit commit{.id = "",
                     .parent = *head,
                     .title = request.title.empty() ? std::string("Upload files") : request.title,
                     .message = request.description,
                     .created_at_ms = now_ms(),
                     .files = {}};
    for (auto& [path, file] : tree) commit.files.push_back(std::move(file));
    commit.id = commit_id_for(key, commit);
    TWIN_RETURN_IF_ERROR(insert_commit(c, key, commit));
    TWIN_RETURN_IF_ERROR(set_ref(c, key, request.branch, commit.id));
    return commit;
  });
  if (!recorded) return recorded;
  if (repo.type == RepoType::kModel && options_.registry != nullptr) {
    if (Status linked = record_registry_version(repo, *recorded); !linked.is_ok()) {
      spdlog::warn("hub commit {} of {} is recorded, but not as a registry version: {}",
                   recorded->id, key, linked.message());
    }
  }
  return recorded;
}

Status HubStore::record_registry_version(const RepoId& repo, const HubCommit& commit) {
  registry::ModelRegistry& models = *options_.registry;
  if (auto existing = models.get_model(repo.name); !existing) {
    if (existing.error().code() != StatusCode::kNotFound) return existing.error();
    auto created = models.create_model(repo.name, "Hugging Face Hub repo " + repo.key());
    if (!created && created.error().code() != StatusCode::kAlreadyExists) return created.error();
  }
  std::string card;
  for (const auto& file : commit.files) {
    if (file.path == registry::kModelCardFile) {
      TWIN_ASSIGN_OR_RETURN(card, artifacts_.get_bytes(file.sha256));
    }
  }
  auto version = models.create_version({.name = repo.name,
                                        .source = fmt::format("hub://{}@{}", repo.key(), commit.id),
                                        .run_id = "",
                                        .run_link = "",
                                        .description = commit.title,
                                        .model_card = card,
                                        .tags = {{"hub.commit", commit.id}}});
  return version ? Status::ok() : version.error();
}

}  // namespace twin::hub
