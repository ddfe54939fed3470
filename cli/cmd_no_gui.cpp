// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_no_gui.cpp — in a build without the window (no Dear ImGui, GLFW or OpenGL found, or
// EPOLLSCOPE_GUI=OFF): `gui`, `screenshot` and `bench gui` exist and say so, and the main job is
// the terminal walk-through; `trace --gui` says so, and `serve` stays in the terminal.
#include <iostream>

#include "cli/cli.h"

namespace epollscope::cli {
namespace {

int no_window(const char* what) {
  std::cerr << "epollscope: " << what
            << " needs the window, and this epollscope was built without it (Dear ImGui, GLFW "
               "or OpenGL were not found when it was configured: apt-get install libimgui-dev "
               "libstb-dev libglfw3-dev libgl-dev, then build again). The terminal replay is "
               "`epollscope run FILE`.\n";
  return 2;
}

void add_absent(CLI::App& app, Action& action, const char* name, const char* what) {
  auto* cmd = app.add_subcommand(name, std::string(what) + " (not in this build: no window)");
  // Whatever follows is kept here and refused with the reason, not handed up to the app (which
  // takes only --lang after a subcommand) to be called unexpected.
  cmd->fallthrough(false);
  cmd->allow_extras();
  cmd->callback([&action, what] { action = [what] { return no_window(what); }; });
}

}  // namespace

void add_gui(CLI::App& app, Action& action) {
  add_absent(app, action, "gui", "Open the desktop window on a scenario");
  add_absent(app, action, "screenshot", "Render the window offscreen at a step and write a PNG");
}

void add_export_video(CLI::App& app, Action& action) {
  add_absent(app, action, "export-video",
             "The window's animation as a GIF, MP4, WebM or PNG frames");
}

void add_bench_gui(CLI::App& bench, Action& action) {
  add_absent(bench, action, "gui", "The window's cost per frame");
}

bool window_possible() {
  return false;
}

bool follow_trace_in_window(trace::LiveTrace&, const trace::Feed&, std::string* error,
                            bool* opened) {
  *opened = false;
  *error = "this epollscope was built without the window";
  return false;
}

Action main_job() {
  return [] {
    return terminal_main_job("built without the window, so here is the terminal walk-through");
  };
}

}  // namespace epollscope::cli
