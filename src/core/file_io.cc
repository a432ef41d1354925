#include "twin/core/file_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

namespace twin {

Status write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return Status::io(fmt::format("{}: cannot write the file", partial.string()));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) return Status::io(fmt::format("{}: write failed", partial.string()));
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) return Status::io(fmt::format("{}: {}", path.string(), error.message()));
  return Status::ok();
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

}  // namespace twin
