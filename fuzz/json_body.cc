// JSON request bodies: what the server does with every body before a handler runs (parse with
// the depth limit), then what handlers and responses do with the value (serialise, walk, copy).
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "twin/core/json.h"

namespace {

// Visits every member, as handlers reading fields and previews do.
size_t count_values(const nlohmann::json& value) {
  size_t count = 1;
  if (value.is_structured()) {
    for (const auto& item : value) count += count_values(item);
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parsed = twin::parse_json(twin::fuzz::as_text(data, size), "body");
  if (!parsed) return 0;
  const nlohmann::json& body = *parsed;
  const std::string text = body.dump();
  const auto again = twin::parse_json(text, "dumped body");
  if (!again || *again != body) __builtin_trap();  // dump() must read back as the same value
  (void)count_values(body);
  (void)body.dump(2, ' ', true, nlohmann::json::error_handler_t::replace);
  return 0;
}
