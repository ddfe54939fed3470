// SPDX-License-Identifier: GPL-2.0-only
// gui/app/trace_controller.h — what the window shows of a live trace (`trace --gui`, `serve`): its
// own copy of the trace's Feed (trace/feed.h), brought up to date once per frame, and where the
// view stands on the timeline. The window never touches the model: the tracer's thread fills the
// Feed, this copies it (only what is new), and the panels read the copy.
//
// A position is a "tick": the number of model steps since the trace started after which the state
// is shown. The view follows the newest step (live) until the user moves back; the Live command
// (Command::Kind::kFollowLive) follows again. Steps older than the feed keeps are gone: the
// first tick is then the state after them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gui/app/controller.h"
#include "trace/feed.h"

namespace epollscope::app {

class TraceController {
 public:
  explicit TraceController(const trace::Feed& feed);

  // Called every frame: copies what is new in the feed; while following, moves to the newest step.
  void update(double now);
  // Moves: kStepForward, kStepBack, kFirst, kLast, kSeek (`tick`), kSeekStatement (`index`: a call
  // number; the view goes to the end of its steps and that call is the current one), kFollowLive.
  // The scenario commands (play, open, compare ...) do nothing here.
  void dispatch(const Command& c);

  const trace::FeedView& feed() const { return view_; }
  // The feed has news the copy lacks (the next update() will copy it).
  bool behind() const { return source_.version() != view_.version; }
  const trace::FeedStatus& status() const { return view_.status; }
  uint64_t tick() const { return tick_; }
  uint64_t first_tick() const { return view_.dropped_steps; }
  uint64_t last_tick() const { return view_.total_steps(); }
  uint64_t previous_tick() const { return previous_tick_; }
  double moved_at() const { return moved_at_; }
  bool following() const { return following_; }
  // The call the view is on: the one chosen in the calls panel, else the one whose steps hold the
  // step shown; nullptr before the first call or while the step's call has not returned.
  const trace::FeedCall* current_call() const;
  // The step shown (the last one done at this tick), or nullptr at the first tick.
  const trace::FeedStep* current_step() const;
  // Changes whenever snapshots seen before may have been freed (older steps dropped): views cached
  // by snapshot address are stale then.
  std::size_t generation() const { return generation_; }

 private:
  void move_to(uint64_t tick);

  const trace::Feed& source_;
  trace::FeedView view_;
  uint64_t tick_ = 0;
  uint64_t previous_tick_ = 0;
  bool following_ = true;
  bool call_chosen_ = false;  // current_call_ was chosen in the calls panel
  uint64_t current_call_ = 0;
  double now_ = 0;
  double moved_at_ = -1;
  uint64_t drops_seen_ = 0;
  std::size_t generation_ = 0;
};

}  // namespace epollscope::app
