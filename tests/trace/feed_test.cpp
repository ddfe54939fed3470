// SPDX-License-Identifier: GPL-2.0-only
// trace/feed.h without a traced program: the model driven directly, the Feed as its TraceSink and
// given a CallRecord per call, as the Mirror's hooks give them. The history is bounded (the newest
// steps kept, the oldest tenth dropped at once, the state after the dropped ones kept as the base),
// a reader's copy follows it incrementally, and each call finds its steps.
#include <gtest/gtest.h>

#include <thread>

#include "sim/kernel.h"
#include "trace/feed.h"

namespace epollscope::trace {
namespace {

// Makes one model call with `call`, then hands the Feed its record.
template <class F>
void mirrored(sim::Kernel& k, Feed& feed, const std::string& text, F&& call) {
  CallRecord r;
  r.call = text;
  r.kernel = "0";
  r.model_calls_before = k.call_number();
  call();
  r.model_calls_after = k.call_number();
  feed.add_call(r, FeedCounts{});
}

// An eventfd in an epoll, written and harvested `rounds` times: a few steps per call.
void eventfd_rounds(sim::Kernel& k, Feed& feed, int rounds, int* ep, int* efd) {
  sim::Task& t = k.main_task();
  if (*ep < 0) {
    mirrored(k, feed, "epoll_create1(0)",
             [&] { *ep = static_cast<int>(k.epoll_create1(t, 0).ret); });
    mirrored(k, feed, "eventfd2(0, 0)", [&] { *efd = static_cast<int>(k.eventfd2(t, 0, 0).ret); });
    mirrored(k, feed, "epoll_ctl(ADD)", [&] {
      k.epoll_ctl(t, *ep, sim::kEPOLL_CTL_ADD, *efd, sim::EpollEvent{sim::kEPOLLIN, 7});
    });
  }
  for (int i = 0; i < rounds; ++i) {
    mirrored(k, feed, "eventfd_write", [&] { k.eventfd_write(t, *efd, 1); });
    mirrored(k, feed, "epoll_wait", [&] { k.epoll_wait(t, *ep, 8, 0); });
    mirrored(k, feed, "eventfd_read", [&] { k.eventfd_read(t, *efd); });
  }
}

TEST(Feed, RecordsEveryStepWithItsStateAndGroupsThemByCall) {
  sim::Kernel k;
  Feed feed(1000);
  feed.attach(k);
  int ep = -1, efd = -1;
  eventfd_rounds(k, feed, 3, &ep, &efd);
  FeedView v;
  ASSERT_TRUE(feed.copy_into(v));
  EXPECT_FALSE(feed.copy_into(v)) << "nothing new";
  EXPECT_EQ(v.dropped_steps, 0u);
  EXPECT_EQ(v.calls.size(), 3u + 3 * 3);
  ASSERT_GT(v.steps.size(), v.calls.size());
  // Every step's snapshot is the state after it; the base is the state before the first.
  ASSERT_TRUE(v.base);
  EXPECT_TRUE(v.base->epolls.empty());
  EXPECT_EQ(v.after(v.total_steps()).epolls.size(), 1u);
  for (std::size_t i = 0; i < v.steps.size(); ++i)
    EXPECT_EQ(v.steps[i].after->seq, v.steps[i].step.seq);
  // The calls' step ranges tile the steps in order, and each step finds its call.
  uint64_t next = 0;
  for (const FeedCall& c : v.calls) {
    EXPECT_EQ(c.first_step, next) << c.record.call;
    EXPECT_GT(c.end_step, c.first_step) << c.record.call << " makes steps";
    for (uint64_t s = c.first_step; s < c.end_step; ++s) {
      EXPECT_EQ(v.call_of_step(s), &c);
      EXPECT_GT(v.step(s)->step.call, c.record.model_calls_before);
      EXPECT_LE(v.step(s)->step.call, c.record.model_calls_after);
    }
    next = c.end_step;
  }
  EXPECT_EQ(next, v.total_steps());
  // After the harvest of the last round the item is on no list, after the write it was ready.
  const FeedCall& write = v.calls[v.calls.size() - 3];
  const sim::Snapshot& after_write = v.after(write.end_step);
  ASSERT_EQ(after_write.epolls.size(), 1u);
  EXPECT_EQ(after_write.epolls[0]->rdllist.size(), 1u);
}

TEST(Feed, KeepsOnlyTheNewestStepsAndSaysHowManyWereDropped) {
  sim::Kernel k;
  const std::size_t keep = 200;
  Feed feed(keep);
  feed.attach(k);
  int ep = -1, efd = -1;
  FeedView reader;  // copies now and then, as the window does once per frame
  uint64_t made = 0;
  for (int batch = 0; batch < 40; ++batch) {
    eventfd_rounds(k, feed, 10, &ep, &efd);
    feed.copy_into(reader);
    EXPECT_LE(reader.steps.size(), keep);
    EXPECT_LE(reader.calls.size(), keep);
    EXPECT_GE(reader.total_steps(), made);
    made = reader.total_steps();
  }
  FeedView fresh;  // a reader that copies once, at the end
  feed.copy_into(fresh);
  for (const FeedView* v : {&reader, &fresh}) {
    EXPECT_GT(v->dropped_steps, 0u);
    EXPECT_GT(v->dropped_calls, 0u);
    EXPECT_GT(v->drops, 0u);
    EXPECT_EQ(v->max_steps, keep);
    // The newest steps, at least nine tenths of the bound, at most the bound.
    EXPECT_LE(v->steps.size(), keep);
    EXPECT_GE(v->steps.size(), keep - keep / 10);
    EXPECT_EQ(v->total_steps(), made);
    // No kept call has a dropped step.
    for (const FeedCall& c : v->calls)
      EXPECT_GE(c.first_step, v->dropped_steps);
    // The base is the state after the last dropped step: the step numbers go on from it.
    ASSERT_TRUE(v->base);
    EXPECT_EQ(v->base->seq + 1, v->steps.front().step.seq);
    EXPECT_EQ(&v->after(v->dropped_steps), v->base.get());
    EXPECT_EQ(&v->after(0), v->base.get()) << "a dropped position shows the base";
    EXPECT_EQ(v->step(v->dropped_steps - 1), nullptr);
    EXPECT_NE(v->step(v->dropped_steps), nullptr);
  }
  // Both readers hold the same steps, the same calls.
  ASSERT_EQ(reader.steps.size(), fresh.steps.size());
  for (std::size_t i = 0; i < reader.steps.size(); ++i)
    EXPECT_EQ(reader.steps[i].after, fresh.steps[i].after);
  ASSERT_EQ(reader.calls.size(), fresh.calls.size());
  EXPECT_EQ(reader.calls.front().index, fresh.calls.front().index);
}

TEST(Feed, CallsWithoutStepsAreBoundedToo) {
  sim::Kernel k;
  Feed feed(100);
  feed.attach(k);
  for (int i = 0; i < 1000; ++i) {
    CallRecord r;
    r.call = "read(7, 4096)";
    r.note = "observed";
    r.model_calls_before = r.model_calls_after = k.call_number();
    feed.add_call(r, FeedCounts{i + 1, 0, 0, 0});
  }
  FeedView v;
  feed.copy_into(v);
  EXPECT_LE(v.calls.size(), 100u);
  EXPECT_EQ(v.total_calls(), 1000u);
  EXPECT_EQ(v.calls.back().index, 999u);
  EXPECT_EQ(v.status.counts.calls, 1000);
  EXPECT_TRUE(v.steps.empty());
}

TEST(Feed, WakeUpsGoWithTheNextCall) {
  sim::Kernel k;
  Feed feed;
  feed.attach(k);
  feed.add_wakeup(WakeRecord{5, 3, "TCP 127.0.0.1:7000 \u21c4 127.0.0.1:53422", 1, 10});
  feed.add_wakeup(WakeRecord{6, 3, "timerfd", 1, 11});
  CallRecord r;
  r.call = "epoll_wait(3, 8, -1)";
  feed.add_call(r, FeedCounts{1, 1, 2, 0});
  feed.add_call(r, FeedCounts{2, 2, 2, 0});
  FeedView v;
  feed.copy_into(v);
  ASSERT_EQ(v.calls.size(), 2u);
  ASSERT_EQ(v.calls[0].wakeups.size(), 2u);
  EXPECT_EQ(v.calls[0].wakeups[0].label, "TCP 127.0.0.1:7000 \u21c4 127.0.0.1:53422");
  EXPECT_TRUE(v.calls[1].wakeups.empty());
  EXPECT_EQ(v.status.counts.wakeups, 2);
}

TEST(Feed, ReadersCopyWhileTheTracerThreadWrites) {
  sim::Kernel k;
  Feed feed(300);
  feed.attach(k);
  std::thread tracer([&] {
    int ep = -1, efd = -1;
    eventfd_rounds(k, feed, 500, &ep, &efd);
    feed.update_status([](FeedStatus& s) { s.ended = true; });
  });
  FeedView v;
  uint64_t seen = 0;
  while (!v.status.ended) {
    feed.copy_into(v);
    ASSERT_LE(v.steps.size(), 300u);
    ASSERT_GE(v.total_steps(), seen);
    seen = v.total_steps();
    for (const FeedStep& s : v.steps)
      ASSERT_TRUE(s.after);
  }
  tracer.join();
  feed.copy_into(v);
  EXPECT_EQ(v.total_calls(), 3u + 500 * 3);
}

}  // namespace
}  // namespace epollscope::trace
