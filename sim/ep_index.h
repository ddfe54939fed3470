// SPDX-License-Identifier: GPL-2.0-only
// sim/ep_index.h — an ordered index of one epoll's items by (file address, fd), kept beside rbr.
//
// Not a kernel structure. The kernel finds an item by walking ep->rbr (ep_find) and finds where a
// new one goes by walking it again (ep_rbtree_insert). With 10^5–10^6 items that walk is a chain
// of ~20 dependent loads, one cache line per level, and the lower levels are cache misses: at a
// million items it is most of what epoll_ctl costs, in the kernel and in a model that copies it.
// The model keeps rbr exactly as the kernel does — the same nodes, links, colours and rotations,
// which the GUI draws. With tracing on it also finds keys as the kernel does, walking rbr from the
// root, each comparison a trace step (ep_find, ep_rbtree_link in eventpoll.cpp). With tracing off
// it asks this B+ tree instead: its inner levels are small enough to stay in cache, so a lookup
// costs one or two misses instead of seven or more (README, "Measurements": at 10^6 items ADD,
// MOD and DEL take 0.5-0.75 of the walk's time; at 10^3 ADD and DEL are faster without it).
//
// The answers are the walk's answers: find() returns the item ep_find would return, and for a
// key that is not there neighbours() gives the in-order neighbours, one of which has the free
// link the walk would reach (the right link of the predecessor or the left link of the successor;
// exactly one of them is free). The invariant checker compares the index with rbr after every
// step (check_index in invariants.cpp), and tests/sim/rbr_walk_test.cpp compares both answers on
// every lookup and every insert link of random trees.
//
// Keys are (file address, fd) as one 128-bit number, which orders them as ep_cmp_ffd does (fd
// numbers of registered items are never negative).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace epollscope::sim {

struct EpItem;

class EpIndex {
 public:
  using Key = unsigned __int128;
  static Key key(uint64_t file_address, int fd) {
    return (static_cast<Key>(file_address) << 32) | static_cast<uint32_t>(fd);
  }

  EpIndex();
  ~EpIndex();
  EpIndex(const EpIndex&) = delete;
  EpIndex& operator=(const EpIndex&) = delete;

  // find() and neighbours() leave a finger on the leaf position where they ended: epoll_ctl
  // looks a key up and then changes the index at that same key (DEL finds, then erases; ADD asks
  // for the neighbours, then inserts), and the change starts from the finger instead of
  // descending again when it can stay within that leaf. Every change lifts the finger.
  //
  // find(k, warm) also starts loading the items up to `warm` places either side of k in key
  // order (those in the same leaf), for a caller about to erase k from rbr: near the bottom of
  // the tree the nodes rb_erase reads and rewrites (parent, sibling, nephews, successor) are the
  // node's in-order neighbours a few places away, and this leaf holds their addresses side by
  // side, so their cache misses overlap instead of following one another. (An insert gains
  // nothing measurable from the same: rb_insert_color reads the parent the link came from.)
  static constexpr int kWarmForErase = 8;
  EpItem* find(Key k, int warm = 0) const;
  // For a key that is not in the index: the items just before and just after it, or nullptr.
  void neighbours(Key k, EpItem** pred, EpItem** succ) const;
  // Adds an absent key (false, and nothing changes, if it is present).
  bool insert(Key k, EpItem* item);
  // Removes a key (false if it is absent).
  bool erase(Key k);
  // How many inserts and erases started from the finger (for tests).
  std::size_t finger_uses() const { return finger_uses_; }
  void clear();

  std::size_t size() const { return size_; }
  std::size_t nodes() const { return nodes_; }
  // Every (key, item) in key order.
  void for_each(const std::function<void(Key, const EpItem*)>& fn) const;
  // The structure's own rules: keys sorted and within their separators, every leaf at the same
  // depth and chained in order, no empty node but an empty root, the count right. "" when whole.
  std::string check() const;

 private:
  struct Node;
  struct Leaf;
  struct Inner;
  // The leaf where k is or would be; `path` and `slot` (when given) get each inner node on the
  // way and the child taken.
  Leaf* descend(Key k, Inner** path, int* slot) const;
  static void put(Leaf* leaf, int at, Key k, EpItem* item);
  static void take(Leaf* leaf, int at);
  struct Pools;
  Leaf* new_leaf();
  Inner* new_inner();
  void free_leaf(Leaf* leaf);
  void free_inner(Inner* in);

  // Where the last find() or neighbours() ended: its key, the leaf and the position of the key
  // in it (or where it would go). leaf == nullptr: no finger.
  struct Finger {
    Leaf* leaf = nullptr;
    int pos = 0;
    Key key = 0;
  };
  void set_finger(const Leaf* leaf, int pos, Key k) const;
  Leaf* take_finger(Key k, int* pos);

  std::unique_ptr<Pools> pools_;
  mutable Finger finger_;
  std::size_t finger_uses_ = 0;
  Node* root_ = nullptr;
  int height_ = 0;  // 0: empty; 1: the root is a leaf
  std::size_t size_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace epollscope::sim
