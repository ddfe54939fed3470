// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_eventpoll.cpp — the eventpoll view of one model at one step.
//
// [SECTION] drawing helpers
// [SECTION] one epoll instance: struct eventpoll, rbr, rdllist / txlist / ovflist, items
// [SECTION] files: wait queues, buffers, poll masks
// [SECTION] threads
// [SECTION] the callback animation and the pane
//
// Everything is drawn from a Snapshot (and the trace step that led to it): the view never looks at
// a live model. Between two snapshots the tree's nodes move from their old places to their new
// ones, and a wake-up is drawn as a dot travelling from the file's wait queue to the ready list.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

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

// Positions of drawn objects, for the animation overlay.
struct Anchors {
  std::map<uint32_t, ImVec2> tree;         // item id → node centre
  std::map<uint32_t, ImVec2> ready;        // item id → rdllist node centre
  std::map<uint32_t, ImVec2> rdllist_end;  // epoll id → where the next rdllist node would go
  std::map<uint64_t, ImVec2> entry;        // (queue id << 32 | item id) → wait-queue entry centre
  std::map<uint32_t, ImVec2> task;         // task id → centre
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
};

// ---------------------------------------------------------------------------------------------
// [SECTION] one epoll instance
// ---------------------------------------------------------------------------------------------

struct ChainResult {
  float bottom;
  int nodes;
};

ChainResult draw_chain(ImDrawList* dl, const sim::Snapshot& s, const char* name, bool differs,
                       const std::vector<uint32_t>& items, ImU32 colour, ImVec2 at, float width,
                       const sim::TraceStep* step, Anchors* anchors, uint32_t ep_id,
                       bool is_rdllist) {
  const Palette& p = palette();
  const float h = ImGui::GetFontSize() + 10;
  const float w = ImGui::CalcTextSize("fd 000").x + 16;
  text_at(dl, ImVec2(at.x, at.y + 5), differs ? p.differs : p.text_dim,
          differs ? cat(name, " \u2260") : std::string(name));
  float x = at.x + ImGui::CalcTextSize("rdllist \u2260 ").x + 12;
  const int max_nodes = std::max(1, static_cast<int>((width - (x - at.x)) / (w + 18)) - 1);
  ImVec2 prev(x - 10, at.y + h / 2);
  int drawn = 0;
  if (items.empty()) text_at(dl, ImVec2(x, at.y + 5), p.text_dim, "(empty)");
  for (uint32_t id : items) {
    if (drawn == max_nodes) {
      text_at(dl, ImVec2(x, at.y + 5), p.text_dim,
              cat("... +", items.size() - static_cast<std::size_t>(drawn)));
      break;
    }
    ImVec2 a(x, at.y), b(x + w, at.y + h);
    arrow(dl, prev, ImVec2(a.x - 1, at.y + h / 2), p.line);
    box(dl, a, b, colour, p.box_border, touched(step, sim::ObjKind::kEpItem, id));
    const sim::EpItemView* v = s.item(id);
    text_centered(dl, ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2), IM_COL32(20, 20, 20, 255),
                  item_fd(s, id));
    if (is_rdllist && anchors) anchors->ready[id] = ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2);
    (void)v;
    prev = ImVec2(b.x, at.y + h / 2);
    x += w + 18;
    ++drawn;
  }
  if (is_rdllist && anchors) anchors->rdllist_end[ep_id] = ImVec2(x + w / 2, at.y + h / 2);
  return ChainResult{at.y + h + 8, drawn};
}

