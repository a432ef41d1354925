#include <algorithm>
#include <cctype>

#include "backends.h"

namespace twin::db::internal {

namespace {

// Index just past the quoted run starting at `start` (which holds `quote`); doubled quotes stay
// inside the run.
size_t skip_quoted(std::string_view sql, size_t start, char quote) {
  size_t i = start + 1;
  while (i < sql.size()) {
    if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return sql.size();
}

// Index just past a $tag$...$tag$ string starting at `start`, or start + 1 when `$` does not
// open one (e.g. an existing $1 placeholder).
size_t skip_dollar_quoted(std::string_view sql, size_t start) {
  size_t tag_end = start + 1;
  while (tag_end < sql.size() &&
         (std::isalnum(static_cast<unsigned char>(sql[tag_end])) || sql[tag_end] == '_')) {
    ++tag_end;
  }
  if (tag_end >= sql.size() || sql[tag_end] != '$') return start + 1;
  const std::string_view tag = sql.substr(start, tag_end - start + 1);
  if (tag.size() > 2 && std::isdigit(static_cast<unsigned char>(tag[1]))) return start + 1;
  const size_t close = sql.find(tag, tag_end + 1);
  return close == std::string_view::npos ? sql.size() : close + tag.size();
}

}  // namespace

std::string numbered_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    size_t end = i + 1;
    if (c == '\'' || c == '"') {
      end = skip_quoted(sql, i, c);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '$') {
      end = skip_dollar_quoted(sql, i);
    } else if (c == '?') {
      out += '$';
      out += std::to_string(next++);
      ++i;
      continue;
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

std::string abbreviated(std::string_view sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front()))) {
    sql.remove_prefix(1);
  }
  std::string line(sql.substr(0, std::min(sql.find('\n'), size_t{120})));
  if (line.size() < sql.size()) line += "...";
  return line;
}

std::string mask_password(std::string_view uri) {
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return std::string(uri);
  const size_t authority_start = scheme_end + 3;
  const size_t at = uri.find('@', authority_start);
  const size_t slash = uri.find('/', authority_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && at > slash)) {
    return std::string(uri);
  }
  const size_t colon = uri.find(':', authority_start);
  if (colon == std::string_view::npos || colon > at) return std::string(uri);
  return std::string(uri.substr(0, colon + 1)) + "***" + std::string(uri.substr(at));
}

}  // namespace twin::db::internal
