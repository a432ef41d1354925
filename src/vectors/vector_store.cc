#include "twin/vectors/vector_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "backends.h"

namespace twin::vectors {

std::string_view to_string(Distance distance) {
  switch (distance) {
    case Distance::kCosine:
      return "Cosine";
    case Distance::kDot:
      return "Dot";
    case Distance::kEuclid:
      return "Euclid";
  }
  return "Cosine";
}

Result<Distance> parse_distance(std::string_view text) {
  if (text == "Cosine") return Distance::kCosine;
  if (text == "Dot") return Distance::kDot;
  if (text == "Euclid") return Distance::kEuclid;
  if (text == "Manhattan") {
    return fail(
        Status::invalid_argument("distance 'Manhattan' is not supported by twin's vector store "
                                 "(use Cosine, Dot or Euclid)"));
  }
  return fail(Status::invalid_argument(
      fmt::format("unknown distance '{}' (use Cosine, Dot or Euclid)", text)));
}

Status check_collection(std::string_view name, const CollectionConfig& config) {
  TWIN_RETURN_IF_ERROR(check_collection_name(name));
  if (config.vectors && (config.vectors->size == 0 || config.vectors->size > kMaxVectorSize)) {
    return Status::invalid_argument(
        fmt::format("collection `{}`: vector size {} must be between 1 "
                    "and {}",
                    name, config.vectors->size, kMaxVectorSize));
  }
  return Status::ok();
}

Status check_collection_name(std::string_view name) {
  const bool valid =
      !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
  if (!valid) {
    return Status::invalid_argument(fmt::format(
        "collection name '{}': use 1 to 255 letters, digits, underscores or hyphens", name));
  }
  return Status::ok();
}

Status collection_not_found(std::string_view name) {
  return Status::not_found(fmt::format("Collection `{}` doesn't exist!", name));
}

namespace {

// A setting counts only when someone set it: the Handbook's .env template sets
// QDRANT_DATABASE_HOST=localhost, but a built-in default must never switch backends.
std::optional<std::string> explicit_setting(const Settings& settings, std::string_view name) {
  auto value = settings.get(name);
  if (!value || value->source == SettingSource::kDefault || value->value.empty()) {
    return std::nullopt;
  }
  return value->value;
}

bool is_true(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return lower == "true" || lower == "1" || lower == "yes" || lower == "on";
}

}  // namespace

Result<std::unique_ptr<VectorStore>> VectorStore::open(const Settings& settings) {
  const auto api_key = explicit_setting(settings, "QDRANT_APIKEY").value_or("");
  if (const auto cloud = explicit_setting(settings, "USE_QDRANT_CLOUD"); cloud && is_true(*cloud)) {
    const auto url = explicit_setting(settings, "QDRANT_CLOUD_URL");
    if (!url) {
      return fail(Status::invalid_argument(
          "USE_QDRANT_CLOUD is true but QDRANT_CLOUD_URL is not set (https://...:6333)"));
    }
    std::string full = *url;
    if (full.find("://") == std::string::npos) full = "https://" + full;
    return open_qdrant(full, api_key);
  }
  if (const auto host = explicit_setting(settings, "QDRANT_DATABASE_HOST")) {
    const auto port = explicit_setting(settings, "QDRANT_DATABASE_PORT").value_or("6333");
    if (port.empty() ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail(Status::invalid_argument(
          fmt::format("QDRANT_DATABASE_PORT '{}' is not a port number", port)));
    }
    if (host->find("://") != std::string::npos) {
      return open_qdrant(fmt::format("{}:{}", *host, port), api_key);
    }
    return open_qdrant(fmt::format("http://{}:{}", *host, port), api_key);
  }
  return open_embedded((settings.state_dir() / "vectors").string());
}

Result<std::unique_ptr<VectorStore>> VectorStore::open_embedded(const std::string& directory) {
  return open_embedded_store(directory);
}

Result<std::unique_ptr<VectorStore>> VectorStore::open_qdrant(const std::string& url,
                                                              const std::string& api_key) {
  return open_qdrant_store(url, api_key);
}

}  // namespace twin::vectors
