// SPDX-License-Identifier: GPL-2.0-only
// The GUI rendered for real (run under xvfb-run with Mesa's software OpenGL): the pipe example,
// edge-triggered beside level-triggered, at every step. The ready-list nodes are drawn in a colour
// reserved for them, so they are found in the pixels: one in each pane after the write, none in the
// ET pane and one in the LT pane after the second epoll_wait. A malformed scenario shows its error.
// A wrong expectation is drawn in red once reached (and errno results in orange), and a compare
// twin that stopped says so over its last state; their screenshots, at 1024x768 and 1920x1080, are
// written to the test's temporary folder (TEST_TMPDIR) to be looked at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_gui.h"
#include "gui/app/answers.h"
#include "gui/app/kernel_source.h"
#include "gui/ui/audit.h"
#include "gui/ui/window.h"
#include "live/live_backend.h"
#include "tests/gui/pipe_scenario.h"

namespace epollscope::ui {
namespace {

const char* const kPipe = test::kPipeScenario;

// Connected areas of exactly `c` inside [x0, x1) x [y0, y1) with at least `min_area` pixels.
int blobs(const std::vector<uint8_t>& px, int w, int x0, int y0, int x1, int y1, Rgb c,
          int min_area = 40) {
  std::vector<uint8_t> seen(px.size() / 4, 0);
  auto is = [&](int x, int y) {
    const uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
  };
  int count = 0;
  std::vector<std::pair<int, int>> stack;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      if (seen[static_cast<std::size_t>(y) * w + x] || !is(x, y)) continue;
      int area = 0;
      stack.push_back({x, y});
      seen[static_cast<std::size_t>(y) * w + x] = 1;
      while (!stack.empty()) {
        auto [cx, cy] = stack.back();
        stack.pop_back();
        ++area;
        const int nx[] = {cx + 1, cx - 1, cx, cx};
        const int ny[] = {cy, cy, cy + 1, cy - 1};
        for (int k = 0; k < 4; ++k) {
          if (nx[k] < x0 || nx[k] >= x1 || ny[k] < y0 || ny[k] >= y1) continue;
          std::size_t i = static_cast<std::size_t>(ny[k]) * w + nx[k];
          if (seen[i] || !is(nx[k], ny[k])) continue;
          seen[i] = 1;
          stack.push_back({nx[k], ny[k]});
        }
      }
      if (area >= min_area) ++count;
    }
  return count;
}

class Gui : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!display_available()) GTEST_SKIP() << "no display: run this test under xvfb-run";
  }
  void SetUp() override {
    WindowOptions o;
    o.width = 1600;
    o.height = 1000;
    o.visible = false;
    o.scale = 1;
    std::string error;
    window_ = Window::open(o, &error);
    ASSERT_NE(window_, nullptr) << error;
    window_->ui().animate = false;
    path_ = ::testing::TempDir() + "pipe.scn";
    FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs(kPipe, f);
    std::fclose(f);
  }
  // Renders the controller's current position and counts ready-list nodes per pane.
  std::vector<int> ready_nodes_per_pane(app::Controller& c) {
    for (int i = 0; i < 2; ++i)
      window_->frame(c, i == 1);
    int w, h;
    const auto& px = window_->pixels(&w, &h);
    std::vector<int> out;
    for (const auto& pane : window_->report().panes)
      out.push_back(blobs(px, w, static_cast<int>(pane.min.x), static_cast<int>(pane.min.y),
                          static_cast<int>(pane.max.x), static_cast<int>(pane.max.y),
                          rgb_of(palette().ready)));
    return out;
  }
  // A window of another size (the fixture's is 1600 x 1000), for screenshots.
  void reopen(int width, int height, ThemeKind theme = ThemeKind::kDark) {
    window_.reset();
    WindowOptions o;
    o.width = width;
    o.height = height;
    o.visible = false;
    o.scale = 1;
    o.theme = theme;
    std::string error;
    window_ = Window::open(o, &error);
    ASSERT_NE(window_, nullptr) << error;
    window_->ui().animate = false;
  }
  // Renders the position and writes it as a PNG in the test's temporary folder (the path printed).
  void shot(app::Controller& c, const std::string& name) {
    for (int i = 0; i < 3; ++i)
      window_->frame(c, i == 2);
    const std::string path = ::testing::TempDir() + name;
    ASSERT_TRUE(window_->save_png(path)) << path;
    std::printf("screenshot: %s\n", path.c_str());
  }
  // Pixels within 30 of colour `c` in each channel inside [x0, x1) x [y0, y1) of the last frame.
  int near(ImU32 colour, float x0, float y0, float x1, float y1) {
    int w, h;
    const auto& px = window_->pixels(&w, &h);
    const Rgb c = rgb_of(colour);
    int n = 0;
    for (int y = std::max(0, static_cast<int>(y0)); y < std::min(h, static_cast<int>(y1)); ++y)
      for (int x = std::max(0, static_cast<int>(x0)); x < std::min(w, static_cast<int>(x1)); ++x) {
        const uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
        n += std::abs(p[0] - c.r) < 30 && std::abs(p[1] - c.g) < 30 && std::abs(p[2] - c.b) < 30;
      }
    return n;
  }
  // The left column (script, kernel functions, kernel column): left of the first pane.
  int near_in_left_column(ImU32 colour) {
    int w, h;
    window_->pixels(&w, &h);
    const float right =
        window_->report().panes.empty() ? static_cast<float>(w) : window_->report().panes[0].min.x;
    return near(colour, 0, 0, right, static_cast<float>(h));
  }
  std::unique_ptr<Window> window_;
  std::string path_;
};

