// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_eventpoll.cpp — the eventpoll view of one model at one step.
//
// [SECTION] drawing helpers
// [SECTION] one epoll instance: struct eventpoll, rbr, rdllist / txlist / ovflist, items
// [SECTION] files: wait queues, buffers, poll masks
// [SECTION] threads
// [SECTION] links: one epitem and everything it belongs to, the path of the step
// [SECTION] the callback animation, the canvas and the pane
//
// Everything is drawn from a Snapshot (and the trace step that led to it): the view never looks at
// a live model. Between two snapshots the tree's nodes move from their old places to their new
// ones, and a wake-up is drawn as a dot travelling from the file's wait queue to the ready list.
//
// The view is one connected picture on a canvas that scrolls both ways, zooms (Ctrl+wheel, the
// toolbar, + - 0 over it) and pans (middle or right drag): each epitem is one row, linked by faint
// curves to its node in rbr, its place on rdllist (or txlist / ovflist), its eppoll_entry on each
// wait queue it joined and, for a nested epoll, the inner eventpoll's poll_wait; eventpoll.wq is
// linked to the threads asleep on it. The links the current step moved along are drawn bright
// with arrowheads, so a still image shows the path of the step. Nothing is left out: every item
// and file has a place in the content, and only what meets the visible part is drawn.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "gui/app/canvas.h"
#include "gui/app/layout.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/eventpoll.h"
#include "sim/strings.h"

namespace epollscope::ui {
namespace {

using sim::cat;

// ---------------------------------------------------------------------------------------------
// [SECTION] drawing helpers
// ---------------------------------------------------------------------------------------------

ImU32 with_alpha(ImU32 c, float a) {
  const ImU32 alpha = static_cast<ImU32>(std::clamp(a, 0.f, 1.f) * 255.f);
  return (c & ~IM_COL32_A_MASK) | (alpha << IM_COL32_A_SHIFT);
}

ImVec2 im(app::Vec2 v) {
  return ImVec2(v.x, v.y);
}
app::Vec2 vec(ImVec2 v) {
  return app::Vec2{v.x, v.y};
}
app::Rect rect(ImVec2 a, ImVec2 b) {
  return app::Rect{vec(a), vec(b)};
}

void box(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 fill, ImU32 border, bool highlighted,
         float rounding = 4) {
  if (fill_rect(dl, a, b, fill, rounding)) rounding = 0;  // cleared: square corners
  dl->AddRect(a, b, border, rounding);
  if (highlighted)
    dl->AddRect(ImVec2(a.x - 3, a.y - 3), ImVec2(b.x + 3, b.y + 3), palette().highlight,
                rounding + 2, 0, 2.5f);
}

void arrow(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 c) {
  dl->AddLine(a, b, c, 1.5f);
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  if (len < 1) return;
  const float ux = dx / len, uy = dy / len;
  dl->AddTriangleFilled(b, ImVec2(b.x - 7 * ux + 4 * uy, b.y - 7 * uy - 4 * ux),
                        ImVec2(b.x - 7 * ux - 4 * uy, b.y - 7 * uy + 4 * ux), c);
}

void text_at(ImDrawList* dl, ImVec2 p, ImU32 c, const std::string& s) {
  dl->AddText(p, c, s.c_str());
}

void text_centered(ImDrawList* dl, ImVec2 center, ImU32 c, const std::string& s) {
  ImVec2 size = ImGui::CalcTextSize(s.c_str());
  dl->AddText(ImVec2(center.x - size.x / 2, center.y - size.y / 2), c, s.c_str());
}

// Text wrapped at `wrap` pixels (between CJK characters too: gui/ui/text_wrap.h); returns its
// height.
float wrapped_height(const std::string& s, float wrap) {
  return wrapped_text_size(s, std::max(20.f, wrap)).y;
}
float draw_wrapped(ImDrawList* dl, ImVec2 p, ImU32 c, const std::string& s, float wrap) {
  const std::string lines = wrap_for_width(s, std::max(20.f, wrap));
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), p, c, lines.c_str());
  return ImGui::CalcTextSize(lines.c_str()).y;
}

bool touched(const sim::TraceStep* step, sim::ObjKind kind, uint32_t id) {
  if (!step) return false;
  for (const auto& r : step->touched)
    if (r.kind == kind && r.id == id) return true;
  return false;
}

std::string trigger_marks(sim::poll_t ev) {
  std::string m = ev & sim::kEPOLLET ? "ET" : "LT";
  if (ev & sim::kEPOLLONESHOT) m += " ONESHOT";
  if (ev & sim::kEPOLLEXCLUSIVE) m += " EXCL";
  return m;
}

std::string item_fd(const sim::Snapshot& s, uint32_t item) {
  const sim::EpItemView* v = s.item(item);
  return v ? cat("fd ", v->fd) : std::string("?");
}

// Positions of drawn objects, for the links and the animation overlay. Only what was drawn (met
// the visible part of the canvas) has an anchor.
struct Anchors {
  std::map<uint32_t, ImVec2> tree;         // item id → node centre
  float tree_r = 0;                        // the nodes' radius
  std::map<uint32_t, ImVec2> ready;        // item id → rdllist / txlist / ovflist node centre
  std::map<uint32_t, ImVec2> rdllist_end;  // epoll id → where the next rdllist node would go
  std::map<uint64_t, ImVec2> entry;        // (queue id << 32 | item id) → wait-queue entry centre
  std::map<uint32_t, ImVec2> task;         // task id → centre
  struct Row {
    ImVec2 left, right;  // the row's ends, at the middle of its first line
  };
  std::map<uint32_t, Row> row;         // item id → its epitem row
  std::map<uint32_t, ImVec2> ep_box;   // epoll id → bottom left corner of struct eventpoll
  std::map<uint32_t, ImVec2> ep_wq;    // epoll id → the end of its "wq:" line
  std::map<uint32_t, ImVec2> ep_poll;  // epoll id → the end of its "poll_wait:" line
};

// What a pane draws from: the snapshots, the step, and the pane's caches.
struct PaneInputs {
  ImDrawList* dl;
  const sim::Snapshot& now;
  const sim::Snapshot& before;
  const sim::TraceStep* step;
  float t;
  PaneCache& cache;
  Anchors* anchors;
  const app::Differences& diff;
  FrameReport::Pane& report;
  app::Extent& extent;
  float clip_top, clip_bottom;        // the visible part of the canvas, in screen pixels
  const std::vector<uint32_t>& walk;  // an rbr walk so far (PaneState::walk)
  bool wheel_taken = false;           // the tree zoomed with the wheel: the canvas does not scroll
};

// ---------------------------------------------------------------------------------------------
// [SECTION] one epoll instance
// ---------------------------------------------------------------------------------------------

