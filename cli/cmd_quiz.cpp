// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_quiz.cpp — `epollscope quiz FILE`: predict, then reveal, in the terminal. The scenario
// runs statement by statement (the model beside this machine's kernel, as `run`); at each question
// point the learner types what the call will return, in the notation of the language's
// expectations (`[rfd: EPOLLIN, wfd: EPOLLOUT]`, `[]`, `-1 EAGAIN`, `blocks`, `1024`), before the
// answer is shown. Then the kernel's answer is revealed beside the prediction, with why: the
// scenario's narration and the kernel functions the call ran (ep_send_events, ep_poll_callback
// ...). Question points are the statements written `?=>` in the scenario, or, when it has none,
// every epoll_wait. The end of input ends the quiz; the last line is exactly `score: K of N`.
// Answers come from the real kernel when it can be asked, from the model otherwise (said so).
#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/i18n.h"
#include "driver/quiz.h"
#include "driver/scenario_files.h"
#include "sim/script/parser.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"
#include "sim/trace.h"
#include "sim/uapi.h"

namespace epollscope::cli {
namespace {

using driver::in_notation;
using driver::question_text;
using driver::tr;
using driver::trf;
using sim::cat;
using sim::script::CallId;
using sim::script::Expectation;
using sim::script::printable;
using sim::script::Statement;

// Reading answers from any input, bounded: a line is kept up to kMaxAnswerBytes (parse_answer's
// limit) and the rest of it is read and dropped, so a stream without newlines (/dev/zero) costs no
// memory and a MiB without one counts as an unreadable answer; kMaxTries unreadable answers in a
// row end the quiz (`yes | epollscope quiz` would otherwise be asked forever).
constexpr std::size_t kMaxAnswerBytes = 4096;
constexpr int kMaxTries = 20;
enum class LineRead { kLine, kTooLong, kEnd };

LineRead read_answer(std::istream& in, std::string* line) {
  line->clear();
  bool any = false, too_long = false;
  std::size_t read = 0;
  for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
    any = true;
    // A "line" of a MiB is no answer: the next try reads on (kMaxTries of them end the quiz).
    if (++read > (std::size_t{1} << 20)) return LineRead::kTooLong;
    if (c == '\n') return too_long ? LineRead::kTooLong : LineRead::kLine;
    if (line->size() < kMaxAnswerBytes)
      line->push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  if (!any) return LineRead::kEnd;
  return too_long ? LineRead::kTooLong : LineRead::kLine;  // a last line without its newline
}

// How answers are written, in the chosen language, with examples in the notation of the calls
// asked about: epoll_wait's events, poll's revents, select's result sets
// (docs/scenario-language.md).
std::string notation(const std::set<CallId>& calls) {
  const bool poll = calls.count(CallId::kPoll) > 0, select = calls.count(CallId::kSelect) > 0;
  const bool epoll =
      std::any_of(calls.begin(), calls.end(),
                  [](CallId c) {
                    return driver::returns_events(c) && c != CallId::kPoll && c != CallId::kSelect;
                  }) ||
      (!poll && !select);
  std::string out = tr("Type what the call returns, as a scenario's expectation:");
  if (epoll)
    out +=
        tr(" for epoll_wait, the events in order, e.g. [rfd: EPOLLIN] or "
           "[rfd: EPOLLIN, wfd: EPOLLOUT] or [] for none;");
  if (poll)
    out +=
        tr(" for poll, the entries whose revents is not 0, in array order, e.g. "
           "[rfd: POLLIN] or [rfd: POLLIN, wfd: POLLOUT] or [] for none;");
  if (select)
    out +=
        tr(" for select, the fds in its result sets, in fd order, each with its sets, e.g. "
           "[rfd: readfds] or [rfd: readfds, s: readfds|writefds] or [] for none;");
  return out + tr(" a count or value, e.g. 1024; an error, e.g. -1 EAGAIN; or blocks. An empty "
                  "line shows this again; the end of input (Ctrl-D) ends the quiz.");
}

struct QuizCommand {
  std::string path;
  std::string profile;
  std::string color = "auto";
  bool no_live = false;
};

void print_wrapped(std::ostream& out, const std::string& text, std::size_t width,
                   const std::string& lead = "") {
  for (std::size_t b = 0; b < text.size();) {
    std::size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    for (const auto& l : wrap_text(text.substr(b, e - b), width - lead.size()))
      out << lead << l << '\n';
    b = e + 1;
  }
}

}  // namespace

std::size_t question_points(const sim::script::Scenario& sc) {
  return driver::question_points(sc).size();
}

int run_quiz(std::istream& in, std::ostream& out, const QuizOptions& o, QuizScore* score) {
  auto loaded = driver::load_scenario(o.path);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    std::cerr << e->format();
    return 2;
  }
  const std::size_t width = static_cast<std::size_t>(std::max(o.width, kMinColumns));
  const Palette p{o.color};
  driver::RunOptions ro;
  std::ostringstream calibration;  // not shown: the quiz is about the scenario
  ro.profile = choose_profile(o.profile, o.live, calibration, false);
  ro.kernel = kernel_backend(o.live);
  ro.fall_back_to_model = true;
  driver::ScenarioRun run(std::get<sim::script::Scenario>(std::move(loaded)), ro);
  const sim::script::Scenario& sc = run.scenario();

