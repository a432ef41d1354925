// The twin command: parses the command line, loads the project's settings, and runs the chosen
// subcommand's action. One of the three places exceptions are caught (DESIGN.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string_view>

#include "command.h"
#include "twin/core/logging.h"
#include "twin/core/project.h"
#include "twin/core/settings.h"
#include "twin/core/text.h"

namespace {

using twin::cli::CommandActions;

struct GlobalOptions {
  std::string directory;
  int verbose = 0;
  bool quiet = false;
  bool no_color = false;
};

// The deepest subcommand the parser entered, to suggest names at the right level.
CLI::App* deepest_parsed(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands()) return deepest_parsed(sub);
  return app;
}

void print_error(const std::string& message) {
  const bool color = twin::should_use_color(STDERR_FILENO, false);
  fmt::print(stderr, "{}twin: error:{} {}\n", color ? "\033[1;31m" : "", color ? "\033[0m" : "",
             message);
}

// "twin", "twin pipeline", "twin vectors points": the command as the user typed it.
std::string command_path(const CLI::App* app) {
  if (app->get_parent() == nullptr) return "twin";
  return fmt::format("{} {}", command_path(app->get_parent()), app->get_name());
}

// An unknown word where a subcommand was expected: name it and suggest the closest.
int report_unknown_subcommand(CLI::App* parent, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::App* sub : parent->get_subcommands({})) names.push_back(sub->get_name());
  const std::string path = command_path(parent);
  std::string message = fmt::format("'{}' is not a {} command.", word, path);
  if (auto close = twin::closest_matches(word, names); !close.empty()) {
    message += fmt::format(" Did you mean {}?", twin::quoted_alternatives(close));
  }
  message += fmt::format(" See '{} --help'.", path);
  print_error(message);
  return 2;
}

// An option the command does not have ("--parm who=x"): name it, as typed, and suggest the
// closest of the command's own options.
int report_unknown_option(CLI::App* command, const std::string& word) {
  const std::string flag = word.substr(0, word.find('='));
  std::vector<std::string> names;
  for (const CLI::Option* option : command->get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  const std::string path = command_path(command);
  std::string message = fmt::format("{} has no option '{}'.", path, flag);
  if (auto close = twin::closest_matches(flag, names); !close.empty()) {
    message += fmt::format(" Did you mean {}?", twin::quoted_alternatives(close));
  }
  message += fmt::format(" See '{} --help'.", path);
  print_error(message);
  return 2;
}

// What the parser could not place, by the command it stopped in: an unknown subcommand or
// option gets its own message; nullopt for other errors. The leftover words fall through to
// the top level (app.fallthrough()) in no particular order, so the first one is found in argv.
std::optional<int> report_misplaced_word(CLI::App& app, int argc, char** argv) {
  CLI::App* parent = deepest_parsed(&app);
  const std::vector<std::string> extras = app.remaining(true);
  std::optional<std::string> first;
  for (int i = 1; i < argc && !first; ++i) {
    if (std::ranges::find(extras, std::string_view(argv[i])) != extras.end()) first = argv[i];
  }
  if (!first) return std::nullopt;
  const std::string& word = *first;
  if (word.starts_with("-") && word.size() > 1 && word != "--") {
    return report_unknown_option(parent, word);
  }
  if (!word.starts_with("-") && !parent->get_subcommands({}).empty()) {
    return report_unknown_subcommand(parent, word);
  }
  return std::nullopt;
}

#ifdef TWIN_FULL_BINARY_NAME
// The light `twin` binary (cli/CMakeLists.txt) handles its own commands and hands everything
// else to twin-full, which sits beside it.

// The subcommand word: the first argument that is neither a global option nor its value.
std::optional<std::string_view> subcommand_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-C" || arg == "--directory") {
      ++i;  // its value is a directory, not a command
    } else if (arg == "--") {
      return std::nullopt;
    } else if (!arg.starts_with("-")) {
      return arg;
    }
  }
  return std::nullopt;
}

bool has_argument(int argc, char** argv, std::string_view wanted) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == wanted) return true;
  }
  return false;
}

