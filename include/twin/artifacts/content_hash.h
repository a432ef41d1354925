// SHA-256 content hashes, the addresses of the artifact store.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "twin/core/status.h"

namespace twin::artifacts {

// Incremental SHA-256. Not thread-safe; one hasher per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  // The digest as 64 lowercase hex characters. The hasher is spent afterwards.
  std::string hex_digest();

 private:
  void* context_;  // EVP_MD_CTX*, kept opaque so OpenSSL stays out of this header
};

// SHA-256 of `bytes` as 64 lowercase hex characters.
std::string sha256_hex(std::string_view bytes);

// SHA-256 of a file's content; kIo naming the file when it cannot be read.
Result<std::string> sha256_file(const std::filesystem::path& file);

// True when `hash` looks like a content hash (64 lowercase hex characters).
bool is_content_hash(std::string_view hash);

}  // namespace twin::artifacts
