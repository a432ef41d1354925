// Result rows of a query, with typed access by column index or name.
//
// Rows own their values. A Row keeps a shared pointer to the column names of its result, so rows
// stay valid after the Rows that produced them is gone. Thread-compatible.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/db/value.h"

namespace twin::db {

class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const std::vector<std::string>& columns() const { return *columns_; }

  // By index (0-based). An index out of range reads as NULL.
  const Value& operator[](size_t index) const;
  // By column name (as written in the SELECT, or its AS alias). An unknown name reads as NULL.
  const Value& operator[](std::string_view column) const;

  bool is_null(size_t index) const { return (*this)[index].is_null(); }
  std::int64_t int64(size_t index) const { return (*this)[index].as_int64(); }
  double real(size_t index) const { return (*this)[index].as_double(); }
  std::string text(size_t index) const { return (*this)[index].as_text(); }
  Blob blob(size_t index) const { return (*this)[index].as_blob(); }
  std::optional<std::int64_t> optional_int64(size_t index) const {
    return (*this)[index].as_optional_int64();
  }
  std::optional<std::string> optional_text(size_t index) const {
    return (*this)[index].as_optional_text();
  }

  std::int64_t int64(std::string_view column) const { return (*this)[column].as_int64(); }
  double real(std::string_view column) const { return (*this)[column].as_double(); }
  std::string text(std::string_view column) const { return (*this)[column].as_text(); }
  Blob blob(std::string_view column) const { return (*this)[column].as_blob(); }
  bool is_null(std::string_view column) const { return (*this)[column].is_null(); }
  std::optional<std::int64_t> optional_int64(std::string_view column) const {
    return (*this)[column].as_optional_int64();
  }
  std::optional<std::string> optional_text(std::string_view column) const {
    return (*this)[column].as_optional_text();
  }

  const std::vector<Value>& values() const { return values_; }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

// All rows of one query, in the order the database returned them.
class Rows {
 public:
  Rows() : columns_(std::make_shared<std::vector<std::string>>()) {}
  explicit Rows(std::shared_ptr<const std::vector<std::string>> columns)
      : columns_(std::move(columns)) {}

  const std::vector<std::string>& columns() const { return *columns_; }
  const std::shared_ptr<const std::vector<std::string>>& shared_columns() const { return columns_; }
  void add(std::vector<Value> values) { rows_.emplace_back(columns_, std::move(values)); }

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const Row& operator[](size_t index) const { return rows_[index]; }
  // The first row, or nullopt when there is none.
  std::optional<Row> first() const;

  auto begin() const { return rows_.begin(); }
  auto end() const { return rows_.end(); }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Row> rows_;
};

}  // namespace twin::db
