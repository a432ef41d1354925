#include "twin/embeddings/bert_tokenizer.h"

#include <fmt/format.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "twin/embeddings/python_text.h"

namespace twin::embeddings {

namespace {

std::uint32_t category_mask(char32_t c) { return U_GET_GC_MASK(static_cast<UChar32>(c)); }

bool is_bert_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' ||
         (category_mask(c) & U_GC_ZS_MASK) != 0;
}

bool is_bert_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return (category_mask(c) & U_GC_C_MASK) != 0;
}

bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126))
    return true;
  return (category_mask(c) & U_GC_P_MASK) != 0;
}

// The blocks BERT's _is_chinese_char lists (CJK ideographs only, not kana or hangul).
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

icu::UnicodeString to_icu(std::u32string_view text) {
  return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()),
                                       static_cast<std::int32_t>(text.size()));
}

std::u32string from_icu(const icu::UnicodeString& text) {
  std::u32string out;
  for (std::int32_t i = 0; i < text.length();) {
    const UChar32 c = text.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

std::u32string lower_case(std::u32string_view word) {
  icu::UnicodeString text = to_icu(word);
  text.toLower(icu::Locale::getRoot());
  return from_icu(text);
}

std::u32string strip_accents(std::u32string_view word) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(error);
  if (U_FAILURE(error)) return std::u32string(word);
  const icu::UnicodeString decomposed = nfd->normalize(to_icu(word), error);
  if (U_FAILURE(error)) return std::u32string(word);
  std::u32string out;
  for (char32_t c : from_icu(decomposed)) {
    if ((category_mask(c) & U_GC_MN_MASK) == 0) out.push_back(c);
  }
  return out;
}

// Steps 1 and 2 of the header: cleaned text with CJK ideographs spaced out.
std::u32string clean_text(std::string_view text, bool space_cjk) {
  std::u32string out;
  for (char32_t c : decode_utf8(text)) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_bert_whitespace(c)) {
      out.push_back(U' ');
    } else if (space_cjk && is_cjk_ideograph(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// str.split() over the cleaned text.
std::vector<std::u32string> split_on_whitespace(const std::u32string& text) {
  std::vector<std::u32string> words;
  std::u32string current;
  for (char32_t c : text) {
    if (is_space(c)) {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

void split_on_punctuation(const std::u32string& word, std::vector<std::u32string>& out) {
  std::u32string current;
  for (char32_t c : word) {
    if (is_bert_punctuation(c)) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
      out.emplace_back(1, c);
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
}

// Truncation of the fast tokenizer's LongestFirst strategy: the shorter part is kept whole when
// it fits in what is left; otherwise each part gets half, the second the odd token.
std::pair<std::size_t, std::size_t> longest_first(std::size_t first, std::size_t second,
                                                  std::size_t budget) {
  if (first + second <= budget) return {first, second};
  const bool swapped = first > second;
  std::size_t shorter = swapped ? second : first;
  std::size_t longer = 0;
  if (shorter > budget) {
    longer = shorter;
  } else {
    longer = std::max(shorter, budget - shorter);
  }
  if (shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + (budget % 2);
  }
  return swapped ? std::pair{longer, shorter} : std::pair{shorter, longer};
}

// What tokenizer.json (the fast tokenizer's file) says about a WordPiece tokenizer.
struct TokenizerJson {
  std::vector<std::string> vocabulary;  // by id
  std::optional<bool> lowercase, strip_accents, handle_chinese_chars;
  std::optional<std::size_t> max_input_chars_per_word;
};

std::optional<bool> optional_flag(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_boolean()) return {};
  return object[key].get<bool>();
}

Result<TokenizerJson> read_tokenizer_json_unchecked(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return fail(Status::not_found(fmt::format("{}: missing or unreadable", file.string())));
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("model"))
    return fail(Status::corruption(fmt::format("{}: not a tokenizer.json", file.string())));
  const auto& model = json["model"];
  if (model.value("type", "") != "WordPiece" ||
      model.value("continuing_subword_prefix", "##") != "##") {
    return fail(Status::invalid_argument(fmt::format(
        "{}: model type {} is not supported (twin runs WordPiece with ## continuations)",
        file.string(), model.value("type", "(none)"))));
  }
  TokenizerJson read;
  std::size_t size = 0;
  for (const auto& [token, id] : model["vocab"].items())
    size = std::max(size, id.get<std::size_t>() + 1);
  read.vocabulary.resize(size);
  for (const auto& [token, id] : model["vocab"].items())
    read.vocabulary[id.get<std::size_t>()] = token;
  if (model.contains("max_input_chars_per_word") &&
      model["max_input_chars_per_word"].is_number_unsigned())
    read.max_input_chars_per_word = model["max_input_chars_per_word"].get<std::size_t>();
  if (json.contains("normalizer") && json["normalizer"].is_object()) {
    const auto& normalizer = json["normalizer"];
    read.lowercase = optional_flag(normalizer, "lowercase");
    read.strip_accents = optional_flag(normalizer, "strip_accents");
    read.handle_chinese_chars = optional_flag(normalizer, "handle_chinese_chars");
  }
  return read;
}

Result<TokenizerJson> read_tokenizer_json(const std::filesystem::path& file) {
  try {
    return read_tokenizer_json_unchecked(file);
  } catch (const nlohmann::json::exception& error) {  // a value of the wrong type
    return fail(Status::corruption(fmt::format("{}: {}", file.string(), error.what())));
  }
}

}  // namespace

Result<BertTokenizer> BertTokenizer::from_vocabulary(std::vector<std::string> vocabulary,
                                                     BertTokenizerOptions options) {
  BertTokenizer tokenizer;
  tokenizer.options_ = options;
  for (std::size_t i = 0; i < vocabulary.size(); ++i)
    tokenizer.ids_.insert_or_assign(vocabulary[i],
                                    static_cast<std::int32_t>(i));  // last wins, as HF
  tokenizer.vocabulary_ = std::move(vocabulary);
  for (auto [name, id] :
       {std::pair{"[UNK]", &tokenizer.unk_id_}, std::pair{"[CLS]", &tokenizer.cls_id_},
        std::pair{"[SEP]", &tokenizer.sep_id_}, std::pair{"[PAD]", &tokenizer.pad_id_}}) {
    auto found = tokenizer.ids_.find(name);
    if (found == tokenizer.ids_.end())
      return fail(Status::invalid_argument(fmt::format("the vocabulary has no {} token", name)));
    *id = found->second;
  }
  return tokenizer;
}

Result<BertTokenizer> BertTokenizer::load(const std::filesystem::path& vocab_txt,
                                          const std::filesystem::path& tokenizer_config_json) {
  std::vector<std::string> tokens;
  std::optional<TokenizerJson> fast;
  std::filesystem::path vocabulary_file = vocab_txt;
  const auto tokenizer_json = vocab_txt.parent_path() / "tokenizer.json";
  std::error_code exists_error;
  if (!std::filesystem::exists(vocab_txt, exists_error) &&
      std::filesystem::exists(tokenizer_json, exists_error)) {
    TWIN_ASSIGN_OR_RETURN(fast, read_tokenizer_json(tokenizer_json));
    tokens = std::move(fast->vocabulary);
    vocabulary_file = tokenizer_json;
  } else {
    std::ifstream vocab(vocab_txt);
    if (!vocab) {
      return fail(Status::not_found(
          fmt::format("{}: missing or unreadable (and no tokenizer.json)", vocab_txt.string())));
    }
    for (std::string line; std::getline(vocab, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      tokens.push_back(std::move(line));
    }
  }
  BertTokenizerOptions options;
  try {
    if (std::ifstream config(tokenizer_config_json); config) {
      const auto json = nlohmann::json::parse(config, nullptr, false);
      if (json.is_discarded() || !json.is_object())
        return fail(Status::corruption(
            fmt::format("{}: not a JSON object", tokenizer_config_json.string())));
      if (json.contains("do_lower_case") && json["do_lower_case"].is_boolean())
        options.do_lower_case = json["do_lower_case"].get<bool>();
      if (json.contains("strip_accents") && json["strip_accents"].is_boolean())
        options.strip_accents = json["strip_accents"].get<bool>();
      if (json.contains("tokenize_chinese_chars") && json["tokenize_chinese_chars"].is_boolean())
        options.tokenize_chinese_chars = json["tokenize_chinese_chars"].get<bool>();
      // HF writes 1e30 for "no limit"; only a plausible length is a limit.
      if (json.contains("model_max_length") && json["model_max_length"].is_number() &&
          json["model_max_length"].get<double>() > 0 &&
          json["model_max_length"].get<double>() < 1e9)
        options.model_max_length = static_cast<std::size_t>(json["model_max_length"].get<double>());
    }
  } catch (const nlohmann::json::exception& error) {  // a value of the wrong type
    return fail(
        Status::corruption(fmt::format("{}: {}", tokenizer_config_json.string(), error.what())));
  }
  if (fast) {  // the fast tokenizer's own normalizer settings are what it runs
    options.do_lower_case = fast->lowercase.value_or(options.do_lower_case);
    if (fast->strip_accents) options.strip_accents = fast->strip_accents;
    options.tokenize_chinese_chars =
        fast->handle_chinese_chars.value_or(options.tokenize_chinese_chars);
    options.max_input_chars_per_word =
        fast->max_input_chars_per_word.value_or(options.max_input_chars_per_word);
  }
  auto tokenizer = from_vocabulary(std::move(tokens), options);
  if (!tokenizer) {
    return fail(Status::invalid_argument(
        fmt::format("{}: {}", vocabulary_file.string(), tokenizer.error().message())));
  }
  return tokenizer;
}

void BertTokenizer::word_pieces(std::u32string_view word, std::vector<std::string>& out) const {
  if (word.size() > options_.max_input_chars_per_word) {
    out.push_back(vocabulary_[static_cast<std::size_t>(unk_id_)]);
    return;
  }
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < word.size()) {
    std::size_t end = word.size();
    std::string match;
    for (; end > start; --end) {
      std::string candidate = start > 0 ? "##" : "";
      candidate += encode_utf8(word.substr(start, end - start));
      if (ids_.contains(candidate)) {
        match = std::move(candidate);
        break;
      }
    }
    if (end == start) {  // no piece matches: the whole word is unknown
      out.push_back(vocabulary_[static_cast<std::size_t>(unk_id_)]);
      return;
    }
    pieces.push_back(std::move(match));
    start = end;
  }
  for (auto& piece : pieces) out.push_back(std::move(piece));
}

void BertTokenizer::tokenize_plain(std::string_view text, std::vector<std::string>& tokens) const {
  const bool strip = options_.strip_accents.value_or(options_.do_lower_case);
  std::vector<std::u32string> words;
  for (std::u32string& word :
       split_on_whitespace(clean_text(text, options_.tokenize_chinese_chars))) {
    if (options_.do_lower_case) word = lower_case(word);
    if (strip) word = strip_accents(word);
    words.clear();
    split_on_punctuation(word, words);
    for (const auto& piece : words) word_pieces(piece, tokens);
  }
}

std::vector<std::string> BertTokenizer::tokenize(std::string_view text) const {
  // Special tokens written in the text are matched first, exactly as written (Hugging Face's
  // added tokens: not normalised, so "[sep]" is not [SEP]); the text between them is tokenized.
  static constexpr std::string_view kSpecialTokens[] = {"[CLS]", "[SEP]", "[UNK]", "[PAD]",
                                                        "[MASK]"};
  std::vector<std::string> tokens;
  std::size_t plain_start = 0;
  for (std::size_t at = text.find('['); at != std::string_view::npos; at = text.find('[', at)) {
    std::string_view matched;
    for (std::string_view special : kSpecialTokens) {
      if (text.substr(at).starts_with(special) && ids_.contains(std::string(special))) {
        matched = special;
        break;
      }
    }
    if (matched.empty()) {
      ++at;
      continue;
    }
    tokenize_plain(text.substr(plain_start, at - plain_start), tokens);
    tokens.emplace_back(matched);
    at += matched.size();
    plain_start = at;
  }
  tokenize_plain(text.substr(plain_start), tokens);
  return tokens;
}

std::vector<std::int32_t> BertTokenizer::token_ids(std::string_view text) const {
  std::vector<std::int32_t> ids;
  for (const auto& token : tokenize(text)) ids.push_back(id_of(token));
  return ids;
}

BertEncoding BertTokenizer::encode(std::string_view text, std::size_t max_length) const {
  std::vector<std::int32_t> ids = token_ids(text);
  const std::size_t budget = max_length > 2 ? max_length - 2 : 0;
  if (ids.size() > budget) ids.resize(budget);
  BertEncoding encoding;
  encoding.input_ids.reserve(ids.size() + 2);
  encoding.input_ids.push_back(cls_id_);
  encoding.input_ids.insert(encoding.input_ids.end(), ids.begin(), ids.end());
  encoding.input_ids.push_back(sep_id_);
  encoding.token_type_ids.assign(encoding.input_ids.size(), 0);
  return encoding;
}

BertEncoding BertTokenizer::encode_pair(std::string_view first, std::string_view second,
                                        std::size_t max_length) const {
  std::vector<std::int32_t> a = token_ids(first);
  std::vector<std::int32_t> b = token_ids(second);
  const std::size_t budget = max_length > 3 ? max_length - 3 : 0;
  const auto [keep_a, keep_b] = longest_first(a.size(), b.size(), budget);
  a.resize(keep_a);
  b.resize(keep_b);
  BertEncoding encoding;
  encoding.input_ids.push_back(cls_id_);
  encoding.input_ids.insert(encoding.input_ids.end(), a.begin(), a.end());
  encoding.input_ids.push_back(sep_id_);
  encoding.token_type_ids.assign(encoding.input_ids.size(), 0);
  encoding.input_ids.insert(encoding.input_ids.end(), b.begin(), b.end());
  encoding.input_ids.push_back(sep_id_);
  encoding.token_type_ids.resize(encoding.input_ids.size(), 1);
  return encoding;
}

std::string BertTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string joined;
  for (std::int32_t id : ids) {
    const std::string& token = token_of(id);
    if (token.starts_with("##")) {
      joined += token.substr(2);
    } else {
      if (!joined.empty()) joined.push_back(' ');
      joined += token;
    }
  }
  static constexpr std::pair<std::string_view, std::string_view> kCleanUps[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kCleanUps) {
    std::string cleaned;
    for (std::size_t at = 0;;) {
      const std::size_t found = joined.find(from, at);
      if (found == std::string::npos) {
        cleaned.append(joined, at);
        break;
      }
      cleaned.append(joined, at, found - at);
      cleaned += to;
      at = found + from.size();
    }
    joined = std::move(cleaned);
  }
  return joined;
}

std::int32_t BertTokenizer::id_of(std::string_view token) const {
  auto found = ids_.find(std::string(token));
  return found == ids_.end() ? unk_id_ : found->second;
}

const std::string& BertTokenizer::token_of(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocabulary_.size())
    return vocabulary_[static_cast<std::size_t>(unk_id_)];
  return vocabulary_[static_cast<std::size_t>(id)];
}

}  // namespace twin::embeddings