// The tree, x = in-order rank and y = depth, fitted to the width and then zoomed and panned by
// the user (wheel over the tree zooms around the pointer, dragging pans, a double click fits it
// again). Nodes closer than a few pixels are folded: at each depth only the first node of every
// few pixels is drawn, and edges shorter than that are left out, so a tree of 100,000 items
// costs about as much to draw as one of a few thousand. Hovering a node names its item.
float draw_tree(PaneInputs& in, const app::TreeLayout& layout, ImVec2 at, float width,
                TreeView& view) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& s = in.now;
  const Palette& p = palette();
  const float r = ImGui::GetFontSize() * 0.95f;
  const int n = static_cast<int>(layout.nodes.size());
  if (n == 0) {
    text_at(dl, ImVec2(at.x, at.y + 4), p.text_dim, "rbr: (empty tree)");
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
  if (hovered && io.MouseWheel != 0 && wide) {
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
                   ImVec2(at.x + width + kOutline, at.y + height + kOutline), true);

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
    if (in.anchors) in.anchors->tree[node.item] = c;
    ++in.report.tree_nodes;
  }
  // A node the step touched is always marked, even when folded away.
  if (dots && in.step && in.anchors)
    for (const auto& ref : in.step->touched)
      if (ref.kind == sim::ObjKind::kEpItem && !in.anchors->tree.count(ref.id))
        for (const auto& node : layout.nodes)
          if (node.item == ref.id) {
            const ImVec2 c = pos(node);
            if (c.x >= left && c.x <= right) dl->AddCircle(c, dot + 4, p.highlight, 0, 2.5f);
            break;
          }
  dl->PopClipRect();
  if (dots && hovered && !under_mouse)
    ImGui::SetTooltip("%d items: the wheel zooms, dragging pans, a double click fits the tree", n);
  if (under_mouse) {
    if (const sim::EpItemView* v = s.item(under_mouse->item)) {
      const sim::FileView* f = s.file(v->file);
      ImGui::SetTooltip(
          "epitem fd %d  %s\n%s node, depth %d, rank %d of %d\nevents %s %s, data %llu", v->fd,
          f ? f->label.c_str() : "?", under_mouse->red ? "red" : "black",
          static_cast<int>(std::lround(under_mouse->y)),
          static_cast<int>(std::lround(under_mouse->x)) + 1, n,
          sim::mask_to_string(v->events & ~sim::kEP_PRIVATE_BITS).c_str(),
          trigger_marks(v->events).c_str(), static_cast<unsigned long long>(v->data));
    }
  }
  if (view.zoom > 1.01f)
    text_at(dl,
            ImVec2(at.x + width - ImGui::CalcTextSize("zoom x0000  (double click: fit)").x,
                   at.y + height - ImGui::GetFontSize()),
            p.text_dim, cat("zoom x", static_cast<int>(view.zoom + 0.5f), "  (double click: fit)"));
  return at.y + height + 10;
}

