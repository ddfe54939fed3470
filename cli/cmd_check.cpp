// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_check.cpp — `epollscope check PATH...`: every scenario on the model and on the real
// kernel, compared call by call. The last line is exactly
// "checked N scenarios, M calls: D divergences, F failed expectations" (followed by ", K could not
// run to the end" when a file did not parse or a scenario stopped early, and by ", P paths could
// not be read" when a path given or found cannot be searched or read: each is said on stderr and
// the others are checked all the same, and by ", A approximate counts (documented; not
// divergences)" when the model marked a differing TCP byte count approximate, sim/tcp.h); exit 0
// only if all agree, approximate counts aside. A statement that lists alternatives (`=> A or B`,
// a race) gets a line "race path:line: kernel took ..." when the kernel took another listed
// outcome than the model (with --verbose, always). Scenario text (sources,
// expectations, paths) is printed escaped (printable()).
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <variant>

#include "cli/cli.h"
#include "driver/kernel_recording.h"
#include "driver/scenario_files.h"
#include "driver/variant.h"
#include "sim/script/user_text.h"

namespace epollscope::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> paths;
  std::string profile;
  bool no_live = false;
  bool verbose = false;
  std::string save_kernel;  // write the kernel's answers here (driver/kernel_recording.h)
  std::string kernel_from;  // replay these answers instead of asking the kernel
};

