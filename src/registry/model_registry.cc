#include "twin/registry/model_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>

#include "twin/db/migrations.h"
#include "twin/tracking/run_filter.h"

namespace twin::registry {
namespace {

const std::vector<db::Migration>& migrations() {
  static const std::vector<db::Migration> kMigrations = {
      {1, "registered models, versions, tags and aliases",
       R"sql(
CREATE TABLE registry_models (
  name TEXT PRIMARY KEY, description TEXT NOT NULL,
  creation_time BIGINT NOT NULL, last_update_time BIGINT NOT NULL);
CREATE TABLE registry_model_tags (
  name TEXT NOT NULL REFERENCES registry_models(name) ON DELETE CASCADE,
  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key));
CREATE TABLE registry_versions (
  name TEXT NOT NULL REFERENCES registry_models(name) ON DELETE CASCADE,
  version BIGINT NOT NULL, description TEXT NOT NULL, source TEXT NOT NULL,
  run_id TEXT NOT NULL, run_link TEXT NOT NULL, status TEXT NOT NULL,
  current_stage TEXT NOT NULL, model_card TEXT NOT NULL,
  creation_time BIGINT NOT NULL, last_update_time BIGINT NOT NULL,
  PRIMARY KEY (name, version));
CREATE TABLE registry_version_tags (
  name TEXT NOT NULL, version BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (name, version, key),
  FOREIGN KEY (name, version) REFERENCES registry_versions(name, version) ON DELETE CASCADE);
CREATE TABLE registry_aliases (
  name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL,
  PRIMARY KEY (name, alias),
  FOREIGN KEY (name, version) REFERENCES registry_versions(name, version) ON DELETE CASCADE);
)sql",
       "", ""},
      {2, "model version files in the artifact store",
       R"sql(
CREATE TABLE registry_version_files (
  name TEXT NOT NULL, version BIGINT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
  size BIGINT NOT NULL, PRIMARY KEY (name, version, path),
  FOREIGN KEY (name, version) REFERENCES registry_versions(name, version) ON DELETE CASCADE);
)sql",
       "", ""},
  };
  return kMigrations;
}

constexpr std::string_view kVersionColumns =
    "name, version, description, source, run_id, run_link, status, current_stage, model_card, "
    "creation_time, last_update_time";
const std::vector<std::string> kStages = {"None", "Staging", "Production", "Archived"};

ModelVersion version_from_row(const db::Row& row) {
  ModelVersion v;
  v.name = row.text(0);
  v.version = row.int64(1);
  v.description = row.text(2);
  v.source = row.text(3);
  v.run_id = row.text(4);
  v.run_link = row.text(5);
  v.status = row.text(6);
  v.current_stage = row.text(7);
  v.model_card = row.text(8);
  v.creation_time_ms = row.int64(9);
  v.last_update_time_ms = row.int64(10);
  return v;
}

// Loads versions selected by `where` with their tags and aliases.
Result<std::vector<ModelVersion>> load_versions(db::Connection& c, const std::string& where,
                                                const db::Params& params) {
  TWIN_ASSIGN_OR_RETURN(
      db::Rows rows,
      c.query(fmt::format("SELECT {} FROM registry_versions WHERE {} ORDER BY name, version",
                          kVersionColumns, where),
              params));
  std::vector<ModelVersion> out;
  std::map<std::pair<std::string, int64_t>, size_t> index;
  for (const db::Row& row : rows) {
    out.push_back(version_from_row(row));
    index[{out.back().name, out.back().version}] = out.size() - 1;
  }
  if (out.empty()) return out;
  const std::string scope = fmt::format(
      "(name, version) IN (SELECT name, version FROM registry_versions WHERE {})", where);
  TWIN_ASSIGN_OR_RETURN(db::Rows tags, c.query("SELECT name, version, key, value FROM "
                                               "registry_version_tags WHERE " +
                                                   scope + " ORDER BY key",
                                               params));
  for (const db::Row& row : tags) {
    if (auto it = index.find({row.text(0), row.int64(1)}); it != index.end()) {
      out[it->second].tags.push_back({row.text(2), row.text(3)});
    }
  }
  TWIN_ASSIGN_OR_RETURN(db::Rows aliases, c.query("SELECT name, version, alias FROM "
                                                  "registry_aliases WHERE " +
                                                      scope + " ORDER BY alias",
                                                  params));
  for (const db::Row& row : aliases) {
    if (auto it = index.find({row.text(0), row.int64(1)}); it != index.end()) {
      out[it->second].aliases.push_back(row.text(2));
    }
  }
  TWIN_ASSIGN_OR_RETURN(db::Rows files, c.query("SELECT name, version, path, sha256, size FROM "
                                                "registry_version_files WHERE " +
                                                    scope + " ORDER BY path",
                                                params));
  for (const db::Row& row : files) {
    if (auto it = index.find({row.text(0), row.int64(1)}); it != index.end()) {
      out[it->second].files.push_back(
          {row.text(2), row.text(3), static_cast<uint64_t>(row.int64(4))});
    }
  }
  return out;
}

