// The random BERT models and PyTorch reference outputs tests/embeddings/bert_reference.py writes.
// ctest runs every test in its own process, so the output is kept in
// $TMPDIR/twin-bert-reference-<hash of the script>: generated once per version of the script
// (into a fresh folder, then renamed into place, so parallel tests never see a half-written one),
// then reused. The script is deterministic (fixed seeds), so a kept folder is what it would write.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/run_twin.h"

namespace twin::embeddings::testing {

struct BertReference {
  std::filesystem::path dir;
  nlohmann::json json;  // reference.json
  std::string error;    // why the script failed; empty when it ran
};

// The script runs with the system Python (/usr/bin/python3), where Debian's python3-torch lives.
inline const BertReference& bert_reference() {
  static const BertReference reference = [] {
    namespace fs = std::filesystem;
    const fs::path script =
        fs::path(TWIN_SOURCE_DIR) / "tests" / "embeddings" / "bert_reference.py";
    std::ostringstream contents;
    contents << std::ifstream(script).rdbuf();
    const fs::path kept =
        fs::temp_directory_path() /
        fmt::format("twin-bert-reference-{:016x}", std::hash<std::string>{}(contents.str()));
    BertReference made{kept, {}, {}};
    std::error_code error;
    if (!fs::exists(kept / "reference.json", error)) {
      std::string pattern = (fs::temp_directory_path() / "twin-bert-reference-new-XXXXXX").string();
      const fs::path fresh = mkdtemp(pattern.data());
      const auto ran = testing_support::run_shell(
          fmt::format("/usr/bin/python3 {} {}", testing_support::shell_quote(script.string()),
                      testing_support::shell_quote(fresh.string())),
          fresh);
      if (ran.exit_code != 0) {
        fs::remove_all(fresh, error);
        made.error =
            fmt::format("bert_reference.py exited {}: {}{}", ran.exit_code, ran.out, ran.err);
        return made;
      }
      // The models' paths inside reference.json are relative to the folder, so it can move.
      fs::rename(fresh, kept, error);
      if (error) fs::remove_all(fresh, error);  // another test process got there first
    }
    std::ifstream in(kept / "reference.json");
    made.json = nlohmann::json::parse(in, nullptr, false);
    if (made.json.is_discarded()) made.error = "bert_reference.py wrote no valid reference.json";
    return made;
  }();
  return reference;
}

}  // namespace twin::embeddings::testing
