// SPDX-License-Identifier: GPL-2.0-only
// Which position each frame of an exported animation shows (gui/app/video_plan.h), without a
// window: one move per kernel-function step of the lines exported, each at the time of a frame,
// the rest after a line's last step longer than after a step inside it, and the video opening on
// the state before the first exported line.
#include <gtest/gtest.h>

#include "gui/app/controller.h"
#include "gui/app/video_plan.h"

namespace epollscope::app {
namespace {

constexpr const char* kPipe = R"(title "pipe"
ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)
epoll_wait(ep, 8, 0)          => [r: EPOLLIN]
read(r, 1024)
epoll_wait(ep, 8, 0)          => []
)";

TEST(VideoPlan, FramesForRoundsAndKeepsAtLeastOne) {
  EXPECT_EQ(frames_for(1.45, 10), 15u);
  EXPECT_EQ(frames_for(0.44, 10), 4u);
  EXPECT_EQ(frames_for(0, 30), 1u);
  EXPECT_EQ(frames_for(2, 30), 60u);
}

TEST(VideoPlan, OneMovePerStepOfTheLinesExportedAndEveryFrameAccountedFor) {
  Controller c;
  c.open_text(kPipe, "pipe.scn");
  ASSERT_TRUE(c.left() && c.left()->ok()) << c.error();
  const Timeline& t = c.timeline();
  ASSERT_EQ(t.statements(), 7u);
  VideoTiming timing;
  timing.fps = 10;
  timing.transition = 0.5;
  timing.hold = 1;
  timing.line_hold = 2;
  // write(w, 2048) and the first epoll_wait: statements 3 and 4.
  const VideoPlan plan = plan_video(t, 3, 4, timing);
  EXPECT_EQ(plan.start_tick, t.last_tick_of(2));
  EXPECT_EQ(plan.start_frames, 20u);
  ASSERT_EQ(plan.moves.size(), t.last_tick_of(4) - t.last_tick_of(2));
  ASSERT_GE(plan.moves.size(), 4u);  // a wake-up and a harvest take several kernel functions
  std::size_t frame = plan.start_frames;
  std::size_t ends = 0;
  for (std::size_t i = 0; i < plan.moves.size(); ++i) {
    const auto& m = plan.moves[i];
    EXPECT_EQ(m.tick, plan.start_tick + i + 1);
    EXPECT_EQ(m.first_frame, frame);
    const bool end = m.tick == t.last_tick_of(3) || m.tick == t.last_tick_of(4);
    EXPECT_EQ(m.ends_statement, end) << "tick " << m.tick;
    EXPECT_EQ(m.frames, end ? 25u : 15u);
    ends += end;
    frame += m.frames;
  }
  EXPECT_EQ(ends, 2u);
  EXPECT_EQ(plan.total_frames, frame);
}

TEST(VideoPlan, FromTheFirstLineTheVideoOpensBeforeAnyCall) {
  Controller c;
  c.open_text(kPipe, "pipe.scn");
  ASSERT_TRUE(c.left() && c.left()->ok()) << c.error();
  const VideoPlan plan = plan_video(c.timeline(), 0, 6, VideoTiming{});
  EXPECT_EQ(plan.start_tick, 0u);
  EXPECT_EQ(plan.moves.size(), c.timeline().ticks());
  EXPECT_EQ(plan.moves.back().tick, c.timeline().ticks());
  EXPECT_TRUE(plan.moves.back().ends_statement);
}

}  // namespace
}  // namespace epollscope::app