Status upsert_file(db::Connection& c, const std::string& name, int64_t version,
                   const ModelFile& file) {
  return db::status_of(c.execute(
      "INSERT INTO registry_version_files (name, version, path, sha256, size) VALUES (?, ?, ?, ?, "
      "?) ON CONFLICT (name, version, path) DO UPDATE SET sha256 = excluded.sha256, size = "
      "excluded.size",
      {name, version, file.path, file.sha256, static_cast<int64_t>(file.size)}));
}

// A YAML scalar: JSON's double-quoted strings are valid YAML.
std::string yaml_string(std::string_view text) { return nlohmann::json(text).dump(); }

std::string yaml_number(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  return fmt::format("{}", value);
}

// A markdown table cell: no line breaks, '|' escaped.
std::string cell(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') {
      out += "\\|";
    } else if (ch == '\n' || ch == '\r') {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

// Every regular file of `root` (a file or a folder) with its path relative to the folder.
Result<std::vector<std::pair<std::string, std::filesystem::path>>> model_files_at(
    const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(root, ec);
  if (ec || !fs::exists(status)) {
    return fail(Status::not_found(fmt::format("{}: no such file or folder", root.string())));
  }
  std::vector<std::pair<std::string, fs::path>> out;
  if (fs::is_regular_file(status)) {
    out.emplace_back(root.filename().string(), root);
    return out;
  }
  if (!fs::is_directory(status)) {
    return fail(
        Status::invalid_argument(fmt::format("{}: not a regular file or a folder", root.string())));
  }
  const fs::path canonical_root = fs::canonical(root, ec);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path& path = it->path();
    std::error_code type_error;
    if (!it->is_regular_file(type_error)) continue;  // follows symlinks; checked to stay inside
    const fs::path target = fs::canonical(path, ec);
    if (ec) break;
    const auto root_end = std::ranges::mismatch(canonical_root, target).in1;
    if (root_end != canonical_root.end()) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: a symlink to {}, outside the model folder", path.string(), target.string())));
    }
    out.emplace_back(path.lexically_relative(root).generic_string(), path);
  }
  if (ec) return fail(Status::io(fmt::format("{}: {}", root.string(), ec.message())));
  if (out.empty()) {
    return fail(
        Status::invalid_argument(fmt::format("{}: the folder has no files", root.string())));
  }
  std::ranges::sort(out);
  return out;
}

Result<ModelVersion> load_version(db::Connection& c, const std::string& name, int64_t version) {
  TWIN_ASSIGN_OR_RETURN(auto versions,
                        load_versions(c, "name = ? AND version = ?", {name, version}));
  if (versions.empty()) {
    return fail(Status::not_found(fmt::format("model '{}' has no version {}", name, version)));
  }
  // An element of a local vector is never elided: moving it out is the cheap way.
  // cppcheck-suppress returnStdMoveLocal
  return std::move(versions.front());
}

