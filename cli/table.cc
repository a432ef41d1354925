#include "table.h"

#include <fmt/format.h>

#include <algorithm>

namespace twin::cli {

size_t display_width(const std::string& text) {
  return static_cast<size_t>(std::ranges::count_if(
      text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

void Table::print(std::FILE* out, bool color) const {
  std::vector<size_t> widths(headers_.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(cells[i]));
    }
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);

  auto print_row = [&](const std::vector<std::string>& cells, bool header) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      line += cell;
      if (i + 1 < widths.size()) line += std::string(widths[i] - display_width(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (header && color) line = "\033[1m" + line + "\033[0m";
    fmt::print(out, "{}\n", line);
  };
  print_row(headers_, true);
  for (const auto& row : rows_) print_row(row, false);
}

}  // namespace twin::cli
