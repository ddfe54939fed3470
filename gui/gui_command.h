// gui/gui_command.h — `epollscope gui [FILE]` and `epollscope screenshot FILE --step N -o out.png`.
#pragma once

#include <ostream>
#include <string>

#include "gui/app/controller.h"

namespace epollscope::app {

struct GuiOptions {
  CompareMode compare = CompareMode::kOff;
  bool live = true;
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  bool light = false;
  float scale = 0;
};

// The folder of the scenario library: $EPOLLSCOPE_SCENARIOS, the source tree's scenarios/, or
// ./scenarios.
std::string scenario_dir();
// The pipe 2 KB / 1 KB example, the window's default scenario.
std::string default_scenario();

// Opens the window on `path`. Without a display: one line on `err`, exit status 1.
int gui_command(const std::string& path, const GuiOptions& options, std::ostream& err);

struct ScreenshotOptions {
  GuiOptions gui;
  std::size_t step = 0;  // the timeline position (tick) to render
  int after_line = 0;    // if set: the position right after the statement on this line
  int width = 1600;
  int height = 1000;
  std::string output;
};
// Renders `path` at a step in an invisible window and writes a PNG.
int screenshot_command(const std::string& path, const ScreenshotOptions& options, std::ostream& out,
                       std::ostream& err);

}  // namespace epollscope::app
