// How a task's text becomes what runs, as Poe the Poet does it: ${VAR} templating, shell-like
// word splitting with quotes and globs for cmd tasks, and quoting for echoing commands back.
//
// All functions are pure (except glob expansion, which reads the file system) and thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/status.h"

namespace twin::tasks {

using Environment = std::map<std::string, std::string>;

// Replaces $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alternative} with values from `env`
// (unset variables become empty); `\$` is a literal `$`.
std::string expand_template(std::string_view text, const Environment& env);

// What to do with a glob pattern that matches no file (Poe's `empty_glob`).
enum class EmptyGlob { kPass, kNull, kFail };

// Splits a cmd task's text into argv the way Poe does, without a shell: whitespace separates
// words; 'single quotes' are literal; "double quotes" expand variables and keep spaces; a
// backslash escapes the next character; `#` starting a word begins a comment. Unquoted
// variable values split on whitespace. Words with unquoted glob characters (* ? [) expand to
// the sorted matching paths relative to `cwd` (** crosses folders). Unbalanced quotes and, with
// EmptyGlob::kFail, unmatched globs are kInvalidArgument.
Result<std::vector<std::string>> split_command_line(std::string_view text, const Environment& env,
                                                    const std::filesystem::path& cwd,
                                                    EmptyGlob empty_glob = EmptyGlob::kPass);

// The first executable named `program` in env's PATH (/usr/local/bin:/usr/bin:/bin when PATH is
// unset; an empty entry is the working folder, as for execvp); nullopt when there is none.
std::optional<std::filesystem::path> find_in_path(std::string_view program, const Environment& env);

// Files matching a glob `pattern` (relative to `base` unless absolute), sorted; `**` matches any
// number of folders. Returned paths are spelled as the pattern is (relative stays relative).
std::vector<std::string> glob_paths(std::string_view pattern, const std::filesystem::path& base);

// Quotes a word for a POSIX shell when needed (as Python's shlex.quote does).
std::string shell_quote(std::string_view word);
// Words joined with spaces, each quoted as needed (as Python's shlex.join does).
std::string shell_join(const std::vector<std::string>& words);

}  // namespace twin::tasks
