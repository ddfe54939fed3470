// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_run.cpp — `epollscope run FILE`: the terminal replay. Each statement, the kernel
// functions the model ran inside it, the state after it, and the real kernel's result beside the
// model's. Exit 0 when everything agreed and every expectation held, 1 otherwise, 2 when the file
// cannot be read or parsed or the real kernel cannot be asked. Scenario text (title, comments,
// narration, sources, expectations) is printed escaped for the terminal (printable()).
#include <iostream>
#include <variant>

#include "cli/cli.h"
#include "driver/scenario_files.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"

namespace epollscope::cli {
namespace {

using sim::cat;
using sim::script::printable;

struct RunOptions {
  std::string path;
  std::string profile;
  bool no_live = false;
  bool no_steps = false;
  bool no_state = false;
};

const char* mark(bool ok) {
  return ok ? "\u2713" : "\u2717";
}

int run(const RunOptions& o) {
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;
  const sim::KernelProfile* asked = nullptr;
  if (!o.profile.empty() && !(asked = find_profile(o.profile))) return 2;
  auto loaded = driver::load_scenario(o.path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    err << e->format();
    return 2;
  }
  const std::size_t width = static_cast<std::size_t>(terminal_width());
  driver::RunOptions ro;
  ro.profile = choose_profile(asked, !o.no_live, out, true);
  ro.kernel = kernel_backend(!o.no_live);
  driver::ScenarioRun run(std::get<sim::script::Scenario>(std::move(loaded)), ro);
  const sim::script::Scenario& sc = run.scenario();

  out << "\n" << printable(sc.title.empty() ? o.path : sc.title) << "\n";
  for (const auto& h : sc.header)
    out << printable(h) << '\n';
  if (!run.note().empty()) out << printable(run.note()) << '\n';
  if (!run.start()) {
    err << "epollscope: " << printable(run.error()) << '\n';
    return 2;
  }
  const std::vector<std::string> names = run.backend_names();
  int status = 0;
  while (!run.done()) {
    const driver::StatementRun& s = run.step();
    const driver::StatementResult& r = s.result;
    const auto& st = *r.statement;
    std::string rule = cat("-- line ", st.loc.line, " ");
    rule.resize(std::min<std::size_t>(width, 100), '-');
    out << '\n' << rule << '\n';
    // Narration paragraphs (an empty `#` line) are joined by '\n': each is wrapped on its own.
    for (std::size_t b = 0; b < st.narration.size();) {
      std::size_t e = st.narration.find('\n', b);
      if (e == std::string::npos) e = st.narration.size();
      for (const auto& l : sim::wrap(st.narration.substr(b, e - b), width - 2))
        out << "# " << printable(l) << '\n';
      b = e + 1;
    }
    out << printable(st.source) << '\n';
    if (!r.error.empty()) {
      out << "  cannot run: " << printable(r.error) << '\n';
      status = run.kernel_failed() ? 2 : 1;
      break;
    }
    for (std::size_t b = 0; b < r.backends.size(); ++b) {
      const auto& br = r.backends[b];
      if (!br.ran) continue;
      std::string line =
          cat("  ", names[b], b == 0 ? ":  " : ": ", driver::describe_outcome(br.outcome, r.call));
      if (st.expect.kind != sim::script::Expectation::Kind::kNone)
        line += cat(
            "   ", mark(br.failed.empty()),
            br.failed.empty() ? " as expected" : " expected " + printable(st.expect.all_text()));
      // `=> A or B`: which listed outcome this backend took.
      if (st.expect.has_alternatives() && br.alternative >= 0)
        line += cat(" (alternative ", br.alternative + 1, " of ", st.expect.count(), ")");
      if (b > 0)
        line += cat("   ", mark(r.divergences.empty()),
                    !r.divergences.empty()     ? " differs from the model"
                    : r.other_path             ? cat(" ", names[b], " took the other listed path")
                    : r.approximations.empty() ? " same as the model"
                                               : " differs in a count the model approximates");
      out << line << '\n';
      for (const auto& c : br.completions)
        out << "    " << names[b] << ": thread " << printable(c.thread) << "'s "
            << sim::script::call_name(c.call)
            << " finished: " << driver::describe_outcome(c.outcome, c.call) << '\n';
    }
    for (const auto& d : r.divergences)
      out << "  divergence: " << printable(d) << '\n';
    for (const auto& a : r.approximations)
      out << "  approximate count (documented): " << printable(a) << '\n';
    if (!r.divergences.empty()) status = 1;
    for (const auto& br : r.backends)
      if (!br.failed.empty()) status = 1;
    if (!o.no_steps) {
      std::vector<std::string> steps =
          sim::render_steps(run.recorder().steps(), s.first_step, s.end_step, width - 4);
      if (!steps.empty()) out << "  inside the model:\n";
      for (const auto& l : steps)
        out << "    " << l << '\n';
    }
    if (!o.no_state) {
      out << "  state:\n";
      for (const auto& l : sim::render_state(run.recorder().latest()))
        out << "    " << l << '\n';
    }
  }
  out << "\n"
      << run.calls() << " calls: " << run.divergences() << " divergences, "
      << run.failed_expectations() << " failed expectations\n";
  return status;
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run",
                                 "Replay a scenario in the terminal: each call, the kernel "
                                 "functions inside it, the state after it, "
                                 "and the real kernel's result beside the model's");
  cmd->add_option("FILE", o->path, "Scenario file (*.scn)")->required();
  cmd->add_option("--profile", o->profile,
                  "Kernel profile to model (default: calibrated on this kernel)");
  cmd->add_flag("--no-live", o->no_live,
                "The model alone: do not run the calls on the real kernel");
  cmd->add_flag("--no-steps", o->no_steps, "Do not list the kernel functions inside each call");
  cmd->add_flag("--no-state", o->no_state, "Do not print the state after each call");
  cmd->callback([&action, o] { action = [o] { return run(*o); }; });
}

}  // namespace epollscope::cli
