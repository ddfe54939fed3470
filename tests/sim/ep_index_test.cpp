// SPDX-License-Identifier: GPL-2.0-only
// The (file, fd) index beside rbr (sim/ep_index.h): against std::map under random inserts and
// erases, its neighbours against the map's, and in the model: the index agrees with rbr after
// every call (the invariant checker compares them), also after files get new addresses.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>

#include "sim/ep_index.h"
#include "sim/eventpoll.h"
#include "sim/invariants.h"
#include "sim/kernel.h"
#include "sim/slab.h"
#include "walked_tree.h"

namespace epollscope::sim {
namespace {

// Distinct fake items: the index only stores and returns the pointers.
EpItem* fake(std::vector<unsigned char>& arena, std::size_t i) {
  return reinterpret_cast<EpItem*>(arena.data() + i);
}

std::vector<std::pair<EpIndex::Key, const EpItem*>> contents(const EpIndex& index) {
  std::vector<std::pair<EpIndex::Key, const EpItem*>> out;
  index.for_each([&](EpIndex::Key k, const EpItem* e) { out.emplace_back(k, e); });
  return out;
}

TEST(EpIndex, KeysOrderAsEpCmpFfd) {
  // File address first, then the fd number.
  EXPECT_LT(EpIndex::key(1, 900), EpIndex::key(2, 0));
  EXPECT_LT(EpIndex::key(5, 3), EpIndex::key(5, 4));
  EXPECT_LT(EpIndex::key(~uint64_t{0} - 1, 0x7fffffff), EpIndex::key(~uint64_t{0}, 0));
}

// Random inserts and erases in waves that grow the index past several levels and shrink it back
// to nothing; after each operation the structure is whole, and after each wave the contents,
// lookups and neighbours equal std::map's.
TEST(EpIndex, MatchesAnOrderedMapThroughGrowthAndShrinkage) {
  std::vector<unsigned char> arena(200000);
  EpIndex index;
  std::map<EpIndex::Key, EpItem*> model;
  std::mt19937_64 rng(42);
  auto random_key = [&] { return EpIndex::key(1 + rng() % 7, static_cast<int>(rng() % 30000)); };
  for (int wave = 0; wave < 6; ++wave) {
    const bool grow = wave % 2 == 0;
    const int ops = wave < 4 ? 20000 : 60000;
    for (int i = 0; i < ops; ++i) {
      const EpIndex::Key k = random_key();
      if (grow || rng() % 4 == 0) {
        EpItem* e = fake(arena, model.size() % arena.size());
        const bool fresh = model.emplace(k, e).second;
        ASSERT_EQ(index.insert(k, e), fresh);
      } else {
        auto it = model.lower_bound(k);
        if (it == model.end()) continue;
        ASSERT_TRUE(index.erase(it->first));
        ASSERT_FALSE(index.erase(it->first));
        model.erase(it);
      }
      if (i % 997 == 0) {
        ASSERT_EQ(index.check(), "") << "wave " << wave << " op " << i;
      }
    }
    ASSERT_EQ(index.check(), "");
    ASSERT_EQ(index.size(), model.size());
    std::vector<std::pair<EpIndex::Key, const EpItem*>> expected(model.begin(), model.end());
    ASSERT_EQ(contents(index), expected);
    for (int probe = 0; probe < 2000; ++probe) {
      const EpIndex::Key k = random_key();
      auto it = model.find(k);
      ASSERT_EQ(index.find(k), it == model.end() ? nullptr : it->second);
      if (it != model.end()) continue;
      EpItem* pred;
      EpItem* succ;
      index.neighbours(k, &pred, &succ);
      auto after = model.upper_bound(k);
      ASSERT_EQ(succ, after == model.end() ? nullptr : after->second);
      ASSERT_EQ(pred, after == model.begin() ? nullptr : std::prev(after)->second);
    }
  }
  // Empty it completely: the tree goes back to nothing.
  while (!model.empty()) {
    ASSERT_TRUE(index.erase(model.begin()->first));
    model.erase(model.begin());
  }
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.nodes(), 0u);
  EXPECT_EQ(index.check(), "");
}

// An insert or erase right after a lookup of the same key starts from the lookup's finger; after
// a lookup of another key, or another change in between, it must not. Random lookups of the same
// key, of another key, or none, before each change; the structure is checked after every
// operation and the contents against std::map's.
TEST(EpIndex, ChangesStartFromTheFingerOnlyForTheKeyLookedUp) {
  std::vector<unsigned char> arena(50000);
  EpIndex index;
  std::map<EpIndex::Key, EpItem*> model;
  std::mt19937_64 rng(7);
  auto random_key = [&] { return EpIndex::key(1 + rng() % 3, static_cast<int>(rng() % 3000)); };
  auto look_up = [&](EpIndex::Key k) {
    if (model.count(k)) {
      ASSERT_EQ(index.find(k), model[k]);
    } else {
      EpItem* pred;
      EpItem* succ;
      index.neighbours(k, &pred, &succ);
    }
  };
  for (int i = 0; i < 40000; ++i) {
    const bool grow = (i / 5000) % 2 == 0 ? rng() % 4 != 0 : rng() % 4 == 0;
    EpIndex::Key k = random_key();
    if (!grow) {
      auto it = model.lower_bound(k);
      if (it == model.end()) continue;
      k = it->first;
    }
    switch (rng() % 4) {
      case 0:
      case 1:
        look_up(k);  // the finger is on k
        break;
      case 2: {
        look_up(k);
        // Another change in between moves keys around: the finger must be forgotten.
        const EpIndex::Key other = random_key();
        if (other != k && !model.count(other)) {
          EpItem* e = fake(arena, (model.size() * 7) % arena.size());
          ASSERT_TRUE(index.insert(other, e));
          model.emplace(other, e);
        }
        break;
      }
      case 3:
        look_up(random_key());  // the finger is on another key
        break;
    }
    if (grow) {
      EpItem* e = fake(arena, model.size() % arena.size());
      const bool fresh = model.emplace(k, e).second;
      ASSERT_EQ(index.insert(k, e), fresh);
    } else {
      ASSERT_TRUE(index.erase(k));
      model.erase(k);
    }
    ASSERT_EQ(index.check(), "") << "op " << i;
    ASSERT_EQ(index.size(), model.size());
  }
  std::vector<std::pair<EpIndex::Key, const EpItem*>> expected(model.begin(), model.end());
  EXPECT_EQ(contents(index), expected);
  // Most changes after a lookup of their own key took the short way.
  EXPECT_GT(index.finger_uses(), 10000u);
}

// Keys added in ascending order (many fd numbers of one file) fill leaves instead of leaving
// them half empty.
TEST(EpIndex, AscendingInsertsFillTheNodes) {
  std::vector<unsigned char> arena(100000);
  EpIndex index;
  for (int fd = 0; fd < 100000; ++fd)
    ASSERT_TRUE(index.insert(EpIndex::key(7, fd), fake(arena, static_cast<std::size_t>(fd))));
  EXPECT_EQ(index.check(), "");
  EXPECT_GT(static_cast<double>(index.size()) / static_cast<double>(index.nodes()), 28.0);
}

TEST(EpIndex, NeighboursOfAnEmptyIndexAreNone) {
  EpIndex index;
  EpItem* pred = reinterpret_cast<EpItem*>(1);
  EpItem* succ = reinterpret_cast<EpItem*>(1);
  index.neighbours(EpIndex::key(1, 1), &pred, &succ);
  EXPECT_EQ(pred, nullptr);
  EXPECT_EQ(succ, nullptr);
  EXPECT_EQ(index.find(EpIndex::key(1, 1)), nullptr);
  EXPECT_FALSE(index.erase(EpIndex::key(1, 1)));
}

// One epoll and a few eventfds (the bases) to register under many fd numbers: dup2 a base onto
// the number, then ADD.
struct World {
  World(int files, long fd_limit) : t(k.main_task()) {
    EXPECT_EQ(k.setrlimit_nofile(t, fd_limit).ret, 0);
    ep = static_cast<int>(k.epoll_create1(t, 0).ret);
    for (int i = 0; i < files; ++i)
      bases.push_back(static_cast<int>(k.eventfd2(t, 0, kEFD_NONBLOCK).ret));
  }
  const EventPoll* epoll() { return static_cast<const EventPollFile*>(k.file_at(ep))->ep(); }