// rdllist, txlist or ovflist as a chain of epitems, wrapping onto as many rows as it needs (a
// row ends with an arrow that goes on at the start of the next).
float draw_chain(PaneInputs& in, const char* name, bool differs, const std::vector<uint32_t>& items,
                 ImU32 colour, ImVec2 at, float width, int* nodes) {
  ImDrawList* dl = in.dl;
  const Palette& p = palette();
  const float h = ImGui::GetFontSize() + 10;
  const float w = ImGui::CalcTextSize("fd 000").x + 16;
  const float gap = 18;
  text_at(dl, ImVec2(at.x, at.y + 5), differs ? p.differs : p.text_dim,
          differs ? cat(name, " \u2260") : std::string(name));
  const float x0 = at.x + ImGui::CalcTextSize("rdllist \u2260 ").x + 12;
  if (items.empty()) {
    text_at(dl, ImVec2(x0, at.y + 5), p.text_dim, tr("(empty)"));
    in.extent.add(rect(at, ImVec2(x0 + ImGui::CalcTextSize(tr("(empty)")).x, at.y + h)));
    return at.y + h + 8;
  }
  const auto per_row =
      static_cast<std::size_t>(std::max(1.f, std::floor((width - (x0 - at.x) + gap) / (w + gap))));
  const std::size_t rows = (items.size() + per_row - 1) / per_row;
  const float row_h = h + 8;
  const app::RowRange vis = app::visible_rows(at.y, row_h, rows, in.clip_top, in.clip_bottom);
  for (std::size_t row = vis.first; row < vis.last; ++row) {
    const float y = at.y + static_cast<float>(row) * row_h;
    for (std::size_t i = row * per_row; i < std::min(items.size(), (row + 1) * per_row); ++i) {
      const float x = x0 + static_cast<float>(i - row * per_row) * (w + gap);
      const uint32_t id = items[i];
      const ImVec2 a(x, y), b(x + w, y + h);
      if (i == row * per_row && row > 0)  // continued from the row above
        arrow(dl, ImVec2(x - 10, y - 4), ImVec2(x + w / 2, a.y - 1), p.line);
      else
        arrow(dl, ImVec2(x - gap + 2, y + h / 2), ImVec2(a.x - 1, y + h / 2), p.line);
      box(dl, a, b, colour, p.box_border, touched(in.step, sim::ObjKind::kEpItem, id));
      text_centered(dl, ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2), IM_COL32(20, 20, 20, 255),
                    item_fd(in.now, id));
      in.anchors->ready[id] = ImVec2((a.x + b.x) / 2, b.y);
      ++*nodes;
    }
  }
  const float right = x0 + static_cast<float>(std::min(items.size(), per_row)) * (w + gap);
  in.extent.add(rect(at, ImVec2(right, at.y + static_cast<float>(rows) * row_h)));
  return at.y + static_cast<float>(rows) * row_h;
}

// The tree, x = in-order rank and y = depth, fitted to the width and then zoomed and panned by
// the user (wheel over the tree zooms around the pointer, dragging pans, a double click fits it
// again; the wheel scrolls the canvas when the tree fits at full size). Under the tree, the
// in-order axis numbers each node's rank in the kernel's key order ("1st", "2nd", ...). Nodes
// closer than a few pixels are folded: at each depth only the first node of every few pixels is
// drawn, and edges shorter than that are left out, so a tree of 100,000 items costs about as much
// to draw as one of a few thousand. Hovering a node names its item.
float draw_tree(PaneInputs& in, const app::TreeLayout& layout, ImVec2 at, float width,
                TreeView& view) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& s = in.now;
  const Palette& p = palette();
  const float r = ImGui::GetFontSize() * 0.95f;
  const int n = static_cast<int>(layout.nodes.size());
  if (n == 0) {
    text_at(dl, ImVec2(at.x, at.y + 4), p.text_dim, tr("(empty tree)"));
    in.extent.add(rect(at, ImVec2(at.x + ImGui::CalcTextSize(tr("(empty tree)")).x,
                                  at.y + ImGui::GetFontSize() + 4)));
    return at.y + ImGui::GetFontSize() + 12;
  }
  // Fit to the width: the spacing of in-order ranks at zoom 1.
  const float fit_dx = std::min(2.6f * r, (width - 2 * r) / std::max(1.f, static_cast<float>(n)));
  const float max_zoom = std::max(1.f, 2.6f * r / fit_dx);
  const bool wide = fit_dx * max_zoom > fit_dx * 1.01f;  // zooming would change anything
  const int depth = std::max(1, layout.depth);
  const bool folded_at_fit = fit_dx < 1.2f * r;
  const float dy = folded_at_fit ? std::clamp(240.f / static_cast<float>(depth), 8.f, 1.6f * r)
                                 : std::min(2.4f * r, std::max(1.6f * r, 160.f / depth));
  const float height = 2 * r + static_cast<float>(depth - 1) * dy;

  // Zoom and pan: an invisible button over the tree takes the wheel and the drags.
  ImGui::SetCursorScreenPos(at);
  ImGui::InvisibleButton("rbr", ImVec2(std::max(1.f, width), height));
  const bool hovered = ImGui::IsItemHovered();
  const ImGuiIO& io = ImGui::GetIO();
  if (hovered && io.MouseWheel != 0 && wide && !io.KeyCtrl) {
    in.wheel_taken = true;
    const float mx = io.MousePos.x - at.x - r;
    const float world = (mx + view.pan) / view.zoom;
    view.zoom = std::clamp(view.zoom * std::pow(1.25f, io.MouseWheel), 1.f, max_zoom);
    view.pan = world * view.zoom - mx;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left))
    view.pan -= io.MouseDelta.x;
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) view = TreeView{};
  const float content = (static_cast<float>(n - 1) * fit_dx) * view.zoom + 2 * r;
  view.pan = std::clamp(view.pan, 0.f, std::max(0.f, content - width));
  if (view.zoom <= 1.f) view.pan = 0;

  const float dx = fit_dx * view.zoom;
  const bool dots = dx < 1.2f * r;
  const float fold_px = dots ? 3.f : 0.f;
  const float dot = std::clamp(dx * 0.45f, 1.5f, r * 0.6f);
  auto pos = [&](const app::TreeNode& node) {
    return ImVec2(at.x + r + node.x * dx - view.pan, at.y + r + node.y * dy);
  };
  const ImVec2 clip_min = dl->GetClipRectMin(), clip_max = dl->GetClipRectMax();
  const float left = std::max(clip_min.x, at.x) - r, right = std::min(clip_max.x, at.x + width) + r;
  // The outline of a touched node reaches 4 px and half a stroke beyond it: the clip leaves that
  // much room, or the root's outline (the first step of every ep_find walk) is cut off at the top.
  constexpr float kOutline = 6.f;
  dl->PushClipRect(ImVec2(at.x - kOutline, at.y - kOutline),
                   ImVec2(at.x + width + kOutline, at.y + height + 3 * ImGui::GetFontSize() + 16),
                   true);

  // Per depth, where the last drawn node is (nodes come in key order, so x grows).
  std::vector<float> last_x(static_cast<std::size_t>(depth) + 1, -1e30f);
  std::vector<char> drawn(static_cast<std::size_t>(n), 0);
  const app::TreeNode* under_mouse = nullptr;
  float best = (dots ? 6.f : r) * (dots ? 6.f : r);
  for (int i = 0; i < n; ++i) {
    const app::TreeNode& node = layout.nodes[static_cast<std::size_t>(i)];
    const ImVec2 c = pos(node);
    if (c.x < left || c.x > right) continue;
    const std::size_t level =
        std::min(static_cast<std::size_t>(std::lround(node.y)), last_x.size() - 1);
    if (c.x - last_x[level] < fold_px) {
      ++in.report.tree_folded;
      continue;
    }
    last_x[level] = c.x;
    drawn[static_cast<std::size_t>(i)] = 1;
    if (hovered) {
      const float ddx = io.MousePos.x - c.x, ddy = io.MousePos.y - c.y;
      if (ddx * ddx + ddy * ddy < best) {
        best = ddx * ddx + ddy * ddy;
        under_mouse = &node;
      }
    }
  }
  // Edges first (under the nodes): from every drawn node to its parent, unless shorter than the
  // fold (the dots show the shape) or entirely outside the visible part.
  for (int i = 0; i < n; ++i) {
    if (!drawn[static_cast<std::size_t>(i)]) continue;
    const app::TreeNode& node = layout.nodes[static_cast<std::size_t>(i)];
    if (node.parent_index < 0) continue;
    const app::TreeNode& parent = layout.nodes[static_cast<std::size_t>(node.parent_index)];
    const ImVec2 a = pos(node), b = pos(parent);
    if (dots && std::fabs(a.x - b.x) < 4 * fold_px) continue;
    dl->AddLine(a, b, with_alpha(p.line, node.alpha), dots ? 1.f : 1.5f);
  }
  for (int i = 0; i < n; ++i) {
    if (!drawn[static_cast<std::size_t>(i)]) continue;
    const app::TreeNode& node = layout.nodes[static_cast<std::size_t>(i)];
    const ImVec2 c = pos(node);
    const ImU32 fill = with_alpha(node.red ? p.rb_red : p.rb_black, node.alpha);
    const bool hl = touched(in.step, sim::ObjKind::kEpItem, node.item);
    if (dots) {
      if (dot < 2.5f)
        dl->AddRectFilled(ImVec2(c.x - dot, c.y - dot), ImVec2(c.x + dot, c.y + dot), fill);
      else
        dl->AddCircleFilled(c, dot, fill, 8);
    } else {
      dl->AddCircleFilled(c, r, fill);
      dl->AddCircle(c, r, with_alpha(p.box_border, node.alpha), 0, 1.5f);
      if (const sim::EpItemView* v = s.item(node.item))
        text_centered(dl, c, with_alpha(IM_COL32(255, 255, 255, 255), node.alpha),
                      std::to_string(v->fd));
    }
    if (hl) dl->AddCircle(c, (dots ? dot : r) + 4, p.highlight, 0, 2.5f);
    in.anchors->tree[node.item] = c;
    ++in.report.tree_nodes;
  }
  // An rbr walk: the nodes compared so far, numbered in order, joined by arrows from the root down
  // to the one compared now (which has the step's outline).
  if (!dots && in.walk.size() > 1) {
    const app::TreeNode* prev = nullptr;
    int number = 0;
    for (uint32_t item : in.walk) {
      const app::TreeNode* node = layout.find(item);
      if (!node) continue;
      const ImVec2 c = pos(*node);
      ++number;
      dl->AddCircle(c, r + 3, with_alpha(p.highlight, 0.7f), 0, 1.5f);
      // Beside the node, not above it (the root's would meet the tree's title).
      text_at(dl, ImVec2(c.x + r + 4, c.y - r - 2), p.highlight, std::to_string(number));
      if (prev) {
        const ImVec2 a = pos(*prev);
        const float dx = c.x - a.x, dy = c.y - a.y;
        const float len = std::max(1.f, std::sqrt(dx * dx + dy * dy));
        arrow(dl, ImVec2(a.x + dx / len * (r + 4), a.y + dy / len * (r + 4)),
              ImVec2(c.x - dx / len * (r + 5), c.y - dy / len * (r + 5)), p.highlight);
      }
      prev = node;
    }
  }
  // A node the step touched is always marked, even when folded away.
  if (dots && in.step)
    for (const auto& ref : in.step->touched)
      if (ref.kind == sim::ObjKind::kEpItem && !in.anchors->tree.count(ref.id))
        for (const auto& node : layout.nodes)
          if (node.item == ref.id) {
            const ImVec2 c = pos(node);
            if (c.x >= left && c.x <= right) dl->AddCircle(c, dot + 4, p.highlight, 0, 2.5f);
            break;
          }
  // The in-order axis: each drawn node's rank in the kernel's order under it (a label that would
  // overlap the one before is left out), then the direction.
  float axis_bottom = at.y + height;
  if (!dots) {
    const float ay = at.y + height + 7;  // under a touched node's outline
    float last_right = -1e30f;
    for (int i = 0; i < n; ++i) {
      if (!drawn[static_cast<std::size_t>(i)]) continue;
      const app::TreeNode& node = layout.nodes[static_cast<std::size_t>(i)];
      const ImVec2 c = pos(node);
      const std::string label = app::ordinal(static_cast<std::size_t>(std::lround(node.x)) + 1);
      const float lw = ImGui::CalcTextSize(label.c_str()).x;
      if (c.x - lw / 2 < last_right + 4) continue;
      dl->AddLine(ImVec2(c.x, c.y + r + 2), ImVec2(c.x, ay), with_alpha(p.line, 0.18f));
      text_at(dl, ImVec2(c.x - lw / 2, ay), with_alpha(p.text_dim, 0.9f), label);
      last_right = c.x + lw / 2;
    }
    const float line_y = ay + ImGui::GetFontSize() + 2;
    const char* dir = tr("in-order (the kernel's key order)");
    text_at(dl, ImVec2(at.x, line_y), p.text_dim, dir);
    const float ax = at.x + ImGui::CalcTextSize(dir).x + 6;
    arrow(dl, ImVec2(ax, line_y + ImGui::GetFontSize() / 2),
          ImVec2(std::max(ax + 30, at.x + std::min(width, content)),
                 line_y + ImGui::GetFontSize() / 2),
          with_alpha(p.line, 0.6f));
    axis_bottom = line_y + ImGui::GetFontSize() + 2;
  }
  dl->PopClipRect();
  in.anchors->tree_r = dots ? dot : r;
  // The tree's width is the pane's; only the axis's caption may need more in a narrow one.
  in.extent.add(rect(
      ImVec2(at.x - kOutline, at.y - kOutline),
      ImVec2(at.x + std::max(width,
                             ImGui::CalcTextSize(tr("in-order (the kernel's key order)")).x + 40),
             axis_bottom)));
  if (dots && hovered && !under_mouse)
    ImGui::SetTooltip(tr("%d items: the wheel zooms, dragging pans, a double click fits the tree"),
                      n);
  if (under_mouse) {
    if (const sim::EpItemView* v = s.item(under_mouse->item)) {
      const sim::FileView* f = s.file(v->file);
      ImGui::SetTooltip(
          tr("epitem fd %d  %s\n%s node, depth %d, rank %d of %d\nevents %s %s, data %llu"), v->fd,
          f ? f->label.c_str() : "?", under_mouse->red ? "red" : "black",
          static_cast<int>(std::lround(under_mouse->y)),
          static_cast<int>(std::lround(under_mouse->x)) + 1, n,
          sim::mask_to_string(v->events & ~sim::kEP_PRIVATE_BITS).c_str(),
          trigger_marks(v->events).c_str(), static_cast<unsigned long long>(v->data));
    }
  }
  if (view.zoom > 1.01f)
    text_at(dl,
            ImVec2(at.x + width -
                       ImGui::CalcTextSize(trf("zoom x{}  (double click: fit)", 0000).c_str()).x,
                   at.y + height - ImGui::GetFontSize()),
            p.text_dim, trf("zoom x{}  (double click: fit)", static_cast<int>(view.zoom + 0.5f)));
  return axis_bottom + 10;
}