std::size_t statement_on_line(const app::Session& s, int line) {
  for (std::size_t i = 0; i < s.scenario().statements.size(); ++i)
    if (s.scenario().statements[i].loc.line == line) return i;
  ADD_FAILURE() << "no statement on line " << line;
  return 0;
}

TEST_F(Gui, PipeExampleEdgeBesideLevelAtEveryStep) {
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(
      app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, app::CompareMode::kTrigger});
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path_});
  ASSERT_TRUE(c.error().empty()) << c.error();
  ASSERT_NE(c.right(), nullptr);
  // Every step: the pixels agree with the panes' own count and with the snapshots.
  for (std::size_t tick = 0; tick <= c.timeline().ticks(); ++tick) {
    c.dispatch(app::Command{app::Command::Kind::kSeek, tick});
    std::vector<int> seen = ready_nodes_per_pane(c);
    ASSERT_EQ(seen.size(), 2u);
    const auto pos = c.timeline().at(tick);
    const auto& l = c.left()->snapshot_after(pos.left_steps);
    const auto& r = c.right()->snapshot_after(pos.right_steps);
    const int l_ready = l.epolls.empty() ? 0 : static_cast<int>(l.epolls[0]->rdllist.size());
    const int r_ready = r.epolls.empty() ? 0 : static_cast<int>(r.epolls[0]->rdllist.size());
    EXPECT_EQ(seen[0], l_ready) << "tick " << tick;
    EXPECT_EQ(seen[1], r_ready) << "tick " << tick;
    EXPECT_EQ(window_->report().panes[0].ready_nodes, l_ready);
  }
  // After the write (statement 4): one queued item in each pane.
  c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, 3});
  EXPECT_EQ(ready_nodes_per_pane(c), (std::vector<int>{1, 1}));
  // After the second epoll_wait (statement 7): ET has nothing queued, LT still has the pipe.
  c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, 6});
  EXPECT_EQ(ready_nodes_per_pane(c), (std::vector<int>{0, 1}));
  EXPECT_EQ(window_->report().panes[0].label, "edge-triggered");
  EXPECT_EQ(window_->report().panes[1].label, "level-triggered");
  // One black tree node (the root) in each pane.
  int w, h;
  const auto& px = window_->pixels(&w, &h);
  for (const auto& pane : window_->report().panes)
    EXPECT_EQ(blobs(px, w, static_cast<int>(pane.min.x), static_cast<int>(pane.min.y),
                    static_cast<int>(pane.max.x), static_cast<int>(pane.max.y),
                    rgb_of(palette().rb_black), 100),
              1);
}

