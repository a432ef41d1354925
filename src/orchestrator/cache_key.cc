#include "cache_key.h"

#include "twin/artifacts/content_hash.h"

namespace twin::orchestrator {

namespace {

// Content hash of every file a pattern names: a file, or every regular file under a folder.
Result<nlohmann::json> file_hashes(const std::filesystem::path& root, const std::string& entry) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(entry).is_absolute() ? fs::path(entry) : root / entry;
  std::error_code ec;
  if (!fs::exists(path, ec)) return nlohmann::json(nullptr);
  if (!fs::is_directory(path, ec)) {
    TWIN_ASSIGN_OR_RETURN(std::string hash, artifacts::sha256_file(path));
    return nlohmann::json(hash);
  }
  nlohmann::json tree = nlohmann::json::object();
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    TWIN_ASSIGN_OR_RETURN(std::string hash, artifacts::sha256_file(it->path()));
    tree[fs::relative(it->path(), path).generic_string()] = hash;
  }
  return tree;
}

}  // namespace

Result<std::string> compute_cache_key(const CacheKeyInputs& in) {
  const StepNode& node = *in.node;
  nlohmann::json identity = nlohmann::json::object();
  if (in.definition != nullptr) {
    identity["uses"] = in.definition->name;
    identity["version"] = in.definition->version;
  } else {
    identity["command"] = node.command;
  }
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : node.depends_on_files) {
    TWIN_ASSIGN_OR_RETURN(files[entry], file_hashes(in.project_root, entry));
  }
  nlohmann::json environment = nlohmann::json::object();
  for (const auto& name : node.depends_on_env) {
    const auto value = in.environment ? in.environment(name) : std::nullopt;
    environment[name] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  const nlohmann::json key = {
      {"format", 1},
      {"pipeline", in.pipeline},
      {"step", node.name},
      {"identity", identity},
      {"depends_on_files", files},
      {"depends_on_env", environment},
      {"parameters", in.parameters},
      {"inputs", in.input_hashes},
      {"outputs", node.outputs},
  };
  return artifacts::sha256_hex(key.dump());
}

}  // namespace twin::orchestrator