  const bool marked = driver::marks_questions(sc);
  const std::vector<driver::QuestionPoint> points = driver::question_points(sc);
  const std::size_t questions = points.size();

  out << printable(driver::title(sc).empty() ? o.path : driver::title(sc)) << '\n';
  if (!run.start()) {
    std::cerr << "epollscope: " << printable(run.error()) << '\n';
    return 2;
  }
  if (questions == 0) {
    std::cerr << "epollscope: " << printable(o.path)
              << " has no question: mark statements with ?=> instead of =>, or use a scenario "
                 "that calls epoll_wait\n";
    return 2;
  }
  const bool kernel = run.kernel_asked();
  const std::size_t answerer = kernel ? 1 : 0;
  if (kernel)
    out << tr("Answers come from this machine's kernel; the model runs beside it.") << '\n';
  else
    out << tr("Answers come from the model")
        << (run.note().empty() ? std::string(" (--no-live)") : ": " + printable(run.note()))
        << ".\n";
  out << (questions == 1 ? trf("{} question", questions) : trf("{} questions", questions))
      << (marked ? tr(" (the lines marked ?=>)")
                 : tr(" (every epoll_wait, poll and select, their p- variants included)"))
      << ".\n";
  std::set<CallId> asked_calls;
  for (const driver::QuestionPoint& q : points)
    asked_calls.insert(q.call);
  if (o.notation) print_wrapped(out, notation(asked_calls), width);

