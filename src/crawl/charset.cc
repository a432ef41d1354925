#include "twin/crawl/charset.h"

#include <iconv.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <optional>

#include "twin/core/text.h"

namespace twin::crawl {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value after "charset=" in `text` (a header or a meta tag), without quotes.
std::string charset_parameter(std::string_view text) {
  const std::string low = lower(text);
  size_t at = low.find("charset");
  while (at != std::string::npos) {
    size_t pos = at + 7;
    while (pos < low.size() && low[pos] == ' ') ++pos;
    if (pos < low.size() && low[pos] == '=') {
      ++pos;
      while (pos < low.size() && (low[pos] == ' ' || low[pos] == '"' || low[pos] == '\'')) ++pos;
      size_t end = pos;
      while (end < low.size() &&
             (std::isalnum(static_cast<unsigned char>(low[end])) || low[end] == '-' ||
              low[end] == '_' || low[end] == ':' || low[end] == '.')) {
        ++end;
      }
      if (end > pos) return low.substr(pos, end - pos);
    }
    at = low.find("charset", at + 7);
  }
  return "";
}

bool is_utf8_name(const std::string& name) { return name == "utf-8" || name == "utf8"; }

// iconv conversion to UTF-8; invalid input bytes become U+FFFD. nullopt when iconv does not know
// the charset.
std::optional<std::string> iconv_to_utf8(std::string_view body, const std::string& charset,
                                         bool& replaced) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  std::string out;
  out.reserve(body.size() + body.size() / 4);
  std::string buffer(size_t{16} * 1024, '\0');
  char* in = const_cast<char*>(body.data());
  size_t in_left = body.size();
  while (in_left > 0) {
    char* out_ptr = buffer.data();
    size_t out_left = buffer.size();
    const size_t rc = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    out.append(buffer.data(), buffer.size() - out_left);
    if (rc == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL: one bad byte.
      out += "\xEF\xBF\xBD";
      replaced = true;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);
    }
  }
  iconv_close(cd);
  return out;
}

}  // namespace

std::string sanitize_utf8(std::string_view text, bool* replaced) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      if (replaced != nullptr) *replaced = true;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string detect_charset(std::string_view body, std::string_view content_type) {
  if (std::string from_header = charset_parameter(content_type); !from_header.empty()) {
    return from_header;
  }
  if (body.starts_with("\xEF\xBB\xBF")) return "utf-8";
  if (body.starts_with("\xFF\xFE")) return "utf-16le";
  if (body.starts_with("\xFE\xFF")) return "utf-16be";
  const std::string head = lower(body.substr(0, 2048));
  size_t at = head.find("<meta");
  while (at != std::string::npos) {
    const size_t end = head.find('>', at);
    const std::string_view tag(head.data() + at,
                               (end == std::string::npos ? head.size() : end) - at);
    if (std::string found = charset_parameter(tag); !found.empty()) return found;
    at = head.find("<meta", at + 5);
  }
  return "";
}

DecodedText decode_to_utf8(std::string_view body, std::string_view content_type) {
  DecodedText result;
  std::string charset = detect_charset(body, content_type);
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" ||
      charset == "ascii" || charset == "iso8859-1") {
    charset = "windows-1252";
  }
  // A page saved as UTF-8 keeps the <meta> of its original charset (readability-test-pages'
  // gb2312 pages are UTF-8 now). Legacy-encoded text with non-ASCII bytes is almost never valid
  // UTF-8, so a <meta>-declared charset yields to bytes that are. The HTTP header is obeyed.
  if (!charset.empty() && !is_utf8_name(charset) &&
      lower(content_type).find("charset=") == std::string::npos &&
      std::any_of(body.begin(), body.end(), [](char c) { return (c & 0x80) != 0; }) &&
      is_valid_utf8(body)) {
    charset = "utf-8";
  }
  if (charset.empty() || is_utf8_name(charset)) {
    std::string_view text = body;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    if (is_valid_utf8(text)) {
      result.text.assign(text);
      result.charset = "utf-8";
      return result;
    }
    if (charset.empty()) {
      charset = "windows-1252";  // undeclared and not UTF-8: what browsers assume
    } else {
      result.text = sanitize_utf8(text, &result.replaced_invalid);
      result.charset = "utf-8";
      return result;
    }
  }
  if (auto converted = iconv_to_utf8(body, charset, result.replaced_invalid)) {
    result.text = std::move(*converted);
    result.charset = charset;
    return result;
  }
  result.text = sanitize_utf8(body, &result.replaced_invalid);
  result.charset = "utf-8";
  return result;
}

}  // namespace twin::crawl
