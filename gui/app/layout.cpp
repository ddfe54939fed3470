#include "gui/app/layout.h"

#include <algorithm>
#include <unordered_map>

namespace epollscope::app {

const TreeNode* TreeLayout::find(uint32_t item) const {
  for (const auto& n : nodes)
    if (n.item == item) return &n;
  return nullptr;
}

TreeLayout layout_tree(const sim::Snapshot& s, const sim::EventPollView& ep) {
  TreeLayout out;
  out.nodes.reserve(ep.rbr.size());
  std::unordered_map<uint32_t, std::size_t> index;
  for (std::size_t i = 0; i < ep.rbr.size(); ++i) {
    TreeNode n;
    n.item = ep.rbr[i];
    n.x = static_cast<float>(i);
    if (const sim::EpItemView* v = s.item(n.item)) {
      n.red = v->red;
      n.parent = v->parent;
    }
    index[n.item] = i;
    out.nodes.push_back(n);
  }
  // Depth by walking up the parent links (each node once, memoised in order of key).
  std::vector<int> depth(out.nodes.size(), -1);
  for (std::size_t i = 0; i < out.nodes.size(); ++i) {
    std::vector<std::size_t> chain;
    std::size_t j = i;
    while (depth[j] < 0) {
      chain.push_back(j);
      auto p = index.find(out.nodes[j].parent);
      if (out.nodes[j].parent == 0 || p == index.end()) {
        depth[j] = 0;
        chain.pop_back();
        break;
      }
      j = p->second;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      auto p = index.find(out.nodes[*it].parent);
      depth[*it] = depth[p->second] + 1;
    }
  }
  for (std::size_t i = 0; i < out.nodes.size(); ++i) {
    out.nodes[i].y = static_cast<float>(depth[i]);
    out.depth = std::max(out.depth, depth[i] + 1);
  }
  return out;
}

TreeLayout interpolate(const TreeLayout& from, const TreeLayout& to, float t) {
  t = std::clamp(t, 0.f, 1.f);
  TreeLayout out;
  out.depth = std::max(from.depth, to.depth);
  for (const TreeNode& b : to.nodes) {
    TreeNode n = b;
    if (const TreeNode* a = from.find(b.item)) {
      n.x = a->x + (b.x - a->x) * t;
      n.y = a->y + (b.y - a->y) * t;
      n.red = t < 0.5f ? a->red : b.red;
      n.parent = t < 0.5f ? a->parent : b.parent;
    } else {
      n.alpha = t;
    }
    out.nodes.push_back(n);
  }
  for (const TreeNode& a : from.nodes) {
    if (to.find(a.item)) continue;
    TreeNode n = a;
    n.alpha = 1 - t;
    out.nodes.push_back(n);
  }
  return out;
}

const TreeLayout& TreeLayoutCache::get(const sim::Snapshot& s,
                                       const std::shared_ptr<const sim::EventPollView>& ep) {
  std::vector<const sim::EpItemView*> items;
  items.reserve(ep->rbr.size());
  for (uint32_t id : ep->rbr)
    items.push_back(s.item(id));
  for (auto& e : entries_)
    if (e.key == ep && e.items == items) return e.layout;
  if (entries_.size() >= 64) entries_.erase(entries_.begin());
  entries_.push_back(Entry{ep, std::move(items), layout_tree(s, *ep)});
  return entries_.back().layout;
}

}  // namespace epollscope::app
