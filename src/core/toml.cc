#include "twin/core/toml.h"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <sstream>

namespace twin {
namespace {

// Index just past the string starting at text[i] (a quote), or text.size() when unterminated.
// Basic strings ("...", """...""") have backslash escapes, literal strings ('...', '''...''') none.
size_t skip_toml_string(std::string_view text, size_t i) {
  const char quote = text[i];
  const bool multiline = text.substr(i, 3) == std::string(3, quote);
  const std::string_view close = multiline ? text.substr(i, 3) : text.substr(i, 1);
  size_t at = i + close.size();
  while (at < text.size()) {
    if (quote == '"' && text[at] == '\\') {
      at += 2;
    } else if (text.substr(at, close.size()) == close) {
      return at + close.size();
    } else if (!multiline && text[at] == '\n') {
      return at;
    } else {
      ++at;
    }
  }
  return text.size();
}

}  // namespace

Status check_toml_depth(std::string_view text, std::string_view what, size_t max_depth) {
  size_t header = 0;   // levels of the last [table] header
  size_t bracket = 0;  // open arrays and inline tables
  size_t dots = 0;     // dots in the key being read
  size_t line = 1;
  bool line_start = true;
  bool in_header = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      const size_t end = skip_toml_string(text, i);
      line +=
          static_cast<size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(i),
                                         text.begin() + static_cast<std::ptrdiff_t>(end), '\n'));
      i = end - 1;
      line_start = false;
      continue;
    }
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    switch (c) {
      case '\n':
        ++line;
        dots = 0;
        line_start = true;
        continue;
      case ' ':
      case '\t':
      case '\r':
        continue;
      case '[':
        if (in_header) break;
        if (line_start && bracket == 0) {
          in_header = true;
          header = 0;
          dots = 0;
        } else {
          ++bracket;
        }
        break;
      case ']':
        if (in_header) {
          header = dots + 1;
          in_header = false;
          dots = 0;
        } else if (bracket > 0) {
          --bracket;
        }
        break;
      case '{':
        ++bracket;
        dots = 0;
        break;
      case '}':
        if (bracket > 0) --bracket;
        dots = 0;
        break;
      case '=':
      case ',':
        dots = 0;
        break;
      case '.':
        ++dots;
        break;
      default:
        break;
    }
    line_start = false;
    if (header + bracket + dots + 1 > max_depth) {
      return Status::invalid_argument(
          fmt::format("{}:{}: TOML nested deeper than {} levels", what, line, max_depth));
    }
  }
  return Status::ok();
}

Result<toml::table> read_toml_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found(fmt::format("{}: no such file", path.string())));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_toml(text.str(), path.string());
}

Result<toml::table> parse_toml(std::string_view text, std::string_view origin) {
  // toml++ limits nested arrays and inline tables, not dotted keys: `a.a.a...` 100k deep builds
  // tables its destructor frees recursively, which overflows the stack.
  TWIN_RETURN_IF_ERROR(check_toml_depth(text, origin));
  try {
    return toml::parse(text, std::string(origin));
  } catch (const toml::parse_error& error) {
    return fail(
        Status::invalid_argument(fmt::format("{}:{}:{}: {}", origin, error.source().begin.line,
                                             error.source().begin.column, error.description())));
  }
}

std::string toml_location(const toml::node& node) {
  const toml::source_region& where = node.source();
  return fmt::format("{}:{}:{}", where.path ? *where.path : std::string("<toml>"), where.begin.line,
                     where.begin.column);
}

}  // namespace twin
