// sim/rbtree.cpp — lib/rbtree.c's __rb_insert, __rb_erase_augmented and ____rb_erase_color without
// augmentation, with an observer call after each rotation and each recolouring.
#include "sim/rbtree.h"

namespace epollscope::sim {
namespace {

constexpr uintptr_t kKids = kRbLeftRed | kRbRightRed;  // the copy of the children's colours

RbNode* red_parent(RbNode* red) {
  return reinterpret_cast<RbNode*>(red->parent_color & ~kKids);
}

// The copy of one child's colour in `p` (see rbtree.h). Callers pass colours they already know,
// so keeping the copies loads no nephew. It does touch two things lib/rbtree.c does not: a node
// the kernel only writes, set_parent_color now reads too (to keep that node's own copy), and
// erase case 2 with a red parent updates the grandparent's copy of the parent's colour.
void set_kid(RbNode* p, bool left, bool red) {
  const uintptr_t bit = left ? kRbLeftRed : kRbRightRed;
  p->parent_color = red ? p->parent_color | bit : p->parent_color & ~bit;
}
bool kid_red(const RbNode* p, bool left) {
  return p->parent_color & (left ? kRbLeftRed : kRbRightRed);
}

// These four set a node's own colour and parent and keep its copy of its children's colours;
// the parent's copy of this node's colour is the caller's (set_kid).
void set_black(RbNode* n) {
  n->parent_color |= kRbBlack;
}
void set_parent(RbNode* n, RbNode* p) {
  n->parent_color = (n->parent_color & (kKids | 1)) | reinterpret_cast<uintptr_t>(p);
}
void set_parent_color(RbNode* n, RbNode* p, uintptr_t color) {
  n->parent_color = reinterpret_cast<uintptr_t>(p) | (n->parent_color & kKids) | color;
}
// n takes the place of the node whose __rb_parent_color is `from`: its parent and its colour.
void take_place(RbNode* n, uintptr_t from) {
  n->parent_color = (from & ~kKids) | (n->parent_color & kKids);
}

// Puts new_node where old_node hangs; `new_red` is the colour new_node will have there.
void change_child(RbNode* old_node, RbNode* new_node, RbNode* parent, RbRootCached* root,
                  bool new_red) {
  if (parent) {
    if (parent->left == old_node) {
      parent->left = new_node;
      set_kid(parent, true, new_red);
    } else {
      parent->right = new_node;
      set_kid(parent, false, new_red);
    }
  } else {
    root->root = new_node;
  }
}

// __rb_rotate_set_parents: new takes old's parent and colour; old gets new as parent and `color`.
// (The caller has linked old under new; new's copy of old's colour is set here.)
void rotate_set_parents(RbNode* old_node, RbNode* new_node, RbRootCached* root, uintptr_t color) {
  RbNode* parent = rb_parent(old_node);
  const bool old_red = !(old_node->parent_color & 1);
  take_place(new_node, old_node->parent_color);
  set_parent_color(old_node, new_node, color);
  set_kid(new_node, new_node->left == old_node, color == kRbRed);
  change_child(old_node, new_node, parent, root, old_red);
}

void report(RbObserver* obs, RbStepKind kind, const RbNode* pivot, const RbNode* other, bool left) {
  if (obs) obs->rb_step(RbStep{kind, pivot, other, left});
}

// __rb_insert
void insert_fixup(RbNode* node, RbRootCached* root, RbObserver* obs) {
  RbNode* parent = red_parent(node);
  RbNode* gparent;
  RbNode* tmp;

  while (true) {
    // Loop invariant: node is red.
    if (!parent) {
      set_parent_color(node, nullptr, kRbBlack);
      report(obs, RbStepKind::kInsertRootBlack, node, nullptr, false);
      break;
    }
    if (rb_is_black(parent)) break;

    gparent = red_parent(parent);
    tmp = gparent->right;
    if (parent != tmp) {  // parent == gparent->left
      if (tmp && rb_is_red(tmp)) {
        // Case 1 - colour flips; recurse at the grandparent.
        set_parent_color(tmp, gparent, kRbBlack);
        set_parent_color(parent, gparent, kRbBlack);
        set_kid(gparent, true, false);
        set_kid(gparent, false, false);
        node = gparent;
        parent = rb_parent(node);
        set_parent_color(node, parent, kRbRed);
        if (parent) set_kid(parent, parent->left == node, true);
        report(obs, RbStepKind::kInsertColorFlip, node, tmp, false);
        continue;
      }
      tmp = parent->right;
      if (node == tmp) {
        // Case 2 - left rotate at parent.
        tmp = node->left;
        parent->right = tmp;
        node->left = parent;
        if (tmp) set_parent_color(tmp, parent, kRbBlack);
        set_parent_color(parent, node, kRbRed);
        set_kid(parent, false, false);
        set_kid(node, true, true);
        // lib/rbtree.c leaves gparent->left and node's parent stale here (case 3 rewrites them);
        // the model stores them so that the tree reported after this step is whole.
        gparent->left = node;
        set_parent(node, gparent);
        set_kid(gparent, true, true);
        report(obs, RbStepKind::kInsertRotateParent, parent, node, true);
        parent = node;
        tmp = node->right;
      }
      // Case 3 - right rotate at gparent.
      gparent->left = tmp;  // == parent->right
      parent->right = gparent;
      if (tmp) set_parent_color(tmp, gparent, kRbBlack);
      set_kid(gparent, true, false);
      rotate_set_parents(gparent, parent, root, kRbRed);
      report(obs, RbStepKind::kInsertRotateGrand, gparent, parent, false);
      break;
    } else {
      tmp = gparent->left;
      if (tmp && rb_is_red(tmp)) {
        // Case 1 - colour flips.
        set_parent_color(tmp, gparent, kRbBlack);
        set_parent_color(parent, gparent, kRbBlack);
        set_kid(gparent, true, false);
        set_kid(gparent, false, false);
        node = gparent;
        parent = rb_parent(node);
        set_parent_color(node, parent, kRbRed);
        if (parent) set_kid(parent, parent->left == node, true);
        report(obs, RbStepKind::kInsertColorFlip, node, tmp, false);
        continue;
      }
      tmp = parent->left;
      if (node == tmp) {
        // Case 2 - right rotate at parent.
        tmp = node->right;
        parent->left = tmp;
        node->right = parent;
        if (tmp) set_parent_color(tmp, parent, kRbBlack);
        set_parent_color(parent, node, kRbRed);
        set_kid(parent, true, false);
        set_kid(node, false, true);
        gparent->right = node;  // stale in lib/rbtree.c until case 3, see above
        set_parent(node, gparent);
        set_kid(gparent, false, true);
        report(obs, RbStepKind::kInsertRotateParent, parent, node, false);
        parent = node;
        tmp = node->left;
      }
      // Case 3 - left rotate at gparent.
      gparent->right = tmp;  // == parent->left
      parent->left = gparent;
      if (tmp) set_parent_color(tmp, gparent, kRbBlack);
      set_kid(gparent, false, false);
      rotate_set_parents(gparent, parent, root, kRbRed);
      report(obs, RbStepKind::kInsertRotateGrand, gparent, parent, true);
      break;
    }
  }
}

// ____rb_erase_color: `parent` lost a black node on one side.
void erase_fixup(RbNode* parent, RbRootCached* root, RbObserver* obs) {
  RbNode* node = nullptr;
  RbNode* sibling;
  RbNode* tmp1;
  RbNode* tmp2;

  while (true) {
    // Loop invariants: node is black (or NULL on the first pass); node is not the root; every
    // path through parent and node has one black node fewer than the other paths.
    // The colours of the sibling and of its children are read from the copies in parent and
    // sibling (rbtree.h), which lib/rbtree.c reads from the nodes themselves.
    sibling = parent->right;
    if (node != sibling) {           // node == parent->left
      if (kid_red(parent, false)) {  // rb_is_red(sibling)
        // Case 1 - left rotate at parent.
        tmp1 = sibling->left;
        parent->right = tmp1;
        sibling->left = parent;
        set_parent_color(tmp1, parent, kRbBlack);
        set_kid(parent, false, false);
        rotate_set_parents(parent, sibling, root, kRbRed);
        report(obs, RbStepKind::kEraseRotateSibling0, parent, sibling, true);
        sibling = tmp1;
      }
      tmp1 = sibling->right;
      if (!kid_red(sibling, false)) {  // !tmp1 || rb_is_black(tmp1)
        tmp2 = sibling->left;
        if (!kid_red(sibling, true)) {  // !tmp2 || rb_is_black(tmp2)
          // Case 2 - sibling colour flip (parent could be either colour).
          set_parent_color(sibling, parent, kRbRed);
          set_kid(parent, false, true);
          if (rb_is_red(parent)) {
            set_black(parent);
            if (RbNode* g = rb_parent(parent)) set_kid(g, g->left == parent, false);
            report(obs, RbStepKind::kEraseColorFlip, sibling, parent, false);
          } else {
            report(obs, RbStepKind::kEraseColorFlip, sibling, nullptr, false);
            node = parent;
            parent = rb_parent(node);
            if (parent) continue;
          }
          break;
        }
        // Case 3 - right rotate at sibling.
        tmp1 = tmp2->right;
        sibling->left = tmp1;
        tmp2->right = sibling;
        parent->right = tmp2;
        if (tmp1) set_parent_color(tmp1, sibling, kRbBlack);
        // lib/rbtree.c leaves these two parent links stale here (case 4 rewrites them); the model
        // stores them so that the tree reported after this step is whole.
        set_parent(tmp2, parent);
        set_parent(sibling, tmp2);
        set_kid(sibling, true, false);
        set_kid(tmp2, false, false);
        set_kid(parent, false, true);
        report(obs, RbStepKind::kEraseRotateSibling, sibling, tmp2, false);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - left rotate at parent + colour flips.
      tmp2 = sibling->left;
      const bool tmp2_red = kid_red(sibling, true);
      parent->right = tmp2;
      sibling->left = parent;
      set_parent_color(tmp1, sibling, kRbBlack);
      set_kid(sibling, false, false);
      if (tmp2) set_parent(tmp2, parent);
      set_kid(parent, false, tmp2_red);
      rotate_set_parents(parent, sibling, root, kRbBlack);
      report(obs, RbStepKind::kEraseRotateParent, parent, sibling, true);
      break;
    } else {
      sibling = parent->left;
      if (kid_red(parent, true)) {  // rb_is_red(sibling)
        // Case 1 - right rotate at parent.
        tmp1 = sibling->right;
        parent->left = tmp1;
        sibling->right = parent;
        set_parent_color(tmp1, parent, kRbBlack);
        set_kid(parent, true, false);
        rotate_set_parents(parent, sibling, root, kRbRed);
        report(obs, RbStepKind::kEraseRotateSibling0, parent, sibling, false);
        sibling = tmp1;
      }
      tmp1 = sibling->left;
      if (!kid_red(sibling, true)) {  // !tmp1 || rb_is_black(tmp1)
        tmp2 = sibling->right;
        if (!kid_red(sibling, false)) {  // !tmp2 || rb_is_black(tmp2)
          // Case 2 - sibling colour flip.
          set_parent_color(sibling, parent, kRbRed);
          set_kid(parent, true, true);
          if (rb_is_red(parent)) {
            set_black(parent);
            if (RbNode* g = rb_parent(parent)) set_kid(g, g->left == parent, false);
            report(obs, RbStepKind::kEraseColorFlip, sibling, parent, false);
          } else {
            report(obs, RbStepKind::kEraseColorFlip, sibling, nullptr, false);
            node = parent;
            parent = rb_parent(node);
            if (parent) continue;
          }
          break;
        }
        // Case 3 - left rotate at sibling.
        tmp1 = tmp2->left;
        sibling->right = tmp1;
        tmp2->left = sibling;
        parent->left = tmp2;
        if (tmp1) set_parent_color(tmp1, sibling, kRbBlack);
        set_parent(tmp2, parent);  // stale in lib/rbtree.c until case 4, see above
        set_parent(sibling, tmp2);
        set_kid(sibling, false, false);
        set_kid(tmp2, true, false);
        set_kid(parent, true, true);
        report(obs, RbStepKind::kEraseRotateSibling, sibling, tmp2, true);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + colour flips.
      tmp2 = sibling->right;
      const bool tmp2_red = kid_red(sibling, false);
      parent->left = tmp2;
      sibling->right = parent;
      set_parent_color(tmp1, sibling, kRbBlack);
      set_kid(sibling, true, false);
      if (tmp2) set_parent(tmp2, parent);
      set_kid(parent, true, tmp2_red);
      rotate_set_parents(parent, sibling, root, kRbBlack);
      report(obs, RbStepKind::kEraseRotateParent, parent, sibling, false);
      break;
    }
  }
}

// __rb_erase_augmented with no-op callbacks; returns the node to rebalance from, if any.
RbNode* erase_unlink(RbNode* node, RbRootCached* root) {
  RbNode* child = node->right;
  RbNode* tmp = node->left;
  RbNode* parent;
  RbNode* rebalance;
  uintptr_t pc;

  if (!tmp) {
    // Case 1: at most one child (the right one). If there is one it is red and node black, so
    // colours are fixed locally.
    pc = node->parent_color;
    parent = reinterpret_cast<RbNode*>(pc & ~kRbLowBits);
    change_child(node, child, parent, root, child && !(pc & 1));
    if (child) {
      take_place(child, pc);
      rebalance = nullptr;
    } else {
      rebalance = (pc & 1) ? parent : nullptr;
    }
  } else if (!child) {
    // Still case 1, the child is node->left.
    pc = node->parent_color;
    take_place(tmp, pc);
    parent = reinterpret_cast<RbNode*>(pc & ~kRbLowBits);
    change_child(node, tmp, parent, root, !(pc & 1));
    rebalance = nullptr;
  } else {
    RbNode* successor = child;
    RbNode* child2;
    tmp = child->left;
    if (!tmp) {
      // Case 2: node's successor is its right child.
      parent = successor;
      child2 = successor->right;
      set_kid(successor, false, false);  // child2, painted black below, or NULL
    } else {
      // Case 3: node's successor is the leftmost node under node's right child.
      do {
        parent = successor;
        successor = tmp;
        tmp = tmp->left;
      } while (tmp);
      child2 = successor->right;
      parent->left = child2;
      set_kid(parent, true, false);  // child2, painted black below, or NULL
      successor->right = child;
      set_parent(child, successor);
      set_kid(successor, false, kid_red(node, false));
    }
    tmp = node->left;
    successor->left = tmp;
    set_parent(tmp, successor);
    set_kid(successor, true, kid_red(node, true));

    pc = node->parent_color;
    tmp = reinterpret_cast<RbNode*>(pc & ~kRbLowBits);
    change_child(node, successor, tmp, root, !(pc & 1));

    if (child2) {
      set_parent_color(child2, parent, kRbBlack);
      rebalance = nullptr;
    } else {
      rebalance = rb_is_black(successor) ? parent : nullptr;
    }
    take_place(successor, pc);
  }
  return rebalance;
}

}  // namespace

void rb_insert_color_cached(RbNode* node, RbRootCached* root, bool leftmost, RbObserver* obs) {
  if (leftmost) root->leftmost = node;
  insert_fixup(node, root, obs);
}

void rb_erase_cached(RbNode* node, RbRootCached* root, RbObserver* obs) {
  if (root->leftmost == node) root->leftmost = rb_next(node);
  RbNode* rebalance = erase_unlink(node, root);
  report(obs, RbStepKind::kEraseReplace, node, nullptr, false);
  if (rebalance) erase_fixup(rebalance, root, obs);
  node->parent_color = 0;
  node->left = node->right = nullptr;
}

RbNode* rb_first(const RbRootCached* root) {
  return root->leftmost;
}

RbNode* rb_next(const RbNode* node) {
  if (node->right) {
    node = node->right;
    while (node->left)
      node = node->left;
    return const_cast<RbNode*>(node);
  }
  RbNode* parent;
  while ((parent = rb_parent(node)) && node == parent->right)
    node = parent;
  return parent;
}

RbNode* rb_prev(const RbNode* node) {
  if (node->left) {
    node = node->left;
    while (node->right)
      node = node->right;
    return const_cast<RbNode*>(node);
  }
  RbNode* parent;
  while ((parent = rb_parent(node)) && node == parent->left)
    node = parent;
  return parent;
}

namespace {

// Returns the black height of the subtree, or -1 after writing a violation into `error`.
int check_subtree(const RbNode* n, const RbNode* parent, std::size_t* count, std::string* error) {
  if (!n) return 1;
  ++*count;
  if (rb_parent(n) != parent) {
    *error = "a node's parent pointer does not point at the node that links it";
    return -1;
  }
  const bool left_red = n->left && rb_is_red(n->left);
  const bool right_red = n->right && rb_is_red(n->right);
  if (kid_red(n, true) != left_red || kid_red(n, false) != right_red) {
    *error = "a node's copy of its children's colours is not their colours";
    return -1;
  }
  if (rb_is_red(n) && ((n->left && rb_is_red(n->left)) || (n->right && rb_is_red(n->right)))) {
    *error = "a red node has a red child (property 4)";
    return -1;
  }
  int lh = check_subtree(n->left, n, count, error);
  if (lh < 0) return -1;
  int rh = check_subtree(n->right, n, count, error);
  if (rh < 0) return -1;
  if (lh != rh) {
    *error = "two paths to NULL leaves hold different numbers of black nodes (property 5)";
    return -1;
  }
  return lh + (rb_is_black(n) ? 1 : 0);
}

}  // namespace

std::string rb_check(const RbRootCached* root, std::size_t* count) {
  std::size_t n = 0;
  std::string error;
  if (root->root && !rb_is_black(root->root)) return "the root is red (property 2)";
  if (check_subtree(root->root, nullptr, &n, &error) < 0) return error;
  const RbNode* first = root->root;
  if (first)
    while (first->left)
      first = first->left;
  if (first != root->leftmost) return "the cached leftmost node is not the first node";
  if (count) *count = n;
  return {};
}

const char* rb_step_name(RbStepKind kind) {
  switch (kind) {
    case RbStepKind::kInsertRootBlack:
      return "root painted black";
    case RbStepKind::kInsertColorFlip:
      return "insert case 1: colour flip";
    case RbStepKind::kInsertRotateParent:
      return "insert case 2: rotate at parent";
    case RbStepKind::kInsertRotateGrand:
      return "insert case 3: rotate at grandparent";
    case RbStepKind::kEraseReplace:
      return "erase: unlink";
    case RbStepKind::kEraseRotateSibling0:
      return "erase case 1: rotate at parent (red sibling)";
    case RbStepKind::kEraseColorFlip:
      return "erase case 2: sibling colour flip";
    case RbStepKind::kEraseRotateSibling:
      return "erase case 3: rotate at sibling";
    case RbStepKind::kEraseRotateParent:
      return "erase case 4: rotate at parent";
  }
  return "?";
}

}  // namespace epollscope::sim