// The epitem rows: every item of the interest list in key order (the tree's order, left to right),
// one row each. A few items wrap their row at the pane's width; many items take one line each so
// that the rows visible on the canvas are found by arithmetic, not by measuring every item.
constexpr std::size_t kWrappedRows = 16;

// Why rbr's order is not the fd order (the tooltip of the tree's title).
const char* why_this_order() {
  return tr(
      "rbr is keyed by (struct file *, fd): ep_cmp_ffd compares the file's address first, and the\n"
      "slab allocator hands out struct file addresses in no fd order. So the in-order ranks (1st,\n"
      "2nd, ...) are the kernel's order, not the fds'. With the kernel column on, the model "
      "learns\n"
      "the order from the real kernel; with --no-live it uses its own allocation order.");
}

float draw_epoll(PaneInputs& in, const std::shared_ptr<const sim::EventPollView>& ep, ImVec2 at,
                 float width) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& now = in.now;
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  // struct eventpoll
  std::vector<std::string> lines = {
      cat("struct eventpoll  ", ep->label),
      cat("  ", in.cache.fd_names.of(now, ep->file), ", refcount ", ep->refcount),
      "  " + (ep->rbr.size() == 1 ? trf("rbr: {} item", ep->rbr.size())
                                  : trf("rbr: {} items", ep->rbr.size())),
      "  " + (ep->rdllist.size() == 1 ? trf("rdllist: {} item", ep->rdllist.size())
                                      : trf("rdllist: {} items", ep->rdllist.size())),
      ep->scanning ? "  " + std::string(tr("ovflist: active (a scan runs)"))
                   : std::string("  ovflist: EP_UNACTIVE_PTR"),
  };
  std::string wq = "  wq: ";
  if (ep->wq.entries.empty()) wq += tr("nobody sleeps");
  for (const auto& e : ep->wq.entries)
    for (const auto& tv : *now.tasks)
      if (tv.id == e.id) wq += tv.name + " ";
  const std::size_t wq_line = lines.size();
  lines.push_back(wq);
  std::size_t poll_line = 0;
  if (!ep->poll_wait.entries.empty()) {
    poll_line = lines.size();
    // Outer epolls' eppoll_entries, and the poll_table_entries of threads in poll or select.
    std::size_t outer = 0;
    std::string pollers;
    for (const auto& e : ep->poll_wait.entries) {
      if (e.kind != sim::WaitEntryView::Kind::kPoll) {
        ++outer;
        continue;
      }
      for (const auto& tv : *now.tasks)
        if (tv.id == e.id) pollers += cat(pollers.empty() ? "" : ", ", tv.name);
    }
    std::string text = "  poll_wait:";
    if (outer) text += cat(" ", outer, " outer");
    if (!pollers.empty()) text += cat(outer ? "," : "", " ", pollers, " poll");
    lines.push_back(text);
  }
  const float bh = line * static_cast<float>(lines.size()) + 10;
  float bw = 0;
  for (const auto& l : lines)
    bw = std::max(bw, ImGui::CalcTextSize(l.c_str()).x + 18);
  box(dl, at, ImVec2(at.x + bw, at.y + bh), p.box, p.box_border,
      touched(in.step, sim::ObjKind::kEventPoll, ep->id));
  for (std::size_t i = 0; i < lines.size(); ++i)
    text_at(dl, ImVec2(at.x + 8, at.y + 5 + line * static_cast<float>(i)),
            i == 0 ? p.text : p.text_dim, lines[i]);
  auto line_end = [&](std::size_t i) {
    return ImVec2(at.x + bw, at.y + 5 + line * (static_cast<float>(i) + 0.5f));
  };
  in.anchors->ep_box[ep->id] = ImVec2(at.x + 12, at.y + bh);
  in.anchors->ep_wq[ep->id] = line_end(wq_line);
  if (poll_line) in.anchors->ep_poll[ep->id] = line_end(poll_line);
  in.extent.add(rect(ImVec2(at.x - 4, at.y - 4), ImVec2(at.x + bw + 4, at.y + bh + 4)));
  // rbr: beside the box when there is room for a tree, else under it.
  const float min_tree = ImGui::GetFontSize() * 14;
  const bool beside = width - bw - 24 >= min_tree;
  const float tx = beside ? at.x + bw + 24 : at.x;
  const float ty = beside ? at.y : at.y + bh + 10;
  const float tree_w = std::max(min_tree, width - (tx - at.x));
  const bool tree_differs = in.diff.lists.count(ep->label + " rbr") > 0;
  const std::string tree_title =
      cat(tr("rbr (red-black tree, key = file address, fd)  (?)"), tree_differs ? " \u2260" : "");
  text_at(dl, ImVec2(tx, ty), tree_differs ? p.differs : p.text_dim, tree_title);
  {
    const ImVec2 size = ImGui::CalcTextSize(tree_title.c_str());
    ImGui::SetCursorScreenPos(ImVec2(tx, ty));
    ImGui::PushID(static_cast<int>(ep->id));
    ImGui::InvisibleButton("why", ImVec2(std::max(1.f, size.x), std::max(1.f, size.y)));
    if (ImGui::IsItemHovered()) tooltip(why_this_order());
    ImGui::PopID();
    in.extent.add(rect(ImVec2(tx, ty), ImVec2(tx + size.x, ty + size.y)));
  }
  const app::TreeLayout& cur = in.cache.trees.get(now, ep);
  const app::TreeLayout* shown = &cur;
  if (in.t < 1)
    for (const auto& old : in.before.epolls)
      if (old->id == ep->id)
        if (const app::TreeLayout& from = in.cache.trees.get(in.before, old); &from != &cur) {
          PaneCache::Animation& a = in.cache.animations[ep->id];
          auto m = std::find_if(a.morphs.begin(), a.morphs.end(),
                                [&](const app::TreeMorph& x) { return x.pairs(from, cur); });
          if (m == a.morphs.end()) {
            if (a.morphs.size() >= 4) a.morphs.erase(a.morphs.begin());
            a.morphs.emplace_back(from, cur);
            m = a.morphs.end() - 1;
          }
          m->at(from, cur, in.t, &a.moving);
          shown = &a.moving;
        }
  ImGui::PushID(static_cast<int>(ep->id));
  // Room above the nodes for the outline of a touched root.
  const float tree_bottom =
      draw_tree(in, *shown, ImVec2(tx, ty + line + 8), tree_w, in.cache.views[ep->id]);
  ImGui::PopID();
  float y = std::max(at.y + bh, tree_bottom) + 10;
  // Lists
  y = draw_chain(in, "rdllist", in.diff.lists.count(ep->label + " rdllist") > 0, ep->rdllist,
                 p.ready, ImVec2(at.x, y), width, &in.report.ready_nodes);
  in.anchors->rdllist_end[ep->id] = ImVec2(at.x, y);
  if (ep->scanning) {
    y = draw_chain(in, "txlist", in.diff.lists.count(ep->label + " txlist") > 0, ep->txlist, p.tx,
                   ImVec2(at.x, y), width, &in.report.tx_nodes);
    y = draw_chain(in, "ovflist", in.diff.lists.count(ep->label + " ovflist") > 0, ep->ovflist,
                   p.ovf, ImVec2(at.x, y), width, &in.report.ovf_nodes);
  }
  // The epitem rows, indented by a gutter where their links bend.
  const float gutter = ImGui::GetFontSize() * 2.2f;
  const float x0 = at.x + gutter;
  const float text_w = std::max(ImGui::GetFontSize() * 12, width - gutter);
  const bool wrapped = ep->rbr.size() <= kWrappedRows;
  auto row_text = [&](const sim::EpItemView& v) {
    const sim::FileView* f = now.file(v.file);
    const bool differs = in.diff.items.count(app::Differences::item_key(ep->id, v.fd)) > 0;
    // The trigger first: it is the lesson, and it must never be the part a narrow pane loses.
    return cat("epitem fd ", v.fd, " [", trigger_marks(v.events), "]  ",
               f ? f->label : std::string("?"), "  events ",
               sim::mask_to_string(v.events & ~sim::kEP_PRIVATE_BITS), "  data ", v.data,
               v.ready ? trf("  ready now: {}", sim::mask_to_string(v.ready)) : std::string(),
               differs ? "  \u2260" : "");
  };
  auto draw_row = [&](uint32_t id, float ry, float h, const std::string& s, float wrap) {
    const sim::EpItemView* v = now.item(id);
    const bool differs = in.diff.items.count(app::Differences::item_key(ep->id, v->fd)) > 0;
    const bool hl = touched(in.step, sim::ObjKind::kEpItem, id);
    const float tw = wrap > 0 ? std::min(wrap, ImGui::CalcTextSize(s.c_str()).x)
                              : ImGui::CalcTextSize(s.c_str()).x;
    if (hl)
      dl->AddRectFilled(ImVec2(x0, ry - 1), ImVec2(x0 + tw + 8, ry + h - 1),
                        with_alpha(p.highlight, 0.25f));
    const ImU32 colour = differs ? p.differs : p.text_dim;
    if (wrap > 0)
      draw_wrapped(dl, ImVec2(x0 + 4, ry), colour, s, wrap);
    else
      text_at(dl, ImVec2(x0 + 4, ry), colour, s);
    in.anchors->row[id] =
        Anchors::Row{ImVec2(x0, ry + line / 2 - 1), ImVec2(x0 + tw + 8, ry + line / 2 - 1)};
    in.extent.add(rect(ImVec2(x0, ry), ImVec2(x0 + tw + 8, ry + h)));
    ++in.report.items_listed;
  };
  text_at(dl, ImVec2(at.x, y + 2), p.text_dim, trf("epitems ({}, in key order)", ep->rbr.size()));
  y += line + 4;
  if (wrapped) {
    for (uint32_t id : ep->rbr) {
      const sim::EpItemView* v = now.item(id);
      if (!v) continue;
      const std::string s = row_text(*v);
      const float h = std::max(line, wrapped_height(s, text_w - 8) + 3);
      if (y + h >= in.clip_top && y < in.clip_bottom) draw_row(id, y, h, s, text_w - 8);
      y += h;
    }
  } else {
    const app::RowRange vis =
        app::visible_rows(y, line, ep->rbr.size(), in.clip_top, in.clip_bottom);
    for (std::size_t i = vis.first; i < vis.last; ++i)
      if (const sim::EpItemView* v = now.item(ep->rbr[i]))
        draw_row(ep->rbr[i], y + static_cast<float>(i) * line, line, row_text(*v), 0);
    y += static_cast<float>(ep->rbr.size()) * line;
    in.extent.add(rect(ImVec2(x0, y - line), ImVec2(x0 + 8, y)));
  }
  return y + 12;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] files