// The eventpoll view as one connected picture on a canvas: the pipe example's epitem is linked to
// its tree node and its entry on the pipe's rd_wait; the step where ep_poll_callback queues it
// draws that path bright (wait queue → epitem → rdllist); at 100% the picture fits the pane's
// width (no sideways scroll) and at 200% the content is much bigger, scrolled to reach.
TEST_F(Gui, TheViewIsAConnectedPictureOnACanvasAndAWakeUpShowsItsPath) {
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path_});
  ASSERT_TRUE(c.error().empty()) << c.error();
  int path_ticks = 0;
  for (std::size_t tick = 0; tick <= c.timeline().ticks(); ++tick) {
    c.dispatch(app::Command{app::Command::Kind::kSeek, tick});
    window_->frame(c);
    const auto& pane = window_->report().panes.at(0);
    EXPECT_LE(pane.content.x, pane.visible.x + 1) << "tick " << tick;
    EXPECT_LE(pane.path_links, pane.links) << "tick " << tick;
    const app::Timeline::Position pos = c.timeline().at(tick);
    const auto& steps = c.left()->recorder().steps();
    if (pos.left_steps > 0 && pos.left_steps <= steps.size()) {
      const sim::TraceStep& st = steps[pos.left_steps - 1];
      if (std::string(st.function) == "ep_poll_callback" && st.kind == sim::StepKind::kReadyList) {
        // The entry on rd_wait → the epitem, and the epitem → its place on rdllist.
        EXPECT_GE(pane.path_links, 2) << "tick " << tick << ": " << st.text;
        ++path_ticks;
      }
    }
  }
  EXPECT_GE(path_ticks, 1);
  c.dispatch(app::Command{app::Command::Kind::kLast});
  window_->frame(c);
  window_->frame(c);
  const FrameReport::Pane at_100 = window_->report().panes.at(0);
  EXPECT_GE(at_100.items_listed, 1);
  // Its node in rbr and its entry on rd_wait at least.
  EXPECT_GE(at_100.links, 2);
  window_->ui().panes[0].canvas.zoom = 2;
  window_->frame(c);
  window_->frame(c);
  const FrameReport::Pane at_200 = window_->report().panes.at(0);
  EXPECT_GT(at_200.content.y, at_100.content.y * 1.4f);  // text and boxes scale, a few gaps do not
  EXPECT_GT(at_200.content.x, at_200.visible.x);         // wider than the pane: it scrolls sideways
  EXPECT_GE(at_200.links, 1);
  window_->ui().panes[0].canvas = app::CanvasView{};
}

