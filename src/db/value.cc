#include "twin/db/value.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "twin/db/rows.h"

namespace twin::db {

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::kNull:
      return "null";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kDouble:
      return "double";
    case ValueType::kText:
      return "text";
    case ValueType::kBlob:
      return "blob";
  }
  return "unknown";
}

namespace {

template <typename Number>
Number parse_number(const std::string& text) {
  Number value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

std::int64_t Value::as_int64() const {
  switch (type()) {
    case ValueType::kInt64:
      return std::get<std::int64_t>(data_);
    case ValueType::kDouble:
      return static_cast<std::int64_t>(std::llround(std::get<double>(data_)));
    case ValueType::kText:
      return parse_number<std::int64_t>(std::get<std::string>(data_));
    default:
      return 0;
  }
}

double Value::as_double() const {
  switch (type()) {
    case ValueType::kInt64:
      return static_cast<double>(std::get<std::int64_t>(data_));
    case ValueType::kDouble:
      return std::get<double>(data_);
    case ValueType::kText:
      return parse_number<double>(std::get<std::string>(data_));
    default:
      return 0.0;
  }
}

std::string Value::as_text() const {
  switch (type()) {
    case ValueType::kInt64:
      return std::to_string(std::get<std::int64_t>(data_));
    case ValueType::kDouble:
      return fmt::format("{}", std::get<double>(data_));
    case ValueType::kText:
      return std::get<std::string>(data_);
    case ValueType::kBlob:
      return std::get<Blob>(data_).bytes;
    case ValueType::kNull:
      return "";
  }
  return "";
}

Blob Value::as_blob() const {
  if (type() == ValueType::kBlob) return std::get<Blob>(data_);
  if (is_null()) return {};
  return Blob{as_text()};
}

std::string_view Value::bytes_view() const {
  if (type() == ValueType::kText) return std::get<std::string>(data_);
  if (type() == ValueType::kBlob) return std::get<Blob>(data_).bytes;
  return {};
}

std::optional<std::int64_t> Value::as_optional_int64() const {
  if (is_null()) return std::nullopt;
  return as_int64();
}

std::optional<double> Value::as_optional_double() const {
  if (is_null()) return std::nullopt;
  return as_double();
}

std::optional<std::string> Value::as_optional_text() const {
  if (is_null()) return std::nullopt;
  return as_text();
}

namespace {
const Value kNullValue;
}  // namespace

const Value& Row::operator[](size_t index) const {
  return index < values_.size() ? values_[index] : kNullValue;
}

const Value& Row::operator[](std::string_view column) const {
  const auto& names = *columns_;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == column) return (*this)[i];
  }
  return kNullValue;
}

std::optional<Row> Rows::first() const {
  if (rows_.empty()) return std::nullopt;
  return rows_.front();
}

}  // namespace twin::db
