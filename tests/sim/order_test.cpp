// SPDX-License-Identifier: GPL-2.0-only
// Ready-list order, the t_order probe of docs/kernel-notes.md (observations T1..T13 except T11,
// which is in threads_test.cpp because it sleeps). Pipes 1..4 are registered with data = id; w(i)
// writes one byte into pipe i, drain_pipe(i) reads it empty. The expected strings are the probe's
// output on the 6.18 kernel.
//
//   epoll ── rdllist: order of the first wake-up since an item was last harvested
//     ├── pipe 1 read end (data 1)
//     ├── pipe 2 read end (data 2)
//     ├── pipe 3 read end (data 3)
//     └── pipe 4 read end (data 4)
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class Order : public ProbeTest {
 protected:
  void SetUp() override {
    ep = epoll();
    for (int i = 1; i <= 4; ++i)
      pipes[i] = pipe();
  }
  int rd(int i) const { return pipes[i].first; }
  int wr(int i) const { return pipes[i].second; }
  long add_pipe(int i, poll_t events) { return add(ep, rd(i), events, i); }
  void w(int i) { EXPECT_EQ(write(wr(i), 1), 1); }
  void drain_pipe(int i) { drain(rd(i)); }

  int ep = -1;
  std::pair<int, int> pipes[5];
};

TEST_F(Order, T1ReadyListIsWakeUpOrderAndLevelTriggeredItemsRequeueAtTheTail) {
  for (int i = 1; i <= 4; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN), 0);
  w(3);
  w(1);
  w(4);
  w(2);
  // [T1] write 3,1,4,2; wait(max=64)
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (4:IN) (2:IN)");
  // [T1] again (LT, nothing consumed)
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (4:IN) (2:IN)");
  // [T1] write 1 again: it is already on rdllist and keeps its place
  w(1);
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (4:IN) (2:IN)");
  // [T1] drain 4: the poll at transfer drops it
  drain_pipe(4);
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (2:IN)");
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (2:IN)");
  // [T1] write 4: appended at the tail
  w(4);
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (2:IN) (4:IN)");
}

TEST_F(Order, T2LevelTriggeredRoundRobinWithSmallMaxevents) {
  for (int i = 1; i <= 4; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN), 0);
  for (int i = 1; i <= 4; ++i)
    w(i);
  // [T2]
  EXPECT_EQ(wait(ep, 1), "(1:IN)");
  EXPECT_EQ(wait(ep, 1), "(2:IN)");
  EXPECT_EQ(wait(ep, 2), "(3:IN) (4:IN)");
  EXPECT_EQ(wait(ep, 3), "(1:IN) (2:IN) (3:IN)");
  EXPECT_EQ(wait(ep, 64), "(4:IN) (1:IN) (2:IN) (3:IN)");
}

TEST_F(Order, T3EdgeTriggeredLeftoversStayQueuedInOrder) {
  for (int i = 1; i <= 4; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN | kEPOLLET), 0);
  for (int i = 1; i <= 4; ++i)
    w(i);
  // [T3]
  EXPECT_EQ(wait(ep, 1), "(1:IN)");
  EXPECT_EQ(wait(ep, 2), "(2:IN) (3:IN)");
  EXPECT_EQ(wait(ep, 64), "(4:IN)");
  EXPECT_EQ(wait(ep, 64), "");
}

TEST_F(Order, T4MixedLevelAndEdgeWithMaxeventsTwo) {
  ASSERT_EQ(add_pipe(1, kEPOLLIN), 0);
  ASSERT_EQ(add_pipe(2, kEPOLLIN | kEPOLLET), 0);
  ASSERT_EQ(add_pipe(3, kEPOLLIN), 0);
  ASSERT_EQ(add_pipe(4, kEPOLLIN | kEPOLLET), 0);
  for (int i = 1; i <= 4; ++i)
    w(i);
  // [T4] unprocessed txlist goes to the head, delivered LT items are re-added after it
  EXPECT_EQ(wait(ep, 2), "(1:IN) (2:IN)");
  EXPECT_EQ(wait(ep, 64), "(3:IN) (4:IN) (1:IN)");
  EXPECT_EQ(wait(ep, 64), "(3:IN) (1:IN)");
}

TEST_F(Order, T5ReadyAtAddTimeIsQueuedInAddOrder) {
  for (int i = 1; i <= 4; ++i)
    w(i);
  ASSERT_EQ(add_pipe(3, kEPOLLIN), 0);
  ASSERT_EQ(add_pipe(1, kEPOLLIN), 0);
  ASSERT_EQ(add_pipe(2, kEPOLLIN), 0);
  // [T5] ready before ADD, ADD order 3,1,2
  EXPECT_EQ(wait(ep), "(3:IN) (1:IN) (2:IN)");
}

