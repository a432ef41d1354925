#include "twin/embeddings/bert_encoder.h"

#include <cblas.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

// The elementwise loops are compiled twice on x86-64, for AVX2 + FMA (x86-64-v3) and for the
// portable baseline, and the loader picks one at start-up (GCC function multi-versioning):
// twin's build targets plain x86-64, where they would run 4 floats at a time instead of 8.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TWIN_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TWIN_VECTOR_CLONES
#endif

namespace twin::embeddings {

namespace {

Result<std::size_t> positive_size(const nlohmann::json& json, const char* key,
                                  const std::filesystem::path& file, bool required,
                                  std::size_t fallback) {
  if (!json.contains(key)) {
    if (!required) return fallback;
    return fail(Status::invalid_argument(fmt::format("{}: no {}", file.string(), key)));
  }
  if (!json[key].is_number_unsigned() || json[key].get<std::size_t>() == 0) {
    return fail(Status::invalid_argument(
        fmt::format("{}: {} is {}, not a positive integer", file.string(), key, json[key].dump())));
  }
  return json[key].get<std::size_t>();
}

bool is_bert_architecture(const std::string& name) {
  return name == "BertModel" || name == "BertForSequenceClassification" ||
         name == "BertForMaskedLM" || name == "BertForPreTraining";
}

// Runs body(begin, end) over [0, count) split into one contiguous range per thread (the calling
// thread takes the first). For the elementwise steps; the sgemms are threaded by OpenBLAS.
template <typename Body>
void parallel_for(std::size_t count, Body&& body) {
  const auto threads = static_cast<std::size_t>(std::max(1, openblas_get_num_threads()));
  if (threads == 1 || count < 2 * threads) {
    body(std::size_t{0}, count);
    return;
  }
  const std::size_t chunk = (count + threads - 1) / threads;
  std::vector<std::jthread> workers;
  for (std::size_t begin = chunk; begin < count; begin += chunk)
    workers.emplace_back(
        [&body, begin, end = std::min(count, begin + chunk)] { body(begin, end); });
  body(std::size_t{0}, chunk);
}

// out (rows x out_features) = in (rows x in_features) * weight^T + bias.
void linear(const float* in, std::size_t rows, std::size_t in_features, const float* weight,
            const float* bias, std::size_t out_features, float* out) {
  for (std::size_t r = 0; r < rows; ++r)
    std::copy(bias, bias + out_features, out + (r * out_features));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
              static_cast<int>(out_features), static_cast<int>(in_features), 1.0F, in,
              static_cast<int>(in_features), weight, static_cast<int>(in_features), 1.0F, out,
              static_cast<int>(out_features));
}

TWIN_VECTOR_CLONES void layer_norm_rows(float* rows_data, std::size_t begin, std::size_t end,
                                        std::size_t width, const float* weight, const float* bias,
                                        float eps) {
  for (std::size_t r = begin; r < end; ++r) {
    float* row = rows_data + (r * width);
    double mean = 0;
    for (std::size_t i = 0; i < width; ++i) mean += row[i];
    mean /= static_cast<double>(width);
    double variance = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const double centred = row[i] - mean;
      variance += centred * centred;
    }
    variance /= static_cast<double>(width);
    const auto scale = static_cast<float>(1.0 / std::sqrt(variance + eps));
    const auto shift = static_cast<float>(mean);
    for (std::size_t i = 0; i < width; ++i)
      row[i] = ((row[i] - shift) * scale * weight[i]) + bias[i];
  }
}