  std::size_t asked = 0, right = 0;
  bool input_ended = false;
  bool gave_up = false;  // kMaxTries unreadable answers in a row
  std::size_t next_point = 0;
  while (!run.done()) {
    const std::size_t index = run.statements().size();
    const Statement& st = sc.statements[index];
    const bool question = next_point < points.size() && points[next_point].statement == index;
    const CallId call = question ? points[next_point++].call : st.call;

    out << '\n';
    Expectation answer;
    if (question) {
      if (!st.narration.empty())
        out << p.dim(tr("(the narration of this line comes after)")) << '\n';
      out << trf("line {}", st.loc.line) << ": " << printable(question_text(sc, st)) << '\n';
      bool have = false;
      for (int tries = 0; !have; ++tries) {
        if (tries == kMaxTries) {
          out << "  " << kMaxTries
              << " answers in a row could not be read: the quiz ends here (is the input a "
                 "file of answers, one per line?)\n";
          gave_up = true;
          break;
        }
        out << tr("your answer? ") << std::flush;
        std::string line;
        const LineRead got = read_answer(in, &line);
        if (got == LineRead::kEnd) {
          input_ended = true;
          break;
        }
        if (got == LineRead::kTooLong) {
          out << "  an answer is one short line (this one has more than " << kMaxAnswerBytes
              << " bytes); try again\n";
          continue;
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
          print_wrapped(out, notation({call}), width);
          continue;
        }
        std::set<std::string> names;
        for (const auto& [name, fd] : run.names(0))
          names.insert(name);
        auto parsed = sim::script::parse_answer(line, call, names);
        if (auto* e = std::get_if<sim::script::ParseError>(&parsed)) {
          out << "  " << printable(e->message) << " (column " << e->col << "); try again\n";
          continue;
        }
        answer = std::get<Expectation>(std::move(parsed));
        have = true;
      }
      if (input_ended || gave_up) break;
    } else {
      print_wrapped(out, driver::narration(st), width, "# ");
    }

    const driver::StatementRun& s = run.step();
    const driver::StatementResult& r = s.result;
    if (!r.error.empty()) {
      if (!question) out << printable(st.source) << '\n';
      out << p.red(tr("cannot run: ") + printable(r.error)) << '\n';
      if (score) *score = QuizScore{right, asked, questions, false};
      out << "score: " << right << " of " << asked << '\n';
      return run.kernel_failed() ? 2 : 1;
    }
    if (!question) {
      const std::size_t b = answerer < r.backends.size() && r.backends[answerer].ran ? answerer : 0;
      const std::string shown = in_notation(r.backends[b].outcome, r.call, run.names(b));
      out << printable(question_text(sc, st)) << "   = " << printable(shown) << '\n';
      continue;
    }
    ++asked;
    // The same verdict and explanation as the window's Predict mode (driver/quiz.h).
    const driver::Reveal rv = driver::reveal(run, index, answer);
    right += rv.right ? 1 : 0;
    const std::string verdict = printable(rv.verdict(answer.text));
    const std::size_t mark = verdict.find(':');
    out << (rv.right ? p.green(verdict.substr(0, mark)) : p.red(verdict.substr(0, mark)))
        << verdict.substr(mark) << '\n';
    if (!rv.model_answer.empty())
      out << p.red("  " + trf("(the model returned {}: it differs from the kernel here)",
                              printable(rv.model_answer)))
          << '\n';
    if (!rv.explanation().empty()) print_wrapped(out, rv.explanation(), width, "  ");
    if (!st.narration.empty()) print_wrapped(out, driver::narration(st), width, "# ");
    const std::vector<std::string> steps =
        render_steps_in_language(run.recorder().steps(), s.first_step, s.end_step, width - 4);
    if (!steps.empty())
      out << "  " << tr("why, inside the kernel (the model's steps of this call):") << '\n';
    for (const auto& l : steps)
      out << "    " << p.step(l) << '\n';
  }
  if (score) *score = QuizScore{right, asked, questions, input_ended};
  out << '\n';
  if (input_ended)
    out << trf("The input ended: {} of {} questions were not asked.", questions - asked, questions)
        << '\n';
  out << "score: " << right << " of " << asked << '\n';
  return gave_up ? 1 : 0;
}

namespace {

int quiz_command(const QuizCommand& c) {
  QuizOptions o;
  if (!c.profile.empty() && !(o.profile = find_profile(c.profile))) return 2;
  ColorMode mode = ColorMode::kAuto;
  parse_color_mode(c.color, &mode);
  o.path = c.path;
  o.live = !c.no_live;
  o.width = terminal_width();
  o.color = use_color(mode);
  return run_quiz(std::cin, std::cout, o);
}

}  // namespace

void add_quiz(CLI::App& app, Action& action) {
  auto o = std::make_shared<QuizCommand>();
  auto* cmd = app.add_subcommand(
      "quiz",
      "Predict, then see: the scenario runs call by call, and at each question point you type "
      "what the call will return before the kernel's answer is shown, with why (the narration "
      "and the kernel functions of the call). Question points: the lines written ?=> instead of "
      "=>, or every epoll_wait, poll and select (epoll_pwait, epoll_pwait2, ppoll and pselect6 "
      "too). Answers are typed as expectations: "
      "[rfd: EPOLLIN] (epoll_wait), [rfd: POLLIN] (poll), [rfd: readfds] (select), [], "
      "-1 EAGAIN, blocks, 1024. The end of input ends the quiz; the last line is "
      "'score: K of N'.");
  cmd->add_option("FILE", o->path, "Scenario file (*.scn)")->required();
  cmd->add_option("--profile", o->profile,
                  "Kernel profile to model (default: calibrated on this kernel)");
  cmd->add_flag("--no-live", o->no_live,
                "The model's answers alone: do not run the calls on the real kernel");
  cmd->add_option("--color", o->color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->callback([&action, o] { action = [o] { return quiz_command(*o); }; });
}

}  // namespace epollscope::cli