Result<RegisteredModel> load_model(db::Connection& c, const std::string& name) {
  TWIN_ASSIGN_OR_RETURN(auto row,
                        c.query_one("SELECT name, description, creation_time, "
                                    "last_update_time FROM registry_models WHERE name = ?",
                                    {name}));
  if (!row) return fail(Status::not_found(fmt::format("no registered model named '{}'", name)));
  RegisteredModel model;
  model.name = row->text(0);
  model.description = row->text(1);
  model.creation_time_ms = row->int64(2);
  model.last_update_time_ms = row->int64(3);
  TWIN_ASSIGN_OR_RETURN(db::Rows tags, c.query("SELECT key, value FROM registry_model_tags WHERE "
                                               "name = ? ORDER BY key",
                                               {name}));
  for (const db::Row& tag : tags) model.tags.push_back({tag.text(0), tag.text(1)});
  TWIN_ASSIGN_OR_RETURN(db::Rows aliases, c.query("SELECT alias, version FROM registry_aliases "
                                                  "WHERE name = ? ORDER BY alias",
                                                  {name}));
  for (const db::Row& alias : aliases) model.aliases.push_back({alias.text(0), alias.int64(1)});
  TWIN_ASSIGN_OR_RETURN(auto versions, load_versions(c, "name = ?", {name}));
  std::map<std::string, ModelVersion> newest_by_stage;
  for (ModelVersion& v : versions) newest_by_stage[v.current_stage] = std::move(v);
  for (auto& [stage, v] : newest_by_stage) model.latest_versions.push_back(std::move(v));
  return model;
}

Status touch_model(db::Connection& c, const std::string& name) {
  return db::status_of(c.execute("UPDATE registry_models SET last_update_time = ? WHERE name = ?",
                                 {tracking::now_ms(), name}));
}

// Evaluates a registry filter (RunFilter syntax over attributes) against named fields.
Result<tracking::RunFilter> parse_registry_filter(const std::string& filter,
                                                  const std::vector<std::string>& allowed) {
  TWIN_ASSIGN_OR_RETURN(tracking::RunFilter parsed, tracking::RunFilter::parse(filter));
  for (const auto& clause : parsed.clauses()) {
    if (clause.entity != tracking::FilterEntity::kAttribute ||
        std::ranges::find(allowed, clause.key) == allowed.end() ||
        !std::holds_alternative<std::string>(clause.value)) {
      return fail(Status::invalid_argument(
          fmt::format("filter '{}': only {} can be compared here (with =, !=, LIKE, ILIKE)", filter,
                      fmt::join(allowed, ", "))));
    }
  }
  return parsed;
}

