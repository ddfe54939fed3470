// SPDX-License-Identifier: GPL-2.0-only
// Several threads, timeouts and wait-queue order: W1, X1, X2, T11 and F5 of docs/kernel-notes.md,
// and the ovflist of kernel-notes C2.9, which no single-threaded
// probe can reach but Kernel::set_scan_hook can ("on another CPU, while the scan copies events").
//
//   W1, X2:  t0 t1 t2 t3 ── ep->wq (exclusive, head-inserted: LIFO) ── epoll ── eventfd
//   X1:      t_i ── ep_i->wq ── ep_i ── item (EXCLUSIVE or not) ──┐
//                                                                 eventfd wqh (i = 0..3)
//   F5:      epoll ── items d1, d2, d3 ── one pipe's rd_wait (add_wait_queue: LIFO;
//                                                             add_wait_queue_exclusive: FIFO)
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

constexpr int64_t kMs = 1000000;

class Threads : public ProbeTest {
 protected:
  void advance_ms(int64_t ms) { k.advance_clock_to(k.now_ns() + ms * kMs); }

  // "ep0=1 ep1=0 ...": which of `tasks` finished (with that many events) among `done`.
  static std::string got(const std::vector<Task*>& tasks, const std::vector<Completion>& done,
                         const char* prefix) {
    std::string out;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      long n = 0;
      for (const Completion& c : done)
        if (c.task == tasks[i]->id) n = c.result.ret;
      if (!out.empty()) out += ' ';
      out += cat(prefix, i, "=", n);
    }
    return out;
  }

  // Lets every sleeping task time out; returns their completions.
  std::vector<Completion> time_out_everybody() {
    std::vector<Completion> all;
    while (auto t = k.next_timer()) {
      k.advance_clock_to(*t);
      for (Completion& c : k.take_completions())
        all.push_back(std::move(c));
      expect_invariants();
    }
    return all;
  }
};

TEST_F(Threads, W1TheLastThreadToBlockGetsTheSingleEdgeTriggeredEvent) {
  int ep = epoll();
  int e = eventfd();
  ASSERT_EQ(add(ep, e, kEPOLLIN | kEPOLLET, 1), 0);
  std::vector<Task*> tasks;
  for (int i = 0; i < 4; ++i) {
    tasks.push_back(&k.create_task(cat("t", i)));
    EXPECT_TRUE(wait_as(*tasks.back(), ep, 1, 300).blocked);
    advance_ms(20);  // threads start 20 ms apart, t0 first
  }
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_EQ(efd_write(e, 1), 8);
  std::vector<Completion> done = k.take_completions();
  // [W1] got t0=0 t1=0 t2=0 t3=1
  EXPECT_EQ(got(tasks, done, "t"), "t0=0 t1=0 t2=0 t3=1");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), "(1:IN)");
  // The others time out after their 300 ms, oldest deadline first, with nothing.
  std::vector<Completion> rest = time_out_everybody();
  ASSERT_EQ(rest.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rest[i].task, tasks[i]->id);
    EXPECT_EQ(rest[i].result.ret, 0);
  }
}

// X1: 4 epoll instances, each with the same eventfd, one blocked waiter each, ONE write.
class X1 : public Threads {
 protected:
  // Returns {who was woken, what epoll_wait(..., 0) on each epoll says afterwards}.
  std::pair<std::string, std::string> run(poll_t flags) {
    int e = eventfd();
    std::vector<int> eps;
    std::vector<Task*> tasks;
    for (int i = 0; i < 4; ++i) {
      eps.push_back(epoll());
      EXPECT_EQ(add(eps[i], e, kEPOLLIN | flags, i), 0);
    }
    for (int i = 0; i < 4; ++i) {
      tasks.push_back(&k.create_task(cat("t", i)));
      EXPECT_TRUE(wait_as(*tasks[i], eps[i], 1, 300).blocked);
    }
    advance_ms(100);
    EXPECT_EQ(efd_write(e, 1), 8);
    std::string woken = got(tasks, k.take_completions(), "ep");
    std::string afterwards;
    for (int i = 0; i < 4; ++i) {
      SysResult r = checked(k.epoll_wait(main(), eps[i], 1, 0));
      if (!afterwards.empty()) afterwards += ' ';
      afterwards += cat("ep", i, "=", r.ret);
    }
    for (const Completion& c : time_out_everybody())
      EXPECT_EQ(c.result.ret, 0);
    return {woken, afterwards};
  }
};