// How many epitem lines are written under the tree before "... N more".
constexpr std::size_t kItemLines = 12;

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
      cat("  rbr: ", ep->rbr.size(), ep->rbr.size() == 1 ? " item" : " items"),
      cat("  rdllist: ", ep->rdllist.size(), ep->rdllist.size() == 1 ? " item" : " items"),
      ep->scanning ? std::string("  ovflist: active (a scan runs)")
                   : std::string("  ovflist: EP_UNACTIVE_PTR"),
  };
  std::string wq = "  wq: ";
  if (ep->wq.entries.empty()) wq += "nobody sleeps";
  for (const auto& e : ep->wq.entries)
    for (const auto& tv : *now.tasks)
      if (tv.id == e.id) wq += tv.name + " ";
  lines.push_back(wq);
  if (!ep->poll_wait.entries.empty())
    lines.push_back(cat("  poll_wait: ", ep->poll_wait.entries.size(), " outer"));
  const float bh = line * static_cast<float>(lines.size()) + 10;
  float bw = 0;
  for (const auto& l : lines)
    bw = std::max(bw, ImGui::CalcTextSize(l.c_str()).x + 18);
  // Its text whole (a narrow compare pane gives the tree less room rather than cut the text).
  bw = std::min(bw, width * 0.6f);
  box(dl, at, ImVec2(at.x + bw, at.y + bh), p.box, p.box_border,
      touched(in.step, sim::ObjKind::kEventPoll, ep->id));
  for (std::size_t i = 0; i < lines.size(); ++i)
    text_at(dl, ImVec2(at.x + 8, at.y + 5 + line * static_cast<float>(i)),
            i == 0 ? p.text : p.text_dim, lines[i]);
  // rbr
  const float tx = at.x + bw + 24;
  const bool tree_differs = in.diff.lists.count(ep->label + " rbr") > 0;
  // The longest title that fits beside the box.
  std::string tree_title = "rbr";
  for (const char* t : {"rbr (red-black tree, key = file, fd)", "rbr (red-black tree)"})
    if (ImGui::CalcTextSize(cat(t, " \u2260").c_str()).x <= width - (tx - at.x)) {
      tree_title = t;
      break;
    }
  text_at(dl, ImVec2(tx, at.y), tree_differs ? p.differs : p.text_dim,
          tree_differs ? tree_title + " \u2260" : tree_title);
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
  const float tree_bottom = draw_tree(in, *shown, ImVec2(tx, at.y + line + 4), width - (tx - at.x),
                                      in.cache.views[ep->id]);
  ImGui::PopID();
  float y = std::max(at.y + bh, tree_bottom) + 10;
  // Lists
  ChainResult r =
      draw_chain(dl, now, "rdllist", in.diff.lists.count(ep->label + " rdllist") > 0, ep->rdllist,
                 p.ready, ImVec2(at.x, y), width, in.step, in.anchors, ep->id, true);
  in.report.ready_nodes += r.nodes;
  y = r.bottom;
  if (ep->scanning) {
    r = draw_chain(dl, now, "txlist", in.diff.lists.count(ep->label + " txlist") > 0, ep->txlist,
                   p.tx, ImVec2(at.x, y), width, in.step, nullptr, ep->id, false);
    in.report.tx_nodes += r.nodes;
    y = r.bottom;
    r = draw_chain(dl, now, "ovflist", in.diff.lists.count(ep->label + " ovflist") > 0, ep->ovflist,
                   p.ovf, ImVec2(at.x, y), width, in.step, nullptr, ep->id, false);
    in.report.ovf_nodes += r.nodes;
    y = r.bottom;
  }
  // Items: the ones the step touched, then the first in key order, up to kItemLines.
  std::vector<uint32_t> listed;
  if (in.step)
    for (const auto& ref : in.step->touched)
      if (ref.kind == sim::ObjKind::kEpItem && listed.size() < kItemLines)
        if (const sim::EpItemView* v = now.item(ref.id); v && v->ep == ep->id)
          listed.push_back(ref.id);
  for (std::size_t i = 0; i < ep->rbr.size() && listed.size() < kItemLines; ++i)
    if (std::find(listed.begin(), listed.end(), ep->rbr[i]) == listed.end())
      listed.push_back(ep->rbr[i]);
  if (ep->rbr.size() > kItemLines) {
    // Keep key order among the listed ones: their ranks, found in one scan of the ids.
    std::vector<std::pair<std::size_t, uint32_t>> ranked;
    for (std::size_t i = 0; i < ep->rbr.size() && ranked.size() < listed.size(); ++i)
      if (std::find(listed.begin(), listed.end(), ep->rbr[i]) != listed.end())
        ranked.emplace_back(i, ep->rbr[i]);
    listed.clear();
    for (const auto& [rank, id] : ranked)
      listed.push_back(id);
  }
  // A long list keeps one line an item; a few items may take two each in a narrow pane.
  const bool few_items = listed.size() <= 4;
  for (uint32_t id : listed) {
    const sim::EpItemView* v = now.item(id);
    if (!v) continue;
    const sim::FileView* f = now.file(v->file);
    const bool differs = in.diff.items.count(app::Differences::item_key(ep->id, v->fd)) > 0;
    std::string s = cat("epitem fd ", v->fd, "  ", f ? f->label : std::string("?"));
    std::string rest =
        cat("events ", sim::mask_to_string(v->events & ~sim::kEP_PRIVATE_BITS), " ",
            trigger_marks(v->events), "  data ", v->data,
            v->ready ? cat("  ready now: ", sim::mask_to_string(v->ready)) : std::string(),
            differs ? "  \u2260" : "");
    // One line, or two in a narrow pane (the events under the file) rather than cut.
    const bool two = few_items && ImGui::CalcTextSize(cat(s, "  ", rest).c_str()).x + 8 > width;
    if (!two) s = cat(s, "  ", rest);
    // The events wrap under the file, indented, in as many lines as they need.
    const float indent = 4 + ImGui::CalcTextSize("epitem ").x;
    const float wrap = std::max(80.f, width - indent);
    const float rest_h =
        two ? ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, wrap, rest.c_str()).y
            : 0;
    const float h = two ? line + std::max(line, rest_h + 3) : line;
    const bool hl = touched(in.step, sim::ObjKind::kEpItem, id);
    if (hl)
      dl->AddRectFilled(ImVec2(at.x, y - 1), ImVec2(at.x + width, y + h - 1),
                        with_alpha(p.highlight, 0.25f));
    const ImU32 colour = differs ? p.differs : p.text_dim;
    text_at(dl, ImVec2(at.x + 4, y), colour, s);
    if (two)
      dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), ImVec2(at.x + indent, y + line), colour,
                  rest.c_str(), nullptr, wrap);
    ++in.report.items_listed;
    y += h;
  }
  if (ep->rbr.size() > listed.size()) {
    text_at(dl, ImVec2(at.x + 4, y), p.text_dim,
            cat("... and ", ep->rbr.size() - listed.size(),
                " more epitems (point at a node of the tree to see one)"));
    y += line;
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

// How many file boxes are drawn before "... N more files".
constexpr std::size_t kFileBoxes = 12;

float draw_files(PaneInputs& in, ImVec2 at, float width) {
  ImDrawList* dl = in.dl;
  const sim::Snapshot& s = in.now;
  const sim::TraceStep* step = in.step;
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  // The files the step touched first, then the others in order, up to kFileBoxes.
  std::vector<const sim::FileView*> shown;
  // Every file but the epolls and stdin/stdout/stderr (the process's first three files), counted
  // without visiting each file (there may be 100,000).
  std::size_t stdio = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(3, s.files.size()); ++i)
    if (is_stdio(*s.files[i])) ++stdio;
  const std::size_t total =
      s.files.size() - stdio - std::min(s.files.size() - stdio, s.epolls.size());
  if (step)
    for (const auto& ref : step->touched)
      if (ref.kind == sim::ObjKind::kFile && shown.size() < kFileBoxes)
        if (const sim::FileView* f = s.file(ref.id);
            f && !is_stdio(*f) && f->kind != sim::FileKind::kEpoll &&
            std::find(shown.begin(), shown.end(), f) == shown.end())
          shown.push_back(f);
  for (const auto& f : s.files) {
    if (shown.size() >= kFileBoxes) break;
    if (is_stdio(*f) || f->kind == sim::FileKind::kEpoll) continue;
    if (std::find(shown.begin(), shown.end(), f.get()) == shown.end()) shown.push_back(f.get());
  }
  // In order of creation, except that observed files no epoll watches (a traced program's stdio,
  // the files its loader opened) come last: they are the least of the lesson.
  const auto unwatched_observed = [](const sim::FileView* f) {
    return f->kind == sim::FileKind::kObserved && f->watchers.empty();
  };
  std::sort(shown.begin(), shown.end(), [&](const sim::FileView* a, const sim::FileView* b) {
    const bool la = unwatched_observed(a), lb = unwatched_observed(b);
    return la != lb ? lb : a->id < b->id;
  });
  float x = at.x, y = at.y, row_bottom = at.y;
  const float clip_bottom = dl->GetClipRectMax().y;
  for (const sim::FileView* f : shown) {
    if (y > clip_bottom) break;
    const std::string& fd_names = in.cache.fd_names.of(s, f->id);
    float fw = std::max(ImGui::CalcTextSize(cat(f->label, "  (", fd_names, ")").c_str()).x,
                        ImGui::CalcTextSize(f->detail.c_str()).x) +
               20;
    fw = std::clamp(fw, ImGui::GetFontSize() * 14, std::max(ImGui::GetFontSize() * 14, width - 8));
    const int queue_entries = [&] {
      int n = 0;
      for (const auto& q : f->queues)
        n += static_cast<int>(q.entries.size());
      return n;
    }();
    const float fh =
        line * (4.f + static_cast<float>(f->queues.size())) + 24 + (queue_entries ? line : 0);
    if (x + fw > at.x + width && x > at.x) {
      x = at.x;
      y = row_bottom + 10;
    }
    // A box the pane cannot show whole is left for "... and N more files" (room kept for that
    // line and the threads under it).
    if (in.report.files_drawn > 0 && y + fh + 2 * line + 36 > clip_bottom) break;
    ImVec2 a(x, y), b(x + fw, y + fh);
    box(dl, a, b, p.box, in.diff.files.count(f->id) ? p.differs : p.box_border,
        touched(step, sim::ObjKind::kFile, f->id));
    float ty = y + 5;
    text_at(dl, ImVec2(x + 8, ty), p.text, cat(f->label, "  (", fd_names, ")"));
    ++in.report.files_drawn;
    ty += line;
    // An observed file's mask is the real file's, as the tracer last reported it.
    text_at(dl, ImVec2(x + 8, ty), p.text_dim,
            cat(f->kind == sim::FileKind::kObserved ? "poll (real file): " : "poll: ",
                sim::mask_to_string(f->mask)));
    ty += line;
    // Buffer: pipe slots, socket chunks, or the eventfd counter.
    if (f->capacity > 0 || !f->chunks.empty()) {
      const int cells = f->capacity > 0 ? static_cast<int>(f->capacity)
                                        : std::min<int>(16, static_cast<int>(f->chunks.size()));
      const float cw = std::min(16.f, (fw - 16) / std::max(1, cells));
      for (int i = 0; i < cells; ++i) {
        ImVec2 ca(x + 8 + static_cast<float>(i) * cw, ty + 2), cb(ca.x + cw - 2, ty + line - 2);
        dl->AddRectFilled(ca, cb, p.slot_empty);
        if (i < static_cast<int>(f->chunks.size())) {
          const float frac =
              f->capacity > 0
                  ? std::min(1.f,
                             static_cast<float>(f->chunks[static_cast<std::size_t>(i)]) / 4096.f)
                  : 1.f;
          dl->AddRectFilled(ImVec2(ca.x, cb.y - (cb.y - ca.y) * std::max(frac, 0.15f)), cb,
                            p.slot_full);
        }
      }
      ty += line;
    }
    text_at(dl, ImVec2(x + 8, ty), p.text_dim, f->detail);
    ty += line + 2;
    for (const auto& q : f->queues) {
      std::string qname = q.label.substr(q.label.rfind(' ') + 1);
      const bool hl = touched(step, sim::ObjKind::kWaitQueue, q.id);
      if (hl)
        dl->AddRectFilled(ImVec2(x + 4, ty - 1), ImVec2(x + fw - 4, ty + line + line),
                          with_alpha(p.highlight, 0.25f));
      text_at(dl, ImVec2(x + 8, ty), p.text_dim, qname + ":");
      float ex = x + 12 + ImGui::CalcTextSize((qname + ": ").c_str()).x;
      if (q.entries.empty()) text_at(dl, ImVec2(ex, ty), p.text_dim, "(empty)");
      for (const auto& e : q.entries) {
        std::string label;
        if (e.kind == sim::WaitEntryView::Kind::kTask) {
          for (const auto& tv : *s.tasks)
            if (tv.id == e.id) label = tv.name;
        } else {
          label = item_fd(s, e.id);
          if (const sim::EpItemView* iv = s.item(e.id))
            if (const sim::EventPollView* ev = s.epoll(iv->ep)) label = ev->label + " " + label;
        }
        if (e.exclusive) label += " excl";
        const float ew = ImGui::CalcTextSize(label.c_str()).x + 10;
        if (ex + ew > x + fw - 4) break;
        ImVec2 ea(ex, ty), eb(ex + ew, ty + line);
        box(dl, ea, eb, p.queue_entry, p.box_border, false, 3);
        text_at(dl, ImVec2(ex + 5, ty + 1), p.text, label);
        if (in.anchors)
          in.anchors->entry[(static_cast<uint64_t>(q.id) << 32) | e.id] =
              ImVec2((ea.x + eb.x) / 2, (ea.y + eb.y) / 2);
        ex += ew + 4;
      }
      ty += line + 4;
    }
    row_bottom = std::max(row_bottom, b.y);
    x += fw + 12;
  }
  if (total > static_cast<std::size_t>(in.report.files_drawn)) {
    text_at(dl, ImVec2(at.x, row_bottom + 6), p.text_dim,
            cat("... and ", total - static_cast<std::size_t>(in.report.files_drawn),
                " more files (the ones a step touches are shown first)"));
    row_bottom += ImGui::GetFontSize() + 8;
  }
  return row_bottom + 12;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] threads
