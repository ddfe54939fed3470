// SPDX-License-Identifier: GPL-2.0-only
#include "gui/app/layout.h"

#include <algorithm>
#include <unordered_map>

namespace epollscope::app {

const TreeNode* TreeLayout::find(uint32_t item) const {
  for (const auto& n : nodes)
    if (n.item == item) return &n;
  return nullptr;
}

namespace {

// Item ids are small numbers the model hands out in order, so a flat table indexed by id does
// what a hash map would, several times faster on trees of 100,000 nodes.
class IdIndex {
 public:
  explicit IdIndex(const std::vector<TreeNode>& nodes) {
    uint32_t max = 0;
    for (const TreeNode& n : nodes)
      max = std::max(max, n.item);
    table_.assign(static_cast<std::size_t>(max) + 1, -1);
    for (std::size_t i = 0; i < nodes.size(); ++i)
      table_[nodes[i].item] = static_cast<int>(i);
  }
  int operator[](uint32_t id) const { return id < table_.size() ? table_[id] : -1; }

 private:
  std::vector<int> table_;
};

void compute_depths(TreeLayout& t) {
  std::vector<int> depth(t.nodes.size(), -1);
  std::vector<int> chain;
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    chain.clear();
    int j = static_cast<int>(i);
    while (j >= 0 && depth[static_cast<std::size_t>(j)] < 0) {
      chain.push_back(j);
      j = t.nodes[static_cast<std::size_t>(j)].parent_index;
    }
    int d = j < 0 ? -1 : depth[static_cast<std::size_t>(j)];
    for (auto it = chain.rbegin(); it != chain.rend(); ++it)
      depth[static_cast<std::size_t>(*it)] = ++d;
  }
  t.depth = 0;
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    t.nodes[i].y = static_cast<float>(depth[i]);
    t.depth = std::max(t.depth, depth[i] + 1);
  }
}

// The item views of a tree, in key order: one pass over the snapshot's items (sorted by id) into
// a table by id, instead of a binary search per node.
std::vector<const sim::EpItemView*> items_of(const sim::Snapshot& s, const sim::EventPollView& ep) {
  std::vector<const sim::EpItemView*> out(ep.rbr.size(), nullptr);
  if (ep.rbr.empty()) return out;
  if (ep.rbr.size() < 64) {
    for (std::size_t i = 0; i < ep.rbr.size(); ++i)
      out[i] = s.item(ep.rbr[i]);
    return out;
  }
  const uint32_t max = *std::max_element(ep.rbr.begin(), ep.rbr.end());
  std::vector<const sim::EpItemView*> by_id(static_cast<std::size_t>(max) + 1, nullptr);
  for (const auto& v : s.items)
    if (v->id <= max) by_id[v->id] = v.get();
  for (std::size_t i = 0; i < ep.rbr.size(); ++i)
    out[i] = by_id[ep.rbr[i]];
  return out;
}

TreeLayout layout_of(const sim::EventPollView& ep,
                     const std::vector<const sim::EpItemView*>& items) {
  TreeLayout out;
  out.nodes.resize(ep.rbr.size());
  for (std::size_t i = 0; i < ep.rbr.size(); ++i) {
    TreeNode& n = out.nodes[i];
    n.item = ep.rbr[i];
    n.x = static_cast<float>(i);
    if (const sim::EpItemView* v = items[i]) {
      n.red = v->red;
      n.parent = v->parent;
    }
  }
  const IdIndex index(out.nodes);
  for (TreeNode& n : out.nodes)
    n.parent_index = n.parent ? index[n.parent] : -1;
  compute_depths(out);
  return out;
}

}  // namespace

TreeLayout layout_tree(const sim::Snapshot& s, const sim::EventPollView& ep) {
  return layout_of(ep, items_of(s, ep));
}

TreeMorph::TreeMorph(const TreeLayout& from, const TreeLayout& to)
    : made_(true), from_serial_(from.serial), to_serial_(to.serial) {
  const IdIndex in_from(from.nodes), in_to(to.nodes);
  source_.resize(to.nodes.size());
  for (std::size_t i = 0; i < to.nodes.size(); ++i)
    source_[i] = in_from[to.nodes[i].item];
  out_of_from_.resize(from.nodes.size());
  for (std::size_t k = 0; k < from.nodes.size(); ++k) {
    if (const int j = in_to[from.nodes[k].item]; j >= 0) {
      out_of_from_[k] = j;
    } else {
      out_of_from_[k] = static_cast<int>(to.nodes.size() + removed_.size());
      removed_.push_back(static_cast<int>(k));
    }
  }
}

