// SPDX-License-Identifier: GPL-2.0-only
// gui/app/answers.h — what the kernel column and the script panel say about each call's answer,
// worked out without any GUI library: which answers the position has reached (the ones after it
// are not shown: they would give the game away), what kind of result each is (a success, an errno,
// a sleep), which expectations (`=> ...`) did not hold on the model or on the real kernel (the
// driver's own verdict, driver/runner.h: BackendResult::failed), and where a run stopped.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {

// What kind of result a call gave; the window draws each kind in its own colour.
enum class ResultKind {
  kNone,     // the call did not run on this backend (or is not reached yet)
  kSuccess,  // a value, a list of events
  kErrno,    // -1 with an errno (EAGAIN, EEXIST, ...)
  kBlocks,   // the calling thread sleeps in it
};
ResultKind classify(const driver::Outcome& o);
// The same for an answer already written as text (a live trace's calls): "-1 EAGAIN" is an errno.
ResultKind classify_text(const std::string& text);

// One backend's answer to one statement.
struct Answer {
  bool ran = false;
  ResultKind kind = ResultKind::kNone;
  std::string text;  // driver::describe_outcome(): "1024", "-1 EAGAIN", "[rfd: EPOLLIN]", "blocks"
  // The statement's expectation did not hold on this backend (the driver says so).
  bool failed = false;
  std::string failure;  // "expected X, got Y"
};

// One row of the kernel column.
struct AnswerRow {
  std::size_t statement = 0;
  int line = 0;
  bool reached = false;  // false: a later statement; nothing of its answers is known here
  Answer model;
  Answer kernel;  // ran only when the real kernel was asked
  enum class Mark {
    kNone,       // not reached, or nothing to compare and nothing expected
    kAgree,      // ✓ the kernel answered as the model did (and what is expected held)
    kDiffers,    // ≠ the kernel answered otherwise (a divergence)
    kOtherPath,  // ⇄ a race: the kernel took another listed outcome
    kFailed,     // ✗ an expectation did not hold (on the model or the kernel)
    kStopped,    // the statement could not run: the run stopped here
  };
  Mark mark = Mark::kNone;
  std::string why;  // the divergence, the failures, or why the run stopped
  // The line the kernel column writes under the row, empty for none: "kernel: expected X, got
  // Y", "model: ...", "expected X, got Y" (both got Y), "expected X: model got Y, kernel got Z",
  // "stopped here: why".
  std::string note;
};

// How many statements have their answers shown at `tick`: those whose every tick is at or before
// it (a statement's answer appears once the step reaches its end).
std::size_t answered_statements(const Timeline& timeline, std::size_t tick);

// Row `statement` of the kernel column at `tick` (`reached` false and nothing else filled in for
// a statement not answered yet; reached, with no answer that ran, for a statement after the one
// where the run stopped).
AnswerRow answer_row(const Session& s, std::size_t statement, bool reached);

// For the script panel: the statements reached whose expectation failed on a backend or that
// could not run, in order (found among Session::marked_statements()).
std::vector<std::size_t> marked_reached(const Session& s, std::size_t answered);
// The text under a marked script line: "expected X, got Y" (the model's), with the real
// kernel's answer when it failed too, or "stopped here: why".
std::string script_mark(const Session& s, std::size_t statement);

// Where a run stopped early (an error: a statement that could not run, a main thread still
// asleep), as "stopped at line N: why" once the position has reached that statement
// (`statement` is the timeline's current statement, `before_first` its tick 0); empty otherwise.
std::string stop_note(const Session& s, std::size_t statement, bool before_first);

// The step the current position shows as "what just happened" (the eventpoll view's caption, the
// code pane): the last step made, `steps` steps into `s`, when it belongs to `statement`, the
// timeline's current statement; nullptr before the first statement, at a statement that makes no
// kernel step (a `sleep`), and on a side of compare mode that has no step of its own there — the
// previous call's "syscall: returns 1" must not be shown again.
const sim::TraceStep* step_of_statement(const Session& s, std::size_t statement, bool before_first,
                                        std::size_t steps);

// Rows of a list where some rows (`extra`, sorted, each < base) have a second row under them:
// display row → base row and whether it is that second row. For list clippers over lines that
// may carry a note.
struct RowMap {
  std::size_t base = 0;
  std::vector<std::size_t> extra;
  std::size_t size() const { return base + extra.size(); }
  struct Row {
    std::size_t base;
    bool second;
  };
  Row at(std::size_t display) const;
  // The display row of base row `b` (its first row).
  std::size_t display_of(std::size_t b) const;
};

}  // namespace epollscope::app
