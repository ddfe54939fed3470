// SPDX-License-Identifier: GPL-2.0-only
// gui/app/splits.h — where the window's panes meet, computed without any GUI library so that it
// can be tested. The window is a left column of two or three panes (script, kernel functions,
// kernel column; or a live trace's calls and kernel functions), the eventpoll view to its right and
// the timeline along the bottom. The user drags the borders between them (the splitters); what is
// kept is where each border is, as a fraction of the room it divides, so that the layout follows a
// resized window. Every border is clamped so that each pane keeps a few lines and the eventpoll
// view most of the window, from 1024×768 to 4K and at projector scale; a double click puts a border
// back where it starts.
#pragma once

namespace epollscope::app {

struct PaneRect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
};

// The borders the user can drag.
enum class Splitter {
  kSide,        // between the left column and the eventpoll view (vertical)
  kLeftFirst,   // under the left column's first pane
  kLeftSecond,  // under its second pane (only with three panes)
  kTimeline,    // above the timeline
};
constexpr int kSplitterCount = 4;

// Where the borders are. A negative value is the border's starting place (the default).
struct Splits {
  float side = -1;         // the left column's width / the window's width
  float left_first = -1;   // the first pane's bottom / the body's height (below the menu)
  float left_second = -1;  // the second pane's bottom / the body's height
  float timeline = -1;     // the timeline's height / the window's height
};

// What the layout depends on besides the splits: the window, the font, and the window's kind.
struct SplitGeometry {
  float width = 0, height = 0;  // the viewport, in pixels
  float top = 0;                // the menu bar's height
  float font = 15;              // the font's size in pixels: the limits are counted in lines
  float timeline_min = 0;       // the timeline's height with its one row of controls
  float gap = 5;                // a splitter's thickness (the strip between two panes)
  int left_panes = 3;           // 3: script, kernel functions, kernel column; 2: a live trace
  // The left column's starting width: this fraction of the window, within [min, max] font sizes.
  float side_fraction = 0.3f, side_min_fonts = 22, side_max_fonts = 34;
  // The starting bottoms of the left column's first and second panes, as fractions of the body.
  float first_fraction = 0.42f, second_fraction = 0.75f;
};

struct PaneLayout {
  PaneRect left[3];  // the left column's panes, top to bottom (left_panes of them)
  PaneRect view;     // the eventpoll view
  PaneRect timeline;
  PaneRect splitters[kSplitterCount];  // the strips to drag; empty for kLeftSecond with two panes
};

// The panes' rectangles for these splits, every border clamped to its limits.
PaneLayout layout_panes(const Splits& splits, const SplitGeometry& g);

// The splits with border `which` moved to `position` (x for kSide, y for the others, in window
// pixels: where the strip's first pixel goes), clamped to its limits.
Splits place_splitter(Splits splits, Splitter which, float position, const SplitGeometry& g);

// The splits with border `which` back at its starting place.
Splits reset_splitter(Splits splits, Splitter which);

}  // namespace epollscope::app