int check(const CheckOptions& o) {
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;
  const sim::KernelProfile* asked = nullptr;
  if (!o.profile.empty() && !(asked = find_profile(o.profile))) return 2;
  using sim::script::printable;
  std::vector<driver::PathProblem> problems;
  std::vector<std::string> files = driver::collect_scenarios(o.paths, &problems);
  for (const auto& p : problems)
    err << "epollscope: " << printable(p.path) << ": " << printable(p.message) << '\n';
  err.flush();
  driver::RunOptions ro;
  std::string origin_note;  // said once here, not after every scenario
  if (!o.kernel_from.empty()) {
    auto k = recorded_kernel(o.kernel_from, asked);
    if (!k) return 2;
    ro.profile = k->profile;
    ro.kernel = k->factory;
    origin_note = "kernel: " + k->origin;
    out << origin_note << "; kernel profile " << ro.profile->name
        << (asked ? " (chosen by --profile)" : " (recorded with it)") << '\n';
  } else {
    ro.profile = choose_profile(asked, !o.no_live, out, o.verbose);
    ro.kernel = kernel_backend(!o.no_live);
  }
  // --save-kernel: every answer of the kernel noted, for each scenario and its ET<->LT twin (the
  // window's compare mode), and written at the end.
  std::shared_ptr<driver::KernelRecording> recording;
  if (!o.save_kernel.empty()) {
    if (is_stdout(o.save_kernel)) {
      err << "epollscope: --save-kernel needs a file name (standard output has the report)\n";
      return 2;
    }
    for (const auto& f : files)
      if (std::string why = overwrites_input(f, o.save_kernel); !why.empty()) {
        err << "epollscope: --save-kernel: " << printable(why) << '\n';
        return 2;
      }
    recording = std::make_shared<driver::KernelRecording>();
    recording->release = kernel_release();
    recording->profile = ro.profile->name;
    ro.kernel = [live = ro.kernel, recording] {
      return std::make_unique<driver::RecordingBackend>(live(), recording);
    };
  }

  int scenarios = 0, calls = 0, divergences = 0, failed = 0, broken = 0, approximate = 0;
  for (const auto& f : files) {
    auto loaded = driver::load_scenario(f);
    ++scenarios;
    if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
      out << "FAIL " << printable(f) << "\n" << e->format();
      ++broken;
      continue;
    }
    sim::script::Scenario scenario = std::get<sim::script::Scenario>(std::move(loaded));
    const uint64_t hash = driver::scenario_hash(scenario);
    std::optional<sim::script::Scenario> twin;
    if (recording) twin = driver::flip_trigger(scenario);
    driver::CheckReport rep = driver::check_scenario(std::move(scenario), ro);
    // The twin's answers too (its report is the window's to show, not check's).
    if (twin && driver::scenario_hash(*twin) != hash) driver::check_scenario(std::move(*twin), ro);
    calls += rep.calls;
    divergences += rep.divergences;
    approximate += rep.approximations;
    failed += rep.failed_expectations;
    if (!rep.error.empty()) ++broken;
    if (!rep.ok() || o.verbose) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f s", rep.seconds);
      out << (rep.ok() ? "ok   " : "FAIL ") << printable(f) << " (" << rep.calls << " calls, "
          << secs << ")\n";
    }
    if (!rep.note.empty() && rep.note != origin_note)
      out << "note " << printable(f) << ": " << printable(rep.note) << '\n';
    // Races (`=> A or B`): which listed outcome the kernel took; always when it took another one
    // than the model, for every race with --verbose.
    if (rep.other_paths > 0 || o.verbose)
      for (const auto& r : rep.races)
        if (o.verbose || r.other_path) out << "race " << printable(r.text) << '\n';
    for (const auto& m : rep.messages)
      out << printable(m, true) << '\n';
    for (const auto& m : rep.approximate_counts)
      out << printable(m, true) << '\n';
    if (!rep.error.empty()) out << printable(rep.error, true) << '\n';
    out.flush();
  }
  if (files.empty() && problems.empty()) err << "epollscope: no scenario files (*.scn) found\n";
  bool saved = true;
  if (recording && recording->runs.empty()) {
    err << "epollscope: --save-kernel: the real kernel answered none of these scenarios; "
        << printable(o.save_kernel) << " is not written\n";
    saved = false;
  } else if (recording) {
    // A recording of this kernel and profile already there keeps its other scenarios' runs, so
    // that a class's file can be made one scenario at a time.
    const std::size_t now = recording->runs.size();
    std::size_t kept = 0;
    auto before = driver::read_kernel_recording(o.save_kernel);
    if (auto* k = std::get_if<driver::KernelRecording>(&before);
        k && k->release == recording->release && k->profile == recording->profile)
      for (driver::RecordedRun& r : k->runs)
        if (!recording->find(r.hash)) {
          recording->runs.push_back(std::move(r));
          ++kept;
        }
    std::string why;
    saved = write_output(o.save_kernel, driver::format_kernel_recording(*recording), &why);
    if (saved) {
      out << "recorded the kernel's answers to " << now
          << " runs (each scenario the kernel ran, and its ET<->LT twin) in "
          << printable(o.save_kernel);
      if (kept > 0) out << " (and kept the " << kept << " runs of other scenarios it held)";
      out << "; replay them with --kernel-from " << printable(o.save_kernel) << '\n';
    } else {
      err << "epollscope: --save-kernel: " << printable(why) << '\n';
    }
  }
  out << "checked " << scenarios << " scenarios, " << calls << " calls: " << divergences
      << " divergences, " << failed << " failed expectations";
  if (broken > 0) out << ", " << broken << " could not run to the end";
  // Counts the model documents as approximate (README, "What the model covers"): not a failure.
  if (approximate > 0)
    out << ", " << approximate << " approximate count" << (approximate == 1 ? "" : "s")
        << " (documented; not divergences)";
  if (!problems.empty())
    out << ", " << problems.size() << (problems.size() == 1 ? " path" : " paths")
        << " could not be read";
  out << '\n';
  const bool all_good =
      divergences == 0 && failed == 0 && broken == 0 && problems.empty() && !files.empty() && saved;
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
  auto* no_live =
      cmd->add_flag("--no-live", o->no_live, "Check the expectations on the model alone");
  auto* from = cmd->add_option("--kernel-from", o->kernel_from, kKernelFromHelp)
                   ->type_name("FILE")
                   ->excludes(no_live);
  cmd->add_option(
         "--save-kernel", o->save_kernel,
         "Also write every answer of the real kernel (and its release) to this file, "
         "for each scenario and its ET<->LT twin (runs of other scenarios a recording "
         "of this kernel there already holds are kept), so that `gui`, `screenshot`, `run` "
         "and `check` replay them with --kernel-from: a picture that is the same every "
         "time, for a class or slides")
      ->type_name("FILE")
      ->excludes(no_live)
      ->excludes(from);
  cmd->add_flag("-v,--verbose", o->verbose, "A line for every scenario, passing or not");
  cmd->callback([&action, o] { action = [o] { return check(*o); }; });
}

}  // namespace epollscope::cli