// ---------------------------------------------------------------------------------------------

bool is_stdio(const sim::FileView& f) {
  return f.kind == sim::FileKind::kRegular &&
         (f.label == "stdin" || f.label == "stdout" || f.label == "stderr");
}

// Up to this many files are laid out box by box, each as big as its text; more go in a grid of
// equal cells (the rows on screen found by arithmetic), their text cut with a tooltip.
constexpr std::size_t kFlowFiles = 24;

// The entries of one wait queue as chips: their labels.
std::vector<std::string> chip_labels(const sim::Snapshot& s, const sim::WaitQueueView& q) {
  std::vector<std::string> out;
  for (const auto& e : q.entries) {
    std::string label;
    if (e.kind == sim::WaitEntryView::Kind::kTask || e.kind == sim::WaitEntryView::Kind::kPoll) {
      for (const auto& tv : *s.tasks)
        if (tv.id == e.id) label = tv.name;
      // A poll_table_entry of the thread's poll or select call (sim/select.h).
      if (e.kind == sim::WaitEntryView::Kind::kPoll) label += " poll";
    } else {
      label = item_fd(s, e.id);
      if (const sim::EpItemView* iv = s.item(e.id))
        if (const sim::EventPollView* ev = s.epoll(iv->ep)) label = ev->label + " " + label;
    }
    if (e.exclusive) label += " excl";
    out.push_back(label);
  }
  return out;
}