bool registry_filter_matches(const tracking::RunFilter& filter,
                             const std::map<std::string, std::string>& fields) {
  for (const auto& clause : filter.clauses()) {
    const auto it = fields.find(clause.key);
    if (it == fields.end()) return false;
    const auto& expected = std::get<std::string>(clause.value);
    const std::string& actual = it->second;
    bool ok = false;
    if (clause.op == "=") ok = actual == expected;
    if (clause.op == "!=") ok = actual != expected;
    if (clause.op == "LIKE") ok = tracking::like_match(actual, expected, false);
    if (clause.op == "ILIKE") ok = tracking::like_match(actual, expected, true);
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::string> canonical_stage(std::string_view stage) {
  for (const std::string& known : kStages) {
    if (known.size() == stage.size() &&
        std::equal(known.begin(), known.end(), stage.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return known;
    }
  }
  return fail(Status::invalid_argument(
      fmt::format("stage '{}' is not None, Staging, Production or Archived", stage)));
}

std::string default_model_card(const ModelVersion& version, const tracking::Run* run) {
  std::string card = "---\n";
  card += fmt::format("model_name: {}\nversion: {}\n", yaml_string(version.name), version.version);
  if (!version.source.empty()) card += fmt::format("source: {}\n", yaml_string(version.source));
  if (!version.run_id.empty()) card += fmt::format("run_id: {}\n", yaml_string(version.run_id));
  if (run != nullptr && !run->info.experiment_id.empty()) {
    card += fmt::format("experiment_id: {}\n", yaml_string(run->info.experiment_id));
  }
  if (!version.tags.empty()) {
    card += "tags:\n";
    for (const Tag& tag : version.tags) {
      card += fmt::format("  {}: {}\n", yaml_string(tag.key), yaml_string(tag.value));
    }
  }
  if (run != nullptr && !run->latest_metrics.empty()) {
    card += "metrics:\n";
    for (const tracking::Metric& m : run->latest_metrics) {
      card += fmt::format("  {}: {}\n", yaml_string(m.key), yaml_number(m.value));
    }
  }
  card += "---\n\n";
  card += fmt::format("# {} (version {})\n\n", version.name, version.version);
  card += version.description.empty() ? "No description yet.\n" : version.description + "\n";
  std::vector<ModelFile> files = version.files;
  std::erase_if(files, [](const ModelFile& f) { return f.path == kModelCardFile; });
  if (!files.empty()) {
    card += "\n## Files\n\n| file | bytes | sha256 |\n|---|---:|---|\n";
    for (const ModelFile& f : files) {
      card += fmt::format("| {} | {} | `{}` |\n", cell(f.path), f.size, f.sha256);
    }
  } else if (!version.source.empty()) {
    card += fmt::format("\nSource: `{}`\n", version.source);
  }
  if (run != nullptr) {
    card += fmt::format("\n## Training run\n\nRun `{}` ({}), {}.\n", run->info.run_id,
                        run->info.run_name, tracking::to_string(run->info.status));
    if (!run->params.empty()) {
      card += "\n| param | value |\n|---|---|\n";
      for (const tracking::Param& p : run->params) {
        card += fmt::format("| {} | {} |\n", cell(p.key), cell(p.value));
      }
    }
    if (!run->latest_metrics.empty()) {
      card += "\n| metric | value | step |\n|---|---:|---:|\n";
      for (const tracking::Metric& m : run->latest_metrics) {
        card += fmt::format("| {} | {} | {} |\n", cell(m.key), yaml_number(m.value), m.step);
      }
    }
  } else if (!version.run_id.empty()) {
    card += fmt::format("\nTraining run: `{}`.\n", version.run_id);
  }
  return card;
}

Result<std::unique_ptr<ModelRegistry>> ModelRegistry::open(db::Database& database,
                                                           RegistryStores stores) {
  TWIN_RETURN_IF_ERROR(db::migrate(database, "registry", migrations()));
  return std::unique_ptr<ModelRegistry>(new ModelRegistry(database, stores));
}

Result<RegisteredModel> ModelRegistry::create_model(const std::string& name,
                                                    const std::string& description,
                                                    const std::vector<Tag>& tags) {
  if (name.empty()) return fail(Status::invalid_argument("name: must not be empty"));
  return database_.run_in_transaction([&](db::Connection& c) -> Result<RegisteredModel> {
    const int64_t now = tracking::now_ms();
    auto inserted = c.execute(
        "INSERT INTO registry_models (name, description, creation_time, "
        "last_update_time) VALUES (?, ?, ?, ?)",
        {name, description, now, now});
    if (!inserted && inserted.error().code() == StatusCode::kAlreadyExists) {
      return fail(
          Status::already_exists(fmt::format("registered model '{}' already exists", name)));
    }
    TWIN_RETURN_IF_ERROR(db::status_of(inserted));
    for (const Tag& tag : tags) {
      TWIN_RETURN_IF_ERROR(db::status_of(
          c.execute("INSERT INTO registry_model_tags (name, key, value) VALUES (?, ?, ?)",
                    {name, tag.key, tag.value})));
    }
    return load_model(c, name);
  });
}

Result<RegisteredModel> ModelRegistry::get_model(const std::string& name) {
  return database_.run_in_transaction([&](db::Connection& c) { return load_model(c, name); });
}

Result<std::vector<RegisteredModel>> ModelRegistry::search_models(const std::string& filter) {
  TWIN_ASSIGN_OR_RETURN(tracking::RunFilter parsed, parse_registry_filter(filter, {"name"}));
  return database_.run_in_transaction(
      [&](db::Connection& c) -> Result<std::vector<RegisteredModel>> {
        TWIN_ASSIGN_OR_RETURN(db::Rows names,
                              c.query("SELECT name FROM registry_models ORDER BY name"));
        std::vector<RegisteredModel> out;
        for (const db::Row& row : names) {
          if (!registry_filter_matches(parsed, {{"name", row.text(0)}})) continue;
          TWIN_ASSIGN_OR_RETURN(RegisteredModel model, load_model(c, row.text(0)));
          out.push_back(std::move(model));
        }
        return out;
      });
}

Result<RegisteredModel> ModelRegistry::update_model(const std::string& name,
                                                    const std::string& description) {
  return database_.run_in_transaction([&](db::Connection& c) -> Result<RegisteredModel> {
    TWIN_ASSIGN_OR_RETURN(const int64_t changed,
                          c.execute("UPDATE registry_models SET description = ?, "
                                    "last_update_time = ? WHERE name = ?",
                                    {description, tracking::now_ms(), name}));
    if (changed == 0) {
      return fail(Status::not_found(fmt::format("no registered model named '{}'", name)));
    }
    return load_model(c, name);
  });
}

Status ModelRegistry::delete_model(const std::string& name) {
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    // Children first, so the delete works whether or not foreign keys cascade.
    for (std::string_view table :
         {"registry_aliases", "registry_version_tags", "registry_version_files",
          "registry_versions", "registry_model_tags"}) {
      TWIN_RETURN_IF_ERROR(
          db::status_of(c.execute(fmt::format("DELETE FROM {} WHERE name = ?", table), {name})));
    }
    TWIN_ASSIGN_OR_RETURN(const int64_t deleted,
                          c.execute("DELETE FROM registry_models WHERE name = ?", {name}));
    if (deleted == 0) return Status::not_found(fmt::format("no registered model named '{}'", name));
    return Status::ok();
  });
}

Status ModelRegistry::set_model_tag(const std::string& name, const Tag& tag) {
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(db::status_of(load_model(c, name)));
    TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
        "INSERT INTO registry_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, "
        "key) DO UPDATE SET value = excluded.value",
        {name, tag.key, tag.value})));
    return touch_model(c, name);
  });
}