// The default view of a big interest list (the `bench gui` scenario with 5,000 items): the tree is
// folded where nodes would overlap, only the visible epitem rows and file boxes are drawn (the
// others are reached by scrolling), and stepping through
// the recorded calls (animated, single view and compare mode) never draws more than it can show.
TEST_F(Gui, ABigInterestListIsFoldedAndClipped) {
  std::size_t record_from = 0;
  const std::string big = ::testing::TempDir() + "big.scn";
  FILE* f = std::fopen(big.c_str(), "w");
  std::fputs(bench::bench_gui_scenario(5000, 50, &record_from).c_str(), f);
  std::fclose(f);
  window_->ui().animate = true;
  for (auto mode : {app::CompareMode::kOff, app::CompareMode::kTrigger}) {
    app::ControllerOptions o;
    o.record_from = record_from;
    app::Controller c(o);
    c.dispatch(app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, mode});
    c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, big});
    ASSERT_TRUE(c.error().empty()) << c.error();
    EXPECT_EQ(c.left()->failed_expectations(), 0);
    // The 10,000 set-up statements ran untraced: only the recorded calls are stepped through.
    ASSERT_GT(c.timeline().ticks(), 10u);
    ASSERT_LT(c.timeline().ticks(), 100u);
    const std::size_t panes = mode == app::CompareMode::kOff ? 1 : 2;
    for (std::size_t tick = 0; tick <= c.timeline().ticks(); ++tick) {
      c.dispatch(app::Command{app::Command::Kind::kSeek, tick});
      window_->frame(c);
      const auto& r = window_->report();
      ASSERT_EQ(r.panes.size(), panes) << "tick " << tick;
      for (const auto& pane : r.panes) {
        EXPECT_GT(pane.tree_folded, 3000) << "tick " << tick;
        EXPECT_GT(pane.tree_nodes, 100) << "tick " << tick;
        // Only the rows and file boxes that meet the visible part of the canvas are drawn (a
        // line is at least 14 px), but every one has its place in the scrollable content.
        const float pane_h = pane.max.y - pane.min.y;
        EXPECT_LE(pane.items_listed, static_cast<int>(pane_h / 14) + 2) << "tick " << tick;
        EXPECT_LE(pane.files_drawn, static_cast<int>(pane_h / 40) * 8) << "tick " << tick;
        EXPECT_GT(pane.content.y, 5000.f * 14) << "tick " << tick;
        // Nothing drawn is lost: every node is either drawn or folded under a drawn one.
        EXPECT_GE(pane.tree_nodes + pane.tree_folded, 5000) << "tick " << tick;
      }
      // A frame of thousands of items draws about as much as one of a few.
      EXPECT_LT(r.triangles, 60000) << "tick " << tick;
    }
    // At the end the LT harvest re-queued 8 items; the ready list is drawn but clipped.
    c.dispatch(app::Command{app::Command::Kind::kLast});
    window_->frame(c);
    window_->frame(c, true);
    EXPECT_GT(window_->report().panes[0].ready_nodes, 0);
    if (mode == app::CompareMode::kTrigger) {
      window_->save_png(::testing::TempDir() + "big-compare.png");
    }
  }
}

// A statement that lists alternatives (a race) gets the note "Kernel may take either path ..." in
// the kernel-functions panel, drawn in the highlight colour; the statement before it has none.
TEST_F(Gui, ARaceIsNotedInTheKernelFunctionsPanel) {
  const std::string race = ::testing::TempDir() + "race.scn";
  FILE* f = std::fopen(race.c_str(), "w");
  std::fputs(R"(inner = epoll_create1(0)
outer = epoll_create1(0)
socketpair(s0, s1)
epoll_ctl(inner, EPOLL_CTL_ADD, s0, EPOLLIN | EPOLLET)
epoll_ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN)
t0: epoll_wait(inner, 1, 2000)    => blocks
t1: epoll_wait(outer, 1, 300)     => blocks
send(s1, "w")                     => 1
t0                                => [s0: EPOLLIN]
t1                                => blocks or [inner: EPOLLIN]
)",
             f);
  std::fclose(f);
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, race});
  ASSERT_TRUE(c.error().empty()) << c.error();
  // Pixels near the highlight colour in the left column (script, kernel functions, kernel column).
  auto noted = [&](std::size_t statement) {
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, statement});
    ready_nodes_per_pane(c);
    int w, h;
    const auto& px = window_->pixels(&w, &h);
    const Rgb hl = rgb_of(palette().highlight);
    int n = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < 300; ++x) {
        const uint8_t* p = &px[(static_cast<std::size_t>(y) * w + x) * 4];
        n += std::abs(p[0] - hl.r) < 30 && std::abs(p[1] - hl.g) < 30 && std::abs(p[2] - hl.b) < 30;
      }
    return n;
  };
  EXPECT_EQ(noted(8), 0);
  EXPECT_GT(noted(9), 200);
  window_->save_png(::testing::TempDir() + "race.png");
}

TEST_F(Gui, AMalformedScenarioShowsItsErrorInTheWindow) {
  std::string bad = ::testing::TempDir() + "bad.scn";
  FILE* f = std::fopen(bad.c_str(), "w");
  std::fputs("ep = epoll_create1(0)\nepoll_ctl(ep, EPOLL_CTL_ADD, 3, EPOLLFAST)\n", f);
  std::fclose(f);
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, bad});
  ASSERT_NE(c.error().find("bad.scn:2:33: unknown flag 'EPOLLFAST'"), std::string::npos)
      << c.error();
  ready_nodes_per_pane(c);
  EXPECT_TRUE(window_->report().error_shown);
  EXPECT_TRUE(window_->report().panes.empty());
  int w, h;
  const auto& px = window_->pixels(&w, &h);
  // The message's heading is drawn in the error colour (text is anti-aliased: count near matches).
  int bad_pixels = 0;
  const Rgb red = rgb_of(palette().bad);
  for (std::size_t i = 0; i + 3 < px.size(); i += 4)
    bad_pixels += std::abs(px[i] - red.r) < 30 && std::abs(px[i + 1] - red.g) < 30 &&
                  std::abs(px[i + 2] - red.b) < 30;
  EXPECT_GT(bad_pixels, 50);
  window_->save_png(::testing::TempDir() + "error.png");
}

