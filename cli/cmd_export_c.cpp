// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_export_c.cpp — `epollscope export-c FILE [-o OUT]`: the scenario as a standalone C
// program that performs it with real syscalls (live/export_c.h).
#include <iostream>
#include <variant>

#include "cli/cli.h"
#include "driver/scenario_files.h"
#include "live/export_c.h"
#include "sim/script/user_text.h"

namespace epollscope::cli {
namespace {

struct ExportOptions {
  std::string path;
  std::string output;
};

int export_c(const ExportOptions& o) {
  if (const std::string why = overwrites_input(o.path, o.output); !why.empty()) {
    std::cerr << "epollscope: " << why << '\n';
    return 2;
  }
  auto loaded = driver::load_scenario(o.path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    std::cerr << e->format();
    return 2;
  }
  const auto& scenario = std::get<sim::script::Scenario>(loaded);
  if (const sim::script::Statement* st = scenario.first_during()) {
    std::cerr << "epollscope: " << sim::script::printable(o.path) << ":" << st->loc.line << ":"
              << st->during->loc.col
              << ": a call during ep_send_events is model only: a C program cannot make the "
                 "kernel run it inside a harvest, so the scenario is not exported\n";
    return 2;
  }
  const std::string program = live::export_c(scenario);
  std::string error;
  if (!write_output(o.output, program, &error)) {
    std::cerr << "epollscope: " << error << '\n';
    return 2;
  }
  if (!is_stdout(o.output))
    std::cerr << "wrote " << o.output << " (compile with: cc -O1 -pthread -o scenario " << o.output
              << ")\n";
  return 0;
}

}  // namespace

void add_export_c(CLI::App& app, Action& action) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export-c",
                                 "Write a scenario as a standalone C program using real syscalls");
  cmd->add_option("FILE", o->path, "Scenario file (*.scn)")->required();
  cmd->add_option("-o,--output", o->output,
                  "Where to write the program (default: standard output); never the scenario "
                  "file itself");
  cmd->callback([&action, o] { action = [o] { return export_c(*o); }; });
}

}  // namespace epollscope::cli