Status ModelRegistry::delete_model_tag(const std::string& name, const std::string& key) {
  TWIN_ASSIGN_OR_RETURN(
      const int64_t deleted,
      database_.execute("DELETE FROM registry_model_tags WHERE name = ? AND key = ?", {name, key}));
  if (deleted == 0) {
    return Status::not_found(fmt::format("registered model '{}' has no tag '{}'", name, key));
  }
  return Status::ok();
}

Result<ModelVersion> ModelRegistry::create_version(const CreateVersionRequest& request) {
  if (request.source.empty() && request.run_id.empty()) {
    return fail(Status::invalid_argument("source: a model version needs a source URI or a run_id"));
  }
  return insert_version(request, {});
}

Status ModelRegistry::store_model_card(db::Connection& c, const std::string& name, int64_t version,
                                       const std::string& markdown) const {
  if (stores_.artifacts != nullptr) {
    // Flushed by the caller after the transaction, not while it holds the database; a card lost
    // to a power loss before that shows as a missing blob (its size is recorded).
    TWIN_ASSIGN_OR_RETURN(artifacts::BlobInfo blob, stores_.artifacts->put_bytes(markdown));
    TWIN_RETURN_IF_ERROR(
        upsert_file(c, name, version, {std::string(kModelCardFile), blob.hash, blob.size}));
  }
  return db::status_of(c.execute(
      "UPDATE registry_versions SET model_card = ?, last_update_time = ? WHERE name = ? AND "
      "version = ?",
      {markdown, tracking::now_ms(), name, version}));
}