// exp(x) for float, written so that GCC vectorizes loops over it (libm's expf is a call per
// element, and was a tenth of the run time in softmax). Cephes' expf: x = n ln2 + r with
// |r| <= ln2 / 2, a degree-6 polynomial for e^r (relative error about 1e-7, float's own
// resolution), times 2^n built from its bits. Inputs below -87.3 (where expf leaves the normal
// range) give e^-87.3, about 1e-38: zero next to the softmax's largest term, which is 1.
inline float vector_exp(float x) {
  constexpr float kLog2e = 1.44269504088896341F;
  constexpr float kLn2High = 0.693359375F;
  constexpr float kLn2Low = -2.12194440e-4F;
  constexpr float kRoundingMagic = 12582912.0F;  // 1.5 * 2^23: adding it rounds to an integer
  x = std::min(std::max(x, -87.3F), 88.7F);
  const float shifted = (x * kLog2e) + kRoundingMagic;
  const float n = shifted - kRoundingMagic;
  const std::int32_t exponent =
      std::bit_cast<std::int32_t>(shifted) - std::bit_cast<std::int32_t>(kRoundingMagic);
  const float r = (x - (n * kLn2High)) - (n * kLn2Low);
  float p = 1.9875691500e-4F;
  p = (p * r) + 1.3981999507e-3F;
  p = (p * r) + 8.3334519073e-3F;
  p = (p * r) + 4.1665795894e-2F;
  p = (p * r) + 1.6666665459e-1F;
  p = (p * r) + 5.0000001201e-1F;
  const float e_r = (p * r * r) + r + 1.0F;
  return e_r * std::bit_cast<float>((exponent + 127) << 23);
}

// erf(x), vectorizable like vector_exp: Abramowitz and Stegun 7.1.26, |error| <= 1.5e-7 (about
// float's resolution near 1), so GELU keeps its exact erf form to float precision.
inline float vector_erf(float x) {
  const float a = std::abs(x);
  const float t = 1.0F / (1.0F + (0.3275911F * a));
  float p = 1.061405429F;
  p = (p * t) - 1.453152027F;
  p = (p * t) + 1.421413741F;
  p = (p * t) - 0.284496736F;
  p = (p * t) + 0.254829592F;
  const float y = 1.0F - (p * t * vector_exp(-a * a));
  return std::copysign(y, x);
}

void layer_norm(float* rows_data, std::size_t rows, std::size_t width, const float* weight,
                const float* bias, float eps) {
  parallel_for(rows, [&](std::size_t begin, std::size_t end) {
    layer_norm_rows(rows_data, begin, end, width, weight, bias, eps);
  });
}

TWIN_VECTOR_CLONES void gelu_range(float* data, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    const float x = data[i];
    data[i] = 0.5F * x * (1.0F + vector_erf(x * static_cast<float>(M_SQRT1_2)));
  }
}

void gelu(std::vector<float>& values) {
  float* data = values.data();
  parallel_for(values.size(),
               [data](std::size_t begin, std::size_t end) { gelu_range(data, begin, end); });
}

// Each row of `rows` rows of `width` scores becomes its softmax.
TWIN_VECTOR_CLONES void softmax_range(float* scores, std::size_t begin, std::size_t end,
                                      std::size_t width) {
  for (std::size_t r = begin; r < end; ++r) {
    float* row = scores + (r * width);
    float highest = row[0];
    for (std::size_t c = 1; c < width; ++c) highest = std::max(highest, row[c]);
    float sum = 0;
    for (std::size_t c = 0; c < width; ++c) row[c] = vector_exp(row[c] - highest);
    for (std::size_t c = 0; c < width; ++c) sum += row[c];
    const float inverse = 1.0F / sum;
    for (std::size_t c = 0; c < width; ++c) row[c] *= inverse;
  }
}

void softmax_rows(float* scores, std::size_t rows, std::size_t width) {
  parallel_for(
      rows, [&](std::size_t begin, std::size_t end) { softmax_range(scores, begin, end, width); });
}

void add_into(std::vector<float>& to, const std::vector<float>& from) {
  for (std::size_t i = 0; i < to.size(); ++i) to[i] += from[i];
}

}  // namespace

