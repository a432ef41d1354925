// .env files (the Handbook's settings): quoting, escapes, ${VAR} expansion against a fixed
// environment.
#include "twin/core/dotenv.h"

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const twin::EnvironmentLookup environment =
      [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/home/user");
    return std::nullopt;
  };
  (void)twin::parse_dotenv(twin::fuzz::as_text(data, size), ".env", environment);
  return 0;
}
