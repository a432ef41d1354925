// What sentence-transformers' Transformer module and CrossEncoder read from a Hugging Face
// model folder: config.json, vocab.txt (+ tokenizer_config.json) and model.safetensors.
#pragma once

#include <filesystem>

#include "twin/core/status.h"
#include "twin/embeddings/bert_encoder.h"
#include "twin/embeddings/bert_tokenizer.h"
#include "twin/embeddings/safetensors.h"

namespace twin::embeddings {

struct BertFolder {
  BertConfig config;
  BertTokenizer tokenizer;
  BertEncoder encoder;
  std::map<std::string, Tensor> other_tensors;  // the weights the encoder did not take
  // The longest input the folder allows: tokenizer_config.json's model_max_length capped at
  // max_position_embeddings.
  std::size_t max_length = 512;
};

// Errors name the file and what is wrong: a missing config.json / vocab.txt / model.safetensors
// (with only pytorch_model.bin: kInvalidArgument saying to convert it to safetensors), an
// unsupported architecture, a tensor missing, mis-shaped or past the end of the file.
Result<BertFolder> load_bert_folder(const std::filesystem::path& folder, bool with_pooler);

}  // namespace twin::embeddings
