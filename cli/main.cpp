// SPDX-License-Identifier: GPL-2.0-only
// cli/main.cpp — the `epollscope` executable: one binary, one subcommand per use. Each subcommand
// lives in its own cmd_*.cpp; `epollscope --help` lists them, `epollscope SUBCOMMAND --help` its
// options.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  using namespace epollscope::cli;
  CLI::App app{
      "epollscope: a model of Linux epoll internals (struct eventpoll, epitem, rbr, rdllist, "
      "ovflist),\nstep by step at the level of kernel functions, checked against the real kernel.\n"
      "Without a subcommand it opens the window on the pipe 2 KB / 1 KB example, edge-triggered "
      "beside\nlevel-triggered, or, without a display, runs the terminal walk-through of the same "
      "example."};
  app.set_version_flag("--version", "epollscope 0.1.0");
  app.require_subcommand(0, 1);

  Action action;
  add_walkthrough(app, action);
  add_run(app, action);
  add_check(app, action);
  add_gui(app, action);
  add_export_c(app, action);
  add_fuzz(app, action);
  add_bench(app, action);
  add_profiles(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!action) action = main_job();
  exit_cleanly_on_signals();
  return action();
}
