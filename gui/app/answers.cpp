// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/answers.h"

#include <algorithm>

#include "driver/i18n.h"
#include "sim/strings.h"

namespace epollscope::app {

using sim::cat;

ResultKind classify(const driver::Outcome& o) {
  if (o.blocked) return ResultKind::kBlocks;
  if (o.ret == -1 && o.err != 0) return ResultKind::kErrno;
  return ResultKind::kSuccess;
}

ResultKind classify_text(const std::string& text) {
  if (text == "blocks") return ResultKind::kBlocks;
  if (text.rfind("-1 E", 0) == 0) return ResultKind::kErrno;
  return text.empty() ? ResultKind::kNone : ResultKind::kSuccess;
}

std::size_t answered_statements(const Timeline& timeline, std::size_t tick) {
  return timeline.finished_at(tick);
}

namespace {

Answer answer_of(const driver::StatementResult& r, std::size_t b) {
  Answer a;
  if (b >= r.backends.size() || !r.backends[b].ran) return a;
  const driver::BackendResult& br = r.backends[b];
  a.ran = true;
  a.kind = classify(br.outcome);
  a.text = driver::describe_outcome(br.outcome, r.call);
  // The driver's verdict (Runner::check_expectation): not worked out again here.
  a.failed = !br.failed.empty();
  if (a.failed)
    a.failure = driver::trf("expected {}, got {}", r.statement->expect.all_text(), a.text);
  return a;
}

}  // namespace

AnswerRow answer_row(const Session& s, std::size_t statement, bool reached) {
  AnswerRow row;
  row.statement = statement;
  const auto& all = s.scenario().statements;
  if (statement < all.size()) row.line = all[statement].loc.line;
  const auto& sts = s.statements();
  if (!reached) return row;
  row.reached = true;
  if (statement >= sts.size()) return row;  // after the run stopped: it never ran
  const driver::StatementResult& r = sts[statement].result;
  row.model = answer_of(r, 0);
  if (s.live()) row.kernel = answer_of(r, 1);
  using Mark = AnswerRow::Mark;
  if (!r.error.empty()) {
    row.mark = Mark::kStopped;
    row.why = driver::trf("stopped here: {}", r.error);
  } else if (!r.divergences.empty()) {
    row.mark = Mark::kDiffers;
    row.why = r.divergences.front();
  } else if (row.model.failed || row.kernel.failed) {
    row.mark = Mark::kFailed;
  } else if (r.other_path) {
    row.mark = Mark::kOtherPath;
    row.why = s.either_path_note(statement);
  } else if (s.live() || r.statement->expect.kind != sim::script::Expectation::Kind::kNone) {
    row.mark = Mark::kAgree;
  }
  // The driver's sentences ("expected X, model gave Y"), for a tooltip.
  if (row.model.failed || row.kernel.failed)
    for (const auto& b : r.backends)
      for (const auto& f : b.failed)
        row.why += (row.why.empty() ? "" : "\n") + f;
  const std::string expected = r.statement->expect.all_text();
  if (row.mark == Mark::kStopped)
    row.note = row.why;
  else if (row.model.failed && row.kernel.failed && row.model.text == row.kernel.text)
    row.note = row.model.failure;  // both answers are drawn in red above it
  else if (row.model.failed && row.kernel.failed)
    row.note = driver::trf("expected {}: model got {}, kernel got {}", expected, row.model.text,
                           row.kernel.text);
  else if (row.kernel.failed)
    row.note = driver::trf("kernel: {}", row.kernel.failure);
  else if (row.model.failed)
    row.note = driver::trf("model: {}", row.model.failure);
  return row;
}

std::vector<std::size_t> marked_reached(const Session& s, std::size_t answered) {
  const auto& m = s.marked_statements();
  return {m.begin(), std::lower_bound(m.begin(), m.end(), answered)};
}

std::string script_mark(const Session& s, std::size_t statement) {
  const AnswerRow row = answer_row(s, statement, true);
  if (row.mark == AnswerRow::Mark::kStopped) return row.why;
  if (row.model.failed && row.kernel.failed && row.kernel.text != row.model.text)
    return driver::trf("{} (the real kernel: {})", row.model.failure, row.kernel.text);
  if (row.model.failed) return row.model.failure;
  if (row.kernel.failed)
    return driver::trf("expected {}, the real kernel got {} (the model: {})",
                       s.statements()[statement].result.statement->expect.all_text(),
                       row.kernel.text, row.model.text);
  return {};
}

std::string stop_note(const Session& s, std::size_t statement, bool before_first) {
  const Session::Stop& stop = s.stop();
  if (!stop.stopped) return {};
  // A run that stopped before its first statement says so from the start.
  if (stop.statement > 0 && (before_first || statement < stop.statement)) return {};
  return stop.line > 0 ? driver::trf("stopped at line {}: {}", stop.line, stop.why)
                       : driver::trf("stopped: {}", stop.why);
}

RowMap::Row RowMap::at(std::size_t display) const {
  // Base row b starts at display row b + (number of extra rows before it).
  std::size_t lo = 0, hi = base;  // the last b with display_of(b) <= display
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (display_of(mid) <= display)
      lo = mid;
    else
      hi = mid;
  }
  return Row{lo, display_of(lo) != display};
}

std::size_t RowMap::display_of(std::size_t b) const {
  return b +
         static_cast<std::size_t>(std::lower_bound(extra.begin(), extra.end(), b) - extra.begin());
}

const sim::TraceStep* step_of_statement(const Session& s, std::size_t statement, bool before_first,
                                        std::size_t steps) {
  const auto& sts = s.statements();
  if (before_first || statement >= sts.size() || steps == 0 || steps > s.recorder().size())
    return nullptr;
  const StatementRun& run = sts[statement];
  if (steps <= run.first_step || steps > run.end_step) return nullptr;
  return &s.recorder().steps()[steps - 1];
}

}  // namespace epollscope::app
