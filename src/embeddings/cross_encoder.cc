#include "twin/embeddings/cross_encoder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "bert_folder.h"

namespace twin::embeddings {

namespace {

constexpr std::size_t kBatchSize = 32;  // CrossEncoder.predict()'s default

class FolderCrossEncoder final : public CrossEncoder {
 public:
  FolderCrossEncoder(std::string model_id, BertFolder folder, std::vector<float> classifier_weight,
                     float classifier_bias, std::string activation)
      : model_id_(std::move(model_id)),
        folder_(std::move(folder)),
        classifier_weight_(std::move(classifier_weight)),
        classifier_bias_(classifier_bias),
        activation_(std::move(activation)) {}

  const std::string& model_id() const override { return model_id_; }
  const std::string& activation() const override { return activation_; }
  std::size_t max_length() const override { return folder_.max_length; }

  Result<std::vector<float>> logits(std::string_view query,
                                    std::span<const std::string> passages) const override {
    const std::size_t hidden = folder_.config.hidden_size;
    std::vector<float> out;
    out.reserve(passages.size());
    std::vector<BertEncoding> batch;
    for (std::size_t start = 0; start < passages.size(); start += kBatchSize) {
      const std::size_t end = std::min(passages.size(), start + kBatchSize);
      batch.clear();
      for (std::size_t i = start; i < end; ++i)
        batch.push_back(folder_.tokenizer.encode_pair(query, passages[i], folder_.max_length));
      for (const auto& states : folder_.encoder.forward(batch)) {
        const auto pooled = folder_.encoder.pool_cls(std::span(states).first(hidden));
        double logit = classifier_bias_;
        for (std::size_t i = 0; i < hidden; ++i)
          logit += static_cast<double>(classifier_weight_[i]) * pooled[i];
        out.push_back(static_cast<float>(logit));
      }
    }
    return out;
  }

  Result<std::vector<float>> score(std::string_view query,
                                   std::span<const std::string> passages) const override {
    TWIN_ASSIGN_OR_RETURN(auto scores, logits(query, passages));
    if (activation_ == "sigmoid") {
      for (float& s : scores)
        s = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(s))));
    }
    return scores;
  }

 private:
  std::string model_id_;
  BertFolder folder_;
  std::vector<float> classifier_weight_;
  float classifier_bias_;
  std::string activation_;
};

}  // namespace

Result<std::unique_ptr<CrossEncoder>> CrossEncoder::load(const std::filesystem::path& folder,
                                                         std::string model_id) {
  TWIN_ASSIGN_OR_RETURN(BertFolder bert, load_bert_folder(folder, true));
  const auto config_json = folder / "config.json";
  if (bert.config.num_labels != 1) {
    return fail(Status::invalid_argument(
        fmt::format("{}: {} labels; twin's cross-encoder scores with one (num_labels 1)",
                    config_json.string(), bert.config.num_labels)));
  }
  if (bert.config.type_vocab_size < 2) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: type_vocab_size {}; a cross-encoder needs 2 token types (query and passage)",
        config_json.string(), bert.config.type_vocab_size)));
  }
  const auto weights = folder / "model.safetensors";
  const auto hidden = static_cast<std::int64_t>(bert.config.hidden_size);
  auto take = [&](const std::string& name, std::vector<std::int64_t> shape) -> Result<Tensor> {
    auto found = bert.other_tensors.find(name);
    if (found == bert.other_tensors.end()) {
      return fail(Status::invalid_argument(
          fmt::format("{}: no tensor {} (a BertForSequenceClassification checkpoint)",
                      weights.string(), name)));
    }
    if (found->second.shape != shape) {
      return fail(Status::invalid_argument(
          fmt::format("{}: tensor {} has shape [{}] but config.json implies [{}]", weights.string(),
                      name, fmt::join(found->second.shape, ", "), fmt::join(shape, ", "))));
    }
    return std::move(found->second);
  };
  TWIN_ASSIGN_OR_RETURN(Tensor weight, take("classifier.weight", {1, hidden}));
  TWIN_ASSIGN_OR_RETURN(Tensor bias, take("classifier.bias", {1}));
  std::string activation = "sigmoid";
  const std::string& named = bert.config.cross_encoder_activation;
  if (named.ends_with("Identity")) {
    activation = "identity";
  } else if (!named.empty() && !named.ends_with("Sigmoid")) {
    return fail(Status::invalid_argument(
        fmt::format("{}: activation {} is not supported (twin applies Sigmoid or Identity)",
                    config_json.string(), named)));
  }
  bert.other_tensors.clear();
  return std::make_unique<FolderCrossEncoder>(std::move(model_id), std::move(bert),
                                              std::move(weight.values), bias.values[0],
                                              std::move(activation));
}

Result<std::unique_ptr<CrossEncoder>> CrossEncoder::open(const Settings& settings) {
  const std::string id = settings.value_or("RERANKING_CROSS_ENCODER_MODEL_ID", "");
  if (id.empty()) {
    return fail(Status::invalid_argument(
        "RERANKING_CROSS_ENCODER_MODEL_ID is not set: set it to a cross-encoder model folder "
        "(e.g. a download of cross-encoder/ms-marco-MiniLM-L-4-v2)"));
  }
  return open(id, settings);
}

Result<std::unique_ptr<CrossEncoder>> CrossEncoder::open(std::string_view model_id,
                                                         const Settings& settings) {
  std::filesystem::path folder(model_id);
  if (folder.is_relative()) folder = settings.root() / folder;
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error)) {
    return fail(Status::invalid_argument(fmt::format(
        "cross-encoder '{}' is not a model folder ({} does not exist); Hugging Face Hub ids are "
        "not downloaded: download the model into a folder first",
        model_id, folder.string())));
  }
  return load(folder, std::string(model_id));
}

}  // namespace twin::embeddings
