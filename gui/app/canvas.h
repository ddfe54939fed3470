// SPDX-License-Identifier: GPL-2.0-only
// gui/app/canvas.h — the geometry of the eventpoll view as a canvas, without any GUI library so
// that it can be tested: zoom and scroll (the view scrolls both ways, zooms around the pointer and
// fits the picture to the pane), which rows of a long list are visible, how chips flow into rows,
// the grid of file boxes for a big interest list, the extent of everything drawn (the scrollable
// content), the links between the objects of one epitem (cubic curves with arrowheads) and which
// of them lie on the path of the current trace step, and the tree's in-order ranks ("1st").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/trace.h"

namespace epollscope::app {

struct Vec2 {
  float x = 0, y = 0;
  friend bool operator==(const Vec2&, const Vec2&) = default;
};

struct Rect {
  Vec2 min, max;
  bool contains(const Rect& r) const {
    return r.min.x >= min.x && r.min.y >= min.y && r.max.x <= max.x && r.max.y <= max.y;
  }
};

// [SECTION] zoom and scroll

// Zoom and scroll of one pane's canvas. The picture is laid out at `zoom` (text, boxes and the
// width it is laid out to all scale with it); scroll is in pixels of the zoomed picture.
struct CanvasView {
  float zoom = 1;
  Vec2 scroll;
  Vec2 content_at_zoom;  // the scrollable content at the last frame, at that frame's zoom
  float content_zoom = 1;
  bool panning = false;  // a middle or right drag started on the canvas and goes on
};

constexpr float kMinZoom = 0.25f;
constexpr float kMaxZoom = 4.f;
constexpr float kZoomStep = 1.25f;

float clamp_zoom(float zoom);
// `steps` wheel notches or button presses in (> 0) or out (< 0); a step that crosses 100% stops
// there, so that 100% is always reachable with the keys.
float zoom_steps(float zoom, float steps);
// The scroll that keeps the content point under `pointer` (relative to the visible area's top
// left corner) under it when the zoom changes from `from` to `to`.
Vec2 zoom_about(Vec2 scroll, Vec2 pointer, float from, float to);
// The zoom at which content measured as `content` at zoom `at` fits `visible` (at most 100%: the
// picture is never blown up to fit, only shrunk).
float fit_zoom(Vec2 content, float at, Vec2 visible);
// Scroll kept within [0, content - visible] on each axis.
Vec2 clamp_scroll(Vec2 scroll, Vec2 content, Vec2 visible);

// [SECTION] lists, chips and grids

// Rows [first, last) of a list of `rows` rows of height `row_h` starting at `top` that meet the
// vertical span [clip_top, clip_bottom).
struct RowRange {
  std::size_t first = 0, last = 0;
};
RowRange visible_rows(float top, float row_h, std::size_t rows, float clip_top, float clip_bottom);

// Chips of the given widths placed left to right from x = 0, a new row when the next does not fit
// `width` (a chip wider than `width` gets a row of its own, never dropped).
struct ChipPlace {
  float x = 0;
  int row = 0;
};
std::vector<ChipPlace> flow(const std::vector<float>& widths, float width, float gap);
int flow_rows(const std::vector<ChipPlace>& places);

// Cells of equal size in rows, as many columns as fit `width` (at least one).
struct Grid {
  Vec2 origin;
  float cell_w = 0, cell_h = 0, gap = 0;
  int columns = 1;
  std::size_t count = 0;
  Rect cell(std::size_t i) const;
  float bottom() const;
  float right() const;
  // The cells whose rows meet [clip_top, clip_bottom): [first, last).
  RowRange visible(float clip_top, float clip_bottom) const;
};
Grid make_grid(Vec2 origin, float width, float cell_w, float cell_h, float gap, std::size_t count);

// Everything drawn on the canvas grows its extent; the extent (plus a margin) is the scrollable
// content, so nothing drawn lies out of reach.
class Extent {
 public:
  explicit Extent(Vec2 origin) : origin_(origin), max_(origin) {}
  void add(const Rect& r);
  void add(Vec2 p) { add(Rect{p, p}); }
  // The content size from the origin, with `margin` to the right and below.
  Vec2 content(float margin) const;
  bool covers(const Rect& r, float margin) const;

 private:
  Vec2 origin_, max_;
};

// [SECTION] links

// What an epitem is linked to in the picture.
enum class LinkKind {
  kTreeNode,   // the epitem ↔ its node in rbr
  kReadyList,  // the epitem → its place on rdllist / txlist / ovflist
  kWaitEntry,  // its eppoll_entry on a file's wait queue → the epitem (a wake-up's way in)
  kWaiter,     // eventpoll.wq → a thread asleep in epoll_wait
  kPollWait,   // nested epolls: the inner eventpoll's poll_wait entry → the outer epoll's epitem
  kHarvest,    // the epitem → the thread whose epoll_wait harvests it
};

// A cubic from p0 to p1; it leaves p0 along `out` and reaches p1 along `in` (unit directions).
// Its handles grow with the distance, from `bend`; `max_out` / `max_in` cap them at either end
// (an epitem row's end bends within the gutter beside the rows, not out of the picture).
struct Curve {
  Vec2 p0, c0, c1, p1;
};
Curve link_curve(Vec2 from, Vec2 out, Vec2 to, Vec2 in, float bend, float max_out = 1e9f,
                 float max_in = 1e9f);
// The arrowhead at the end of a curve: tip, and the two corners of its base.
std::array<Vec2, 3> arrow_head(const Curve& c, float length, float half_width);

// True if the link lies on the path the step took: its epitem (or, for kWaiter, the thread) was
// touched and the step is of a kind that moves along this link (a wake-up runs wait queue →
// ep_poll_callback → epitem → rdllist → waiter; a harvest epitem → thread; an insert epitem ↔
// rbr node and file).
// `touched` says whether the link's own object (the epitem; for kWaiter the eventpoll or the
// thread) is among what the step touched.
bool on_step_path(const sim::TraceStep& step, LinkKind link, bool touched);

// [SECTION] the tree

// An ep_find or ep_rbtree_insert walk down rbr that step `steps` (1-based: the step after which
// the view stands) is part of: the epitems compared so far in the same call and function, in
// order, the current one last. Empty when that step is not such a walk.
std::vector<uint32_t> rbr_walk(const std::vector<sim::TraceStep>& all, std::size_t steps);

// A rank as the tree's in-order axis writes it: 1 → "1st", 2 → "2nd", 11 → "11th", 22 → "22nd".
std::string ordinal(std::size_t rank);

}  // namespace epollscope::app
