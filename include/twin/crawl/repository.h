// Repository crawling: a shallow `git clone` into a temporary directory that is always removed,
// then every text file read as path -> content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "twin/core/status.h"
#include "twin/crawl/results.h"

namespace twin::crawl {

struct RepositoryOptions {
  std::int64_t max_file_size = std::int64_t{1024} * 1024;  // larger files are skipped
};

// Whether a repository file is left out: anything under .git, lock files (*.lock,
// package-lock.json, poetry.lock, ...), images and other binary formats by extension.
// Binary content (a NUL byte, invalid UTF-8) is checked when the file is read.
bool is_skipped_repository_path(const std::filesystem::path& relative_path);

// Clones `link` (an https URL, a .git URL, a local path or file:// URL) with --depth 1.
// Errors name the link and carry git's message.
Result<RepositoryResult> crawl_repository(const std::string& link,
                                          const RepositoryOptions& options);

// True when `link` is a local path or file:// URL of a git repository (a folder with .git, or a
// bare repository).
bool is_local_git_repository(const std::string& link);

}  // namespace twin::crawl
