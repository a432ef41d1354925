// Task files (twin.toml, pyproject.toml's [tool.poe]): TOML text with the depth limit, then the
// task table. Includes resolve against a folder that holds nothing, so nothing outside is read.
#include <filesystem>

#include "fuzz_input.h"
#include "twin/core/toml.h"
#include "twin/tasks/task_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path root = [] {
    const auto folder = std::filesystem::temp_directory_path() / "twin-fuzz-task-file";
    std::filesystem::create_directories(folder);
    return folder;
  }();
  const auto table = twin::parse_toml(twin::fuzz::as_text(data, size), "twin.toml");
  if (!table) return 0;
  if (const auto tasks = twin::tasks::parse_task_file(*table, root / "twin.toml", root)) {
    (void)tasks->names();
  }
  return 0;
}
