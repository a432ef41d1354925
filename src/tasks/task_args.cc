#include "twin/tasks/task_args.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace twin::tasks {
namespace {

std::string upper(std::string_view text) {
  std::string out;
  for (char c : text)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Status check_value(const TaskSpec& task, const ArgSpec& arg, const std::string& value) {
  const auto bad = [&](std::string_view what) {
    return Status::invalid_argument(
        fmt::format("task {}: argument {}: {} '{}'", task.name, arg.name, what, value));
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
    return Status::invalid_argument(
        fmt::format("task {}: argument {}: invalid choice '{}' (choose from {})", task.name,
                    arg.name, value, fmt::join(arg.choices, ", ")));
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

}  // namespace

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
    auto it = given.find(arg.name);
    std::vector<std::string> values = it == given.end() ? std::vector<std::string>{} : it->second;
    if (values.empty()) {
      if (arg.required) {
        return fail(Status::invalid_argument(
            fmt::format("task {}: argument {} is required", task.name,
                        arg.positional ? upper(arg.name) : arg.options.front())));
      }
      if (arg.default_value) {
        std::string value = expand_template(*arg.default_value, env);
        if (arg.type == ArgType::kBoolean) {
          if (value == "true" || value == "True") parsed.values[arg_variable(arg)] = "True";
        } else {
          parsed.values[arg_variable(arg)] = value;
        }
      }
      continue;
    }
    if (arg.type == ArgType::kBoolean) {
      // A flag whose default is true turns it off, as argparse's store_false does.
      const bool default_true = arg.default_value && (*arg.default_value == "true");
      if (!default_true) parsed.values[arg_variable(arg)] = "True";
      continue;
    }
    if (!arg.multiple && values.size() > 1) values.erase(values.begin(), values.end() - 1);
    for (const auto& value : values) TWIN_RETURN_IF_ERROR(check_value(task, arg, value));
    parsed.values[arg_variable(arg)] = fmt::format("{}", fmt::join(values, " "));
  }
  return parsed;
}

std::vector<std::pair<std::string, std::string>> describe_args(const TaskSpec& task) {
  std::vector<std::pair<std::string, std::string>> lines;
  for (const auto& arg : task.args) {
    std::string usage;
    if (arg.positional) {
      usage = upper(arg.name);
      if (arg.multiple) usage += "...";
    } else {
      usage = fmt::format("{}", fmt::join(arg.options, ", "));
      if (arg.type != ArgType::kBoolean) {
        usage += fmt::format(" {}{}", upper(arg.name), arg.multiple ? "..." : "");
      }
    }
    std::string help = arg.help;
    const auto append = [&](const std::string& note) {
      if (!help.empty()) help += ' ';
      help += note;
    };
    if (!arg.choices.empty()) append(fmt::format("{{{}}}", fmt::join(arg.choices, ",")));
    if (arg.required) append("[required]");
    if (arg.default_value) append(fmt::format("[default: {}]", *arg.default_value));
    lines.emplace_back(std::move(usage), std::move(help));
  }
  return lines;
}

}  // namespace twin::tasks
