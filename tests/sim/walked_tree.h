// SPDX-License-Identifier: GPL-2.0-only
// tests/sim/walked_tree.h — the reference red-black tree of the model's tests: built the way the
// kernel builds rbr, each insert walking down from the root (ep_rbtree_insert's loop: right when
// the new key is greater, left otherwise) and then lib/rbtree.c's rb_insert_color, via sim/rbtree.
#pragma once

#include <string>
#include <vector>

#include "sim/rbtree.h"

namespace epollscope::sim {

template <class Key>
struct WalkedNode {
  RbNode rb;
  Key key{};
};

// "2B(1B,4R(3B,6B(5R,7R)))": each node's name, its colour, then its children; `name(node)` gives
// the name.
template <class Name>
std::string rb_shape(const RbNode* n, const Name& name) {
  if (!n) return "";
  std::string s = name(n) + (rb_is_black(n) ? "B" : "R");
  if (n->left || n->right)
    s += "(" + rb_shape(n->left, name) + "," + rb_shape(n->right, name) + ")";
  return s;
}

template <class Key>
class WalkedTree {
 public:
  using Node = WalkedNode<Key>;
  static const Node* node_of(const RbNode* n) { return reinterpret_cast<const Node*>(n); }

  void insert(Node* n) {
    RbNode** p = &root.root;
    RbNode* parent = nullptr;
    bool leftmost = true;
    while (*p) {
      parent = *p;
      if (n->key > node_of(parent)->key) {
        p = &parent->right;
        leftmost = false;
      } else {
        p = &parent->left;
      }
    }
    rb_link_node(&n->rb, parent, p);
    rb_insert_color_cached(&n->rb, &root, leftmost, obs);
  }
  void erase(Node* n) { rb_erase_cached(&n->rb, &root, obs); }
  std::vector<Key> keys() const {
    std::vector<Key> out;
    for (RbNode* n = rb_first(&root); n; n = rb_next(n))
      out.push_back(node_of(n)->key);
    return out;
  }
  // With the keys as names (keys that std::to_string takes).
  static std::string shape(const RbNode* n) {
    return rb_shape(n, [](const RbNode* x) { return std::to_string(node_of(x)->key); });
  }

  RbRootCached root;
  RbObserver* obs = nullptr;  // told of each rotation and recolouring, when set
};

}  // namespace epollscope::sim
