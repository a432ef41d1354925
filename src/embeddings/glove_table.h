// A memory-mapped table of word vectors, written by scripts/glove-convert.mjs.
//
// File format, version 1 (all integers little-endian):
//   offset  0  char[8]  magic "TWINGLOV"
//           8  u32      version (1)
//          12  u32      dimension
//          16  u64      count (words)
//          24  u64      index_offset: count entries {u32 offset, u32 length} into the strings,
//                       sorted by the words' UTF-8 bytes (memcmp order), no duplicates
//          32  u64      strings_offset
//          40  u64      strings_size: the words' UTF-8 bytes, concatenated
//          48  u64      vectors_offset (a multiple of 64): count rows of dimension float32, row i
//                       for index entry i
//          56  u64      reserved (0)
// open() checks the header, every bound and the sort order, so lookups need no checks.
//
// Thread-safety: immutable after open; find() may be called from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "twin/core/status.h"

namespace twin::embeddings {

class GloveTable {
 public:
  static constexpr std::string_view kMagic = "TWINGLOV";
  static constexpr std::uint32_t kVersion = 1;

  // kNotFound when the file is missing, kCorruption when it is not a valid table.
  static Result<std::unique_ptr<GloveTable>> open(const std::filesystem::path& path);
  ~GloveTable();
  GloveTable(const GloveTable&) = delete;
  GloveTable& operator=(const GloveTable&) = delete;

  std::size_t dimension() const { return dimension_; }
  std::size_t size() const { return count_; }
  std::string_view word(std::size_t i) const;
  // The word's vector, or an empty span when the word is not in the table.
  std::span<const float> find(std::string_view word) const;

 private:
  GloveTable() = default;

  const unsigned char* data_ = nullptr;
  std::size_t file_size_ = 0;
  std::size_t dimension_ = 0;
  std::size_t count_ = 0;
  const unsigned char* index_ = nullptr;
  const char* strings_ = nullptr;
  const float* vectors_ = nullptr;
};

}  // namespace twin::embeddings
