// Logging to stderr through spdlog. Stdout is reserved for a command's output (tables, --json).
#pragma once

#include <spdlog/spdlog.h>

namespace twin {

enum class Verbosity { kQuiet, kNormal, kVerbose };

// Sets the default spdlog logger: stderr, "twin: <level>: message" lines, coloured when
// `color` is true. Quiet shows warnings and errors only; verbose adds debug messages.
void init_logging(Verbosity verbosity, bool color);

// True when colour should be used on the given stream: `--no-color` was not given, NO_COLOR is
// unset or empty, and the stream is a TTY or FORCE_COLOR is set to something other than 0.
bool should_use_color(int fd, bool no_color_flag);

}  // namespace twin