TEST_F(X1, NonExclusiveWakesEveryEpoll) {
  auto [woken, afterwards] = run(0);
  // [X1] non-exclusive (LT)
  EXPECT_EQ(woken, "ep0=1 ep1=1 ep2=1 ep3=1");
  EXPECT_EQ(afterwards, "ep0=1 ep1=1 ep2=1 ep3=1");
}

TEST_F(X1, ExclusiveWakesOnlyTheFirstRegisteredEpollWithAWaiter) {
  auto [woken, afterwards] = run(kEPOLLEXCLUSIVE);
  // [X1] EPOLLEXCLUSIVE (LT): the others never even get the item queued
  EXPECT_EQ(woken, "ep0=1 ep1=0 ep2=0 ep3=0");
  EXPECT_EQ(afterwards, "ep0=1 ep1=0 ep2=0 ep3=0");
}

// X2: one epoll instance, four threads waiting on it (ep->wq is exclusive: wake-one).
class X2 : public Threads {
 protected:
  std::vector<Completion> run(poll_t flags) {
    int ep = epoll();
    int e = eventfd();
    EXPECT_EQ(add(ep, e, kEPOLLIN | flags, 1), 0);
    for (int i = 0; i < 4; ++i) {
      tasks.push_back(&k.create_task(cat("t", i)));
      EXPECT_TRUE(wait_as(*tasks[i], ep, 1, 300).blocked);
    }
    EXPECT_EQ(efd_write(e, 1), 8);
    return k.take_completions();
  }
  std::vector<Task*> tasks;
};

TEST_F(X2, EdgeTriggeredItemWakesOneThread) {
  std::vector<Completion> done = run(kEPOLLET);
  // [X2] ET item: threads that got an event = 1
  EXPECT_EQ(got(tasks, done, "t"), "t0=0 t1=0 t2=0 t3=1");
  EXPECT_EQ(time_out_everybody().size(), 3u);
}

TEST_F(X2, LevelTriggeredItemChainWakesEveryThread) {
  std::vector<Completion> done = run(0);
  // [X2] LT item: threads that got an event = 4 (ep_done_scan re-wakes ep->wq), LIFO
  EXPECT_EQ(got(tasks, done, "t"), "t0=1 t1=1 t2=1 t3=1");
  ASSERT_EQ(done.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(done[i].task, tasks[3 - i]->id);
    EXPECT_EQ(format_events(done[i].result.events), "(1:IN)");
  }
  EXPECT_FALSE(k.has_sleeping_tasks());
}

TEST_F(Threads, T11TimeoutWithNothingReady) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  Task& t1 = k.create_task("t1");
  const int64_t start = k.now_ns();
  EXPECT_TRUE(wait_as(t1, ep, 1, 50).blocked);
  ASSERT_TRUE(k.next_timer().has_value());
  EXPECT_EQ(*k.next_timer(), start + 50 * kMs);
  k.advance_clock_to(start + 49 * kMs);
  EXPECT_TRUE(k.take_completions().empty());
  k.advance_clock_to(*k.next_timer());
  std::vector<Completion> done = k.take_completions();
  // [T11] timeout=50ms, nothing → 0, after 50 ms
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(done[0].result.ret, 0);
  EXPECT_TRUE(done[0].result.events.empty());
  EXPECT_EQ(k.now_ns() - start, 50 * kMs);
  EXPECT_FALSE(k.has_sleeping_tasks());
}

TEST_F(Threads, AnEventBeforeTheDeadlineEndsTheWait) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  Task& t1 = k.create_task("t1");
  const int64_t start = k.now_ns();
  EXPECT_TRUE(wait_as(t1, ep, 8, 50).blocked);
  advance_ms(20);
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_EQ(write(w, 1), 1);
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(format_events(done[0].result.events), "(1:IN)");
  EXPECT_EQ(k.now_ns() - start, 20 * kMs);
  EXPECT_FALSE(k.next_timer().has_value());  // the timer went with the wait
}

TEST_F(Threads, NegativeTimeoutWaitsForEver) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  Task& t1 = k.create_task("t1");
  // ep_timeout_to_timespec: any negative value is "no timeout" [M1]
  EXPECT_TRUE(wait_as(t1, ep, 8, -7).blocked);
  EXPECT_FALSE(k.next_timer().has_value());
  advance_ms(3600 * 1000);
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_TRUE(k.has_sleeping_tasks());
  EXPECT_EQ(write(w, 1), 1);
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), "(1:IN)");
}

