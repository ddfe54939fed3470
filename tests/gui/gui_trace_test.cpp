// SPDX-License-Identifier: GPL-2.0-only
// The window following a live trace (trace --gui, serve), rendered for real under xvfb-run: small
// C programs (tests/trace/progs) traced on the LiveTrace's own thread while the window copies the
// feed frame by frame. The view follows the newest step until the user moves back, Live follows
// again, the panels show the calls with both answers and the model's epolls, items and files, the
// status line ends with the program's exit status and the window stays open; closing the window
// ends the trace as Ctrl-C does; a short history drops older steps and says so. Screenshots at
// 1024x768 and 1920x1080 are written beside the test (trace-*.png) to be looked at.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "gui/app/trace_controller.h"
#include "gui/ui/window.h"
#include "sim/profile.h"
#include "trace/feed.h"
#include "trace/live.h"

namespace epollscope::ui {
namespace {

const std::string kProgs = TRACE_PROGS_DIR;
const std::string kShots = SCREENSHOT_DIR;
using Clock = std::chrono::steady_clock;

class GuiTrace : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!display_available()) GTEST_SKIP() << "no display: run this test under xvfb-run";
  }
  void open(int width, int height) {
    WindowOptions o;
    o.width = width;
    o.height = height;
    o.visible = false;
    o.scale = 1;
    std::string error;
    window_.reset();  // one window (one Dear ImGui context) at a time
    window_ = Window::open(o, &error);
    ASSERT_NE(window_, nullptr) << error;
    window_->ui().animate = false;
  }
  // Frames until `done` holds; a hang (60 s) fails the test rather than the suite.
  template <class F>
  void frames_until(app::TraceController& c, F&& done) {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!done()) {
      ASSERT_TRUE(window_->frame(c));
      ASSERT_LT(Clock::now(), deadline) << "the trace did not get there";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void shot(app::TraceController& c, const std::string& name) {
    for (int i = 0; i < 3; ++i)
      window_->frame(c, i == 2);
    ASSERT_TRUE(window_->save_png(kShots + "/" + name)) << name;
  }
  std::unique_ptr<Window> window_;
};

trace::LiveTraceOptions program(const std::string& name, std::vector<std::string> args = {}) {
  trace::LiveTraceOptions o;
  o.command = {kProgs + "/" + name};
  o.command.insert(o.command.end(), args.begin(), args.end());
  return o;
}

TEST_F(GuiTrace, FollowsThePipeProgramToItsEndAndStaysOpen) {
  for (auto [w, h] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    open(w, h);
    trace::Feed feed;
    trace::LiveTrace live(program("trace-pipe-et"), &feed);
    std::string error;
    ASSERT_TRUE(live.start(&error)) << error;
    app::TraceController c(feed);
    frames_until(c, [&] { return c.status().ended; });
    live.join();
    // One more copy: the end is in the feed.
    ASSERT_TRUE(window_->frame(c));
    const trace::FeedStatus& st = c.status();
    EXPECT_EQ(st.end, "the program exited with status 0");
    EXPECT_NE(st.program.find("trace-pipe-et"), std::string::npos);
    EXPECT_GT(st.pid, 0);
    EXPECT_EQ(st.counts.divergences, 0);
    EXPECT_GE(st.counts.epoll_calls, 8);
    // Live: the newest step is on screen.
    EXPECT_TRUE(c.following());
    EXPECT_EQ(c.tick(), c.last_tick());
    EXPECT_GT(c.last_tick(), 20u);
    EXPECT_EQ(c.feed().dropped_steps, 0u);
    // Every call is there with both answers; none diverged.
    ASSERT_GE(c.feed().calls.size(), 10u);
    bool saw_lesson = false;
    for (const trace::FeedCall& call : c.feed().calls) {
      EXPECT_FALSE(call.record.diverged) << call.record.call << " " << call.record.model;
      // The first harvest: the pipe's read end, ready for reading (fd numbers depend on what the
      // program inherited).
      if (call.record.call.rfind("epoll_wait(", 0) == 0 &&
          call.record.call.find(", 8, 1000)") != std::string::npos &&
          call.record.kernel.rfind("1 [", 0) == 0 &&
          call.record.kernel.find(": IN]") != std::string::npos)
        saw_lesson = true;
    }
    EXPECT_TRUE(saw_lesson);
    // The window stays open after the end: frames go on.
    shot(c, "trace-pipe-et-end-" + std::to_string(w) + ".png");
    // Back to the first epoll_wait that harvested the pipe: its item is on the ready list.
    uint64_t harvest = 0;
    for (const trace::FeedCall& call : c.feed().calls)
      if (call.record.call.rfind("write(", 0) == 0 && call.record.kernel == "2048")
        harvest = call.index;
    ASSERT_GT(harvest, 0u);
    window_->frame(c);
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, harvest});
    EXPECT_FALSE(c.following());
    ASSERT_NE(c.current_call(), nullptr);
    EXPECT_EQ(c.current_call()->index, harvest);
    shot(c, "trace-pipe-et-after-write-" + std::to_string(w) + ".png");
    const FrameReport& r = window_->report();
    ASSERT_EQ(r.panes.size(), 1u);
    EXPECT_EQ(r.panes[0].ready_nodes, 1) << "the pipe is on rdllist after the write";
    EXPECT_EQ(r.panes[0].tree_nodes, 1);
    EXPECT_GE(r.panes[0].files_drawn, 1);
    EXPECT_GE(r.panes[0].items_listed, 1);
  }
}

