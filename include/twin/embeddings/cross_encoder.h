// A sentence-transformers CrossEncoder (Hugging Face BertForSequenceClassification) run
// in-process: [CLS] query [SEP] passage [SEP] through the BERT encoder, BertPooler (tanh of a
// dense layer on [CLS]) and the `classifier` linear layer, one logit per pair (num_labels 1).
//
// score() returns what CrossEncoder.predict() returns by default: with one label, the sigmoid
// of the logit, unless config.json names another activation
// (sbert_ce_default_activation_function or sentence_transformers.activation_fn; Identity gives
// the logit itself). logits() returns the raw logit either way.
//
// Chosen by RERANKING_CROSS_ENCODER_MODEL_ID (the Handbook's setting name): a model folder.
// Thread-safety: score() and logits() may be called from many threads at once.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/settings.h"
#include "twin/core/status.h"

namespace twin::embeddings {

class CrossEncoder {
 public:
  virtual ~CrossEncoder() = default;

  // The folder RERANKING_CROSS_ENCODER_MODEL_ID names (relative to the settings root).
  static Result<std::unique_ptr<CrossEncoder>> open(const Settings& settings);
  static Result<std::unique_ptr<CrossEncoder>> open(std::string_view model_id,
                                                    const Settings& settings);
  // Errors name the file and what is wrong, like SentenceTransformer::load, and a model with
  // num_labels other than 1 is kInvalidArgument.
  static Result<std::unique_ptr<CrossEncoder>> load(const std::filesystem::path& folder,
                                                    std::string model_id);

  virtual const std::string& model_id() const = 0;
  // The activation score() applies: "sigmoid" or "identity".
  virtual const std::string& activation() const = 0;
  // The longest pair in tokens (tokenizer_config.json's model_max_length, capped at
  // max_position_embeddings); longer pairs are truncated longest-first.
  virtual std::size_t max_length() const = 0;

  virtual Result<std::vector<float>> logits(std::string_view query,
                                            std::span<const std::string> passages) const = 0;
  virtual Result<std::vector<float>> score(std::string_view query,
                                           std::span<const std::string> passages) const = 0;
};

}  // namespace twin::embeddings
