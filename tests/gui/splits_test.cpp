// SPDX-License-Identifier: GPL-2.0-only
// Where the window's panes meet (gui/app/splits.h), without a window: the starting layout, the
// panes tiling the window with a splitter between each two, every border clamped to its limits
// when dragged (at 1024×768, 4K and projector scale), a double click putting it back, and a
// dragged border following a resized window.
#include <gtest/gtest.h>

#include <algorithm>

#include "gui/app/splits.h"

namespace epollscope::app {
namespace {

SplitGeometry geometry(float width, float height, float font = 15) {
  SplitGeometry g;
  g.width = width;
  g.height = height;
  g.top = font + 6;
  g.font = font;
  g.timeline_min = 3.3f * font;
  g.gap = 5;
  return g;
}

PaneRect splitter(const PaneLayout& l, Splitter s) {
  return l.splitters[static_cast<int>(s)];
}

// The panes and the strips between them tile the window below the menu, without overlapping.
void expect_tiled(const PaneLayout& l, const SplitGeometry& g) {
  const float side = l.left[0].x1;
  EXPECT_FLOAT_EQ(l.left[0].y0, g.top);
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kLeftFirst).y0, l.left[0].y1);
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kLeftFirst).y1, l.left[1].y0);
  if (g.left_panes == 3) {
    EXPECT_FLOAT_EQ(splitter(l, Splitter::kLeftSecond).y0, l.left[1].y1);
    EXPECT_FLOAT_EQ(splitter(l, Splitter::kLeftSecond).y1, l.left[2].y0);
    EXPECT_FLOAT_EQ(l.left[2].y1, l.view.y1);
  } else {
    EXPECT_FLOAT_EQ(l.left[1].y1, l.view.y1);
    EXPECT_EQ(splitter(l, Splitter::kLeftSecond).width(), 0);
  }
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kSide).x0, side);
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kSide).x1, l.view.x0);
  EXPECT_FLOAT_EQ(l.view.x1, g.width);
  EXPECT_FLOAT_EQ(l.view.y0, g.top);
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kTimeline).y0, l.view.y1);
  EXPECT_FLOAT_EQ(splitter(l, Splitter::kTimeline).y1, l.timeline.y0);
  EXPECT_FLOAT_EQ(l.timeline.y1, g.height);
  for (int i = 0; i < g.left_panes; ++i) {
    EXPECT_GT(l.left[i].height(), 0) << i;
    EXPECT_FLOAT_EQ(l.left[i].width(), side) << i;
  }
}

TEST(Splits, StartLikeTheFixedLayoutDid) {
  const SplitGeometry g = geometry(1920, 1080);
  const PaneLayout l = layout_panes(Splits{}, g);
  // The left column: 30 % of the window within 22 to 34 font sizes (1920 × 0.3 = 576 > 510).
  EXPECT_FLOAT_EQ(l.left[0].width(), 34 * 15);
  EXPECT_FLOAT_EQ(l.timeline.height(), g.timeline_min);
  const float body = l.view.height();
  EXPECT_FLOAT_EQ(l.left[0].height(), 0.42f * body);
  EXPECT_FLOAT_EQ(l.left[1].y1 - g.top, 0.75f * body);
  expect_tiled(l, g);
  // At 1024 pixels the column is 22 font sizes (1024 × 0.3 = 307 < 330).
  EXPECT_FLOAT_EQ(layout_panes(Splits{}, geometry(1024, 768)).left[0].width(), 22 * 15);
}

TEST(Splits, DraggingMovesABorderWithinItsLimits) {
  for (const SplitGeometry& g : {geometry(1024, 768), geometry(1920, 1080), geometry(3840, 2160),
                                 geometry(1920, 1080, 30), geometry(1024, 768, 30)}) {
    SCOPED_TRACE(testing::Message() << g.width << "x" << g.height << " font " << g.font);
    // Within the limits the border goes where it is put.
    Splits s = place_splitter(Splits{}, Splitter::kSide, g.width * 0.4f, g);
    PaneLayout l = layout_panes(s, g);
    const float lo = std::min(g.font * 14, g.width * 0.45f);
    const float hi = std::max(lo, g.width - std::max(g.font * 20, g.width * 0.35f));
    if (g.width * 0.4f >= lo && g.width * 0.4f <= hi) {
      EXPECT_FLOAT_EQ(l.left[0].width(), g.width * 0.4f);
    }
    expect_tiled(l, g);
    // Far to the left: a narrow column of text stays; far to the right: the view keeps a third.
    s = place_splitter(s, Splitter::kSide, -500, g);
    l = layout_panes(s, g);
    EXPECT_FLOAT_EQ(l.left[0].width(), std::min(g.font * 14, g.width * 0.45f));
    s = place_splitter(s, Splitter::kSide, g.width + 500, g);
    l = layout_panes(s, g);
    EXPECT_GE(l.view.width() + g.gap,
              std::min(g.width * 0.55f, std::max(g.font * 20, g.width * 0.35f)));
    EXPECT_GE(l.left[0].width(), std::min(g.font * 14, g.width * 0.45f));
    expect_tiled(l, g);
    // The left panes keep at least five lines each (or an equal share of a small column).
    s = place_splitter(s, Splitter::kLeftFirst, -100, g);
    l = layout_panes(s, g);
    EXPECT_FLOAT_EQ(l.left[0].height(), g.font * 5);
    s = place_splitter(s, Splitter::kLeftFirst, g.height, g);
    l = layout_panes(s, g);
    EXPECT_FLOAT_EQ(l.left[1].height(), g.font * 5);
    EXPECT_FLOAT_EQ(l.left[2].height(), g.font * 5);
    expect_tiled(l, g);
    s = place_splitter(s, Splitter::kLeftSecond, 0, g);
    l = layout_panes(s, g);
    EXPECT_FLOAT_EQ(l.left[1].height(), g.font * 5);
    // The timeline: its row of controls at least, 40 % of the window at most.
    s = place_splitter(s, Splitter::kTimeline, g.height, g);
    EXPECT_FLOAT_EQ(layout_panes(s, g).timeline.height(), g.timeline_min);
    s = place_splitter(s, Splitter::kTimeline, 0, g);
    l = layout_panes(s, g);
    EXPECT_FLOAT_EQ(l.timeline.height(), g.height * 0.4f);
    expect_tiled(l, g);
    for (int i = 0; i < 3; ++i)
      EXPECT_GE(l.left[i].height() + 1e-3f, std::min(g.font * 5, (l.view.height() - 2 * g.gap) / 3))
          << i;
  }
}

