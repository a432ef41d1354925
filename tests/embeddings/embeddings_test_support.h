// Settings for embeddings tests: a temporary root, given flags, and no process environment
// unless asked for.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "twin/core/settings.h"

namespace twin::embeddings::testing {

inline Settings settings_with(const std::filesystem::path& root,
                              std::map<std::string, std::string> flags,
                              bool process_environment = false) {
  SettingsOptions options;
  options.root = root;
  options.flags = std::move(flags);
  if (!process_environment) {
    options.environment = [](std::string_view) -> std::optional<std::string> {
      return std::nullopt;
    };
  }
  auto settings = Settings::load(options);
  EXPECT_TRUE(settings.has_value()) << settings.error().to_string();
  return std::move(*settings);
}

}  // namespace twin::embeddings::testing
