// HubStore's object uploads (staged, checked, then stored) and the hashes the Hub protocol uses.
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <fstream>

#include "twin/artifacts/content_hash.h"
#include "twin/core/file_io.h"
#include "twin/hub/hub_store.h"

namespace twin::hub {
namespace {

namespace fs = std::filesystem;

std::string hex(const unsigned char* bytes, size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (size_t i = 0; i < length; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return out;
}

fs::path unique_beside(const fs::path& folder, std::string_view stem) {
  static std::atomic<uint64_t> counter{0};
  return folder / fmt::format("{}.{}-{}.upload", stem, ::getpid(), counter++);
}

// Writes what `body` delivers to `target` (created new), hashing it; stops once more than
// `max_bytes` arrived. Removes the file on any failure.
struct Received {
  uint64_t bytes = 0;
  std::string sha256;
};
// Without `hash`, Received::sha256 stays empty (a part is checked when the parts are joined).
Result<Received> write_body(const fs::path& target, uint64_t max_bytes, const BodyReader& body,
                            bool hash = true) {
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(Status::io(fmt::format("{}: {}", target.string(), std::strerror(errno))));
  artifacts::Sha256 hasher;
  Received received;
  bool too_large = false;
  bool write_failed = false;
  const bool complete = body([&](const char* data, size_t length) {
    received.bytes += length;
    if (received.bytes > max_bytes) {
      too_large = true;
      return false;
    }
    if (hash) hasher.update(std::string_view(data, length));
    if (!write_all(fd, std::string_view(data, length))) {
      write_failed = true;
      return false;
    }
    return true;
  });
  const bool closed = ::close(fd) == 0;
  if (too_large || write_failed || !complete || !closed) {
    std::error_code ec;
    fs::remove(target, ec);
    if (too_large) {
      return fail(Status::invalid_argument(
          fmt::format("the upload is larger than the {} bytes announced", max_bytes)));
    }
    if (!complete) return fail(Status::invalid_argument("the upload's body ended early"));
    return fail(Status::io(fmt::format("{}: cannot write the upload", target.string())));
  }
  if (hash) received.sha256 = hasher.hex_digest();
  return received;
}

Status check_object(std::string_view sha256, uint64_t size, const Received& received) {
  if (received.bytes != size) {
    return Status::invalid_argument(
        fmt::format("object {}: {} bytes arrived, {} were announced (a truncated or padded upload)",
                    sha256, received.bytes, size));
  }
  if (received.sha256 != sha256) {
    return Status::invalid_argument(
        fmt::format("object {}: the bytes uploaded have SHA-256 {}, not the oid they were sent as",
                    sha256, received.sha256));
  }
  return Status::ok();
}

Status check_oid(std::string_view sha256) {
  if (!artifacts::is_content_hash(sha256)) {
    return Status::invalid_argument(
        fmt::format("oid '{}' is not a SHA-256 (64 lowercase hex characters)", sha256));
  }
  return Status::ok();
}

}  // namespace

Result<artifacts::BlobInfo> HubStore::store_bytes(std::string_view bytes) {
  return artifacts_.put_bytes(bytes);
}

bool HubStore::has_object(std::string_view sha256, uint64_t size) const {
  if (!artifacts::is_content_hash(sha256)) return false;
  const auto stored = artifacts_.blob_size(sha256);
  return stored && *stored == size;
}

Status HubStore::receive_object(std::string_view sha256, uint64_t size, const BodyReader& body) {
  TWIN_RETURN_IF_ERROR(check_oid(sha256));
  const fs::path staged = unique_beside(options_.staging_dir, sha256);
  TWIN_ASSIGN_OR_RETURN(Received received, write_body(staged, size, body));
  std::error_code ec;
  if (Status checked = check_object(sha256, size, received); !checked.is_ok()) {
    fs::remove(staged, ec);
    return checked;
  }
  auto stored = artifacts_.put_file(staged);
  fs::remove(staged, ec);
  if (!stored) return stored.error();
  return Status::ok();
}

Result<std::string> HubStore::receive_part(std::string_view sha256, int number, uint64_t max_bytes,
                                           const BodyReader& body) {
  TWIN_RETURN_IF_ERROR(check_oid(sha256));
  if (number < 1 || number > 10000) {
    return fail(Status::invalid_argument(fmt::format("part number {} is not 1..10000", number)));
  }
  const fs::path folder = options_.staging_dir / "parts" / std::string(sha256);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return fail(Status::io(fmt::format("{}: {}", folder.string(), ec.message())));
  const fs::path staged = unique_beside(folder, fmt::format("{:05}", number));
  TWIN_ASSIGN_OR_RETURN(Received received, write_body(staged, max_bytes, body, /*hash=*/false));
  fs::rename(staged, folder / fmt::format("{:05}", number), ec);
  if (ec) {
    fs::remove(staged, ec);
    return fail(Status::io(fmt::format("{}: {}", folder.string(), ec.message())));
  }
  // The ETag only has to come back in the completion; the whole object's SHA-256 is what counts.
  return fmt::format("{}-{}", number, received.bytes);
}

Status HubStore::complete_parts(std::string_view sha256, uint64_t size, int count) {
  TWIN_RETURN_IF_ERROR(check_oid(sha256));
  const fs::path folder = options_.staging_dir / "parts" / std::string(sha256);
  if (count < 1 || count > 10000) {
    return Status::invalid_argument(fmt::format("part count {} is not 1..10000", count));
  }
  const fs::path joined = unique_beside(options_.staging_dir, sha256);
  std::error_code ec;
  int part = 1;
  auto received = write_body(joined, size, [&](const ChunkSink& sink) {
    std::vector<char> buffer(size_t{1} << 20);
    for (; part <= count; ++part) {
      std::ifstream in(folder / fmt::format("{:05}", part), std::ios::binary);
      if (!in) return false;
      while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<size_t>(in.gcount());
        if (got > 0 && !sink(buffer.data(), got)) return false;
      }
    }
    return true;
  });
  if (!received) {
    // The object is refused whole: its parts go too, so a retry starts clean.
    fs::remove_all(folder, ec);
    return part <= count ? Status::invalid_argument(fmt::format(
                               "object {}: part {} of {} was not uploaded", sha256, part, count))
                         : received.error();
  }
  Status checked = check_object(sha256, size, *received);
  if (checked.is_ok()) {
    auto stored = artifacts_.put_file(joined);
    if (!stored) checked = stored.error();
  }
  fs::remove(joined, ec);
  fs::remove_all(folder, ec);
  return checked;
}

std::string git_blob_oid(std::string_view bytes) {
  const std::string header = fmt::format("blob {}", bytes.size());
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha1(), nullptr);
  EVP_DigestUpdate(context, header.data(), header.size() + 1);  // with its NUL
  EVP_DigestUpdate(context, bytes.data(), bytes.size());
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest.data(), &length);
  EVP_MD_CTX_free(context);
  return hex(digest.data(), length);
}

std::string lfs_pointer(std::string_view sha256, uint64_t size) {
  return fmt::format("version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n", sha256,
                     size);
}

Result<std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = value(c);
    if (v < 0) return fail(Status::invalid_argument("the file content is not valid base64"));
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  return hex(digest.data(), length);
}

}  // namespace twin::hub
