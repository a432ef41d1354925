#include "bert_folder.h"

#include <fmt/format.h>

namespace twin::embeddings {

Result<BertFolder> load_bert_folder(const std::filesystem::path& folder, bool with_pooler) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error))
    return fail(Status::not_found(fmt::format("{}: not a model folder", folder.string())));
  TWIN_ASSIGN_OR_RETURN(BertConfig config, read_bert_config(folder / "config.json"));
  TWIN_ASSIGN_OR_RETURN(
      BertTokenizer tokenizer,
      BertTokenizer::load(folder / "vocab.txt", folder / "tokenizer_config.json"));
  if (tokenizer.vocabulary_size() != config.vocab_size) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: {} tokens but config.json's vocab_size is {}", (folder / "vocab.txt").string(),
        tokenizer.vocabulary_size(), config.vocab_size)));
  }
  const auto weights = folder / "model.safetensors";
  if (!std::filesystem::exists(weights, error)) {
    if (std::filesystem::exists(folder / "pytorch_model.bin", error)) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: only pytorch_model.bin, which twin does not read (a pickle); convert it to "
          "model.safetensors (e.g. with safetensors' convert script or "
          "model.save_pretrained(folder, safe_serialization=True))",
          folder.string())));
    }
    return fail(Status::not_found(fmt::format("{}: missing", weights.string())));
  }
  TWIN_ASSIGN_OR_RETURN(auto tensors, read_safetensors(weights));
  TWIN_ASSIGN_OR_RETURN(BertEncoder encoder,
                        BertEncoder::create(config, tensors, weights, with_pooler));
  std::size_t max_length = config.max_position_embeddings;
  if (auto limit = tokenizer.options().model_max_length) max_length = std::min(max_length, *limit);
  return BertFolder{std::move(config), std::move(tokenizer), std::move(encoder), std::move(tensors),
                    max_length};
}

}  // namespace twin::embeddings