Result<ModelVersion> ModelRegistry::insert_version(const CreateVersionRequest& request,
                                                   const std::vector<ModelFile>& files) {
  // The run is read before the transaction: the tracking store borrows its own connection.
  std::optional<tracking::Run> run;
  if (request.model_card.empty() && !request.run_id.empty() && stores_.tracking != nullptr) {
    if (auto found = stores_.tracking->get_run(request.run_id)) run = std::move(*found);
  }
  Result<ModelVersion> inserted = database_.run_in_transaction([&](db::Connection& c)
                                                                   -> Result<ModelVersion> {
    TWIN_ASSIGN_OR_RETURN(
        auto model, c.query_one("SELECT name FROM registry_models WHERE name = ?", {request.name}));
    if (!model) {
      return fail(Status::not_found(fmt::format("no registered model named '{}'", request.name)));
    }
    TWIN_ASSIGN_OR_RETURN(auto last, c.query_one("SELECT MAX(version) FROM registry_versions "
                                                 "WHERE name = ?",
                                                 {request.name}));
    const int64_t version = (last && !last->is_null(0) ? last->int64(0) : 0) + 1;
    const int64_t now = tracking::now_ms();
    TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
        fmt::format("INSERT INTO registry_versions ({}) VALUES (?, ?, ?, ?, ?, ?, 'READY', "
                    "'None', ?, ?, ?)",
                    kVersionColumns),
        {request.name, version, request.description, request.source, request.run_id,
         request.run_link, request.model_card, now, now})));
    for (const Tag& tag : request.tags) {
      TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
          "INSERT INTO registry_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)",
          {request.name, version, tag.key, tag.value})));
    }
    for (const ModelFile& file : files) {
      TWIN_RETURN_IF_ERROR(upsert_file(c, request.name, version, file));
    }
    std::string card = request.model_card;
    if (card.empty()) {
      TWIN_ASSIGN_OR_RETURN(ModelVersion created, load_version(c, request.name, version));
      card = default_model_card(created, run ? &*run : nullptr);
    }
    TWIN_RETURN_IF_ERROR(store_model_card(c, request.name, version, card));
    TWIN_RETURN_IF_ERROR(touch_model(c, request.name));
    return load_version(c, request.name, version);
  });
  if (inserted && stores_.artifacts != nullptr) {
    TWIN_RETURN_IF_ERROR(stores_.artifacts->flush());
  }
  return inserted;
}

Result<ModelVersion> ModelRegistry::register_files(const RegisterFilesRequest& request) {
  if (stores_.artifacts == nullptr) {
    return fail(Status::failed_precondition(
        "registering model files needs an artifact store (TWIN_ARTIFACT_URI)"));
  }
  if (request.name.empty()) return fail(Status::invalid_argument("name: must not be empty"));
  // A version names the run that trained it: a run the tracker does not know is a mistake
  // (a typo, another project's store), said before any file is stored.
  if (!request.run_id.empty() && stores_.tracking != nullptr) {
    if (auto run = stores_.tracking->get_run(request.run_id); !run) {
      return fail(run.error().code() == StatusCode::kNotFound
                      ? Status::not_found(fmt::format(
                            "run '{}': no such run in the tracker (twin server's experiments)",
                            request.run_id))
                      : run.error());
    }
  }
  TWIN_ASSIGN_OR_RETURN(auto local_files, model_files_at(request.path));
  std::vector<ModelFile> files;
  nlohmann::json manifest = {{"files", nlohmann::json::array()}};
  std::string card;
  for (const auto& [relative, path] : local_files) {
    TWIN_ASSIGN_OR_RETURN(artifacts::BlobInfo blob, stores_.artifacts->put_file(path));
    files.push_back({relative, blob.hash, blob.size});
    manifest["files"].push_back({{"path", relative}, {"sha256", blob.hash}, {"size", blob.size}});
    if (relative == kModelCardFile) {
      TWIN_ASSIGN_OR_RETURN(card, stores_.artifacts->get_bytes(blob.hash));
    }
  }
  TWIN_ASSIGN_OR_RETURN(artifacts::BlobInfo manifest_blob,
                        stores_.artifacts->put_bytes(manifest.dump(2) + "\n"));
  TWIN_RETURN_IF_ERROR(stores_.artifacts->flush());
  if (auto created = create_model(request.name); !created) {
    if (created.error().code() != StatusCode::kAlreadyExists) return fail(created.error());
  }
  CreateVersionRequest version;
  version.name = request.name;
  version.source = stores_.artifacts->blob_uri(manifest_blob.hash);
  version.run_id = request.run_id;
  version.description = request.description;
  version.model_card = std::move(card);
  version.tags = request.tags;
  return insert_version(version, files);
}

