// `twin init`: scaffolds a project: twin.toml with example tasks, .env.example, configs/, and
// .twin/ and .env in .gitignore. Never overwrites an existing file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "twin/core/status.h"

namespace twin::tasks {

struct InitStep {
  std::filesystem::path path;  // relative to the project folder
  enum class Outcome { kCreated, kUpdated, kKept } outcome = Outcome::kCreated;
};

// Creates what is missing under `dir` (created itself when absent). I/O failures are kIo
// naming the path.
Result<std::vector<InitStep>> init_project(const std::filesystem::path& dir);

}  // namespace twin::tasks
