// Up-to-date checks (twin's answer to Poe's issue #12): a task declaring `sources` and/or
// `generates` globs is skipped when the content of its sources, its generated files and its
// own definition are what they were after its last success.
//
// Fingerprints are stored one file per task invocation under <state_dir>/tasks/. Not safe for
// two processes recording the same task at once (the last writer wins, which is harmless).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "twin/core/status.h"

namespace twin::tasks {

struct FingerprintInput {
  std::string invocation;            // the task name and its arguments, identifies the record
  std::string definition;            // what the task runs; a changed definition is never up to date
  std::vector<std::string> sources;  // globs relative to `base`
  std::vector<std::string> generates;  // globs relative to `base`
  std::filesystem::path base;
};

class UpToDateStore {
 public:
  explicit UpToDateStore(const std::filesystem::path& state_dir);

  // The current fingerprint, or nullopt when a `generates` glob matches no file (the outputs
  // must be made).
  static std::optional<std::string> fingerprint(const FingerprintInput& input);

  // True when the recorded fingerprint of this invocation equals the current one.
  bool is_up_to_date(const FingerprintInput& input) const;

  // Records the current fingerprint after a success. I/O failures are kIo.
  Status record(const FingerprintInput& input) const;

 private:
  std::filesystem::path record_path(const std::string& invocation) const;
  std::filesystem::path dir_;
};

}  // namespace twin::tasks
