// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/splits.h"

#include <algorithm>

namespace epollscope::app {
namespace {

// A value within [lo, hi]; lo wins when the room is too small for both.
float within(float v, float lo, float hi) {
  return std::max(lo, std::min(v, hi));
}

float timeline_height(const Splits& s, const SplitGeometry& g) {
  const float lo = g.timeline_min;
  const float hi = std::max(lo, g.height * 0.4f);
  return s.timeline < 0 ? lo : within(s.timeline * g.height, lo, hi);
}

float body_height(const Splits& s, const SplitGeometry& g) {
  return std::max(0.f, g.height - g.top - timeline_height(s, g) - g.gap);
}

// The left column's width: at least a narrow column of text, and the eventpoll view keeps at least
// a third of the window (and 20 lines' width).
void side_limits(const SplitGeometry& g, float* lo, float* hi) {
  *lo = std::min(g.font * 14, g.width * 0.45f);
  *hi = std::max(*lo, g.width - std::max(g.font * 20, g.width * 0.35f));
}

float side_width(const Splits& s, const SplitGeometry& g) {
  float lo, hi;
  side_limits(g, &lo, &hi);
  const float start =
      within(g.width * g.side_fraction, g.font * g.side_min_fonts, g.font * g.side_max_fonts);
  return within(s.side < 0 ? start : s.side * g.width, lo, hi);
}

// A left pane's least height: its title and a few lines, or an equal share of a small body.
float pane_min(float body, const SplitGeometry& g) {
  const int n = std::max(1, g.left_panes);
  return std::max(0.f, std::min(g.font * 5, (body - static_cast<float>(n - 1) * g.gap) / n));
}

// The bottom of the left column's first pane, from the top of the body.
float first_bottom(const Splits& s, float body, const SplitGeometry& g) {
  const float m = pane_min(body, g);
  const float after = g.left_panes >= 3 ? 2 * (m + g.gap) : m + g.gap;
  const float f = s.left_first < 0 ? g.first_fraction : s.left_first;
  return within(f * body, m, body - after);
}

float second_bottom(const Splits& s, float body, float first, const SplitGeometry& g) {
  const float m = pane_min(body, g);
  const float f = s.left_second < 0 ? g.second_fraction : s.left_second;
  return within(f * body, first + g.gap + m, body - g.gap - m);
}

}  // namespace

PaneLayout layout_panes(const Splits& s, const SplitGeometry& g) {
  PaneLayout out;
  const float tl = timeline_height(s, g);
  const float body = body_height(s, g);
  const float side = side_width(s, g);
  const float top = g.top, bottom = g.top + body;
  out.view = PaneRect{side + g.gap, top, g.width, bottom};
  out.timeline = PaneRect{0, g.height - tl, g.width, g.height};
  out.splitters[static_cast<int>(Splitter::kSide)] = PaneRect{side, top, side + g.gap, bottom};
  out.splitters[static_cast<int>(Splitter::kTimeline)] =
      PaneRect{0, g.height - tl - g.gap, g.width, g.height - tl};
  const float b1 = first_bottom(s, body, g);
  out.left[0] = PaneRect{0, top, side, top + b1};
  out.splitters[static_cast<int>(Splitter::kLeftFirst)] =
      PaneRect{0, top + b1, side, top + b1 + g.gap};
  if (g.left_panes >= 3) {
    const float b2 = second_bottom(s, body, b1, g);
    out.left[1] = PaneRect{0, top + b1 + g.gap, side, top + b2};
    out.splitters[static_cast<int>(Splitter::kLeftSecond)] =
        PaneRect{0, top + b2, side, top + b2 + g.gap};
    out.left[2] = PaneRect{0, top + b2 + g.gap, side, bottom};
  } else {
    out.left[1] = PaneRect{0, top + b1 + g.gap, side, bottom};
  }
  return out;
}

Splits place_splitter(Splits s, Splitter which, float position, const SplitGeometry& g) {
  const float body = body_height(s, g);
  switch (which) {
    case Splitter::kSide: {
      float lo, hi;
      side_limits(g, &lo, &hi);
      if (g.width > 0) s.side = within(position, lo, hi) / g.width;
      break;
    }
    case Splitter::kLeftFirst: {
      Splits probe = s;
      // (Not negative: that would mean the starting place.)
      probe.left_first = body > 0 ? std::max(0.f, (position - g.top) / body) : 0;
      if (body > 0) s.left_first = first_bottom(probe, body, g) / body;
      break;
    }
    case Splitter::kLeftSecond: {
      if (g.left_panes < 3 || body <= 0) break;
      Splits probe = s;
      probe.left_second = std::max(0.f, (position - g.top) / body);
      s.left_second = second_bottom(probe, body, first_bottom(s, body, g), g) / body;
      break;
    }
    case Splitter::kTimeline: {
      Splits probe = s;
      probe.timeline = g.height > 0 ? std::max(0.f, (g.height - g.gap - position) / g.height) : 0;
      if (g.height > 0) s.timeline = timeline_height(probe, g) / g.height;
      break;
    }
  }
  return s;
}

Splits reset_splitter(Splits s, Splitter which) {
  switch (which) {
    case Splitter::kSide:
      s.side = -1;
      break;
    case Splitter::kLeftFirst:
      s.left_first = -1;
      break;
    case Splitter::kLeftSecond:
      s.left_second = -1;
      break;
    case Splitter::kTimeline:
      s.timeline = -1;
      break;
  }
  return s;
}

}  // namespace epollscope::app
