#include "twin/orchestrator/stores.h"

#include "twin/db/database.h"

namespace twin::orchestrator {

std::string metadata_uri(const Settings& settings, StoreAccess access) {
  std::string uri = settings.value_or("TWIN_METADATA_URI", "");
  if (access == StoreAccess::kReadOnly && db::sqlite_file_missing(uri, settings.root())) {
    return "sqlite://:memory:";
  }
  return uri;
}

Result<Stores> open_stores(const Settings& settings, StoreAccess access) {
  Stores stores;
  auto metadata = metadata::open_metadata_store(metadata_uri(settings, access), settings.root());
  if (!metadata) return fail(metadata.error().with_context("TWIN_METADATA_URI"));
  stores.metadata = std::move(*metadata);
  const std::string artifact_uri = settings.value_or("TWIN_ARTIFACT_URI", "");
  auto artifacts =
      artifacts::open_artifact_store(artifact_uri, settings, access == StoreAccess::kReadWrite);
  if (!artifacts) return fail(artifacts.error().with_context("TWIN_ARTIFACT_URI"));
  stores.artifacts = std::move(*artifacts);
  return stores;
}

}  // namespace twin::orchestrator
