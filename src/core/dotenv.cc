#include "twin/core/dotenv.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace twin {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// Walks the text once, keeping track of the line number for messages.
class DotenvParser {
 public:
  DotenvParser(std::string_view text, std::string_view origin, const EnvironmentLookup& env)
      : text_(text), origin_(origin), environment_(env) {}

  Result<std::vector<DotenvEntry>> parse() {
    std::vector<DotenvEntry> entries;
    while (pos_ < text_.size()) {
      skip_blanks_and_newlines();
      if (pos_ >= text_.size()) break;
      if (peek() == '#') {
        skip_to_end_of_line();
        continue;
      }
      const int entry_line = line_;
      if (text_.substr(pos_).starts_with("export ")) {
        pos_ += 7;
        skip_blanks();
      }
      TWIN_ASSIGN_OR_RETURN(std::string key, parse_key());
      skip_blanks();
      if (pos_ >= text_.size() || peek() == '\n' || peek() == '#') {
        skip_to_end_of_line();  // `KEY` alone declares nothing, as in python-dotenv
        continue;
      }
      if (peek() != '=') return error("expected '=' after '" + key + "'");
      ++pos_;
      skip_blanks();
      TWIN_ASSIGN_OR_RETURN(std::string value, parse_value());
      defined_[key] = value;
      entries.push_back({std::move(key), std::move(value), entry_line});
    }
    return entries;
  }

 private:
  char peek() const { return text_[pos_]; }
  void advance() {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(peek())) ++pos_;
  }
  void skip_blanks_and_newlines() {
    while (pos_ < text_.size() && (is_blank(peek()) || peek() == '\n' || peek() == '\r')) advance();
  }
  void skip_to_end_of_line() {
    while (pos_ < text_.size() && peek() != '\n') ++pos_;
  }
  std::unexpected<Status> error(const std::string& what) const {
    return fail(Status::invalid_argument(fmt::format("{}:{}: {}", origin_, line_, what)));
  }

  Result<std::string> parse_key() {
    if (pos_ < text_.size() && (peek() == '\'' || peek() == '"')) {
      const char quote = peek();
      const size_t end = text_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return error("unterminated quoted key");
      std::string key(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return key;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && is_key_char(peek())) ++pos_;
    if (pos_ == start) {
      if (pos_ >= text_.size()) return error("expected a variable name at the end of the file");
      return error(fmt::format("unexpected character '{}'", peek()));
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  Result<std::string> parse_value() {
    if (pos_ < text_.size() && peek() == '\'') return parse_single_quoted();
    if (pos_ < text_.size() && peek() == '"') return parse_double_quoted();
    return parse_unquoted();
  }

  // Literal up to the closing quote; only \\ and \' are decoded (as python-dotenv does).
  Result<std::string> parse_single_quoted() {
    const int start_line = line_;
    ++pos_;
    std::string value;
    while (pos_ < text_.size() && peek() != '\'') {
      if (peek() == '\\' && pos_ + 1 < text_.size() &&
          (text_[pos_ + 1] == '\'' || text_[pos_ + 1] == '\\')) {
        value += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      value += peek();
      advance();
    }
    if (pos_ >= text_.size()) {
      return fail(Status::invalid_argument(
          fmt::format("{}:{}: unterminated single-quoted value", origin_, start_line)));
    }
    ++pos_;
    TWIN_RETURN_IF_ERROR(expect_end_of_line());
    return value;
  }

  Result<std::string> parse_double_quoted() {
    const int start_line = line_;
    ++pos_;
    std::string raw;
    while (pos_ < text_.size() && peek() != '"') {
      if (peek() == '\\' && pos_ + 1 < text_.size()) {
        const char next = text_[pos_ + 1];
        switch (next) {
          case 'n':
            raw += '\n';
            break;
          case 't':
            raw += '\t';
            break;
          case 'r':
            raw += '\r';
            break;
          case '\\':
            raw += '\\';
            break;
          case '"':
            raw += '"';
            break;
          case '\'':
            raw += '\'';
            break;
          default:
            raw += '\\';
            raw += next;
            break;
        }
        pos_ += 2;
        continue;
      }
      raw += peek();
      advance();
    }
    if (pos_ >= text_.size()) {
      return fail(Status::invalid_argument(
          fmt::format("{}:{}: unterminated double-quoted value", origin_, start_line)));
    }
    ++pos_;
    TWIN_RETURN_IF_ERROR(expect_end_of_line());
    return expand(raw);
  }

  Result<std::string> parse_unquoted() {
    const size_t start = pos_;
    skip_to_end_of_line();
    std::string_view raw = text_.substr(start, pos_ - start);
    // An inline comment starts at a '#' preceded by whitespace.
    for (size_t i = 1; i < raw.size(); ++i) {
      if (raw[i] == '#' && is_blank(raw[i - 1])) {
        raw = raw.substr(0, i);
        break;
      }
    }
    while (!raw.empty() && (is_blank(raw.back()) || raw.back() == '\r')) raw.remove_suffix(1);
    return expand(raw);
  }

  Status expect_end_of_line() {
    skip_blanks();
    if (pos_ < text_.size() && peek() == '\r') ++pos_;
    if (pos_ >= text_.size() || peek() == '\n') return Status::ok();
    if (peek() == '#') {
      skip_to_end_of_line();
      return Status::ok();
    }
    return Status::invalid_argument(
        fmt::format("{}:{}: unexpected text after the closing quote", origin_, line_));
  }

  // ${NAME} and ${NAME:-default}; the process environment wins over earlier file entries.
  std::string expand(std::string_view raw) const {
    std::string out;
    size_t i = 0;
    while (i < raw.size()) {
      if (raw[i] == '$' && i + 1 < raw.size() && raw[i + 1] == '{') {
        const size_t close = raw.find('}', i + 2);
        if (close != std::string_view::npos) {
          std::string_view inner = raw.substr(i + 2, close - i - 2);
          std::string_view name = inner;
          std::optional<std::string_view> fallback;
          if (const size_t sep = inner.find(":-"); sep != std::string_view::npos) {
            name = inner.substr(0, sep);
            fallback = inner.substr(sep + 2);
          }
          std::optional<std::string> found = environment_(name);
          if (!found || found->empty()) {
            if (auto it = defined_.find(std::string(name)); it != defined_.end())
              found = it->second;
          }
          if (found && !found->empty()) {
            out += *found;
          } else if (fallback) {
            out += *fallback;
          }
          i = close + 1;
          continue;
        }
      }
      out += raw[i++];
    }
    return out;
  }

  std::string_view text_;
  std::string_view origin_;
  const EnvironmentLookup& environment_;
  size_t pos_ = 0;
  int line_ = 1;
  std::unordered_map<std::string, std::string> defined_;
};

}  // namespace

EnvironmentLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Result<std::vector<DotenvEntry>> parse_dotenv(std::string_view text, std::string_view origin,
                                              const EnvironmentLookup& environment) {
  return DotenvParser(text, origin, environment).parse();
}

Result<std::vector<DotenvEntry>> read_dotenv(const std::filesystem::path& path,
                                             const EnvironmentLookup& environment) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Status::not_found(fmt::format("{}: no such file", path.string())));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_dotenv(buffer.str(), path.string(), environment);
}

}  // namespace twin
