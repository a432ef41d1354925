// How a subcommand joins the `twin` command line.
//
// Each command lives in its own cli/<name>_command.cc and registers itself:
//
//   void add_settings_command(CLI::App& twin, CommandActions& actions) {
//     CLI::App* cmd = twin.add_subcommand("settings", "Show every setting and its source");
//     auto json = std::make_shared<bool>(false);
//     cmd->add_flag("--json", *json, "print one JSON document");
//     actions.on(cmd, [json](Context& ctx) -> Result<int> { ...; return 0; });
//   }
//   TWIN_REGISTER_COMMAND(20, add_settings_command);
//
// The action runs after the whole command line parsed, with the project and settings loaded.
// It returns the process exit code, or a Status that main prints and maps to 1 or 2.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "twin/core/logging.h"
#include "twin/core/settings.h"
#include "twin/core/status.h"

namespace twin::cli {

// What every action gets: the project, its settings and how output should look.
class Context {
 public:
  Context(Settings settings, Verbosity verbosity, bool stdout_color, bool stderr_color)
      : settings_(std::move(settings)),
        verbosity_(verbosity),
        stdout_color_(stdout_color),
        stderr_color_(stderr_color) {}

  const std::filesystem::path& root() const { return settings_.root(); }
  const Settings& settings() const { return settings_; }
  Verbosity verbosity() const { return verbosity_; }
  bool quiet() const { return verbosity_ == Verbosity::kQuiet; }
  // Colour and live progress are for terminals only.
  bool stdout_color() const { return stdout_color_; }
  bool stderr_color() const { return stderr_color_; }

 private:
  Settings settings_;
  Verbosity verbosity_;
  bool stdout_color_;
  bool stderr_color_;
};

using Action = std::function<Result<int>(Context&)>;

// Collects the action of the subcommand the user chose.
class CommandActions {
 public:
  // Makes `action` the one to run when `command` is parsed.
  void on(CLI::App* command, Action action);
  // Settings given as command-line flags (e.g. `--metadata-uri`), highest precedence.
  std::map<std::string, std::string>& setting_flags() { return setting_flags_; }

  const Action* chosen() const { return chosen_ ? &*chosen_ : nullptr; }

 private:
  std::optional<Action> chosen_;
  std::map<std::string, std::string> setting_flags_;
};

using CommandSetup = void (*)(CLI::App& twin, CommandActions& actions);

// Registers a command; `order` decides its place in `twin --help` (lower first).
struct CommandRegistration {
  CommandRegistration(int order, CommandSetup setup);
};

struct RegisteredCommand {
  int order;
  CommandSetup setup;
};
std::vector<RegisteredCommand>& registered_commands();

}  // namespace twin::cli

#define TWIN_REGISTER_COMMAND(order, setup) \
  static const ::twin::cli::CommandRegistration TWIN_CONCAT(twin_command_, __LINE__)(order, setup)
