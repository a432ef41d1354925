#include "twin/tasks/task_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace twin::tasks {
namespace {

std::string lower_trimmed(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t");
  std::string out(text.substr(start, end - start + 1));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Poe's reading of a boolean default: t/true/1 are true; f/false/0/"" false.
Result<bool> boolean_value(const TaskSpec& task, const ArgSpec& arg, std::string_view text) {
  const std::string word = lower_trimmed(text);
  if (word == "t" || word == "true" || word == "1") return true;
  if (word.empty() || word == "f" || word == "false" || word == "0") return false;
  return fail(Status::invalid_argument(
      fmt::format("task {}: argument {}: '{}' is not a boolean default (true, false, 1, 0, ...)",
                  task.name, arg.name, text)));
}

std::string arg_label(const ArgSpec& arg) {
  return arg.positional ? arg.display_name() : fmt::format("{}", fmt::join(arg.options, "/"));
}

Status check_value(const TaskSpec& task, const ArgSpec& arg, const std::string& value) {
  const auto bad = [&](std::string_view what) {
    return Status::invalid_argument(
        fmt::format("task {}: argument {}: {} '{}'", task.name, arg_label(arg), what, value));
  };
  if (arg.type == ArgType::kInteger) {
    long long parsed = 0;
    const char* end = value.data() + value.size();
    const char* begin = value.data() + (value.starts_with('+') ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, end, parsed);
    if (ec != std::errc() || ptr != end || begin == end) return bad("invalid integer value");
  } else if (arg.type == ArgType::kFloat) {
    double parsed = 0;
    const char* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
    if (ec != std::errc() || ptr != end || value.empty()) return bad("invalid float value");
  }
  if (!arg.choices.empty() && std::ranges::find(arg.choices, value) == arg.choices.end()) {
    std::vector<std::string> quoted;
    for (const auto& choice : arg.choices) quoted.push_back("'" + choice + "'");
    return Status::invalid_argument(
        fmt::format("task {}: argument {}: invalid choice: '{}' (choose from {})", task.name,
                    arg_label(arg), value, fmt::join(quoted, ", ")));
  }
  return Status::ok();
}

const ArgSpec* find_option(const TaskSpec& task, std::string_view word) {
  for (const auto& arg : task.args) {
    if (std::ranges::find(arg.options, word) != arg.options.end()) return &arg;
  }
  return nullptr;
}

bool looks_like_option(std::string_view word) {
  if (word.size() < 2 || word[0] != '-') return false;
  // Negative numbers are values, as in argparse.
  return std::isdigit(static_cast<unsigned char>(word[1])) == 0 && word[1] != '.';
}

std::string python_scalar(const ArgSpec& arg, const std::string& value) {
  const std::string literal = python_literal(value);
  if (arg.type == ArgType::kInteger) return fmt::format("int({})", literal);
  if (arg.type == ArgType::kFloat) return fmt::format("float({})", literal);
  return literal;
}

std::string python_list(const ArgSpec& arg, const std::vector<std::string>& values) {
  std::vector<std::string> items;
  items.reserve(values.size());
  for (const auto& value : values) items.push_back(python_scalar(arg, value));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

}  // namespace

std::string python_literal(std::string_view text) {
  std::string out = "'";
  for (char raw : text) {
    const auto c = static_cast<unsigned char>(raw);
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += raw;
        }
    }
  }
  return out + "'";
}

std::string arg_variable(const ArgSpec& arg) {
  std::string name = arg.name;
  std::ranges::replace(name, '-', '_');
  return name;
}