// One file box at `a`, `fw` wide: measured (draw = false) or drawn. Returns its height. In a grid
// (`cell` > 0: the cell's height), long text is cut and shown whole in a tooltip, and chips that
// do not fit one line are counted ("+N").
float file_box(PaneInputs& in, const sim::FileView& f, ImVec2 a, float fw, bool draw,
               float cell = 0) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& s = in.now;
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  const float inner = fw - 16;
  const std::string title = cat(f.label, "  (", in.cache.fd_names.of(s, f.id), ")");
  const std::string poll = cat(f.kind == sim::FileKind::kObserved ? "poll (real file): " : "poll: ",
                               sim::mask_to_string(f.mask));
  const bool grid = cell > 0;
  bool cut = false;
  auto fitted = [&](const std::string& text) {
    if (!grid) return text;
    std::string e = elided(text, inner);
    if (e != text) cut = true;
    return e;
  };
  float h = 5;
  auto text_lines = [&](const std::string& text, ImU32 colour) {
    if (grid) {
      if (draw) text_at(dl, ImVec2(a.x + 8, a.y + h), colour, fitted(text));
      h += line;
    } else {
      const float th = draw ? draw_wrapped(dl, ImVec2(a.x + 8, a.y + h), colour, text, inner)
                            : wrapped_height(text, inner);
      h += std::max(line, th + 3);
    }
  };
  const bool hl = touched(in.step, sim::ObjKind::kFile, f.id);
  if (draw) {
    const float bh = grid ? cell : file_box(in, f, a, fw, false);
    box(dl, a, ImVec2(a.x + fw, a.y + bh), p.box,
        in.diff.files.count(f.id) ? p.differs : p.box_border, hl);
    in.extent.add(rect(ImVec2(a.x - 4, a.y - 4), ImVec2(a.x + fw + 4, a.y + bh + 4)));
  }
  text_lines(title, p.text);
  // An observed file's mask is the real file's, as the tracer last reported it.
  text_lines(poll, p.text_dim);
  // Buffer: pipe slots, socket chunks, or the eventfd counter.
  if (f.capacity > 0 || !f.chunks.empty()) {
    if (draw) {
      const int cells = f.capacity > 0 ? static_cast<int>(f.capacity)
                                       : std::min<int>(16, static_cast<int>(f.chunks.size()));
      const float cw = std::min(16.f, (fw - 16) / static_cast<float>(std::max(1, cells)));
      const float ty = a.y + h;
      for (int i = 0; i < cells; ++i) {
        ImVec2 ca(a.x + 8 + static_cast<float>(i) * cw, ty + 2), cb(ca.x + cw - 2, ty + line - 2);
        dl->AddRectFilled(ca, cb, p.slot_empty);
        if (i < static_cast<int>(f.chunks.size())) {
          const float frac =
              f.capacity > 0
                  ? std::min(1.f,
                             static_cast<float>(f.chunks[static_cast<std::size_t>(i)]) / 4096.f)
                  : 1.f;
          dl->AddRectFilled(ImVec2(ca.x, cb.y - (cb.y - ca.y) * std::max(frac, 0.15f)), cb,
                            p.slot_full);
        }
      }
    }
    h += line;
  }
  if (!f.detail.empty()) text_lines(driver::translate_detail(f.detail), p.text_dim);
  h += 2;
  for (const auto& q : f.queues) {
    const std::string qname = q.label.substr(q.label.rfind(' ') + 1) + ":";
    const float qx = 12 + ImGui::CalcTextSize((qname + " ").c_str()).x;
    std::vector<std::string> labels = chip_labels(s, q);
    std::vector<float> widths;
    for (const auto& l : labels)
      widths.push_back(ImGui::CalcTextSize(l.c_str()).x + 10);
    if (labels.empty()) widths.push_back(ImGui::CalcTextSize(tr("(empty)")).x);
    const float avail = std::max(ImGui::GetFontSize() * 3, fw - qx - 4);
    std::vector<app::ChipPlace> places = app::flow(widths, avail, 4);
    std::size_t shown = labels.size();
    if (grid) {
      shown = 0;
      while (shown < places.size() && places[shown].row == 0)
        ++shown;
      if (shown < labels.size()) cut = true;
    }
    const int rows = grid ? 1 : std::max(1, app::flow_rows(places));
    const float qh = static_cast<float>(rows) * (line + 2);
    if (draw) {
      if (touched(in.step, sim::ObjKind::kWaitQueue, q.id))
        dl->AddRectFilled(ImVec2(a.x + 4, a.y + h - 1), ImVec2(a.x + fw - 4, a.y + h + qh + 1),
                          with_alpha(p.highlight, 0.25f));
      text_at(dl, ImVec2(a.x + 8, a.y + h), p.text_dim, qname);
      if (labels.empty()) text_at(dl, ImVec2(a.x + qx, a.y + h), p.text_dim, tr("(empty)"));
      for (std::size_t i = 0; i < labels.size() && i < shown; ++i) {
        const ImVec2 ea(a.x + qx + places[i].x,
                        a.y + h + static_cast<float>(places[i].row) * (line + 2));
        const ImVec2 eb(ea.x + widths[i], ea.y + line);
        box(dl, ea, eb, p.queue_entry, p.box_border, false, 3);
        text_at(dl, ImVec2(ea.x + 5, ea.y + 1), p.text, labels[i]);
        in.anchors->entry[(static_cast<uint64_t>(q.id) << 32) | q.entries[i].id] =
            ImVec2((ea.x + eb.x) / 2, ea.y);
      }
      if (shown < labels.size())
        text_at(
            dl,
            ImVec2(a.x + fw - 8 - ImGui::CalcTextSize(cat("+", labels.size() - shown).c_str()).x,
                   a.y + h),
            p.text_dim, cat("+", labels.size() - shown));
    }
    h += qh + 2;
  }
  h += 6;
  if (draw) {
    ++in.report.files_drawn;
    if (cut && ImGui::IsMouseHoveringRect(a, ImVec2(a.x + fw, a.y + cell))) {
      std::string all = cat(title, "\n", poll, "\n", driver::translate_detail(f.detail));
      for (const auto& q : f.queues) {
        all += cat("\n", q.label, ":");
        for (const auto& l : chip_labels(s, q))
          all += " [" + l + "]";
      }
      tooltip(all.c_str());
    }
  }
  return h;
}

