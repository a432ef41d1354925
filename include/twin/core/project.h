// The project a command works on: its root folder and its state folder.
#pragma once

#include <filesystem>

namespace twin {

// The nearest ancestor of `start` (inclusive) holding twin.toml; failing that, the nearest
// holding pyproject.toml (so a Poe the Poet project works unchanged); failing that, `start`.
std::filesystem::path find_project_root(const std::filesystem::path& start);

}  // namespace twin