// Replaces this process by twin-full with the same arguments; returns only on failure. It sits
// beside twin in the build folder, and in <prefix>/libexec/twin/ once installed (make install).
int exec_full_binary(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    print_error(fmt::format("cannot find twin's own path (/proc/self/exe): {}", ec.message()));
    return 1;
  }
  const std::filesystem::path beside = self.parent_path() / TWIN_FULL_BINARY_NAME;
  const std::filesystem::path installed =
      self.parent_path().parent_path() / "libexec" / "twin" / TWIN_FULL_BINARY_NAME;
  if (!std::filesystem::exists(beside, ec) && !std::filesystem::exists(installed, ec)) {
    print_error(fmt::format(
        "cannot find {} (twin's other commands live there): neither {} nor {} exists; install "
        "twin with `make install`, or run the build's own build/release/twin",
        TWIN_FULL_BINARY_NAME, beside.string(), installed.lexically_normal().string()));
    return 1;
  }
  const std::filesystem::path& full = std::filesystem::exists(beside, ec) ? beside : installed;
  execv(full.c_str(), argv);
  print_error(fmt::format("cannot run {} (twin's other commands live there): {}", full.string(),
                          std::strerror(errno)));
  return 1;
}
#endif

int run(int argc, char** argv) {
  CLI::App app(
      "twin: the LLM Twin toolchain in one program (tasks, pipelines, artifacts,\n"
      "warehouse, crawling, tracking). Local by default, on real engines when you grow.",
      "twin");
  app.set_version_flag("--version", fmt::format("twin {}", TWIN_VERSION));
  app.set_help_all_flag("--help-all", "Help for every command");
  GlobalOptions global;
  app.add_option("-C,--directory", global.directory, "Run as if twin was started in DIR")
      ->type_name("DIR");
  app.add_flag("-v,--verbose", global.verbose, "More output (debug logs)");
  app.add_flag("-q,--quiet", global.quiet, "Less output: warnings and errors only");
  app.add_flag("--no-color", global.no_color, "No colours (also when NO_COLOR is set)");
  app.require_subcommand(0, 1);
  app.fallthrough();

  CommandActions actions;
  auto& commands = twin::cli::registered_commands();
  std::ranges::stable_sort(commands, {}, &twin::cli::RegisteredCommand::order);
  for (const auto& command : commands) command.setup(app, actions);

#ifdef TWIN_FULL_BINARY_NAME
  if (const auto word = subcommand_word(argc, argv)) {
    const auto here = app.get_subcommands(
        [&](const CLI::App* sub) { return sub->check_name(std::string(*word)); });
    if (here.empty()) return exec_full_binary(argv);
  } else if (!has_argument(argc, argv, "--version")) {
    return exec_full_binary(argv);  // the top-level help lists every command
  }
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    if (const auto reported = report_misplaced_word(app, argc, argv)) return *reported;
    print_error(fmt::format("{}. See '--help'.", e.what()));
    return 2;
  } catch (const CLI::RequiredError& e) {
    // `twin pipeline runn x`: the unknown word is left over and the subcommand is missing.
    if (const auto reported = report_misplaced_word(app, argc, argv)) return *reported;
    print_error(fmt::format("{}. See '--help'.", e.what()));
    return 2;
  } catch (const CLI::ParseError& e) {
    print_error(fmt::format("{}. See '--help'.", e.what()));
    return 2;
  }

  const twin::cli::Action* action = actions.chosen();
  if (action == nullptr) {
    CLI::App* parent = deepest_parsed(&app);
    fmt::print(stderr, "{}", parent->help());
    return 2;
  }

  if (!global.directory.empty()) {
    std::error_code ec;
    std::filesystem::current_path(global.directory, ec);
    if (ec) {
      print_error(fmt::format("-C {}: {}", global.directory, ec.message()));
      return 2;
    }
  }
  const twin::Verbosity verbosity = global.quiet         ? twin::Verbosity::kQuiet
                                    : global.verbose > 0 ? twin::Verbosity::kVerbose
                                                         : twin::Verbosity::kNormal;
  const bool stderr_color = twin::should_use_color(STDERR_FILENO, global.no_color);
  twin::init_logging(verbosity, stderr_color);

  twin::SettingsOptions options;
  options.root = twin::find_project_root(std::filesystem::current_path());
  options.flags = actions.setting_flags();
  auto settings = twin::Settings::load(options);
  if (!settings) {
    print_error(settings.error().message());
    return 2;
  }
  twin::cli::Context context(std::move(*settings), verbosity,
                             twin::should_use_color(STDOUT_FILENO, global.no_color), stderr_color);
  twin::Result<int> result = (*action)(context);
  if (!result) {
    print_error(result.error().message());
    return twin::exit_code_for(result.error());
  }
  return *result;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()));
    return 1;
  }
}
