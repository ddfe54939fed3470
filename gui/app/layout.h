// gui/app/layout.h — where things go in the eventpoll view, computed without any GUI library so
// that it can be tested: the red-black tree (x = in-order rank, y = depth, as in textbooks and in
// the kernel's own pictures), and the interpolation that animates a rotation from one snapshot to
// the next (every node moves from its old place to its new one).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/snapshot.h"

namespace epollscope::app {

struct TreeNode {
  uint32_t item = 0;  // epitem id
  float x = 0;        // in-order rank (0 = leftmost)
  float y = 0;        // depth (0 = root)
  bool red = false;
  uint32_t parent = 0;  // epitem id, 0 for the root
  float alpha = 1;      // < 1 while appearing or disappearing
};

struct TreeLayout {
  std::vector<TreeNode> nodes;  // in key order
  int depth = 0;                // levels
  const TreeNode* find(uint32_t item) const;
};

// The tree of one epoll in a snapshot.
TreeLayout layout_tree(const sim::Snapshot& s, const sim::EventPollView& ep);

// The tree `t` of the way (0..1) from `from` to `to`: shared nodes move, new ones fade in, removed
// ones fade out. Colours switch at the half-way point.
TreeLayout interpolate(const TreeLayout& from, const TreeLayout& to, float t);

// Caches layouts: snapshots share unchanged views, so an epoll view and item views seen before
// (the same objects) keep their layout.
class TreeLayoutCache {
 public:
  const TreeLayout& get(const sim::Snapshot& s,
                        const std::shared_ptr<const sim::EventPollView>& ep);

 private:
  struct Entry {
    std::shared_ptr<const sim::EventPollView> key;
    std::vector<const sim::EpItemView*> items;  // colours and parents live in the item views
    TreeLayout layout;
  };
  std::vector<Entry> entries_;  // a small LRU
};

}  // namespace epollscope::app
