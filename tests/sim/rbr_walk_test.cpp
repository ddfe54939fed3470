// SPDX-License-Identifier: GPL-2.0-only
// ep_find and ep_rbtree_insert as the window shows them. With tracing on the model walks rbr from
// the root as the kernel does, one trace step per comparison; with tracing off the index answers
// (sim/ep_index.h). Here: the steps of each ADD, MOD and DEL lookup are the root-to-node path of a
// reference tree built by walking (walked_tree.h), with the same left/right turns; ADD's insert
// walk ends at the link the new item is then linked at; the walk and the index agree on every
// lookup and every insert link of random trees; the invariants hold after every step.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "sim/eventpoll.h"
#include "sim/invariants.h"
#include "sim/kernel.h"
#include "sim/strings.h"
#include "walked_tree.h"

namespace epollscope::sim {
namespace {

using Key = EpIndex::Key;
using RefTree = WalkedTree<Key>;
using RefNode = WalkedNode<Key>;

Key key_of(const EpItem* epi) {
  return EpIndex::key(epi->file_address, epi->fd);
}

std::string key_name(Key key) {
  return cat(hex(static_cast<uint64_t>(key >> 32)), ":", static_cast<uint32_t>(key));
}

std::string model_shape(const EventPoll* ep) {
  return rb_shape(ep->rbr.root,
                  [](const RbNode* n) { return key_name(key_of(ep_item_from_rb(n))); });
}

std::string reference_shape(const RefTree& t) {
  return rb_shape(t.root.root, [](const RbNode* n) { return key_name(RefTree::node_of(n)->key); });
}

// One comparison of a walk: the key of the node compared and the way the walk went from it.
enum class Turn { kLeft, kRight, kFound };
struct Visit {
  Key key;
  Turn turn;
  friend bool operator==(const Visit&, const Visit&) = default;
  friend void PrintTo(const Visit& v, std::ostream* os) {
    *os << key_name(v.key)
        << (v.turn == Turn::kFound   ? " found"
            : v.turn == Turn::kRight ? " right"
                                     : " left");
  }
};

// The kernel's loop (ep_find; ep_rbtree_insert's, which agrees with it for an absent key) over
// the reference tree.
std::vector<Visit> reference_walk(const RefTree& t, Key key) {
  std::vector<Visit> path;
  for (const RbNode* n = t.root.root; n;) {
    const Key here = RefTree::node_of(n)->key;
    if (key > here) {
      path.push_back({here, Turn::kRight});
      n = n->right;
    } else if (key < here) {
      path.push_back({here, Turn::kLeft});
      n = n->left;
    } else {
      path.push_back({here, Turn::kFound});
      break;
    }
  }
  return path;
}

// A world of one epoll and a few eventfds, registered under many fd numbers (dup2 a base onto the
// number, call, close the number again: an item outlives the fd it was added under).
struct World {
  World() : t(k.main_task()) {
    EXPECT_EQ(k.setrlimit_nofile(t, 5000).ret, 0);
    epfd = static_cast<int>(k.epoll_create1(t, 0).ret);
    for (int i = 0; i < 4; ++i)
      bases.push_back(static_cast<int>(k.eventfd2(t, 0, kEFD_NONBLOCK).ret));
    ep = static_cast<EventPollFile*>(k.file_at(epfd))->ep();
  }
  File* file(int base) { return k.file_at(bases[static_cast<std::size_t>(base)]); }
  // epoll_ctl under fd number `fd` of base file `base`: 0 or -errno.
  long ctl(int op, int base, int fd, uint64_t data = 0) {
    EXPECT_EQ(k.dup2(t, bases[static_cast<std::size_t>(base)], fd).ret, fd);
    SysResult r = k.epoll_ctl(t, epfd, op, fd, EpollEvent{kEPOLLIN, data});
    EXPECT_EQ(k.close(t, fd).ret, 0);
    return r.ret < 0 ? -r.err : r.ret;
  }

