// SPDX-License-Identifier: GPL-2.0-only
// tests/sim/unix_stream_test.cpp — AF_UNIX SOCK_STREAM socketpairs: U1 and U2 of
// docs/kernel-notes.md and the probes A1..A6 of this machine's kernel (kernel-notes C6),
// reproduced call by call. SIOCOUTQ is the sender's sk_wmem_alloc and SIOCINQ the
// reader's unread bytes, read from the model's sock.
#include <string>
#include <vector>

#include "model_fixture.h"
#include "sim/unix_stream.h"

namespace epollscope::sim::testing {
namespace {

class UnixStreamTest : public ProbeTest {
 protected:
  std::pair<int, int> socketpair(int flags = kSOCK_NONBLOCK) {
    SysResult r = checked(k.socketpair(main(), flags));
    EXPECT_EQ(r.ret, 0);
    return {r.fds[0], r.fds[1]};
  }
  long shutdown(int fd, int how) { return ret(checked(k.shutdown(main(), fd, how))); }
  long set_sndbuf(int fd, int v) { return ret(checked(k.set_sndbuf(main(), fd, v))); }
  UnixStreamSocket& socket(int fd) {
    File* f = k.file_at(fd);
    EXPECT_TRUE(f && f->kind == FileKind::kUnixStream) << "fd " << fd;
    return *static_cast<UnixStreamSocket*>(f);
  }
  long outq(int fd) { return socket(fd).sock().wmem_alloc; }         // SIOCOUTQ
  uint64_t inq(int fd) { return socket(fd).sock().unread_bytes(); }  // SIOCINQ
  // getsockopt(SO_ERROR): reads sk_err and clears it.
  int so_error(int fd) {
    int e = socket(fd).take_so_error(k.context());
    expect_invariants();
    return e;
  }
  void close_pair(std::pair<int, int> sv) {
    EXPECT_EQ(close(sv.first), 0);
    EXPECT_EQ(close(sv.second), 0);
  }
  // The probes' evs(): the first event's mask of a non-blocking epoll_wait, 0 when none.
  poll_t evs(int ep) {
    SysResult r = checked(k.epoll_wait(main(), ep, 4, 0));
    return r.events.empty() ? 0 : r.events.front().events;
  }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] raw masks: kernel-notes U1 and A5
// ---------------------------------------------------------------------------------------------

TEST_F(UnixStreamTest, U1RawMasks) {
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(raw_mask(sv0), "OUT|WRNORM|WRBAND");  // [U1] fresh
  EXPECT_EQ(write(sv1, 3), 3);
  EXPECT_EQ(raw_mask(sv0), "IN|OUT|RDNORM|WRNORM|WRBAND");  // [U1] peer wrote 3 bytes
  EXPECT_EQ(shutdown(sv1, kSHUT_WR), 0);
  EXPECT_EQ(raw_mask(sv0), "IN|OUT|RDNORM|WRNORM|WRBAND|RDHUP");  // [U1] data unread
  EXPECT_EQ(read(sv0, 10), 3);
  EXPECT_EQ(raw_mask(sv0), "IN|OUT|RDNORM|WRNORM|WRBAND|RDHUP");  // [U1] data consumed
  EXPECT_EQ(shutdown(sv0, kSHUT_WR), 0);
  EXPECT_EQ(raw_mask(sv0), "IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP");  // [U1] both shut
  close_pair({sv0, sv1});

  auto [a0, a1] = socketpair();
  EXPECT_EQ(shutdown(a1, kSHUT_RD), 0);
  EXPECT_EQ(raw_mask(a0), "OUT|WRNORM|WRBAND");  // [U1] peer shutdown(SHUT_RD)
  close_pair({a0, a1});

  auto [b0, b1] = socketpair();
  EXPECT_EQ(close(b1), 0);
  EXPECT_EQ(raw_mask(b0), "IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP");  // [U1] peer closed
  EXPECT_EQ(close(b0), 0);

  auto [c0, c1] = socketpair();
  EXPECT_EQ(write(c0, 3), 3);  // unread in c1's queue when c1 closes
  EXPECT_EQ(close(c1), 0);
  EXPECT_EQ(raw_mask(c0), "IN|OUT|ERR|HUP|RDNORM|WRNORM|WRBAND|RDHUP");  // [U1]
  EXPECT_EQ(so_error(c0), kECONNRESET);                                  // [U1] SO_ERROR
  EXPECT_EQ(raw_mask(c0), "IN|OUT|HUP|RDNORM|WRNORM|WRBAND|RDHUP");      // [U1] after SO_ERROR
  EXPECT_EQ(close(c0), 0);

  // [U1] "sv0 filled peer: 180224 bytes then EAGAIN", "sender when send buffer full: 0"
  auto [d0, d1] = socketpair();
  long total = 0;
  int writes = 0;
  long r;
  while ((r = write(d0, 4096)) > 0) {
    total += r;
    ++writes;
  }
  EXPECT_EQ(r, -kEAGAIN);
  EXPECT_EQ(writes, 44);
  EXPECT_EQ(total, 180224);
  EXPECT_EQ(raw_mask(d0), "0");
  close_pair({d0, d1});
}

TEST_F(UnixStreamTest, A5ErrorsAndMasks) {
  // A5, in the probe's order; masks are the probe's hex values.
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(raw_mask(sv0), mask_to_string(0x304));  // idle sv0
  EXPECT_EQ(read(sv1, 10), -kEAGAIN);               // read on empty sv1, peer open
  EXPECT_EQ(write(sv0, 3), 3);
  EXPECT_EQ(raw_mask(sv1), mask_to_string(0x345));  // sv1 with 3 bytes unread
  EXPECT_EQ(shutdown(sv0, kSHUT_WR), 0);
  EXPECT_EQ(write(sv0, 1), -kEPIPE);                 // write on sv0 after shutdown(sv0,SHUT_WR)
  EXPECT_EQ(raw_mask(sv0), mask_to_string(0x304));   // sv0 after own SHUT_WR
  EXPECT_EQ(raw_mask(sv1), mask_to_string(0x2345));  // sv1 after peer SHUT_WR, 3B unread
  EXPECT_EQ(read(sv1, 10), 3);                       // 3 bytes pending, peer SHUT_WR
  EXPECT_EQ(read(sv1, 10), 0);                       // after peer SHUT_WR, no data
  EXPECT_EQ(raw_mask(sv1), mask_to_string(0x2345));  // sv1 after peer SHUT_WR, drained
  close_pair({sv0, sv1});

  auto [a0, a1] = socketpair();
  EXPECT_EQ(shutdown(a0, kSHUT_RD), 0);
  EXPECT_EQ(raw_mask(a0), mask_to_string(0x2345));  // sv0 after own SHUT_RD
  EXPECT_EQ(raw_mask(a1), mask_to_string(0x304));   // sv1 after peer SHUT_RD
  EXPECT_EQ(write(a1, 1), -kEPIPE);                 // write sv1 after peer SHUT_RD
  EXPECT_EQ(read(a0, 10), 0);                       // read sv0 after own SHUT_RD
  close_pair({a0, a1});

  auto [b0, b1] = socketpair();
  EXPECT_EQ(write(b0, 3), 3);
  EXPECT_EQ(write(b1, 2), 2);
  EXPECT_EQ(close(b1), 0);
  // sv0 after peer close (peer had 3B unread; 2B queued for sv0)
  EXPECT_EQ(raw_mask(b0), mask_to_string(0x235d));
  EXPECT_EQ(write(b0, 1), -kEPIPE);
  EXPECT_EQ(read(b0, 10), 2);
  EXPECT_EQ(read(b0, 10), -kECONNRESET);  // drained: the pending error, which clears it
  EXPECT_EQ(raw_mask(b0), mask_to_string(0x2355));
  EXPECT_EQ(read(b0, 10), 0);
  EXPECT_EQ(raw_mask(b0), mask_to_string(0x2355));
  EXPECT_EQ(close(b0), 0);

  auto [c0, c1] = socketpair();
  EXPECT_EQ(close(c1), 0);
  EXPECT_EQ(raw_mask(c0), mask_to_string(0x2355));  // after clean peer close
  EXPECT_EQ(read(c0, 10), 0);
  EXPECT_EQ(write(c0, 1), -kEPIPE);
  EXPECT_EQ(raw_mask(c0), mask_to_string(0x2355));
  EXPECT_EQ(close(c0), 0);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] edge-triggered re-triggers: kernel-notes U2, A3 and A4
// ---------------------------------------------------------------------------------------------

TEST_F(UnixStreamTest, U2EdgeTriggeredRetrigger) {
  int ep = epoll();
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(add(ep, sv0, kEPOLLIN | kEPOLLET, 0), 0);
  EXPECT_EQ(add(ep, sv1, kEPOLLOUT | kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "(1:OUT)");  // [U2] fresh: sv0 IN|ET, sv1 OUT|ET
  EXPECT_EQ(write(sv1, 4), 4);
  EXPECT_EQ(wait(ep), "(0:IN)");  // [U2] sv1 writes 4
  EXPECT_EQ(write(sv1, 4), 4);
  EXPECT_EQ(wait(ep), "(0:IN)");  // [U2] sv1 writes 4 more (sv0 still has unread)
  EXPECT_EQ(read(sv0, 2), 2);
  EXPECT_EQ(wait(ep), "");  // [U2] sv0 reads 2 (skb not fully consumed)
  EXPECT_EQ(read(sv0, 100), 6);
  EXPECT_EQ(wait(ep), "(1:OUT)");  // [U2] sv0 reads rest (skbs freed -> write_space)
  EXPECT_EQ(shutdown(sv1, kSHUT_WR), 0);
  EXPECT_EQ(wait(ep), "(1:OUT) (0:IN)");  // [U2] sv1 shutdown(SHUT_WR)
  EXPECT_EQ(close(ep), 0);
  close_pair({sv0, sv1});

  int ep2 = epoll();
  auto [a0, a1] = socketpair();
  EXPECT_EQ(add(ep2, a0, kEPOLLIN | kEPOLLOUT | kEPOLLET, 0), 0);
  EXPECT_EQ(wait(ep2), "(0:OUT)");  // [U2] sv0 IN|OUT|ET fresh
  EXPECT_EQ(write(a1, 1), 1);
  EXPECT_EQ(wait(ep2), "(0:IN|OUT)");  // [U2] peer writes 1 -> reported with OUT too
  EXPECT_EQ(close(a1), 0);
  EXPECT_EQ(wait(ep2), "(0:IN|OUT|HUP)");  // [U2] peer closes
}

// Both ends' sk_state_change wakes with key 0, which no item's mask can filter: an item that
// asked only for RDHUP (or for nothing but the always-added ERR|HUP) still hears about it.
TEST_F(UnixStreamTest, ShutdownAndCloseWakeWithKeyZero) {
  int ep = epoll();
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(add(ep, sv0, kEPOLLRDHUP | kEPOLLET, 0), 0);
  EXPECT_EQ(add(ep, sv1, kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(write(sv1, 5), 5);  // key IN|PRI|RDNORM|RDBAND: filtered for the RDHUP-only item
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(shutdown(sv1, kSHUT_WR), 0);  // key 0 on both ends
  EXPECT_EQ(wait(ep), "(0:RDHUP)");       // sv1's own item was queued too, but has no ERR|HUP
  EXPECT_EQ(read(sv0, 10), 5);
  EXPECT_EQ(shutdown(sv0, kSHUT_WR), 0);
  EXPECT_EQ(wait(ep), "(0:HUP|RDHUP) (1:HUP)");  // [U1] both shut: HUP on both ends
  EXPECT_EQ(close(sv0), 0);                      // sv1 is woken once more (key 0), still HUP
  EXPECT_EQ(wait(ep), "(1:HUP)");
}

// A3, with the reader reading 1000 bytes at a time and 1 byte at a time: after one
// write of S bytes, the sender's EPOLLOUT|EPOLLET item fires exactly when a read frees an skb and
// leaves the sender writable.
struct A3Row {
  int size;
  long outq;       // SIOCOUTQ right after the write
  poll_t initial;  // the ET item's first and second epoll_wait
  poll_t second;
  const char* events;  // read offsets with an EPOLLOUT event
  const char* outq_changes;
};

class UnixStreamA3 : public UnixStreamTest {
 protected:
  void run_probe(const A3Row& row, std::size_t chunk) {
    SCOPED_TRACE(cat("S=", row.size, " chunk=", chunk));
    auto [sv0, sv1] = socketpair();
    EXPECT_EQ(write(sv0, row.size), row.size);
    int ep = epoll();
    EXPECT_EQ(add(ep, sv0, kEPOLLOUT | kEPOLLET, 0), 0);
    EXPECT_EQ(evs(ep), row.initial);
    EXPECT_EQ(evs(ep), row.second);
    EXPECT_EQ(outq(sv0), row.outq);
    EXPECT_EQ(inq(sv1), static_cast<uint64_t>(row.size));
    std::string events, changes;
    long offset = 0, before = outq(sv0);
    for (long r; (r = read(sv1, chunk)) > 0;) {
      offset += r;
      if (evs(ep)) events += cat(events.empty() ? "" : " ", offset);
      if (long o = outq(sv0); o != before) {
        changes += cat(changes.empty() ? "" : " ", "@", offset, ":", before, "->", o);
        before = o;
      }
    }
    EXPECT_EQ(events, row.events);
    EXPECT_EQ(changes, row.outq_changes);
    EXPECT_EQ(close(ep), 0);
    close_pair({sv0, sv1});
  }
};

TEST_F(UnixStreamA3, ReaderChunks1000) {
  const A3Row rows[] = {
      {4096, 4864, kEPOLLOUT, 0, "4096", "@4096:4864->0"},
      {10000, 12544, kEPOLLOUT, 0, "10000", "@10000:12544->0"},
      {36544, 37120, kEPOLLOUT, 0, "36544", "@36544:37120->0"},
      {40000, 41472, kEPOLLOUT, 0, "37000 40000", "@37000:41472->4352 @40000:4352->0"},
      {65536, 67072, 0, 0, "37000 65536", "@37000:67072->29952 @65536:29952->0"},
      {100000, 103168, 0, 0, "74000 100000",
       "@37000:103168->66048 @74000:66048->28928 @100000:28928->0"},
  };
  for (const A3Row& row : rows)
    run_probe(row, 1000);
}

TEST_F(UnixStreamA3, ReaderChunks1) {
  // The brief's figures: S=40000 → events at 36544 and 40000 bytes read; S=100000 → the first
  // free leaves the sender unwritable, events only at 73088 and 100000.
  run_probe({40000, 41472, kEPOLLOUT, 0, "36544 40000", "@36544:41472->4352 @40000:4352->0"}, 1);
  run_probe({100000, 103168, 0, 0, "73088 100000",
             "@36544:103168->66048 @73088:66048->28928 @100000:28928->0"},
            1);
}

TEST_F(UnixStreamTest, A4OneReadFreesSeveralSkbs) {
  auto [sv0, sv1] = socketpair();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(write(sv0, 100), 100);
  int ep = epoll();
  EXPECT_EQ(add(ep, sv0, kEPOLLOUT | kEPOLLET, 0), 0);
  EXPECT_EQ(outq(sv0), 7680);  // A4: 10x write(100): outq=7680 initialET=0x4 again=0x0
  EXPECT_EQ(evs(ep), kEPOLLOUT);
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(read(sv1, 50), 50);  // mid-skb#1 -> ET=0x0 then 0x0 outq=7680
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(outq(sv0), 7680);
  EXPECT_EQ(read(sv1, 50), 50);  // ends skb#1 -> ET=0x4 then 0x0 outq=6912
  EXPECT_EQ(evs(ep), kEPOLLOUT);
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(outq(sv0), 6912);
  EXPECT_EQ(read(sv1, 250), 250);  // ends skb#2,#3, half #4 -> ET=0x4 then 0x0 outq=5376
  EXPECT_EQ(evs(ep), kEPOLLOUT);
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(outq(sv0), 5376);
  EXPECT_EQ(read(sv1, 1000), 650);  // rest: 6.5 skbs -> ET=0x4 then 0x0 outq=0
  EXPECT_EQ(evs(ep), kEPOLLOUT);
  EXPECT_EQ(evs(ep), 0u);
  EXPECT_EQ(outq(sv0), 0);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] send buffer accounting: kernel-notes A1, A2 and A6
// ---------------------------------------------------------------------------------------------

// A1: repeated non-blocking writes of S bytes on a fresh pair until EAGAIN.
struct A1Row {
  int size;
  int writes;  // successful writes
  long total;  // bytes accepted
  long first;  // first and last return values
  long last;
  long outq1;  // SIOCOUTQ after the first and the second write
  long outq2;
  int first_unwritable;  // the write after which POLLOUT is gone
  long outq_end;
};

TEST_F(UnixStreamTest, A1FillUntilEagain) {
  const A1Row rows[] = {
      {1, 278, 278, 1, 1, 768, 1536, 70, 213504},
      {10, 278, 2780, 10, 10, 768, 1536, 70, 213504},
      {100, 278, 27800, 100, 100, 768, 1536, 70, 213504},
      {512, 167, 85504, 512, 512, 1280, 2560, 42, 213760},
      {1000, 93, 93000, 1000, 1000, 2304, 4608, 24, 214272},
      {2000, 49, 98000, 2000, 2000, 4352, 8704, 13, 213248},
      {3000, 49, 147000, 3000, 3000, 4352, 8704, 13, 213248},
      {3776, 49, 185024, 3776, 3776, 4352, 8704, 13, 213248},
      {3777, 44, 166188, 3777, 3777, 4864, 9728, 11, 214016},
      {4000, 44, 176000, 4000, 4000, 4864, 9728, 11, 214016},
      {4096, 44, 180224, 4096, 4096, 4864, 9728, 11, 214016},
      {5000, 34, 170000, 5000, 5000, 6400, 12800, 9, 217600},
      {8192, 24, 196608, 8192, 8192, 8960, 17920, 6, 215040},
      {16384, 13, 212992, 16384, 16384, 17152, 34304, 4, 222976},
      {32768, 7, 229376, 32768, 32768, 33536, 67072, 2, 234752},
      {36544, 6, 219264, 36544, 36544, 37120, 74240, 2, 222720},
      {36545, 6, 219269, 36545, 36544, 37888, 75776, 2, 226560},
      {40000, 6, 236544, 40000, 36544, 41472, 82944, 2, 244480},
      {65536, 4, 233152, 65536, 36544, 67072, 134144, 1, 238336},
      {100000, 3, 236544, 100000, 36544, 103168, 206336, 1, 243456},
      {200000, 2, 236544, 200000, 36544, 204288, 241408, 1, 241408},
      {300000, 1, 219264, 219264, 219264, 222720, -1, 1, 222720},
  };
  for (const A1Row& row : rows) {
    SCOPED_TRACE(cat("S=", row.size));
    auto [sv0, sv1] = socketpair();
    int writes = 0, first_unwritable = -1;
    long total = 0, first = 0, last = 0, outq1 = -1, outq2 = -1, r;
    while ((r = write(sv0, row.size)) > 0) {
      ++writes;
      total += r;
      if (writes == 1) first = r;
      last = r;
      if (writes == 1) outq1 = outq(sv0);
      if (writes == 2) outq2 = outq(sv0);
      if (first_unwritable < 0 && !(k.file_at(sv0)->peek_poll() & kEPOLLOUT))
        first_unwritable = writes;
    }
    EXPECT_EQ(r, -kEAGAIN);
    EXPECT_EQ(writes, row.writes);
    EXPECT_EQ(total, row.total);
    EXPECT_EQ(first, row.first);
    EXPECT_EQ(last, row.last);
    EXPECT_EQ(outq1, row.outq1);
    EXPECT_EQ(outq2, row.outq2);
    EXPECT_EQ(first_unwritable, row.first_unwritable);
    EXPECT_EQ(outq(sv0), row.outq_end);
    EXPECT_EQ(inq(sv1), static_cast<uint64_t>(row.total));
    close_pair({sv0, sv1});
  }
}

// A2: SIOCOUTQ after ONE write of S bytes on a fresh pair, for every S in 1..300000, as
// ranges of S with the same value (the skbs' truesizes; above 219264 the write is partial).
struct A2Range {
  int first;
  int last;
  long outq;
};
const A2Range kA2Ranges[] = {
    {1, 192, 768},
    {193, 704, 1280},
    {705, 1728, 2304},
    {1729, 3776, 4352},
    {3777, 4288, 4864},
    {4289, 4800, 5376},
    {4801, 5824, 6400},
    {5825, 7872, 8448},
    {7873, 8384, 8960},
    {8385, 8896, 9472},
    {8897, 9920, 10496},
    {9921, 11968, 12544},
    {11969, 12480, 13056},
    {12481, 12992, 13568},
    {12993, 14016, 14592},
    {14017, 16064, 16640},
    {16065, 16576, 17152},
    {16577, 17088, 17664},
    {17089, 18112, 18688},
    {18113, 20160, 20736},
    {20161, 20672, 21248},
    {20673, 21184, 21760},
    {21185, 22208, 22784},
    {22209, 24256, 24832},
    {24257, 24768, 25344},
    {24769, 25280, 25856},
    {25281, 26304, 26880},
    {26305, 28352, 28928},
    {28353, 28864, 29440},
    {28865, 29376, 29952},
    {29377, 30400, 30976},
    {30401, 32448, 33024},
    {32449, 32960, 33536},
    {32961, 33472, 34048},
    {33473, 34496, 35072},
    {34497, 36544, 37120},
    {36545, 36736, 37888},
    {36737, 37248, 38400},
    {37249, 38272, 39424},
    {38273, 40320, 41472},
    {40321, 40832, 41984},
    {40833, 41344, 42496},
    {41345, 42368, 43520},
    {42369, 44416, 45568},
    {44417, 44928, 46080},
    {44929, 45440, 46592},
    {45441, 46464, 47616},
    {46465, 48512, 49664},
    {48513, 49024, 50176},
    {49025, 49536, 50688},
    {49537, 50560, 51712},
    {50561, 52608, 53760},
    {52609, 53120, 54272},
    {53121, 53632, 54784},
    {53633, 54656, 55808},
    {54657, 56704, 57856},
    {56705, 57216, 58368},
    {57217, 57728, 58880},
    {57729, 58752, 59904},
    {58753, 60800, 61952},
    {60801, 61312, 62464},
    {61313, 61824, 62976},
    {61825, 62848, 64000},
    {62849, 64896, 66048},
    {64897, 65408, 66560},
    {65409, 65920, 67072},
    {65921, 66944, 68096},
    {66945, 68992, 70144},
    {68993, 69504, 70656},
    {69505, 70016, 71168},
    {70017, 71040, 72192},
    {71041, 73088, 74240},
    {73089, 73280, 75008},
    {73281, 73792, 75520},
    {73793, 74816, 76544},
    {74817, 76864, 78592},
    {76865, 77376, 79104},
    {77377, 77888, 79616},
    {77889, 78912, 80640},
    {78913, 80960, 82688},
    {80961, 81472, 83200},
    {81473, 81984, 83712},
    {81985, 83008, 84736},
    {83009, 85056, 86784},
    {85057, 85568, 87296},
    {85569, 86080, 87808},
    {86081, 87104, 88832},
    {87105, 89152, 90880},
    {89153, 89664, 91392},
    {89665, 90176, 91904},
    {90177, 91200, 92928},
    {91201, 93248, 94976},
    {93249, 93760, 95488},
    {93761, 94272, 96000},
    {94273, 95296, 97024},
    {95297, 97344, 99072},
    {97345, 97856, 99584},
    {97857, 98368, 100096},
    {98369, 99392, 101120},
    {99393, 101440, 103168},
    {101441, 101952, 103680},
    {101953, 102464, 104192},
    {102465, 103488, 105216},
    {103489, 105536, 107264},
    {105537, 106048, 107776},
    {106049, 106560, 108288},
    {106561, 107584, 109312},
    {107585, 109632, 111360},
    {109633, 109824, 112128},
    {109825, 110336, 112640},
    {110337, 111360, 113664},
    {111361, 113408, 115712},
    {113409, 113920, 116224},
    {113921, 114432, 116736},
    {114433, 115456, 117760},
    {115457, 117504, 119808},
    {117505, 118016, 120320},
    {118017, 118528, 120832},
    {118529, 119552, 121856},
    {119553, 121600, 123904},
    {121601, 122112, 124416},
    {122113, 122624, 124928},
    {122625, 123648, 125952},
    {123649, 125696, 128000},
    {125697, 126208, 128512},
    {126209, 126720, 129024},
    {126721, 127744, 130048},
    {127745, 129792, 132096},
    {129793, 130304, 132608},
    {130305, 130816, 133120},
    {130817, 131840, 134144},
    {131841, 133888, 136192},
    {133889, 134400, 136704},
    {134401, 134912, 137216},
    {134913, 135936, 138240},
    {135937, 137984, 140288},
    {137985, 138496, 140800},
    {138497, 139008, 141312},
    {139009, 140032, 142336},
    {140033, 142080, 144384},
    {142081, 142592, 144896},
    {142593, 143104, 145408},
    {143105, 144128, 146432},
    {144129, 146176, 148480},
    {146177, 146368, 149248},
    {146369, 146880, 149760},
    {146881, 147904, 150784},
    {147905, 149952, 152832},
    {149953, 150464, 153344},
    {150465, 150976, 153856},
    {150977, 152000, 154880},
    {152001, 154048, 156928},
    {154049, 154560, 157440},
    {154561, 155072, 157952},
    {155073, 156096, 158976},
    {156097, 158144, 161024},
    {158145, 158656, 161536},
    {158657, 159168, 162048},
    {159169, 160192, 163072},
    {160193, 162240, 165120},
    {162241, 162752, 165632},
    {162753, 163264, 166144},
    {163265, 164288, 167168},
    {164289, 166336, 169216},
    {166337, 166848, 169728},
    {166849, 167360, 170240},
    {167361, 168384, 171264},
    {168385, 170432, 173312},
    {170433, 170944, 173824},
    {170945, 171456, 174336},
    {171457, 172480, 175360},
    {172481, 174528, 177408},
    {174529, 175040, 177920},
    {175041, 175552, 178432},
    {175553, 176576, 179456},
    {176577, 178624, 181504},
    {178625, 179136, 182016},
    {179137, 179648, 182528},
    {179649, 180672, 183552},
    {180673, 182720, 185600},
    {182721, 182912, 186368},
    {182913, 183424, 186880},
    {183425, 184448, 187904},
    {184449, 186496, 189952},
    {186497, 187008, 190464},
    {187009, 187520, 190976},
    {187521, 188544, 192000},
    {188545, 190592, 194048},
    {190593, 191104, 194560},
    {191105, 191616, 195072},
    {191617, 192640, 196096},
    {192641, 194688, 198144},
    {194689, 195200, 198656},
    {195201, 195712, 199168},
    {195713, 196736, 200192},
    {196737, 198784, 202240},
    {198785, 199296, 202752},
    {199297, 199808, 203264},
    {199809, 200832, 204288},
    {200833, 202880, 206336},
    {202881, 203392, 206848},
    {203393, 203904, 207360},
    {203905, 204928, 208384},
    {204929, 206976, 210432},
    {206977, 207488, 210944},
    {207489, 208000, 211456},
    {208001, 209024, 212480},
    {209025, 211072, 214528},
    {211073, 211584, 215040},
    {211585, 212096, 215552},
    {212097, 213120, 216576},
    {213121, 215168, 218624},
    {215169, 215680, 219136},
    {215681, 216192, 219648},
    {216193, 217216, 220672},
    {217217, 300000, 222720},
};

TEST_F(UnixStreamTest, A2TruesizeOfOneWrite) {
  for (const A2Range& range : kA2Ranges) {
    for (int s : {range.first, range.last}) {
      SCOPED_TRACE(cat("S=", s));
      auto [sv0, sv1] = socketpair();
      EXPECT_EQ(write(sv0, s),
                s > 219264 ? 219264 : s);  // "S=219265 partial write returned 219264"
      EXPECT_EQ(outq(sv0), range.outq);
      close_pair({sv0, sv1});
    }
  }
  EXPECT_EQ(unix_skb_truesize(4096), 4864u);
  EXPECT_EQ(unix_skb_truesize(36544), 37120u);
}

TEST_F(UnixStreamTest, A2WritableThreshold) {
  // "2x2000+57x1: outq=52480 POLLOUT=1", "+58x1: outq=53248 POLLOUT=0", "+265x1: next write(1)=1",
  // "+266x1: outq=212992, next write(1)=-1 EAGAIN": writable iff 4 * (outq + 1) <= 212992, and a
  // new skb needs outq < 212992.
  struct Row {
    int ones;
    long outq;
    bool pollout;
    long next_write;
  };
  for (Row row : {Row{57, 52480, true, 1}, Row{58, 53248, false, 1}, Row{265, 212224, false, 1},
                  Row{266, 212992, false, -kEAGAIN}}) {
    SCOPED_TRACE(cat(row.ones, " one-byte writes"));
    auto [sv0, sv1] = socketpair();
    EXPECT_EQ(write(sv0, 2000), 2000);
    EXPECT_EQ(write(sv0, 2000), 2000);
    for (int i = 0; i < row.ones; ++i)
      EXPECT_EQ(write(sv0, 1), 1);
    EXPECT_EQ(outq(sv0), row.outq);
    EXPECT_EQ(raw_mask(sv0) != "0", row.pollout);
    EXPECT_EQ(write(sv0, 1), row.next_write);
    close_pair({sv0, sv1});
  }
}

TEST_F(UnixStreamTest, A6SetsockoptSndbuf) {
  struct Row {
    int value;
    int sndbuf;  // getsockopt afterwards
    long first;  // first write(65536)
    long outq1;
    int writes;  // successful 65536-byte writes in all
    long total;
    long outq_end;
  };
  const Row rows[] = {
      {0, 4608, 4480, 8704, 1, 4480, 8704},
      {1, 4608, 4480, 8704, 1, 4480, 8704},
      {1000, 4608, 4480, 8704, 1, 4480, 8704},
      {2304, 4608, 4480, 8704, 1, 4480, 8704},
      {2305, 4610, 4482, 8704, 1, 4482, 8704},
      {4096, 8192, 8064, 9728, 1, 8064, 9728},
      {100000, 200000, 65536, 67072, 3, 196608, 201216},
      {3000000, 6000000, 65536, 67072, 90, 5869248, 6006528},
      {5000000, 8388608, 65536, 67072, 126, 8228544, 8421120},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(cat("SO_SNDBUF ", row.value));
    auto [sv0, sv1] = socketpair();
    EXPECT_EQ(set_sndbuf(sv0, row.value), 0);
    EXPECT_EQ(socket(sv0).sock().sndbuf, row.sndbuf);
    long first = write(sv0, 65536), total = first > 0 ? first : 0, r;
    int writes = first > 0 ? 1 : 0;
    EXPECT_EQ(first, row.first);
    EXPECT_EQ(outq(sv0), row.outq1);
    while ((r = write(sv0, 65536)) > 0) {
      ++writes;
      total += r;
    }
    EXPECT_EQ(r, -kEAGAIN);
    EXPECT_EQ(writes, row.writes);
    EXPECT_EQ(total, row.total);
    EXPECT_EQ(outq(sv0), row.outq_end);
    close_pair({sv0, sv1});
  }

  // A6b: with sk_sndbuf 8192 an skb holds 4032 bytes; the reader frees them at 4032 and 8064.
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(set_sndbuf(sv0, 4096), 0);
  EXPECT_EQ(write(sv0, 10000), 8064);
  EXPECT_EQ(outq(sv0), 9728);
  std::string frees;
  long offset = 0, before = outq(sv0);
  for (long r; (r = read(sv1, 1)) > 0;) {
    offset += r;
    if (long o = outq(sv0); o != before) {
      frees += cat(frees.empty() ? "" : " ", offset, "(", before, "->", o, ")");
      before = o;
    }
  }
  EXPECT_EQ(frees, "4032(9728->4864) 8064(4864->0)");
  EXPECT_EQ(set_sndbuf(0, 1), -kENOTSOCK);  // fd 0 (stdin) is not a socket
  EXPECT_EQ(set_sndbuf(99, 1), -kEBADF);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] blocking sockets
// ---------------------------------------------------------------------------------------------

// A blocking reader sleeps on the socket's queue until the peer writes; a blocking writer sleeps
// until the reader frees enough skbs. Both are woken through the same sk_wq the epoll items use.
TEST_F(UnixStreamTest, BlockingReadAndWriteSleepOnTheSocketQueue) {
  auto [sv0, sv1] = socketpair(0);
  Task& reader = k.create_task("reader");
  SysResult r = checked(k.read(reader, sv0, 100));
  EXPECT_TRUE(r.blocked);
  EXPECT_EQ(write(sv1, 7), 7);
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 7);

  Task& writer = k.create_task("writer");
  long total = 0;
  while (true) {
    SysResult w = checked(k.write(writer, sv1, 36544));
    if (w.blocked) break;
    total += w.ret;
  }
  EXPECT_EQ(total, 219264);  // six full skbs, then the seventh needs room
  // unix_write_space wakes the writer only once 4 * sk_wmem_alloc <= sk_sndbuf: after the fifth
  // skb is consumed, with one skb (37120 bytes) still charged.
  for (int freed = 1; freed <= 5; ++freed) {
    EXPECT_EQ(read(sv0, 36544), 36544);
    done = k.take_completions();
    ASSERT_EQ(done.size(), freed == 5 ? 1u : 0u) << freed << " skbs freed";
  }
  EXPECT_EQ(done[0].result.ret, 36544);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] MSG_WAITALL with a blocking reader, MSG_OOB: kernel-notes O1 and O5
// ---------------------------------------------------------------------------------------------

// A blocking reader with MSG_WAITALL wakes for each skb and sleeps again until the whole count is
// there (unix_stream_read_generic's target); without the flag the first skb ends its wait.
TEST_F(UnixStreamTest, O5WaitallBlockingReaderWaitsForTheWholeCount) {
  auto [sv0, sv1] = socketpair(0);
  Task& reader = k.create_task("reader");
  EXPECT_TRUE(checked(k.recv(reader, sv0, 10, kMSG_WAITALL)).blocked);
  EXPECT_EQ(write(sv1, 4), 4);
  EXPECT_TRUE(k.take_completions().empty());  // woken, took 4 bytes, asleep again
  EXPECT_EQ(inq(sv0), 0u);
  EXPECT_EQ(write(sv1, 6), 6);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 10);
  EXPECT_TRUE(checked(k.recv(reader, sv0, 10, 0)).blocked);
  EXPECT_EQ(write(sv1, 4), 4);
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 4);
}

// [O1] The urgent byte: PRI while it waits, dropped by a read that starts at it, its empty skb
// left queued by recv(MSG_OOB) and still charged to the sender until a read unlinks it.
TEST_F(UnixStreamTest, O1OobSkb) {
  auto [sv0, sv1] = socketpair();
  EXPECT_EQ(ret(checked(k.send(main(), sv1, 0, kMSG_OOB))), -kEOPNOTSUPP);
  EXPECT_EQ(ret(checked(k.send(main(), sv1, 3, kMSG_OOB))), 3);
  EXPECT_EQ(socket(sv0).sock().receive_queue.size(), 2u);  // 2 bytes, then the urgent byte
  EXPECT_EQ(raw_mask(sv0), "IN|PRI|OUT|RDNORM|WRNORM|WRBAND");
  EXPECT_EQ(ret(checked(k.recv(main(), sv0, 10, kMSG_OOB))), 1);
  EXPECT_EQ(raw_mask(sv0), "IN|OUT|RDNORM|WRNORM|WRBAND");
  EXPECT_EQ(ret(checked(k.recv(main(), sv0, 10, kMSG_OOB))), -kEINVAL);
  const long charged = outq(sv1);
  EXPECT_EQ(ret(checked(k.recv(main(), sv0, 10, 0))), 2);  // stops at the empty skb
  EXPECT_LT(outq(sv1), charged);
  EXPECT_EQ(socket(sv0).sock().receive_queue.size(), 1u);
  EXPECT_EQ(ret(checked(k.recv(main(), sv0, 10, 0))), -kEAGAIN);  // unlinks it
  EXPECT_EQ(outq(sv1), 0);
  EXPECT_EQ(raw_mask(sv0), "OUT|WRNORM|WRBAND");
}

}  // namespace
}  // namespace epollscope::sim::testing