static Result<BertConfig> read_bert_config_unchecked(const std::filesystem::path& config_json) {
  std::ifstream in(config_json);
  if (!in)
    return fail(Status::not_found(fmt::format("{}: missing or unreadable", config_json.string())));
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return fail(Status::corruption(fmt::format("{}: not a JSON object", config_json.string())));
  BertConfig config;
  if (json.contains("architectures") && json["architectures"].is_array()) {
    for (const auto& name : json["architectures"])
      if (name.is_string()) config.architectures.push_back(name.get<std::string>());
  }
  config.model_type = json.value("model_type", "");
  for (const auto& name : config.architectures) {
    if (!is_bert_architecture(name)) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: architecture {} is not supported; twin runs BERT-family encoders (BertModel, "
          "BertForSequenceClassification)",
          config_json.string(), name)));
    }
  }
  if (config.model_type != "bert") {
    return fail(Status::invalid_argument(fmt::format(
        "{}: model_type '{}' is not supported; twin runs BERT-family encoders (model_type bert)",
        config_json.string(), config.model_type)));
  }
  if (const std::string act = json.value("hidden_act", "gelu"); act != "gelu") {
    return fail(Status::invalid_argument(fmt::format(
        "{}: hidden_act '{}' is not supported (twin implements gelu)", config_json.string(), act)));
  }
  if (const std::string position = json.value("position_embedding_type", "absolute");
      position != "absolute") {
    return fail(Status::invalid_argument(
        fmt::format("{}: position_embedding_type '{}' is not supported (twin implements absolute)",
                    config_json.string(), position)));
  }
  TWIN_ASSIGN_OR_RETURN(config.vocab_size, positive_size(json, "vocab_size", config_json, true, 0));
  TWIN_ASSIGN_OR_RETURN(config.hidden_size,
                        positive_size(json, "hidden_size", config_json, true, 0));
  TWIN_ASSIGN_OR_RETURN(config.num_hidden_layers,
                        positive_size(json, "num_hidden_layers", config_json, true, 0));
  TWIN_ASSIGN_OR_RETURN(config.num_attention_heads,
                        positive_size(json, "num_attention_heads", config_json, true, 0));
  TWIN_ASSIGN_OR_RETURN(config.intermediate_size,
                        positive_size(json, "intermediate_size", config_json, true, 0));
  TWIN_ASSIGN_OR_RETURN(config.max_position_embeddings,
                        positive_size(json, "max_position_embeddings", config_json, false, 512));
  TWIN_ASSIGN_OR_RETURN(config.type_vocab_size,
                        positive_size(json, "type_vocab_size", config_json, false, 2));
  if (config.hidden_size % config.num_attention_heads != 0) {
    return fail(Status::invalid_argument(
        fmt::format("{}: hidden_size {} is not a multiple of num_attention_heads {}",
                    config_json.string(), config.hidden_size, config.num_attention_heads)));
  }
  if (json.contains("layer_norm_eps") && json["layer_norm_eps"].is_number())
    config.layer_norm_eps = json["layer_norm_eps"].get<float>();
  if (json.contains("id2label") && json["id2label"].is_object() && !json["id2label"].empty())
    config.num_labels = json["id2label"].size();
  if (json.contains("num_labels") && json["num_labels"].is_number_unsigned())
    config.num_labels = json["num_labels"].get<std::size_t>();
  if (json.contains("sbert_ce_default_activation_function") &&
      json["sbert_ce_default_activation_function"].is_string())
    config.cross_encoder_activation =
        json["sbert_ce_default_activation_function"].get<std::string>();
  if (json.contains("sentence_transformers") && json["sentence_transformers"].is_object() &&
      json["sentence_transformers"].contains("activation_fn") &&
      json["sentence_transformers"]["activation_fn"].is_string())
    config.cross_encoder_activation =
        json["sentence_transformers"]["activation_fn"].get<std::string>();
  return config;
}

// nlohmann::json throws on a value of the wrong type (e.g. a string where a number belongs):
// that is a malformed file, reported as such.
Result<BertConfig> read_bert_config(const std::filesystem::path& config_json) {
  try {
    return read_bert_config_unchecked(config_json);
  } catch (const nlohmann::json::exception& error) {
    return fail(Status::corruption(fmt::format("{}: {}", config_json.string(), error.what())));
  }
}

void set_blas_threads(int threads) {
  if (threads > 0) openblas_set_num_threads(threads);
}

