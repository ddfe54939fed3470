// gui/commands.h — the headless subcommands: run, check, export-c.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/profile.h"

namespace epollscope::app {

struct RunOptions {
  const sim::KernelProfile* profile = nullptr;  // nullptr: the calibrated profile of this kernel
  bool live = true;                             // also run every call on the real kernel
  bool show_steps = true;
  bool show_state = true;
  int width = 120;
};

// `epollscope run FILE`: the terminal replay. Returns 0 when everything agreed and every
// expectation held, 1 otherwise, 2 when the file cannot be read or parsed.
int run_command(const std::string& path, const RunOptions& options, std::ostream& out,
                std::ostream& err);

struct CheckCommandOptions {
  const sim::KernelProfile* profile = nullptr;  // nullptr: the calibrated profile
  bool live = true;
  bool verbose = false;  // a line per scenario even when it passes
};

// `epollscope check PATH...`: the last line is exactly
// "checked N scenarios, M calls: D divergences, F failed expectations". Exit 0 only if all agree.
int check_command(const std::vector<std::string>& paths, const CheckCommandOptions& options,
                  std::ostream& out, std::ostream& err);

// `epollscope export-c FILE [-o OUT]`: a standalone C program performing the scenario.
int export_c_command(const std::string& path, const std::string& out_path, std::ostream& out,
                     std::ostream& err);

}  // namespace epollscope::app
