// SPDX-License-Identifier: GPL-2.0-only
// sim/rbtree.cpp — lib/rbtree.c's __rb_insert and ____rb_erase_color and
// include/linux/rbtree_augmented.h's __rb_erase_augmented, without augmentation, with an observer
// call after each rotation and each recolouring.
//
// The case diagrams in the comments are lib/rbtree.c's (and rbtree_augmented.h's), quoted with
// attribution; Linux is GPL-2.0, as this project is. Their notation, from lib/rbtree.c: "We shall
// indicate color with case, where black nodes are uppercase and red nodes will be lowercase.
// Unknown color nodes shall be drawn as red within parentheses and have some accompanying text
// comment." The kernel draws each case once, for the branch where the node (insert: the parent) is
// a left child; the mirrored branch below it carries the mirror image of the kernel's drawing.
//
// The red-black properties, in lib/rbtree.c's numbering: 1) a node is either red or black; 2) the
// root is black; 3) all leaves (NULL) are black; 4) both children of every red node are black;
// 5) every simple path from root to leaves contains the same number of black nodes.
//
// [SECTION] links and colours
// [SECTION] insert: __rb_insert, cases 1-3
// [SECTION] erase: __rb_erase_augmented (unlink) and ____rb_erase_color, cases 1-4
// [SECTION] the cached-root entry points: rb_insert_color_cached, rb_erase_cached
// [SECTION] checking a tree: rb_check
#include "sim/rbtree.h"

namespace epollscope::sim {
namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] links and colours
// ---------------------------------------------------------------------------------------------

RbNode* red_parent(RbNode* red) {
  return reinterpret_cast<RbNode*>(red->parent_color);
}

void set_black(RbNode* n) {
  n->parent_color |= kRbBlack;
}
void set_parent(RbNode* n, RbNode* p) {
  n->parent_color = (n->parent_color & 1) | reinterpret_cast<uintptr_t>(p);
}
void set_parent_color(RbNode* n, RbNode* p, uintptr_t color) {
  n->parent_color = reinterpret_cast<uintptr_t>(p) | color;
}

void change_child(RbNode* old_node, RbNode* new_node, RbNode* parent, RbRootCached* root) {
  if (parent) {
    if (parent->left == old_node)
      parent->left = new_node;
    else
      parent->right = new_node;
  } else {
    root->root = new_node;
  }
}

// __rb_rotate_set_parents: new takes old's parent and colour; old gets new as parent and `color`.
void rotate_set_parents(RbNode* old_node, RbNode* new_node, RbRootCached* root, uintptr_t color) {
  RbNode* parent = rb_parent(old_node);
  new_node->parent_color = old_node->parent_color;
  set_parent_color(old_node, new_node, color);
  change_child(old_node, new_node, parent, root);
}

void report(RbObserver* obs, RbStepKind kind, const RbNode* pivot, const RbNode* other, bool left) {
  if (obs) obs->rb_step(RbStep{kind, pivot, other, left});
}

// __rb_insert
// ---------------------------------------------------------------------------------------------
// [SECTION] insert: __rb_insert, cases 1-3
// ---------------------------------------------------------------------------------------------

