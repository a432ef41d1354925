// ModelRegistry: registered models, their versions, stages, aliases and model cards.
//
// Follows MLflow's model registry (so its REST API maps one to one): a registered model has a
// unique name, a description, tags and aliases ("champion" -> version 3); a version (1, 2, 3...
// per model) points at its files by `source` (an artifact URI) and optionally the tracker run
// that produced it, has a stage (None, Staging, Production, Archived), tags, a description and a
// model card (the README.md shown with it, Hugging Face style).
//
// Tables registry_* live in the metadata database next to tracking_*; migrations run on open.
// Thread-safety: every method may be called from any thread; each is one transaction. The
// Database must outlive the registry. Errors: unknown model/version/alias -> kNotFound naming it;
// duplicate model name -> kAlreadyExists; bad stage or filter -> kInvalidArgument.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/db/database.h"
#include "twin/tracking/types.h"

namespace twin::registry {

using tracking::Tag;

// "None", "Staging", "Production", "Archived" (any case in; canonical spelling out).
Result<std::string> canonical_stage(std::string_view stage);

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
  std::string model_card;
  std::vector<Tag> tags;
};

class ModelRegistry {
 public:
  static Result<std::unique_ptr<ModelRegistry>> open(db::Database& database);

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
  Result<ModelVersion> get_version(const std::string& name, int64_t version);
  // `filter`: comparisons of name, run_id or source with =, !=, LIKE, ILIKE joined by AND.
  Result<std::vector<ModelVersion>> search_versions(const std::string& filter);
  Result<ModelVersion> update_version(const std::string& name, int64_t version,
                                      const std::string& description);
  Status delete_version(const std::string& name, int64_t version);
  Status set_version_tag(const std::string& name, int64_t version, const Tag& tag);
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
  explicit ModelRegistry(db::Database& database) : database_(database) {}
  db::Database& database_;
};

}  // namespace twin::registry
