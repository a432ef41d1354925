// Settings: every configurable value, with where it came from.
//
// Precedence (DESIGN.md): command-line flag > process environment > <root>/.env > [settings] in
// twin.toml > built-in default. Settings are loaded once per command and are immutable after;
// a Settings object is safe to read from many threads.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twin/core/dotenv.h"
#include "twin/core/status.h"

namespace twin {

enum class SettingSource { kFlag, kEnvironment, kDotenv, kTwinToml, kDefault };
std::string_view to_string(SettingSource source);

struct SettingValue {
  std::string value;
  SettingSource source = SettingSource::kDefault;
};

// A setting twin knows: shown by `twin settings` even when unset.
struct KnownSetting {
  std::string_view name;
  std::string_view description;
};
const std::vector<KnownSetting>& known_settings();

struct SettingsOptions {
  std::filesystem::path root;                // project root (see find_project_root)
  std::map<std::string, std::string> flags;  // values given on the command line
  EnvironmentLookup environment = process_environment();
};

class Settings {
 public:
  // Reads <root>/.env and <root>/twin.toml. Malformed files are kInvalidArgument naming file:line.
  static Result<Settings> load(const SettingsOptions& options);

  const std::filesystem::path& root() const { return root_; }
  // <root>/.twin unless TWIN_HOME says otherwise.
  const std::filesystem::path& state_dir() const { return state_dir_; }

  std::optional<SettingValue> get(std::string_view name) const;
  std::string value_or(std::string_view name, std::string_view fallback) const;

  // Every known setting plus every other value found in a flag, .env or [settings], by name.
  // Process environment variables that twin does not know are left out.
  std::vector<std::pair<std::string, std::optional<SettingValue>>> all() const;

  // True for names containing KEY, SECRET, TOKEN or PASSWORD.
  static bool is_secret(std::string_view name);
  // What `twin settings` shows for a secret: "********" when set, "" when empty.
  static std::string mask(std::string_view value);

 private:
  std::filesystem::path root_;
  std::filesystem::path state_dir_;
  std::map<std::string, std::string, std::less<>> flags_;
  std::map<std::string, std::string, std::less<>> dotenv_;
  std::map<std::string, std::string, std::less<>> toml_;
  std::map<std::string, std::string, std::less<>> defaults_;
  EnvironmentLookup environment_;
};

}  // namespace twin
