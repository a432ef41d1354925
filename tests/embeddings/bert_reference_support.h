// The random BERT models and PyTorch reference outputs tests/embeddings/bert_reference.py writes,
// generated once per test process into a temporary folder.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::embeddings::testing {

struct BertReference {
  std::filesystem::path dir;
  nlohmann::json json;  // reference.json
  std::string error;    // why the script failed; empty when it ran
};

// The script runs with the system Python (/usr/bin/python3), where Debian's python3-torch lives.
inline const BertReference& bert_reference() {
  static testing_support::TempDir dir;
  static const BertReference reference = [] {
    BertReference made{dir.path(), {}, {}};
    const std::string script =
        (std::filesystem::path(TWIN_SOURCE_DIR) / "tests" / "embeddings" / "bert_reference.py")
            .string();
    const auto ran = testing_support::run_shell(
        fmt::format("/usr/bin/python3 {} {}", testing_support::shell_quote(script),
                    testing_support::shell_quote(dir.path().string())),
        dir.path());
    if (ran.exit_code != 0) {
      made.error =
          fmt::format("bert_reference.py exited {}: {}{}", ran.exit_code, ran.out, ran.err);
      return made;
    }
    std::ifstream in(dir.path() / "reference.json");
    made.json = nlohmann::json::parse(in, nullptr, false);
    if (made.json.is_discarded()) made.error = "bert_reference.py wrote no valid reference.json";
    return made;
  }();
  return reference;
}

}  // namespace twin::embeddings::testing
