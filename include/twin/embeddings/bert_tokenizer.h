// Hugging Face's BertTokenizer / BertTokenizerFast for BERT-family models (MiniLM, BGE, E5):
//   1. clean: drop U+0000, U+FFFD and control characters (categories C*, except \t \n \r);
//      whitespace (\t \n \r, space, category Zs) becomes a space;
//   2. CJK ideographs (the CJK Unified Ideographs blocks and extensions A-E, compatibility
//      ideographs) get a space either side, when tokenize_chinese_chars (default true);
//   3. split on whitespace; lower-case (full Unicode mapping) when do_lower_case; strip accents
//      (NFD, then drop category Mn) when strip_accents, which follows do_lower_case unless set;
//   4. split off every punctuation character (ASCII 33-47, 58-64, 91-96, 123-126, category P*)
//      as its own token;
//   5. WordPiece: greedy longest match from the start of each word against vocab.txt, pieces
//      after the first prefixed "##"; a word longer than 100 code points, or one with a part no
//      vocabulary entry matches, is the single token [UNK].
// Special tokens written in the text ([CLS], [SEP], [UNK], [PAD], [MASK], exactly so) are kept
// as those tokens, as Hugging Face's tokenizers keep their added tokens.
// Encodings are [CLS] a [SEP] and [CLS] a [SEP] b [SEP] (token_type_ids 0 for the first part,
// 1 for b and its [SEP]), truncated to a maximum length that counts the special tokens; pairs
// are truncated longest-first as the fast (Rust) tokenizer does it.
//
// Thread-safety: const methods may be called from many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "twin/core/status.h"

namespace twin::embeddings {

struct BertTokenizerOptions {
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // unset: follows do_lower_case
  bool tokenize_chinese_chars = true;
  std::size_t max_input_chars_per_word = 100;
  // tokenizer_config.json's model_max_length (the longest input the tokenizer allows), if set.
  std::optional<std::size_t> model_max_length;
};

struct BertEncoding {
  std::vector<std::int32_t> input_ids;
  std::vector<std::int32_t> token_type_ids;
};

class BertTokenizer {
 public:
  // `vocabulary` holds one token per line; a token's id is its line number from 0. It must hold
  // [UNK], [CLS], [SEP] and [PAD] (kInvalidArgument naming the missing one otherwise).
  static Result<BertTokenizer> from_vocabulary(std::vector<std::string> vocabulary,
                                               BertTokenizerOptions options);
  // vocab.txt and the options tokenizer_config.json sets (the file is optional). Without
  // vocab.txt, the tokenizer.json beside it: its WordPiece vocabulary and its BertNormalizer's
  // settings (lowercase, strip_accents, handle_chinese_chars), which override
  // tokenizer_config.json's as the fast tokenizer does.
  static Result<BertTokenizer> load(const std::filesystem::path& vocab_txt,
                                    const std::filesystem::path& tokenizer_config_json);

  // Steps 1-5: the wordpieces of `text` (special tokens only where the text writes them).
  std::vector<std::string> tokenize(std::string_view text) const;
  std::vector<std::int32_t> token_ids(std::string_view text) const;

  // [CLS] text [SEP], cut to `max_length` tokens in all (at least 2).
  BertEncoding encode(std::string_view text, std::size_t max_length) const;
  // [CLS] first [SEP] second [SEP], cut to `max_length` tokens in all (at least 3).
  BertEncoding encode_pair(std::string_view first, std::string_view second,
                           std::size_t max_length) const;

  // Hugging Face's decode(ids) with clean_up_tokenization_spaces: tokens joined with spaces,
  // "##" continuations glued to the previous token, no space before . , ? ! and in English
  // contractions ('s 'm 've 're n't).
  std::string decode(std::span<const std::int32_t> ids) const;

  std::int32_t id_of(std::string_view token) const;  // [UNK]'s id when not in the vocabulary
  const std::string& token_of(std::int32_t id) const;
  std::size_t vocabulary_size() const { return vocabulary_.size(); }
  const BertTokenizerOptions& options() const { return options_; }
  std::int32_t cls_id() const { return cls_id_; }
  std::int32_t sep_id() const { return sep_id_; }
  std::int32_t pad_id() const { return pad_id_; }
  std::int32_t unk_id() const { return unk_id_; }

 private:
  BertTokenizer() = default;
  void word_pieces(std::u32string_view word, std::vector<std::string>& out) const;
  // Steps 1-5 for text holding no special token.
  void tokenize_plain(std::string_view text, std::vector<std::string>& tokens) const;

  std::vector<std::string> vocabulary_;
  std::unordered_map<std::string, std::int32_t> ids_;
  BertTokenizerOptions options_;
  std::int32_t unk_id_ = 0;
  std::int32_t cls_id_ = 0;
  std::int32_t sep_id_ = 0;
  std::int32_t pad_id_ = 0;
};

}  // namespace twin::embeddings
