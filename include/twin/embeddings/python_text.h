// Python 3 `str` semantics on UTF-8 text, for algorithms ported from the Handbook's Python: which
// code points Python's `re` counts as \w and \s, str.split(), str.strip(), str.lower() and len().
//
// Classification follows CPython's Unicode database rules, evaluated with ICU:
//   is_space  str.isspace(): general category Zs, or bidirectional class WS, B or S
//             (so U+001C..U+001F and U+0085 count, unlike ICU's White_Space property)
//   is_alnum  str.isalnum(): a letter (Lu Ll Lt Lm Lo) or any character with a numeric type
//             (Decimal, Digit or Numeric: Nd, Nl, No and ideographs with a numeric value).
//             Combining marks (Mn, Mc) are not alphanumeric.
//   is_word   re's \w on str patterns: is_alnum or '_'
// Python's own Unicode version (14.0 for Python 3.11) and ICU's (15.0 for ICU 72) differ only on
// code points Unicode 15 newly assigned.
//
// Invalid UTF-8: every byte that does not start a well-formed sequence decodes as U+FFFD (the
// replacement character, which is neither \w nor \s), so malformed input never fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace twin::embeddings {

std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view text);
void append_utf8(std::string& out, char32_t code_point);

bool is_space(char32_t c);
bool is_alnum(char32_t c);
bool is_word(char32_t c);

// len(text): the number of code points (invalid bytes count one each).
std::size_t code_point_count(std::string_view text);

// text.split(): the runs of non-whitespace, in order.
std::vector<std::string> split_whitespace(std::string_view text);

// text.strip(): without leading and trailing Unicode whitespace.
std::string strip(std::string_view text);
std::u32string_view strip(std::u32string_view text);

// text.lower(): full Unicode lower-case mapping (ICU's root locale, which like Python handles
// final sigma).
std::string lower(std::string_view text);

}  // namespace twin::embeddings
