// Aligned text tables for people (the --json output is for programs).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace twin::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell (UTF-8 aware); a bold header when `color`.
  void print(std::FILE* out, bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text, counting one column per code point.
size_t display_width(const std::string& text);

}  // namespace twin::cli
