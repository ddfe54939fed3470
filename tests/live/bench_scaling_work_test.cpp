// SPDX-License-Identifier: GPL-2.0-only
// tests/live/bench_scaling_work_test.cpp — the kernel's work per round that `bench scaling` prints
// beside each time (bench/bench_scaling.h): the model's epoll, select and poll counted by kernel
// function. Nothing here is timed.
#include <gtest/gtest.h>

#include <string>

#include "bench/bench_scaling.h"

namespace {

using epollscope::bench::epoll_work_in_model;
using epollscope::bench::kAllActive;
using epollscope::bench::KernelWork;
using epollscope::bench::Mechanism;
using epollscope::bench::mechanism_name;
using epollscope::bench::select_poll_work_in_model;

// One fd written of 1,000: ep_poll_callback queues its item, ep_send_events polls that one item;
// nothing joins or leaves a wait queue (the items were registered once, before the rounds).
TEST(BenchScalingWork, EpollPollsOnlyTheActiveItems) {
  for (bool et : {false, true}) {
    KernelWork w;
    std::string error;
    ASSERT_TRUE(epoll_work_in_model(et, 1000, 1, &w, &error)) << error;
    EXPECT_EQ(w.polls, 1) << (et ? "ET" : "LT");
    EXPECT_EQ(w.callbacks, 1);
    EXPECT_EQ(w.wq_adds, 0);
    EXPECT_EQ(w.wq_removes, 0);
  }
}

// Every fd written: as many callbacks and item polls as fds — epoll does N's work too. LT items
// requeued by the previous harvest are polled once, not twice: the callback finds them linked.
TEST(BenchScalingWork, EpollWithEveryFdActiveDoesNItemsWork) {
  for (bool et : {false, true}) {
    KernelWork w;
    std::string error;
    ASSERT_TRUE(epoll_work_in_model(et, 200, kAllActive, &w, &error)) << error;
    EXPECT_EQ(w.polls, 200) << (et ? "ET" : "LT");
    EXPECT_EQ(w.callbacks, 200);
  }
}

// do_select / do_poll on the model, cross-checked against fs/select.c's arithmetic: every fd's
// ->poll in the one pass; with a zero timeout (_qproc cleared at once) no poll_table_entry at all;
// with a timeout, entries for the fds up to and including the first ready one (its ->poll calls
// poll_wait before it computes the mask) — pair 0 is written and scanned first, so one. The
// writes find no entry on the sockets' queues (poll_freewait removed them): no pollwake.
TEST(BenchScalingWork, SelectAndPollOnTheModelFollowFsSelectC) {
  for (Mechanism m : {Mechanism::kSelect, Mechanism::kPoll}) {
    for (bool zero : {true, false}) {
      KernelWork w;
      std::string error;
      ASSERT_TRUE(select_poll_work_in_model(m, 500, 1, zero, &w, &error)) << error;
      EXPECT_EQ(w.polls, 500) << mechanism_name(m) << (zero ? " zero timeout" : " timeout");
      EXPECT_EQ(w.wq_adds, zero ? 0 : 1);
      EXPECT_EQ(w.wq_removes, zero ? 0 : 1);
      EXPECT_EQ(w.callbacks, 0);
    }
    // Every fd written: still N ->poll calls, one pass.
    KernelWork all;
    std::string error;
    ASSERT_TRUE(select_poll_work_in_model(m, 200, kAllActive, true, &all, &error)) << error;
    EXPECT_EQ(all.polls, 200) << mechanism_name(m);
    EXPECT_EQ(all.wq_adds, 0);
    // A timed call with nothing written would sleep: refused with a reason.
    KernelWork none;
    EXPECT_FALSE(select_poll_work_in_model(m, 10, 0, false, &none, &error));
    EXPECT_NE(error.find("sleep"), std::string::npos);
  }
}

TEST(BenchScalingWork, SizesClimbByHalfDecadesToTheMax) {
  EXPECT_EQ(epollscope::bench::scaling_sizes(10), (std::vector<long>{10}));
  EXPECT_EQ(epollscope::bench::scaling_sizes(30), (std::vector<long>{10, 30}));
  EXPECT_EQ(epollscope::bench::scaling_sizes(9989),
            (std::vector<long>{10, 30, 100, 300, 1000, 3000, 9989}));
  EXPECT_EQ(epollscope::bench::scaling_sizes(10000),
            (std::vector<long>{10, 30, 100, 300, 1000, 3000, 10000}));
}

// A repetition reads at most kActivePerRepetition bytes, but always runs one round, and never more
// than asked.
TEST(BenchScalingWork, RoundsShrinkWithTheActiveFds) {
  using epollscope::bench::rounds_for;
  EXPECT_EQ(rounds_for(100, 1), 100);
  EXPECT_EQ(rounds_for(100, 1000), 20);
  EXPECT_EQ(rounds_for(100, 9989), 2);
  EXPECT_EQ(rounds_for(100, 50000), 1);
  EXPECT_EQ(rounds_for(3, 10), 3);
}

}  // namespace
