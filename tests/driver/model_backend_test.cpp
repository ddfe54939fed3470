// SPDX-License-Identifier: GPL-2.0-only
// tests/driver/model_backend_test.cpp — ModelBackend::order_like: the model builds its rbtrees in
// the kernel's key order, as the runner's fdinfo comparison requires (docs/kernel-notes.md C2.13:
// fdinfo lists items by struct file address, which no model can predict, so the kernel's order is
// taught).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "driver/model_backend.h"
#include "sim/invariants.h"

namespace epollscope::driver {

using namespace sim;
namespace {

class OrderLikeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(model_.start(&error)) << error;
    checker_ = std::make_unique<InvariantCheckingSink>(model_.kernel());
    model_.kernel().set_trace_sink(checker_.get());
  }

  // The call of that name with these arguments; omitted trailing ones take the spec's fallback.
  Outcome call(const std::string& name, std::vector<int64_t> values) {
    const script::CallSpec* spec = script::find_call(name);
    EXPECT_NE(spec, nullptr) << name;
    ResolvedCall c;
    c.call = spec->id;
    for (std::size_t i = values.size(); i < spec->args.size(); ++i) {
      const int from = spec->args[i].fallback_from_arg;
      values.push_back(from >= 0 ? values[static_cast<std::size_t>(from)] : spec->args[i].fallback);
    }
    c.values = std::move(values);
    c.is_null.assign(c.values.size(), false);
    Outcome o = normalise(c.call, model_.perform(c));
    EXPECT_EQ(checker_->first_violation(), "");
    EXPECT_EQ(check_invariants(model_.kernel(), InvariantLevel::kBetweenCalls), "");
    return o;
  }
  int epoll() { return static_cast<int>(call("epoll_create1", {0}).ret); }
  long add(int ep, int fd) { return call("epoll_ctl", {ep, kEPOLL_CTL_ADD, fd, kEPOLLIN}).ret; }
  std::vector<int> tfds(int ep) {
    std::vector<int> out;
    for (const auto& e : model_.fdinfo(ep))
      out.push_back(e.tfd);
    return out;
  }
  static std::vector<FdinfoEntry> kernel_order(std::vector<int> fds) {
    std::vector<FdinfoEntry> out;
    for (int fd : fds)
      out.push_back(FdinfoEntry{fd, kEPOLLIN | kEPOLLERR | kEPOLLHUP, static_cast<uint64_t>(fd)});
    return out;
  }

  std::vector<uint64_t> data_in_fdinfo_order(int ep) {
    std::vector<uint64_t> out;
    for (const auto& e : model_.fdinfo(ep))
      out.push_back(e.data);
    return out;
  }
  // [F1] a = 4 is registered with data 1 and kept open by b = dup(a); after close(a) a new pipe's
  // read end gets the number 4 again. Returns that fd, not yet added.
  int two_files_behind_one_number(int ep) {
    EXPECT_EQ(call("pipe", {}).ret, 0);  // a = 4, w1 = 5
    EXPECT_EQ(call("epoll_ctl", {ep, kEPOLL_CTL_ADD, 4, kEPOLLIN, 1}).ret, 0);
    EXPECT_EQ(call("dup", {4}).ret, 6);
    EXPECT_EQ(call("close", {4}).ret, 0);
    EXPECT_EQ(call("pipe", {}).ret, 0);  // n = 4, w2 = 7
    return 4;
  }
  static constexpr uint32_t kIn = kEPOLLIN | kEPOLLERR | kEPOLLHUP;

  ModelBackend model_;
  std::unique_ptr<InvariantCheckingSink> checker_;
};

// [N2] the diamond a → b → c plus a → c: c is already watched by b when a adds it, and the kernel
// may list c before b in a's fdinfo. The model moves c's key within its gap in b's tree.
TEST_F(OrderLikeTest, DiamondTargetAlreadyWatchedElsewhereFollowsTheKernel) {
  const int a = epoll(), b = epoll(), c = epoll();
  model_.order_like(a, b, kernel_order({b}));
  ASSERT_EQ(add(a, b), 0);
  model_.order_like(b, c, kernel_order({c}));
  ASSERT_EQ(add(b, c), 0);
  model_.order_like(a, c, kernel_order({c, b}));
  ASSERT_EQ(add(a, c), 0);
  EXPECT_EQ(tfds(a), (std::vector<int>{c, b}));
  EXPECT_EQ(tfds(b), (std::vector<int>{c}));
}

