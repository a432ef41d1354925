// Every TOML example (`.. code-block:: toml`) in Poe the Poet 0.47.1's documentation loads
// without error through the twin binary (`twin tasks` on a project holding it). An example that
// continues the one before it (a `[[...switch]]` case, `serve.envfile = ...`) is read the way
// the docs present it: as a fragment of [tool.poe.tasks], of a task table, or appended to the
// previous example of the same page.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_twin.h"
#include "support/temp_dir.h"
#include "twin/core/toml.h"

namespace twin {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kDocs =
    fs::path(TWIN_SOURCE_DIR) / ".." / "shared" / "data" / "poethepoet-0.47.1" / "docs";

struct Example {
  fs::path page;
  int line = 0;  // of the code-block directive
  std::string toml;
};

size_t indentation(const std::string& line) {
  const size_t first = line.find_first_not_of(' ');
  return first == std::string::npos ? line.size() : first;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t") == std::string::npos; }

// The code-block:: toml examples of one .rst page, dedented. Directive options (":caption:")
// are skipped; a block whose content is not indented under its directive (a slip in the docs)
// is the paragraph that follows it.
std::vector<Example> examples_of(const fs::path& page) {
  std::ifstream in(page);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<Example> examples;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find(".. code-block:: toml");
    if (at == std::string::npos) continue;
    const size_t directive_indent = indentation(lines[i]);
    size_t j = i + 1;
    while (j < lines.size() && !blank(lines[j]) &&
           lines[j].find_first_not_of(' ') != std::string::npos &&
           lines[j][indentation(lines[j])] == ':')
      ++j;  // directive options
    while (j < lines.size() && blank(lines[j])) ++j;
    std::vector<std::string> body;
    if (j < lines.size() && indentation(lines[j]) > directive_indent) {
      for (; j < lines.size(); ++j) {
        if (!blank(lines[j]) && indentation(lines[j]) <= directive_indent) break;
        body.push_back(lines[j]);
      }
    } else {
      for (; j < lines.size() && !blank(lines[j]); ++j) body.push_back(lines[j]);
    }
    size_t common = std::string::npos;
    for (const auto& line : body) {
      if (!blank(line)) common = std::min(common, indentation(line));
    }
    Example example{page, static_cast<int>(i + 1), ""};
    for (const auto& line : body) example.toml += (blank(line) ? "" : line.substr(common)) + "\n";
    examples.push_back(std::move(example));
  }
  return examples;
}

std::vector<Example> all_examples() {
  std::vector<fs::path> pages;
  for (const auto& entry : fs::recursive_directory_iterator(kDocs)) {
    if (entry.path().extension() == ".rst") pages.push_back(entry.path());
  }
  std::ranges::sort(pages);
  std::vector<Example> all;
  for (const auto& page : pages) {
    auto examples = examples_of(page);
    all.insert(all.end(), examples.begin(), examples.end());
  }
  return all;
}

bool declares_poe(const std::string& toml) { return toml.find("tool.poe") != std::string::npos; }

// `twin tasks` on a project whose pyproject.toml is `pyproject`.
testing_support::CommandOutput load(const std::string& pyproject) {
  testing_support::TempDir dir;
  std::ofstream(dir.path() / "pyproject.toml") << pyproject;
  return testing_support::run_twin("tasks", dir.path());
}

constexpr std::array<std::string_view, 8> kTypeKeys = {"cmd",      "shell",    "script", "expr",
                                                       "sequence", "parallel", "ref",    "switch"};

// A fragment that shows only some keys of a task (`serve.envfile = ...`, a `[[...switch]]`
// case) completed with what the surrounding example had: a cmd for a task table with no type,
// a control for a switch without one. Empty when `pyproject` is not TOML.
std::string completed(const std::string& pyproject) {
  testing_support::TempDir dir;
  std::ofstream(dir.path() / "fragment.toml") << pyproject;
  auto document = read_toml_file(dir.path() / "fragment.toml");
  if (!document) return "";
  toml::table* tasks = document->at_path("tool.poe.tasks").as_table();
  if (tasks == nullptr) return "";
  for (auto&& [name, node] : *tasks) {
    toml::table* task = node.as_table();
    if (task == nullptr) continue;
    if (task->contains("switch") && !task->contains("control")) {
      task->insert("control", toml::table{{"expr", "1"}});
    } else if (std::ranges::none_of(kTypeKeys, [&](auto key) { return task->contains(key); })) {
      task->insert("cmd", "true");
    }
  }
  std::ostringstream text;
  text << *document;
  return text.str();
}

// The readings of an example, in order: as written (a fragment of [tool.poe.tasks], or of a
// task table, when it names no tool.poe table); with a `[tool.poe.tasks]` header read as a task's
// (a slip in parallel.rst); appended to the previous example of its page; each also completed.
std::vector<std::string> readings(const Example& example, const Example* previous) {
  std::vector<std::string> ways;
  ways.push_back(declares_poe(example.toml) ? example.toml : "[tool.poe.tasks]\n" + example.toml);
  if (!declares_poe(example.toml)) ways.push_back("[tool.poe.tasks.example]\n" + example.toml);
  if (example.toml.starts_with("[tool.poe.tasks]\n")) {
    ways.push_back("[tool.poe.tasks.example]\n" +
                   example.toml.substr(std::string_view("[tool.poe.tasks]\n").size()));
  }
  if (previous != nullptr && previous->page == example.page) {
    const std::string base =
        declares_poe(previous->toml) ? previous->toml : "[tool.poe.tasks]\n" + previous->toml;
    ways.push_back(base + "\n" + example.toml);
  }
  const size_t plain = ways.size();
  for (size_t i = 0; i < plain; ++i) {
    if (auto full = completed(ways[i]); !full.empty()) ways.push_back(full);
  }
  return ways;
}

TEST(PoeDocsExamplesTest, FindsTheExamples) {
  // The 0.47.1 docs hold 142 TOML examples; a different count means the extraction broke (or
  // the docs changed: then look at what is new).
  EXPECT_EQ(all_examples().size(), 142U);
}

TEST(PoeDocsExamplesTest, EveryTomlExampleLoads) {
  const auto examples = all_examples();
  const Example* previous = nullptr;
  for (const auto& example : examples) {
    std::string errors;
    bool loaded = false;
    for (const auto& pyproject : readings(example, previous)) {
      auto result = load(pyproject);
      if (result.exit_code == 0) {
        loaded = true;
        break;
      }
      errors += "--- " + pyproject + "=> " + result.err + "\n";
    }
    // Three examples contradict the docs' own rules; Poe 0.47.1 cannot load them either, and
    // twin must reject them with the reason:
    //  - ref.rst: `[tool.poe.tasks.test]` holding `test = "pytest"`, a table with no task type;
    //  - cmd.rst: a boolean arg with `default = "hi!"` (args_guide.rst: a boolean default is a
    //    TOML boolean or t/true/1/f/false/0/"");
    //  - tox_replacement_guide.rst: `sequence = [...` without its closing bracket (not TOML).
    const std::string page = example.page.filename().string();
    const auto inconsistent = [&](std::string_view file, std::string_view text) {
      return page == file && example.toml.find(text) != std::string::npos;
    };
    std::string expected_error;
    if (inconsistent("ref.rst", "test = \"pytest\"")) expected_error = "task test has no type";
    if (inconsistent("cmd.rst", "default = \"hi!\"")) expected_error = "boolean arg's default";
    if (inconsistent("tox_replacement_guide.rst", "\"coverage-report\"\n\n"))
      expected_error = "Error while parsing array";
    if (!expected_error.empty()) {
      EXPECT_FALSE(loaded) << page << ":" << example.line;
      EXPECT_THAT(errors, HasSubstr(expected_error)) << page << ":" << example.line;
    } else {
      EXPECT_TRUE(loaded) << example.page.filename().string() << ":" << example.line << "\n"
                          << example.toml << "\n"
                          << errors;
    }
    previous = &example;
  }
}

}  // namespace
}  // namespace twin
