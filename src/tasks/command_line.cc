#include "twin/tasks/command_line.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace twin::tasks {
namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::string lookup(const Environment& env, std::string_view name) {
  auto it = env.find(std::string(name));
  return it == env.end() ? std::string() : it->second;
}

// A parameter expansion starting at text[pos] == '$': its value and the length consumed, or
// nullopt when the `$` does not start one (it is then literal).
struct Expansion {
  std::string value;
  size_t length = 0;
  bool from_operator = false;  // the value is the word of a :- or :+ operator
};

std::optional<Expansion> expand_at(std::string_view text, size_t pos, const Environment& env) {
  if (pos + 1 >= text.size()) return std::nullopt;
  if (text[pos + 1] == '{') {
    const size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inner = text.substr(pos + 2, close - pos - 2);
    const size_t length = close - pos + 1;
    size_t name_end = 0;
    while (name_end < inner.size() && is_name_char(inner[name_end])) ++name_end;
    if (name_end == 0 || !is_name_start(inner[0])) return std::nullopt;
    const std::string value = lookup(env, inner.substr(0, name_end));
    const std::string_view rest = inner.substr(name_end);
    if (rest.empty()) return Expansion{value, length};
    if (rest.starts_with(":-")) {
      if (!value.empty()) return Expansion{value, length};
      return Expansion{expand_template(rest.substr(2), env), length, true};
    }
    if (rest.starts_with(":+")) {
      if (value.empty()) return Expansion{std::string(), length};
      return Expansion{expand_template(rest.substr(2), env), length, true};
    }
    return std::nullopt;
  }
  if (!is_name_start(text[pos + 1])) return std::nullopt;
  size_t end = pos + 1;
  while (end < text.size() && is_name_char(text[end])) ++end;
  return Expansion{lookup(env, text.substr(pos + 1, end - pos - 1)), end - pos};
}

bool has_glob_chars(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

std::string escape_glob(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

// A word being built: its literal text and the same text as a glob pattern, where only
// unquoted glob characters are active.
struct WordBuilder {
  std::string literal;
  std::string pattern;
  bool globbing = false;
  bool started = false;  // quotes make even an empty word a word

  void add_quoted(std::string_view text) {
    literal += text;
    pattern += escape_glob(text);
    started = true;
  }
  void add_unquoted(std::string_view text) {
    literal += text;
    pattern += text;
    if (has_glob_chars(text)) globbing = true;
    started = true;
  }
};

void split_segments(std::string_view path, std::vector<std::string>& out) {
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) out.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

void glob_walk(const std::filesystem::path& base, const std::string& prefix,
               const std::vector<std::string>& segments, size_t index,
               std::vector<std::string>& matches) {
  std::error_code ec;
  const std::filesystem::path dir = prefix.empty() ? base : base / prefix;
  if (index == segments.size()) {
    if (std::filesystem::exists(dir, ec)) matches.push_back(prefix);
    return;
  }
  const std::string& segment = segments[index];
  const auto join = [&](const std::string& name) {
    return prefix.empty() ? name : (prefix.ends_with('/') ? prefix + name : prefix + "/" + name);
  };
  if (segment == "**") {
    glob_walk(base, prefix, segments, index + 1, matches);  // zero folders
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".") || !it->is_directory(ec)) continue;
      glob_walk(base, join(name), segments, index, matches);
    }
    return;
  }
  if (!has_glob_chars(segment)) {
    std::string plain;
    for (size_t i = 0; i < segment.size(); ++i) {
      if (segment[i] == '\\' && i + 1 < segment.size()) ++i;
      plain += segment[i];
    }
    const std::string next = join(plain);
    if (std::filesystem::exists(base / next, ec))
      glob_walk(base, next, segments, index + 1, matches);
    return;
  }
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") && !segment.starts_with(".")) continue;
    if (::fnmatch(segment.c_str(), name.c_str(), 0) != 0) continue;
    glob_walk(base, join(name), segments, index + 1, matches);
  }
}

}  // namespace

