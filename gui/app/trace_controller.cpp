// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/trace_controller.h"

#include <algorithm>
#include <atomic>

namespace epollscope::app {
namespace {

std::size_t next_generation() {
  // Unique in the process, shared with no Controller: a window's caches reset on any change.
  static std::atomic<std::size_t> generations{1u << 30};
  return ++generations;
}

}  // namespace

TraceController::TraceController(const trace::Feed& feed)
    : source_(feed), generation_(next_generation()) {}

void TraceController::update(double now) {
  now_ = now;
  if (!source_.copy_into(view_)) return;
  if (view_.drops != drops_seen_) {
    drops_seen_ = view_.drops;
    generation_ = next_generation();
  }
  if (following_) {
    previous_tick_ = tick_ = last_tick();
    call_chosen_ = false;
  } else {
    tick_ = std::clamp(tick_, first_tick(), last_tick());
    previous_tick_ = std::clamp(previous_tick_, first_tick(), last_tick());
  }
  if (call_chosen_ && !view_.call(current_call_)) call_chosen_ = false;
}

void TraceController::move_to(uint64_t tick) {
  tick = std::clamp(tick, first_tick(), last_tick());
  call_chosen_ = false;
  following_ = tick == last_tick() && following_;
  if (tick == tick_) return;
  previous_tick_ = tick_;
  tick_ = tick;
  moved_at_ = now_;
}

void TraceController::dispatch(const Command& c) {
  using K = Command::Kind;
  switch (c.kind) {
    case K::kStepForward:
      following_ = false;
      move_to(tick_ + 1);
      break;
    case K::kStepBack:
      following_ = false;
      if (tick_ > first_tick()) move_to(tick_ - 1);
      break;
    case K::kFirst:
      following_ = false;
      move_to(first_tick());
      break;
    case K::kSeek:
      following_ = false;
      move_to(c.tick);
      break;
    case K::kSeekStatement:
      following_ = false;
      if (const trace::FeedCall* call = view_.call(c.index)) {
        move_to(call->end_step);
        call_chosen_ = true;
        current_call_ = c.index;
      }
      break;
    case K::kLast:
    case K::kFollowLive:
      following_ = true;
      move_to(last_tick());
      break;
    case K::kPlay:
    case K::kPause:
    case K::kTogglePlay:
    case K::kSetSpeed:
    case K::kOpen:
    case K::kReload:
    case K::kSetCompare:
    case K::kSetStop:
      break;
  }
}

const trace::FeedCall* TraceController::current_call() const {
  if (call_chosen_) return view_.call(current_call_);
  if (tick_ == 0) return nullptr;
  if (tick_ == first_tick() || following_) {
    // No step of a kept call before it (or live): the newest call that ended here.
    for (auto it = view_.calls.rbegin(); it != view_.calls.rend(); ++it)
      if (it->end_step <= tick_) return &*it;
    return nullptr;
  }
  return view_.call_of_step(tick_ - 1);
}

const trace::FeedStep* TraceController::current_step() const {
  return tick_ == 0 ? nullptr : view_.step(tick_ - 1);
}

}  // namespace epollscope::app
