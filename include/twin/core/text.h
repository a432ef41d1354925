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

// Bytes (1 to 4) of the UTF-8 sequence starting at text[i], or 0 when none starts there: a stray
// continuation byte, a truncated sequence, an overlong form, a surrogate or a code point past
// U+10FFFF.
size_t utf8_sequence_length(std::string_view text, size_t i);

// Whether `text` is valid UTF-8 throughout (what JSON text must be).
bool is_valid_utf8(std::string_view text);

// "'a', 'b' or 'c'": for "did you mean ..." messages.
std::string quoted_alternatives(const std::vector<std::string>& names);

}  // namespace twin
