// SPDX-License-Identifier: GPL-2.0-only
// The intrusive red-black tree against std::set, with the red-black properties checked after every
// insert and erase, and the shapes lib/rbtree.c builds for known key orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sim/rbtree.h"
#include "walked_tree.h"

namespace epollscope::sim {
namespace {

using Node = WalkedNode<int>;
using Tree = WalkedTree<int>;

Node* node_of(RbNode* n) {
  return reinterpret_cast<Node*>(n);
}

TEST(RbTree, AscendingInsertsBuildTheKernelShape) {
  std::vector<Node> nodes(7);
  Tree t;
  for (int i = 0; i < 7; ++i) {
    nodes[i].key = i + 1;
    t.insert(&nodes[i]);
    ASSERT_EQ(rb_check(&t.root), "") << "after inserting " << i + 1;
  }
  EXPECT_EQ(Tree::shape(t.root.root), "2B(1B,4R(3B,6B(5R,7R)))");
  EXPECT_EQ(node_of(rb_first(&t.root))->key, 1);
}

TEST(RbTree, EraseRebalancesLikeLibRbtree) {
  std::vector<Node> nodes(7);
  Tree t;
  for (int i = 0; i < 7; ++i) {
    nodes[i].key = i + 1;
    t.insert(&nodes[i]);
  }
  t.erase(&nodes[0]);  // erase 1: black leaf, sibling 4 red → erase cases 1 then 2
  EXPECT_EQ(rb_check(&t.root), "");
  EXPECT_EQ(Tree::shape(t.root.root), "4B(2B(,3R),6B(5R,7R))");
  t.erase(&nodes[3]);  // erase 4 (the root, two children): successor 5 takes its place
  EXPECT_EQ(rb_check(&t.root), "");
  EXPECT_EQ(Tree::shape(t.root.root), "5B(2B(,3R),6B(,7R))");
  EXPECT_EQ(t.keys(), (std::vector<int>{2, 3, 5, 6, 7}));
}

class RecordingObserver : public RbObserver {
 public:
  void rb_step(const RbStep& s) override { kinds.push_back(s.kind); }
  std::vector<RbStepKind> kinds;
};

TEST(RbTree, ObserverSeesEachRotationAndRecolouring) {
  std::vector<Node> nodes(3);
  RbRootCached root;
  RecordingObserver obs;
  // 1, 3, 2: the third insert is an inner grandchild → case 2 then case 3.
  int keys[] = {1, 3, 2};
  for (int i = 0; i < 3; ++i) {
    nodes[i].key = keys[i];
    RbNode** p = &root.root;
    RbNode* parent = nullptr;
    bool leftmost = true;
    while (*p) {
      parent = *p;
      if (keys[i] > node_of(parent)->key) {
        p = &parent->right;
        leftmost = false;
      } else {
        p = &parent->left;
      }
    }
    rb_link_node(&nodes[i].rb, parent, p);
    rb_insert_color_cached(&nodes[i].rb, &root, leftmost, &obs);
  }
  EXPECT_EQ(obs.kinds,
            (std::vector<RbStepKind>{RbStepKind::kInsertRootBlack, RbStepKind::kInsertRotateParent,
                                     RbStepKind::kInsertRotateGrand}));
  EXPECT_EQ(Tree::shape(root.root), "2B(1R,3R)");
}

TEST(RbTree, RandomOperationsMatchStdSet) {
  std::mt19937 rng(12345);
  std::vector<Node> pool(2000);
  for (int i = 0; i < 2000; ++i)
    pool[i].key = i;
  std::set<int> model;
  std::vector<bool> in(2000, false);
  Tree t;
  for (int step = 0; step < 20000; ++step) {
    int k = static_cast<int>(rng() % 2000);
    if (in[k]) {
      t.erase(&pool[k]);
      model.erase(k);
      in[k] = false;
    } else {
      t.insert(&pool[k]);
      model.insert(k);
      in[k] = true;
    }
    if (step % 97 == 0 || step < 200) {
      std::size_t count = 0;
      ASSERT_EQ(rb_check(&t.root, &count), "") << "step " << step;
      ASSERT_EQ(count, model.size());
    }
  }
  EXPECT_EQ(t.keys(), std::vector<int>(model.begin(), model.end()));
}

// Every case of both fix-ups, in both mirror images, over trees built in ascending order (nearly
// all black: erases climb, case 2 after case 2) and in random order. After every step the observer
// reports, the tree must be a whole binary search tree (parent links agree with child links, keys
// in order, the leftmost cache right; colours may be mid-repair), and after every insert and erase
// rb_check must find every red-black property.
TEST(RbTree, EveryFixUpCaseInBothMirrorImagesKeepsTheTreeWhole) {
  struct Checker : RbObserver {
    const RbRootCached* root = nullptr;
    std::map<std::pair<RbStepKind, bool>, int> seen;
    std::string broken;  // the first step after which the tree was not whole
    // "" when the subtree's links agree and its keys lie in (lo, hi).
    static std::string whole(const RbNode* n, const RbNode* parent, int lo, int hi) {
      if (!n) return {};
      if (rb_parent(n) != parent) return "a parent link disagrees with the child link";
      const int key = reinterpret_cast<const Node*>(n)->key;
      if (key <= lo || key >= hi) return "keys out of order";
      if (auto e = whole(n->left, n, lo, key); !e.empty()) return e;
      return whole(n->right, n, key, hi);
    }
    void rb_step(const RbStep& s) override {
      ++seen[{s.kind, s.left}];
      if (!broken.empty()) return;
      std::string e = whole(root->root, nullptr, -1, 1 << 30);
      const RbNode* first = root->root;
      if (first)
        while (first->left)
          first = first->left;
      if (e.empty() && first != root->leftmost) e = "the cached leftmost is not the first node";
      if (!e.empty()) broken = e + " after " + rb_step_name(s.kind);
    }
  } checker;
  std::mt19937 rng(2024);
  const int n = 1500;
  for (int round = 0; round < 6; ++round) {
    std::vector<Node> pool(n);
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) {
      pool[i].key = i;
      order[i] = i;
    }
    if (round % 2) std::shuffle(order.begin(), order.end(), rng);
    Tree t;
    t.obs = &checker;
    checker.root = &t.root;
    std::vector<bool> in(n, false);
    auto check = [&](const char* what, int key) {
      ASSERT_EQ(checker.broken, "") << what << " " << key << " in round " << round;
      ASSERT_EQ(rb_check(&t.root), "") << what << " " << key << " in round " << round;
    };
    for (int k : order) {
      t.insert(&pool[k]);
      in[k] = true;
      check("insert", k);
    }
    for (int step = 0; step < 4 * n; ++step) {
      const int k = static_cast<int>(rng() % n);
      if (in[k]) {
        t.erase(&pool[k]);
        check("erase", k);
      } else {
        t.insert(&pool[k]);
        check("insert", k);
      }
      in[k] = !in[k];
    }
  }
  for (RbStepKind kind : {RbStepKind::kInsertRotateParent, RbStepKind::kInsertRotateGrand,
                          RbStepKind::kEraseRotateSibling0, RbStepKind::kEraseRotateSibling,
                          RbStepKind::kEraseRotateParent})
    for (bool left : {true, false})
      EXPECT_GT((checker.seen[{kind, left}]), 0)
          << rb_step_name(kind) << (left ? " left" : " right");
  EXPECT_GT((checker.seen[{RbStepKind::kInsertColorFlip, false}]), 0);
  EXPECT_GT((checker.seen[{RbStepKind::kEraseColorFlip, false}]), 0);
}

}  // namespace
}  // namespace epollscope::sim
