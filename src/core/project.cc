#include "twin/core/project.h"

namespace twin {
namespace {

std::filesystem::path nearest_holding(const std::filesystem::path& start, const char* file) {
  std::error_code ignored;
  for (std::filesystem::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::is_regular_file(dir / file, ignored)) return dir;
    if (dir == dir.root_path()) break;
  }
  return {};
}

}  // namespace

std::filesystem::path find_project_root(const std::filesystem::path& start) {
  std::filesystem::path absolute = std::filesystem::absolute(start).lexically_normal();
  if (auto root = nearest_holding(absolute, "twin.toml"); !root.empty()) return root;
  if (auto root = nearest_holding(absolute, "pyproject.toml"); !root.empty()) return root;
  return absolute;
}

}  // namespace twin
