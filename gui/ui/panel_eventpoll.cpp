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
#include <cmath>
#include <map>
#include <set>
#include <string>

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
  dl->AddRectFilled(a, b, fill, rounding);
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

std::string fds_of(const sim::Snapshot& s, uint32_t file) {
  std::string out;
  for (const auto& f : *s.fds)
    if (f.file == file) out += cat(out.empty() ? "fd " : ",", f.fd);
  return out.empty() ? std::string("no fd") : out;
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

// In compare mode: what differs from the other model at the same position, by name.
struct Differences {
  std::set<std::string> lists;  // "epoll#1 rdllist", "epoll#1 rbr", ...
  std::set<std::string> items;  // "epoll#1 fd 4"
  std::set<std::string> files;  // file labels
  bool any() const { return !lists.empty() || !items.empty() || !files.empty(); }
};

std::vector<int> fds_of_items(const sim::Snapshot& s, const std::vector<uint32_t>& items) {
  std::vector<int> out;
  for (uint32_t id : items)
    if (const sim::EpItemView* v = s.item(id)) out.push_back(v->fd);
  return out;
}

Differences differences(const sim::Snapshot& a, const sim::Snapshot* b) {
  Differences d;
  if (!b) return d;
  for (const auto& ea : a.epolls) {
    const sim::EventPollView* eb = nullptr;
    for (const auto& x : b->epolls)
      if (x->label == ea->label) eb = x.get();
    if (!eb) {
      d.lists.insert(ea->label + " rbr");
      continue;
    }
    auto lists = [&](const char* name, const std::vector<uint32_t>& x,
                     const std::vector<uint32_t>& y) {
      if (fds_of_items(a, x) != fds_of_items(*b, y)) d.lists.insert(ea->label + " " + name);
    };
    lists("rdllist", ea->rdllist, eb->rdllist);
    lists("txlist", ea->txlist, eb->txlist);
    lists("ovflist", ea->ovflist, eb->ovflist);
    lists("rbr", ea->rbr, eb->rbr);
    for (uint32_t id : ea->rbr) {
      const sim::EpItemView* ia = a.item(id);
      const sim::EpItemView* ib = nullptr;
      for (uint32_t jd : eb->rbr)
        if (const sim::EpItemView* v = b->item(jd); v && ia && v->fd == ia->fd) ib = v;
      if (ia && (!ib || ib->events != ia->events || ib->data != ia->data || ib->ready != ia->ready))
        d.items.insert(cat(ea->label, " fd ", ia->fd));
    }
  }
  for (const auto& fa : a.files) {
    const sim::FileView* fb = nullptr;
    for (const auto& x : b->files)
      if (x->label == fa->label) fb = x.get();
    if (!fb || fb->mask != fa->mask || fb->detail != fa->detail ||
        fb->queues.size() != fa->queues.size())
      d.files.insert(fa->label);
  }
  return d;
}

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
  text_at(dl, ImVec2(at.x, at.y + 5), differs ? p.bad : p.text_dim,
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

float draw_tree(ImDrawList* dl, const sim::Snapshot& s, const app::TreeLayout& layout, ImVec2 at,
                float width, const sim::TraceStep* step, Anchors* anchors, int* nodes_drawn) {
  const Palette& p = palette();
  const float r = ImGui::GetFontSize() * 0.95f;
  const int n = static_cast<int>(layout.nodes.size());
  if (n == 0) {
    text_at(dl, ImVec2(at.x, at.y + 4), p.text_dim, "rbr: (empty tree)");
    return at.y + ImGui::GetFontSize() + 12;
  }
  // Spacing shrinks to fit the width; below a few pixels nodes are drawn as dots.
  float dx = std::min(2.6f * r, (width - 2 * r) / std::max(1.f, static_cast<float>(n - 1) + 1));
  const float dy = std::min(2.4f * r, std::max(1.6f * r, 160.f / std::max(1, layout.depth)));
  const bool dots = dx < 1.2f * r;
  auto pos = [&](const app::TreeNode& node) {
    return ImVec2(at.x + r + node.x * dx, at.y + r + node.y * dy);
  };
  std::map<uint32_t, ImVec2> where;
  for (const auto& node : layout.nodes)
    where[node.item] = pos(node);
  const ImVec2 clip_min = dl->GetClipRectMin(), clip_max = dl->GetClipRectMax();
  for (const auto& node : layout.nodes) {
    auto parent = where.find(node.parent);
    if (node.parent && parent != where.end())
      dl->AddLine(pos(node), parent->second, with_alpha(p.line, node.alpha), 1.5f);
  }
  for (const auto& node : layout.nodes) {
    ImVec2 c = pos(node);
    if (c.x < clip_min.x - r || c.x > clip_max.x + r || c.y < clip_min.y - r ||
        c.y > clip_max.y + r)
      continue;
    const ImU32 fill = with_alpha(node.red ? p.rb_red : p.rb_black, node.alpha);
    if (dots) {
      dl->AddCircleFilled(c, std::max(2.f, dx * 0.4f), fill);
    } else {
      dl->AddCircleFilled(c, r, fill);
      dl->AddCircle(c, r, with_alpha(p.box_border, node.alpha), 0, 1.5f);
      const sim::EpItemView* v = s.item(node.item);
      if (v)
        text_centered(dl, c, with_alpha(IM_COL32(255, 255, 255, 255), node.alpha),
                      std::to_string(v->fd));
    }
    if (touched(step, sim::ObjKind::kEpItem, node.item))
      dl->AddCircle(c, r + 4, p.highlight, 0, 2.5f);
    if (anchors) anchors->tree[node.item] = c;
    ++*nodes_drawn;
  }
  return at.y + 2 * r + (layout.depth - 1) * dy + 10;
}

float draw_epoll(ImDrawList* dl, const sim::Snapshot& now, const sim::Snapshot& before,
                 const std::shared_ptr<const sim::EventPollView>& ep, ImVec2 at, float width,
                 float t, const sim::TraceStep* step, app::TreeLayoutCache& cache, Anchors* anchors,
                 const Differences& diff, FrameReport::Pane& report) {
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  // struct eventpoll
  std::vector<std::string> lines = {
      cat("struct eventpoll  ", ep->label),
      cat("  ", fds_of(now, ep->file), ", refcount ", ep->refcount),
      cat("  rbr: ", ep->rbr.size(), ep->rbr.size() == 1 ? " item" : " items"),
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
  bw = std::min(bw, width * 0.45f);
  box(dl, at, ImVec2(at.x + bw, at.y + bh), p.box, p.box_border,
      touched(step, sim::ObjKind::kEventPoll, ep->id));
  for (std::size_t i = 0; i < lines.size(); ++i)
    text_at(dl, ImVec2(at.x + 8, at.y + 5 + line * static_cast<float>(i)),
            i == 0 ? p.text : p.text_dim, lines[i]);
  // rbr
  const float tx = at.x + bw + 24;
  const bool tree_differs = diff.lists.count(ep->label + " rbr") > 0;
  text_at(dl, ImVec2(tx, at.y), tree_differs ? p.bad : p.text_dim,
          tree_differs ? "rbr (red-black tree, key = file, fd) \u2260"
                       : "rbr (red-black tree, key = file, fd)");
  const app::TreeLayout& cur = cache.get(now, ep);
  app::TreeLayout shown = cur;
  for (const auto& old : before.epolls)
    if (old->id == ep->id && t < 1) shown = app::interpolate(cache.get(before, old), cur, t);
  const float tree_bottom = draw_tree(dl, now, shown, ImVec2(tx, at.y + line + 4),
                                      width - (tx - at.x), step, anchors, &report.tree_nodes);
  float y = std::max(at.y + bh, tree_bottom) + 10;
  // Lists
  ChainResult r =
      draw_chain(dl, now, "rdllist", diff.lists.count(ep->label + " rdllist") > 0, ep->rdllist,
                 p.ready, ImVec2(at.x, y), width, step, anchors, ep->id, true);
  report.ready_nodes += r.nodes;
  y = r.bottom;
  if (ep->scanning) {
    r = draw_chain(dl, now, "txlist", diff.lists.count(ep->label + " txlist") > 0, ep->txlist, p.tx,
                   ImVec2(at.x, y), width, step, nullptr, ep->id, false);
    report.tx_nodes += r.nodes;
    y = r.bottom;
    r = draw_chain(dl, now, "ovflist", diff.lists.count(ep->label + " ovflist") > 0, ep->ovflist,
                   p.ovf, ImVec2(at.x, y), width, step, nullptr, ep->id, false);
    report.ovf_nodes += r.nodes;
    y = r.bottom;
  }
  // Items
  for (uint32_t id : ep->rbr) {
    const sim::EpItemView* v = now.item(id);
    if (!v) continue;
    const sim::FileView* f = now.file(v->file);
    std::string s =
        cat("epitem fd ", v->fd, "  ", f ? f->label : std::string("?"), "  events ",
            sim::mask_to_string(v->events & ~sim::kEP_PRIVATE_BITS), " ", trigger_marks(v->events),
            "  data ", v->data,
            v->ready ? cat("  ready now: ", sim::mask_to_string(v->ready)) : std::string());
    const bool hl = touched(step, sim::ObjKind::kEpItem, id);
    if (hl)
      dl->AddRectFilled(ImVec2(at.x, y - 1), ImVec2(at.x + width, y + line - 1),
                        with_alpha(p.highlight, 0.25f));
    const bool differs = diff.items.count(cat(ep->label, " fd ", v->fd)) > 0;
    text_at(dl, ImVec2(at.x + 4, y), differs ? p.bad : p.text_dim, differs ? s + "  \u2260" : s);
    y += line;
    if (y > dl->GetClipRectMax().y + 200) break;  // far below the visible part
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

float draw_files(ImDrawList* dl, const sim::Snapshot& s, const Differences& diff, ImVec2 at,
                 float width, const sim::TraceStep* step, Anchors* anchors) {
  const Palette& p = palette();
  const float line = ImGui::GetFontSize() + 3;
  float x = at.x, y = at.y, row_bottom = at.y;
  for (const auto& f : s.files) {
    if (is_stdio(*f) || f->kind == sim::FileKind::kEpoll) continue;
    float fw = std::max(ImGui::CalcTextSize(cat(f->label, "  (", fds_of(s, f->id), ")").c_str()).x,
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
    ImVec2 a(x, y), b(x + fw, y + fh);
    box(dl, a, b, p.box, diff.files.count(f->label) ? p.bad : p.box_border,
        touched(step, sim::ObjKind::kFile, f->id));
    float ty = y + 5;
    text_at(dl, ImVec2(x + 8, ty), p.text, cat(f->label, "  (", fds_of(s, f->id), ")"));
    ty += line;
    text_at(dl, ImVec2(x + 8, ty), p.text_dim, cat("poll: ", sim::mask_to_string(f->mask)));
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
        if (anchors)
          anchors->entry[(static_cast<uint64_t>(q.id) << 32) | e.id] =
              ImVec2((ea.x + eb.x) / 2, (ea.y + eb.y) / 2);
        ex += ew + 4;
      }
      ty += line + 4;
    }
    row_bottom = std::max(row_bottom, b.y);
    x += fw + 12;
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
                         const sim::Snapshot* other, float t, ImVec2 min, ImVec2 max,
                         app::TreeLayoutCache& cache, FrameReport::Pane& report) {
  const Palette& p = palette();
  report.min = min;
  report.max = max;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(min, max, true);
  dl->AddRectFilled(min, max, p.background);

  const sim::Snapshot& now = s.snapshot_after(steps);
  const sim::Snapshot& before = s.snapshot_after(prev_steps);
  const sim::TraceStep* step =
      steps > 0 && steps <= s.recorder().size() ? &s.recorder().steps()[steps - 1] : nullptr;
  const float pad = 10;
  const float width = max.x - min.x - 2 * pad;
  ImVec2 at(min.x + pad, min.y + pad);
  text_at(dl, at, p.text, cat(s.label(), s.live() ? "" : "   (model only)"));
  at.y += ImGui::GetFontSize() + 8;
  if (step) {
    std::string caption = cat(step->function, ": ", step->text);
    const std::size_t max_chars =
        static_cast<std::size_t>(std::max(20.f, width / (ImGui::GetFontSize() * 0.5f)));
    if (caption.size() > max_chars) caption = caption.substr(0, max_chars - 3) + "...";
    text_at(dl, at, p.highlight, caption);
  }
  at.y += ImGui::GetFontSize() + 10;

  Anchors anchors;
  // Compare mode: what differs from the other model is marked with ≠ and a red outline.
  const Differences diff = differences(now, other);
  report.differences = diff.any();
  for (const auto& ep : now.epolls)
    at.y = draw_epoll(dl, now, before, ep, at, width, t, step, cache, &anchors, diff, report);
  if (now.epolls.empty()) {
    text_at(dl, at, p.text_dim, "no epoll instance yet");
    at.y += ImGui::GetFontSize() + 10;
  }
  at.y = draw_files(dl, now, diff, at, width, step, &anchors);
  at.y = draw_tasks(dl, now, at, width, step, &anchors);
  draw_callback_dot(dl, step, now, anchors, t);
  dl->PopClipRect();
}

}  // namespace epollscope::ui
