// SPDX-License-Identifier: GPL-2.0-only
// gui/app/video_plan.cpp — the frames of an exported animation (see video_plan.h).
#include "gui/app/video_plan.h"

#include <algorithm>
#include <cmath>

namespace epollscope::app {

std::size_t frames_for(double seconds, double fps) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(seconds * fps)));
}

VideoPlan plan_video(const Timeline& timeline, std::size_t first, std::size_t last,
                     const VideoTiming& timing) {
  VideoPlan plan;
  // first_tick_of(s) is the tick of s's first step; the state before it is one tick earlier.
  const std::size_t first_tick = timeline.first_tick_of(first);
  plan.start_tick = first_tick > 0 ? first_tick - 1 : 0;
  plan.start_frames = frames_for(timing.line_hold, timing.fps);
  std::size_t frame = plan.start_frames;
  std::size_t tick = plan.start_tick;
  for (std::size_t s = first; s <= last; ++s) {
    const std::size_t end = timeline.last_tick_of(s);
    for (; tick < end; ++tick) {
      VideoPlan::Move m;
      m.tick = tick + 1;
      m.ends_statement = m.tick == end;
      m.first_frame = frame;
      m.frames = frames_for(timing.transition + (m.ends_statement ? timing.line_hold : timing.hold),
                            timing.fps);
      frame += m.frames;
      plan.moves.push_back(m);
    }
  }
  plan.total_frames = frame;
  return plan;
}

}  // namespace epollscope::app
