// SPDX-License-Identifier: GPL-2.0-only
// gui/app/video_plan.h — which timeline position each frame of an exported animation shows
// (`epollscope export-video`), and from when: the window's animation, frame by frame at a fixed
// rate, so that the same scenario and options always give the same frames.
//
// The video opens on the state before the first exported statement, held; then, for each
// kernel-function step (timeline tick) of the statements exported, the controller moves one tick
// at the time of a frame, the window animates the move for `transition` seconds, and the picture
// rests: `hold` seconds after a step inside a statement, `line_hold` after a statement's last step
// (its result), so a teacher can pause there. Frame k is drawn at t = k / fps exactly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gui/app/timeline.h"

namespace epollscope::app {

struct VideoTiming {
  double fps = 10;
  double transition = 0.45;  // the window's animation of one move (UiState::animation_seconds)
  double hold = 1;           // rest after a step inside a statement
  double line_hold = 2;      // rest after a statement's last step, and on the opening state
};

struct VideoPlan {
  struct Move {
    std::size_t tick = 0;         // the position moved to
    std::size_t first_frame = 0;  // the frame at whose time the move happens
    std::size_t frames = 0;       // frames showing this move (its animation, then the rest)
    bool ends_statement = false;  // the statement's last step: line_hold rather than hold
  };
  std::size_t start_tick = 0;    // the opening state: before the first exported statement
  std::size_t start_frames = 0;  // frames it is held
  std::vector<Move> moves;       // one per tick of the exported statements, in order
  std::size_t total_frames = 0;
};

// Frames that last `seconds` at `fps`, at least 1.
std::size_t frames_for(double seconds, double fps);

// The plan for statements `first` to `last` (indices into the timeline's statements, first <= last
// < timeline.statements()); statements that own no tick (run untraced) add no move.
VideoPlan plan_video(const Timeline& timeline, std::size_t first, std::size_t last,
                     const VideoTiming& timing);

}  // namespace epollscope::app