// ---------------------------------------------------------------------------------------------

float draw_tasks(ImDrawList* dl, const sim::Snapshot& s, ImVec2 at, float width,
                 const sim::TraceStep* step, Anchors* anchors) {
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  float x = at.x;
  text_at(dl, ImVec2(x, at.y + 4), p.text_dim, "threads");
  x += ImGui::CalcTextSize("threads  ").x + 8;
  for (const auto& t : *s.tasks) {
    std::string label = t.name;
    if (t.state == sim::TaskState::kSleeping) label += " (sleeps in " + t.blocked_call + ")";
    const float w = ImGui::CalcTextSize(label.c_str()).x + 14;
    if (x + w > at.x + width) break;
    ImVec2 a(x, at.y), b(x + w, at.y + line + 6);
    box(dl, a, b, t.state == sim::TaskState::kSleeping ? p.task_sleeping : p.task, p.box_border,
        touched(step, sim::ObjKind::kTask, t.id), 8);
    text_at(dl, ImVec2(x + 7, at.y + 3), IM_COL32(255, 255, 255, 255), label);
    if (anchors) anchors->task[t.id] = ImVec2((a.x + b.x) / 2, (a.y + b.y) / 2);
    x += w + 8;
  }
  return at.y + line + 16;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the callback animation and the pane
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

}  // namespace