TEST_F(OrderLikeTest, DiamondInTheOtherOrderToo) {
  const int a = epoll(), b = epoll(), c = epoll();
  model_.order_like(a, b, kernel_order({b}));
  ASSERT_EQ(add(a, b), 0);
  model_.order_like(b, c, kernel_order({c}));
  ASSERT_EQ(add(b, c), 0);
  model_.order_like(a, c, kernel_order({b, c}));
  ASSERT_EQ(add(a, c), 0);
  EXPECT_EQ(tfds(a), (std::vector<int>{b, c}));
}

// A file watched elsewhere cannot leave its gap there: with x < y < z in e1's tree, y cannot go
// before x in e2's tree; the model keeps its own order rather than break e1's tree.
TEST_F(OrderLikeTest, AWatchedFileStaysInsideItsGap) {
  const int e1 = epoll(), e2 = epoll();
  const int x = epoll(), y = epoll(), z = epoll();
  ASSERT_EQ(add(e1, x), 0);
  ASSERT_EQ(add(e1, y), 0);
  ASSERT_EQ(add(e1, z), 0);
  ASSERT_EQ(tfds(e1), (std::vector<int>{x, y, z}));
  ASSERT_EQ(add(e2, x), 0);
  model_.order_like(e2, y, kernel_order({y, x}));
  ASSERT_EQ(add(e2, y), 0);
  EXPECT_EQ(tfds(e1), (std::vector<int>{x, y, z}));
  EXPECT_EQ(tfds(e2), (std::vector<int>{x, y}));
}

// Many files placed into the same gap: after about 30 halvings of the gap the keys of its two
// neighbours are adjacent integers; every key is then spread out again (order and tree kept) and
// the kernel's order is still followed, file after file.
TEST_F(OrderLikeTest, KeysAreSpreadOutWhenAGapIsUsedUp) {
  const int ep = epoll();
  std::vector<int> kernel;  // the order the "kernel" lists: each new file right after the first
  for (int i = 0; i < 80; ++i) {
    const int fd = static_cast<int>(call("eventfd", {0, kEFD_NONBLOCK}).ret);
    std::vector<int> next = kernel;
    next.insert(next.begin() + (next.empty() ? 0 : 1), fd);
    model_.order_like(ep, fd, kernel_order(next));
    ASSERT_EQ(add(ep, fd), 0);
    kernel = next;
    ASSERT_EQ(tfds(ep), kernel) << "after " << i + 1 << " files";
  }
}

// One fd number keys two items of different files (the runner's fdinfo comparison must find the
// new item by more than its tfd; kernel-notes C2.6 and [F1]).
TEST_F(OrderLikeTest, NewItemListedBeforeTheOldOneWithTheSameTfd) {
  const int ep = epoll();
  const int n = two_files_behind_one_number(ep);
  model_.order_like(ep, n, {FdinfoEntry{4, kIn, 2}, FdinfoEntry{4, kIn, 1}});
  ASSERT_EQ(call("epoll_ctl", {ep, kEPOLL_CTL_ADD, n, kEPOLLIN, 2}).ret, 0);
  EXPECT_EQ(data_in_fdinfo_order(ep), (std::vector<uint64_t>{2, 1}));
}

TEST_F(OrderLikeTest, NewItemListedAfterTheOldOneWithTheSameTfd) {
  const int ep = epoll();
  const int n = two_files_behind_one_number(ep);
  model_.order_like(ep, n, {FdinfoEntry{4, kIn, 1}, FdinfoEntry{4, kIn, 2}});
  ASSERT_EQ(call("epoll_ctl", {ep, kEPOLL_CTL_ADD, n, kEPOLLIN, 2}).ret, 0);
  EXPECT_EQ(data_in_fdinfo_order(ep), (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace epollscope::driver