void insert_fixup(RbNode* node, RbRootCached* root, RbObserver* obs) {
  RbNode* parent = red_parent(node);
  RbNode* gparent;
  RbNode* tmp;

  while (true) {
    // Loop invariant: node is red.
    if (!parent) {
      // The inserted node is the root: the first node, or Case 1 recursed up to the root.
      set_parent_color(node, nullptr, kRbBlack);
      report(obs, RbStepKind::kInsertRootBlack, node, nullptr, false);
      break;
    }
    // A black parent: done. Otherwise two reds in a row break 4).
    if (rb_is_black(parent)) break;

    gparent = red_parent(parent);
    tmp = gparent->right;
    if (parent != tmp) {  // parent == gparent->left
      if (tmp && rb_is_red(tmp)) {
        /* from lib/rbtree.c:
         * Case 1 - node's uncle is red (color flips).
         *
         *       G            g
         *      / \          / \
         *     p   u  -->   P   U
         *    /            /
         *   n            n
         *
         * However, since g's parent might be red, and
         * 4) does not allow this, we need to recurse
         * at g.
         */
        set_parent_color(tmp, gparent, kRbBlack);
        set_parent_color(parent, gparent, kRbBlack);
        node = gparent;
        parent = rb_parent(node);
        set_parent_color(node, parent, kRbRed);
        report(obs, RbStepKind::kInsertColorFlip, node, tmp, false);
        continue;
      }
      tmp = parent->right;
      if (node == tmp) {
        /* from lib/rbtree.c:
         * Case 2 - node's uncle is black and node is
         * the parent's right child (left rotate at parent).
         *
         *      G             G
         *     / \           / \
         *    p   U  -->    n   U
         *     \           /
         *      n         p
         *
         * This still leaves us in violation of 4), the
         * continuation into Case 3 will fix that.
         */
        tmp = node->left;
        parent->right = tmp;
        node->left = parent;
        if (tmp) set_parent_color(tmp, parent, kRbBlack);
        set_parent_color(parent, node, kRbRed);
        // lib/rbtree.c leaves gparent->left and node's parent stale here (case 3 rewrites them);
        // the model stores them so that the tree reported after this step is whole.
        gparent->left = node;
        set_parent(node, gparent);
        report(obs, RbStepKind::kInsertRotateParent, parent, node, true);
        parent = node;
        tmp = node->right;
      }
      /* from lib/rbtree.c:
       * Case 3 - node's uncle is black and node is
       * the parent's left child (right rotate at gparent).
       *
       *        G           P
       *       / \         / \
       *      p   U  -->  n   g
       *     /                 \
       *    n                   U
       */
      gparent->left = tmp;  // == parent->right
      parent->right = gparent;
      if (tmp) set_parent_color(tmp, gparent, kRbBlack);
      rotate_set_parents(gparent, parent, root, kRbRed);
      report(obs, RbStepKind::kInsertRotateGrand, gparent, parent, false);
      break;
    } else {
      tmp = gparent->left;
      if (tmp && rb_is_red(tmp)) {
        /* Case 1 - color flips (the mirror image of the drawing above)
         *
         *       G            g
         *      / \          / \
         *     u   p  -->   U   P
         *          \            \
         *           n            n
         */
        set_parent_color(tmp, gparent, kRbBlack);
        set_parent_color(parent, gparent, kRbBlack);
        node = gparent;
        parent = rb_parent(node);
        set_parent_color(node, parent, kRbRed);
        report(obs, RbStepKind::kInsertColorFlip, node, tmp, false);
        continue;
      }
      tmp = parent->left;
      if (node == tmp) {
        /* Case 2 - right rotate at parent (mirror image)
         *
         *      G             G
         *     / \           / \
         *    U   p  -->    U   n
         *       /               \
         *      n                 p
         */
        tmp = node->right;
        parent->left = tmp;
        node->right = parent;
        if (tmp) set_parent_color(tmp, parent, kRbBlack);
        set_parent_color(parent, node, kRbRed);
        gparent->right = node;  // stale in lib/rbtree.c until case 3, see above
        set_parent(node, gparent);
        report(obs, RbStepKind::kInsertRotateParent, parent, node, false);
        parent = node;
        tmp = node->left;
      }
      /* Case 3 - left rotate at gparent (mirror image)
       *
       *        G             P
       *       / \           / \
       *      U   p   -->   g   n
       *           \       /
       *            n     U
       */
      gparent->right = tmp;  // == parent->left
      parent->left = gparent;
      if (tmp) set_parent_color(tmp, gparent, kRbBlack);
      rotate_set_parents(gparent, parent, root, kRbRed);
      report(obs, RbStepKind::kInsertRotateGrand, gparent, parent, true);
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] erase: __rb_erase_augmented (unlink) and ____rb_erase_color, cases 1-4
// ---------------------------------------------------------------------------------------------

// ____rb_erase_color: `parent` lost a black node on one side.
void erase_fixup(RbNode* parent, RbRootCached* root, RbObserver* obs) {
  RbNode* node = nullptr;
  RbNode* sibling;
  RbNode* tmp1;
  RbNode* tmp2;

  while (true) {
    // Loop invariants: node is black (or NULL on the first pass); node is not the root; every
    // path through parent and node has one black node fewer than the other paths.
    sibling = parent->right;
    if (node != sibling) {  // node == parent->left
      if (rb_is_red(sibling)) {
        /* from lib/rbtree.c:
         * Case 1 - left rotate at parent
         *
         *     P               S
         *    / \             / \
         *   N   s    -->    p   Sr
         *      / \         / \
         *     Sl  Sr      N   Sl
         */
        tmp1 = sibling->left;
        parent->right = tmp1;
        sibling->left = parent;
        set_parent_color(tmp1, parent, kRbBlack);
        rotate_set_parents(parent, sibling, root, kRbRed);
        report(obs, RbStepKind::kEraseRotateSibling0, parent, sibling, true);
        sibling = tmp1;
      }
      tmp1 = sibling->right;
      if (!tmp1 || rb_is_black(tmp1)) {
        tmp2 = sibling->left;
        if (!tmp2 || rb_is_black(tmp2)) {
          /* from lib/rbtree.c:
           * Case 2 - sibling color flip
           * (p could be either color here)
           *
           *    (p)           (p)
           *    / \           / \
           *   N   S    -->  N   s
           *      / \           / \
           *     Sl  Sr        Sl  Sr
           *
           * This leaves us violating 5) which
           * can be fixed by flipping p to black
           * if it was red, or by recursing at p.
           * p is red when coming from Case 1.
           */
          set_parent_color(sibling, parent, kRbRed);
          if (rb_is_red(parent)) {
            set_black(parent);
            report(obs, RbStepKind::kEraseColorFlip, sibling, parent, false);
          } else {
            report(obs, RbStepKind::kEraseColorFlip, sibling, nullptr, false);
            node = parent;
            parent = rb_parent(node);
            if (parent) continue;
          }
          break;
        }
        /* from lib/rbtree.c:
         * Case 3 - right rotate at sibling
         * (p could be either color here)
         *
         *   (p)           (p)
         *   / \           / \
         *  N   S    -->  N   sl
         *     / \             \
         *    sl  Sr            S
         *                       \
         *                        Sr
         *
         * Note: p might be red, and then both
         * p and sl are red after rotation(which
         * breaks property 4). This is fixed in
         * Case 4 (in __rb_rotate_set_parents()
         *         which set sl the color of p
         *         and set p RB_BLACK)
         *
         *   (p)            (sl)
         *   / \            /  \
         *  N   sl   -->   P    S
         *       \        /      \
         *        S      N        Sr
         *         \
         *          Sr
         */
        tmp1 = tmp2->right;
        sibling->left = tmp1;
        tmp2->right = sibling;
        parent->right = tmp2;
        if (tmp1) set_parent_color(tmp1, sibling, kRbBlack);
        // lib/rbtree.c leaves these two parent links stale here (case 4 rewrites them); the model
        // stores them so that the tree reported after this step is whole.
        set_parent(tmp2, parent);
        set_parent(sibling, tmp2);
        report(obs, RbStepKind::kEraseRotateSibling, sibling, tmp2, false);
        tmp1 = sibling;
        sibling = tmp2;
      }
      /* from lib/rbtree.c:
       * Case 4 - left rotate at parent + color flips
       * (p and sl could be either color here.
       *  After rotation, p becomes black, s acquires
       *  p's color, and sl keeps its color)
       *
       *      (p)             (s)
       *      / \             / \
       *     N   S     -->   P   Sr
       *        / \         / \
       *      (sl) sr      N  (sl)
       */
      tmp2 = sibling->left;
      parent->right = tmp2;
      sibling->left = parent;
      set_parent_color(tmp1, sibling, kRbBlack);
      if (tmp2) set_parent(tmp2, parent);
      rotate_set_parents(parent, sibling, root, kRbBlack);
      report(obs, RbStepKind::kEraseRotateParent, parent, sibling, true);
      break;
    } else {
      sibling = parent->left;
      if (rb_is_red(sibling)) {
        /* Case 1 - right rotate at parent (mirror image)
         *
         *       P               S
         *      / \             / \
         *     s   N    -->    Sl  p
         *    / \                 / \
         *   Sl  Sr              Sr  N
         */
        tmp1 = sibling->right;
        parent->left = tmp1;
        sibling->right = parent;
        set_parent_color(tmp1, parent, kRbBlack);
        rotate_set_parents(parent, sibling, root, kRbRed);
        report(obs, RbStepKind::kEraseRotateSibling0, parent, sibling, false);
        sibling = tmp1;
      }
      tmp1 = sibling->left;
      if (!tmp1 || rb_is_black(tmp1)) {
        tmp2 = sibling->right;
        if (!tmp2 || rb_is_black(tmp2)) {
          /* Case 2 - sibling color flip (mirror image)
           *
           *      (p)           (p)
           *      / \           / \
           *     S   N    -->  s   N
           *    / \           / \
           *   Sl  Sr        Sl  Sr
           */
          set_parent_color(sibling, parent, kRbRed);
          if (rb_is_red(parent)) {
            set_black(parent);
            report(obs, RbStepKind::kEraseColorFlip, sibling, parent, false);
          } else {
            report(obs, RbStepKind::kEraseColorFlip, sibling, nullptr, false);
            node = parent;
            parent = rb_parent(node);
            if (parent) continue;
          }
          break;
        }
        /* Case 3 - left rotate at sibling (mirror image)
         *
         *       (p)           (p)
         *       / \           / \
         *      S   N    -->  sr  N
         *     / \            /
         *    Sl  sr         S
         *                  /
         *                 Sl
         */
        tmp1 = tmp2->left;
        sibling->right = tmp1;
        tmp2->left = sibling;
        parent->left = tmp2;
        if (tmp1) set_parent_color(tmp1, sibling, kRbBlack);
        set_parent(tmp2, parent);  // stale in lib/rbtree.c until case 4, see above
        set_parent(sibling, tmp2);
        report(obs, RbStepKind::kEraseRotateSibling, sibling, tmp2, true);
        tmp1 = sibling;
        sibling = tmp2;
      }
      /* Case 4 - right rotate at parent + color flips (mirror image)
       *
       *        (p)             (s)
       *        / \             / \
       *       S   N     -->   Sl  P
       *      / \                 / \
       *     sl (sr)            (sr) N
       */
      tmp2 = sibling->right;
      parent->left = tmp2;
      sibling->right = parent;
      set_parent_color(tmp1, sibling, kRbBlack);
      if (tmp2) set_parent(tmp2, parent);
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
    /* from include/linux/rbtree_augmented.h:
     * Case 1: node to erase has no more than 1 child (easy!)
     *
     * Note that if there is one child it must be red due to 5)
     * and node must be black due to 4). We adjust colors locally
     * so as to bypass __rb_erase_color() later on.
     */
    pc = node->parent_color;
    parent = reinterpret_cast<RbNode*>(pc & ~uintptr_t{3});
    change_child(node, child, parent, root);
    if (child) {
      child->parent_color = pc;
      rebalance = nullptr;
    } else {
      rebalance = (pc & 1) ? parent : nullptr;
    }
  } else if (!child) {
    // Still case 1, but this time the child is node->left.
    tmp->parent_color = pc = node->parent_color;
    parent = reinterpret_cast<RbNode*>(pc & ~uintptr_t{3});
    change_child(node, tmp, parent, root);
    rebalance = nullptr;
  } else {
    RbNode* successor = child;
    RbNode* child2;
    tmp = child->left;
    if (!tmp) {
      /* from include/linux/rbtree_augmented.h:
       * Case 2: node's successor is its right child
       *
       *    (n)          (s)
       *    / \          / \
       *  (x) (s)  ->  (x) (c)
       *        \
       *        (c)
       */
      parent = successor;
      child2 = successor->right;
    } else {
      /* from include/linux/rbtree_augmented.h:
       * Case 3: node's successor is leftmost under
       * node's right child subtree
       *
       *    (n)          (s)
       *    / \          / \
       *  (x) (y)  ->  (x) (y)
       *      /            /
       *    (p)          (p)
       *    /            /
       *  (s)          (c)
       *    \
       *    (c)
       */
      do {
        parent = successor;
        successor = tmp;
        tmp = tmp->left;
      } while (tmp);
      child2 = successor->right;
      parent->left = child2;
      successor->right = child;
      set_parent(child, successor);
    }
    tmp = node->left;
    successor->left = tmp;
    set_parent(tmp, successor);

    pc = node->parent_color;
    tmp = reinterpret_cast<RbNode*>(pc & ~uintptr_t{3});
    change_child(node, successor, tmp, root);

    if (child2) {
      set_parent_color(child2, parent, kRbBlack);
      rebalance = nullptr;
    } else {
      rebalance = rb_is_black(successor) ? parent : nullptr;
    }
    successor->parent_color = pc;
  }
  return rebalance;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the cached-root entry points: rb_insert_color_cached, rb_erase_cached
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// [SECTION] checking a tree: rb_check
// ---------------------------------------------------------------------------------------------

namespace {

// Returns the black height of the subtree, or -1 after writing a violation into `error`.
int check_subtree(const RbNode* n, const RbNode* parent, std::size_t* count, std::string* error) {
  if (!n) return 1;
  ++*count;
  if (rb_parent(n) != parent) {
    *error = "a node's parent pointer does not point at the node that links it";
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
