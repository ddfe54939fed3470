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
#include <iostream>
#include <set>
#include <sstream>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/scenario_files.h"
#include "sim/script/parser.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"
#include "sim/text_view.h"
#include "sim/trace.h"
#include "sim/uapi.h"

namespace epollscope::cli {
namespace {

using sim::cat;
using sim::script::CallId;
using sim::script::Expectation;
using sim::script::printable;
using sim::script::Statement;

bool returns_events(CallId call) {
  return sim::script::call_spec(call).result == sim::script::ResultKind::kEvents;
}

// A result in the learner's notation: the data of an event is shown by the name whose fd it is
// (`[rfd: EPOLLIN]`), as a scenario writes it; a data that is no name's fd stays a number.
std::string in_notation(const driver::Outcome& o, CallId call,
                        const std::map<std::string, int>& names) {
  if (o.blocked) return "blocks";
  if (o.ret < 0) return cat("-1 ", sim::errno_name(o.err));
  if (!returns_events(call)) return driver::describe_outcome(o, call);
  std::string out = "[";
  for (std::size_t i = 0; i < o.events.size(); ++i) {
    std::string who = std::to_string(o.events[i].data);
    for (const auto& [name, fd] : names)
      if (static_cast<uint64_t>(fd) == o.events[i].data) {
        who = name;
        break;
      }
    out += cat(i ? ", " : "", who, ": ", sim::script::event_mask_names(call, o.events[i].events));
  }
  return out + "]";
}

// The statement as written, without its expectation (which would give the answer away).
std::string question_text(const sim::script::Scenario& sc, const Statement& st) {
  if (st.expect.kind == Expectation::Kind::kNone || st.expect.loc.col <= 0 || st.loc.line <= 0 ||
      static_cast<std::size_t>(st.loc.line) > sc.lines.size())
    return st.source;
  std::string line = sc.lines[static_cast<std::size_t>(st.loc.line) - 1];
  line.resize(std::min(line.size(), static_cast<std::size_t>(st.expect.loc.col - 1)));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  for (const char* arrow : {"?=>", "=>"}) {
    const std::size_t n = std::char_traits<char>::length(arrow);
    if (line.size() >= n && line.compare(line.size() - n, n, arrow) == 0) {
      line.resize(line.size() - n);
      break;
    }
  }
  const std::size_t b = line.find_first_not_of(" \t");
  const std::size_t e = line.find_last_not_of(" \t");
  return b == std::string::npos ? st.source : line.substr(b, e - b + 1);
}

// The call a statement asks about: its own, or for `t1 => ...` the call t1 last made.
CallId asked_call(const Statement& st, const std::map<std::string, CallId>& last_call) {
  if (st.kind == Statement::Kind::kCall) return st.call;
  auto it = last_call.find(st.thread);
  return it == last_call.end() ? CallId::kEpollWait : it->second;
}

// The kernel function whose step decided a call's answer, for a wrong prediction: for an
// epoll_wait the last harvest step (ep_send_events), else ep_poll's decision (nothing ready, or
// sleep); for another call the last function it ran directly. nullptr when it made no step.
const sim::TraceStep* deciding_step(const std::vector<sim::TraceStep>& steps,
                                    const driver::StatementRun& s, CallId call) {
  const sim::TraceStep* found = nullptr;
  const std::size_t end = std::min(s.end_step, steps.size());
  if (returns_events(call)) {
    for (const char* fn : {"ep_send_events", "ep_poll"}) {
      for (std::size_t i = s.first_step; i < end; ++i)
        if (std::string_view(steps[i].function) == fn) found = &steps[i];
      if (found) return found;
    }
  }
  for (std::size_t i = s.first_step; i < end; ++i)
    if (steps[i].depth == 1) found = &steps[i];
  return found;
}

bool marks_questions(const sim::script::Scenario& sc) {
  for (const Statement& st : sc.statements)
    if (st.question) return true;
  return false;
}

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

const char* kNotation =
    "Type what the call returns, as a scenario's expectation: the events in order, e.g. "
    "[rfd: EPOLLIN] or [rfd: EPOLLIN, wfd: EPOLLOUT] or [] for none; a count or value, e.g. 1024; "
    "an error, e.g. -1 EAGAIN; or blocks. An empty line shows this again; the end of input "
    "(Ctrl-D) ends the quiz.";

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
    for (const auto& l : sim::wrap(text.substr(b, e - b), width - lead.size()))
      out << lead << l << '\n';
    b = e + 1;
  }
}

}  // namespace