// A scenario with a wrong expectation (line 12: edge-triggered, the 1 KB left does not report the
// pipe again), run on the model and on this machine's kernel: once the step reaches that line,
// the script shows it in red with "expected [r: EPOLLIN], got 0 []" under it and the kernel column
// writes the kernel's failure under its row; before, nothing red, and the kernel column shows no
// answer of a later line. The EAGAIN and EEXIST of lines 14 and 15 are drawn in the errno colour.
TEST_F(Gui, AWrongExpectationIsShownInRedAndErrnosInTheirColour) {
  const std::string path = std::string(EPOLLSCOPE_SOURCE_DIR) + "/tests/data/wrong-expectation.scn";
  app::ControllerOptions o;
  o.kernel = [] { return std::make_unique<live::LiveBackend>(); };
  app::Controller c(o);
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
  ASSERT_TRUE(c.error().empty()) << c.error();
  const app::Session& s = *c.left();
  const std::size_t wrong = statement_on_line(s, 12);
  for (const auto& [w, h] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    reopen(w, h);
    const std::string size = std::to_string(w);
    // Just before the wrong line is answered: nothing red or orange in the left column, and no
    // answer beyond the statement before it.
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, wrong - 1});
    shot(c, "wrong-expectation-before-" + size + ".png");
    EXPECT_EQ(window_->report().script_marks, 0);
    EXPECT_EQ(window_->report().answer_notes, 0);
    EXPECT_EQ(window_->report().last_answer_shown, static_cast<int>(wrong - 1));
    EXPECT_LT(near_in_left_column(palette().bad), 10) << size;
    EXPECT_LT(near_in_left_column(palette().errno_result), 10) << size;
    // On it: the script line and the note under it in red, in both panels.
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, wrong});
    shot(c, "wrong-expectation-" + size + ".png");
    EXPECT_EQ(window_->report().script_marks, 1);
    if (s.live()) {
      EXPECT_EQ(window_->report().answer_notes, 1);
    }
    EXPECT_EQ(window_->report().last_answer_shown, static_cast<int>(wrong));
    EXPECT_GT(near_in_left_column(palette().bad), 200) << size;
    EXPECT_EQ(app::script_mark(s, wrong), "expected [r: EPOLLIN], got 0 []");
    // At the end: the errno results in their colour.
    c.dispatch(app::Command{app::Command::Kind::kLast});
    shot(c, "wrong-expectation-end-" + size + ".png");
    EXPECT_GT(near_in_left_column(palette().errno_result), 60) << size;
  }
  // The light theme: the same marks, in its own red and orange.
  reopen(1024, 768, ThemeKind::kLight);
  c.dispatch(app::Command{app::Command::Kind::kLast});
  shot(c, "wrong-expectation-end-light-1024.png");
  EXPECT_GT(near_in_left_column(palette().bad), 200);
  EXPECT_GT(near_in_left_column(palette().errno_result), 60);
  // The legend in the help window says which colour means what.
  window_->ui().show_help = true;
  shot(c, "help-light-1024.png");
  set_theme(ThemeKind::kDark);
  reopen(1024, 768);
  window_->ui().show_help = true;
  shot(c, "help-1024.png");
}

