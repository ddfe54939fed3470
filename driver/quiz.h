// SPDX-License-Identifier: GPL-2.0-only
// driver/quiz.h — predict, then reveal: what the terminal quiz (`epollscope quiz`,
// cli/cmd_quiz.cpp) and the window's Predict mode (gui/app/prediction.*) share, so both ask the
// same questions and say the same thing about an answer.
//
// A question point is a statement written `?=>` in the scenario or, when it has none, every
// epoll_wait (not the `during` ones, which happen inside another harvest). The learner's answer is
// an expectation in the language's notation (`[rfd: EPOLLIN]`, `[]`, `-1 EAGAIN`, `blocks`,
// `1024`), checked as the scenario's own expectations are (Runner::holds). The answer revealed is
// the kernel's when it was asked, the model's otherwise; a wrong prediction is explained by the
// kernel function whose step decided the call's result (ep_send_events for a harvest).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "sim/script/scenario.h"
#include "sim/trace.h"

namespace epollscope::driver {

using sim::script::CallId;

// The call returns an events array (epoll_wait, epoll_pwait).
bool returns_events(CallId call);
// The scenario marks its questions with `?=>`.
bool marks_questions(const sim::script::Scenario& sc);

struct QuestionPoint {
  std::size_t statement = 0;         // index into the scenario's statements
  CallId call = CallId::kEpollWait;  // the call asked about (for `t1 => ...`, the call t1 slept in)
};
// The scenario's question points, in order.
std::vector<QuestionPoint> question_points(const sim::script::Scenario& sc);

// A result in the learner's notation: the data of an event is shown by the name whose fd it is
// (`[rfd: EPOLLIN]`), as a scenario writes it; a data that is no name's fd stays a number.
std::string in_notation(const Outcome& o, CallId call, const std::map<std::string, int>& names);
// The statement as written, without its expectation (which would give the answer away).
std::string question_text(const sim::script::Scenario& sc, const sim::script::Statement& st);
// The kernel function whose step decided a call's answer: for an epoll_wait the last harvest step
// (ep_send_events), else ep_poll's decision (nothing ready, or sleep); for another call the last
// function it ran directly. nullptr when it made no step.
const sim::TraceStep* deciding_step(const std::vector<sim::TraceStep>& steps, const StatementRun& s,
                                    CallId call);

// What is revealed after a prediction of statement `statement` of a run that has passed it.
struct Reveal {
  bool right = false;
  bool from_kernel = false;  // the answer is the real kernel's (else the model's)
  std::string answerer;      // "the kernel" or "the model"
  std::string answer;        // the answer, in the notation
  Outcome outcome;           // the same as an outcome
  std::string why;           // what differs, as Runner::holds says it ("" when right)
  // The model's answer when it differs from the kernel's (a divergence), else "".
  std::string model_answer;
  // For a wrong prediction: the kernel function that decided the result and its step's sentence
  // ("ep_send_events", "..."); empty when right or when the call made no step.
  std::string function;
  std::string decided;
  // The verdict as one line: "✓ right: the kernel returned [rfd: EPOLLIN]" or "✗ not quite: you
  // said [], the kernel returned [rfd: EPOLLIN] (why)".
  std::string verdict(const std::string& prediction) const;
  // "decided in ep_send_events: ..." (empty when there is nothing to say).
  std::string explanation() const;
};
// `answer` checked against what the run's answerer returned at `statement` (run.holds with the
// names bound so far). The run must have stepped past `statement`.
Reveal reveal(const ScenarioRun& run, std::size_t statement,
              const sim::script::Expectation& answer);

}  // namespace epollscope::driver
