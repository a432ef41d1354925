// Writing files so that nobody sees half of one.
#pragma once

#include <filesystem>
#include <string_view>

#include "twin/core/status.h"

namespace twin {

// Writes `text` to `path` through `<path>.partial` beside it, renamed into place once written:
// a reader, or a crash, sees the old file or the whole new one. kIo naming the path.
Status write_file_atomically(const std::filesystem::path& path, std::string_view text);

// Writes all of `bytes` to the open descriptor, retrying short writes and EINTR. False on any
// other failure, with errno telling why.
bool write_all(int fd, std::string_view bytes);

}  // namespace twin
