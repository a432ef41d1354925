// A sentence-transformers model folder run in-process: the modules modules.json lists
// (Transformer, Pooling, Normalize), read from the files sentence-transformers saves
// (config.json, vocab.txt, tokenizer_config.json, model.safetensors, sentence_bert_config.json,
// 1_Pooling/config.json). Without modules.json the folder is taken as a plain Hugging Face BERT
// model with mean pooling and no normalisation, as sentence-transformers does.
//
// Vectors match sentence-transformers' encode() (float32 rounding apart; see
// docs/embeddings.md). Unlike the GloVe embedder, an empty text is encoded like any other
// ([CLS] [SEP]), as sentence-transformers does.
//
// Thread-safety: embed() and token_windows() may be called from many threads at once.
#pragma once

#include <filesystem>
#include <memory>

#include "twin/embeddings/bert_tokenizer.h"
#include "twin/embeddings/embedder.h"

namespace twin::embeddings {

// 1_Pooling/config.json's modes; several are concatenated in this order, as
// sentence-transformers does.
struct PoolingModes {
  bool cls = false;
  bool max = false;
  bool mean = false;
  bool mean_sqrt_len = false;
};

class SentenceTransformer : public Embedder {
 public:
  // `model_id` is what model_id() reports. Errors name the file and what is wrong (see
  // load_bert_folder in src/embeddings/bert_folder.h), or the module type twin does not run.
  static Result<std::unique_ptr<SentenceTransformer>> load(const std::filesystem::path& folder,
                                                           std::string model_id);

  virtual const BertTokenizer& tokenizer() const = 0;
  virtual PoolingModes pooling() const = 0;
  virtual bool normalizes() const = 0;
};

}  // namespace twin::embeddings