Result<ParsedArgs> parse_task_args(const TaskSpec& task, const std::vector<std::string>& words,
                                   const Environment& env) {
  ParsedArgs parsed;
  std::map<std::string, std::vector<std::string>> given;  // arg name -> values
  std::vector<std::string> positionals;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      parsed.free.assign(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end());
      break;
    }
    if (!looks_like_option(word)) {
      positionals.push_back(word);
      continue;
    }
    std::string option = word;
    std::optional<std::string> inline_value;
    if (const size_t eq = word.find('='); eq != std::string::npos && word.starts_with("--")) {
      option = word.substr(0, eq);
      inline_value = word.substr(eq + 1);
    }
    const ArgSpec* arg = find_option(task, option);
    if (arg == nullptr) {
      return fail(Status::invalid_argument(
          fmt::format("task {}: unrecognized argument '{}' (see 'twin task {} --help')", task.name,
                      word, task.name)));
    }
    auto& values = given[arg->name];
    if (arg->type == ArgType::kBoolean) {
      if (inline_value) {
        return fail(Status::invalid_argument(
            fmt::format("task {}: argument {} is a flag and takes no value", task.name, option)));
      }
      values.emplace_back("True");
      continue;
    }
    if (inline_value) {
      values.push_back(*inline_value);
      continue;
    }
    size_t taken = 0;
    while (i + 1 < words.size() && words[i + 1] != "--" && !looks_like_option(words[i + 1])) {
      values.push_back(words[++i]);
      ++taken;
      if (!arg->multiple) break;
    }
    if (taken == 0) {
      return fail(Status::invalid_argument(
          fmt::format("task {}: argument {} expects a value", task.name, option)));
    }
  }

  size_t next_positional = 0;
  for (const auto& arg : task.args) {
    if (!arg.positional) continue;
    auto& values = given[arg.name];
    if (arg.multiple) {
      while (next_positional < positionals.size()) values.push_back(positionals[next_positional++]);
    } else if (next_positional < positionals.size()) {
      values.push_back(positionals[next_positional++]);
    }
  }
  if (next_positional < positionals.size()) {
    return fail(Status::invalid_argument(
        fmt::format("task {}: unrecognized argument '{}' (see 'twin task {} --help')", task.name,
                    positionals[next_positional], task.name)));
  }

  for (const auto& arg : task.args) {
    const std::string variable = arg_variable(arg);
    auto it = given.find(arg.name);
    std::vector<std::string> values = it == given.end() ? std::vector<std::string>{} : it->second;
    if (arg.type == ArgType::kBoolean) {
      // A flag gives the opposite of its default (true when there is none). False unsets.
      bool value = false;
      if (arg.default_value) {
        TWIN_ASSIGN_OR_RETURN(value,
                              boolean_value(task, arg, expand_template(*arg.default_value, env)));
      }
      if (!values.empty()) value = !value;
      if (value) {
        parsed.values[variable] = "True";
      } else {
        parsed.unset.push_back(variable);
      }
      parsed.python[variable] = value ? "True" : "False";
      continue;
    }
    if (values.empty()) {
      if (arg.required) {
        return fail(Status::invalid_argument(
            fmt::format("task {}: argument {} is required", task.name,
                        arg.positional ? arg.display_name() : arg.options.front())));
      }
      if (arg.default_value) {
        std::string value = expand_template(*arg.default_value, env);
        parsed.python[variable] =
            arg.multiple ? python_list(arg, {value}) : python_scalar(arg, value);
        parsed.values[variable] = std::move(value);
      } else {
        parsed.python[variable] = arg.multiple ? "[]" : "None";
      }
      continue;
    }
    if (arg.exact_count && values.size() != static_cast<size_t>(*arg.exact_count)) {
      return fail(Status::invalid_argument(fmt::format(
          "task {}: argument {}: expected {} argument{} (got {})", task.name, arg_label(arg),
          *arg.exact_count, *arg.exact_count == 1 ? "" : "s", values.size())));
    }
    if (!arg.multiple && values.size() > 1) values.erase(values.begin(), values.end() - 1);
    for (const auto& value : values) TWIN_RETURN_IF_ERROR(check_value(task, arg, value));
    parsed.python[variable] =
        arg.multiple ? python_list(arg, values) : python_scalar(arg, values[0]);
    parsed.values[variable] = fmt::format("{}", fmt::join(values, " "));
  }
  return parsed;
}

std::vector<std::pair<std::string, std::string>> describe_args(const TaskSpec& task) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& arg : task.args) {
    std::string usage =
        arg.positional ? arg.display_name() : fmt::format("{}", fmt::join(arg.options, ", "));
    if (arg.multiple) usage += "...";
    std::string help = arg.help;
    const auto append = [&](const std::string& note) {
      if (!help.empty()) help += ' ';
      help += note;
    };
    if (arg.default_value) append(fmt::format("[default: {}]", *arg.default_value));
    if (!arg.choices.empty()) {
      std::vector<std::string> quoted;
      for (const auto& choice : arg.choices) quoted.push_back("'" + choice + "'");
      append(fmt::format("[choices: {}]", fmt::join(quoted, ", ")));
    }
    lines.emplace_back(std::move(usage), std::move(help));
  }
  return lines;
}

}  // namespace twin::tasks
