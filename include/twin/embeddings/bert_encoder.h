// The BERT encoder forward pass (Hugging Face's BertModel) in float32 over OpenBLAS sgemm:
// word + position + token-type embeddings and LayerNorm, then per layer self-attention, the
// attention output projection with residual and LayerNorm, the intermediate projection with
// GELU (the erf form) and the output projection with residual and LayerNorm.
//
// A batch runs as one packed matrix of all its tokens (no padding): every linear layer is one
// sgemm over the whole batch, and attention runs per sequence over its own tokens only, which is
// what the padded batch with an attention mask computes for the real tokens. OpenBLAS spreads
// the sgemms over its threads (set_blas_threads, or OPENBLAS_NUM_THREADS).
//
// Thread-safety: forward() and pool_cls() are const and may be called from many threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "twin/core/status.h"
#include "twin/embeddings/bert_tokenizer.h"
#include "twin/embeddings/safetensors.h"

namespace twin::embeddings {

// The part of config.json the encoder reads.
struct BertConfig {
  std::vector<std::string> architectures;  // e.g. BertModel, BertForSequenceClassification
  std::string model_type;                  // "bert"
  std::size_t vocab_size = 0;
  std::size_t hidden_size = 0;
  std::size_t num_hidden_layers = 0;
  std::size_t num_attention_heads = 0;
  std::size_t intermediate_size = 0;
  std::size_t max_position_embeddings = 512;
  std::size_t type_vocab_size = 2;
  float layer_norm_eps = 1e-12F;
  std::size_t num_labels = 1;  // id2label's size for sequence classification
  // sentence-transformers' CrossEncoder activation as config.json names it
  // ("sbert_ce_default_activation_function" or sentence_transformers.activation_fn), e.g.
  // "torch.nn.modules.linear.Identity"; empty when the file names none.
  std::string cross_encoder_activation;
};

// config.json of a BERT-family model. kInvalidArgument naming the file and the architecture for
// anything else (model_type other than bert, an architecture not Bert*, hidden_act not gelu,
// position_embedding_type not absolute); kNotFound / kCorruption for a missing or bad file.
Result<BertConfig> read_bert_config(const std::filesystem::path& config_json);

// OpenBLAS's thread count for every later sgemm (0 leaves OpenBLAS's default).
void set_blas_threads(int threads);

class BertEncoder {
 public:
  // Takes the weights from `tensors` (as HF saves BertModel, with or without a "bert." prefix),
  // checking each one's shape against `config`; `with_pooler` also takes pooler.dense.
  // kInvalidArgument naming `weights_file` and the tensor that is missing or mis-shaped.
  static Result<BertEncoder> create(const BertConfig& config,
                                    std::map<std::string, Tensor>& tensors,
                                    const std::filesystem::path& weights_file, bool with_pooler);

  // The last hidden state of each sequence: length x hidden_size floats, row-major. Every
  // sequence must be at most max_position_embeddings long and use ids below vocab_size.
  std::vector<std::vector<float>> forward(std::span<const BertEncoding> batch) const;

  // BertPooler: tanh(dense([CLS] hidden state)); needs create(..., with_pooler = true).
  std::vector<float> pool_cls(std::span<const float> cls_hidden) const;

  const BertConfig& config() const { return config_; }
  // The name prefix the weights had ("" or "bert.").
  const std::string& prefix() const { return prefix_; }

 private:
  struct Layer {
    std::vector<float> qkv_weight, qkv_bias;  // query, key, value stacked: 3H x H
    std::vector<float> attention_out_weight, attention_out_bias;
    std::vector<float> attention_norm_weight, attention_norm_bias;
    std::vector<float> intermediate_weight, intermediate_bias;
    std::vector<float> output_weight, output_bias;
    std::vector<float> output_norm_weight, output_norm_bias;
  };
  BertEncoder() = default;

  BertConfig config_;
  std::string prefix_;
  std::vector<float> word_embeddings_, position_embeddings_, token_type_embeddings_;
  std::vector<float> embedding_norm_weight_, embedding_norm_bias_;
  std::vector<Layer> layers_;
  std::vector<float> pooler_weight_, pooler_bias_;
};

}  // namespace twin::embeddings
