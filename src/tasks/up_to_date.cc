#include "twin/tasks/up_to_date.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "twin/tasks/command_line.h"

namespace twin::tasks {
namespace {

// FNV-1a, 64 bits: enough to notice a change; these fingerprints guard no security boundary.
class Fnv1a {
 public:
  void add(std::string_view data) {
    for (char c : data) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 1099511628211ULL;
    }
  }
  void add_separator() { add(std::string_view("\0", 1)); }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 14695981039346656037ULL;
};

void add_file(Fnv1a& hash, const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 65536> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    hash.add(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  hash.add_separator();
}

// Adds every regular file under the matches (folders are walked) to the hash; false when
// nothing matched.
bool add_globs(Fnv1a& hash, std::string_view tag, const std::vector<std::string>& globs,
               const std::filesystem::path& base) {
  bool any = false;
  for (const auto& pattern : globs) {
    hash.add(tag);
    hash.add(pattern);
    hash.add_separator();
    for (const auto& match : glob_paths(pattern, base)) {
      const std::filesystem::path path =
          std::filesystem::path(match).is_absolute() ? std::filesystem::path(match) : base / match;
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) {
        std::vector<std::filesystem::path> files;
        for (std::filesystem::recursive_directory_iterator it(path, ec), end; !ec && it != end;
             it.increment(ec)) {
          if (it->is_regular_file(ec)) files.push_back(it->path());
        }
        std::ranges::sort(files);
        for (const auto& file : files) {
          hash.add(file.string());
          hash.add_separator();
          add_file(hash, file);
        }
      } else {
        hash.add(match);
        hash.add_separator();
        add_file(hash, path);
      }
      any = true;
    }
  }
  return any;
}

}  // namespace

UpToDateStore::UpToDateStore(const std::filesystem::path& state_dir) : dir_(state_dir / "tasks") {}

std::optional<std::string> UpToDateStore::fingerprint(const FingerprintInput& input) {
  Fnv1a hash;
  hash.add(input.definition);
  hash.add_separator();
  add_globs(hash, "source", input.sources, input.base);
  if (!add_globs(hash, "generates", input.generates, input.base) && !input.generates.empty()) {
    return std::nullopt;
  }
  return fmt::format("{:016x}", hash.value());
}

std::filesystem::path UpToDateStore::record_path(const std::string& invocation) const {
  std::string safe;
  for (char c : invocation) {
    safe += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_') ? c : '_';
  }
  if (safe.size() > 80) safe.resize(80);
  Fnv1a hash;
  hash.add(invocation);
  return dir_ / fmt::format("{}-{:08x}.fingerprint", safe, hash.value() & 0xffffffffULL);
}

bool UpToDateStore::is_up_to_date(const FingerprintInput& input) const {
  const auto current = fingerprint(input);
  if (!current) return false;
  std::ifstream in(record_path(input.invocation));
  std::string recorded;
  std::getline(in, recorded);
  return in.good() || in.eof() ? recorded == *current : false;
}

Status UpToDateStore::record(const FingerprintInput& input) const {
  const auto current = fingerprint(input);
  if (!current) return Status::ok();  // outputs missing: nothing to vouch for
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::io(fmt::format("{}: {}", dir_.string(), ec.message()));
  const auto path = record_path(input.invocation);
  std::ofstream out(path, std::ios::trunc);
  out << *current << "\n";
  if (!out) return Status::io(fmt::format("{}: cannot write", path.string()));
  return Status::ok();
}

}  // namespace twin::tasks
