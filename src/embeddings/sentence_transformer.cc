#include "twin/embeddings/sentence_transformer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "bert_folder.h"
#include "twin/embeddings/python_text.h"

namespace twin::embeddings {

namespace {

// sentence-transformers' default encode() batch size.
constexpr std::size_t kBatchSize = 32;

Result<nlohmann::json> read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(Status::not_found(fmt::format("{}: missing or unreadable", file.string())));
  auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded())
    return fail(Status::corruption(fmt::format("{}: not valid JSON", file.string())));
  return json;
}

struct ModuleLayout {
  std::filesystem::path transformer;
  std::filesystem::path pooling;  // empty: mean pooling
  bool normalize = false;
};

Result<ModuleLayout> read_modules_unchecked(const std::filesystem::path& folder) {
  ModuleLayout layout{folder, {}, false};
  const auto modules_json = folder / "modules.json";
  std::error_code error;
  if (!std::filesystem::exists(modules_json, error)) return layout;
  TWIN_ASSIGN_OR_RETURN(auto modules, read_json(modules_json));
  if (!modules.is_array())
    return fail(
        Status::corruption(fmt::format("{}: not a list of modules", modules_json.string())));
  bool has_transformer = false;
  for (const auto& module : modules) {
    const std::string type = module.is_object() ? module.value("type", "") : "";
    const std::string path = module.is_object() ? module.value("path", "") : "";
    if (type == "sentence_transformers.models.Transformer") {
      layout.transformer = folder / path;
      has_transformer = true;
    } else if (type == "sentence_transformers.models.Pooling") {
      layout.pooling = folder / path;
    } else if (type == "sentence_transformers.models.Normalize") {
      layout.normalize = true;
    } else {
      return fail(Status::invalid_argument(fmt::format(
          "{}: module type '{}' is not supported (twin runs Transformer, Pooling and Normalize)",
          modules_json.string(), type)));
    }
  }
  if (!has_transformer) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: no sentence_transformers.models.Transformer module", modules_json.string())));
  }
  return layout;
}

