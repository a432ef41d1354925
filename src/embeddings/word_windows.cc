#include "word_windows.h"

#include <algorithm>

#include "twin/embeddings/python_text.h"

namespace twin::embeddings {

namespace {

std::string join(const std::vector<std::string>& words, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin) out.push_back(' ');
    out += words[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> word_windows(std::string_view text, std::size_t tokens_per_window,
                                      std::size_t overlap) {
  std::vector<std::string> windows;
  if (tokens_per_window == 0) return windows;
  overlap = std::min(overlap, tokens_per_window - 1);
  const std::vector<std::string> words = split_whitespace(text);
  const std::size_t step = tokens_per_window - overlap;
  for (std::size_t start = 0; start < words.size(); start += step) {
    const std::size_t end = std::min(start + tokens_per_window, words.size());
    windows.push_back(join(words, start, end));
    if (end == words.size()) break;
  }
  return windows;
}

std::string first_words(std::string_view text, std::size_t limit) {
  const std::vector<std::string> words = split_whitespace(text);
  return join(words, 0, std::min(limit, words.size()));
}

}  // namespace twin::embeddings
