// SPDX-License-Identifier: GPL-2.0-only
// sim/rbtree.h — our own intrusive red-black tree, following lib/rbtree.c line by line.
//
// Why not std::map: the GUI shows every rotation and recolouring of ep->rbr, and the tree's shape
// must be the one the kernel builds for the same key order. So the insert fix-up (cases 1-3, both
// mirrors), the erase (cases 1-3 of __rb_erase_augmented) and the erase fix-up (cases 1-4 of
// ____rb_erase_color) are the kernel's, in the kernel's order, and each rotation or colour change
// is reported to an optional observer as it happens.
//
// Like the kernel, the colour lives in the low bit of the parent pointer (RB_RED = 0,
// RB_BLACK = 1; the next bit is free, as in the kernel: a copy of the children's colours kept there
// and in bit 2 was measured not to pay for itself, README "Measurements"), a node is embedded in
// its owner (struct epitem's `rbn`), and the caller walks the tree to find the link point itself
// (ep_rbtree_insert), then calls rb_link_node and rb_insert_color_cached. The root is cached with
// its leftmost node (rb_root_cached).
//
// Invariants (checked by rb_check): 1) every node red or black; 2) the root is black; 4) a red
// node has no red child; 5) every path from a node to its NULL leaves has the same number of black
// nodes; plus parent pointers agree with child pointers and the cached leftmost is the first node.
#pragma once

#include <cstdint>
#include <string>

namespace epollscope::sim {

inline constexpr uintptr_t kRbRed = 0;
inline constexpr uintptr_t kRbBlack = 1;

struct RbNode {
  uintptr_t parent_color = 0;  // __rb_parent_color: parent pointer | colour bit
  RbNode* right = nullptr;     // rb_right
  RbNode* left = nullptr;      // rb_left
};

inline RbNode* rb_parent(const RbNode* n) {
  return reinterpret_cast<RbNode*>(n->parent_color & ~uintptr_t{3});
}
inline bool rb_is_black(const RbNode* n) {
  return n->parent_color & 1;
}
inline bool rb_is_red(const RbNode* n) {
  return !rb_is_black(n);
}

struct RbRootCached {
  RbNode* root = nullptr;      // rb_root.rb_node
  RbNode* leftmost = nullptr;  // cached first node (rb_first_cached)
};

// What the fix-up code did, for the trace: one event per rotation or recolouring.
enum class RbStepKind : uint8_t {
  kInsertRootBlack,      // __rb_insert: the node became the root and is painted black
  kInsertColorFlip,      // insert case 1: parent and uncle black, grandparent red
  kInsertRotateParent,   // insert case 2: rotate at parent (node is an inner grandchild)
  kInsertRotateGrand,    // insert case 3: rotate at grandparent, recolour
  kEraseReplace,         // __rb_erase: node unlinked / replaced by its successor
  kEraseRotateSibling0,  // erase case 1: red sibling, rotate at parent
  kEraseColorFlip,       // erase case 2: sibling painted red (maybe parent black)
  kEraseRotateSibling,   // erase case 3: rotate at sibling
  kEraseRotateParent,    // erase case 4: rotate at parent, recolour
};

struct RbStep {
  RbStepKind kind;
  const RbNode* pivot;  // the node rotated down / recoloured
  const RbNode* other;  // the node rotated up, or the second node recoloured (may be null)
  bool left;            // direction of a rotation: true = left rotation
};

// Receives each step as it happens; the tree is a valid binary search tree at every call
// (colours may be mid-repair).
class RbObserver {
 public:
  virtual ~RbObserver() = default;
  virtual void rb_step(const RbStep& step) = 0;
};

// rb_link_node: attach `node` as a red leaf under `parent` at `*link`.
inline void rb_link_node(RbNode* node, RbNode* parent, RbNode** link) {
  node->parent_color = reinterpret_cast<uintptr_t>(parent);  // red
  node->left = node->right = nullptr;
  *link = node;
}

// rb_insert_color_cached: rebalance after rb_link_node; `leftmost` says the new node is the
// smallest key.
void rb_insert_color_cached(RbNode* node, RbRootCached* root, bool leftmost, RbObserver* obs);
// rb_erase_cached
void rb_erase_cached(RbNode* node, RbRootCached* root, RbObserver* obs);

RbNode* rb_first(const RbRootCached* root);  // the cached leftmost
RbNode* rb_next(const RbNode* node);         // in-order successor
RbNode* rb_prev(const RbNode* node);

// Checks the red-black properties, parent links and the leftmost cache. Returns "" when all hold,
// else a description of the first violation. `count` receives the number of nodes.
std::string rb_check(const RbRootCached* root, std::size_t* count = nullptr);

const char* rb_step_name(RbStepKind kind);

}  // namespace epollscope::sim
