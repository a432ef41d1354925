#include "twin/orchestrator/stores.h"

#include <filesystem>

namespace twin::orchestrator {

namespace {

// True when `uri` is sqlite://PATH (absolute, or relative to `root`) and PATH does not exist.
bool sqlite_file_missing(std::string_view uri, const std::filesystem::path& root) {
  constexpr std::string_view kScheme = "sqlite://";
  if (!uri.starts_with(kScheme) || uri == "sqlite://:memory:") return false;
  std::filesystem::path path(
      std::string(uri.substr(kScheme.size(), uri.find('?') - kScheme.size())));
  if (path.is_relative()) path = root / path;
  std::error_code ec;
  return !std::filesystem::exists(path, ec);
}

}  // namespace

std::string metadata_uri(const Settings& settings, StoreAccess access) {
  std::string uri = settings.value_or("TWIN_METADATA_URI", "");
  if (access == StoreAccess::kReadOnly && sqlite_file_missing(uri, settings.root())) {
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
  auto artifacts = artifacts::open_artifact_store(artifact_uri, settings.root(),
                                                  access == StoreAccess::kReadWrite);
  if (!artifacts) return fail(artifacts.error().with_context("TWIN_ARTIFACT_URI"));
  stores.artifacts = std::move(*artifacts);
  return stores;
}

}  // namespace twin::orchestrator
