// SPDX-License-Identifier: GPL-2.0-only
// gui/app/prediction.h — the window's Predict mode, without a window: at each question point of
// the scenario (driver/quiz.h: the `?=>` lines, or every epoll_wait) the timeline stops before the
// call's first step, the learner builds a prediction — the events[] epoll_wait will hand back, in
// order, each with its mask; or that it blocks; or, for another call, its value or errno — and
// Reveal compares it with the answer (the kernel's, the model's when there is no kernel) with the
// same verdict and explanation the terminal quiz gives (driver::reveal), entry by entry for an
// events array. The score is kept per scenario and summed per lesson.
//
// The prediction is the learner's, not the model's: nothing here changes a Session. The window
// asks the Controller to stop at stop_tick() (Command::kSetStop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "driver/lesson.h"
#include "driver/quiz.h"
#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {

struct PredictedEvent {
  std::string name;   // the fd name whose number is the event's data (`rfd`)
  uint32_t mask = 0;  // EPOLLIN | EPOLLOUT | ...
};

struct Prediction {
  enum class Kind { kEvents, kBlocks, kValue, kError };
  Kind kind = Kind::kEvents;
  std::vector<PredictedEvent> events;  // kEvents: the events[] array, in order
  long value = 0;                      // kValue: what the call returns
  std::string err = "EAGAIN";          // kError: the errno, by name
  // In the notation of an expectation, as the terminal quiz reads it: `[rfd: EPOLLIN]`, `[]`,
  // `blocks`, `1024`, `-1 EAGAIN`.
  std::string text() const;
  // "" when it can be revealed, else what is missing ("choose a mask for wfd").
  std::string incomplete() const;
  // Editing the events row; an index out of range changes nothing.
  void append(const std::string& name, uint32_t mask);
  void move(std::size_t index, int by);  // by -1: one place earlier, +1: one later
  void remove(std::size_t index);
};

struct Question {
  std::size_t statement = 0;  // index into the scenario's statements
  sim::script::CallId call = sim::script::CallId::kEpollWait;
  int line = 0;
  std::string text;  // the statement as written, without its expectation
  bool events = false;
  // For an events call: the names of the fds registered in the epoll it waits on (in rbr order),
  // the items a prediction chooses from; all the scenario's names when that epoll is not known.
  std::vector<std::string> choices;
};

// One entry of a revealed events[] array beside the prediction's.
struct RevealRow {
  enum class Mark {
    kSame,          // the same item with the same mask
    kOtherMask,     // the same item, another mask
    kOtherPlace,    // another item here; the one predicted comes elsewhere in the answer
    kOtherItem,     // another item here, and the one predicted is not in the answer
    kNotPredicted,  // the answer has an entry here, the prediction does not
    kNotReturned,   // the prediction has an entry here, the answer does not
  };
  std::string predicted;  // "rfd: EPOLLIN", or "" (kNotPredicted)
  std::string answer;     // the same for the answer, or "" (kNotReturned)
  Mark mark = Mark::kSame;
};
// What a mark says, for the reveal's table ("same", "other mask", ...).
const char* mark_text(RevealRow::Mark mark);

struct Revealed {
  std::string prediction;       // Prediction::text()
  driver::Reveal reveal;        // the verdict and the explanation, as the terminal quiz says them
  std::vector<RevealRow> rows;  // an events call's entries side by side
  std::string narration;        // the statement's narration, said after the answer
};

// The entries of a prediction beside those of an answer (an events call).
std::vector<RevealRow> compare_events(const std::vector<PredictedEvent>& predicted,
                                      const driver::Outcome& answer,
                                      const std::map<std::string, int>& names);

struct Score {
  std::size_t right = 0, asked = 0, questions = 0;
  friend bool operator==(const Score&, const Score&) = default;
};

class PredictMode {
 public:
  // Follows the scenario the window shows: a new generation (another scenario, or the same one
  // reloaded) starts its questions afresh. Questions whose answers the position `tick` already
  // shows are passed (not asked); the scenario's score is kept by its file name.
  void attach(const Session& s, const Timeline& t, std::size_t generation, std::size_t tick,
              const std::string& path);
  // The next attach() starts the scenario's questions afresh from its position (Predict mode
  // turned on again); scores of other scenarios are kept.
  void restart() { generation_ = 0; }
  const std::vector<Question>& questions() const { return questions_; }
  // The first question neither revealed nor passed (questions().size() when none is left).
  std::size_t pending() const;
  // The last tick the timeline may reach: the state before the pending question's call
  // (the timeline's last tick when no question is pending).
  std::size_t stop_tick(const Timeline& t) const;
  // The prediction being built for the pending question.
  Prediction& draft() { return draft_; }
  const Prediction& draft() const { return draft_; }
  // Compares the draft with the pending question's answer, counts it, and moves on to the next
  // question (with a fresh draft). False, changing nothing, when no question is pending or the
  // draft is incomplete or not an answer the quiz would read (then *why, if given, says why).
  bool reveal(const Session& s, std::string* why = nullptr);
  // The question revealed last (questions().size() when none) and its comparison.
  std::size_t last_revealed() const { return last_revealed_; }
  const Revealed* revealed(std::size_t question) const;
  // This scenario's score: questions answered and right.
  Score score() const;
  // The score of a lesson: its scenarios' scores summed, a scenario not taken counting its
  // questions (`questions_of`: a file name → its question points).
  Score lesson_score(const driver::Lesson& lesson,
                     const std::map<std::string, std::size_t>& questions_of) const;
  const std::string& scenario() const { return name_; }

 private:
  std::size_t generation_ = 0;
  std::string name_;  // the scenario's file name
  std::vector<Question> questions_;
  std::vector<bool> passed_;
  std::map<std::size_t, Revealed> revealed_;  // by question
  std::size_t last_revealed_ = 0;
  Prediction draft_;
  std::map<std::string, Score> by_scenario_;  // by file name, for lessons
};

}  // namespace epollscope::app
