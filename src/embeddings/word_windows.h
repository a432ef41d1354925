// Token windows over whitespace-separated words, for the embedders whose tokens are words
// (GloVe) or whose tokenizer twin does not have (remote APIs).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twin::embeddings {

// LangChain's split_text_on_tokens over text.split(): windows of `tokens_per_window` words,
// each starting tokens_per_window - overlap words after the previous one, the last one ending
// at the last word; each decoded by joining its words with one space. An overlap of
// tokens_per_window or more is taken as tokens_per_window - 1; no words or a zero window size
// give no windows.
std::vector<std::string> word_windows(std::string_view text, std::size_t tokens_per_window,
                                      std::size_t overlap);

// The first `limit` words of text.split(), joined with one space.
std::string first_words(std::string_view text, std::size_t limit);

}  // namespace twin::embeddings
