// What every fuzz target shares: the input as text, and a cap on its size.
//
// Each target in fuzz/ is a libFuzzer entry point (LLVMFuzzerTestOneInput) that feeds one of
// twin's parsers the bytes it is given and exercises what twin does next with the result (dump,
// evaluate, compile to SQL). A target must never crash, hang, leak or trip a sanitizer on any
// input; parse errors are the expected outcome for most inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace twin::fuzz {

// The bytes as text (they are not NUL-terminated and may hold any byte).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace twin::fuzz