Result<PoolingModes> read_pooling_unchecked(const std::filesystem::path& pooling_folder,
                                            std::size_t hidden) {
  PoolingModes modes;
  if (pooling_folder.empty()) {
    modes.mean = true;
    return modes;
  }
  const auto file = pooling_folder / "config.json";
  TWIN_ASSIGN_OR_RETURN(auto json, read_json(file));
  if (!json.is_object())
    return fail(Status::corruption(fmt::format("{}: not a JSON object", file.string())));
  modes.cls = json.value("pooling_mode_cls_token", false);
  modes.max = json.value("pooling_mode_max_tokens", false);
  modes.mean = json.value("pooling_mode_mean_tokens", false);
  modes.mean_sqrt_len = json.value("pooling_mode_mean_sqrt_len_tokens", false);
  for (const char* unsupported : {"pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
    if (json.value(unsupported, false)) {
      return fail(Status::invalid_argument(
          fmt::format("{}: {} is not supported (twin pools cls, max, mean, mean_sqrt_len)",
                      file.string(), unsupported)));
    }
  }
  if (!modes.cls && !modes.max && !modes.mean && !modes.mean_sqrt_len)
    return fail(Status::invalid_argument(fmt::format("{}: no pooling mode is set", file.string())));
  if (json.contains("word_embedding_dimension") &&
      json["word_embedding_dimension"] != nlohmann::json(hidden)) {
    return fail(Status::invalid_argument(
        fmt::format("{}: word_embedding_dimension {} but config.json's hidden_size is {}",
                    file.string(), json["word_embedding_dimension"].dump(), hidden)));
  }
  return modes;
}

// nlohmann::json throws on a value of the wrong type (a string where a flag belongs): that is a
// malformed file, reported as such.
template <typename Read>
auto reporting_type_errors(const std::filesystem::path& file, Read read) -> decltype(read()) {
  try {
    return read();
  } catch (const nlohmann::json::exception& error) {
    return fail(Status::corruption(fmt::format("{}: {}", file.string(), error.what())));
  }
}

Result<ModuleLayout> read_modules(const std::filesystem::path& folder) {
  return reporting_type_errors(folder / "modules.json",
                               [&] { return read_modules_unchecked(folder); });
}

Result<PoolingModes> read_pooling(const std::filesystem::path& pooling_folder, std::size_t hidden) {
  return reporting_type_errors(pooling_folder / "config.json",
                               [&] { return read_pooling_unchecked(pooling_folder, hidden); });
}

Result<std::pair<std::size_t, bool>> read_sentence_bert_config(const std::filesystem::path& file,
                                                               std::size_t max_seq_length) {
  return reporting_type_errors(file, [&]() -> Result<std::pair<std::size_t, bool>> {
    TWIN_ASSIGN_OR_RETURN(auto json, read_json(file));
    if (json.contains("max_seq_length") && json["max_seq_length"].is_number_unsigned())
      max_seq_length = json["max_seq_length"].get<std::size_t>();
    return std::pair{max_seq_length, json.is_object() && json.value("do_lower_case", false)};
  });
}

class FolderSentenceTransformer final : public SentenceTransformer {
 public:
  FolderSentenceTransformer(std::string model_id, BertFolder folder, PoolingModes pooling,
                            bool normalize, std::size_t max_seq_length, bool lower_case_input)
      : model_id_(std::move(model_id)),
        folder_(std::move(folder)),
        pooling_(pooling),
        normalize_(normalize),
        max_seq_length_(max_seq_length),
        lower_case_input_(lower_case_input) {}

  const std::string& model_id() const override { return model_id_; }
  std::size_t dimension() const override {
    const std::size_t modes = static_cast<std::size_t>(pooling_.cls) + pooling_.max +
                              pooling_.mean + pooling_.mean_sqrt_len;
    return modes * folder_.config.hidden_size;
  }
  std::size_t max_input_length() const override { return max_seq_length_; }
  const BertTokenizer& tokenizer() const override { return folder_.tokenizer; }
  PoolingModes pooling() const override { return pooling_; }
  bool normalizes() const override { return normalize_; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> vectors(texts.size());
    std::vector<BertEncoding> batch;
    for (std::size_t start = 0; start < texts.size(); start += kBatchSize) {
      const std::size_t end = std::min(texts.size(), start + kBatchSize);
      batch.clear();
      for (std::size_t i = start; i < end; ++i) {
        batch.push_back(folder_.tokenizer.encode(lower_case_input_ ? lower(texts[i]) : texts[i],
                                                 max_seq_length_));
      }
      const auto states = folder_.encoder.forward(batch);
      for (std::size_t i = start; i < end; ++i) vectors[i] = pool(states[i - start]);
    }
    return vectors;
  }

  std::vector<std::string> token_windows(std::string_view text, std::size_t tokens_per_window,
                                         std::size_t overlap) const override {
    std::vector<std::string> windows;
    if (tokens_per_window == 0) return windows;
    overlap = std::min(overlap, tokens_per_window - 1);
    const std::vector<std::int32_t> ids = folder_.tokenizer.token_ids(text);
    const std::size_t step = tokens_per_window - overlap;
    for (std::size_t start = 0; start < ids.size(); start += step) {
      const std::size_t end = std::min(start + tokens_per_window, ids.size());
      windows.push_back(folder_.tokenizer.decode(std::span(ids).subspan(start, end - start)));
      if (end == ids.size()) break;
    }
    return windows;
  }

 private:
  std::vector<float> pool(const std::vector<float>& states) const {
    const std::size_t hidden = folder_.config.hidden_size;
    const std::size_t length = states.size() / hidden;
    std::vector<float> out;
    out.reserve(dimension());
    if (pooling_.cls)
      out.insert(out.end(), states.begin(), states.begin() + static_cast<std::ptrdiff_t>(hidden));
    if (pooling_.max) {
      std::vector<float> highest(states.begin(),
                                 states.begin() + static_cast<std::ptrdiff_t>(hidden));
      for (std::size_t t = 1; t < length; ++t)
        for (std::size_t i = 0; i < hidden; ++i)
          highest[i] = std::max(highest[i], states[(t * hidden) + i]);
      out.insert(out.end(), highest.begin(), highest.end());
    }
    if (pooling_.mean || pooling_.mean_sqrt_len) {
      std::vector<double> sum(hidden, 0.0);
      for (std::size_t t = 0; t < length; ++t)
        for (std::size_t i = 0; i < hidden; ++i) sum[i] += states[(t * hidden) + i];
      for (double divisor :
           {pooling_.mean ? static_cast<double>(length) : 0.0,
            pooling_.mean_sqrt_len ? std::sqrt(static_cast<double>(length)) : 0.0}) {
        if (divisor == 0.0) continue;
        for (double value : sum) out.push_back(static_cast<float>(value / divisor));
      }
    }
    if (normalize_) {
      double norm = 0;
      for (float value : out) norm += static_cast<double>(value) * value;
      // torch.nn.functional.normalize divides by max(norm, 1e-12).
      const double divisor = std::max(std::sqrt(norm), 1e-12);
      for (float& value : out) value = static_cast<float>(value / divisor);
    }
    return out;
  }

  std::string model_id_;
  BertFolder folder_;
  PoolingModes pooling_;
  bool normalize_;
  std::size_t max_seq_length_;
  bool lower_case_input_;
};

}  // namespace

Result<std::unique_ptr<SentenceTransformer>> SentenceTransformer::load(
    const std::filesystem::path& folder, std::string model_id) {
  TWIN_ASSIGN_OR_RETURN(ModuleLayout layout, read_modules(folder));
  TWIN_ASSIGN_OR_RETURN(BertFolder bert, load_bert_folder(layout.transformer, false));
  TWIN_ASSIGN_OR_RETURN(PoolingModes pooling,
                        read_pooling(layout.pooling, bert.config.hidden_size));
  std::size_t max_seq_length = bert.max_length;
  bool lower_case_input = false;
  const auto st_config = layout.transformer / "sentence_bert_config.json";
  std::error_code error;
  if (std::filesystem::exists(st_config, error)) {
    TWIN_ASSIGN_OR_RETURN(std::tie(max_seq_length, lower_case_input),
                          read_sentence_bert_config(st_config, max_seq_length));
    if (max_seq_length < 2 || max_seq_length > bert.config.max_position_embeddings) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: max_seq_length {} is outside 2..{} (config.json's max_position_embeddings)",
          st_config.string(), max_seq_length, bert.config.max_position_embeddings)));
    }
  }
  return std::make_unique<FolderSentenceTransformer>(std::move(model_id), std::move(bert), pooling,
                                                     layout.normalize, max_seq_length,
                                                     lower_case_input);
}

}  // namespace twin::embeddings
