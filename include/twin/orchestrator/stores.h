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

// What a command does with the stores. A command that only reads them never creates them: run
// in a folder with no .twin/ (or before the first run), it sees empty stores and leaves no files.
enum class StoreAccess { kReadWrite, kReadOnly };

// Opens TWIN_METADATA_URI and TWIN_ARTIFACT_URI (defaults: sqlite://<state>/metadata.db and
// file://<state>/artifacts). Relative paths are under the project root. Errors name the setting.
Result<Stores> open_stores(const Settings& settings, StoreAccess access = StoreAccess::kReadWrite);

// The metadata database URI a command opens: TWIN_METADATA_URI, or an empty in-memory database
// when reading a SQLite file that does not exist.
std::string metadata_uri(const Settings& settings, StoreAccess access);

}  // namespace twin::orchestrator
