// twin settings [--json]: every setting's effective value and where it came from.
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/core/setting_notes.h"

namespace twin::cli {
namespace {

std::string shown_value(const std::string& name, const std::optional<SettingValue>& value) {
  if (!value) return "";
  return Settings::is_secret(name) ? Settings::mask(value->value) : value->value;
}

Result<int> show_settings(Context& ctx, bool json) {
  const auto all = ctx.settings().all();
  if (json) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, value] : all) {
      out[name] = value ? nlohmann::json{{"value", shown_value(name, value)},
                                         {"source", to_string(value->source)},
                                         {"secret", Settings::is_secret(name)}}
                        : nlohmann::json{{"value", nullptr},
                                         {"source", nullptr},
                                         {"secret", Settings::is_secret(name)}};
      if (value) {
        if (auto note = setting_note(name, value->value)) out[name]["note"] = *note;
      }
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  // NOTE marks what twin cannot serve or ignores, for values that are set (a Handbook .env).
  Table table({"SETTING", "VALUE", "SOURCE", "NOTE"});
  for (const auto& [name, value] : all) {
    const auto note = value ? setting_note(name, value->value) : std::nullopt;
    table.add_row({name, value ? shown_value(name, value) : "-",
                   value ? std::string(to_string(value->source)) : "unset", note.value_or("")});
  }
  fmt::print("project root: {}\n\n", ctx.root().string());
  table.print(stdout, ctx.stdout_color());
  return 0;
}

void add_settings_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* cmd =
      twin.add_subcommand("settings",
                          "Show every setting's value and its source (flag, environment, .env, "
                          "twin.toml, default); secrets are masked");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json,
                "Print one JSON document: {NAME: {value, source, secret, note (when twin cannot "
                "serve or ignores the value)}}");
  actions.on(cmd, [json](Context& ctx) { return show_settings(ctx, *json); });
}

}  // namespace

TWIN_REGISTER_COMMAND(90, add_settings_command);

}  // namespace twin::cli
