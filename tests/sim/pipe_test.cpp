// SPDX-License-Identifier: GPL-2.0-only
// Pipes, P1..P5 and C3.1 of docs/kernel-notes.md: raw masks, slot-based
// fullness and the merge rule, which wake-ups make edge-triggered epoll report again, a blocking
// reader woken by a writer, and the pipe wake-up rules of older kernels (kernel profiles).
//
//   epoll ── item (ET or LT) ── pipe read end  ── rd_wait ◄── every write (5.15+: once polled)
//        └── item           ── pipe write end ── wr_wait ◄── a read that frees a slot of a full
//        pipe
#include "sim/pipe.h"
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class PipeTest : public ProbeTest {
 protected:
  explicit PipeTest(const KernelProfile& profile = KernelProfile::default_profile())
      : ProbeTest(profile) {}

  // `while (write(p[1], buf, 4096) > 0);` — returns the bytes written; the last write is EAGAIN.
  long fill(int w) {
    long total = 0;
    long n;
    while ((n = write(w, 4096)) > 0)
      total += n;
    EXPECT_EQ(n, -kEAGAIN);
    return total;
  }

  // Pipe P full, its write end registered OUT|ET (data 1); pipe Q's read end IN|ET (data 2).
  // Read 1 byte of P (before 6.14: a wake-up of wr_wait although P stays full), write into Q,
  // read 4095 of P (frees a slot of the full pipe: a real wake-up on every version). Returns the
  // rdllist after the 1-byte read and the final epoll_wait.
  std::pair<std::string, std::string> spurious_wake_order() {
    int ep = epoll();
    auto [pr, pw] = pipe();
    auto [qr, qw] = pipe();
    fill(pw);
    EXPECT_EQ(add(ep, pw, kEPOLLOUT | kEPOLLET, 1), 0);
    EXPECT_EQ(add(ep, qr, kEPOLLIN | kEPOLLET, 2), 0);
    EXPECT_EQ(wait(ep), "");
    EXPECT_EQ(read(pr, 1), 1);
    std::string after_one_byte = rdllist(ep);
    EXPECT_EQ(write(qw, 1), 1);
    EXPECT_EQ(read(pr, 4095), 4095);
    return {after_one_byte, wait(ep)};
  }
};

TEST_F(PipeTest, P1RawMasks) {
  auto [r, w] = pipe();
  // [P1] empty
  EXPECT_EQ(raw_mask(r), "0");
  EXPECT_EQ(raw_mask(w), "OUT|WRNORM");
  // [P1] 10 bytes
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(raw_mask(r), "IN|RDNORM");
  EXPECT_EQ(raw_mask(w), "OUT|WRNORM");
  // [P1] filled: +61440 bytes (FIONREAD=61450) — 16 slots are full although 4086 bytes fit
  EXPECT_EQ(fill(w), 61440);
  EXPECT_EQ(pipe_bytes(r), 61450u);
  EXPECT_EQ(pipe_slots(r), 16u);
  EXPECT_EQ(raw_mask(r), "IN|RDNORM");
  EXPECT_EQ(raw_mask(w), "0");
  // [P1] all writers closed, with data, then empty
  EXPECT_EQ(close(w), 0);
  EXPECT_EQ(raw_mask(r), "IN|HUP|RDNORM");
  drain(r);
  EXPECT_EQ(pipe_bytes(r), 0u);
  EXPECT_EQ(raw_mask(r), "HUP");
  // [P1] write end, all readers closed
  auto [r2, w2] = pipe();
  EXPECT_EQ(close(r2), 0);
  EXPECT_EQ(raw_mask(w2), "OUT|ERR|WRNORM");
}

TEST_F(PipeTest, P2EdgeTriggeredReadEndHearsEveryWrite) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 0), 0);
  // [P2]
  EXPECT_EQ(wait(ep), "");  // empty
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep), "(0:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep), "");  // read 1024 (1024 left)
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep), "(0:IN)");  // write 10 into a non-empty pipe
  EXPECT_EQ(write(w, 0), 0);
  EXPECT_EQ(wait(ep), "");  // write 0 bytes
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(ep), "(0:IN)");  // write 1 byte (merge into the last page)
  drain(r);
  EXPECT_EQ(wait(ep), "");  // read everything
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(ep), "(0:IN)");  // write 1 into an empty pipe
  fill(w);
  EXPECT_EQ(wait(ep), "(0:IN)");  // filled pipe with 4096 writes
  EXPECT_EQ(write(w, 4096), -kEAGAIN);
  EXPECT_EQ(wait(ep), "(0:IN)");  // after the EAGAIN write
  EXPECT_EQ(close(w), 0);
  EXPECT_EQ(wait(ep), "(0:IN|HUP)");  // close write end
  EXPECT_EQ(wait(ep), "");            // again
}

