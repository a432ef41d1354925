// Character sets of fetched pages: detection and conversion to UTF-8 (iconv).
#pragma once

#include <string>
#include <string_view>

namespace twin::crawl {

// The charset a page declares: the Content-Type header's charset, else a byte-order mark, else
// a <meta charset> or <meta http-equiv="Content-Type"> in the first 2 KB. Lower case; empty when
// none is declared.
std::string detect_charset(std::string_view body, std::string_view content_type);

struct DecodedText {
  std::string text;               // valid UTF-8
  std::string charset;            // what it was decoded from ("utf-8", "windows-1252", ...)
  bool replaced_invalid = false;  // some bytes were not valid in the charset and became U+FFFD
};

// Converts a body to UTF-8. Undeclared text that is not valid UTF-8 is read as windows-1252 (as
// browsers do); ISO-8859-1 is read as its superset windows-1252; invalid sequences become U+FFFD.
// An unknown charset name falls back to UTF-8 with replacement. Never fails.
DecodedText decode_to_utf8(std::string_view body, std::string_view content_type);

// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string sanitize_utf8(std::string_view text, bool* replaced = nullptr);

}  // namespace twin::crawl