Result<std::string> ModelRegistry::read_file(const std::string& name, int64_t version,
                                             const std::string& path) {
  TWIN_ASSIGN_OR_RETURN(ModelVersion found, get_version(name, version));
  const auto file = std::ranges::find(found.files, path, &ModelFile::path);
  if (file == found.files.end()) {
    return fail(Status::not_found(
        fmt::format("model '{}' version {} has no file '{}'", name, version, path)));
  }
  if (stores_.artifacts == nullptr) {
    return fail(Status::failed_precondition("reading model files needs an artifact store"));
  }
  auto bytes = stores_.artifacts->get_bytes(file->sha256);
  if (!bytes || bytes->size() != file->size) {
    return fail(Status::not_found(fmt::format(
        "model '{}' version {}: the blob of '{}' ({}) is missing from the artifact store", name,
        version, path, file->sha256)));
  }
  return bytes;
}

Status ModelRegistry::download(const std::string& name, int64_t version,
                               const std::filesystem::path& destination) {
  TWIN_ASSIGN_OR_RETURN(ModelVersion found, get_version(name, version));
  if (stores_.artifacts == nullptr) {
    return Status::failed_precondition("downloading model files needs an artifact store");
  }
  for (const ModelFile& file : found.files) {
    const std::filesystem::path relative(file.path);
    const bool escapes = std::ranges::any_of(
        relative, [](const std::filesystem::path& part) { return part == ".."; });
    if (relative.is_absolute() || escapes) {
      return Status::corruption(
          fmt::format("model '{}' version {}: unsafe file path '{}'", name, version, file.path));
    }
    const std::filesystem::path target = destination / relative;
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return Status::io(fmt::format("{}: {}", target.parent_path().string(), ec.message()));
    TWIN_RETURN_IF_ERROR(stores_.artifacts->copy_to_file(file.sha256, target));
  }
  return Status::ok();
}

Result<ModelVersion> ModelRegistry::get_version(const std::string& name, int64_t version) {
  return database_.run_in_transaction(
      [&](db::Connection& c) { return load_version(c, name, version); });
}

Result<std::vector<ModelVersion>> ModelRegistry::search_versions(const std::string& filter) {
  TWIN_ASSIGN_OR_RETURN(tracking::RunFilter parsed,
                        parse_registry_filter(filter, {"name", "run_id", "source"}));
  TWIN_ASSIGN_OR_RETURN(auto versions, database_.run_in_transaction([&](db::Connection& c) {
    return load_versions(c, "1 = 1", {});
  }));
  std::erase_if(versions, [&](const ModelVersion& v) {
    return !registry_filter_matches(parsed,
                                    {{"name", v.name}, {"run_id", v.run_id}, {"source", v.source}});
  });
  return versions;
}

Result<ModelVersion> ModelRegistry::update_version(const std::string& name, int64_t version,
                                                   const std::string& description) {
  return database_.run_in_transaction([&](db::Connection& c) -> Result<ModelVersion> {
    TWIN_ASSIGN_OR_RETURN(const int64_t changed,
                          c.execute("UPDATE registry_versions SET description = ?, "
                                    "last_update_time = ? WHERE name = ? AND version = ?",
                                    {description, tracking::now_ms(), name, version}));
    if (changed == 0) {
      return fail(Status::not_found(fmt::format("model '{}' has no version {}", name, version)));
    }
    return load_version(c, name, version);
  });
}

Status ModelRegistry::delete_version(const std::string& name, int64_t version) {
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    for (std::string_view table :
         {"registry_aliases", "registry_version_tags", "registry_version_files"}) {
      TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
          fmt::format("DELETE FROM {} WHERE name = ? AND version = ?", table), {name, version})));
    }
    TWIN_ASSIGN_OR_RETURN(
        const int64_t deleted,
        c.execute("DELETE FROM registry_versions WHERE name = ? AND version = ?", {name, version}));
    if (deleted == 0) {
      return Status::not_found(fmt::format("model '{}' has no version {}", name, version));
    }
    return touch_model(c, name);
  });
}

