// Embedder: turns texts into vectors, whatever model does it. Chosen by TEXT_EMBEDDING_MODEL_ID
// (the Handbook's setting name):
//   unset or "glove-100d"            GloVe word vectors averaged like sentence-transformers'
//                                    average_word_embeddings_* models (offline, the default)
//   "http(s)://HOST/v1" or ".../v1/embeddings" with TEXT_EMBEDDING_MODEL_NAME
//                                    an OpenAI-compatible POST /v1/embeddings API (OpenAI,
//                                    Ollama, TEI, vLLM), key from TEXT_EMBEDDING_API_KEY
//   a folder path                    a sentence-transformers BERT-family model folder, run
//                                    in-process (sentence_transformer.h)
// Anything else is kInvalidArgument naming the setting and what it accepts.
//
// Thread-safety: embed() may be called from many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/settings.h"
#include "twin/core/status.h"

namespace twin::embeddings {

class Embedder {
 public:
  virtual ~Embedder() = default;

  static Result<std::unique_ptr<Embedder>> open(const Settings& settings);
  // The embedder a model id names (the values TEXT_EMBEDDING_MODEL_ID takes).
  static Result<std::unique_ptr<Embedder>> open(std::string_view model_id,
                                                const Settings& settings);

  // What the Handbook stores as metadata.embedding_model_id.
  virtual const std::string& model_id() const = 0;
  virtual std::size_t dimension() const = 0;
  // The longest input in tokens the model reads (the Handbook's max_input_length).
  virtual std::size_t max_input_length() const = 0;

  // One L2-normalised (unless the model says otherwise) vector of dimension() floats per text,
  // in order. Empty texts get a zero vector from GloVe and the APIs; a model folder encodes them
  // like any text ([CLS] [SEP]), as sentence-transformers does.
  virtual Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) = 0;

  // The model's tokenizer, for the Handbook's token-window chunking of posts and repositories:
  // the text cut into windows of `tokens_per_window` tokens, each window overlapping the previous
  // by `overlap` tokens, each decoded back to text as the model's tokenizer decodes.
  virtual std::vector<std::string> token_windows(std::string_view text,
                                                 std::size_t tokens_per_window,
                                                 std::size_t overlap) const = 0;
};

}  // namespace twin::embeddings