// 01-pipe-2k-1k-et-blocks beside its level-triggered twin. In the twin t1 never sleeps, so line
// 34's `t1 => blocks` cannot run: from there on the right pane says "stopped at line 34: ..." in
// red and keeps its last state (its epoll instance and tree), instead of the empty state before the
// first call; the edge-triggered pane runs to the end.
TEST_F(Gui, ATwinThatStoppedSaysWhereAndKeepsItsLastState) {
  const std::string path =
      std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et-blocks.scn";
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(
      app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, app::CompareMode::kTrigger});
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
  ASSERT_TRUE(c.error().empty()) << c.error();
  ASSERT_NE(c.right(), nullptr);
  ASSERT_TRUE(c.right()->stop().stopped);
  EXPECT_EQ(c.right()->stop().line, 34);
  for (const auto& [w, h] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    reopen(w, h);
    const std::string size = std::to_string(w);
    // Where the edge-triggered t1 went to sleep (line 30): both panes still run.
    c.dispatch(
        app::Command{app::Command::Kind::kSeekStatement, 0, statement_on_line(*c.left(), 30)});
    shot(c, "compare-et-blocks-line30-" + size + ".png");
    ASSERT_EQ(window_->report().panes.size(), 2u);
    EXPECT_TRUE(window_->report().panes[1].stopped.empty());
    // From line 34 to the end: the twin stopped, and says so over its last state.
    for (int line : {34, 41, 0}) {
      if (line)
        c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0,
                                statement_on_line(*c.left(), line)});
      else
        c.dispatch(app::Command{app::Command::Kind::kLast});
      shot(c, "compare-et-blocks-" + (line ? "line" + std::to_string(line) : "end") + "-" + size +
                  ".png");
      const FrameReport& r = window_->report();
      ASSERT_EQ(r.panes.size(), 2u);
      EXPECT_EQ(r.panes[0].label, "edge-triggered");
      EXPECT_TRUE(r.panes[0].stopped.empty());
      EXPECT_EQ(r.panes[1].stopped.rfind("stopped at line 34: ", 0), 0u) << r.panes[1].stopped;
      EXPECT_EQ(r.panes[1].tree_nodes, 1) << "line " << line;  // the pipe's epitem, still there
      EXPECT_GE(r.panes[1].files_drawn, 1);
      EXPECT_GT(near(palette().bad, r.panes[1].min.x, r.panes[1].min.y, r.panes[1].max.x,
                     r.panes[1].min.y + 120),
                100);
    }
  }
}

// The current call's tabs: at a wake-up the Kernel code tab shows ep_poll_callback's source with
// the line the step is at highlighted; at the return
// of a harvest the events[] tab comes forward with the entry epoll_wait filled; in compare mode the
// code pane still shows its excerpt. Screenshots at 1024x768 and 1920x1080.
TEST_F(Gui, TheCallTabsShowTheKernelsCodeAndTheUsersEvents) {
  const std::string path = std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et.scn";
  for (const auto& [w, h] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    reopen(w, h);
    const std::string size = std::to_string(w);
    app::ControllerOptions o;
    app::Controller c(o);
    c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
    ASSERT_TRUE(c.error().empty()) << c.error();
    // The first ep_poll_callback step (the write wakes the pipe's rd_wait).
    const auto& steps = c.left()->recorder().steps();
    std::size_t callback = steps.size();
    for (std::size_t i = 0; i < steps.size() && callback == steps.size(); ++i)
      if (std::string(steps[i].function) == "ep_poll_callback") callback = i;
    ASSERT_LT(callback, steps.size());
    c.dispatch(
        app::Command{app::Command::Kind::kSeek, c.timeline().tick_of_left_steps(callback + 1)});
    shot(c, "call-tabs-code-" + size + ".png");
    const FrameReport& r = window_->report();
    EXPECT_EQ(r.call_tab, "Kernel code");
    EXPECT_EQ(r.code_function, "ep_poll_callback");
    const app::SourceExcerpt* e = app::find_excerpt("ep_poll_callback");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(r.code_line, static_cast<int>(app::highlighted_line(*e, steps[callback].text)));
    EXPECT_NE(e->lines()[static_cast<std::size_t>(r.code_line)].find("rdllist"), std::string::npos)
        << steps[callback].text;
    EXPECT_EQ(r.events_entries, -1);
    // The end of the first epoll_wait (line 24): the array it filled.
    c.dispatch(
        app::Command{app::Command::Kind::kSeekStatement, 0, statement_on_line(*c.left(), 24)});
    shot(c, "call-tabs-events-" + size + ".png");
    EXPECT_EQ(window_->report().call_tab, "events[]");
    EXPECT_EQ(window_->report().events_entries, 1);
    // One step on: the next statement's first step, back to the code.
    c.dispatch(app::Command{app::Command::Kind::kStepForward});
    shot(c, "call-tabs-after-" + size + ".png");
    EXPECT_EQ(window_->report().call_tab, "Kernel code");
    // Compare mode: the same wake-up, one excerpt for both models.
    c.dispatch(
        app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, app::CompareMode::kTrigger});
    ASSERT_NE(c.right(), nullptr);
    c.dispatch(
        app::Command{app::Command::Kind::kSeek, c.timeline().tick_of_left_steps(callback + 1)});
    shot(c, "call-tabs-compare-" + size + ".png");
    EXPECT_EQ(window_->report().code_function, "ep_poll_callback");
  }
}

