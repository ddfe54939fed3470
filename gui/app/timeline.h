// SPDX-License-Identifier: GPL-2.0-only
// gui/app/timeline.h — the positions the user can step through, for one session or two in
// lockstep.
//
// A position is a "tick". Tick 0 is the state before the first statement. Each statement then
// owns max(left steps, right steps, 1) ticks; at offset o (1-based) inside a statement each side
// shows its state after min(o, its own step count) of that statement's steps, so two models stay
// on the same statement while one of them has more to show. Statements run untraced (before the
// sessions' record_from) own no ticks: tick 0 is then the state after them.
//
// When one side stopped early (a statement that could not run: compare mode's twin whose thread
// is still asleep, say), the timeline goes on to the other side's last statement and the side
// that stopped keeps showing its last state.
#pragma once

#include <cstddef>
#include <vector>

namespace epollscope::app {

class Session;

class Timeline {
 public:
  struct Position {
    std::size_t statement = 0;    // the current statement (0 before the first too)
    bool before_first = true;     // tick 0
    std::size_t left_steps = 0;   // steps of the left session shown (snapshot index)
    std::size_t right_steps = 0;  // the same for the right session
  };

  Timeline() = default;
  Timeline(const Session& left, const Session* right);

  std::size_t ticks() const { return starts_.empty() ? 0 : starts_.back(); }  // the last tick
  Position at(std::size_t tick) const;
  // The tick at which statement `s` has made its first step / all its steps.
  std::size_t first_tick_of(std::size_t s) const;
  std::size_t last_tick_of(std::size_t s) const;
  // The tick at which the left session has done exactly `steps` steps (or the nearest after).
  std::size_t tick_of_left_steps(std::size_t steps) const;
  // How many statements have all their ticks at or before `tick` (their answers are reached).
  std::size_t finished_at(std::size_t tick) const;
  std::size_t statements() const { return lens_.size(); }

 private:
  struct Span {
    std::size_t left_first, left_len, right_first, right_len;
  };
  std::vector<Span> lens_;
  std::vector<std::size_t> starts_;  // starts_[s] = ticks before statement s; back() = total
};

}  // namespace epollscope::app
