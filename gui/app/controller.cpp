// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/controller.h"

#include <algorithm>
#include <atomic>

namespace epollscope::app {

Controller::Controller(ControllerOptions options) : options_(options) {
  if (!options_.other_profile) {
    const auto& all = sim::KernelProfile::all();
    options_.other_profile = all.size() > 1 ? &all.back() : options_.profile;
  }
}

const std::string& Controller::error() const {
  static const std::string none;
  if (left_ && !left_->ok()) return left_->error();
  return none;
}

void Controller::load(const std::string& path) {
  // Unique over all controllers of the process: a window shown another controller resets too.
  static std::atomic<std::size_t> generations{0};
  generation_ = ++generations;
  path_ = path;
  std::error_code ec;
  mtime_ = std::filesystem::last_write_time(path, ec);
  SessionOptions lo;
  lo.profile = options_.profile;
  lo.kernel = options_.kernel;
  lo.record_from = options_.record_from;
  lo.limits = options_.limits;
  left_ = session(lo);
  right_.reset();
  if (left_->ok() && compare_ != CompareMode::kOff) {
    SessionOptions ro = lo;
    if (compare_ == CompareMode::kTrigger) ro.variant = Variant::kFlipTrigger;
    if (compare_ == CompareMode::kProfiles) {
      ro.profile = options_.other_profile;
      ro.kernel = nullptr;  // an older kernel's model: this kernel would answer otherwise
    }
    right_ = session(ro);
    // ET always on the left: a scenario written level-triggered swaps sides.
    if (compare_ == CompareMode::kTrigger && right_->ok() &&
        !driver::uses_edge_trigger(left_->scenario()))
      std::swap(left_, right_);
  }
  timeline_ = left_->ok() ? Timeline(*left_, right_.get()) : Timeline();
  const std::size_t keep = tick_;
  tick_ = previous_tick_ = std::min(keep, timeline_.ticks());
  playing_ = false;
}

std::unique_ptr<Session> Controller::session(const SessionOptions& o) const {
  return text_ ? Session::from_text(*text_, path_, o) : Session::from_file(path_, o);
}

void Controller::open_text(std::string text, const std::string& name) {
  text_ = std::move(text);
  tick_ = 0;
  load(name);
}

void Controller::move_to(std::size_t tick) {
  tick = std::min({tick, timeline_.ticks(), stop_});
  if (tick == tick_) return;
  previous_tick_ = tick_;
  tick_ = tick;
  moved_at_ = now_;
}

void Controller::dispatch(const Command& c) {
  using K = Command::Kind;
  switch (c.kind) {
    case K::kStepForward:
      move_to(tick_ + 1);
      break;
    case K::kStepBack:
      if (tick_ > 0) move_to(tick_ - 1);
      break;
    case K::kFirst:
      move_to(0);
      break;
    case K::kLast:
    case K::kFollowLive:
      move_to(timeline_.ticks());
      break;
    case K::kSeek:
      move_to(c.tick);
      break;
    case K::kSeekStatement:
      move_to(timeline_.last_tick_of(c.index));
      break;
    case K::kPlay:
      playing_ = true;
      if (tick_ >= timeline_.ticks()) move_to(0);
      if (tick_ >= stop_) playing_ = false;
      break;
    case K::kPause:
      playing_ = false;
      break;
    case K::kTogglePlay:
      dispatch(Command{playing_ ? K::kPause : K::kPlay});
      break;
    case K::kSetSpeed:
      speed_ = std::clamp(c.speed, 0.25, 100.0);
      break;
    case K::kOpen:
      tick_ = 0;
      text_.reset();
      load(c.path);
      break;
    case K::kReload:
      ++reloads_;
      load(path_);
      break;
    case K::kSetCompare:
      compare_ = c.compare;
      load(path_);
      break;
    case K::kSetStop:
      stop_ = c.tick;
      if (tick_ > stop_) move_to(stop_);
      break;
  }
}

void Controller::update(double now) {
  now_ = now;
  if (last_update_ < 0) last_update_ = now;
  const double dt = now - last_update_;
  last_update_ = now;
  if (playing_) {
    play_accumulator_ += dt * speed_;
    while (play_accumulator_ >= 1) {
      play_accumulator_ -= 1;
      if (tick_ >= std::min(timeline_.ticks(), stop_)) {
        playing_ = false;
        break;
      }
      move_to(tick_ + 1);
    }
  } else {
    play_accumulator_ = 0;
  }
  if (!path_.empty() && !text_ && (last_reload_check_ < 0 || now - last_reload_check_ >= 0.5)) {
    last_reload_check_ = now;
    std::error_code ec;
    auto m = std::filesystem::last_write_time(path_, ec);
    if (!ec && m != mtime_) dispatch(Command{Command::Kind::kReload});
  }
}

}  // namespace epollscope::app