std::size_t question_points(const sim::script::Scenario& sc) {
  const bool marked = marks_questions(sc);
  std::map<std::string, CallId> last_call;
  std::size_t questions = 0;
  for (const Statement& st : sc.statements) {
    const CallId call = asked_call(st, last_call);
    if (st.kind == Statement::Kind::kCall) last_call[st.thread] = st.call;
    if (marked ? st.question : returns_events(call) && !st.during) ++questions;
  }
  return questions;
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

  const bool marked = marks_questions(sc);
  const std::size_t questions = question_points(sc);
  std::map<std::string, CallId> last_call;

  out << printable(sc.title.empty() ? o.path : sc.title) << '\n';
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
  const std::string who = kernel ? "the kernel" : "the model";
  if (kernel)
    out << "Answers come from this machine's kernel; the model runs beside it.\n";
  else
    out << "Answers come from the model"
        << (run.note().empty() ? std::string(" (--no-live)") : ": " + printable(run.note()))
        << ".\n";
  out << questions << (questions == 1 ? " question" : " questions")
      << (marked ? " (the lines marked ?=>)" : " (every epoll_wait)") << ".\n";
  if (o.notation) print_wrapped(out, kNotation, width);

  std::size_t asked = 0, right = 0;
  bool input_ended = false;
  bool gave_up = false;  // kMaxTries unreadable answers in a row
  last_call.clear();
  while (!run.done()) {
    const std::size_t index = run.statements().size();
    const Statement& st = sc.statements[index];
    const CallId call = asked_call(st, last_call);
    if (st.kind == Statement::Kind::kCall) last_call[st.thread] = st.call;
    const bool question = marked ? st.question : returns_events(call) && !st.during;

    out << '\n';
    Expectation answer;
    if (question) {
      if (!st.narration.empty()) out << p.dim("(the narration of this line comes after)") << '\n';
      out << "line " << st.loc.line << ": " << printable(question_text(sc, st)) << '\n';
      bool have = false;
      for (int tries = 0; !have; ++tries) {
        if (tries == kMaxTries) {
          out << "  " << kMaxTries
              << " answers in a row could not be read: the quiz ends here (is the input a "
                 "file of answers, one per line?)\n";
          gave_up = true;
          break;
        }
        out << "your answer? " << std::flush;
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
          print_wrapped(out, kNotation, width);
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
      print_wrapped(out, st.narration, width, "# ");
    }

    const driver::StatementRun& s = run.step();
    const driver::StatementResult& r = s.result;
    if (!r.error.empty()) {
      if (!question) out << printable(st.source) << '\n';
      out << p.red("cannot run: " + printable(r.error)) << '\n';
      if (score) *score = QuizScore{right, asked, questions, false};
      out << "score: " << right << " of " << asked << '\n';
      return run.kernel_failed() ? 2 : 1;
    }
    const std::size_t b = answerer < r.backends.size() && r.backends[answerer].ran ? answerer : 0;
    const driver::Outcome& got = r.backends[b].outcome;
    const std::string shown = in_notation(got, r.call, run.names(b));
    if (!question) {
      out << printable(question_text(sc, st)) << "   = " << printable(shown) << '\n';
      continue;
    }
    ++asked;
    std::string why;
    const bool ok = run.holds(answer, b, got, &why);
    right += ok ? 1 : 0;
    if (ok)
      out << p.green("\u2713 right") << ": " << who << " returned " << printable(shown) << '\n';
    else
      out << p.red("\u2717 not quite") << ": you said " << printable(answer.text) << ", " << who
          << " returned " << printable(shown) << (why.empty() ? "" : " (" + why + ")") << '\n';
    if (b != 0 && !r.divergences.empty())
      out << p.red("  (the model returned " +
                   printable(in_notation(r.backends[0].outcome, r.call, run.names(0))) +
                   ": it differs from the kernel here)")
          << '\n';
    if (!ok)
      if (const sim::TraceStep* d = deciding_step(run.recorder().steps(), s, r.call))
        print_wrapped(out, cat("decided in ", d->function, ": ", d->text), width, "  ");
    if (!st.narration.empty()) print_wrapped(out, st.narration, width, "# ");
    const std::vector<std::string> steps =
        sim::render_steps(run.recorder().steps(), s.first_step, s.end_step, width - 4);
    if (!steps.empty()) out << "  why, inside the kernel (the model's steps of this call):\n";
    for (const auto& l : steps)
      out << "    " << p.step(l) << '\n';
  }
  if (score) *score = QuizScore{right, asked, questions, input_ended};
  out << '\n';
  if (input_ended)
    out << "The input ended: " << questions - asked << " of " << questions
        << " questions were not asked.\n";
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
      "=>, or every epoll_wait. Answers are typed as expectations: [rfd: EPOLLIN], [], "
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
