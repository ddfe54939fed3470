// SPDX-License-Identifier: GPL-2.0-only
// sim/ep_index.cpp — the (file, fd) index beside rbr: a B+ tree with 32 keys per node, its nodes
// from slab caches (ep_index.h says why it exists and what it answers).
//
// [SECTION] searching inside a node
// [SECTION] nodes: leaves, inner nodes, their pools
// [SECTION] lookups: descend, the finger, find, neighbours
// [SECTION] insert
// [SECTION] erase
// [SECTION] walking and checking the index
#include "sim/ep_index.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "sim/slab.h"
#include "sim/strings.h"

namespace epollscope::sim {

namespace {

constexpr int kCap = 32;            // keys per node
constexpr int kMinFill = kCap / 4;  // below this a node borrows from or merges with a sibling
constexpr int kMaxHeight = 24;

using Key = EpIndex::Key;

// ---------------------------------------------------------------------------------------------
// [SECTION] searching inside a node
// ---------------------------------------------------------------------------------------------

// Branch-free binary searches: which way a probe goes is a coin toss the branch predictor loses
// half the time, so each step picks its half with arithmetic instead of a jump.
// The first position whose key is >= k (lower_bound) among n sorted keys.
int lower(const Key* keys, int n, Key k) {
  const Key* base = keys;
  while (n > 1) {
    const int half = n / 2;
    base += half * static_cast<int>(base[half - 1] < k);
    n -= half;
  }
  return static_cast<int>(base - keys) + (n == 1 && *base < k);
}

// The first position whose key is > k (upper_bound).
int upper(const Key* keys, int n, Key k) {
  const Key* base = keys;
  while (n > 1) {
    const int half = n / 2;
    base += half * static_cast<int>(base[half - 1] <= k);
    n -= half;
  }
  return static_cast<int>(base - keys) + (n == 1 && *base <= k);
}

// Starts loading a whole node at once: the binary search over it then waits for memory once,
// not once per probe, and the child or item it picks is already on its way.
void prefetch(const void* node, std::size_t bytes) {
  const char* p = static_cast<const char*>(node);
  for (const char* end = p + bytes; p < end; p += 64)
    __builtin_prefetch(p);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] nodes: leaves, inner nodes, their pools
// ---------------------------------------------------------------------------------------------

struct EpIndex::Node {
  uint16_t n = 0;  // keys held
  bool leaf = false;
};

struct EpIndex::Leaf : EpIndex::Node {
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  Key keys[kCap];
  EpItem* items[kCap];
};

// keys[i] separates child[i] (keys < keys[i]) from child[i + 1] (keys >= keys[i]).
struct EpIndex::Inner : EpIndex::Node {
  Key keys[kCap];
  Node* child[kCap + 1];
};

// Nodes come from their own slabs, which go away with the index.
struct EpIndex::Pools {
  SlabCache<Leaf> leaves;
  SlabCache<Inner> inners;
};

// Puts (k, item) at position `at` of a leaf with room; takes position `at` out of a leaf.
void EpIndex::put(Leaf* leaf, int at, Key k, EpItem* item) {
  std::move_backward(leaf->keys + at, leaf->keys + leaf->n, leaf->keys + leaf->n + 1);
  std::move_backward(leaf->items + at, leaf->items + leaf->n, leaf->items + leaf->n + 1);
  leaf->keys[at] = k;
  leaf->items[at] = item;
  ++leaf->n;
}

void EpIndex::take(Leaf* leaf, int at) {
  std::move(leaf->keys + at + 1, leaf->keys + leaf->n, leaf->keys + at);
  std::move(leaf->items + at + 1, leaf->items + leaf->n, leaf->items + at);
  --leaf->n;
}

EpIndex::EpIndex() = default;
EpIndex::~EpIndex() = default;

EpIndex::Leaf* EpIndex::new_leaf() {
  if (!pools_) pools_ = std::make_unique<Pools>();
  Leaf* leaf = pools_->leaves.alloc();
  leaf->leaf = true;
  ++nodes_;
  return leaf;
}

EpIndex::Inner* EpIndex::new_inner() {
  Inner* in = pools_->inners.alloc();
  ++nodes_;
  return in;
}

void EpIndex::free_leaf(Leaf* leaf) {
  pools_->leaves.free(leaf);
  --nodes_;
}

void EpIndex::free_inner(Inner* in) {
  pools_->inners.free(in);
  --nodes_;
}

void EpIndex::clear() {
  finger_ = Finger{};
  pools_.reset();
  root_ = nullptr;
  height_ = 0;
  size_ = 0;
  nodes_ = 0;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] lookups: descend, the finger, find, neighbours
// ---------------------------------------------------------------------------------------------

EpIndex::Leaf* EpIndex::descend(Key k, Inner** path, int* slot) const {
  Node* n = root_;
  if (!n) return nullptr;
  prefetch(n, height_ > 1 ? sizeof(Inner) : sizeof(Leaf));
  for (int level = height_, depth = 0; level > 1; --level, ++depth) {
    Inner* in = static_cast<Inner*>(n);
    const int c = upper(in->keys, in->n, k);
    if (path) {
      path[depth] = in;
      slot[depth] = c;
    }
    n = in->child[c];
    prefetch(n, level > 2 ? sizeof(Inner) : sizeof(Leaf));
  }
  return static_cast<Leaf*>(n);
}

void EpIndex::set_finger(const Leaf* leaf, int pos, Key k) const {
  finger_ = Finger{const_cast<Leaf*>(leaf), pos, k};
}

// The finger's leaf and position if it was left by a lookup of k, and lifts it either way. The
// leaf is still alive and the position still right: every change lifts the finger, so nothing
// has moved since the lookup.
EpIndex::Leaf* EpIndex::take_finger(Key k, int* pos) {
  Leaf* leaf = finger_.key == k ? finger_.leaf : nullptr;
  *pos = finger_.pos;
  finger_ = Finger{};
  return leaf;
}

EpItem* EpIndex::find(Key k, int warm) const {
  const Leaf* leaf = descend(k, nullptr, nullptr);
  if (!leaf) return nullptr;
  const int pos = lower(leaf->keys, leaf->n, k);
  set_finger(leaf, pos, k);
  for (int i = std::max(0, pos - warm), end = std::min<int>(leaf->n, pos + warm + 1); i < end; ++i)
    __builtin_prefetch(leaf->items[i]);
  return pos < leaf->n && leaf->keys[pos] == k ? leaf->items[pos] : nullptr;
}

void EpIndex::neighbours(Key k, EpItem** pred, EpItem** succ) const {
  *pred = *succ = nullptr;
  const Leaf* leaf = descend(k, nullptr, nullptr);
  if (!leaf) return;
  const int pos = lower(leaf->keys, leaf->n, k);
  set_finger(leaf, pos, k);
  if (pos > 0)
    *pred = leaf->items[pos - 1];
  else if (leaf->prev)
    *pred = leaf->prev->items[leaf->prev->n - 1];
  int after = pos < leaf->n && leaf->keys[pos] == k ? pos + 1 : pos;
  if (after < leaf->n)
    *succ = leaf->items[after];
  else if (leaf->next)
    *succ = leaf->next->items[0];
}

// ---------------------------------------------------------------------------------------------
// [SECTION] insert
// ---------------------------------------------------------------------------------------------

bool EpIndex::insert(Key k, EpItem* item) {
  int pos;
  if (Leaf* leaf = take_finger(k, &pos);
      leaf && leaf->n < kCap && !(pos < leaf->n && leaf->keys[pos] == k)) {
    // The lookup chose this leaf for k and found it absent: it goes in at the finger.
    put(leaf, pos, k, item);
    ++size_;
    ++finger_uses_;
    return true;
  }
  if (!root_) {
    root_ = new_leaf();
    height_ = 1;
  }
  // Descend, remembering the way back up.
  Inner* path[kMaxHeight];
  int slot[kMaxHeight];
  int depth = height_ - 1;
  Leaf* leaf = descend(k, path, slot);
  pos = lower(leaf->keys, leaf->n, k);
  if (pos < leaf->n && leaf->keys[pos] == k) return false;
  ++size_;

  if (leaf->n < kCap) {
    put(leaf, pos, k, item);
    return true;
  }

  // Split the full leaf. A key past the end (keys added in ascending order) starts a new leaf
  // and leaves this one full; otherwise each half takes half.
  Leaf* right = new_leaf();
  const int keep = pos == kCap ? kCap : kCap / 2;
  right->n = static_cast<uint16_t>(kCap - keep);
  std::copy(leaf->keys + keep, leaf->keys + kCap, right->keys);
  std::copy(leaf->items + keep, leaf->items + kCap, right->items);
  leaf->n = static_cast<uint16_t>(keep);
  right->next = leaf->next;
  right->prev = leaf;
  if (leaf->next) leaf->next->prev = right;
  leaf->next = right;
  Leaf* into = pos >= keep ? right : leaf;
  const int at = pos >= keep ? pos - keep : pos;
  put(into, at, k, item);

  // Push the separator up, splitting full inner nodes on the way.
  Key sep = right->keys[0];
  Node* new_child = right;
  while (depth > 0) {
    --depth;
    Inner* in = path[depth];
    const int c = slot[depth];
    if (in->n < kCap) {
      std::move_backward(in->keys + c, in->keys + in->n, in->keys + in->n + 1);
      std::move_backward(in->child + c + 1, in->child + in->n + 1, in->child + in->n + 2);
      in->keys[c] = sep;
      in->child[c + 1] = new_child;
      ++in->n;
      return true;
    }
    // kCap + 1 keys and kCap + 2 children: the middle key goes up.
    Key keys[kCap + 1];
    Node* child[kCap + 2];
    std::copy(in->keys, in->keys + c, keys);
    keys[c] = sep;
    std::copy(in->keys + c, in->keys + kCap, keys + c + 1);
    std::copy(in->child, in->child + c + 1, child);
    child[c + 1] = new_child;
    std::copy(in->child + c + 1, in->child + kCap + 1, child + c + 2);
    const int left_keys = c == kCap ? kCap - 1 : kCap / 2;  // appends keep the left node full
    Inner* r = new_inner();
    in->n = static_cast<uint16_t>(left_keys);
    std::copy(keys, keys + left_keys, in->keys);
    std::copy(child, child + left_keys + 1, in->child);
    r->n = static_cast<uint16_t>(kCap - left_keys);
    std::copy(keys + left_keys + 1, keys + kCap + 1, r->keys);
    std::copy(child + left_keys + 1, child + kCap + 2, r->child);
    sep = keys[left_keys];
    new_child = r;
  }
  // The root split: a new root above both halves.
  Inner* top = new_inner();
  top->n = 1;
  top->keys[0] = sep;
  top->child[0] = root_;
  top->child[1] = new_child;
  root_ = top;
  ++height_;
  assert(height_ < kMaxHeight);
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] erase
// ---------------------------------------------------------------------------------------------

bool EpIndex::erase(Key k) {
  int pos;
  if (Leaf* leaf = take_finger(k, &pos);
      leaf && pos < leaf->n && leaf->keys[pos] == k && leaf->n > kMinFill) {
    // Found by the lookup, and the leaf stays full enough: no node above needs to know.
    take(leaf, pos);
    --size_;
    ++finger_uses_;
    return true;
  }
  if (!root_) return false;
  Inner* path[kMaxHeight];
  int slot[kMaxHeight];
  int depth = height_ - 1;
  Leaf* leaf = descend(k, path, slot);
  pos = lower(leaf->keys, leaf->n, k);
  if (pos >= leaf->n || leaf->keys[pos] != k) return false;
  take(leaf, pos);
  --size_;

  // Separators stay valid when keys leave (every key left of one is still below it), so only
  // nodes that run low need work: borrow from a sibling, or merge with it.
  Node* low = leaf;
  while (depth > 0 && low->n < kMinFill) {
    --depth;
    Inner* parent = path[depth];
    const int c = slot[depth];
    // The pair (left, right) = (child[li], child[li + 1]) with `low` one of them.
    const int li = c < parent->n ? c : c - 1;
    Node* left = parent->child[li];
    Node* right = parent->child[li + 1];
    if (low->leaf) {
      Leaf* l = static_cast<Leaf*>(left);
      Leaf* r = static_cast<Leaf*>(right);
      if (l->n + r->n <= kCap) {
        std::copy(r->keys, r->keys + r->n, l->keys + l->n);
        std::copy(r->items, r->items + r->n, l->items + l->n);
        l->n = static_cast<uint16_t>(l->n + r->n);
        l->next = r->next;
        if (r->next) r->next->prev = l;
        free_leaf(r);
      } else {
        // Even out the pair.
        const int total = l->n + r->n;
        const int want_left = total / 2;
        if (l->n < want_left) {
          const int move = want_left - l->n;
          std::copy(r->keys, r->keys + move, l->keys + l->n);
          std::copy(r->items, r->items + move, l->items + l->n);
          std::move(r->keys + move, r->keys + r->n, r->keys);
          std::move(r->items + move, r->items + r->n, r->items);
          l->n = static_cast<uint16_t>(want_left);
          r->n = static_cast<uint16_t>(total - want_left);
        } else {
          const int move = l->n - want_left;
          std::move_backward(r->keys, r->keys + r->n, r->keys + r->n + move);
          std::move_backward(r->items, r->items + r->n, r->items + r->n + move);
          std::copy(l->keys + want_left, l->keys + l->n, r->keys);
          std::copy(l->items + want_left, l->items + l->n, r->items);
          l->n = static_cast<uint16_t>(want_left);
          r->n = static_cast<uint16_t>(total - want_left);
        }
        parent->keys[li] = r->keys[0];
        return true;
      }
    } else {
      Inner* l = static_cast<Inner*>(left);
      Inner* r = static_cast<Inner*>(right);
      if (l->n + 1 + r->n <= kCap) {
        l->keys[l->n] = parent->keys[li];
        std::copy(r->keys, r->keys + r->n, l->keys + l->n + 1);
        std::copy(r->child, r->child + r->n + 1, l->child + l->n + 1);
        l->n = static_cast<uint16_t>(l->n + 1 + r->n);
        free_inner(r);
      } else {
        // Rotate keys through the separator until the pair is even.
        const int total = l->n + r->n;
        const int want_left = total / 2;
        while (l->n < want_left) {
          l->keys[l->n] = parent->keys[li];
          l->child[l->n + 1] = r->child[0];
          ++l->n;
          parent->keys[li] = r->keys[0];
          std::move(r->keys + 1, r->keys + r->n, r->keys);
          std::move(r->child + 1, r->child + r->n + 1, r->child);
          --r->n;
        }
        while (l->n > want_left) {
          std::move_backward(r->keys, r->keys + r->n, r->keys + r->n + 1);
          std::move_backward(r->child, r->child + r->n + 1, r->child + r->n + 2);
          r->keys[0] = parent->keys[li];
          r->child[0] = l->child[l->n];
          ++r->n;
          parent->keys[li] = l->keys[l->n - 1];
          --l->n;
        }
        return true;
      }
    }
    // The pair merged: the parent loses the separator and the right child.
    std::move(parent->keys + li + 1, parent->keys + parent->n, parent->keys + li);
    std::move(parent->child + li + 2, parent->child + parent->n + 1, parent->child + li + 1);
    --parent->n;
    low = parent;
  }
  // A root with one child gives way to it; an empty leaf root goes.
  while (height_ > 1 && root_->n == 0) {
    Inner* old = static_cast<Inner*>(root_);
    root_ = old->child[0];
    free_inner(old);
    --height_;
  }
  if (height_ == 1 && root_->n == 0) {
    free_leaf(static_cast<Leaf*>(root_));
    root_ = nullptr;
    height_ = 0;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] walking and checking the index
// ---------------------------------------------------------------------------------------------

void EpIndex::for_each(const std::function<void(Key, const EpItem*)>& fn) const {
  Node* n = root_;
  if (!n) return;
  for (int level = height_; level > 1; --level)
    n = static_cast<Inner*>(n)->child[0];
  for (const Leaf* leaf = static_cast<Leaf*>(n); leaf; leaf = leaf->next)
    for (int i = 0; i < leaf->n; ++i)
      fn(leaf->keys[i], leaf->items[i]);
}

std::string EpIndex::check() const {
  if (!root_) return height_ == 0 && size_ == 0 ? "" : "index: no root but a height or a size";
  std::size_t count = 0, nodes = 0;
  const Leaf* prev_leaf = nullptr;
  std::string error;
  // Depth-first with bounds: lo <= keys < hi (has_lo/has_hi when bounded).
  std::function<void(const Node*, int, bool, Key, bool, Key)> walk =
      [&](const Node* n, int level, bool has_lo, Key lo, bool has_hi, Key hi) {
        if (!error.empty()) return;
        ++nodes;
        const bool is_root = n == root_;
        if (n->leaf != (level == 1)) {
          error = "index: leaves are not all at the same depth";
          return;
        }
        if (n->n > kCap || (!is_root && n->n == 0)) {
          error = cat("index: a node holds ", n->n, " keys");
          return;
        }
        const Key* keys =
            n->leaf ? static_cast<const Leaf*>(n)->keys : static_cast<const Inner*>(n)->keys;
        for (int i = 0; i < n->n; ++i) {
          if (i > 0 && !(keys[i - 1] < keys[i])) {
            error = "index: keys out of order in a node";
            return;
          }
          if ((has_lo && keys[i] < lo) || (has_hi && !(keys[i] < hi))) {
            error = "index: a key lies outside its separators";
            return;
          }
        }
        if (n->leaf) {
          const Leaf* leaf = static_cast<const Leaf*>(n);
          if (leaf->prev != prev_leaf || (prev_leaf && prev_leaf->next != leaf)) {
            error = "index: the leaf chain is broken";
            return;
          }
          prev_leaf = leaf;
          count += leaf->n;
          for (int i = 0; i < leaf->n; ++i)
            if (!leaf->items[i]) {
              error = "index: a leaf slot holds no item";
              return;
            }
          return;
        }
        const Inner* in = static_cast<const Inner*>(n);
        for (int i = 0; i <= in->n; ++i) {
          if (!in->child[i]) {
            error = "index: an inner node lacks a child";
            return;
          }
          walk(in->child[i], level - 1, i > 0 || has_lo, i > 0 ? in->keys[i - 1] : lo,
               i < in->n || has_hi, i < in->n ? in->keys[i] : hi);
        }
      };
  walk(root_, height_, false, 0, false, 0);
  if (!error.empty()) return error;
  if (prev_leaf && prev_leaf->next) return "index: the last leaf has a next";
  if (count != size_) return cat("index: holds ", count, " keys, size says ", size_);
  if (nodes != nodes_) return cat("index: ", nodes, " nodes, the count says ", nodes_);
  return "";
}

}  // namespace epollscope::sim