  Kernel k;
  Task& t;
  int ep = -1;
  std::vector<int> bases;
};

// In the model: thousands of registrations under random fd numbers of a few files, removed
// by DEL and by close in random order; the checker compares index and rbr after every call.
TEST(EpIndex, AgreesWithRbrThroughAddDelAndClose) {
  World w(5, 70000);
  auto& [k, t, ep, bases] = w;
  std::mt19937 rng(7);
  std::vector<int> open_fds;
  for (int i = 0; i < 6000; ++i) {
    const int fd = 100 + static_cast<int>(rng() % 60000);
    if (k.file_at(fd)) continue;
    ASSERT_EQ(k.dup2(t, bases[rng() % bases.size()], fd).ret, fd);
    ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, fd, EpollEvent{kEPOLLIN, 0}).ret, 0);
    open_fds.push_back(fd);
    if (i % 50 == 0) {
      ASSERT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
    }
  }
  std::shuffle(open_fds.begin(), open_fds.end(), rng);
  for (std::size_t i = 0; i < open_fds.size(); ++i) {
    if (i % 2) {
      ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_DEL, open_fds[i], std::nullopt).ret, 0);
    }
    // Closing a dup leaves the item (the file stays open through the base fd) — F1.
    ASSERT_EQ(k.close(t, open_fds[i]).ret, 0);
    if (i % 50 == 0) {
      ASSERT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
    }
  }
  // Half the items are still registered under closed fd numbers; closing the bases releases
  // the files and removes every one of them (eventpoll_release_file).
  EXPECT_EQ(k.epitems_in_use(), (open_fds.size() + 1) / 2);
  for (int b : bases)
    ASSERT_EQ(k.close(t, b).ret, 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(w.epoll()->index.size(), 0u);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
}

