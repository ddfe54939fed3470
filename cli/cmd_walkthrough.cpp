// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_walkthrough.cpp — `epollscope walkthrough`: the seed's example in the terminal, as a
// replay of the library's pipe scenario (scenarios/01-pipe-2k-1k-et.scn) beside its
// level-triggered twin. Both run through the one scenario driver, on the model and — when it can
// be asked — on this machine's kernel; after each statement the terminal shows both results, the
// kernel functions that ran inside the model, and the state of both models side by side.
#include <iostream>
#include <set>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/i18n.h"
#include "driver/scenario_files.h"
#include "driver/variant.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"

namespace epollscope::cli {
namespace {

using driver::tr;
using driver::trf;

using sim::cat;
using sim::script::printable;

void print_lines(std::ostream& out, const std::vector<std::string>& lines,
                 const std::string& prefix = "") {
  for (const auto& l : lines)
    out << prefix << l << '\n';
}

// Rows of two cells, ET on the left and LT on the right, each cell wrapped to `column` (its
// continuation under its text) and both cells of a row given the same number of lines, so that
// the rows stay side by side and nothing is cut.
std::vector<std::string> paired(const std::vector<std::pair<std::string, std::string>>& rows,
                                std::size_t column) {
  std::vector<std::string> left, right;
  for (const auto& [l, r] : rows) {
    std::vector<std::string> wl = sim::wrap_line(l, column), wr = sim::wrap_line(r, column);
    const std::size_t n = std::max(wl.size(), wr.size());
    wl.resize(n);
    wr.resize(n);
    left.insert(left.end(), wl.begin(), wl.end());
    right.insert(right.end(), wr.begin(), wr.end());
  }
  return sim::side_by_side(left, right, column);
}

void rule(std::ostream& out, const std::string& title, std::size_t width) {
  std::string line = "== " + title + " ";
  if (line.size() < width) line.append(width - line.size(), '=');
  out << '\n' << line << '\n';
}

// The steps inside one statement, without the syscall's own entry and return lines (the call and
// its result are printed above them), one level less indented.
std::vector<std::string> inside(const driver::ScenarioRun& run, const driver::StatementRun& s,
                                std::size_t width) {
  std::vector<sim::TraceStep> steps;
  for (std::size_t i = s.first_step; i < s.end_step; ++i)
    if (run.recorder().steps()[i].kind != sim::StepKind::kSyscall)
      steps.push_back(run.recorder().steps()[i]);
  for (auto& step : steps) {
    step.depth = step.depth > 0 ? step.depth - 1 : 0;
    step.text = driver::translate_step(step.text);
  }
  return sim::render_steps(steps, 0, steps.size(), width);
}

// "model: 1 [4: EPOLLIN]   kernel ✓" — the model's answer and whether the kernel gave the same.
std::string answer(const driver::ScenarioRun& run, const driver::StatementRun& s) {
  const driver::StatementResult& r = s.result;
  if (!r.error.empty()) return tr("cannot run: ") + r.error;
  std::string text = driver::describe_outcome(r.backends[0].outcome, r.call);
  if (run.kernel_asked())
    text += r.divergences.empty() ? tr("   kernel \u2713 same") : tr("   kernel \u2717 differs");
  return text;
}

}  // namespace

int run_walkthrough(std::ostream& out, const WalkthroughOptions& o) {
  const std::string path = o.scenario.empty() ? pipe_example() : o.scenario;
  if (path.empty()) return 2;
  auto loaded = driver::load_scenario(path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    std::cerr << e->format();
    return 2;
  }
  sim::script::Scenario et_scenario = std::get<sim::script::Scenario>(std::move(loaded));
  sim::script::Scenario lt_scenario = driver::flip_trigger(et_scenario);
  driver::RunOptions ro;
  ro.profile = o.profile;
  ro.kernel = kernel_backend(o.live);
  ro.fall_back_to_model = true;
  driver::ScenarioRun et(std::move(et_scenario), ro), lt(std::move(lt_scenario), ro);
  et.run_all();
  lt.run_all();

  const std::size_t width = static_cast<std::size_t>(std::max(o.width, kMinColumns));
  const std::size_t column = (width - 3) / 2;
  const Palette palette{o.color};
  print_lines(out, wrap_text(tr("epollscope: the pipe 2 KB / 1 KB example, edge-triggered (ET) "
                                "beside level-triggered (LT)"),
                             width));
  print_lines(out, wrap_text(trf("Model of Linux {}: {}", et.profile().name,
                                 std::string(et.profile().description)),
                             width));
  print_lines(
      out,
      wrap_text(cat(trf("A replay of {} (left) beside its twin with EPOLLET taken out of the "
                        "epoll_ctl (right). ",
                        printable(path)),
                    tr("Below each statement: what it returned, then the kernel functions it ran "
                       "inside the model (fs/eventpoll.c, fs/pipe.c), then the state of both "
                       "models."),
                    et.kernel_asked() ? tr(" Every call also ran on this machine's kernel: \u2713 "
                                           "where it gave the model's answer.")
                                      : ""),
                width));
  if (!et.note().empty()) print_lines(out, wrap_text(tr("Note: ") + et.note(), width));

  const auto& es = et.statements();
  const auto& ls = lt.statements();
  std::vector<std::size_t> differ;  // statements where ET and LT answered differently
  for (std::size_t i = 0; i < es.size() && i < ls.size(); ++i) {
    const driver::StatementResult& er = es[i].result;
    const driver::StatementResult& lr = ls[i].result;
    rule(out, trf("Line {}", er.statement->loc.line), width);
    if (!driver::narration(*er.statement).empty())
      print_lines(out, wrap_text(printable(driver::narration(*er.statement)), width));
    out << '\n';
    for (const std::string& row : paired(
             {{"ET  " + printable(er.statement->source), "LT  " + printable(lr.statement->source)},
              {"    " + answer(et, es[i]), "    " + answer(lt, ls[i])}},
             column))
      out << palette.marks(row) << '\n';
    if (er.error.empty() && lr.error.empty() && !(er.backends[0].outcome == lr.backends[0].outcome))
      differ.push_back(i);
    if (o.show_steps) {
      const std::vector<std::string> et_steps = inside(et, es[i], width - 4);
      const std::vector<std::string> lt_steps = inside(lt, ls[i], width - 4);
      const std::multiset<std::string> et_set(et_steps.begin(), et_steps.end());
      std::vector<std::string> lt_only;
      for (const auto& l : lt_steps)
        if (!et_set.count(l)) lt_only.push_back(l);
      out << "\n  " << tr("Inside the kernel, edge-triggered:") << '\n';
      for (const auto& l : et_steps)
        out << "    " << palette.step(l) << '\n';
      if (lt_only.empty()) {
        out << "  " << tr("Level-triggered ran exactly the same steps.") << '\n';
      } else {
        out << "  " << tr("Level-triggered ran the same, except for these steps:") << '\n';
        for (const auto& l : lt_only)
          out << "    " << palette.step(l) << '\n';
      }
    }
    if (o.show_state) {
      out << "\n  " << tr("State after the statement:") << '\n';
      print_lines(
          out,
          sim::side_by_side(sim::render_state(et.snapshot_after(es[i].end_step), column - 2),
                            sim::render_state(lt.snapshot_after(ls[i].end_step), column - 2),
                            column - 2, tr("edge-triggered"), tr("level-triggered")),
          "  ");
    }
  }

  // The lesson, from the answers: where LT reported the pipe again and ET reported nothing.
  rule(out, tr("Summary"), width);
  const driver::StatementResult* lesson = nullptr;
  for (std::size_t i : differ) {
    const driver::Outcome& e = es[i].result.backends[0].outcome;
    const driver::Outcome& l = ls[i].result.backends[0].outcome;
    if (es[i].result.call == driver::CallId::kEpollWait && e.ret == 0 && l.ret > 0) {
      lesson = &es[i].result;
      break;
    }
  }
  const bool ok = et.ok() && lt.ok() && lesson;
  std::string summary;
  if (ok) {
    summary = cat(trf("After the partial read, level-triggered reported the pipe again and "
                      "edge-triggered did not (line {}), although 1 KB was waiting. ",
                      lesson->statement->loc.line),
                  et.kernel_asked() ? tr("This machine's kernel gave the same answers, call by "
                                         "call. ")
                                    : tr("This is what Linux does. "),
                  tr("`epollscope run scenarios/01-pipe-2k-1k-et-blocks.scn` shows a thread "
                     "that sleeps in epoll_wait although data waits; `epollscope --help` lists "
                     "the rest."));
  } else {
    summary = cat("The replay did not show the example's lesson (",
                  !et.error().empty() ? et.error()
                  : !lt.error().empty()
                      ? lt.error()
                      : cat(et.divergences() + lt.divergences(), " divergences from the kernel, ",
                            et.failed_expectations(), " failed expectations"),
                  "): this is a bug.");
  }
  print_lines(out, wrap_text(summary, width));
  return ok ? 0 : 1;
}

int terminal_main_job(const std::string& why) {
  std::cerr << "epollscope: " << why
            << " (`epollscope run FILE` replays any scenario in the terminal)\n";
  WalkthroughOptions w;
  w.width = terminal_width();
  w.color = use_color(ColorMode::kAuto);
  return run_walkthrough(std::cout, w);
}

void add_walkthrough(CLI::App& app, Action& action) {
  struct Options {
    std::string profile = sim::KernelProfile::default_profile().name;
    bool no_live = false, no_steps = false, no_state = false;
    std::string color = "auto";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "walkthrough", "Terminal walk-through of the pipe 2 KB / 1 KB example, ET beside LT");
  cmd->add_option("--profile", o->profile, "Kernel profile to model (see `epollscope profiles`)");
  cmd->add_flag("--no-live", o->no_live,
                "The model alone: do not run the calls on the real kernel");
  cmd->add_flag("--no-steps", o->no_steps, "Do not list the kernel functions inside each call");
  cmd->add_flag("--no-state", o->no_state, "Do not print the state after each call");
  cmd->add_option("--color", o->color,
                  "auto (default): colour only when the output is a terminal and NO_COLOR is "
                  "not set; always; never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->callback([&action, o] {
    action = [o] {
      WalkthroughOptions w;
      w.profile = find_profile(o->profile);
      if (!w.profile) return 2;
      w.live = !o->no_live;
      w.show_steps = !o->no_steps;
      w.show_state = !o->no_state;
      w.width = terminal_width();
      ColorMode mode = ColorMode::kAuto;
      parse_color_mode(o->color, &mode);
      w.color = use_color(mode);
      return run_walkthrough(std::cout, w);
    };
  });
}

}  // namespace epollscope::cli
