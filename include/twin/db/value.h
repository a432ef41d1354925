// Values that travel between twin and SQL: bound parameters and the cells of result rows.
//
// A Value is one of null, a 64-bit integer, a double, UTF-8 text or a blob. Parameters are
// written as plain C++ values ({42, "text", 1.5, nullptr, Blob{...}, std::optional<T>}); the
// backend binds each with its own type. Values are plain data: copyable, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace twin::db {

// Bytes stored as a BLOB (SQLite) or BYTEA (PostgreSQL).
struct Blob {
  std::string bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

enum class ValueType { kNull, kInt64, kDouble, kText, kBlob };
std::string_view to_string(ValueType type);

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}                              // NOLINT(google-explicit-constructor)
  Value(bool b) : data_(std::int64_t{b ? 1 : 0}) {}     // NOLINT(google-explicit-constructor)
  Value(std::int64_t i) : data_(i) {}                   // NOLINT(google-explicit-constructor)
  Value(double d) : data_(d) {}                         // NOLINT(google-explicit-constructor)
  Value(std::string s) : data_(std::move(s)) {}         // NOLINT(google-explicit-constructor)
  Value(std::string_view s) : data_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Value(const char* s) : data_(std::string(s)) {}       // NOLINT(google-explicit-constructor)
  Value(Blob b) : data_(std::move(b)) {}                // NOLINT(google-explicit-constructor)
  // Any other integer type (int, unsigned, size_t...) binds as int64.
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, std::int64_t>)
      Value(I i)
      : data_(static_cast<std::int64_t>(i)) {}  // NOLINT(google-explicit-constructor)
  // An empty optional binds as NULL.
  template <typename T>
  Value(const std::optional<T>& maybe) {  // NOLINT(google-explicit-constructor)
    if (maybe) *this = Value(*maybe);
  }

  ValueType type() const { return static_cast<ValueType>(data_.index()); }
  bool is_null() const { return type() == ValueType::kNull; }

  // Typed reads. They convert where the conversion is exact or obvious (an integer read as a
  // double, numeric text read as a number, any value read as text); NULL reads as 0, 0.0, "".
  // Use is_null() or the optional_* forms to tell NULL apart.
  std::int64_t as_int64() const;
  double as_double() const;
  std::string as_text() const;
  Blob as_blob() const;
  // The bytes of a text or blob value without copying (empty for other types); valid while the
  // Value lives.
  std::string_view bytes_view() const;
  std::optional<std::int64_t> as_optional_int64() const;
  std::optional<double> as_optional_double() const;
  std::optional<std::string> as_optional_text() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  std::variant<std::monostate, std::int64_t, double, std::string, Blob> data_;
};

// Bound parameters of one statement, in placeholder order.
using Params = std::vector<Value>;

}  // namespace twin::db