// The course in the window (issue 17): the lesson window shows the lesson's title, and one of
// the lesson's scenarios marked open; another lesson number shows another lesson; a number past
// the course says so instead of showing a stale lesson.
TEST_F(Gui, TheLessonWindowShowsTheLessonOfTheCourse) {
  app::ControllerOptions o;
  app::Controller c(o);
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0,
                          std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et.scn"});
  window_->ui().scenario_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios";
  window_->ui().lesson_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/lessons";
  window_->ui().lesson = 2;
  window_->ui().show_lesson = true;
  ready_nodes_per_pane(c);
  EXPECT_EQ(window_->report().lesson_shown.rfind("Lesson 2 of ", 0), 0u)
      << window_->report().lesson_shown;
  EXPECT_NE(window_->report().lesson_shown.find("The pipe 2 KB / 1 KB"), std::string::npos)
      << window_->report().lesson_shown;
  window_->ui().lesson = 1;
  ready_nodes_per_pane(c);
  EXPECT_EQ(window_->report().lesson_shown.find("The pipe 2 KB / 1 KB"), std::string::npos)
      << window_->report().lesson_shown;
  window_->ui().lesson = 999;
  ready_nodes_per_pane(c);
  // No title: the window says there is no such lesson.
  EXPECT_EQ(window_->report().lesson_shown.rfind("Lesson 999 of ", 0), 0u);
  EXPECT_EQ(window_->report().lesson_shown.find(':'), std::string::npos)
      << window_->report().lesson_shown;
  window_->ui().show_lesson = false;
  window_->ui().show_browser = true;  // the course first, then the library (drawn, not clicked)
  ready_nodes_per_pane(c);
  EXPECT_TRUE(window_->report().lesson_shown.empty());
}