void TreeMorph::at(const TreeLayout& from, const TreeLayout& to, float t, TreeLayout* out) const {
  t = std::clamp(t, 0.f, 1.f);
  const bool first_half = t < 0.5f;
  out->depth = std::max(from.depth, to.depth);
  out->serial = 0;
  out->nodes.resize(to.nodes.size() + removed_.size());
  auto parent_in_out = [&](const TreeNode& a) {
    return a.parent_index < 0 ? -1 : out_of_from_[static_cast<std::size_t>(a.parent_index)];
  };
  for (std::size_t i = 0; i < to.nodes.size(); ++i) {
    const TreeNode& b = to.nodes[i];
    TreeNode& n = out->nodes[i];
    n = b;
    if (source_[i] >= 0) {
      const TreeNode& a = from.nodes[static_cast<std::size_t>(source_[i])];
      n.x = a.x + (b.x - a.x) * t;
      n.y = a.y + (b.y - a.y) * t;
      if (first_half) {
        n.red = a.red;
        n.parent = a.parent;
        n.parent_index = parent_in_out(a);
      }
    } else {
      n.alpha = t;
    }
  }
  for (std::size_t r = 0; r < removed_.size(); ++r) {
    const TreeNode& a = from.nodes[static_cast<std::size_t>(removed_[r])];
    TreeNode& n = out->nodes[to.nodes.size() + r];
    n = a;
    n.alpha = 1 - t;
    n.parent_index = parent_in_out(a);
  }
}

TreeLayout interpolate(const TreeLayout& from, const TreeLayout& to, float t) {
  TreeLayout out;
  TreeMorph(from, to).at(from, to, t, &out);
  return out;
}

void TreeLayoutCache::forget_snapshots() {
  for (auto& e : entries_)
    e.seen_in.clear();
}

bool TreeLayoutCache::Entry::has(const std::shared_ptr<const sim::EventPollView>& ep) const {
  return std::find(keys.begin(), keys.end(), ep) != keys.end();
}

const TreeLayout& TreeLayoutCache::get(const sim::Snapshot& s,
                                       const std::shared_ptr<const sim::EventPollView>& ep) {
  auto use = [&](std::list<Entry>::iterator it) -> const TreeLayout& {
    if (!it->has(ep)) {
      if (it->keys.size() >= 8) it->keys.erase(it->keys.begin());
      it->keys.push_back(ep);
    }
    if (std::find(it->seen_in.begin(), it->seen_in.end(), &s) == it->seen_in.end()) {
      if (it->seen_in.size() >= 8) it->seen_in.erase(it->seen_in.begin());
      it->seen_in.push_back(&s);
    }
    entries_.splice(entries_.end(), entries_, it);
    return it->layout;
  };
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->has(ep) && std::find(it->seen_in.begin(), it->seen_in.end(), &s) != it->seen_in.end())
      return use(it);
  auto add = [&](TreeLayout layout) -> const TreeLayout& {
    if (entries_.size() >= 64) entries_.pop_front();
    layout.serial = ++serials_;
    entries_.push_back(Entry{{ep}, {&s}, std::move(layout)});
    return entries_.back().layout;
  };
  // The most recently used layout of the same tree with the same keys in the same order, seen in
  // a snapshot still known: patch the nodes whose colour or parent changed (none, often).
  for (auto it = std::prev(entries_.end(), entries_.empty() ? 0 : 1); !entries_.empty(); --it) {
    const auto& last_key = it->keys.back();
    if (last_key->id == ep->id && !it->seen_in.empty() &&
        (last_key == ep || last_key->rbr == ep->rbr)) {
      const sim::Snapshot& seen = *it->seen_in.back();
      TreeLayout patched;
      bool differs = false;
      for (uint32_t id : sim::changed_ids(seen.items, s.items)) {
        const sim::EpItemView* now = s.item(id);
        const sim::EpItemView* was = seen.item(id);
        if (!now || now->ep != ep->id) continue;  // not in this tree
        if (was && was->red == now->red && was->parent == now->parent) continue;
        if (!differs) {
          patched = it->layout;
          differs = true;
        }
        for (TreeNode& n : patched.nodes)
          if (n.item == id) {
            n.red = now->red;
            n.parent = now->parent;
            break;
          }
      }
      if (!differs) return use(it);
      const IdIndex index(patched.nodes);
      for (TreeNode& n : patched.nodes)
        n.parent_index = n.parent ? index[n.parent] : -1;
      compute_depths(patched);
      ++patched_;
      return add(std::move(patched));
    }
    if (it == entries_.begin()) break;
  }
  ++computed_;
  return add(layout_of(*ep, items_of(s, *ep)));
}

const std::string& FdNames::of(const sim::Snapshot& s, uint32_t file) {
  if (!table_ || table_ != s.fds) {
    table_ = s.fds;
    names_.clear();
  }
  for (const auto& [f, name] : names_)
    if (f == file) return name;
  if (names_.size() >= 256) names_.erase(names_.begin());
  std::string name;
  if (s.fds)
    for (const sim::FdView& f : *s.fds)
      if (f.file == file) name += (name.empty() ? "fd " : ",") + std::to_string(f.fd);
  names_.emplace_back(file, name.empty() ? std::string("no fd") : std::move(name));
  return names_.back().second;
}

}  // namespace epollscope::app