TEST_F(Order, T6ModRequeuesAReadyItemButAQueuedItemKeepsItsPlace) {
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN | kEPOLLET), 0);
  for (int i = 1; i <= 3; ++i)
    w(i);
  // [T6]
  EXPECT_EQ(wait(ep), "(1:IN) (2:IN) (3:IN)");
  EXPECT_EQ(wait(ep), "");
  // [T6] MOD 1 (still readable): re-queued with data 11
  EXPECT_EQ(mod(ep, rd(1), kEPOLLIN | kEPOLLET, 11), 0);
  EXPECT_EQ(wait(ep), "(11:IN)");
  // [T6] write 3, 2, then MOD 3: 3 keeps its place in front
  w(3);
  w(2);
  EXPECT_EQ(mod(ep, rd(3), kEPOLLIN | kEPOLLET, 33), 0);
  EXPECT_EQ(wait(ep), "(33:IN) (2:IN)");
  // [T6] MOD 2 to OUT on a read end: nothing
  EXPECT_EQ(mod(ep, rd(2), kEPOLLOUT | kEPOLLET, 2), 0);
  EXPECT_EQ(wait(ep), "");
}

TEST_F(Order, T7OneshotDisarmsUntilMod) {
  ASSERT_EQ(add_pipe(1, kEPOLLIN | kEPOLLONESHOT), 0);
  w(1);
  // [T7] oneshot LT: first
  EXPECT_EQ(wait(ep), "(1:IN)");
  // [T7] fdinfo "events: 40000000": only the private bits are left, ERR|HUP are gone too
  {
    Snapshot s = snapshot();
    const EpItemView* item = item_view(s, ep, 1);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->events, 0x40000000u);
    EXPECT_EQ(item->where, EpItemView::Where::kNone);
  }
  // [T7] disabled although still readable; a write does not wake it; nor does HUP
  EXPECT_EQ(wait(ep), "");
  w(1);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(close(wr(1)), 0);
  EXPECT_EQ(wait(ep), "");
  // [T7] MOD re-arms and queues at once
  EXPECT_EQ(mod(ep, rd(1), kEPOLLIN | kEPOLLONESHOT, 1), 0);
  EXPECT_EQ(wait(ep), "(1:IN|HUP)");
  EXPECT_EQ(wait(ep), "");
  // [T7] the disarmed item is still registered
  EXPECT_EQ(add(ep, rd(1), kEPOLLIN, 1), -kEEXIST);
  EXPECT_EQ(del(ep, rd(1)), 0);
}

TEST_F(Order, T8EventsZeroStillReportsHup) {
  ASSERT_EQ(add_pipe(1, 0), 0);
  // [T8] events=0, data present: nothing; writer closed: HUP
  w(1);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(close(wr(1)), 0);
  EXPECT_EQ(wait(ep), "(1:HUP)");
}

TEST_F(Order, T9ReportedMaskIsPollMaskAndRequestedBitsPlusErrHup) {
  ASSERT_EQ(add_pipe(1, kEPOLLIN), 0);
  ASSERT_EQ(add_pipe(2, kEPOLLIN | kEPOLLRDNORM | kEPOLLRDHUP | kEPOLLPRI), 0);
  w(1);
  w(2);
  EXPECT_EQ(close(wr(1)), 0);
  EXPECT_EQ(close(wr(2)), 0);
  // [T9] pipes never set RDHUP
  EXPECT_EQ(wait(ep), "(1:IN|HUP) (2:IN|HUP|RDNORM)");
}

TEST_F(Order, T10DelWhileQueuedAndReAddGoesToTheTail) {
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN), 0);
  for (int i = 1; i <= 3; ++i)
    w(i);
  EXPECT_EQ(rdllist(ep), "1 2 3");
  EXPECT_EQ(del(ep, rd(1)), 0);
  EXPECT_EQ(rdllist(ep), "2 3");
  EXPECT_EQ(add_pipe(1, kEPOLLIN), 0);
  // [T10] DEL+ADD 1
  EXPECT_EQ(wait(ep), "(2:IN) (3:IN) (1:IN)");
}

TEST_F(Order, T12FirstWakeUpFixesThePositionEvenIfSpuriousLevelTriggered) {
  for (int i = 1; i <= 2; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN), 0);
  w(1);
  drain_pipe(1);
  w(2);
  w(1);
  // [T12] w1, drain1, w2, w1 (LT)
  EXPECT_EQ(wait(ep), "(1:IN) (2:IN)");
}

TEST_F(Order, T12FirstWakeUpFixesThePositionEvenIfSpuriousEdgeTriggered) {
  for (int i = 1; i <= 2; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN | kEPOLLET), 0);
  w(1);
  drain_pipe(1);
  w(2);
  w(1);
  // [T12] same with ET
  EXPECT_EQ(wait(ep), "(1:IN) (2:IN)");
}

TEST_F(Order, T13NotReadyItemsAreDroppedOnlyIfReachedBeforeMaxevents) {
  for (int i = 1; i <= 4; ++i)
    ASSERT_EQ(add_pipe(i, kEPOLLIN), 0);
  for (int i = 1; i <= 4; ++i)
    w(i);
  drain_pipe(1);
  drain_pipe(4);
  // [T13] queued 1,2,3,4; 1 and 4 drained; max=2: 1 is dropped, 4 is never reached
  EXPECT_EQ(wait(ep, 2), "(2:IN) (3:IN)");
  EXPECT_EQ(rdllist(ep), "4 2 3");
  w(4);
  EXPECT_EQ(wait(ep, 64), "(4:IN) (2:IN) (3:IN)");
}

}  // namespace
}  // namespace epollscope::sim::testing
