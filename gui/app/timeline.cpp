// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/timeline.h"

#include <algorithm>

#include "gui/app/session.h"

namespace epollscope::app {

Timeline::Timeline(const Session& left, const Session* right) {
  const auto& ls = left.statements();
  const std::vector<StatementRun> none;
  const auto& rs = right ? right->statements() : none;
  // A side that ran fewer statements (it stopped) stays at the end of its last one.
  const std::size_t left_end = ls.empty() ? 0 : ls.back().end_step;
  const std::size_t right_end = rs.empty() ? 0 : rs.back().end_step;
  starts_.push_back(0);
  for (std::size_t s = 0; s < std::max(ls.size(), rs.size()); ++s) {
    Span sp{left_end, 0, right_end, 0};
    if (s < ls.size()) {
      sp.left_first = ls[s].first_step;
      sp.left_len = ls[s].end_step - ls[s].first_step;
    }
    if (s < rs.size()) {
      sp.right_first = rs[s].first_step;
      sp.right_len = rs[s].end_step - rs[s].first_step;
    }
    lens_.push_back(sp);
    // The untraced set-up (statements before record_from) has no ticks: tick 0 shows its end.
    const std::size_t min_ticks = s < left.recorded_from() ? 0 : 1;
    starts_.push_back(starts_.back() +
                      std::max<std::size_t>({sp.left_len, sp.right_len, min_ticks}));
  }
}

Timeline::Position Timeline::at(std::size_t tick) const {
  Position p;
  if (tick == 0 || lens_.empty()) return p;
  tick = std::min(tick, ticks());
  // The statement whose ticks contain `tick`: starts_[s] < tick <= starts_[s + 1].
  auto it = std::lower_bound(starts_.begin() + 1, starts_.end(), tick);
  const std::size_t s = static_cast<std::size_t>(it - starts_.begin()) - 1;
  const std::size_t offset = tick - starts_[s];
  const Span& sp = lens_[s];
  p.statement = s;
  p.before_first = false;
  p.left_steps = sp.left_first + std::min(offset, sp.left_len);
  p.right_steps = sp.right_first + std::min(offset, sp.right_len);
  return p;
}

std::size_t Timeline::first_tick_of(std::size_t s) const {
  if (lens_.empty()) return 0;
  s = std::min(s, lens_.size() - 1);
  return starts_[s] + 1;
}

std::size_t Timeline::last_tick_of(std::size_t s) const {
  if (lens_.empty()) return 0;
  s = std::min(s, lens_.size() - 1);
  return starts_[s + 1];
}

std::size_t Timeline::finished_at(std::size_t tick) const {
  if (starts_.empty()) return 0;
  // Statement s is finished when starts_[s + 1] <= tick.
  return static_cast<std::size_t>(std::upper_bound(starts_.begin() + 1, starts_.end(), tick) -
                                  (starts_.begin() + 1));
}

std::size_t Timeline::tick_of_left_steps(std::size_t steps) const {
  for (std::size_t s = 0; s < lens_.size(); ++s) {
    const Span& sp = lens_[s];
    if (steps <= sp.left_first + sp.left_len) {
      std::size_t offset = steps > sp.left_first ? steps - sp.left_first : 0;
      return starts_[s] + std::max<std::size_t>(offset, 1);
    }
  }
  return ticks();
}

}  // namespace epollscope::app
