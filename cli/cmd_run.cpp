// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_run.cpp — `epollscope run FILE`: the terminal replay. Each statement, the kernel
// functions the model ran inside it, the state after it, and the real kernel's result beside the
// model's. Exit 0 when everything agreed and every expectation held, 1 otherwise, 2 when the file
// cannot be read or parsed or the real kernel cannot be asked. Scenario text (title, comments,
// narration, sources, expectations) is printed escaped for the terminal (printable()).
//
// Every line fits the width (cli/term.h: $COLUMNS, the terminal's, or 100 for a pipe): longer
// ones are word-wrapped with a hanging indent, after which colours (when on) are added.
// `--changed-only` prints, of the state after each call, only the objects whose lines changed
// since the previous call (and what was closed), and how many are unchanged.
#include <iostream>
#include <map>
#include <sstream>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/i18n.h"
#include "driver/scenario_files.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"

namespace epollscope::cli {
namespace {

using driver::tr;
using driver::trf;
using sim::cat;
using sim::script::printable;

// A backend's name ("model", "kernel") in the chosen language.
std::string backend_word(const std::string& name) {
  if (name == "model") return tr("model");
  if (name == "kernel") return tr("kernel");
  return name;
}

const char* mark(bool ok) {
  return ok ? "\u2713" : "\u2717";
}

// Writes lines fitted to a width and coloured by what they are.
class Printer {
 public:
  enum class Kind { kPlain, kResult, kFailure, kStep, kDim };
  Printer(std::ostream& out, std::size_t width, Palette palette)
      : out_(out), width_(width), p_(palette) {}

  // `text` after `indent` spaces; wrapped to the width, continuation lines `hang` spaces further.
  void line(const std::string& text, std::size_t indent = 0, Kind kind = Kind::kPlain,
            std::size_t hang = 4) {
    const std::string pad(indent, ' ');
    const std::size_t room = width_ > indent + 20 ? width_ - indent : 20;
    std::vector<std::string> lines =
        text.size() <= room ? std::vector<std::string>{text} : wrap_text(text, room, hang);
    if (lines.empty()) lines.push_back("");
    for (const std::string& l : lines)
      out_ << pad << colour(l, kind) << '\n';
  }
  // Lines already laid out for the width (steps, state).
  void raw(const std::string& text, std::size_t indent, Kind kind) {
    out_ << std::string(indent, ' ') << colour(text, kind) << '\n';
  }
  void blank() { out_ << '\n'; }
  std::size_t width() const { return width_; }
  const Palette& palette() const { return p_; }