  Kernel k;
  Task& t;
  int epfd = -1;
  std::vector<int> bases;
  EventPoll* ep = nullptr;
};

// Counts the steps and keeps nothing: attaching it turns the walks on.
struct CountingSink : TraceSink {
  void on_step(const TraceStep&) override { ++steps; }
  std::size_t steps = 0;
};

// For random trees, both answers to "where is this key": the walk (tracing on) and the index
// (tracing off), for every registered key and for absent keys below, between and above them.
TEST(RbrWalk, WalkAndIndexAgreeOnEveryLookupAndEveryInsertLink) {
  CountingSink sink;
  World w;
  std::mt19937 rng(5);
  std::map<Key, std::pair<int, int>> registered;  // key -> (base, fd)
  int found = 0, absent = 0, right_links = 0, left_links = 0, root_links = 0, leftmost = 0;

  auto probe = [&](int base, int fd) {
    File* f = w.file(base);
    w.k.set_trace_sink(nullptr);
    EpItem* by_index = ep_find(w.k.context(), w.ep, f, fd);
    w.k.set_trace_sink(&sink);
    const std::size_t before = sink.steps;
    EpItem* by_walk = ep_find(w.k.context(), w.ep, f, fd);
    ASSERT_GT(sink.steps, before) << "the walk is traced";
    w.k.set_trace_sink(nullptr);
    ASSERT_EQ(by_walk, by_index) << "fd " << fd;
    ASSERT_EQ(by_walk != nullptr, registered.count(EpIndex::key(f->address, fd)) > 0);
    if (by_walk) {
      ASSERT_EQ(key_of(by_walk), EpIndex::key(f->address, fd));
      ++found;
      return;
    }
    ++absent;
    EpItem item{};
    item.file = f;
    item.file_address = f->address;
    item.fd = fd;
    const EpRbLink index_link = ep_rbtree_link(w.k.context(), w.ep, &item);
    w.k.set_trace_sink(&sink);
    const EpRbLink walk_link = ep_rbtree_link(w.k.context(), w.ep, &item);
    w.k.set_trace_sink(nullptr);
    ASSERT_EQ(walk_link.parent, index_link.parent) << "fd " << fd;
    ASSERT_EQ(walk_link.link, index_link.link) << "fd " << fd;  // the same side of it
    ASSERT_EQ(walk_link.leftmost, index_link.leftmost) << "fd " << fd;
    ASSERT_EQ(*walk_link.link, nullptr) << "a free link";
    if (!walk_link.parent) {
      ASSERT_EQ(walk_link.link, &w.ep->rbr.root);
      ++root_links;
    } else if (walk_link.link == &walk_link.parent->right) {
      ++right_links;
    } else {
      ASSERT_EQ(walk_link.link, &walk_link.parent->left);
      ++left_links;
    }
    // The new key would be the smallest exactly when no registered key is smaller.
    ASSERT_EQ(walk_link.leftmost,
              registered.empty() || EpIndex::key(f->address, fd) < registered.begin()->first);
    leftmost += walk_link.leftmost;
  };

  probe(0, 100);  // the root link of an empty rbr
  for (int round = 0; round < 16; ++round) {
    // Grow to some 1,000 items, then shrink.
    for (int op = 0; op < 200; ++op) {
      const int base = static_cast<int>(rng() % w.bases.size());
      const int fd = 100 + static_cast<int>(rng() % 1000);
      const Key key = EpIndex::key(w.file(base)->address, fd);
      const bool grow = round < 10 ? rng() % 4 != 0 : rng() % 4 == 0;
      if (grow && !registered.count(key)) {
        ASSERT_EQ(w.ctl(kEPOLL_CTL_ADD, base, fd), 0);
        registered.emplace(key, std::make_pair(base, fd));
      } else if (!grow && !registered.empty()) {
        auto it = registered.lower_bound(key);
        if (it == registered.end()) it = registered.begin();
        ASSERT_EQ(w.ctl(kEPOLL_CTL_DEL, it->second.first, it->second.second), 0);
        registered.erase(it);
      }
    }
    ASSERT_EQ(check_invariants(w.k, InvariantLevel::kBetweenCalls), "");
    for (const auto& [key, where] : registered) {
      probe(where.first, where.second);
      if (::testing::Test::HasFatalFailure()) return;
    }
    for (int i = 0; i < 400; ++i) {
      probe(static_cast<int>(rng() % w.bases.size()), 90 + static_cast<int>(rng() % 1020));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // Every kind of answer was compared.
  EXPECT_GT(found, 5000);
  EXPECT_GT(absent, 3000);
  EXPECT_GT(right_links, 100);
  EXPECT_GT(left_links, 100);
  EXPECT_GT(leftmost, 10);
  EXPECT_EQ(root_links, 1);
}

// Records the steps of a call and, at the step that links a new item into rbr, where the item
// hangs at that moment (before rb_insert_color may rotate it elsewhere).
struct CallLog : TraceSink {
  explicit CallLog(const EventPoll* ep) : ep(ep) {}
  void on_step(const TraceStep& s) override {
    steps.push_back(s);
    const bool touches_ep =
        std::find(s.touched.begin(), s.touched.end(), ep->ref()) != s.touched.end();
    if (std::string(s.function) != "ep_rbtree_insert" || !touches_ep) return;
    link_step = steps.size() - 1;
    for (const ObjRef& r : s.touched)
      if (r.kind == ObjKind::kEpItem) linked = find(ep->rbr.root, r.id);
    if (!linked) return;
    if (const RbNode* p = rb_parent(&linked->rbn))
      linked_under =
          Visit{key_of(ep_item_from_rb(p)), p->right == &linked->rbn ? Turn::kRight : Turn::kLeft};
  }
  static const EpItem* find(const RbNode* n, uint32_t id) {
    if (!n) return nullptr;
    if (ep_item_from_rb(n)->id == id) return ep_item_from_rb(n);
    if (const EpItem* e = find(n->left, id)) return e;
    return find(n->right, id);
  }
  void clear() {
    steps.clear();
    link_step.reset();
    linked = nullptr;
    linked_under.reset();
  }

  const EventPoll* ep;
  std::vector<TraceStep> steps;
  std::optional<std::size_t> link_step;
  const EpItem* linked = nullptr;
  std::optional<Visit> linked_under;  // the parent's key and the side, at the link step
};

// The comparisons of `function` among a call's steps (all but the link step): each one touches
// the item compared, and its sentence names the turn taken there.
std::vector<Visit> walk_in(const CallLog& log, const std::map<uint32_t, Key>& key_of_id,
                           const char* function, int depth) {
  std::vector<Visit> path;
  for (std::size_t i = 0; i < log.steps.size(); ++i) {
    const TraceStep& s = log.steps[i];
    if (std::string(s.function) != function || log.link_step == i) continue;
    if (s.touched == std::vector<ObjRef>{log.ep->ref()}) continue;  // "rbr is empty", see below
    EXPECT_EQ(s.kind, StepKind::kTree) << s.text;
    EXPECT_EQ(s.depth, depth) << s.text;
    if (s.touched.size() != 1 || s.touched[0].kind != ObjKind::kEpItem) {
      ADD_FAILURE() << "a comparison touches the item compared, and only it: " << s.text;
      continue;
    }
    auto it = key_of_id.find(s.touched[0].id);
    if (it == key_of_id.end()) {
      ADD_FAILURE() << "an item the test did not add: " << s.text;
      continue;
    }
    const bool found = s.text.find(": found") != std::string::npos;
    const bool right = s.text.find(": go right") != std::string::npos;
    const bool left = s.text.find(": go left") != std::string::npos;
    EXPECT_EQ(found + right + left, 1) << s.text;
    path.push_back({it->second, found ? Turn::kFound : right ? Turn::kRight : Turn::kLeft});
  }
  return path;
}

// Random ADDs (of new keys and of present ones), MODs and DELs (of present and absent keys) with
// tracing on and the invariant checker after every step. Each call's ep_find steps are the
// reference walk's path and turns, ending in "found" or at a missing child; an ADD's
// ep_rbtree_insert steps walk the same path one level below ep_insert's step and end at the link
// the item is then linked at. An untraced twin given the same calls (the index path) and the
// reference tree keep the model's shape throughout.
TEST(RbrWalk, LookupStepsAreTheRootToNodePath) {
  World traced;
  CallLog log(traced.ep);
  InvariantCheckingSink checker(traced.k, &log);
  traced.k.set_trace_sink(&checker);
  World twin;
  RefTree reference;
  std::map<Key, std::unique_ptr<RefNode>> nodes;
  std::map<Key, std::pair<int, int>> registered;  // key -> (base, fd)
  std::map<uint32_t, Key> key_of_id;
  std::mt19937 rng(17);
  int adds = 0, eexists = 0, mods = 0, dels = 0, misses = 0, leftmost_adds = 0;

  for (int op = 0; op < 1500; ++op) {
    const std::size_t size_goal = op < 700 ? 300 : 20;  // grow, then shrink
    int base = static_cast<int>(rng() % traced.bases.size());
    int fd = 100 + static_cast<int>(rng() % 600);
    Key key = EpIndex::key(traced.file(base)->address, fd);
    const int dice = static_cast<int>(rng() % 10);
    int ctl_op;
    if (dice < 4) {  // a random key: mostly absent
      ctl_op = registered.size() < size_goal ? kEPOLL_CTL_ADD
               : dice % 2                    ? kEPOLL_CTL_MOD
                                             : kEPOLL_CTL_DEL;
    } else {  // a registered key
      if (registered.empty()) continue;
      auto it = registered.lower_bound(key);
      if (it == registered.end()) it = registered.begin();
      key = it->first;
      std::tie(base, fd) = it->second;
      ctl_op = dice < 5                        ? kEPOLL_CTL_ADD  // EEXIST
               : dice < 7                      ? kEPOLL_CTL_MOD
               : registered.size() > size_goal ? kEPOLL_CTL_DEL
                                               : kEPOLL_CTL_MOD;
    }
    const bool present = registered.count(key) > 0;
    const std::vector<Visit> expected = reference_walk(reference, key);

    ASSERT_EQ(traced.k.dup2(traced.t, traced.bases[static_cast<std::size_t>(base)], fd).ret, fd);
    log.clear();
    SysResult r = traced.k.epoll_ctl(traced.t, traced.epfd, ctl_op, fd,
                                     EpollEvent{kEPOLLIN, static_cast<uint64_t>(op)});
    const std::vector<TraceStep> call = log.steps;
    ASSERT_EQ(traced.k.close(traced.t, fd).ret, 0);
    const long ret = r.ret < 0 ? -r.err : r.ret;
    ASSERT_EQ(twin.ctl(ctl_op, base, fd, static_cast<uint64_t>(op)), ret);
    ASSERT_EQ(checker.first_violation(), "") << "op " << op;
    ASSERT_EQ(check_invariants(traced.k, InvariantLevel::kBetweenCalls), "") << "op " << op;
    ASSERT_EQ(call.front().depth, 0);  // the syscall step; its body is at depth 1

    // ep_find: the reference path, ending in "found" or where a child is missing.
    CallLog find_log(traced.ep);
    find_log.steps = call;
    const std::vector<Visit> found_path = walk_in(find_log, key_of_id, "ep_find", 1);
    ASSERT_EQ(found_path, expected) << "op " << op;
    const TraceStep* last_find = nullptr;
    std::size_t find_steps = 0;
    for (const TraceStep& s : call)
      if (std::string(s.function) == "ep_find") {
        last_find = &s;
        ++find_steps;
      }
    ASSERT_EQ(find_steps, std::max<std::size_t>(expected.size(), 1)) << "op " << op;
    if (expected.empty()) {
      // An empty rbr: one step, on the epoll.
      EXPECT_NE(last_find->text.find("rbr is empty"), std::string::npos) << last_find->text;
      EXPECT_EQ(last_find->touched, (std::vector<ObjRef>{traced.ep->ref()}));
    }
    EXPECT_EQ(!expected.empty() && expected.back().turn == Turn::kFound, present);
    if (!present) {
      EXPECT_NE(last_find->text.find("not registered"), std::string::npos) << last_find->text;
      if (!expected.empty()) {
        const bool right = expected.back().turn == Turn::kRight;
        EXPECT_NE(last_find->text.find(right ? "no right child" : "no left child"),
                  std::string::npos)
            << last_find->text;
      }
      ++misses;
    }

    if (ctl_op == kEPOLL_CTL_ADD && !present) {
      ASSERT_EQ(ret, 0);
      ++adds;
      ASSERT_TRUE(log.link_step.has_value());
      ASSERT_NE(log.linked, nullptr);
      ASSERT_EQ(key_of(log.linked), key);
      key_of_id[log.linked->id] = key;
      // The insert walk: the same path, one level below ep_insert's step ...
      auto insert_step = std::find_if(call.begin(), call.end(), [](const TraceStep& s) {
        return std::string(s.function) == "ep_insert";
      });
      ASSERT_NE(insert_step, call.end());
      CallLog insert_log(traced.ep);
      insert_log.steps = call;
      insert_log.link_step = log.link_step;
      EXPECT_EQ(call[*log.link_step].depth, insert_step->depth);
      const std::vector<Visit> insert_path =
          walk_in(insert_log, key_of_id, "ep_rbtree_insert", insert_step->depth + 1);
      ASSERT_EQ(insert_path, expected) << "op " << op;
      // ... ending at the link the item is linked at: under the last node compared, on the side
      // of the last turn (or at the root of an empty rbr). The leftmost bookkeeping: no turn to
      // the right, a new first item.
      const bool all_left = std::all_of(expected.begin(), expected.end(),
                                        [](const Visit& v) { return v.turn == Turn::kLeft; });
      if (expected.empty()) {
        EXPECT_FALSE(log.linked_under.has_value());
      } else {
        ASSERT_TRUE(log.linked_under.has_value());
        EXPECT_EQ(*log.linked_under, expected.back());
        const std::string& end = call[*log.link_step - 1].text;
        const bool right = expected.back().turn == Turn::kRight;
        EXPECT_NE(end.find(right ? "free link: the new item becomes its right child"
                                 : "free link: the new item becomes its left child"),
                  std::string::npos)
            << end;
        EXPECT_EQ(end.find("leftmost") != std::string::npos, all_left) << end;
        leftmost_adds += all_left;
      }
      EXPECT_EQ(rb_first(&traced.ep->rbr) == &log.linked->rbn, all_left);
      auto node = std::make_unique<RefNode>();
      node->key = key;
      reference.insert(node.get());
      nodes.emplace(key, std::move(node));
      registered.emplace(key, std::make_pair(base, fd));
    } else if (ctl_op == kEPOLL_CTL_ADD) {
      EXPECT_EQ(ret, -kEEXIST);
      ++eexists;
    } else if (ctl_op == kEPOLL_CTL_MOD) {
      EXPECT_EQ(ret, present ? 0 : -kENOENT);
      mods += present;
    } else {
      EXPECT_EQ(ret, present ? 0 : -kENOENT);
      if (present) {
        ++dels;
        reference.erase(nodes.at(key).get());
        nodes.erase(key);
        registered.erase(key);
      }
    }
    ASSERT_EQ(model_shape(traced.ep), reference_shape(reference)) << "op " << op;
    ASSERT_EQ(model_shape(twin.ep), reference_shape(reference)) << "op " << op;
  }
  EXPECT_GT(adds, 250);
  EXPECT_GT(eexists, 50);
  EXPECT_GT(mods, 200);
  EXPECT_GT(dels, 200);
  EXPECT_GT(misses, 250);
  EXPECT_GT(leftmost_adds, 0);
}

}  // namespace
}  // namespace epollscope::sim
