#include "twin/core/settings.h"

#include <algorithm>
#include <array>
#include <set>
#include <sstream>

#include "twin/core/toml.h"

namespace twin {

std::string_view to_string(SettingSource source) {
  switch (source) {
    case SettingSource::kFlag:
      return "flag";
    case SettingSource::kEnvironment:
      return "environment";
    case SettingSource::kDotenv:
      return ".env";
    case SettingSource::kTwinToml:
      return "twin.toml";
    case SettingSource::kDefault:
      return "default";
  }
  return "unknown";
}

const std::vector<KnownSetting>& known_settings() {
  static const std::vector<KnownSetting> settings = {
      {"TWIN_HOME", "state folder (metadata, artifacts, caches)"},
      {"TWIN_METADATA_URI", "metadata store: sqlite://PATH or postgresql://..."},
      {"TWIN_ARTIFACT_URI", "artifact store: file://PATH or s3://bucket/prefix"},
      {"DATABASE_HOST", "data warehouse: sqlite://PATH or postgresql://..."},
      {"DATABASE_NAME", "data warehouse database name (PostgreSQL)"},
      {"TWIN_SERVER_TOKEN", "bearer token required by twin server when set"},
      {"QDRANT_DATABASE_HOST", "Qdrant host (vector database)"},
      {"QDRANT_DATABASE_PORT", "Qdrant port"},
      {"USE_QDRANT_CLOUD", "use Qdrant Cloud instead of a local Qdrant"},
      {"QDRANT_CLOUD_URL", "Qdrant Cloud URL"},
      {"QDRANT_APIKEY", "Qdrant Cloud API key"},
      {"AWS_REGION", "AWS region (before AWS_DEFAULT_REGION and ~/.aws/config; docs/aws.md)"},
      {"AWS_ACCESS_KEY",
       "AWS access key id, explicit: wins over AWS_ACCESS_KEY_ID and ~/.aws (docs/aws.md)"},
      {"AWS_SECRET_KEY", "AWS secret access key, paired with AWS_ACCESS_KEY"},
      {"AWS_ARN_ROLE", "SageMaker execution role ARN (twin sagemaker; docs/sagemaker.md)"},
      {"HUGGINGFACE_ACCESS_TOKEN",
       "Hugging Face access token (twin hub after HF_TOKEN; SageMaker's containers)"},
      {"HF_TOKEN", "Hugging Face access token for twin hub (else HUGGINGFACE_ACCESS_TOKEN)"},
      {"HF_ENDPOINT", "the Hub twin hub talks to (default https://huggingface.co)"},
      {"HF_HOME", "Hugging Face home; twin hub downloads into HF_HOME/hub"},
      {"HF_HUB_CACHE", "the Hugging Face cache folder (default HF_HOME/hub)"},
      {"COMET_API_KEY", "Comet ML API key"},
      {"COMET_PROJECT", "Comet ML project, passed to SageMaker training jobs (default twin)"},
      {"HF_MODEL_ID", "model the SageMaker endpoint serves (default mlabonne/TwinLlama-3.1-8B-13)"},
      {"GPU_INSTANCE_TYPE", "SageMaker endpoint instance type (default ml.g5.2xlarge)"},
      {"SM_NUM_GPUS", "TGI: GPUs per endpoint instance (default 1)"},
      {"MAX_INPUT_LENGTH", "TGI: longest prompt in tokens (default 2048)"},
      {"MAX_TOTAL_TOKENS", "TGI: prompt plus answer in tokens (default 4096)"},
      {"MAX_BATCH_TOTAL_TOKENS", "TGI: tokens per batch (default 4096)"},
      {"SAGEMAKER_ENDPOINT_INFERENCE", "SageMaker endpoint name (default twin)"},
      {"SAGEMAKER_ENDPOINT_CONFIG_INFERENCE", "SageMaker endpoint config name (default twin)"},
      {"OPENAI_API_KEY", "OpenAI API key"},
      {"OPENAI_MODEL_ID", "OpenAI model id"},
      {"TEXT_EMBEDDING_MODEL_ID",
       "embedding model: glove-100d (default), an OpenAI-compatible http(s)://HOST/v1 URL, or a "
       "sentence-transformers folder"},
      {"TEXT_EMBEDDING_MODEL_NAME", "model name sent to an OpenAI-compatible embeddings API"},
      {"TEXT_EMBEDDING_API_KEY", "bearer key for an OpenAI-compatible embeddings API"},
      {"TWIN_GLOVE_PATH",
       "GloVe table (default ${XDG_CACHE_HOME:-~/.cache}/twin/glove/, scripts/install-glove.sh)"},
      {"LINKEDIN_USERNAME", "LinkedIn login for the LinkedIn crawler"},
      {"LINKEDIN_PASSWORD", "LinkedIn password for the LinkedIn crawler"},
  };
  return settings;
}

namespace {

std::string toml_value_to_string(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  std::ostringstream out;
  node.visit([&out](const auto& value) { out << value; });
  return out.str();
}

Result<std::map<std::string, std::string, std::less<>>> read_toml_settings(
    const std::filesystem::path& file) {
  std::map<std::string, std::string, std::less<>> values;
  auto parsed = read_toml_file(file);
  if (!parsed) {
    if (parsed.error().code() == StatusCode::kNotFound) return values;
    return fail(parsed.error());
  }
  if (const toml::table* table = (*parsed)["settings"].as_table()) {
    for (const auto& [key, node] : *table)
      values[std::string(key.str())] = toml_value_to_string(node);
  }
  return values;
}

}  // namespace

Result<Settings> Settings::load(const SettingsOptions& options) {
  Settings settings;
  settings.root_ = options.root;
  settings.environment_ = options.environment;
  settings.flags_.insert(options.flags.begin(), options.flags.end());

  const std::filesystem::path dotenv_path = options.root / ".env";
  auto dotenv = read_dotenv(dotenv_path, options.environment);
  if (dotenv) {
    for (auto& entry : *dotenv) settings.dotenv_[entry.key] = entry.value;
  } else if (dotenv.error().code() != StatusCode::kNotFound) {
    return fail(dotenv.error());
  }

  TWIN_ASSIGN_OR_RETURN(settings.toml_, read_toml_settings(options.root / "twin.toml"));

  // TWIN_HOME decides where the other defaults point, so resolve it first.
  settings.defaults_["TWIN_HOME"] = (options.root / ".twin").string();
  settings.state_dir_ = settings.value_or("TWIN_HOME", "");
  if (settings.state_dir_.is_relative()) settings.state_dir_ = options.root / settings.state_dir_;
  const std::string state = settings.state_dir_.string();
  settings.defaults_["TWIN_METADATA_URI"] = "sqlite://" + state + "/metadata.db";
  settings.defaults_["TWIN_ARTIFACT_URI"] = "file://" + state + "/artifacts";
  settings.defaults_["DATABASE_HOST"] = "sqlite://" + state + "/warehouse.db";
  settings.defaults_["DATABASE_NAME"] = "twin";
  return settings;
}

std::optional<SettingValue> Settings::get(std::string_view name) const {
  if (auto it = flags_.find(name); it != flags_.end())
    return SettingValue{it->second, SettingSource::kFlag};
  if (auto value = environment_ ? environment_(name) : std::nullopt) {
    return SettingValue{*value, SettingSource::kEnvironment};
  }
  if (auto it = dotenv_.find(name); it != dotenv_.end())
    return SettingValue{it->second, SettingSource::kDotenv};
  if (auto it = toml_.find(name); it != toml_.end())
    return SettingValue{it->second, SettingSource::kTwinToml};
  if (auto it = defaults_.find(name); it != defaults_.end()) {
    return SettingValue{it->second, SettingSource::kDefault};
  }
  return std::nullopt;
}

std::string Settings::value_or(std::string_view name, std::string_view fallback) const {
  if (auto value = get(name)) return value->value;
  return std::string(fallback);
}

std::vector<std::pair<std::string, std::optional<SettingValue>>> Settings::all() const {
  std::set<std::string, std::less<>> names;
  for (const auto& known : known_settings()) names.emplace(known.name);
  for (const auto* source : {&flags_, &dotenv_, &toml_, &defaults_}) {
    for (const auto& [name, value] : *source) names.insert(name);
  }
  std::vector<std::pair<std::string, std::optional<SettingValue>>> result;
  result.reserve(names.size());
  for (const auto& name : names) result.emplace_back(name, get(name));
  return result;
}

bool Settings::is_secret(std::string_view name) {
  std::string upper(name);
  std::ranges::transform(upper, upper.begin(), [](unsigned char c) { return std::toupper(c); });
  return std::ranges::any_of(
      std::array<std::string_view, 4>{"KEY", "SECRET", "TOKEN", "PASSWORD"},
      [&](std::string_view word) { return upper.find(word) != std::string::npos; });
}

std::string Settings::mask(std::string_view value) {
  // Nothing of a secret is shown: only whether it is set.
  return value.empty() ? "" : "********";
}

}  // namespace twin