TEST_F(Threads, F5ItemsOnOneWaitQueueAreCalledLifoAndExclusiveOnesFifo) {
  int ep = epoll();
  auto [r, w] = pipe();
  int d1 = static_cast<int>(dup(r));
  int d2 = static_cast<int>(dup(r));
  int d3 = static_cast<int>(dup(r));
  ASSERT_EQ(add(ep, d1, kEPOLLIN, 1), 0);
  ASSERT_EQ(add(ep, d2, kEPOLLIN, 2), 0);
  ASSERT_EQ(add(ep, d3, kEPOLLIN, 3), 0);
  EXPECT_EQ(write(w, 1), 1);
  // [F5] registered d1,d2,d3; one write
  EXPECT_EQ(wait(ep), "(3:IN) (2:IN) (1:IN)");
  drain(r);

  int ep2 = epoll();
  ASSERT_EQ(add(ep2, d1, kEPOLLIN | kEPOLLEXCLUSIVE, 1), 0);
  ASSERT_EQ(add(ep2, d2, kEPOLLIN | kEPOLLEXCLUSIVE, 2), 0);
  ASSERT_EQ(add(ep2, d3, kEPOLLIN | kEPOLLEXCLUSIVE, 3), 0);
  EXPECT_EQ(write(w, 1), 1);
  // [F5] same with EPOLLEXCLUSIVE (tail-added), no waiter
  EXPECT_EQ(wait(ep2), "(1:IN) (2:IN) (3:IN)");
}

// kernel-notes C2.8 (the ready list after a harvest) and C2.9: while ep_send_events runs, callbacks
// park items on ovflist (LIFO); ep_done_scan moves the unlinked ones to the head of rdllist in
// callback order, then splices the unreached txlist items in front of everything. So after a
// harvest rdllist is: leftovers, then ovflist items, then the LT items delivered by the harvest.
TEST_F(Threads, OvflistItemsLandBetweenLeftoversAndRequeuedLevelTriggeredItems) {
  int ep = epoll();
  std::pair<int, int> p[6];
  for (int i = 1; i <= 5; ++i) {
    p[i] = pipe();
    ASSERT_EQ(add(ep, p[i].first, kEPOLLIN, i), 0);
  }
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(write(p[i].second, 1), 1);
  EXPECT_EQ(rdllist(ep), "1 2 3");

  uint32_t ep_id = 0;
  {
    Snapshot s = snapshot();
    const EventPollView* v = epoll_view(s, ep);
    ASSERT_NE(v, nullptr);
    ep_id = v->id;
  }
  // After the first item is copied, "another CPU" writes into pipes 4, 1 and 5.
  Snapshot during;
  bool hook_ran = false;
  k.set_scan_hook(ep_id, 1, [&](Kernel& kk) {
    hook_ran = true;
    for (int i : {4, 1, 5}) {
      SysResult r = kk.write(kk.main_task(), p[i].second, 1);
      EXPECT_EQ(r.ret, 1);
    }
    during = take_snapshot(kk, nullptr);
  });
  // maxevents 2: items 1 and 2 are delivered (LT: back on rdllist), 3 is not reached.
  EXPECT_EQ(wait(ep, 2), "(1:IN) (2:IN)");
  ASSERT_TRUE(hook_ran);
  {
    const EventPollView* v = epoll_view(during, ep);
    ASSERT_NE(v, nullptr);
    EXPECT_TRUE(v->scanning);
    EXPECT_EQ(data_of(during, v->ovflist), "5 1 4");  // chain head first: LIFO
    EXPECT_EQ(data_of(during, v->txlist), "2 3");
    EXPECT_EQ(data_of(during, v->rdllist), "1");  // item 1 was delivered and requeued (LT)
    const EpItemView* one = item_view(during, ep, 1);
    ASSERT_NE(one, nullptr);
    EXPECT_TRUE(one->on_ovflist);
    EXPECT_EQ(one->where, EpItemView::Where::kRdllist);
  }
  // ep_done_scan: 4, 5 (not linked) from ovflist in callback order; 1 was linked already and is
  // skipped; the leftover 3 goes in front; the delivered LT items 1, 2 stay behind.
  {
    Snapshot s = snapshot();
    const EventPollView* v = epoll_view(s, ep);
    ASSERT_NE(v, nullptr);
    EXPECT_FALSE(v->scanning);
    EXPECT_TRUE(v->ovflist.empty());
    EXPECT_EQ(data_of(s, v->rdllist), "3 4 5 1 2");
  }
  EXPECT_EQ(wait(ep), "(3:IN) (4:IN) (5:IN) (1:IN) (2:IN)");
}

}  // namespace
}  // namespace epollscope::sim::testing