TEST_F(PipeTest, P3EdgeTriggeredWriteEndOnlyWhenAFullPipeFreesASlot) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, w, kEPOLLOUT | kEPOLLET, 1), 0);
  // [P3]
  EXPECT_EQ(wait(ep), "(1:OUT)");  // fresh (writable)
  EXPECT_EQ(write(w, 100), 100);
  EXPECT_EQ(wait(ep), "");  // write 100
  EXPECT_EQ(read(r, 50), 50);
  EXPECT_EQ(wait(ep), "");  // read 50 from a non-full pipe
  EXPECT_EQ(read(r, 50), 50);
  EXPECT_EQ(wait(ep), "");  // read rest (pipe empty now)
  EXPECT_EQ(fill(w), 16 * 4096);
  EXPECT_EQ(wait(ep), "");  // filled with 4096-byte writes (16 slots)
  EXPECT_EQ(read(r, 1), 1);
  EXPECT_EQ(wait(ep), "");  // read 1 byte (slot not freed, still full)
  EXPECT_EQ(read(r, 4095), 4095);
  EXPECT_EQ(wait(ep), "(1:OUT)");  // read 4095 (first slot freed)
  EXPECT_EQ(read(r, 4096), 4096);
  EXPECT_EQ(wait(ep), "");  // read 4096 more (pipe was not full)
  EXPECT_EQ(close(r), 0);
  EXPECT_EQ(wait(ep), "(1:OUT|ERR)");  // close read end
}

TEST_F(PipeTest, P4EdgeTriggeredOnABlockingPipe) {
  int ep = epoll();
  auto [r, w] = pipe(0);
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 0), 0);
  // [P4] ET does not require O_NONBLOCK
  EXPECT_EQ(write(w, 5), 5);
  EXPECT_EQ(wait(ep), "(0:IN)");
  EXPECT_EQ(wait(ep), "");
}

TEST_F(PipeTest, P5PacketModeShortReadLeavesDataAndEdgeTriggeredIsSilent) {
  int ep = epoll();
  auto [r, w] = pipe(kO_DIRECT | kO_NONBLOCK);
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 0), 0);
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(write(w, 10), 10);
  // [P5] 2 packets written
  EXPECT_EQ(wait(ep), "(0:IN)");
  EXPECT_EQ(pipe_slots(r), 2u);
  // [P5] read(100) = 10 ; FIONREAD after = 10
  EXPECT_EQ(read(r, 100), 10);
  EXPECT_EQ(pipe_bytes(r), 10u);
  EXPECT_EQ(wait(ep), "");  // ET after short read (data remains!)
}

TEST_F(PipeTest, MergeRuleFillsSlotsNotBytes) {
  {
    auto [r, w] = pipe();
    EXPECT_EQ(write(w, 10), 10);
    // A multiple of 4096 never merges: 15 free slots take 61440 bytes.
    EXPECT_EQ(write(w, 65536), 61440);
    EXPECT_EQ(pipe_slots(r), 16u);
    EXPECT_EQ(pipe_bytes(r), 61450u);
  }
  {
    auto [r, w] = pipe();
    EXPECT_EQ(write(w, 10), 10);
    // 5000 = 4096 + 904: the 904 merge into the 10-byte slot, the 4096 take one new slot.
    EXPECT_EQ(write(w, 5000), 5000);
    EXPECT_EQ(pipe_slots(r), 2u);
  }
  {
    auto [r, w] = pipe();
    EXPECT_EQ(write(w, 10), 10);
    EXPECT_EQ(write(w, 4086), 4086);  // 10 + 4086 = 4096: fits the last page
    EXPECT_EQ(pipe_slots(r), 1u);
  }
  {
    auto [r, w] = pipe();
    EXPECT_EQ(write(w, 10), 10);
    EXPECT_EQ(write(w, 4087), 4087);  // one byte too many to merge
    EXPECT_EQ(pipe_slots(r), 2u);
  }
  {
    auto [r, w] = pipe();
    EXPECT_EQ(write(w, 65537), 65536);  // empty pipe: 16 full pages, the last byte does not fit
    EXPECT_EQ(pipe_slots(r), 16u);
    EXPECT_EQ(pipe_bytes(r), 65536u);
  }
}