// Predict mode, driven with the pointer: the timeline stops before the epoll_wait of line 24 (the
// kernel column shows nothing of it), "+ rfd" builds the prediction, Reveal shows the answer
// beside it with the verdict and moves to the end of the call; a wrong prediction of line 34 is
// marked entry by entry and explained by the kernel function that decided it. Screenshots of the
// question and the reveals at 1024x768 and 1920x1080 (and 1024x768 at 150 % text size) are
// written to look at; none has text cut. The progress file of
// a lesson gets the lesson's score.
TEST_F(Gui, PredictModeAsksBeforeTheAnswerAndRevealsItBesideThePrediction) {
  const std::string progress = ::testing::TempDir() + "predict-progress/epollscope/progress.txt";
  std::filesystem::remove_all(::testing::TempDir() + "predict-progress");
  struct Size {
    int width, height, text_size;
  };
  for (const auto& [width, height, text_size] :
       {Size{1024, 768, 100}, Size{1920, 1080, 100}, Size{1024, 768, 150}}) {
    reopen(width, height);
    window_->ui().text_size = text_size;
    const std::string size = std::to_string(width) + "x" + std::to_string(height) +
                             (text_size == 100 ? "" : "-" + std::to_string(text_size));
    app::Controller c{app::ControllerOptions{}};
    c.dispatch(
        app::Command{app::Command::Kind::kOpen, 0, 0, 0,
                     std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et.scn"});
    ASSERT_TRUE(c.error().empty()) << c.error();
    UiState& ui = window_->ui();
    ui.predict = true;
    ui.scenario_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios";
    ui.lesson_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/lessons";
    ui.lesson = 2;  // the pipe in ET and LT: five scenarios, 3 + 6 + 4 + 5 + 4 questions
    ui.progress_file = progress;
    auto frames = [&](int n = 3) {
      for (int i = 0; i < n; ++i)
        window_->frame(c, i == n - 1);
    };
    auto click = [&](const std::string& label) {
      const auto& buttons = window_->report().predict.buttons;
      auto it = buttons.find(label);
      ASSERT_NE(it, buttons.end()) << "no button " << label;
      const ImVec2 at((it->second.first.x + it->second.second.x) / 2,
                      (it->second.first.y + it->second.second.y) / 2);
      window_->set_test_pointer(at, false);
      frames(1);
      window_->set_test_pointer(at, true);
      frames(1);
      window_->set_test_pointer(at, false);
      frames(2);
      window_->set_test_pointer(ImVec2(2, 2), false);
    };
    frames();
    c.dispatch(app::Command{app::Command::Kind::kLast});  // as End would: held at the question
    frames();
    const std::size_t gate = c.timeline().last_tick_of(3);  // after the write, before line 24
    EXPECT_EQ(c.tick(), gate);
    const FrameReport::Predict* p = &window_->report().predict;
    EXPECT_TRUE(p->shown);
    EXPECT_TRUE(p->asking);
    EXPECT_EQ(p->line, 24);
    EXPECT_EQ(window_->report().last_answer_shown, 3);  // line 24's answer is not shown
    EXPECT_EQ(p->score, "0 right of 0 answered (3 questions)");
    EXPECT_EQ(p->lesson_score, "0 right of 0 answered (22 questions)");
    shot(c, "predict-question-" + size + ".png");
    EXPECT_TRUE(audit_clipped_text().empty()) << size;

    click("+ rfd");
    click("Reveal");
    p = &window_->report().predict;
    EXPECT_FALSE(p->asking);
    EXPECT_EQ(p->revealed_line, 24);
    EXPECT_EQ(p->verdict, "\u2713 right: the model returned [rfd: EPOLLIN]");
    EXPECT_EQ(p->marks, std::vector<std::string>{"same"});
    EXPECT_EQ(c.tick(), c.timeline().last_tick_of(4));  // the end of the call: its answer shown
    EXPECT_EQ(window_->report().last_answer_shown, 4);
    EXPECT_EQ(p->score, "1 right of 1 answered (3 questions)");
    shot(c, "predict-reveal-right-" + size + ".png");

    c.dispatch(app::Command{app::Command::Kind::kLast});
    frames();
    p = &window_->report().predict;
    EXPECT_TRUE(p->asking);
    EXPECT_EQ(p->line, 34);
    click("+ rfd");
    click("Reveal");
    p = &window_->report().predict;
    EXPECT_EQ(p->revealed_line, 34);
    EXPECT_EQ(
        p->verdict.rfind("\u2717 not quite: you said [rfd: EPOLLIN], the model returned []", 0), 0u)
        << p->verdict;
    EXPECT_EQ(p->explanation.rfind("decided in ep_poll: ", 0), 0u) << p->explanation;
    EXPECT_EQ(p->marks, std::vector<std::string>{"not returned"});
    EXPECT_EQ(p->score, "1 right of 2 answered (3 questions)");
    EXPECT_EQ(p->lesson_score, "1 right of 2 answered (22 questions)");
    shot(c, "predict-reveal-wrong-" + size + ".png");
    EXPECT_TRUE(audit_clipped_text().empty()) << size;
    ui.predict = false;
  }
  // The lesson's score, as `epollscope lessons` keeps it (ID RIGHT ASKED QUESTIONS).
  std::ifstream in(progress);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << progress;
  EXPECT_EQ(line, "02-pipe-2k-1k-et-and-lt 1 2 22");
}

}  // namespace
}  // namespace epollscope::ui
