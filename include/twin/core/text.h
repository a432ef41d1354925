// Small text utilities shared across modules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace twin {

// Levenshtein distance between two strings (bytes).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidates closest to `word` by edit distance, nearest first, keeping only those close
// enough to be a plausible typo (distance at most max(2, |word| / 3)) or that start with `word`.
std::vector<std::string> closest_matches(std::string_view word,
                                         const std::vector<std::string>& candidates,
                                         size_t limit = 3);

// "'a', 'b' or 'c'": for "did you mean ..." messages.
std::string quoted_alternatives(const std::vector<std::string>& names);

}  // namespace twin