float draw_files(PaneInputs& in, ImVec2 at, float width) {
  const sim::Snapshot& s = in.now;
  const float font = ImGui::GetFontSize();
  // Every file but the epolls and stdin/stdout/stderr, in order of creation, except that observed
  // files no epoll watches (a traced program's stdio, the files its loader opened) come last:
  // they are the least of the lesson.
  PaneCache::FileOrder& cached = in.cache.file_order;
  if (cached.snapshot != &s || cached.seq != s.seq || cached.files != s.files.size()) {
    cached = PaneCache::FileOrder{&s, s.seq, s.files.size(), {}, 0, 0};
    for (std::size_t i = 0; i < s.files.size(); ++i)
      if (!is_stdio(*s.files[i]) && s.files[i]->kind != sim::FileKind::kEpoll)
        cached.order.push_back(static_cast<uint32_t>(i));
    std::stable_partition(cached.order.begin(), cached.order.end(), [&](uint32_t i) {
      const sim::FileView& f = *s.files[i];
      return !(f.kind == sim::FileKind::kObserved && f.watchers.empty());
    });
  }
  const std::vector<uint32_t>& order = cached.order;
  auto file_at = [&](std::size_t i) -> const sim::FileView& { return *s.files[order[i]]; };
  if (order.empty()) return at.y;
  if (order.size() <= kFlowFiles) {
    float x = at.x, y = at.y, row_bottom = at.y;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const sim::FileView* f = &file_at(i);
      const std::string title = cat(f->label, "  (", in.cache.fd_names.of(s, f->id), ")");
      // As wide as its title and mask (a long detail wraps), at least 14 characters' worth, at
      // most the pane.
      const float fw = std::clamp(
          std::max(
              ImGui::CalcTextSize(title.c_str()).x,
              ImGui::CalcTextSize(cat("poll (real file): ", sim::mask_to_string(f->mask)).c_str())
                  .x) +
              20,
          font * 14, std::max(font * 14, width - 8));
      if (x + fw > at.x + width && x > at.x) {
        x = at.x;
        y = row_bottom + 12;
      }
      const float fh = file_box(in, *f, ImVec2(x, y), fw, false);
      if (y + fh + 4 >= in.clip_top && y - 4 < in.clip_bottom)
        file_box(in, *f, ImVec2(x, y), fw, true);
      else
        in.extent.add(rect(ImVec2(x, y), ImVec2(x + fw + 4, y + fh + 4)));
      row_bottom = std::max(row_bottom, y + fh);
      x += fw + 12;
    }
    return row_bottom + 16;
  }
  // The grid: cells as high as the tallest of the first files and of those on screen.
  const float cell_w = font * 17;
  if (cached.font != font) {
    cached.font = font;
    cached.cell_h = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(order.size(), 64); ++i)
      cached.cell_h = std::max(cached.cell_h, file_box(in, file_at(i), at, cell_w, false, 1));
  }
  float cell_h = cached.cell_h;
  app::Grid grid = app::make_grid(vec(at), width, cell_w, cell_h, 12, order.size());
  const app::RowRange vis = grid.visible(in.clip_top, in.clip_bottom);
  for (std::size_t i = vis.first; i < vis.last; ++i)
    cell_h = std::max(cell_h, file_box(in, file_at(i), at, cell_w, false, 1));
  grid.cell_h = cell_h;
  const app::RowRange shown_now = grid.visible(in.clip_top, in.clip_bottom);
  for (std::size_t i = shown_now.first; i < shown_now.last; ++i) {
    const app::Rect r = grid.cell(i);
    file_box(in, file_at(i), im(r.min), cell_w, true, cell_h);
  }
  in.extent.add(rect(at, ImVec2(grid.right(), grid.bottom())));
  return grid.bottom() + 16;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] threads
// ---------------------------------------------------------------------------------------------

// The threads as chips that wrap onto as many rows as they need (the one that just slept is
// always there to see).
float draw_tasks(PaneInputs& in, ImVec2 at, float width) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& s = in.now;
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  text_at(dl, ImVec2(at.x, at.y + 4), p.text_dim, tr("threads"));
  const float x0 = at.x + ImGui::CalcTextSize(tr("threads")).x + ImGui::CalcTextSize("  ").x + 8;
  std::vector<std::string> labels;
  std::vector<float> widths;
  for (const auto& t : *s.tasks) {
    std::string label = t.name;
    if (t.state == sim::TaskState::kSleeping) label += trf(" (sleeps in {})", t.blocked_call);
    widths.push_back(ImGui::CalcTextSize(label.c_str()).x + 14);
    labels.push_back(std::move(label));
  }
  const std::vector<app::ChipPlace> places =
      app::flow(widths, std::max(ImGui::GetFontSize() * 8, at.x + width - x0), 8);
  const float row_h = line + 12;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const sim::TaskView& t = (*s.tasks)[i];
    const ImVec2 a(x0 + places[i].x, at.y + static_cast<float>(places[i].row) * row_h);
    const ImVec2 b(a.x + widths[i], a.y + line + 6);
    box(dl, a, b, t.state == sim::TaskState::kSleeping ? p.task_sleeping : p.task, p.box_border,
        touched(in.step, sim::ObjKind::kTask, t.id), 8);
    text_at(dl, ImVec2(a.x + 7, a.y + 3), IM_COL32(255, 255, 255, 255), labels[i]);
    in.anchors->task[t.id] = ImVec2((a.x + b.x) / 2, a.y);
    in.extent.add(rect(ImVec2(a.x - 4, a.y - 4), ImVec2(b.x + 4, b.y + 4)));
  }
  const int rows = std::max(1, app::flow_rows(places));
  return at.y + static_cast<float>(rows) * row_h + 4;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] links
// ---------------------------------------------------------------------------------------------

// One link: faint in the link's own colour, or bright (the highlight, thicker, with an arrowhead)
// when it lies on the path of the current step.
// At an epitem row's end (`from_row` / `to_row`) the curve bends within the rows' gutter.
void link(PaneInputs& in, ImDrawList* dl, ImVec2 from, app::Vec2 out, ImVec2 to, app::Vec2 into,
          ImU32 colour, bool bright, bool from_row = false, bool to_row = false) {
  const Palette& p = palette();
  const float gutter = ImGui::GetFontSize() * 1.8f;
  const app::Curve c = app::link_curve(vec(from), out, vec(to), into, ImGui::GetFontSize() * 1.6f,
                                       from_row ? gutter : 1e9f, to_row ? gutter : 1e9f);
  const ImU32 col = bright ? p.highlight : with_alpha(colour, 0.38f);
  dl->AddBezierCubic(im(c.p0), im(c.c0), im(c.c1), im(c.p1), col, bright ? 2.5f : 1.2f);
  const float size = ImGui::GetFontSize() * (bright ? 0.7f : 0.45f);
  const std::array<app::Vec2, 3> head = app::arrow_head(c, size, size * 0.55f);
  dl->AddTriangleFilled(im(head[0]), im(head[1]), im(head[2]), col);
  ++in.report.links;
  if (bright) ++in.report.path_links;
}

