// SPDX-License-Identifier: GPL-2.0-only
// tests/live/bench_scaling_work_test.cpp — the kernel's work per round that `bench scaling` prints
// beside each time (bench/bench_scaling.h): the model's epoll counted by kernel function, and
// fs/select.c's counts for select and poll. Nothing here is timed.
#include <gtest/gtest.h>

#include <string>

#include "bench/bench_scaling.h"

namespace {

using epollscope::bench::epoll_work_in_model;
using epollscope::bench::kAllActive;
using epollscope::bench::KernelWork;
using epollscope::bench::Mechanism;
using epollscope::bench::select_poll_work;

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
    EXPECT_FALSE(w.from_select_c);
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

// do_select / do_poll: every fd's ->poll in a pass; with a zero timeout no poll_table_entry at
// all; with a timeout, entries only for the fds scanned before the first ready one; a call that
// finds nothing ready adds and removes one per fd and, woken by one pollwake, polls them all a
// second time.
TEST(BenchScalingWork, SelectAndPollFollowFsSelectC) {
  for (Mechanism m : {Mechanism::kSelect, Mechanism::kPoll}) {
    const KernelWork zero = select_poll_work(m, 1000, 1, 0, true);
    EXPECT_EQ(zero.polls, 1000);
    EXPECT_EQ(zero.wq_adds, 0);
    EXPECT_EQ(zero.wq_removes, 0);
    EXPECT_TRUE(zero.from_select_c);
    const KernelWork late = select_poll_work(m, 1000, 1, 700, false);
    EXPECT_EQ(late.polls, 1000);
    EXPECT_EQ(late.wq_adds, 700);
    EXPECT_EQ(late.wq_removes, 700);
    const KernelWork sleeping = select_poll_work(m, 1000, 0, 0, false);
    EXPECT_EQ(sleeping.polls, 2000);
    EXPECT_EQ(sleeping.wq_adds, 1000);
    EXPECT_EQ(sleeping.wq_removes, 1000);
    EXPECT_EQ(sleeping.callbacks, 1);  // the pollwake of the write that ends the sleep
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
