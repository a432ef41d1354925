// What `twin settings` says about values twin cannot serve or ignores, for users who bring the
// LLM Engineer's Handbook's .env: a DATABASE_HOST naming MongoDB, and the Handbook settings twin
// reads but does not use (yet).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace twin {

// A note for setting `name` holding `value`; nullopt when twin uses the value as given.
std::optional<std::string> setting_note(std::string_view name, std::string_view value);

}  // namespace twin