 private:
  std::string colour(const std::string& l, Kind kind) const {
    switch (kind) {
      case Kind::kResult:
        return p_.marks(l);
      case Kind::kFailure:
        return p_.red(l);
      case Kind::kStep:
        return p_.step(l);
      case Kind::kDim:
        return p_.dim(l);
      case Kind::kPlain:
        break;
    }
    return l;
  }
  std::ostream& out_;
  std::size_t width_;
  Palette p_;
};

// A statement's source, as written; the spaces that align its `=>` with its neighbours' are
// closed up when the line would not fit otherwise.
std::string source_for(const std::string& source, std::size_t width) {
  if (source.size() <= width) return source;
  const std::size_t arrow = source.find("  =>");
  if (arrow == std::string::npos) return source;
  std::size_t b = arrow;
  while (b > 0 && source[b - 1] == ' ')
    --b;
  return source.substr(0, b) + "   " + source.substr(arrow + 2);
}

}  // namespace

int run_replay(std::ostream& out, const ReplayOptions& o) {
  std::ostream& err = std::cerr;
  auto loaded = driver::load_scenario(o.path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    err << e->format();
    return 2;
  }
  const std::size_t width = static_cast<std::size_t>(std::max(o.width, kMinColumns));
  Printer p(out, width, Palette{o.color});
  using Kind = Printer::Kind;
  driver::RunOptions ro;
  std::string line_text;
  std::ostringstream calibration;  // printed through the printer, to fit the width
  if (!o.kernel_from.empty()) {
    auto k = recorded_kernel(o.kernel_from, o.profile, o.path);
    if (!k) return 2;
    ro.profile = k->profile;
    ro.kernel = k->factory;
    calibration << "kernel profile " << ro.profile->name
                << (o.profile ? " (chosen by --profile)\n"
                              : " (recorded with the kernel's answers)\n");
  } else {
    ro.profile = choose_profile(o.profile, o.live, calibration, true);
    ro.kernel = kernel_backend(o.live);
  }
  for (std::istringstream in(calibration.str()); std::getline(in, line_text);) {
    const std::size_t lead = line_text.find_first_not_of(' ');
    p.line(lead == std::string::npos ? "" : line_text.substr(lead),
           lead == std::string::npos ? 0 : lead);
  }
  driver::ScenarioRun run(std::get<sim::script::Scenario>(std::move(loaded)), ro);
  const sim::script::Scenario& sc = run.scenario();

  p.blank();
  p.line(printable(driver::title(sc).empty() ? o.path : driver::title(sc)));
  for (const auto& h : sc.header)
    p.line(printable(h));
  if (!run.start()) {
    err << "epollscope: " << printable(run.error()) << '\n';
    return 2;
  }
  // Why the kernel is not asked, or which kernel answers ("kernel: recorded on Linux ...").
  if (!run.note().empty()) p.line(printable(run.note()));
  const std::vector<std::string> names = run.backend_names();
  // --changed-only: each object's lines as last printed, by key.
  std::map<std::string, sim::StateBlock> shown;
  int status = 0;
  while (!run.done()) {
    const driver::StatementRun& s = run.step();
    const driver::StatementResult& r = s.result;
    const auto& st = *r.statement;
    std::string rule = "-- " + trf("line {}", st.loc.line) + " ";
    rule.resize(std::min<std::size_t>(width, 100), '-');
    p.blank();
    p.raw(rule, 0, Kind::kDim);
    // Narration paragraphs (an empty `#` line) are joined by '\n': each is wrapped on its own.
    const std::string& narration = driver::narration(st);
    for (std::size_t b = 0; b < narration.size();) {
      std::size_t e = narration.find('\n', b);
      if (e == std::string::npos) e = narration.size();
      for (const auto& l : wrap_text(narration.substr(b, e - b), width - 2))
        p.raw("# " + printable(l), 0, Kind::kPlain);
      b = e + 1;
    }
    p.line(source_for(printable(st.source), width));
    if (!r.error.empty()) {
      p.line(tr("cannot run: ") + printable(r.error), 2, Kind::kFailure);
      status = run.kernel_failed() ? 2 : 1;
      break;
    }
    for (std::size_t b = 0; b < r.backends.size(); ++b) {
      const auto& br = r.backends[b];
      if (!br.ran) continue;
      std::string line = cat(backend_word(names[b]), b == 0 ? ":  " : ": ",
                             driver::describe_outcome(br.outcome, r.call));
      if (b == 0 && st.during && br.outcome.blocked)
        line = cat(names[b], ":  waits for ", printable(st.during->epoll.text),
                   "'s next ep_send_events (another CPU, after ", st.during->after_items,
                   st.during->after_items == 1 ? " item)" : " items)");
      if (st.expect.kind != sim::script::Expectation::Kind::kNone)
        line += cat("   ", mark(br.failed.empty()),
                    br.failed.empty() ? tr(" as expected")
                                      : trf(" expected {}", printable(st.expect.all_text())));
      // `=> A or B`: which listed outcome this backend took.
      if (st.expect.has_alternatives() && br.alternative >= 0)
        line += cat(" (alternative ", br.alternative + 1, " of ", st.expect.count(), ")");
      if (b > 0)
        line += cat("   ", mark(r.divergences.empty()),
                    !r.divergences.empty()     ? tr(" differs from the model")
                    : r.other_path             ? trf(" {} took the other listed path", names[b])
                    : r.approximations.empty() ? tr(" same as the model")
                                               : tr(" differs in a count the model approximates"));
      p.line(line, 2, Kind::kResult);
      for (const auto& c : br.completions)
        p.line(
            cat(names[b], ": thread ", printable(c.thread), "'s ", sim::script::call_name(c.call),
                " finished: ", driver::describe_outcome(c.outcome, c.call)),
            4, Kind::kResult);
    }
    for (const auto& d : r.divergences)
      p.line(tr("divergence: ") + printable(d), 2, Kind::kFailure);
    for (const auto& a : r.approximations)
      p.line("approximate count (documented): " + printable(a), 2);
    if (!r.divergences.empty()) status = 1;
    for (const auto& br : r.backends)
      if (!br.failed.empty()) status = 1;
    if (o.show_steps) {
      std::vector<std::string> steps =
          render_steps_in_language(run.recorder().steps(), s.first_step, s.end_step, width - 4);
      if (!steps.empty()) p.raw(tr("inside the model:"), 2, Kind::kPlain);
      for (const auto& l : steps)
        p.raw(l, 4, Kind::kStep);
    }
    if (o.show_state) {
      const std::vector<sim::StateBlock> blocks =
          sim::render_state_blocks(run.recorder().latest(), width - 4);
      if (!o.changed_only) {
        p.raw(tr("state:"), 2, Kind::kPlain);
        for (const auto& b : blocks)
          for (const auto& l : b.lines)
            p.raw(l, 4, Kind::kPlain);
        continue;
      }
      // Only what changed: new objects, objects whose lines differ, and objects gone.
      std::vector<std::string> lines;
      std::size_t unchanged = 0;
      std::map<std::string, sim::StateBlock> now;
      for (const auto& b : blocks) {
        auto was = shown.find(b.key);
        if (was != shown.end() && was->second.lines == b.lines)
          ++unchanged;
        else
          lines.insert(lines.end(), b.lines.begin(), b.lines.end());
        now[b.key] = b;
      }
      for (const auto& b : blocks)
        shown.erase(b.key);
      for (const auto& [key, old] : shown)
        lines.push_back(cat(key, ": ", old.gone));
      shown = std::move(now);
      if (lines.empty() && unchanged == 0) continue;
      p.raw(lines.empty() ? tr("state: unchanged") : tr("state (what changed):"), 2, Kind::kPlain);
      for (const auto& l : lines)
        p.raw(l, 4, Kind::kPlain);
      if (!lines.empty() && unchanged > 0)
        p.raw(cat("(", unchanged, unchanged == 1 ? " object" : " objects", " unchanged)"), 4,
              Kind::kDim);
    }
  }
  p.blank();
  const std::string summary = trf("{} calls: {} divergences, {} failed expectations", run.calls(),
                                  run.divergences(), run.failed_expectations());
  p.line(summary, 0,
         run.divergences() || run.failed_expectations() ? Kind::kFailure : Kind::kPlain);
  return status;
}

namespace {

struct RunCommand {
  std::string path;
  std::string profile;
  std::string color = "auto";
  bool no_live = false;
  std::string kernel_from;
  bool no_steps = false;
  bool no_state = false;
  bool changed_only = false;
};

int run_command(const RunCommand& c) {
  ReplayOptions o;
  if (!c.profile.empty() && !(o.profile = find_profile(c.profile))) return 2;
  ColorMode mode = ColorMode::kAuto;
  parse_color_mode(c.color, &mode);  // CLI11 allowed only the three words
  o.path = c.path;
  o.live = !c.no_live;
  o.kernel_from = c.kernel_from;
  o.show_steps = !c.no_steps;
  o.show_state = !c.no_state;
  o.changed_only = c.changed_only;
  o.width = terminal_width();
  o.color = use_color(mode);
  return run_replay(std::cout, o);
}

}  // namespace

void add_run(CLI::App& app, Action& action) {
  auto o = std::make_shared<RunCommand>();
  auto* cmd = app.add_subcommand(
      "run",
      "Replay a scenario in the terminal: each call, the kernel functions inside it, the state "
      "after it, and the real kernel's result beside the model's. Lines fit $COLUMNS, else the "
      "terminal's width, else 100 columns when the output is a pipe or a file.");
  cmd->add_option("FILE", o->path, "Scenario file (*.scn)")->required();
  cmd->add_option("--profile", o->profile,
                  "Kernel profile to model (default: calibrated on this kernel)");
  auto* no_live = cmd->add_flag("--no-live", o->no_live,
                                "The model alone: do not run the calls on the real kernel");
  cmd->add_option("--kernel-from", o->kernel_from, kKernelFromHelp)
      ->type_name("FILE")
      ->excludes(no_live);
  cmd->add_flag("--no-steps", o->no_steps, "Do not list the kernel functions inside each call");
  cmd->add_flag("--no-state", o->no_state, "Do not print the state after each call");
  cmd->add_flag("--changed-only", o->changed_only,
                "After each call print only the objects (epolls, files, sleeping threads) whose "
                "state changed, and how many did not");
  cmd->add_option("--color", o->color,
                  "auto (default): colour only when the output is a terminal and NO_COLOR is "
                  "not set; always; never. Red: divergences and failed expectations; amber: "
                  "errno results; green: \u2713; bold: kernel functions")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->callback([&action, o] { action = [o] { return run_command(*o); }; });
}

}  // namespace epollscope::cli
