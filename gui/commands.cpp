// gui/commands.cpp — run (terminal replay), check (model against kernel), export-c.
#include "gui/commands.h"

#include <sys/utsname.h>

#include <chrono>
#include <fstream>
#include <variant>

#include "live/calibrate.h"
#include "live/checker.h"
#include "live/live_backend.h"
#include "live/scenario_files.h"
#include "sim/script/export_c.h"
#include "sim/script/model_backend.h"
#include "sim/script/runner.h"
#include "sim/strings.h"
#include "sim/text_view.h"

namespace epollscope::app {
namespace {

using sim::cat;

std::string kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

// The profile to model: the one asked for, or the one the calibration probe finds here.
const sim::KernelProfile* choose_profile(const sim::KernelProfile* asked, bool live,
                                         std::ostream& out, bool verbose) {
  if (asked) {
    out << "kernel profile " << asked->name << " (chosen by --profile)\n";
    return asked;
  }
  if (!live) {
    out << "kernel profile " << sim::KernelProfile::default_profile().name
        << " (the default; --no-live skips calibration)\n";
    return &sim::KernelProfile::default_profile();
  }
  live::Calibration c = live::calibrate();
  out << "this kernel: Linux " << kernel_release() << "; calibration: profile " << c.profile->name
      << (c.exact ? "" : " (closest match)") << (c.error.empty() ? "" : " — " + c.error) << '\n';
  if (verbose)
    for (const auto& f : c.findings)
      out << "  " << f << '\n';
  return c.profile;
}

const char* mark(bool ok) {
  return ok ? "\u2713" : "\u2717";
}

}  // namespace

int run_command(const std::string& path, const RunOptions& options, std::ostream& out,
                std::ostream& err) {
  auto loaded = live::load_scenario(path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    err << e->format();
    return 2;
  }
  const sim::script::Scenario& sc = std::get<sim::script::Scenario>(loaded);
  const sim::KernelProfile* profile = choose_profile(options.profile, options.live, out, true);
  const std::size_t width = static_cast<std::size_t>(options.width < 80 ? 80 : options.width);

  out << "\n" << (sc.title.empty() ? path : sc.title) << "\n";
  for (const auto& h : sc.header)
    out << h << '\n';

  bool live = options.live;
  if (!sc.profile.empty() && sc.profile != profile->name) {
    out << "this scenario is about Linux " << sc.profile
        << (live ? "; it runs on the model alone" : "") << '\n';
    profile = sim::KernelProfile::by_name(sc.profile);
    live = false;
  }
  sim::script::ModelBackend model(*profile, true);
  live::LiveBackend kernel;
  std::vector<sim::script::Backend*> backends{&model};
  if (live) backends.push_back(&kernel);
  sim::script::Runner runner(sc, backends);
  std::string error;
  if (!runner.start(&error)) {
    err << "epollscope: " << error << '\n';
    return 2;
  }
  int status = 0;
  try {
    while (!runner.done()) {
      const std::size_t from = model.recorder()->size();
      const sim::script::StatementResult& r = runner.step();
      const auto& st = *r.statement;
      std::string rule = cat("-- line ", st.loc.line, " ");
      rule.resize(std::min<std::size_t>(width, 100), '-');
      out << '\n' << rule << '\n';
      if (!st.narration.empty())
        for (const auto& l : sim::wrap(st.narration, width - 2))
          out << "# " << l << '\n';
      out << (st.thread == "main" || st.kind == sim::script::Statement::Kind::kThreadResult ? ""
                                                                                            : "")
          << st.source << '\n';
      if (!r.error.empty()) {
        out << "  cannot run: " << r.error << '\n';
        status = 1;
        break;
      }
      const std::string call =
          st.kind == sim::script::Statement::Kind::kThreadResult ? "epoll_wait" : st.call;
      for (std::size_t b = 0; b < r.backends.size(); ++b) {
        const auto& br = r.backends[b];
        if (!br.ran) continue;
        std::string line = cat("  ", backends[b]->name(), b == 0 ? ":  " : ": ",
                               sim::script::describe_outcome(br.outcome, call));
        if (st.expect.kind != sim::script::Expectation::Kind::kNone)
          line += cat("   ", mark(br.failed.empty()),
                      br.failed.empty() ? " as expected" : " expected " + st.expect.text);
        if (b > 0)
          line += cat("   ", mark(r.divergences.empty()),
                      r.divergences.empty() ? " same as the model" : " differs from the model");
        out << line << '\n';
        for (const auto& c : br.completions)
          out << "    " << backends[b]->name() << ": thread " << c.thread
              << " finished: " << sim::script::describe_outcome(c.outcome, "epoll_wait") << '\n';
      }
      for (const auto& d : r.divergences)
        out << "  divergence: " << d << '\n';
      if (!r.divergences.empty()) status = 1;
      for (const auto& br : r.backends)
        if (!br.failed.empty()) status = 1;
      if (options.show_steps) {
        std::vector<std::string> steps =
            sim::render_steps(model.recorder()->steps(), from, model.recorder()->size(), width - 4);
        if (!steps.empty()) out << "  inside the model:\n";
        for (const auto& l : steps)
          out << "    " << l << '\n';
      }
      if (options.show_state) {
        out << "  state:\n";
        for (const auto& l : sim::render_state(model.recorder()->latest()))
          out << "    " << l << '\n';
      }
    }
  } catch (const live::LiveBackendError& e) {
    err << "epollscope: the real kernel could not be asked: " << e.what() << '\n';
    status = 2;
  }
  runner.stop();
  out << "\n"
      << runner.calls() << " calls: " << runner.divergences() << " divergences, "
      << runner.failed_expectations() << " failed expectations\n";
  return status;
}

int check_command(const std::vector<std::string>& paths, const CheckCommandOptions& options,
                  std::ostream& out, std::ostream& err) {
  std::vector<std::string> missing;
  std::vector<std::string> files = live::collect_scenarios(paths, &missing);
  for (const auto& m : missing)
    err << "epollscope: " << m << ": no such file or folder\n";
  const sim::KernelProfile* profile =
      choose_profile(options.profile, options.live, out, options.verbose);
  live::CheckOptions co;
  co.profile = profile;
  co.live = options.live;

  int scenarios = 0, calls = 0, divergences = 0, failed = 0, broken = 0;
  for (const auto& f : files) {
    auto loaded = live::load_scenario(f);
    ++scenarios;
    if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
      out << "FAIL " << f << "\n" << e->format();
      ++broken;
      continue;
    }
    live::ScenarioReport rep = live::check_scenario(std::get<sim::script::Scenario>(loaded), co);
    calls += rep.calls;
    divergences += rep.divergences;
    failed += rep.failed_expectations;
    if (!rep.error.empty()) ++broken;
    if (!rep.ok() || options.verbose) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f s", rep.seconds);
      out << (rep.ok() ? "ok   " : "FAIL ") << f << " (" << rep.calls << " calls, " << secs
          << ")\n";
    }
    if (!rep.note.empty()) out << "note " << f << ": " << rep.note << '\n';
    for (const auto& m : rep.messages)
      out << m << '\n';
    if (!rep.error.empty()) out << rep.error << '\n';
  }
  if (files.empty() && missing.empty()) err << "epollscope: no scenario files (*.scn) found\n";
  out << "checked " << scenarios << " scenarios, " << calls << " calls: " << divergences
      << " divergences, " << failed << " failed expectations\n";
  return (divergences == 0 && failed == 0 && broken == 0 && missing.empty() && !files.empty()) ? 0
                                                                                               : 1;
}

int export_c_command(const std::string& path, const std::string& out_path, std::ostream& out,
                     std::ostream& err) {
  auto loaded = live::load_scenario(path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    err << e->format();
    return 2;
  }
  std::string program = sim::script::export_c(std::get<sim::script::Scenario>(loaded));
  if (out_path.empty() || out_path == "-") {
    out << program;
    return 0;
  }
  std::ofstream file(out_path);
  if (!file || !(file << program)) {
    err << "epollscope: cannot write " << out_path << '\n';
    return 2;
  }
  err << "wrote " << out_path << " (compile with: cc -O1 -pthread -o scenario " << out_path
      << ")\n";
  return 0;
}

}  // namespace epollscope::app