void draw_eventpoll_pane(const app::Session& s, std::size_t steps, std::size_t prev_steps,
                         const std::string& stopped, const sim::Snapshot* other, float t,
                         ImVec2 min, ImVec2 max, PaneCache& cache, FrameReport::Pane& report) {
  // A run that stopped keeps its last state; its last step is not drawn as happening again.
  const sim::TraceStep* step = stopped.empty() && steps > 0 && steps <= s.recorder().size()
                                   ? &s.recorder().steps()[steps - 1]
                                   : nullptr;
  PaneState state{s.snapshot_after(steps), s.snapshot_after(prev_steps), step,
                  cat(s.label(), s.live() ? "" : "   (model only)")};
  state.stopped = stopped;
  draw_eventpoll_pane(state, other, t, min, max, cache, report);
}

void draw_eventpoll_pane(const PaneState& state, const sim::Snapshot* other, float t, ImVec2 min,
                         ImVec2 max, PaneCache& cache, FrameReport::Pane& report) {
  const Palette& p = palette();
  report.min = min;
  report.max = max;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(min, max, true);
  // No fill: the window has no background and the frame is cleared to p.background, so every
  // pixel of the pane is shaded once less (with a software renderer, fill rate is the cost).

  const sim::Snapshot& now = state.now;
  const sim::Snapshot& before = state.before;
  const sim::TraceStep* step = state.step;
  const float pad = 10;
  const float width = max.x - min.x - 2 * pad;
  ImVec2 at(min.x + pad, min.y + pad);
  text_at(dl, at, p.text, state.title);
  at.y += ImGui::GetFontSize() + 8;
  report.stopped = state.stopped;
  if (!state.stopped.empty()) {
    // "stopped at line N: why", wrapped to the pane (the last state stays drawn below it).
    const float wrap = std::max(100.f, width);
    const char* text = state.stopped.c_str();
    const ImVec2 size = ImGui::GetFont()->CalcTextSizeA(ImGui::GetFontSize(), FLT_MAX, wrap, text);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), at, p.bad, text, nullptr, wrap);
    at.y += size.y + 6;
  } else if (step) {
    std::string caption = cat(step->function, ": ", step->text);
    const std::size_t max_chars =
        static_cast<std::size_t>(std::max(20.f, width / (ImGui::GetFontSize() * 0.5f)));
    if (caption.size() > max_chars) caption = caption.substr(0, max_chars - 3) + "...";
    text_at(dl, at, p.highlight, caption);
  }
  at.y += ImGui::GetFontSize() + 10;

  Anchors anchors;
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
  PaneInputs in{dl, now, before, step, t, cache, &anchors, diff, report};
  for (const auto& ep : now.epolls)
    at.y = draw_epoll(in, ep, at, width);
  if (now.epolls.empty()) {
    text_at(dl, at, p.text_dim, "no epoll instance at this step");
    at.y += ImGui::GetFontSize() + 10;
  }
  at.y = draw_files(in, at, width);
  at.y = draw_tasks(dl, now, at, width, step, &anchors);
  draw_callback_dot(dl, step, now, anchors, t);
  dl->PopClipRect();
}

}  // namespace epollscope::ui
