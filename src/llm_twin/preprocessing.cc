#include "twin/llm_twin/preprocessing.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>

#include "twin/embeddings/python_text.h"

namespace twin::llm_twin {

namespace {

using embeddings::decode_utf8;
using embeddings::encode_utf8;
using embeddings::is_space;
using embeddings::is_word;

bool kept_by_clean_text(char32_t c) {
  return c == '.' || c == ',' || c == '!' || c == '?' || is_word(c);
}

std::string value_text(const nlohmann::ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string join_and_clean(const nlohmann::ordered_json& content, bool drop_empty) {
  if (!content.is_object()) return clean_text(value_text(content));
  std::string joined;
  bool first = true;
  for (const auto& [key, value] : content.items()) {
    std::string text = value_text(value);
    // Python's truthiness: None and "" are dropped (and so are an empty list or object).
    const bool empty = value.is_null() || (value.is_string() && text.empty()) ||
                       ((value.is_array() || value.is_object()) && value.empty());
    if (drop_empty && empty) continue;
    if (!first) joined += " #### ";
    joined += text;
    first = false;
  }
  return clean_text(joined);
}

bool ascii_upper(char32_t c) { return c >= 'A' && c <= 'Z'; }
bool ascii_lower(char32_t c) { return c >= 'a' && c <= 'z'; }

// Whether chunk_article's sentence pattern matches the whitespace at text[i]:
// (?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|\!)\s
bool splits_sentence_at(std::u32string_view text, std::size_t i) {
  if (i == 0 || !is_space(text[i])) return false;
  const char32_t before = text[i - 1];
  if (before != '.' && before != '?' && before != '!') return false;
  // `.` in the first look-behind matches anything but a newline; `before` is never one.
  if (i >= 4 && is_word(text[i - 4]) && text[i - 3] == '.' && is_word(text[i - 2])) return false;
  if (i >= 3 && ascii_upper(text[i - 3]) && ascii_lower(text[i - 2]) && before == '.') return false;
  return true;
}

// LangChain's TextSplitter._merge_splits with separator "" and chunk_overlap 0.
void merge_splits(const std::vector<std::u32string>& splits, std::size_t chunk_size,
                  std::vector<std::string>& out) {
  std::vector<std::u32string_view> current;
  std::size_t total = 0;
  auto emit = [&] {
    std::u32string joined;
    for (auto piece : current) joined += piece;
    std::string stripped = encode_utf8(embeddings::strip(std::u32string_view(joined)));
    if (!stripped.empty()) out.push_back(std::move(stripped));
  };
  for (const std::u32string& split : splits) {
    if (total + split.size() > chunk_size && !current.empty()) {
      emit();
      current.clear();  // with no overlap every kept piece is dropped
      total = 0;
    }
    current.emplace_back(split);
    total += split.size();
  }
  emit();
}

}  // namespace

std::string clean_text(std::string_view text) {
  const std::u32string decoded = decode_utf8(text);
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : decoded) {
    if (!kept_by_clean_text(c)) {  // whitespace, or a character the first re.sub blanks
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    embeddings::append_utf8(out, c);
  }
  return out;
}

std::string clean_article_content(const nlohmann::ordered_json& content) {
  return join_and_clean(content, /*drop_empty=*/true);
}

std::string clean_post_content(const nlohmann::ordered_json& content) {
  return join_and_clean(content, /*drop_empty=*/false);
}

std::string clean_repository_content(const nlohmann::ordered_json& content) {
  return join_and_clean(content, /*drop_empty=*/false);
}

nlohmann::ordered_json handbook_content_order(const nlohmann::json& content) {
  if (!content.is_object()) {
    // Not `return {content}`: a braced nlohmann value is a one-element array.
    nlohmann::ordered_json same(content);
    return same;
  }
  nlohmann::ordered_json ordered = nlohmann::ordered_json::object();
  // Articles: {Title, Subtitle, Content, language}; twin's post crawler writes {text, image}.
  static constexpr std::array<const char*, 5> kFirst = {"Title", "Subtitle", "Content", "text",
                                                        "image"};
  for (const char* key : kFirst) {
    if (auto found = content.find(key); found != content.end()) {
      ordered[key] = nlohmann::ordered_json(*found);
    }
  }
  for (const auto& [key, value] : content.items()) {
    if (!ordered.contains(key)) ordered[key] = nlohmann::ordered_json(value);
  }
  return ordered;
}

std::vector<std::string> chunk_article(std::string_view text, std::size_t min_length,
                                       std::size_t max_length) {
  const std::u32string decoded = decode_utf8(text);
  const std::u32string_view view(decoded);
  std::vector<std::u32string_view> sentences;
  std::size_t start = 0;
  for (std::size_t i = 0; i < view.size(); ++i) {
    if (splits_sentence_at(view, i)) {
      sentences.push_back(view.substr(start, i - start));
      start = i + 1;
    }
  }
  sentences.push_back(view.substr(start));

  std::vector<std::string> extracts;
  std::u32string current;
  for (std::u32string_view raw : sentences) {
    const std::u32string_view sentence = embeddings::strip(raw);
    if (sentence.empty()) continue;
    if (current.size() + sentence.size() <= max_length) {
      current += sentence;
      current += U' ';
    } else {
      if (current.size() >= min_length) {
        extracts.push_back(encode_utf8(embeddings::strip(std::u32string_view(current))));
      }
      current.assign(sentence);
      current += U' ';
    }
  }
  if (current.size() >= min_length) {
    extracts.push_back(encode_utf8(embeddings::strip(std::u32string_view(current))));
  }
  return extracts;
}

std::vector<std::string> split_paragraphs(std::string_view text, std::size_t chunk_size) {
  const std::u32string decoded = decode_utf8(text);
  const std::u32string_view view(decoded);
  constexpr std::u32string_view kSeparator = U"\n\n";
  // re.split("(\n\n)") with keep_separator=True: each piece after the first starts with its
  // separator; empty pieces are dropped.
  std::vector<std::u32string> splits;
  std::size_t found = view.find(kSeparator);
  std::size_t start = 0;
  std::u32string prefix;
  while (found != std::u32string_view::npos) {
    std::u32string piece = prefix + std::u32string(view.substr(start, found - start));
    if (!piece.empty()) splits.push_back(std::move(piece));
    prefix = kSeparator;
    start = found + kSeparator.size();
    found = view.find(kSeparator, start);
  }
  std::u32string last = prefix + std::u32string(view.substr(start));
  if (!last.empty()) splits.push_back(std::move(last));

  std::vector<std::string> chunks;
  std::vector<std::u32string> good;
  for (std::u32string& split : splits) {
    if (split.size() < chunk_size) {
      good.push_back(std::move(split));
      continue;
    }
    if (!good.empty()) {
      merge_splits(good, chunk_size, chunks);
      good.clear();
    }
    chunks.push_back(encode_utf8(split));
  }
  if (!good.empty()) merge_splits(good, chunk_size, chunks);
  return chunks;
}

std::vector<std::string> chunk_text(std::string_view text, std::size_t chunk_size,
                                    std::size_t chunk_overlap,
                                    const embeddings::Embedder& embedder) {
  std::vector<std::string> chunks;
  for (const std::string& section : split_paragraphs(text, chunk_size)) {
    for (std::string& window :
         embedder.token_windows(section, embedder.max_input_length(), chunk_overlap)) {
      chunks.push_back(std::move(window));
    }
  }
  return chunks;
}

std::string chunk_id(std::string_view chunk) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(chunk.data(), chunk.size(), digest.data(), &size, EVP_md5(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0FU) | 0x40U);  // version 4
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3FU) | 0x80U);  // RFC 4122 variant
  std::string hex;
  hex.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex.push_back('-');
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

}  // namespace twin::llm_twin
