// SPDX-License-Identifier: GPL-2.0-only
// eventfd, E1..E4 and C3.4 of docs/kernel-notes.md: raw masks at the
// counter's limits, a wake-up keyed EPOLLIN on every write (even of 0) and keyed EPOLLOUT on every
// read, the semaphore mode's short read, and the final HUP that epoll never sees.
//
//   epoll ── item (IN|ET or IN|OUT|ET) ── eventfd ── wqh ◄── write: key IN, read: key OUT
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

constexpr uint64_t kMaxCount = 0xfffffffffffffffe;  // the largest counter value
constexpr uint64_t kUllongMax = 0xffffffffffffffff;

class EventFdTest : public ProbeTest {};

TEST_F(EventFdTest, E1RawMasksAndTheCountersLimits) {
  int e = eventfd();
  // [E1] count=0 → OUT; count=1 → IN|OUT
  EXPECT_EQ(raw_mask(e), "OUT");
  EXPECT_EQ(efd_write(e, 1), 8);
  EXPECT_EQ(raw_mask(e), "IN|OUT");
  // [E1] count=0xfffffffffffffffe (max) → IN
  EXPECT_EQ(efd_write(e, kMaxCount - 1), 8);
  EXPECT_EQ(raw_mask(e), "IN");
  // [E1] write(1) → EAGAIN; write(18446744073709551615) → EINVAL
  EXPECT_EQ(efd_write(e, 1), -kEAGAIN);
  EXPECT_EQ(efd_write(e, kUllongMax), -kEINVAL);
  // [E1] read → 18446744073709551614, then OUT
  SysResult r = efd_read(e);
  EXPECT_EQ(r.ret, 8);
  EXPECT_EQ(r.value, kMaxCount);
  EXPECT_EQ(raw_mask(e), "OUT");
}

TEST_F(EventFdTest, E2EdgeTriggeredHearsEveryWriteAndReadsWakeOnlyOut) {
  int ep = epoll();
  int e = eventfd();
  ASSERT_EQ(add(ep, e, kEPOLLIN | kEPOLLET, 1), 0);
  // [E2]
  EXPECT_EQ(wait(ep), "");  // IN|ET fresh
  EXPECT_EQ(efd_write(e, 1), 8);
  EXPECT_EQ(wait(ep), "(1:IN)");  // write 1
  EXPECT_EQ(efd_write(e, 1), 8);
  EXPECT_EQ(wait(ep), "(1:IN)");  // write 1 again (count 2, unread)
  EXPECT_EQ(efd_write(e, 0), 8);
  EXPECT_EQ(wait(ep), "(1:IN)");  // write 0 (still wakes)
  SysResult r = efd_read(e);
  EXPECT_EQ(r.value, 2u);
  EXPECT_EQ(wait(ep), "");  // read (wakes with EPOLLOUT key; item wants IN only)

  int e2 = eventfd();
  ASSERT_EQ(add(ep, e2, kEPOLLIN | kEPOLLOUT | kEPOLLET, 2), 0);
  EXPECT_EQ(wait(ep), "(2:OUT)");  // IN|OUT|ET fresh
  EXPECT_EQ(efd_write(e2, 5), 8);
  EXPECT_EQ(wait(ep), "(2:IN|OUT)");  // write 5
  r = efd_read(e2);
  EXPECT_EQ(r.value, 5u);
  EXPECT_EQ(wait(ep), "(2:OUT)");  // read → count 0 (EPOLLOUT wake)
  EXPECT_EQ(efd_read(e2).err, kEAGAIN);
  EXPECT_EQ(wait(ep), "");  // read on empty (EAGAIN, no wake)
}

TEST_F(EventFdTest, E3SemaphoreReadLeavesTheCounterAboveZeroAndEdgeTriggeredQuiet) {
  int ep = epoll();
  int e = eventfd(3, kEFD_NONBLOCK | kEFD_SEMAPHORE);
  ASSERT_EQ(add(ep, e, kEPOLLIN | kEPOLLET, 3), 0);
  // [E3] count=3 at ADD
  EXPECT_EQ(wait(ep), "(3:IN)");
  // [E3] read(32 bytes) = 8 value=1
  SysResult r = checked(k.read(main(), e, 32));
  EXPECT_EQ(r.ret, 8);
  EXPECT_EQ(r.value, 1u);
  EXPECT_EQ(wait(ep), "");  // after read: count=2 but ET quiet
  EXPECT_EQ(raw_mask(e), "IN|OUT");
}

TEST_F(EventFdTest, E4CloseDeliversNoHup) {
  int ep = epoll();
  int e = eventfd();
  ASSERT_EQ(add(ep, e, kEPOLLIN, 4), 0);
  EXPECT_EQ(close(e), 0);
  // [E4] after close(eventfd): the item was removed before ->release woke wqh with EPOLLHUP
  EXPECT_EQ(wait(ep), "");
  Snapshot s = snapshot();
  const EventPollView* v = epoll_view(s, ep);
  ASSERT_NE(v, nullptr);
  EXPECT_TRUE(v->rbr.empty());
}

TEST_F(EventFdTest, E4CloseWhileQueuedAlsoRemovesTheItemFromTheReadyList) {
  int ep = epoll();
  int e = eventfd();
  ASSERT_EQ(add(ep, e, kEPOLLIN, 4), 0);
  EXPECT_EQ(efd_write(e, 1), 8);
  EXPECT_EQ(rdllist(ep), "4");
  EXPECT_EQ(close(e), 0);
  EXPECT_EQ(rdllist(ep), "");
  EXPECT_EQ(wait(ep), "");
}

TEST_F(EventFdTest, ReadAndWriteNeedEightBytes) {
  int e = eventfd(1);
  // eventfd_write: count != sizeof(u64) → EINVAL; eventfd_read: count < sizeof(u64) → EINVAL.
  EXPECT_EQ(ret(checked(k.write(main(), e, 4))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.write(main(), e, 16))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.read(main(), e, 4))), -kEINVAL);
  // The counter is untouched by the failed calls.
  SysResult r = efd_read(e);
  EXPECT_EQ(r.ret, 8);
  EXPECT_EQ(r.value, 1u);
}

}  // namespace
}  // namespace epollscope::sim::testing
