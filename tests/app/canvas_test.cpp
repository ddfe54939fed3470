// SPDX-License-Identifier: GPL-2.0-only
// The eventpoll view's canvas geometry, without a window (gui/app/canvas.h): zoom and scroll
// (zooming about the pointer keeps the point under it, fit shrinks the picture into the pane),
// the rows of a long list and the cells of the file grid found by arithmetic agree with a brute
// force check, chips wrap without being dropped, everything drawn lies in the scrollable content,
// the links' ends and arrowheads, which links a step's path lights, and the tree's in-order ranks
// as the kernel orders the keys.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "gui/app/canvas.h"
#include "gui/app/controller.h"
#include "gui/app/layout.h"
#include "gui/app/session.h"

namespace epollscope::app {
namespace {

std::string source_dir() {
  return EPOLLSCOPE_SOURCE_DIR;
}

TEST(Canvas, ZoomIsClampedAndStepsStopAtActualSize) {
  EXPECT_EQ(clamp_zoom(0.01f), kMinZoom);
  EXPECT_EQ(clamp_zoom(100.f), kMaxZoom);
  EXPECT_EQ(clamp_zoom(NAN), 1.f);
  EXPECT_FLOAT_EQ(zoom_steps(1, 1), kZoomStep);
  EXPECT_FLOAT_EQ(zoom_steps(1, -2), 1 / (kZoomStep * kZoomStep));
  // 0.9 × 1.25 passes 100%: it stops there, and so does 1.1 / 1.25.
  EXPECT_EQ(zoom_steps(0.9f, 1), 1.f);
  EXPECT_EQ(zoom_steps(1.1f, -1), 1.f);
  EXPECT_EQ(zoom_steps(kMaxZoom, 3), kMaxZoom);
  EXPECT_EQ(zoom_steps(kMinZoom, -3), kMinZoom);
}

TEST(Canvas, ZoomingAboutThePointerKeepsThePointUnderIt) {
  const Vec2 scroll{120, 340}, pointer{200, 150};
  for (float to : {0.5f, 1.25f, 3.f}) {
    const Vec2 s = zoom_about(scroll, pointer, 1.f, to);
    // The content point under the pointer, in units of zoom 1, is the same before and after.
    EXPECT_NEAR((s.x + pointer.x) / to, (scroll.x + pointer.x) / 1.f, 1e-3f);
    EXPECT_NEAR((s.y + pointer.y) / to, (scroll.y + pointer.y) / 1.f, 1e-3f);
  }
  // About the top left corner: the scroll scales with the zoom.
  const Vec2 s = zoom_about(Vec2{100, 50}, Vec2{0, 0}, 1, 2);
  EXPECT_FLOAT_EQ(s.x, 200);
  EXPECT_FLOAT_EQ(s.y, 100);
}

TEST(Canvas, FitShrinksTheContentIntoThePaneButNeverBlowsItUp) {
  // 2,000 px tall at 100% in a pane 500 px tall: a quarter.
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{400, 2000}, 1, Vec2{800, 500}), 0.25f);
  // Measured at 200%: the same content.
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{800, 4000}, 2, Vec2{800, 500}), 0.25f);
  // The width decides when it is the tighter.
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{1600, 600}, 1, Vec2{800, 1000}), 0.5f);
  // Small content stays at 100%; a huge one stops at the smallest zoom.
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{100, 100}, 1, Vec2{800, 500}), 1.f);
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{100, 100000}, 1, Vec2{800, 500}), kMinZoom);
  EXPECT_FLOAT_EQ(fit_zoom(Vec2{0, 0}, 1, Vec2{800, 500}), 1.f);
}

TEST(Canvas, ScrollStaysWithinTheContent) {
  const Vec2 s = clamp_scroll(Vec2{-5, 900}, Vec2{1000, 1200}, Vec2{800, 500});
  EXPECT_FLOAT_EQ(s.x, 0);
  EXPECT_FLOAT_EQ(s.y, 700);
  // Content smaller than the pane: no scroll at all.
  const Vec2 none = clamp_scroll(Vec2{50, 50}, Vec2{300, 200}, Vec2{800, 500});
  EXPECT_FLOAT_EQ(none.x, 0);
  EXPECT_FLOAT_EQ(none.y, 0);
}