TEST_F(GuiTrace, ScrubbingBackStaysThereWhileNewStepsArriveAndLiveFollowsAgain) {
  open(1024, 768);
  trace::Feed feed;
  // It times out in epoll_wait every 200 ms, for ever: steps keep coming while the test looks.
  trace::LiveTrace live(program("trace-block-forever"), &feed);
  std::string error;
  ASSERT_TRUE(live.start(&error)) << error;
  app::TraceController c(feed);
  frames_until(c, [&] { return c.status().counts.epoll_calls >= 3; });
  // While it runs: the newest step on screen, the status line says it runs.
  EXPECT_TRUE(c.following());
  EXPECT_TRUE(c.status().running);
  EXPECT_EQ(c.tick(), c.last_tick());
  shot(c, "trace-live-1024.png");
  // The user goes back to the start.
  c.dispatch(app::Command{app::Command::Kind::kFirst});
  const uint64_t back = c.tick();
  const uint64_t newest = c.last_tick();
  const long calls = c.status().counts.epoll_calls;
  EXPECT_FALSE(c.following());
  frames_until(c, [&] { return c.status().counts.epoll_calls >= calls + 2; });
  EXPECT_GT(c.last_tick(), newest) << "new steps appended";
  EXPECT_EQ(c.tick(), back) << "the view stayed where the user put it";
  EXPECT_FALSE(c.following());
  // Live follows again, and goes on following.
  c.dispatch(app::Command{app::Command::Kind::kFollowLive});
  EXPECT_TRUE(c.following());
  EXPECT_EQ(c.tick(), c.last_tick());
  const uint64_t live_tick = c.tick();
  frames_until(c, [&] { return c.last_tick() > live_tick; });
  EXPECT_EQ(c.tick(), c.last_tick());
  live.stop();
  live.join();
  window_->frame(c);
  EXPECT_EQ(c.status().end, "the program was killed by signal 9");
  EXPECT_EQ(c.status().counts.divergences, 0);
}

TEST_F(GuiTrace, ATcpConnectionIsAnObservedFileLabelledWithItsPeer) {
  open(1024, 768);
  trace::Feed feed;
  trace::LiveTrace live(program("trace-tcp-echo"), &feed);
  std::string error;
  ASSERT_TRUE(live.start(&error)) << error;
  app::TraceController c(feed);
  frames_until(c, [&] { return c.status().ended; });
  live.join();
  window_->frame(c);
  EXPECT_EQ(c.status().end, "the program exited with status 0");
  EXPECT_EQ(c.status().counts.divergences, 0);
  // The first state with the accepted connection registered: its box names both ends.
  uint64_t at = 0;
  std::string label;
  for (uint64_t n = c.first_tick(); n < c.last_tick() && !at; ++n)
    for (const auto& f : c.feed().after(n + 1).files)
      if (f->kind == sim::FileKind::kObserved && f->label.find("\u21c4") != std::string::npos &&
          !f->watchers.empty()) {
        at = n + 1;
        label = f->label;
      }
  ASSERT_GT(at, 0u) << "no connection with its peer in any state";
  EXPECT_EQ(label.rfind("TCP 127.0.0.1:", 0), 0u) << label;
  EXPECT_NE(label.find("\u21c4 127.0.0.1:"), std::string::npos) << label;
  c.dispatch(app::Command{app::Command::Kind::kSeek, at});
  shot(c, "trace-tcp-echo-1024.png");
  EXPECT_GE(window_->report().panes[0].files_drawn, 2);
  open(1920, 1080);
  shot(c, "trace-tcp-echo-1920.png");
}

