// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_gui.h — what the window's subcommands (cmd_gui.cpp, cmd_export_video.cpp) share: the
// options every rendering takes, read the same way. Built only with the window.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "gui/app/controller.h"

namespace epollscope::cli {

// The controller's kernel: this one's (`live`), none, or --kernel-from's recording (the kernel
// column's note says "kernel: recorded on Linux X (FILE)"); nullopt after saying why on stderr.
std::optional<app::ControllerOptions> controller_options(bool live, const std::string& kernel_from,
                                                         const std::string& scenario);
// The UI scale: --scale when given, else $EPOLLSCOPE_SCALE, else `fallback` (0: the monitor's).
// False, after saying why, when either is not a number from 0.5 to 4 (the caller exits with 2).
bool choose_scale(const std::string& option, float fallback, float* scale);
// --text-size: a percentage from 50 to 300 (`150` or `150%`); false after saying why.
bool choose_text_size(const std::string& option, int* pct);
// Opens `path` in `c` (ET beside LT with `compare`); false after printing the error (file:line:col)
// on stderr: nothing is rendered, nor written, for a file that cannot be read or run.
bool open_scenario(app::Controller& c, const std::string& path, bool compare);
// A whole number of at least `least`, checked on the text: CLI11 reads "-1" into a size_t as
// 2^64-1 (the last step), and an int option has no lower bound of its own.
CLI::Validator whole_number_from(long long least);

}  // namespace epollscope::cli
