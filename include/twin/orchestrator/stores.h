// The metadata and artifact stores a command works on, opened from settings.
#pragma once

#include <memory>

#include "twin/artifacts/artifact_store.h"
#include "twin/core/settings.h"
#include "twin/metadata/metadata_store.h"

namespace twin::orchestrator {

struct Stores {
  std::unique_ptr<metadata::MetadataStore> metadata;
  std::unique_ptr<artifacts::ArtifactStore> artifacts;
};

// Opens TWIN_METADATA_URI and TWIN_ARTIFACT_URI (defaults: sqlite://<state>/metadata.db and
// file://<state>/artifacts). Relative paths are under the project root. Errors name the setting.
Result<Stores> open_stores(const Settings& settings);

}  // namespace twin::orchestrator