TEST(Canvas, VisibleRowsAreExactlyTheRowsThatMeetTheClip) {
  const float top = 37, h = 18;
  const std::size_t rows = 1000;
  for (float clip_top : {0.f, 37.f, 100.f, 4000.f, 17990.f, 30000.f})
    for (float span : {1.f, 18.f, 500.f}) {
      const RowRange r = visible_rows(top, h, rows, clip_top, clip_top + span);
      for (std::size_t i = 0; i < rows; ++i) {
        const float a = top + static_cast<float>(i) * h, b = a + h;
        const bool meets = b > clip_top && a < clip_top + span;
        EXPECT_EQ(meets, i >= r.first && i < r.last)
            << "row " << i << " clip " << clip_top << "+" << span;
      }
    }
  EXPECT_EQ(visible_rows(0, 18, 0, 0, 100).last, 0u);
}

TEST(Canvas, ChipsWrapAndNoneIsDropped) {
  const std::vector<float> widths = {40, 50, 30, 120, 10, 60};
  const std::vector<ChipPlace> p = flow(widths, 100, 4);
  ASSERT_EQ(p.size(), widths.size());
  EXPECT_EQ(p[0].row, 0);
  EXPECT_EQ(p[1].row, 0);  // 40 + 4 + 50 = 94 fits
  EXPECT_EQ(p[2].row, 1);  // would end at 128
  EXPECT_EQ(p[3].row, 2);  // wider than the row: a row of its own, at x 0
  EXPECT_FLOAT_EQ(p[3].x, 0);
  EXPECT_EQ(p[4].row, 3);
  EXPECT_EQ(flow_rows(p), 4);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (widths[i] <= 100) {
      EXPECT_LE(p[i].x + widths[i], 100.f) << i;
    }
  }
  EXPECT_EQ(flow_rows(flow({}, 100, 4)), 0);
}

TEST(Canvas, GridCellsAreDisjointInsideTheGridAndFoundByArithmetic) {
  const Grid g = make_grid(Vec2{10, 500}, 800, 200, 90, 12, 53);
  EXPECT_EQ(g.columns, 3);  // 3 × 200 + 2 × 12 = 624 fits 800; 4 would need 836
  const Rect all{g.origin, Vec2{g.right(), g.bottom()}};
  for (std::size_t i = 0; i < g.count; ++i) {
    const Rect c = g.cell(i);
    EXPECT_TRUE(all.contains(c)) << i;
    if (i + 1 < g.count) {
      const Rect d = g.cell(i + 1);
      EXPECT_TRUE(d.min.x >= c.max.x || d.min.y >= c.max.y) << i;
    }
  }
  for (float clip : {0.f, 600.f, 1000.f, 2500.f}) {
    const RowRange r = g.visible(clip, clip + 300);
    for (std::size_t i = 0; i < g.count; ++i) {
      const Rect c = g.cell(i);
      const bool meets = c.max.y + g.gap > clip && c.min.y < clip + 300;
      EXPECT_EQ(meets, i >= r.first && i < r.last) << "cell " << i << " clip " << clip;
    }
  }
  // A pane narrower than a cell still has one column.
  EXPECT_EQ(make_grid(Vec2{0, 0}, 50, 200, 90, 12, 3).columns, 1);
}

TEST(Canvas, EverythingAddedLiesInTheScrollableContent) {
  Extent e(Vec2{100, 200});
  const std::vector<Rect> drawn = {
      {{110, 210}, {400, 260}}, {{100, 900}, {180, 950}}, {{1500, 300}, {1900, 340}}};
  for (const Rect& r : drawn)
    e.add(r);
  const Vec2 c = e.content(10);
  EXPECT_FLOAT_EQ(c.x, 1900 - 100 + 10);
  EXPECT_FLOAT_EQ(c.y, 950 - 200 + 10);
  for (const Rect& r : drawn)
    EXPECT_TRUE(e.covers(r, 10));
  EXPECT_FALSE(e.covers(Rect{{100, 200}, {2000, 300}}, 10));
}