std::string expand_template(std::string_view text, const Environment& env) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (c == '$') {
      if (auto expansion = expand_at(text, i, env)) {
        out += expansion->value;
        i += expansion->length - 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::vector<std::string> glob_paths(std::string_view pattern, const std::filesystem::path& base) {
  std::vector<std::string> segments;
  std::string prefix;
  if (pattern.starts_with('/')) prefix = "/";
  split_segments(pattern, segments);
  std::vector<std::string> matches;
  glob_walk(prefix.empty() ? base : std::filesystem::path("/"), prefix, segments, 0, matches);
  std::ranges::sort(matches);
  const auto duplicates = std::ranges::unique(matches);
  matches.erase(duplicates.begin(), duplicates.end());
  return matches;
}

Result<std::vector<std::string>> split_command_line(std::string_view text, const Environment& env,
                                                    const std::filesystem::path& cwd,
                                                    EmptyGlob empty_glob) {
  std::vector<std::string> words;
  WordBuilder word;
  Status error;
  const auto finish_word = [&]() {
    if (!word.started) return;
    if (word.globbing) {
      std::vector<std::string> matches = glob_paths(word.pattern, cwd);
      if (!matches.empty()) {
        words.insert(words.end(), matches.begin(), matches.end());
      } else if (empty_glob == EmptyGlob::kPass) {
        words.push_back(word.literal);
      } else if (empty_glob == EmptyGlob::kFail && error.is_ok()) {
        error = Status::invalid_argument(fmt::format("glob '{}' matches no file", word.literal));
      }
    } else {
      words.push_back(word.literal);
    }
    word = WordBuilder{};
  };

  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      finish_word();
      ++i;
    } else if (c == '#' && !word.started) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\\') {
      if (i + 1 < text.size()) {
        if (text[i + 1] != '\n') word.add_quoted(text.substr(i + 1, 1));
        i += 2;
      } else {
        ++i;
      }
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return fail(Status::invalid_argument("unbalanced single quote in command"));
      }
      word.add_quoted(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '"') {
      std::string quoted;
      size_t j = i + 1;
      bool closed = false;
      while (j < text.size()) {
        const char q = text[j];
        if (q == '"') {
          closed = true;
          break;
        }
        if (q == '\\' && j + 1 < text.size() &&
            (text[j + 1] == '"' || text[j + 1] == '\\' || text[j + 1] == '$')) {
          quoted += text[j + 1];
          j += 2;
          continue;
        }
        if (q == '$') {
          if (auto expansion = expand_at(text, j, env)) {
            quoted += expansion->value;
            j += expansion->length;
            continue;
          }
        }
        quoted += q;
        ++j;
      }
      if (!closed) return fail(Status::invalid_argument("unbalanced double quote in command"));
      word.add_quoted(quoted);
      i = j + 1;
    } else if (c == '$') {
      auto expansion = expand_at(text, i, env);
      if (!expansion) {
        word.add_unquoted("$");
        ++i;
        continue;
      }
      i += expansion->length;
      const std::string& value = expansion->value;
      const bool leading_blank =
          !value.empty() && std::isspace(static_cast<unsigned char>(value.front())) != 0;
      // An operator's word keeps its quoting, as in a shell: `${flag:+ --query 'Arn'}`. Its
      // globs stay literal (Poe's rule).
      if (expansion->from_operator && value.find_first_of("'\"") != std::string::npos) {
        auto inner = split_command_line(value, {}, cwd, EmptyGlob::kPass);
        if (!inner) return inner;
        if (leading_blank) finish_word();
        for (size_t w = 0; w < inner->size(); ++w) {
          if (w > 0) finish_word();
          word.add_quoted((*inner)[w]);
        }
        if (std::isspace(static_cast<unsigned char>(value.back())) != 0) finish_word();
        continue;
      }
      // Unquoted values split on whitespace into several words.
      size_t k = 0;
      if (leading_blank) finish_word();
      while (k < value.size()) {
        size_t start = k;
        while (k < value.size() && std::isspace(static_cast<unsigned char>(value[k])) == 0) ++k;
        const std::string_view piece = std::string_view(value).substr(start, k - start);
        if (k > start && expansion->from_operator) {
          word.add_quoted(piece);
        } else if (k > start) {
          word.add_unquoted(piece);
        }
        if (k < value.size()) {
          finish_word();
          while (k < value.size() && std::isspace(static_cast<unsigned char>(value[k])) != 0) ++k;
        }
      }
    } else {
      size_t j = i;
      while (j < text.size() &&
             std::string_view(" \t\n\r\\'\"$").find(text[j]) == std::string_view::npos)
        ++j;
      word.add_unquoted(text.substr(i, j - i));
      i = j;
    }
  }
  finish_word();
  if (!error.is_ok()) return fail(error);
  return words;
}

std::string shell_quote(std::string_view word) {
  if (word.empty()) return "''";
  const bool safe = std::ranges::all_of(word, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(word);
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\"'\"'";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& word : words) {
    if (!joined.empty()) joined += ' ';
    joined += shell_quote(word);
  }
  return joined;
}

std::optional<std::filesystem::path> find_in_path(std::string_view program,
                                                  const Environment& env) {
  auto it = env.find("PATH");
  const std::string path = it == env.end() ? "/usr/local/bin:/usr/bin:/bin" : it->second;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    std::filesystem::path candidate =
        std::filesystem::path(colon > start ? path.substr(start, colon - start) : ".") / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return std::nullopt;
}

}  // namespace twin::tasks
