// A temporary project with a twin.toml, for end-to-end tests of `twin task`.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::testing_support {

// The text of a pyproject.toml, for a Poe the Poet project (tasks under [tool.poe]).
struct PyProject {
  std::string text;
};

class TaskProject {
 public:
  explicit TaskProject(const std::string& twin_toml) { write("twin.toml", twin_toml); }
  explicit TaskProject(const PyProject& pyproject) { write("pyproject.toml", pyproject.text); }

  const std::filesystem::path& path() const { return dir_.path(); }

  void write(const std::string& relative, const std::string& text) const {
    const auto file = dir_.path() / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  std::string read(const std::string& relative) const {
    std::ifstream in(dir_.path() / relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // `twin <args>` in the project folder.
  CommandOutput twin(const std::string& args) const { return run_twin(args, dir_.path()); }

 private:
  TempDir dir_;
};

}  // namespace twin::testing_support
