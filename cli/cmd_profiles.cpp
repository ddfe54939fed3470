// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_profiles.cpp — `epollscope profiles`: the kernel profiles the model knows.
#include <iostream>

#include "cli/cli.h"

namespace epollscope::cli {

void add_profiles(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("profiles", "List the kernel profiles the model knows");
  cmd->callback([&action] {
    action = [] {
      for (const auto& p : sim::KernelProfile::all())
        std::cout << p.name
                  << (p.name == sim::KernelProfile::default_profile().name ? " (default)" : "")
                  << "\n  " << p.description << '\n';
      return 0;
    };
  });
}

}  // namespace epollscope::cli
