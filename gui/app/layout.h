// SPDX-License-Identifier: GPL-2.0-only
// gui/app/layout.h — where things go in the eventpoll view, computed without any GUI library so
// that it can be tested: the red-black tree (x = in-order rank, y = depth, as in textbooks and in
// the kernel's own pictures), and the interpolation that animates a rotation from one snapshot to
// the next (every node moves from its old place to its new one).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/snapshot.h"

namespace epollscope::app {

struct TreeNode {
  uint32_t item = 0;  // epitem id
  float x = 0;        // in-order rank (0 = leftmost)
  float y = 0;        // depth (0 = root)
  bool red = false;
  uint32_t parent = 0;    // epitem id, 0 for the root
  int parent_index = -1;  // index of the parent in TreeLayout::nodes, -1 for the root
  float alpha = 1;        // < 1 while appearing or disappearing
};

struct TreeLayout {
  std::vector<TreeNode> nodes;  // in key order
  int depth = 0;                // levels
  uint64_t serial = 0;          // unique per computed layout (TreeMorph checks it)
  const TreeNode* find(uint32_t item) const;
};

// The tree of one epoll in a snapshot.
TreeLayout layout_tree(const sim::Snapshot& s, const sim::EventPollView& ep);

// The tree `t` of the way (0..1) from `from` to `to`: shared nodes move, new ones fade in, removed
// ones fade out. Colours switch at the half-way point. The nodes of `to` come first, in order,
// then the removed ones.
TreeLayout interpolate(const TreeLayout& from, const TreeLayout& to, float t);

// The same, with the pairing of the two layouts' nodes worked out once (hashing every item), so
// that each frame of the animation is one pass over the nodes without any lookup.
class TreeMorph {
 public:
  TreeMorph() = default;
  TreeMorph(const TreeLayout& from, const TreeLayout& to);
  // True if made for these two layouts.
  bool pairs(const TreeLayout& from, const TreeLayout& to) const {
    return from.serial == from_serial_ && to.serial == to_serial_ && made_;
  }
  // Fills `out` (its storage is reused from frame to frame).
  void at(const TreeLayout& from, const TreeLayout& to, float t, TreeLayout* out) const;

 private:
  bool made_ = false;
  uint64_t from_serial_ = 0, to_serial_ = 0;
  std::vector<int> source_;       // for each node of `to`: its index in `from`, or -1 (new)
  std::vector<int> removed_;      // indices in `from` of the nodes `to` lacks
  std::vector<int> out_of_from_;  // index in the output of each node of `from`
};

// Caches layouts. A snapshot asked again (every frame while it is on screen) is found by its
// address. A new snapshot of a tree whose keys are unchanged (most steps: a wake-up, a harvest, a
// recolouring) is laid out from a cached one by patching the nodes whose item views differ —
// snapshots share unchanged views, so finding them compares pointers, not items. Only an insert
// or a removal lays the whole tree out again. A returned reference stays valid until 64 other
// layouts have been asked for.
class TreeLayoutCache {
 public:
  const TreeLayout& get(const sim::Snapshot& s,
                        const std::shared_ptr<const sim::EventPollView>& ep);
  // Snapshots are remembered by address: call this when the ones seen so far are gone (another
  // scenario was loaded).
  void forget_snapshots();
  // Layouts made so far: from scratch, and by patching a cached one (for tests and benchmarks).
  std::size_t computed() const { return computed_; }
  std::size_t patched() const { return patched_; }

 private:
  struct Entry {
    // The epoll views with this layout (kept alive: their addresses are keys), the latest last.
    std::vector<std::shared_ptr<const sim::EventPollView>> keys;
    std::vector<const sim::Snapshot*> seen_in;  // snapshots known to give this layout
    bool has(const std::shared_ptr<const sim::EventPollView>& ep) const;
    TreeLayout layout;
  };
  std::list<Entry> entries_;  // least recently used first; references stay valid while in it
  std::size_t computed_ = 0;
  std::size_t patched_ = 0;
  uint64_t serials_ = 0;
};

// The fd numbers of an open file in a snapshot ("fd 3,5"), remembered per fd table (fd tables are
// shared between snapshots until one changes) and worked out only for the files asked about.
class FdNames {
 public:
  const std::string& of(const sim::Snapshot& s, uint32_t file);

 private:
  std::shared_ptr<const std::vector<sim::FdView>> table_;  // kept alive: its address is the key
  std::vector<std::pair<uint32_t, std::string>> names_;    // the files asked about so far
};

}  // namespace epollscope::app