Status ModelRegistry::set_version_tag(const std::string& name, int64_t version, const Tag& tag) {
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(db::status_of(load_version(c, name, version)));
    return db::status_of(c.execute(
        "INSERT INTO registry_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON "
        "CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
        {name, version, tag.key, tag.value}));
  });
}

Status ModelRegistry::set_model_card(const std::string& name, int64_t version,
                                     const std::string& markdown) {
  Status stored = database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(db::status_of(load_version(c, name, version)));
    return store_model_card(c, name, version, markdown);
  });
  if (!stored.is_ok() || stores_.artifacts == nullptr) return stored;
  return stores_.artifacts->flush();
}

Result<std::vector<ModelVersion>> ModelRegistry::latest_versions(
    const std::string& name, const std::vector<std::string>& stages) {
  std::vector<std::string> wanted;
  for (const std::string& stage : stages) {
    TWIN_ASSIGN_OR_RETURN(std::string canonical, canonical_stage(stage));
    wanted.push_back(std::move(canonical));
  }
  TWIN_ASSIGN_OR_RETURN(RegisteredModel model, get_model(name));
  std::vector<ModelVersion> out;
  for (ModelVersion& v : model.latest_versions) {
    if (wanted.empty() || std::ranges::find(wanted, v.current_stage) != wanted.end()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

Result<ModelVersion> ModelRegistry::transition_stage(const std::string& name, int64_t version,
                                                     const std::string& stage,
                                                     bool archive_existing) {
  TWIN_ASSIGN_OR_RETURN(const std::string target, canonical_stage(stage));
  return database_.run_in_transaction([&](db::Connection& c) -> Result<ModelVersion> {
    TWIN_RETURN_IF_ERROR(db::status_of(load_version(c, name, version)));
    const int64_t now = tracking::now_ms();
    if (archive_existing && (target == "Staging" || target == "Production")) {
      TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
          "UPDATE registry_versions SET current_stage = 'Archived', last_update_time = ? WHERE "
          "name = ? AND current_stage = ? AND version != ?",
          {now, name, target, version})));
    }
    TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
        "UPDATE registry_versions SET current_stage = ?, last_update_time = ? WHERE name = ? AND "
        "version = ?",
        {target, now, name, version})));
    TWIN_RETURN_IF_ERROR(touch_model(c, name));
    return load_version(c, name, version);
  });
}

Status ModelRegistry::set_alias(const std::string& name, const std::string& alias,
                                int64_t version) {
  if (alias.empty()) return Status::invalid_argument("alias: must not be empty");
  return database_.run_in_transaction([&](db::Connection& c) -> Status {
    TWIN_RETURN_IF_ERROR(db::status_of(load_version(c, name, version)));
    return db::status_of(c.execute(
        "INSERT INTO registry_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, "
        "alias) DO UPDATE SET version = excluded.version",
        {name, alias, version}));
  });
}

Status ModelRegistry::delete_alias(const std::string& name, const std::string& alias) {
  TWIN_ASSIGN_OR_RETURN(
      const int64_t deleted,
      database_.execute("DELETE FROM registry_aliases WHERE name = ? AND alias = ?",
                        {name, alias}));
  if (deleted == 0) {
    return Status::not_found(fmt::format("model '{}' has no alias '{}'", name, alias));
  }
  return Status::ok();
}

Result<ModelVersion> ModelRegistry::version_by_alias(const std::string& name,
                                                     const std::string& alias) {
  return database_.run_in_transaction([&](db::Connection& c) -> Result<ModelVersion> {
    TWIN_ASSIGN_OR_RETURN(auto row, c.query_one("SELECT version FROM registry_aliases WHERE name "
                                                "= ? AND alias = ?",
                                                {name, alias}));
    if (!row)
      return fail(Status::not_found(fmt::format("model '{}' has no alias '{}'", name, alias)));
    return load_version(c, name, row->int64(0));
  });
}

}  // namespace twin::registry
