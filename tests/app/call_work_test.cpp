// SPDX-License-Identifier: GPL-2.0-only
// tests/app/call_work_test.cpp — the work counter of a poll, select or epoll_wait call
// (gui/app/call_work.h), counted from the model's trace steps of real calls, without a window.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "gui/app/call_work.h"
#include "sim/kernel.h"

namespace epollscope::app {
namespace {

class Collect : public sim::TraceSink {
 public:
  void on_step(const sim::TraceStep& step) override { steps.push_back(step); }
  std::vector<sim::TraceStep> steps;
};

struct Pipes {
  sim::Kernel k;
  Collect sink;
  std::vector<int> rd, wr;
  explicit Pipes(int n) {
    k.set_trace_sink(&sink);
    for (int i = 0; i < n; ++i) {
      const sim::SysResult p = k.pipe2(k.main_task(), 0);
      EXPECT_GE(p.ret, 0);
      rd.push_back(p.fds[0]);
      wr.push_back(p.fds[1]);
    }
  }
  // The work of the next call `f` makes.
  template <class F>
  CallWork work_of(F f) {
    const std::size_t first = sink.steps.size();
    f();
    return call_work(sink.steps, first, sink.steps.size());
  }
};

// poll with a timeout, the last of 8 pipes written: one pass calls all 8 ->poll; __pollwait queues
// an entry on each (the first ready one is the last), poll_freewait removes all 8.
TEST(CallWork, PollWalksEveryFdAndQueuesAnEntryOnEach) {
  Pipes p(8);
  p.k.write(p.k.main_task(), p.wr.back(), 1);
  std::vector<sim::PollFd> fds;
  for (int fd : p.rd)
    fds.push_back(sim::PollFd{fd, static_cast<int16_t>(sim::kEPOLLIN), 0});
  const CallWork w = p.work_of([&] { p.k.poll(p.k.main_task(), fds, 1000); });
  EXPECT_TRUE(w.applies);
  EXPECT_EQ(w.polls, 8);
  EXPECT_EQ(w.wq_adds, 8);
  EXPECT_EQ(w.wq_removes, 8);
  EXPECT_EQ(w.callbacks, 0);
  // The same with a zero timeout: still 8 ->poll calls, but no entry at all.
  const CallWork zero = p.work_of([&] { p.k.poll(p.k.main_task(), fds, 0); });
  EXPECT_EQ(zero.polls, 8);
  EXPECT_EQ(zero.wq_adds, 0);
  EXPECT_EQ(zero.wq_removes, 0);
}

TEST(CallWork, SelectCountsLikePoll) {
  Pipes p(5);
  p.k.write(p.k.main_task(), p.wr.back(), 1);
  int nfds = 0;
  for (int fd : p.rd)
    nfds = std::max(nfds, fd + 1);
  const CallWork w = p.work_of([&] {
    p.k.select(p.k.main_task(), nfds, p.rd, std::nullopt, std::nullopt, sim::Kernel::Timeval{1, 0});
  });
  EXPECT_TRUE(w.applies);
  EXPECT_EQ(w.polls, 5);
  EXPECT_EQ(w.wq_adds, 5);
  EXPECT_EQ(w.wq_removes, 5);
}

// epoll: EPOLL_CTL_ADD queues each item's eppoll_entry once (not a poll-family call); the write
// runs ep_poll_callback; epoll_wait polls only the one ready item and touches no wait queue.
TEST(CallWork, EpollWaitPollsOnlyTheReadyItem) {
  Pipes p(8);
  sim::Task& t = p.k.main_task();
  const int ep = static_cast<int>(p.k.epoll_create1(t, 0).ret);
  for (int fd : p.rd) {
    const CallWork add = p.work_of([&] {
      p.k.epoll_ctl(t, ep, sim::kEPOLL_CTL_ADD, fd, sim::EpollEvent{sim::kEPOLLIN, 0});
    });
    EXPECT_FALSE(add.applies);
    EXPECT_EQ(add.wq_adds, 1);
  }
  const CallWork write = p.work_of([&] { p.k.write(t, p.wr.back(), 1); });
  EXPECT_EQ(write.callbacks, 1);
  const CallWork wait = p.work_of([&] { p.k.epoll_wait(t, ep, 8, 0); });
  EXPECT_TRUE(wait.applies);
  EXPECT_EQ(wait.polls, 1);
  EXPECT_EQ(wait.wq_adds, 0);
  EXPECT_EQ(wait.wq_removes, 0);
  EXPECT_EQ(wait.callbacks, 0);
}

}  // namespace
}  // namespace epollscope::app
