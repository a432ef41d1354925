#include "twin/orchestrator/stores.h"

namespace twin::orchestrator {

Result<Stores> open_stores(const Settings& settings) {
  Stores stores;
  const std::string metadata_uri = settings.value_or("TWIN_METADATA_URI", "");
  auto metadata = metadata::open_metadata_store(metadata_uri, settings.root());
  if (!metadata) return fail(metadata.error().with_context("TWIN_METADATA_URI"));
  stores.metadata = std::move(*metadata);
  const std::string artifact_uri = settings.value_or("TWIN_ARTIFACT_URI", "");
  auto artifacts = artifacts::open_artifact_store(artifact_uri, settings.root());
  if (!artifacts) return fail(artifacts.error().with_context("TWIN_ARTIFACT_URI"));
  stores.artifacts = std::move(*artifacts);
  return stores;
}

}  // namespace twin::orchestrator
