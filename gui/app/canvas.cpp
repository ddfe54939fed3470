// SPDX-License-Identifier: GPL-2.0-only
// gui/app/canvas.cpp — the eventpoll view's canvas geometry (see canvas.h).
#include "gui/app/canvas.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "driver/i18n.h"

namespace epollscope::app {

// ---------------------------------------------------------------------------------------------
// [SECTION] zoom and scroll
// ---------------------------------------------------------------------------------------------

float clamp_zoom(float zoom) {
  if (!std::isfinite(zoom)) return 1;
  return std::clamp(zoom, kMinZoom, kMaxZoom);
}

float zoom_steps(float zoom, float steps) {
  const float next = clamp_zoom(zoom * std::pow(kZoomStep, steps));
  // Crossing 100% stops there (within a rounding error either side counts as being there).
  if ((zoom < 0.999f && next > 1.001f) || (zoom > 1.001f && next < 0.999f)) return 1;
  return next;
}

Vec2 zoom_about(Vec2 scroll, Vec2 pointer, float from, float to) {
  const float k = to / from;
  return Vec2{(scroll.x + pointer.x) * k - pointer.x, (scroll.y + pointer.y) * k - pointer.y};
}

float fit_zoom(Vec2 content, float at, Vec2 visible) {
  if (content.x <= 0 || content.y <= 0 || visible.x <= 0 || visible.y <= 0) return 1;
  const float at_one_x = content.x / at, at_one_y = content.y / at;
  return clamp_zoom(std::min({1.f, visible.x / at_one_x, visible.y / at_one_y}));
}

Vec2 clamp_scroll(Vec2 scroll, Vec2 content, Vec2 visible) {
  return Vec2{std::clamp(scroll.x, 0.f, std::max(0.f, content.x - visible.x)),
              std::clamp(scroll.y, 0.f, std::max(0.f, content.y - visible.y))};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] lists, chips and grids
// ---------------------------------------------------------------------------------------------

RowRange visible_rows(float top, float row_h, std::size_t rows, float clip_top, float clip_bottom) {
  if (rows == 0 || row_h <= 0 || clip_bottom <= top) return {};
  const float from = std::max(0.f, std::floor((clip_top - top) / row_h));
  const float to = std::ceil((clip_bottom - top) / row_h);
  RowRange r;
  r.first = std::min(rows, static_cast<std::size_t>(from));
  r.last = std::min(rows, static_cast<std::size_t>(std::max(0.f, to)));
  if (r.last < r.first) r.last = r.first;
  return r;
}

std::vector<ChipPlace> flow(const std::vector<float>& widths, float width, float gap) {
  std::vector<ChipPlace> out;
  out.reserve(widths.size());
  float x = 0;
  int row = 0;
  for (float w : widths) {
    if (x > 0 && x + w > width) {
      x = 0;
      ++row;
    }
    out.push_back(ChipPlace{x, row});
    x += w + gap;
  }
  return out;
}

int flow_rows(const std::vector<ChipPlace>& places) {
  return places.empty() ? 0 : places.back().row + 1;
}

Rect Grid::cell(std::size_t i) const {
  const auto col = static_cast<float>(i % static_cast<std::size_t>(columns));
  const auto row = static_cast<float>(i / static_cast<std::size_t>(columns));
  const Vec2 a{origin.x + col * (cell_w + gap), origin.y + row * (cell_h + gap)};
  return Rect{a, Vec2{a.x + cell_w, a.y + cell_h}};
}

float Grid::bottom() const {
  if (count == 0) return origin.y;
  const std::size_t rows =
      (count + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns);
  return origin.y + static_cast<float>(rows) * (cell_h + gap) - gap;
}

float Grid::right() const {
  if (count == 0) return origin.x;
  const auto cols = static_cast<float>(std::min(count, static_cast<std::size_t>(columns)));
  return origin.x + cols * (cell_w + gap) - gap;
}

RowRange Grid::visible(float clip_top, float clip_bottom) const {
  const std::size_t rows =
      (count + static_cast<std::size_t>(columns) - 1) / static_cast<std::size_t>(columns);
  const RowRange r = visible_rows(origin.y, cell_h + gap, rows, clip_top, clip_bottom);
  const auto cols = static_cast<std::size_t>(columns);
  return RowRange{std::min(count, r.first * cols), std::min(count, r.last * cols)};
}

Grid make_grid(Vec2 origin, float width, float cell_w, float cell_h, float gap, std::size_t count) {
  Grid g;
  g.origin = origin;
  g.cell_w = cell_w;
  g.cell_h = cell_h;
  g.gap = gap;
  g.count = count;
  g.columns = std::max(1, static_cast<int>((width + gap) / (cell_w + gap)));
  return g;
}

void Extent::add(const Rect& r) {
  max_.x = std::max(max_.x, r.max.x);
  max_.y = std::max(max_.y, r.max.y);
}

Vec2 Extent::content(float margin) const {
  return Vec2{max_.x - origin_.x + margin, max_.y - origin_.y + margin};
}

bool Extent::covers(const Rect& r, float margin) const {
  const Vec2 c = content(margin);
  return Rect{origin_, Vec2{origin_.x + c.x, origin_.y + c.y}}.contains(r);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] links
// ---------------------------------------------------------------------------------------------

Curve link_curve(Vec2 from, Vec2 out, Vec2 to, Vec2 in, float bend, float max_out, float max_in) {
  // The handles grow with the distance (a long link bends more) but never less than `bend`.
  const float d = std::hypot(to.x - from.x, to.y - from.y);
  const float h = std::max(bend, d * 0.4f);
  const float ho = std::min(h, max_out), hi = std::min(h, max_in);
  return Curve{from, Vec2{from.x + out.x * ho, from.y + out.y * ho},
               Vec2{to.x - in.x * hi, to.y - in.y * hi}, to};
}

std::array<Vec2, 3> arrow_head(const Curve& c, float length, float half_width) {
  // The direction at the end of a cubic is p1 - c1 (or p1 - c0, p1 - p0 when they coincide).
  Vec2 from = c.c1;
  if (std::hypot(c.p1.x - from.x, c.p1.y - from.y) < 1e-3f) from = c.c0;
  if (std::hypot(c.p1.x - from.x, c.p1.y - from.y) < 1e-3f) from = c.p0;
  float dx = c.p1.x - from.x, dy = c.p1.y - from.y;
  const float len = std::hypot(dx, dy);
  if (len < 1e-3f) {
    dx = 0;
    dy = 1;
  } else {
    dx /= len;
    dy /= len;
  }
  const Vec2 base{c.p1.x - dx * length, c.p1.y - dy * length};
  return {c.p1, Vec2{base.x - dy * half_width, base.y + dx * half_width},
          Vec2{base.x + dy * half_width, base.y - dx * half_width}};
}

bool on_step_path(const sim::TraceStep& step, LinkKind link, bool touched) {
  if (!touched) return false;
  const char* f = step.function ? step.function : "";
  const bool callback = std::strcmp(f, "ep_poll_callback") == 0 ||
                        step.kind == sim::StepKind::kCallback ||
                        step.kind == sim::StepKind::kWakeUp;
  const bool harvest = std::strcmp(f, "ep_send_events") == 0 ||
                       std::strcmp(f, "ep_start_scan") == 0 || std::strcmp(f, "ep_done_scan") == 0;
  const bool insert = std::strcmp(f, "ep_insert") == 0 ||
                      std::strcmp(f, "ep_ptable_queue_proc") == 0 ||
                      std::strcmp(f, "ep_rbtree_insert") == 0;
  switch (link) {
    case LinkKind::kTreeNode:
      return step.kind == sim::StepKind::kTree || insert;
    case LinkKind::kReadyList:
      return step.kind == sim::StepKind::kReadyList;
    case LinkKind::kWaitEntry:
      return callback || insert;
    case LinkKind::kWaiter:
      return callback || step.kind == sim::StepKind::kTask;
    case LinkKind::kPollWait:
      return callback;
    case LinkKind::kHarvest:
      return harvest;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the tree
// ---------------------------------------------------------------------------------------------

std::vector<uint32_t> rbr_walk(const std::vector<sim::TraceStep>& all, std::size_t steps) {
  std::vector<uint32_t> walk;
  if (steps == 0 || steps > all.size()) return walk;
  const sim::TraceStep& step = all[steps - 1];
  auto walking = [&](const sim::TraceStep& st) {
    return st.kind == sim::StepKind::kTree && st.call == step.call && st.function &&
           (std::strcmp(st.function, "ep_find") == 0 ||
            std::strcmp(st.function, "ep_rbtree_insert") == 0) &&
           std::strcmp(st.function, step.function) == 0;
  };
  if (!walking(step)) return walk;
  std::size_t first = steps - 1;
  while (first > 0 && walking(all[first - 1]))
    --first;
  for (std::size_t i = first; i < steps; ++i)
    for (const auto& ref : all[i].touched)
      if (ref.kind == sim::ObjKind::kEpItem) {
        walk.push_back(ref.id);
        break;
      }
  return walk;
}

std::string ordinal(std::size_t rank) {
  // Chinese ranks read 第 1, 第 2, ...
  if (driver::language() == driver::Lang::zh) return "第 " + std::to_string(rank);
  const std::size_t last_two = rank % 100;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    switch (rank % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(rank) + suffix;
}

}  // namespace epollscope::app
