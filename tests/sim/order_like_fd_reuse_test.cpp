// tests/sim/order_like_fd_reuse_test.cpp — ModelBackend::order_like when one fd number keys two
// items of different files: the runner's fdinfo comparison must find the new item by more than its
// tfd (reference 2.6 and [F1]: "the same fd number can be registered twice for two different
// files"; fdinfo lists items by struct file address, reference 2.13).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/invariants.h"
#include "sim/script/model_backend.h"

namespace epollscope::sim::script {
namespace {

class OrderLikeFdReuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(model_.start(&error)) << error;
    checker_ = std::make_unique<InvariantCheckingSink>(model_.kernel());
    model_.kernel().set_trace_sink(checker_.get());
  }

  Outcome call(const std::string& name, std::vector<int64_t> values) {
    ResolvedCall c;
    c.thread = "main";
    c.call = name;
    c.values = std::move(values);
    c.is_null.assign(c.values.size(), false);
    Outcome o = model_.perform(c);
    EXPECT_EQ(checker_->first_violation(), "");
    EXPECT_EQ(check_invariants(model_.kernel(), InvariantLevel::kBetweenCalls), "");
    return o;
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

TEST_F(OrderLikeFdReuseTest, NewItemListedBeforeTheOldOneWithTheSameTfd) {
  const int ep = static_cast<int>(call("epoll_create1", {0}).ret);
  const int n = two_files_behind_one_number(ep);
  model_.order_like(ep, n, {FdinfoEntry{4, kIn, 2}, FdinfoEntry{4, kIn, 1}});
  ASSERT_EQ(call("epoll_ctl", {ep, kEPOLL_CTL_ADD, n, kEPOLLIN, 2}).ret, 0);
  EXPECT_EQ(data_in_fdinfo_order(ep), (std::vector<uint64_t>{2, 1}));
}

TEST_F(OrderLikeFdReuseTest, NewItemListedAfterTheOldOneWithTheSameTfd) {
  const int ep = static_cast<int>(call("epoll_create1", {0}).ret);
  const int n = two_files_behind_one_number(ep);
  model_.order_like(ep, n, {FdinfoEntry{4, kIn, 1}, FdinfoEntry{4, kIn, 2}});
  ASSERT_EQ(call("epoll_ctl", {ep, kEPOLL_CTL_ADD, n, kEPOLLIN, 2}).ret, 0);
  EXPECT_EQ(data_in_fdinfo_order(ep), (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace epollscope::sim::script
