// ModelRegistry: registered models, their versions, stages, aliases and model cards.
//
// Follows MLflow's model registry (so its REST API maps one to one): a registered model has a
// unique name, a description, tags and aliases ("champion" -> version 3); a version (1, 2, 3...
// per model) points at its files by `source` (an artifact URI) and optionally the tracker run
// that produced it, has a stage (None, Staging, Production, Archived), tags, a description and a
// model card (the README.md shown with it, Hugging Face style).
//
// Model files: register_files() copies a file or a folder into the content-addressed artifact
// store; the version's `source` is then the blob URI of a JSON manifest listing those files
// ({"files": [{"path", "sha256", "size"}]}), and the files can be read back byte for byte. A
// version created from a `source` URI alone (the MLflow REST API) keeps that URI as is.
//
// Model card: every version has a README.md. The caller's card (CreateVersionRequest::model_card,
// or a README.md among the registered files) is used as given; otherwise a Hugging Face style card
// is generated (YAML front matter with model name, version, source, run and its metrics, then
// markdown). With an artifact store the card is also stored there as the version's file
// "README.md"; set_model_card() replaces it.
//
// Tables registry_* live in the metadata database next to tracking_*; migrations run on open.
// Thread-safety: every method may be called from any thread; each is one transaction. The
// Database must outlive the registry. Errors: unknown model/version/alias -> kNotFound naming it;
// duplicate model name -> kAlreadyExists; bad stage or filter -> kInvalidArgument.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twin/artifacts/artifact_store.h"
#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/tracking/tracking_store.h"
#include "twin/tracking/types.h"

namespace twin::registry {

using tracking::Tag;

// "None", "Staging", "Production", "Archived" (any case in; canonical spelling out).
Result<std::string> canonical_stage(std::string_view stage);

// The card's file name among a version's files.
inline constexpr std::string_view kModelCardFile = "README.md";

// One file of a model version, stored in the artifact store under its SHA-256.
struct ModelFile {
  std::string path;  // relative, '/'-separated ("config.json", "tokenizer/vocab.txt")
  std::string sha256;
  uint64_t size = 0;
  friend bool operator==(const ModelFile&, const ModelFile&) = default;
};

struct ModelVersion {
  std::string name;
  int64_t version = 0;
  int64_t creation_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::string current_stage = "None";
  std::string description;
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string status = "READY";
  std::string model_card;  // markdown, "" when none
  std::vector<Tag> tags;
  std::vector<std::string> aliases;
  std::vector<ModelFile> files;  // by path; README.md (the card) when an artifact store is used
};

struct ModelAlias {
  std::string alias;
  int64_t version = 0;
};

struct RegisteredModel {
  std::string name;
  int64_t creation_time_ms = 0;
  int64_t last_update_time_ms = 0;
  std::string description;
  std::vector<Tag> tags;
  std::vector<ModelAlias> aliases;
  std::vector<ModelVersion> latest_versions;  // the newest version per stage
};

struct CreateVersionRequest {
  std::string name;
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string description;
  std::string model_card;  // "" generates one
  std::vector<Tag> tags;
};

// Registers a new version of `name` from local files (see register_files()).
struct RegisterFilesRequest {
  std::string name;
  std::filesystem::path path;  // a regular file, or a folder (every regular file below it)
  std::string run_id;          // the tracker run that produced the model, if any
  std::string description;
  std::vector<Tag> tags;
};

// What the registry uses besides its database; both optional and must outlive the registry.
struct RegistryStores {
  // Holds model files and cards. Without it register_files() is kFailedPrecondition and cards
  // live in the database only.
  artifacts::ArtifactStore* artifacts = nullptr;
  // Where generated cards find the run's params and metrics; without it they name the run only.
  tracking::TrackingStore* tracking = nullptr;
};

// A Hugging Face style model card for `version` (its name, number, source, description and
// files), with the run's params and latest metrics when `run` is given: YAML front matter, then
// markdown.
std::string default_model_card(const ModelVersion& version, const tracking::Run* run);
class ModelRegistry {
 public:
  static Result<std::unique_ptr<ModelRegistry>> open(db::Database& database,
                                                     RegistryStores stores = {});

  Result<RegisteredModel> create_model(const std::string& name, const std::string& description = "",
                                       const std::vector<Tag>& tags = {});
  Result<RegisteredModel> get_model(const std::string& name);
  // `filter`: comparisons of `name` with =, !=, LIKE, ILIKE joined by AND; "" for all.
  Result<std::vector<RegisteredModel>> search_models(const std::string& filter);
  Result<RegisteredModel> update_model(const std::string& name, const std::string& description);
  Status delete_model(const std::string& name);
  Status set_model_tag(const std::string& name, const Tag& tag);
  Status delete_model_tag(const std::string& name, const std::string& key);

  // The next version number of the model (which must exist).
  Result<ModelVersion> create_version(const CreateVersionRequest& request);
  // Copies request.path into the artifact store and creates the next version of the model
  // (created first when missing) with the manifest's blob URI as its source. A missing path is
  // kNotFound, an empty folder or a symlink leaving it kInvalidArgument; no artifact store is
  // kFailedPrecondition.
  Result<ModelVersion> register_files(const RegisterFilesRequest& request);
  // One file of a version, byte for byte; kNotFound naming the path when the version has no such
  // file (or its blob is missing from the store).
  Result<std::string> read_file(const std::string& name, int64_t version, const std::string& path);
  // Writes every file of a version under `destination` (created when missing), replacing files of
  // the same names.
  Status download(const std::string& name, int64_t version,
                  const std::filesystem::path& destination);
  Result<ModelVersion> get_version(const std::string& name, int64_t version);
  // `filter`: comparisons of name, run_id or source with =, !=, LIKE, ILIKE joined by AND.
  Result<std::vector<ModelVersion>> search_versions(const std::string& filter);
  Result<ModelVersion> update_version(const std::string& name, int64_t version,
                                      const std::string& description);
  Status delete_version(const std::string& name, int64_t version);
  Status set_version_tag(const std::string& name, int64_t version, const Tag& tag);
  // Replaces the version's card (and its README.md in the artifact store).
  Status set_model_card(const std::string& name, int64_t version, const std::string& markdown);
  // The newest version in each of `stages` (every stage when empty).
  Result<std::vector<ModelVersion>> latest_versions(const std::string& name,
                                                    const std::vector<std::string>& stages);
  // Moves a version to `stage`; with `archive_existing`, other versions in that stage (Staging or
  // Production) move to Archived in the same transaction.
  Result<ModelVersion> transition_stage(const std::string& name, int64_t version,
                                        const std::string& stage, bool archive_existing);

  Status set_alias(const std::string& name, const std::string& alias, int64_t version);
  Status delete_alias(const std::string& name, const std::string& alias);
  Result<ModelVersion> version_by_alias(const std::string& name, const std::string& alias);

 private:
  ModelRegistry(db::Database& database, RegistryStores stores)
      : database_(database), stores_(stores) {}
  // Stores the card as the version's README.md (with an artifact store) and in its row.
  Status store_model_card(db::Connection& c, const std::string& name, int64_t version,
                          const std::string& markdown) const;
  Result<ModelVersion> insert_version(const CreateVersionRequest& request,
                                      const std::vector<ModelFile>& files);
  db::Database& database_;
  RegistryStores stores_;
};

}  // namespace twin::registry