TEST(Canvas, LinksLeaveAndArriveAlongTheirDirectionsWithTheArrowAtTheEnd) {
  const Curve c = link_curve(Vec2{100, 400}, Vec2{-1, 0}, Vec2{300, 100}, Vec2{0, -1}, 20);
  EXPECT_EQ(c.p0, (Vec2{100, 400}));
  EXPECT_EQ(c.p1, (Vec2{300, 100}));
  EXPECT_LT(c.c0.x, c.p0.x);  // leaves to the left (into the gutter)
  EXPECT_FLOAT_EQ(c.c0.y, c.p0.y);
  EXPECT_GT(c.c1.y, c.p1.y);  // arrives going up (from under the node)
  EXPECT_FLOAT_EQ(c.c1.x, c.p1.x);
  const std::array<Vec2, 3> head = arrow_head(c, 10, 5);
  EXPECT_EQ(head[0], c.p1);
  for (int i = 1; i < 3; ++i) {
    EXPECT_NEAR(head[static_cast<std::size_t>(i)].y, c.p1.y + 10, 1e-3f);  // behind the tip
    EXPECT_NEAR(std::fabs(head[static_cast<std::size_t>(i)].x - c.p1.x), 5, 1e-3f);
  }
  // A degenerate curve still gets a head, not NaNs.
  const std::array<Vec2, 3> dot = arrow_head(Curve{{5, 5}, {5, 5}, {5, 5}, {5, 5}}, 10, 5);
  for (const Vec2& v : dot)
    EXPECT_TRUE(std::isfinite(v.x) && std::isfinite(v.y));
}

sim::TraceStep step(sim::StepKind kind, const char* function) {
  sim::TraceStep s;
  s.kind = kind;
  s.function = function;
  return s;
}

TEST(Canvas, AWakeUpLightsWaitQueueEpitemReadyListAndWaiter) {
  const sim::TraceStep joins = step(sim::StepKind::kReadyList, "ep_poll_callback");
  EXPECT_TRUE(on_step_path(joins, LinkKind::kWaitEntry, true));
  EXPECT_TRUE(on_step_path(joins, LinkKind::kReadyList, true));
  EXPECT_TRUE(on_step_path(joins, LinkKind::kWaiter, true));
  EXPECT_TRUE(on_step_path(joins, LinkKind::kPollWait, true));
  EXPECT_FALSE(on_step_path(joins, LinkKind::kTreeNode, true));
  EXPECT_FALSE(on_step_path(joins, LinkKind::kHarvest, true));
  // Another item's links stay faint.
  for (LinkKind k : {LinkKind::kWaitEntry, LinkKind::kReadyList, LinkKind::kWaiter})
    EXPECT_FALSE(on_step_path(joins, k, false));
}

TEST(Canvas, AHarvestLightsTheWayToTheUserAndAnInsertTheTreeAndTheFile) {
  const sim::TraceStep harvest = step(sim::StepKind::kReadyList, "ep_send_events");
  EXPECT_TRUE(on_step_path(harvest, LinkKind::kHarvest, true));
  EXPECT_TRUE(on_step_path(harvest, LinkKind::kReadyList, true));
  EXPECT_FALSE(on_step_path(harvest, LinkKind::kWaitEntry, true));
  EXPECT_FALSE(on_step_path(harvest, LinkKind::kTreeNode, true));
  const sim::TraceStep insert = step(sim::StepKind::kTree, "ep_rbtree_insert");
  EXPECT_TRUE(on_step_path(insert, LinkKind::kTreeNode, true));
  EXPECT_TRUE(on_step_path(insert, LinkKind::kWaitEntry, true));
  EXPECT_FALSE(on_step_path(insert, LinkKind::kHarvest, true));
  const sim::TraceStep queued = step(sim::StepKind::kCallback, "ep_ptable_queue_proc");
  EXPECT_TRUE(on_step_path(queued, LinkKind::kWaitEntry, true));
  const sim::TraceStep find = step(sim::StepKind::kTree, "ep_find");
  EXPECT_TRUE(on_step_path(find, LinkKind::kTreeNode, true));
  EXPECT_FALSE(on_step_path(find, LinkKind::kReadyList, true));
}