TEST(Splits, ABorderGoesWhereThePointerPutsIt) {
  const SplitGeometry g = geometry(1600, 1000);
  Splits s = place_splitter(Splits{}, Splitter::kTimeline, 800, g);
  EXPECT_FLOAT_EQ(splitter(layout_panes(s, g), Splitter::kTimeline).y0, 800);
  s = place_splitter(s, Splitter::kLeftFirst, g.top + 300, g);
  EXPECT_FLOAT_EQ(layout_panes(s, g).left[0].y1, g.top + 300);
  s = place_splitter(s, Splitter::kLeftSecond, g.top + 500, g);
  EXPECT_FLOAT_EQ(splitter(layout_panes(s, g), Splitter::kLeftSecond).y0, g.top + 500);
  // A taller timeline leaves the left column less height: its panes keep their proportions.
  const Splits taller = place_splitter(s, Splitter::kTimeline, 600, g);
  const float body = 800 - g.top, shorter = 600 - g.top;
  EXPECT_NEAR(layout_panes(taller, g).left[0].y1 - g.top, 300 * shorter / body, 1e-3);
  // The first border pushed below the second one pushes it down, and lets it back up.
  const Splits pushed = place_splitter(s, Splitter::kLeftFirst, g.top + 600, g);
  PaneLayout l = layout_panes(pushed, g);
  EXPECT_FLOAT_EQ(l.left[1].height(), g.font * 5);
  EXPECT_FLOAT_EQ(
      splitter(layout_panes(place_splitter(pushed, Splitter::kLeftFirst, g.top + 300, g), g),
               Splitter::kLeftSecond)
          .y0,
      g.top + 500);
}

TEST(Splits, ADoubleClickPutsABorderBack) {
  const SplitGeometry g = geometry(1920, 1080);
  const PaneLayout start = layout_panes(Splits{}, g);
  Splits s = Splits{};
  s = place_splitter(s, Splitter::kTimeline, 700, g);
  s = place_splitter(s, Splitter::kSide, 900, g);
  s = place_splitter(s, Splitter::kLeftFirst, 200, g);
  s = place_splitter(s, Splitter::kLeftSecond, 500, g);
  s = reset_splitter(s, Splitter::kSide);
  EXPECT_FLOAT_EQ(layout_panes(s, g).view.x0, start.view.x0);
  EXPECT_FLOAT_EQ(layout_panes(s, g).left[0].y1, 200);  // the others stay where they were put
  EXPECT_FLOAT_EQ(splitter(layout_panes(s, g), Splitter::kTimeline).y0, 700);
  for (Splitter w : {Splitter::kLeftFirst, Splitter::kLeftSecond, Splitter::kTimeline})
    s = reset_splitter(s, w);
  const PaneLayout back = layout_panes(s, g);
  for (int i = 0; i < kSplitterCount; ++i) {
    EXPECT_FLOAT_EQ(back.splitters[i].x0, start.splitters[i].x0) << i;
    EXPECT_FLOAT_EQ(back.splitters[i].y0, start.splitters[i].y0) << i;
  }
}

TEST(Splits, ADraggedBorderFollowsAResizedWindow) {
  Splits s = place_splitter(Splits{}, Splitter::kSide, 1000, geometry(1600, 1000));
  EXPECT_FLOAT_EQ(layout_panes(s, geometry(3200, 2000)).left[0].width(), 2000);
  EXPECT_FLOAT_EQ(layout_panes(s, geometry(1024, 768)).left[0].width(), 640);
  // At projector scale in a small window the limit holds: the view keeps 20 lines' width.
  const SplitGeometry big_font = geometry(1024, 768, 30);
  const PaneLayout l = layout_panes(s, big_font);
  EXPECT_FLOAT_EQ(l.left[0].width(), 1024 - 20 * 30);
  expect_tiled(l, big_font);
}

TEST(Splits, ALiveTraceHasTwoLeftPanes) {
  SplitGeometry g = geometry(1280, 1024);
  g.left_panes = 2;
  g.first_fraction = 0.58f;
  Splits s;
  expect_tiled(layout_panes(s, g), g);
  s = place_splitter(s, Splitter::kLeftFirst, 5000, g);
  const PaneLayout l = layout_panes(s, g);
  EXPECT_FLOAT_EQ(l.left[1].height(), g.font * 5);
  expect_tiled(l, g);
  // No second border to drag.
  EXPECT_EQ(place_splitter(s, Splitter::kLeftSecond, 100, g).left_second, s.left_second);
}

}  // namespace
}  // namespace epollscope::app
