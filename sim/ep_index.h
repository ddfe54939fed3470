// sim/ep_index.h — an ordered index of one epoll's items by (file address, fd), kept beside rbr.
//
// Not a kernel structure. The kernel finds an item by walking ep->rbr (ep_find) and finds where a
// new one goes by walking it again (ep_rbtree_insert). With 10^5–10^6 items that walk is a chain
// of ~20 dependent loads, one cache line per level, and the lower levels are cache misses: at a
// million items it is most of what epoll_ctl costs, in the kernel and in a model that copies it.
// The model keeps rbr exactly as the kernel does — the same nodes, links, colours, rotations and
// trace steps, which the GUI draws — but asks this B+ tree where a key is: its inner levels are
// small enough to stay in cache, so a lookup costs one or two misses instead of seven or more.
//
// The answers are the walk's answers: find() returns the item ep_find would return, and for a
// key that is not there neighbours() gives the in-order neighbours, one of which has the free
// link the walk would reach (the right link of the predecessor or the left link of the successor;
// exactly one of them is free). The invariant checker compares the index with rbr after every
// step (check_index in invariants.cpp).
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

  EpItem* find(Key k) const;
  // For a key that is not in the index: the items just before and just after it, or nullptr.
  void neighbours(Key k, EpItem** pred, EpItem** succ) const;
  // Adds an absent key (false, and nothing changes, if it is present).
  bool insert(Key k, EpItem* item);
  // Removes a key (false if it is absent).
  bool erase(Key k);
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
  struct Pools;
  Leaf* new_leaf();
  Inner* new_inner();
  void free_leaf(Leaf* leaf);
  void free_inner(Inner* in);

  std::unique_ptr<Pools> pools_;
  Node* root_ = nullptr;
  int height_ = 0;  // 0: empty; 1: the root is a leaf
  std::size_t size_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace epollscope::sim
