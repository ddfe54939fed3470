// SPDX-License-Identifier: GPL-2.0-only
// driver/quiz.cpp — the question points of a scenario and what a prediction is told (quiz.h).
#include "driver/quiz.h"

#include <algorithm>
#include <string_view>

#include "driver/i18n.h"
#include "sim/script/calls.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::driver {

using sim::cat;
using sim::script::Expectation;
using sim::script::Statement;

namespace {

// The call a statement asks about: its own, or for `t1 => ...` the call t1 last made.
CallId asked_call(const Statement& st, const std::map<std::string, CallId>& last_call) {
  if (st.kind == Statement::Kind::kCall) return st.call;
  auto it = last_call.find(st.thread);
  return it == last_call.end() ? CallId::kEpollWait : it->second;
}

}  // namespace

bool returns_events(CallId call) {
  return sim::script::call_spec(call).result == sim::script::ResultKind::kEvents;
}

bool marks_questions(const sim::script::Scenario& sc) {
  return std::any_of(sc.statements.begin(), sc.statements.end(),
                     [](const Statement& st) { return st.question; });
}

std::vector<QuestionPoint> question_points(const sim::script::Scenario& sc) {
  const bool marked = marks_questions(sc);
  std::map<std::string, CallId> last_call;
  std::vector<QuestionPoint> out;
  for (std::size_t i = 0; i < sc.statements.size(); ++i) {
    const Statement& st = sc.statements[i];
    const CallId call = asked_call(st, last_call);
    if (st.kind == Statement::Kind::kCall) last_call[st.thread] = st.call;
    if (marked ? st.question : returns_events(call) && !st.during) out.push_back({i, call});
  }
  return out;
}

std::string in_notation(const Outcome& o, CallId call, const std::map<std::string, int>& names) {
  if (o.blocked) return "blocks";
  if (o.ret < 0) return cat("-1 ", sim::errno_name(o.err));
  if (!returns_events(call)) return describe_outcome(o, call);
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

const sim::TraceStep* deciding_step(const std::vector<sim::TraceStep>& steps, const StatementRun& s,
                                    CallId call) {
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

std::string Reveal::verdict(const std::string& prediction) const {
  if (right) return cat(tr("\u2713 right"), ": ", trf("{} returned {}", answerer, answer));
  return cat(tr("\u2717 not quite"), ": ",
             trf("you said {}, {} returned {}", prediction, answerer, answer),
             why.empty() ? "" : " (" + why + ")");
}

std::string Reveal::explanation() const {
  return function.empty() ? std::string()
                          : trf("decided in {}: {}", function, translate_step(decided));
}

Reveal reveal(const ScenarioRun& run, std::size_t statement, const Expectation& answer) {
  Reveal out;
  const StatementRun& s = run.statements().at(statement);
  const StatementResult& r = s.result;
  const std::size_t answerer = run.kernel_asked() ? 1 : 0;
  const std::size_t b = answerer < r.backends.size() && r.backends[answerer].ran ? answerer : 0;
  out.from_kernel = b == 1;
  out.answerer = out.from_kernel ? tr("the kernel") : tr("the model");
  out.outcome = r.backends.at(b).outcome;
  out.answer = in_notation(out.outcome, r.call, run.names(b));
  out.right = run.holds(answer, b, out.outcome, &out.why);
  if (b != 0 && !r.divergences.empty())
    out.model_answer = in_notation(r.backends[0].outcome, r.call, run.names(0));
  if (!out.right)
    if (const sim::TraceStep* d = deciding_step(run.recorder().steps(), s, r.call)) {
      out.function = d->function;
      out.decided = d->text;
    }
  return out;
}

}  // namespace epollscope::driver
