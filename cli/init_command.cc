// twin init [DIR]: scaffold a project (tasks/init_project.h); existing files are kept.
#include "command.h"
#include "twin/tasks/init_project.h"

namespace twin::cli {
namespace {

Result<int> init(const Context& ctx, const std::string& dir) {
  const std::filesystem::path target =
      dir.empty() ? std::filesystem::current_path() : std::filesystem::absolute(dir);
  TWIN_ASSIGN_OR_RETURN(auto steps, tasks::init_project(target));
  if (ctx.quiet()) return 0;
  for (const auto& step : steps) {
    switch (step.outcome) {
      case tasks::InitStep::Outcome::kCreated:
        fmt::print("created  {}\n", step.path.string());
        break;
      case tasks::InitStep::Outcome::kUpdated:
        fmt::print("updated  {}\n", step.path.string());
        break;
      case tasks::InitStep::Outcome::kKept:
        fmt::print("kept     {} (exists, left as is)\n", step.path.string());
        break;
    }
  }
  fmt::print("\nNext: cd {} && twin tasks\n", target.string());
  return 0;
}

void add_init_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* cmd = twin.add_subcommand(
      "init",
      "Scaffold a project: twin.toml with example tasks, .env.example, configs/, "
      ".gitignore entries (never overwrites a file)");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Project folder (default: the current one; created if missing)");
  actions.on(cmd, [dir](Context& ctx) { return init(ctx, *dir); });
}

}  // namespace

TWIN_REGISTER_COMMAND(10, add_init_command);

}  // namespace twin::cli
