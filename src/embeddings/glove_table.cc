#include "glove_table.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace twin::embeddings {

static_assert(std::endian::native == std::endian::little,
              "the GloVe table is little-endian and mapped as is");

namespace {

constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kIndexEntrySize = 8;

template <typename T>
T read_at(const unsigned char* data, std::size_t offset) {
  T value{};
  std::memcpy(&value, data + offset, sizeof(T));
  return value;
}

}  // namespace

Result<std::unique_ptr<GloveTable>> GloveTable::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT)
      return fail(Status::not_found(fmt::format("{}: no such file", path.string())));
    return fail(Status::io(fmt::format("{}: {}", path.string(), std::strerror(error))));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    return fail(Status::io(fmt::format("{}: {}", path.string(), std::strerror(error))));
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  auto corrupt = [&](std::string_view what) {
    return fail(Status::corruption(fmt::format("{}: not a GloVe table ({})", path.string(), what)));
  };
  if (size < kHeaderSize) {
    ::close(fd);
    return corrupt("shorter than its header");
  }
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_error = errno;
  ::close(fd);
  if (mapped == MAP_FAILED) {
    return fail(Status::io(fmt::format("{}: mmap: {}", path.string(), std::strerror(map_error))));
  }
  std::unique_ptr<GloveTable> table(new GloveTable());
  table->data_ = static_cast<const unsigned char*>(mapped);
  table->file_size_ = size;
  const unsigned char* data = table->data_;

  if (std::memcmp(data, kMagic.data(), kMagic.size()) != 0) return corrupt("bad magic");
  if (read_at<std::uint32_t>(data, 8) != kVersion) {
    return corrupt(
        fmt::format("version {}, twin reads {}", read_at<std::uint32_t>(data, 8), kVersion));
  }
  const auto dimension = read_at<std::uint32_t>(data, 12);
  const auto count = read_at<std::uint64_t>(data, 16);
  const auto index_offset = read_at<std::uint64_t>(data, 24);
  const auto strings_offset = read_at<std::uint64_t>(data, 32);
  const auto strings_size = read_at<std::uint64_t>(data, 40);
  const auto vectors_offset = read_at<std::uint64_t>(data, 48);
  auto fits = [size](std::uint64_t offset, std::uint64_t length) {
    return offset <= size && length <= size - offset;
  };
  if (dimension == 0 || dimension > 65536) return corrupt("bad dimension");
  if (count > size / kIndexEntrySize || !fits(index_offset, count * kIndexEntrySize)) {
    return corrupt("index out of bounds");
  }
  if (!fits(strings_offset, strings_size)) return corrupt("strings out of bounds");
  if (vectors_offset % 64 != 0 || count > size / (std::uint64_t{dimension} * sizeof(float)) ||
      !fits(vectors_offset, count * dimension * sizeof(float))) {
    return corrupt("vectors out of bounds");
  }
  table->dimension_ = dimension;
  table->count_ = static_cast<std::size_t>(count);
  table->index_ = data + index_offset;
  table->strings_ = reinterpret_cast<const char*>(data + strings_offset);
  // The offset is 64-aligned and mmap returns a page-aligned address; the rows are float32 as
  // written by glove-convert.mjs.
  // cppcheck-suppress invalidPointerCast
  table->vectors_ = reinterpret_cast<const float*>(data + vectors_offset);
  std::string_view previous;
  for (std::size_t i = 0; i < table->count_; ++i) {
    const auto offset = read_at<std::uint32_t>(table->index_, i * kIndexEntrySize);
    const auto length = read_at<std::uint32_t>(table->index_, i * kIndexEntrySize + 4);
    if (std::uint64_t{offset} + length > strings_size) return corrupt("word out of bounds");
    const std::string_view word = table->word(i);
    if (i > 0 && !(previous < word)) return corrupt(fmt::format("words not sorted at {}", i));
    previous = word;
  }
  return table;
}

GloveTable::~GloveTable() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), file_size_);
}

std::string_view GloveTable::word(std::size_t i) const {
  const auto offset = read_at<std::uint32_t>(index_, i * kIndexEntrySize);
  const auto length = read_at<std::uint32_t>(index_, i * kIndexEntrySize + 4);
  return {strings_ + offset, length};
}

std::span<const float> GloveTable::find(std::string_view word) const {
  std::size_t low = 0;
  std::size_t high = count_;
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    const std::string_view candidate = this->word(middle);
    if (candidate < word) {
      low = middle + 1;
    } else if (word < candidate) {
      high = middle;
    } else {
      return {vectors_ + middle * dimension_, dimension_};
    }
  }
  return {};
}

}  // namespace twin::embeddings