// The link the index picks for a new item is the one the kernel's walk from the root reaches:
// after random ADDs and DELs the model's rbr has the shape and colours of a tree built by walking
// (lib/rbtree.c's insert and erase on the same keys in the same order).
std::string key_name(EpIndex::Key key) {
  return std::to_string(static_cast<uint64_t>(key >> 32)) + ":" +
         std::to_string(static_cast<uint32_t>(key));
}

TEST(EpIndex, InsertLinksWhereTheKernelsWalkWould) {
  World w(4, 5000);
  auto& [k, t, ep, bases] = w;
  const EventPoll* e = w.epoll();
  WalkedTree<EpIndex::Key> walked;
  // The registered fd numbers and their nodes in the walked tree.
  std::map<int, std::unique_ptr<WalkedNode<EpIndex::Key>>> by_fd;
  std::mt19937 rng(11);
  for (int op = 0; op < 3000; ++op) {
    const int fd = 100 + static_cast<int>(rng() % 4000);
    auto it = by_fd.find(fd);
    if (it == by_fd.end()) {
      const int base = bases[rng() % bases.size()];
      ASSERT_EQ(k.dup2(t, base, fd).ret, fd);
      ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, fd, EpollEvent{kEPOLLIN, 0}).ret, 0);
      auto node = std::make_unique<WalkedNode<EpIndex::Key>>();
      node->key = EpIndex::key(k.file_at(fd)->address, fd);
      walked.insert(node.get());
      by_fd.emplace(fd, std::move(node));
    } else {
      ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_DEL, fd, std::nullopt).ret, 0);
      ASSERT_EQ(k.close(t, fd).ret, 0);
      walked.erase(it->second.get());
      by_fd.erase(it);
    }
    if (op % 100 == 0 || op == 2999) {
      const std::string model = rb_shape(e->rbr.root, [](const RbNode* n) {
        const EpItem* epi = ep_item_from_rb(n);
        return key_name(EpIndex::key(epi->file_address, epi->fd));
      });
      const std::string walk = rb_shape(walked.root.root, [](const RbNode* n) {
        return key_name(WalkedTree<EpIndex::Key>::node_of(n)->key);
      });
      ASSERT_EQ(model, walk) << "after operation " << op;
    }
  }
  EXPECT_GT(by_fd.size(), 500u);
}