Result<BertEncoder> BertEncoder::create(const BertConfig& config,
                                        std::map<std::string, Tensor>& tensors,
                                        const std::filesystem::path& weights_file,
                                        bool with_pooler) {
  BertEncoder encoder;
  encoder.config_ = config;
  encoder.prefix_ = tensors.contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  auto take = [&](const std::string& name,
                  std::vector<std::int64_t> shape) -> Result<std::vector<float>> {
    auto found = tensors.find(encoder.prefix_ + name);
    if (found == tensors.end()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: no tensor {}{} (a BERT checkpoint as Hugging Face saves BertModel)",
                      weights_file.string(), encoder.prefix_, name)));
    }
    if (found->second.shape != shape) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: tensor {} has shape [{}] but config.json implies [{}]", weights_file.string(),
          found->first, fmt::join(found->second.shape, ", "), fmt::join(shape, ", "))));
    }
    return std::move(found->second.values);
  };
  const auto hidden = static_cast<std::int64_t>(config.hidden_size);
  const auto inner = static_cast<std::int64_t>(config.intermediate_size);
  TWIN_ASSIGN_OR_RETURN(encoder.word_embeddings_,
                        take("embeddings.word_embeddings.weight",
                             {static_cast<std::int64_t>(config.vocab_size), hidden}));
  TWIN_ASSIGN_OR_RETURN(encoder.position_embeddings_,
                        take("embeddings.position_embeddings.weight",
                             {static_cast<std::int64_t>(config.max_position_embeddings), hidden}));
  TWIN_ASSIGN_OR_RETURN(encoder.token_type_embeddings_,
                        take("embeddings.token_type_embeddings.weight",
                             {static_cast<std::int64_t>(config.type_vocab_size), hidden}));
  TWIN_ASSIGN_OR_RETURN(encoder.embedding_norm_weight_,
                        take("embeddings.LayerNorm.weight", {hidden}));
  TWIN_ASSIGN_OR_RETURN(encoder.embedding_norm_bias_, take("embeddings.LayerNorm.bias", {hidden}));
  for (std::size_t l = 0; l < config.num_hidden_layers; ++l) {
    const std::string at = fmt::format("encoder.layer.{}.", l);
    Layer layer;
    for (const char* part : {"query", "key", "value"}) {
      TWIN_ASSIGN_OR_RETURN(auto weight,
                            take(at + "attention.self." + part + ".weight", {hidden, hidden}));
      TWIN_ASSIGN_OR_RETURN(auto bias, take(at + "attention.self." + part + ".bias", {hidden}));
      layer.qkv_weight.insert(layer.qkv_weight.end(), weight.begin(), weight.end());
      layer.qkv_bias.insert(layer.qkv_bias.end(), bias.begin(), bias.end());
    }
    TWIN_ASSIGN_OR_RETURN(layer.attention_out_weight,
                          take(at + "attention.output.dense.weight", {hidden, hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.attention_out_bias,
                          take(at + "attention.output.dense.bias", {hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.attention_norm_weight,
                          take(at + "attention.output.LayerNorm.weight", {hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.attention_norm_bias,
                          take(at + "attention.output.LayerNorm.bias", {hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.intermediate_weight,
                          take(at + "intermediate.dense.weight", {inner, hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.intermediate_bias, take(at + "intermediate.dense.bias", {inner}));
    TWIN_ASSIGN_OR_RETURN(layer.output_weight, take(at + "output.dense.weight", {hidden, inner}));
    TWIN_ASSIGN_OR_RETURN(layer.output_bias, take(at + "output.dense.bias", {hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.output_norm_weight, take(at + "output.LayerNorm.weight", {hidden}));
    TWIN_ASSIGN_OR_RETURN(layer.output_norm_bias, take(at + "output.LayerNorm.bias", {hidden}));
    encoder.layers_.push_back(std::move(layer));
  }
  if (with_pooler) {
    TWIN_ASSIGN_OR_RETURN(encoder.pooler_weight_, take("pooler.dense.weight", {hidden, hidden}));
    TWIN_ASSIGN_OR_RETURN(encoder.pooler_bias_, take("pooler.dense.bias", {hidden}));
  }
  return encoder;
}

std::vector<std::vector<float>> BertEncoder::forward(std::span<const BertEncoding> batch) const {
  const std::size_t hidden = config_.hidden_size;
  const std::size_t heads = config_.num_attention_heads;
  const std::size_t head_size = hidden / heads;
  const std::size_t inner = config_.intermediate_size;
  std::vector<std::size_t> offsets;
  std::size_t tokens = 0;
  for (const auto& sequence : batch) {
    offsets.push_back(tokens);
    tokens += sequence.input_ids.size();
  }
  std::vector<float> states(tokens * hidden);
  for (std::size_t s = 0; s < batch.size(); ++s) {
    const auto& sequence = batch[s];
    for (std::size_t p = 0; p < sequence.input_ids.size(); ++p) {
      float* row = states.data() + ((offsets[s] + p) * hidden);
      const float* word =
          word_embeddings_.data() + (static_cast<std::size_t>(sequence.input_ids[p]) * hidden);
      const float* position = position_embeddings_.data() + (p * hidden);
      const float* type = token_type_embeddings_.data() +
                          (static_cast<std::size_t>(sequence.token_type_ids[p]) * hidden);
      for (std::size_t i = 0; i < hidden; ++i) row[i] = word[i] + position[i] + type[i];
    }
  }
  layer_norm(states.data(), tokens, hidden, embedding_norm_weight_.data(),
             embedding_norm_bias_.data(), config_.layer_norm_eps);

  const float scale = 1.0F / std::sqrt(static_cast<float>(head_size));
  std::vector<float> qkv(tokens * 3 * hidden);
  std::vector<float> context(tokens * hidden);
  std::vector<float> attended(tokens * hidden);
  std::vector<float> intermediate(tokens * inner);
  std::vector<float> output(tokens * hidden);
  std::vector<float> scores;
  for (const Layer& layer : layers_) {
    linear(states.data(), tokens, hidden, layer.qkv_weight.data(), layer.qkv_bias.data(),
           3 * hidden, qkv.data());
    const auto row_stride = static_cast<int>(3 * hidden);
    for (std::size_t s = 0; s < batch.size(); ++s) {
      const std::size_t length = batch[s].input_ids.size();
      const auto n = static_cast<int>(length);
      // All heads' scores first, so one softmax pass covers them.
      scores.resize(heads * length * length);
      for (std::size_t h = 0; h < heads; ++h) {
        const float* query = qkv.data() + (offsets[s] * 3 * hidden) + (h * head_size);
        const float* key = query + hidden;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, static_cast<int>(head_size),
                    scale, query, row_stride, key, row_stride, 0.0F,
                    scores.data() + (h * length * length), n);
      }
      softmax_rows(scores.data(), heads * length, length);
      for (std::size_t h = 0; h < heads; ++h) {
        const float* value =
            qkv.data() + (offsets[s] * 3 * hidden) + (2 * hidden) + (h * head_size);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, static_cast<int>(head_size), n,
                    1.0F, scores.data() + (h * length * length), n, value, row_stride, 0.0F,
                    context.data() + (offsets[s] * hidden) + (h * head_size),
                    static_cast<int>(hidden));
      }
    }
    linear(context.data(), tokens, hidden, layer.attention_out_weight.data(),
           layer.attention_out_bias.data(), hidden, attended.data());
    add_into(attended, states);
    layer_norm(attended.data(), tokens, hidden, layer.attention_norm_weight.data(),
               layer.attention_norm_bias.data(), config_.layer_norm_eps);
    linear(attended.data(), tokens, hidden, layer.intermediate_weight.data(),
           layer.intermediate_bias.data(), inner, intermediate.data());
    gelu(intermediate);
    linear(intermediate.data(), tokens, inner, layer.output_weight.data(), layer.output_bias.data(),
           hidden, output.data());
    add_into(output, attended);
    layer_norm(output.data(), tokens, hidden, layer.output_norm_weight.data(),
               layer.output_norm_bias.data(), config_.layer_norm_eps);
    states.swap(output);
  }

  std::vector<std::vector<float>> per_sequence;
  per_sequence.reserve(batch.size());
  for (std::size_t s = 0; s < batch.size(); ++s) {
    const float* begin = states.data() + (offsets[s] * hidden);
    per_sequence.emplace_back(begin, begin + (batch[s].input_ids.size() * hidden));
  }
  return per_sequence;
}

std::vector<float> BertEncoder::pool_cls(std::span<const float> cls_hidden) const {
  const std::size_t hidden = config_.hidden_size;
  std::vector<float> pooled(hidden);
  linear(cls_hidden.data(), 1, hidden, pooler_weight_.data(), pooler_bias_.data(), hidden,
         pooled.data());
  for (float& x : pooled) x = std::tanh(x);
  return pooled;
}

}  // namespace twin::embeddings