TEST_F(PipeTest, WriteWithoutReadersIsEpipe) {
  auto [r, w] = pipe();
  EXPECT_EQ(close(r), 0);
  EXPECT_EQ(write(w, 1), -kEPIPE);
  EXPECT_EQ(write(w, 0), 0);  // a null write returns before looking at the readers
}

TEST_F(PipeTest, BlockingReadSleepsUntilAWrite) {
  auto [r, w] = pipe(0);
  Task& t1 = k.create_task("t1");
  SysResult blocked = checked(k.read(t1, r, 100));
  EXPECT_TRUE(blocked.blocked);
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_FALSE(k.next_timer().has_value());

  EXPECT_EQ(write(w, 5), 5);
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(done[0].result.ret, 5);
  EXPECT_EQ(pipe_bytes(r), 0u);
  EXPECT_FALSE(k.has_sleeping_tasks());
}

// R4: F_SETPIPE_SZ resizes the ring (a wrapped ring keeps its data in order), refuses to shrink
// below the slots in use, and wakes a blocked writer (wake_up_interruptible of wr_wait).
TEST_F(PipeTest, R4ResizeKeepsTheDataAndWakesABlockedWriter) {
  auto [r, w] = pipe(0);
  EXPECT_EQ(ret(checked(k.fcntl(main(), w, kF_SETPIPE_SZ, 4 * 4096))), 4 * 4096);
  // Wrap the 4-slot ring: 3 slots in, 2 out, 3 in (slots 3, 0, 1 hold data).
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(write(w, 4096), 4096);
  EXPECT_EQ(read(r, 8192), 8192);
  EXPECT_EQ(write(w, 100), 100);
  EXPECT_EQ(write(w, 4096), 4096);
  EXPECT_EQ(write(w, 4096), 4096);
  EXPECT_EQ(pipe_bytes(r), 4096u + 100 + 8192);
  EXPECT_EQ(ret(checked(k.fcntl(main(), r, kF_SETPIPE_SZ, 4096))), -kEBUSY);
  // A blocking writer sleeps on the full ring; growing it wakes the writer, which goes on.
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(checked(k.write(t1, w, 4096)).blocked);
  EXPECT_EQ(ret(checked(k.fcntl(main(), r, kF_SETPIPE_SZ, 8 * 4096))), 8 * 4096);
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 4096);
  EXPECT_EQ(ret(checked(k.fcntl(main(), w, kF_GETPIPE_SZ, 0))), 8 * 4096);
  // The slots keep their order from the tail, now at slot 0: 4096, 100, 4096, 4096, then t1's.
  const PipeInodeInfo& p = static_cast<const PipeEnd*>(k.file_at(r))->pipe();
  EXPECT_EQ(p.tail, 0u);
  EXPECT_EQ(p.head, 5u);
  std::vector<uint32_t> lens;
  for (unsigned i = p.tail; i != p.head; ++i)
    lens.push_back(p.bufs[i & (p.ring_size - 1)].len);
  EXPECT_EQ(lens, (std::vector<uint32_t>{4096, 100, 4096, 4096, 4096}));
  // Above fs.pipe-max-size without CAP_SYS_RESOURCE: EPERM; the argument is an unsigned int.
  EXPECT_EQ(ret(checked(k.fcntl(main(), r, kF_SETPIPE_SZ, 2u << 20))), -kEPERM);
  EXPECT_EQ(ret(checked(k.fcntl(main(), r, kF_SETPIPE_SZ, 0xffffffffULL))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.fcntl(main(), r, kF_SETPIPE_SZ, (1ULL << 32) | 65536))), 65536);
}

// --- kernel profiles -------------------------------------------------------------------------

class PipeOn510 : public PipeTest {
 protected:
  PipeOn510() : PipeTest(profile_named("5.10")) {}
};

class PipeOn613 : public PipeTest {
 protected:
  PipeOn613() : PipeTest(profile_named("6.13")) {}
};