// Every link of the items whose rows were drawn, and eventpoll.wq → its sleeping threads.
void draw_links(PaneInputs& in, ImDrawList* dl) {
  const Palette& p = palette();
  const sim::Snapshot& s = in.now;
  const Anchors& an = *in.anchors;
  const sim::TraceStep* step = in.step;
  auto on_path = [&](app::LinkKind kind, bool t) {
    return step && app::on_step_path(*step, kind, t);
  };
  const app::Vec2 kLeft{-1, 0}, kRight{1, 0}, kUp{0, -1}, kDown{0, 1};
  for (const auto& [id, row] : an.row) {
    const sim::EpItemView* v = s.item(id);
    if (!v) continue;
    const bool hl = touched(step, sim::ObjKind::kEpItem, id);
    // The hub where the epitem's links meet.
    dl->AddCircleFilled(row.left, hl ? 4.f : 3.f, hl ? p.highlight : with_alpha(p.line, 0.7f));
    // The epitem → its node in rbr.
    if (auto n = an.tree.find(id); n != an.tree.end())
      link(in, dl, row.left, kLeft, ImVec2(n->second.x, n->second.y + an.tree_r + 2), kUp, p.line,
           on_path(app::LinkKind::kTreeNode, hl), true);
    // The epitem → its place on rdllist / txlist / ovflist.
    if (auto r = an.ready.find(id); r != an.ready.end())
      link(in, dl, row.left, kLeft, r->second, kUp, p.ready,
           on_path(app::LinkKind::kReadyList, hl));
    // Its eppoll_entry on each wait queue → the epitem: the way a wake-up comes in.
    for (uint32_t q : v->queues)
      if (auto e = an.entry.find((static_cast<uint64_t>(q) << 32) | id); e != an.entry.end())
        link(in, dl, e->second, kUp, row.left, kRight, p.queue_entry,
             on_path(app::LinkKind::kWaitEntry, hl || touched(step, sim::ObjKind::kWaitQueue, q)),
             false, true);
    // A harvest copies the event to the user's events[].
    if (on_path(app::LinkKind::kHarvest, hl) && step->kind == sim::StepKind::kReadyList) {
      const std::string tag = "\u2192 events[]";
      const ImVec2 at(row.right.x + ImGui::GetFontSize() * 2.5f,
                      row.right.y - ImGui::GetFontSize() / 2);
      link(in, dl, row.right, kRight, ImVec2(at.x - 2, row.right.y), kRight, p.line, true);
      text_at(dl, ImVec2(at.x + 2, at.y), p.highlight, tag);
      in.extent.add(rect(
          at, ImVec2(at.x + ImGui::CalcTextSize(tag.c_str()).x + 6, at.y + ImGui::GetFontSize())));
    }
  }
  for (const auto& ep : s.epolls) {
    // eventpoll.wq → each thread asleep on it.
    if (auto w = an.ep_wq.find(ep->id); w != an.ep_wq.end())
      for (const auto& e : ep->wq.entries)
        if (auto t = an.task.find(e.id); t != an.task.end())
          link(in, dl, w->second, kRight, t->second, kDown, p.task_sleeping,
               on_path(app::LinkKind::kWaiter, touched(step, sim::ObjKind::kEventPoll, ep->id) ||
                                                   touched(step, sim::ObjKind::kTask, e.id)));
    // Nested epolls: the inner eventpoll's poll_wait → the outer epoll's epitem.
    if (auto w = an.ep_poll.find(ep->id); w != an.ep_poll.end())
      for (const auto& e : ep->poll_wait.entries)
        if (e.kind == sim::WaitEntryView::Kind::kEpItem)
          if (auto r = an.row.find(e.id); r != an.row.end())
            link(in, dl, w->second, kRight, r->second.left, kRight, p.ovf,
                 on_path(app::LinkKind::kPollWait, touched(step, sim::ObjKind::kEpItem, e.id)),
                 false, true);
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the callback animation, the canvas and the pane
// ---------------------------------------------------------------------------------------------

// A step in which an item joined the ready list: a dot flies from the item's entry on the file's
// wait queue to its place in rdllist.
void draw_callback_dot(ImDrawList* dl, const sim::TraceStep* step, const sim::Snapshot& s,
                       const Anchors& anchors, float t) {
  if (!step || t >= 1 || step->kind != sim::StepKind::kReadyList) return;
  uint32_t item = 0;
  for (const auto& r : step->touched)
    if (r.kind == sim::ObjKind::kEpItem) item = r.id;
  if (!item) return;
  auto to = anchors.ready.find(item);
  if (to == anchors.ready.end()) return;
  const sim::EpItemView* v = s.item(item);
  ImVec2 from = to->second;
  if (v)
    for (uint32_t q : v->queues) {
      auto e = anchors.entry.find((static_cast<uint64_t>(q) << 32) | item);
      if (e != anchors.entry.end()) from = e->second;
    }
  const float e = 1 - (1 - t) * (1 - t);
  ImVec2 at(from.x + (to->second.x - from.x) * e, from.y + (to->second.y - from.y) * e);
  dl->AddLine(from, at, with_alpha(palette().highlight, 0.6f), 2);
  dl->AddCircleFilled(at, 7, palette().highlight);
}

// GLFW key codes (the GLFW backend indexes keys by them).
constexpr int kKeyMinus = 45, kKeyZero = 48, kKeyEqual = 61, kKeyPadSubtract = 333,
              kKeyPadAdd = 334;

// The zoom toolbar: − + 100% fit and the zoom now. Returns the zoom asked for (or the current).
float zoom_toolbar(const app::CanvasView& view, ImVec2 at) {
  float zoom = view.zoom;
  ImGui::SetCursorScreenPos(at);
  if (ImGui::SmallButton("-")) zoom = app::zoom_steps(zoom, -1);
  if (ImGui::IsItemHovered()) tooltip(tr("zoom out (- over the view, or Ctrl+wheel)"));
  ImGui::SameLine(0, 2);
  if (ImGui::SmallButton("+")) zoom = app::zoom_steps(zoom, 1);
  if (ImGui::IsItemHovered()) tooltip(tr("zoom in (+ over the view, or Ctrl+wheel)"));
  ImGui::SameLine(0, 2);
  if (ImGui::SmallButton("100%")) zoom = 1;
  if (ImGui::IsItemHovered()) tooltip(tr("actual size (0 over the view)"));
  ImGui::SameLine(0, 2);
  if (ImGui::SmallButton(tr("fit"))) zoom = -1;  // worked out by the canvas, which knows its size
  if (ImGui::IsItemHovered())
    tooltip(tr("shrink the whole picture into the pane (F over the view)"));
  ImGui::SameLine(0, 6);
  ImGui::TextDisabled("%d%%", static_cast<int>(std::lround(view.zoom * 100)));
  return zoom;
}

float toolbar_width() {
  const ImGuiStyle& st = ImGui::GetStyle();
  float w = 0;
  for (const char* b : {"-", "+", "100%", "fit"})
    w += ImGui::CalcTextSize(b).x + st.FramePadding.x * 2 + 2;
  return w + 6 + ImGui::CalcTextSize("400%").x;
}

}  // namespace

void draw_eventpoll_pane(const app::Session& s, std::size_t steps, std::size_t prev_steps,
                         const std::string& stopped, const sim::Snapshot* other, float t,
                         ImVec2 min, ImVec2 max, PaneCache& cache, FrameReport::Pane& report) {
  // A run that stopped keeps its last state; its last step is not drawn as happening again.
  const sim::TraceStep* step = stopped.empty() && steps > 0 && steps <= s.recorder().size()
                                   ? &s.recorder().steps()[steps - 1]
                                   : nullptr;
  PaneState state{s.snapshot_after(steps), s.snapshot_after(prev_steps), step,
                  cat(label_text(s.label()), s.live() ? "" : tr("   (model only)"))};
  state.stopped = stopped;
  // An rbr walk (ep_find, ep_rbtree_insert): the items compared so far, so that the tree shows
  // the path down.
  state.walk = app::rbr_walk(s.recorder().steps(), steps);
  draw_eventpoll_pane(state, other, t, min, max, cache, report);
}

void draw_eventpoll_pane(const PaneState& state, const sim::Snapshot* other, float t, ImVec2 min,
                         ImVec2 max, PaneCache& cache, FrameReport::Pane& report) {
  const Palette& p = palette();
  report.min = min;
  report.max = max;
  ImGui::PushID(&cache);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(min, max, true);
  // No fill: the window has no background and the frame is cleared to p.background, so every
  // pixel of the pane is shaded once less (with a software renderer, fill rate is the cost).

  const sim::Snapshot& now = state.now;
  const sim::Snapshot& before = state.before;
  const sim::TraceStep* step = state.step;
  app::CanvasView& view = cache.canvas;
  const float pad = 10;
  const float width = max.x - min.x - 2 * pad;
  ImVec2 at(min.x + pad, min.y + pad);
  // The title, and the zoom toolbar beside it (under it when the pane is narrow).
  const float title_w = ImGui::CalcTextSize(state.title.c_str()).x;
  const float bar_w = toolbar_width();
  const float title_h = draw_wrapped(dl, at, p.text, state.title, width);
  float asked = view.zoom;
  if (title_w + 16 + bar_w <= width) {
    asked = zoom_toolbar(view, ImVec2(max.x - pad - bar_w, at.y - 2));
    at.y += std::max(title_h, ImGui::GetFrameHeight() - 2) + 6;
  } else {
    at.y += title_h + 4;
    asked = zoom_toolbar(view, ImVec2(at.x, at.y));
    at.y += ImGui::GetFrameHeight() + 4;
  }
  report.stopped = state.stopped;
  // "stopped at line N: why", or what the step did, wrapped to the pane (never cut).
  if (!state.stopped.empty())
    at.y += draw_wrapped(dl, at, p.bad, state.stopped, width) + 6;
  else if (step)
    at.y += draw_wrapped(dl, at, p.highlight,
                         cat(step->function, ": ", driver::translate_step(step->text)), width) +
            6;
  dl->PopClipRect();

  // Compare mode: what differs from the other model is marked with ≠ and a magenta outline
  // (palette().differs, not red: red is a red tree node). Worked out once per pair of snapshots,
  // not every frame.
  if (cache.compared_now != &now || cache.compared_other != other) {
    const bool updated = other && cache.compared_now && cache.compared_other &&
                         app::update_differences(*cache.compared_now, *cache.compared_other, now,
                                                 *other, cache.diff);
    if (!updated) cache.diff = app::differences(now, other);
    cache.compared_now = &now;
    cache.compared_other = other;
  }
  const app::Differences& diff = cache.diff;
  report.differences = diff.any();

  // The canvas: a child window that scrolls both ways, with everything laid out at the zoom.
  const ImVec2 canvas_min(min.x, at.y);
  const ImVec2 canvas_size(max.x - min.x, std::max(40.f, max.y - at.y));
  ImGui::SetCursorScreenPos(canvas_min);
  ImGui::BeginChild("canvas", canvas_size, false,
                    ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoBackground);
  const ImVec2 region =
      ImVec2(ImGui::GetWindowContentRegionMax().x - ImGui::GetWindowContentRegionMin().x,
             ImGui::GetWindowContentRegionMax().y - ImGui::GetWindowContentRegionMin().y);
  const app::Vec2 visible{std::max(1.f, region.x), std::max(1.f, region.y)};
  const float base_font = ImGui::GetFontSize();
  // Zoom asked for by the toolbar (fit: from the content measured last frame), kept about the
  // top left corner of what is on screen.
  if (asked < 0) asked = app::fit_zoom(view.content_at_zoom, view.content_zoom, visible);
  const ImGuiIO& io = ImGui::GetIO();
  const bool hovered = ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows);
  const app::Vec2 pointer{io.MousePos.x - canvas_min.x, io.MousePos.y - canvas_min.y};
  app::Vec2 anchor{0, 0};
  if (hovered && !io.WantTextInput) {
    if (io.KeyCtrl && io.MouseWheel != 0) {
      asked = app::zoom_steps(view.zoom, io.MouseWheel);
      anchor = pointer;
    }
    // With Ctrl, + - 0 size the text (frame.cpp), not the view.
    const bool plain = !io.KeyCtrl;
    if (plain && (ImGui::IsKeyPressed(kKeyEqual) || ImGui::IsKeyPressed(kKeyPadAdd)))
      asked = app::zoom_steps(view.zoom, 1);
    if (plain && (ImGui::IsKeyPressed(kKeyMinus) || ImGui::IsKeyPressed(kKeyPadSubtract)))
      asked = app::zoom_steps(view.zoom, -1);
    if (plain && ImGui::IsKeyPressed(kKeyZero)) asked = 1;
    if (plain && ImGui::IsKeyPressed('F'))
      asked = app::fit_zoom(view.content_at_zoom, view.content_zoom, visible);
  }
  view.scroll = app::Vec2{ImGui::GetScrollX(), ImGui::GetScrollY()};
  if (std::fabs(asked - view.zoom) > 1e-4f) {
    asked = app::clamp_zoom(asked);
    view.scroll = app::zoom_about(view.scroll, anchor, view.zoom, asked);
    view.zoom = asked;
    ImGui::SetScrollX(view.scroll.x);
    ImGui::SetScrollY(view.scroll.y);
  }
  ImGui::SetWindowFontScale(view.zoom);
  ImDrawList* cdl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();  // the content's top left (scrolled)
  const ImVec2 clip_min = cdl->GetClipRectMin(), clip_max = cdl->GetClipRectMax();
  app::Extent extent(vec(origin));
  const float z = view.zoom;
  // The picture is laid out to the pane's width at 100% (never narrower than 22 characters), and
  // scaled with the zoom.
  const float lay_w = std::max(base_font * 22, visible.x - 2 * pad) * z;
  ImVec2 c_at(origin.x + pad * z, origin.y + pad * z);

  Anchors anchors;
  PaneInputs in{cdl,  now,    before, step,       t,          cache,     &anchors,
                diff, report, extent, clip_min.y, clip_max.y, state.walk};
  // Links under the objects: channel 0 for links, 1 for objects.
  cdl->ChannelsSplit(2);
  cdl->ChannelsSetCurrent(1);
  for (const auto& ep : now.epolls)
    c_at.y = draw_epoll(in, ep, c_at, lay_w);
  if (now.epolls.empty()) {
    text_at(cdl, c_at, p.text_dim, tr("no epoll instance at this step"));
    extent.add(
        rect(c_at, ImVec2(c_at.x + ImGui::CalcTextSize(tr("no epoll instance at this step")).x,
                          c_at.y + ImGui::GetFontSize())));
    c_at.y += ImGui::GetFontSize() + 10;
  }
  c_at.y = draw_files(in, c_at, lay_w);
  c_at.y = draw_tasks(in, c_at, lay_w);
  cdl->ChannelsSetCurrent(0);
  draw_links(in, cdl);
  cdl->ChannelsSetCurrent(1);
  draw_callback_dot(cdl, step, now, anchors, t);
  cdl->ChannelsMerge();

  // Scroll and pan: the wheel scrolls (Shift+wheel sideways) unless the tree took it; a middle or
  // right drag that started on the canvas pans it.
  if (hovered && !io.KeyCtrl && !in.wheel_taken) {
    if (io.MouseWheel != 0) {
      if (io.KeyShift)
        ImGui::SetScrollX(ImGui::GetScrollX() - io.MouseWheel * 5 * base_font);
      else
        ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseWheel * 5 * base_font);
    }
    if (io.MouseWheelH != 0)
      ImGui::SetScrollX(ImGui::GetScrollX() - io.MouseWheelH * 5 * base_font);
  }
  if (hovered && (ImGui::IsMouseClicked(ImGuiMouseButton_Middle) ||
                  ImGui::IsMouseClicked(ImGuiMouseButton_Right)))
    view.panning = true;
  if (!ImGui::IsMouseDown(ImGuiMouseButton_Middle) && !ImGui::IsMouseDown(ImGuiMouseButton_Right))
    view.panning = false;
  if (view.panning && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    ImGui::SetScrollX(ImGui::GetScrollX() - io.MouseDelta.x);
    ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseDelta.y);
  }
  // The scrollable content: everything drawn, and a margin.
  const app::Vec2 content = extent.content(pad * z);
  ImGui::SetCursorScreenPos(origin);
  ImGui::Dummy(ImVec2(content.x, content.y));
  view.content_at_zoom = content;
  view.content_zoom = z;
  report.content = ImVec2(content.x, content.y);
  report.visible = ImVec2(visible.x, visible.y);
  ImGui::EndChild();
  ImGui::PopID();
}

}  // namespace epollscope::ui
