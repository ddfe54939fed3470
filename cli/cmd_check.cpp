// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_check.cpp — `epollscope check PATH...`: every scenario on the model and on the real
// kernel, compared call by call. The last line is exactly
// "checked N scenarios, M calls: D divergences, F failed expectations" (followed by ", K could not
// run to the end" when a file did not parse or a scenario stopped early); exit 0 only if all agree.
#include <cstdio>
#include <iostream>
#include <variant>

#include "cli/cli.h"
#include "driver/scenario_files.h"

namespace epollscope::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string profile;
  bool no_live = false;
  bool verbose = false;
};

int check(const CheckOptions& o) {
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;
  const sim::KernelProfile* asked = nullptr;
  if (!o.profile.empty() && !(asked = find_profile(o.profile))) return 2;
  std::vector<std::string> missing;
  std::vector<std::string> files = driver::collect_scenarios(o.paths, &missing);
  for (const auto& m : missing)
    err << "epollscope: " << m << ": no such file or folder\n";
  driver::RunOptions ro;
  ro.profile = choose_profile(asked, !o.no_live, out, o.verbose);
  ro.kernel = kernel_backend(!o.no_live);

  int scenarios = 0, calls = 0, divergences = 0, failed = 0, broken = 0;
  for (const auto& f : files) {
    auto loaded = driver::load_scenario(f);
    ++scenarios;
    if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
      out << "FAIL " << f << "\n" << e->format();
      ++broken;
      continue;
    }
    driver::CheckReport rep =
        driver::check_scenario(std::get<sim::script::Scenario>(std::move(loaded)), ro);
    calls += rep.calls;
    divergences += rep.divergences;
    failed += rep.failed_expectations;
    if (!rep.error.empty()) ++broken;
    if (!rep.ok() || o.verbose) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f s", rep.seconds);
      out << (rep.ok() ? "ok   " : "FAIL ") << f << " (" << rep.calls << " calls, " << secs
          << ")\n";
    }
    if (!rep.note.empty()) out << "note " << f << ": " << rep.note << '\n';
    for (const auto& m : rep.messages)
      out << m << '\n';
    if (!rep.error.empty()) out << rep.error << '\n';
    out.flush();
  }
  if (files.empty() && missing.empty()) err << "epollscope: no scenario files (*.scn) found\n";
  out << "checked " << scenarios << " scenarios, " << calls << " calls: " << divergences
      << " divergences, " << failed << " failed expectations";
  if (broken > 0) out << ", " << broken << " could not run to the end";
  out << '\n';
  const bool all_good =
      divergences == 0 && failed == 0 && broken == 0 && missing.empty() && !files.empty();
  return all_good ? 0 : 1;
}

}  // namespace

void add_check(CLI::App& app, Action& action) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check",
                                 "Run scenarios on the model and on the real kernel and compare "
                                 "every result; exit 0 only if all agree");
  cmd->add_option("PATH", o->paths, "Scenario files or folders (searched for *.scn)")->required();
  cmd->add_option("--profile", o->profile,
                  "Kernel profile to model (default: calibrated on this kernel)");
  cmd->add_flag("--no-live", o->no_live, "Check the expectations on the model alone");
  cmd->add_flag("-v,--verbose", o->verbose, "A line for every scenario, passing or not");
  cmd->callback([&action, o] { action = [o] { return check(*o); }; });
}

}  // namespace epollscope::cli