TEST_F(PipeOn510, EdgeTriggeredReadEndMissesWritesIntoANonEmptyPipe) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 0), 0);
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep), "(0:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep), "");
  // 5.5 … 5.13: only a write into an EMPTY pipe wakes the readers (kernel-notes C3.1, history);
  // 6.18 reports this write [P2].
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep), "");
  drain(r);
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(ep), "(0:IN)");
}

TEST_F(PipeTest, EdgeTriggeredReadEndHearsWritesIntoANonEmptyPipeOn618) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 0), 0);
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep), "(0:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep), "(0:IN)");
}

// Before 6.14 any read that starts on a full pipe wakes wr_wait, even when it frees no slot. The
// harvest re-polls the write end (still full) and drops the item, so no extra event is seen [P3
// lines hold on 6.13 too] ...
TEST_F(PipeOn613, SpuriousWriterWakeUpIsNotAnEvent) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, w, kEPOLLOUT | kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "(1:OUT)");
  fill(w);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(read(r, 1), 1);
  EXPECT_EQ(rdllist(ep), "1");  // the spurious wake-up queued the item ...
  EXPECT_EQ(wait(ep), "");      // ... but the harvest drops it: still full
  EXPECT_EQ(read(r, 4095), 4095);
  EXPECT_EQ(wait(ep), "(1:OUT)");
  EXPECT_EQ(read(r, 4096), 4096);
  EXPECT_EQ(wait(ep), "");
}

// ... but the spurious wake-up fixes the item's rdllist position (kernel-notes C2.7, and the
// 6.14 row of the pipe history in C3.1): the writer's item queues ahead of an item woken later.
TEST_F(PipeOn613, SpuriousWriterWakeUpFixesTheReadyListPosition) {
  auto [queued, order] = spurious_wake_order();
  EXPECT_EQ(queued, "1");
  EXPECT_EQ(order, "(1:OUT) (2:IN)");
}

TEST_F(PipeTest, NoSpuriousWriterWakeUpOn618SoTheWriterQueuesLast) {
  auto [queued, order] = spurious_wake_order();
  EXPECT_EQ(queued, "");
  EXPECT_EQ(order, "(2:IN) (1:OUT)");
}

}  // namespace
// A pipe end open for reading and writing (a FIFO opened O_RDWR) is polled on both of the
// pipe's queues, so its item has two eppoll_entries: the first lives inside the epitem, the
// second comes from pwq_cache (sim/eventpoll.h). Both hear their wake-ups, and DEL and the last
// close free both. The reported masks are this machine's kernel's for a FIFO opened O_RDWR (a
// probe: mkfifo, open O_RDWR and O_WRONLY, the same calls): (1:OUT), nothing, 65536 written,
// (1:IN), nothing, 4096 read, (1:IN|OUT).
TEST_F(PipeTest, AnEndOpenForReadAndWriteHasAnEntryOnEachQueue) {
  int ep = epoll();
  auto [r, w] = pipe();
  k.file_at(r)->f_flags = (k.file_at(r)->f_flags & ~kO_ACCMODE) | kO_RDWR;
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLOUT | kEPOLLET, 1), 0);
  EXPECT_EQ(k.epitems_in_use(), 1u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 2u);
  {
    Snapshot s = snapshot();
    const EpItemView* item = item_view(s, ep, 1);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->queues.size(), 2u);
  }
  EXPECT_EQ(wait(ep), "(1:OUT)");  // empty: writable, not readable
  EXPECT_EQ(wait(ep), "");
  // A write wakes rd_wait (the entry inside the item).
  const long filled = fill(w);
  EXPECT_EQ(wait(ep), "(1:IN)");  // full: readable, not writable
  EXPECT_EQ(wait(ep), "");
  // A read that frees a slot of the full pipe wakes wr_wait (the entry from pwq_cache).
  EXPECT_EQ(read(r, 4096), 4096);
  EXPECT_EQ(wait(ep), "(1:IN|OUT)");
  EXPECT_EQ(filled, 65536);
  EXPECT_EQ(del(ep, r), 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 0u);
  // Again, and this time the last close removes it (eventpoll_release_file).
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLOUT, 2), 0);
  EXPECT_EQ(k.eppoll_entries_in_use(), 2u);
  EXPECT_EQ(close(r), 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 0u);
}

}  // namespace epollscope::sim::testing
