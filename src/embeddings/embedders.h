// The Embedder implementations behind Embedder::open (embedder.cc holds the dispatch).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "twin/core/settings.h"
#include "twin/embeddings/embedder.h"

namespace twin::embeddings {

// GloVe average over the table at `table` (glove_embedder.cc).
Result<std::unique_ptr<Embedder>> open_glove(const std::filesystem::path& table);

// The OpenAI-compatible API at `url` (openai_embedder.cc); embeds one probe text to learn the
// dimension.
Result<std::unique_ptr<Embedder>> open_openai(std::string_view url, const Settings& settings);

// sentence-transformers' WhitespaceTokenizer lookup order for one whitespace token: the token,
// then the token stripped of ASCII punctuation (string.punctuation), then that lower-cased.
// Returns the candidates in that order, skipping empty and repeated ones.
std::vector<std::string> lookup_candidates(std::string_view token);

}  // namespace twin::embeddings