TEST(Canvas, OrdinalsAsTheAxisWritesThem) {
  const std::vector<std::pair<std::size_t, std::string>> cases = {
      {1, "1st"},     {2, "2nd"},     {3, "3rd"},     {4, "4th"},      {11, "11th"},
      {12, "12th"},   {13, "13th"},   {21, "21st"},   {22, "22nd"},    {23, "23rd"},
      {101, "101st"}, {111, "111th"}, {112, "112th"}, {1002, "1002nd"}};
  for (const auto& [n, s] : cases)
    EXPECT_EQ(ordinal(n), s);
}

// The tree's in-order axis numbers the nodes in the kernel's key order: in a real scenario (the
// nested epolls, several items per tree), the node of rank k is the k-th item of rbr as the model
// keeps it, and that is not always the fd order.
TEST(Canvas, TreeRanksFollowTheKernelsKeyOrder) {
  ControllerOptions co;
  Controller c(co);
  c.dispatch(
      Command{Command::Kind::kOpen, 0, 0, 0, source_dir() + "/scenarios/07-et-echo-server.scn"});
  ASSERT_TRUE(c.error().empty()) << c.error();
  const Session& s = *c.left();
  const sim::Snapshot& end = s.snapshot_after(s.recorder().size());
  std::size_t checked = 0;
  for (const auto& ep : end.epolls) {
    const TreeLayout t = layout_tree(end, *ep);
    ASSERT_EQ(t.nodes.size(), ep->rbr.size());
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
      EXPECT_EQ(t.nodes[i].item, ep->rbr[i]);
      EXPECT_EQ(std::lround(t.nodes[i].x), static_cast<long>(i));
      ++checked;
    }
  }
  EXPECT_GE(checked, 2u);
}

// ep_find's walk for the third connection of the echo server (line 29: s2): the root, then the
// next node down, one step per comparison, and the walk the view draws grows with them.
TEST(Canvas, TheRbrWalkSoFarIsEveryNodeComparedInThisCall) {
  ControllerOptions co;
  Controller c(co);
  c.dispatch(
      Command{Command::Kind::kOpen, 0, 0, 0, source_dir() + "/scenarios/07-et-echo-server.scn"});
  ASSERT_TRUE(c.error().empty()) << c.error();
  const Session& s = *c.left();
  const auto& steps = s.recorder().steps();
  std::size_t longest = 0;
  for (std::size_t n = 1; n <= steps.size(); ++n) {
    const std::vector<uint32_t> walk = rbr_walk(steps, n);
    const sim::TraceStep& st = steps[n - 1];
    const bool is_walk =
        st.kind == sim::StepKind::kTree &&
        (std::string(st.function) == "ep_find" || std::string(st.function) == "ep_rbtree_insert");
    if (!is_walk) {
      EXPECT_TRUE(walk.empty()) << n;
      continue;
    }
    if (walk.empty()) continue;  // a walk of an empty tree compares nothing
    longest = std::max(longest, walk.size());
    // The current comparison is the last, the previous one (if any) came just before it, and
    // the first is the root of the tree before the call.
    const sim::Snapshot& now = s.snapshot_after(n);
    EXPECT_NE(now.item(walk.back()), nullptr) << n;
    if (walk.size() > 1) {
      EXPECT_EQ(rbr_walk(steps, n - 1), std::vector<uint32_t>(walk.begin(), walk.end() - 1)) << n;
      const sim::EpItemView* v = now.item(walk.back());
      ASSERT_NE(v, nullptr);
      // Each node of the walk is a child of the one before it.
      EXPECT_EQ(v->parent, walk[walk.size() - 2]) << n;
    }
  }
  EXPECT_GE(longest, 2u);
  EXPECT_TRUE(rbr_walk(steps, 0).empty());
  EXPECT_TRUE(rbr_walk(steps, steps.size() + 1).empty());
}

}  // namespace
}  // namespace epollscope::app