// New file addresses (as the live checker gives when it learns the kernel's order) keep rbr's
// order but change the keys: the index is rebuilt from rbr before it answers again.
TEST(EpIndex, IsRebuiltAfterAFileGetsANewAddress) {
  Kernel k;
  Task& t = k.main_task();
  const int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
  const int a = static_cast<int>(k.eventfd2(t, 0, 0).ret);
  const int b = static_cast<int>(k.eventfd2(t, 0, 0).ret);
  ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, a, EpollEvent{kEPOLLIN, 1}).ret, 0);
  ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, b, EpollEvent{kEPOLLIN, 2}).ret, 0);
  File* fa = k.file_at(a);
  File* fb = k.file_at(b);
  ASSERT_LT(fa->address, fb->address);
  // Move a just below b: the order stays, the key changes.
  ASSERT_TRUE(k.set_file_address(fa, fb->address - 1));
  const EventPoll* e = static_cast<const EventPollFile*>(k.file_at(ep))->ep();
  EXPECT_TRUE(e->index_stale);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  // MOD finds the item under its new key, DEL removes it, and the index is whole again.
  EXPECT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_MOD, a, EpollEvent{kEPOLLOUT, 3}).ret, 0);
  EXPECT_FALSE(e->index_stale);
  EXPECT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_DEL, a, std::nullopt).ret, 0);
  EXPECT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_DEL, a, std::nullopt).err, kENOENT);
  EXPECT_EQ(e->index.size(), 1u);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
}

// Big chunks come from the program's page source when it has one, small ones from the heap; all
// go back to where they came from.
std::size_t g_mapped = 0;
int g_allocs = 0;
void* fake_alloc(std::size_t bytes) {
  ++g_allocs;
  g_mapped += bytes;
  return ::operator new (bytes, std::align_val_t{kSlabBigChunk});
}
void fake_free(void* p, std::size_t bytes) {
  g_mapped -= bytes;
  ::operator delete (p, std::align_val_t{kSlabBigChunk});
}

TEST(SlabCache, BigChunksComeFromThePageSource) {
  const SlabPages saved = slab_pages();
  set_slab_pages({fake_alloc, fake_free});
  g_mapped = 0;
  g_allocs = 0;
  {
    World w(1, 60000);
    auto& [k, t, ep, bases] = w;
    const int base = bases[0];
    // A few items: chunks grow from 4 KiB and stay on the heap.
    ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, base, EpollEvent{kEPOLLIN, 0}).ret, 0);
    EXPECT_EQ(g_allocs, 0);
    // 50,000 items need 2 MiB chunks.
    for (int fd = 100; fd < 50100; ++fd) {
      ASSERT_EQ(k.dup2(t, base, fd).ret, fd);
      ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, fd, EpollEvent{kEPOLLIN, 0}).ret, 0);
      ASSERT_EQ(k.close(t, fd).ret, 0);
    }
    EXPECT_GT(g_allocs, 2);
    EXPECT_EQ(g_mapped % kSlabBigChunk, 0u);
    EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  }
  EXPECT_EQ(g_mapped, 0u);  // every chunk went back
  set_slab_pages(saved);
}

}  // namespace
}  // namespace epollscope::sim