TEST_F(GuiTrace, ADivergedCallIsMarkedWithBothAnswers) {
  open(1024, 768);
  trace::Feed feed;
  trace::LiveTraceOptions o = program("trace-pipe-second-write");
  // The model of an older kernel: a write into a non-empty pipe woke nobody before 5.15.
  for (const auto& profile : sim::KernelProfile::all())
    if (profile.name == "5.10") o.profile = &profile;
  ASSERT_EQ(o.profile->name, "5.10");
  trace::LiveTrace live(o, &feed);
  std::string error;
  ASSERT_TRUE(live.start(&error)) << error;
  app::TraceController c(feed);
  frames_until(c, [&] { return c.status().ended; });
  live.join();
  window_->frame(c);
  EXPECT_EQ(c.status().counts.divergences, 1);
  const trace::FeedCall* diverged = nullptr;
  for (const trace::FeedCall& call : c.feed().calls)
    if (call.record.diverged) diverged = &call;
  ASSERT_NE(diverged, nullptr);
  EXPECT_EQ(diverged->record.call.rfind("epoll_wait(", 0), 0u) << diverged->record.call;
  EXPECT_EQ(diverged->record.kernel.rfind("1 [", 0), 0u) << diverged->record.kernel;
  EXPECT_EQ(diverged->record.model, "0");
  c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, diverged->index});
  shot(c, "trace-divergence-1024.png");
  open(1920, 1080);
  shot(c, "trace-divergence-1920.png");
}

TEST_F(GuiTrace, ClosingTheWindowEndsTheTraceAsCtrlCDoes) {
  open(1024, 768);
  trace::Feed feed;
  trace::LiveTrace live(program("trace-block-forever"), &feed);
  std::string error;
  ASSERT_TRUE(live.start(&error)) << error;
  app::TraceController c(feed);
  frames_until(c, [&] { return c.status().counts.epoll_calls >= 3; });
  window_->request_close();
  EXPECT_FALSE(window_->frame(c));
  // What follow_trace_in_window does once the window is closed.
  live.stop();
  live.join();
  EXPECT_TRUE(live.finished());
  EXPECT_EQ(live.end_line(), "the program was killed by signal 9");
}

TEST_F(GuiTrace, AShortHistoryDropsOlderStepsAndSaysSo) {
  trace::Feed feed(100);
  trace::LiveTrace live(program("trace-timerfd"), &feed);
  open(1024, 768);
  std::string error;
  ASSERT_TRUE(live.start(&error)) << error;
  app::TraceController c(feed);
  frames_until(c, [&] { return c.status().ended; });
  live.join();
  window_->frame(c);
  EXPECT_GT(c.feed().dropped_steps, 0u);
  EXPECT_LE(c.feed().steps.size(), 100u);
  EXPECT_EQ(c.first_tick(), c.feed().dropped_steps);
  EXPECT_EQ(c.status().end, "the program exited with status 0");
  EXPECT_EQ(c.status().counts.divergences, 0);
  EXPECT_GE(c.status().counts.wakeups, 3);
  // The timerfd is an observed file: its box is drawn with its label.
  bool observed = false;
  for (const auto& f : c.feed().after(c.tick()).files)
    observed = observed || (f->kind == sim::FileKind::kObserved &&
                            f->label.find("timerfd") != std::string::npos && !f->watchers.empty());
  EXPECT_TRUE(observed);
  // A call after wake-ups carries them.
  bool woken = false;
  for (const trace::FeedCall& call : c.feed().calls)
    woken = woken || !call.wakeups.empty();
  EXPECT_TRUE(woken);
  shot(c, "trace-timerfd-end-1024.png");
  EXPECT_GE(window_->report().panes[0].files_drawn, 2);
  // The oldest position kept shows the state after the dropped steps.
  c.dispatch(app::Command{app::Command::Kind::kFirst});
  EXPECT_EQ(c.tick(), c.first_tick());
  shot(c, "trace-timerfd-dropped-1024.png");
  EXPECT_EQ(window_->report().panes.size(), 1u);
  open(1920, 1080);
  c.dispatch(app::Command{app::Command::Kind::kFollowLive});
  shot(c, "trace-timerfd-end-1920.png");
}

}  // namespace
}  // namespace epollscope::ui
