// SPDX-License-Identifier: GPL-2.0-only
// Registrations are keyed by (open file description, fd number), and only the last close of an
// open file description removes its items (docs/kernel-notes.md C2.6): the t_dup and t_dup2
// probes (kernel-notes F1, F2, F4, t_dup2) with their fdinfo lines read through snapshots, plus
// the consequences of eventpoll_release_file() that C2.6 lists; and RLIMIT_NOFILE (F6).
//
// Not modelled, so left out: F3 (fork), and F5 belongs to the threads/wait-queue tests.
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class DupCloseTest : public CallProbeTest {
 protected:
  // The ids of the items on the f_ep list of the file open at `fd` (every epoll, every fd key).
  std::size_t watchers_of(int fd) const {
    Snapshot s = snapshot();
    const FileView* f = s.file_of_fd(fd);
    EXPECT_NE(f, nullptr);
    return f ? f->watchers.size() : 0;
  }
  // How many wait-queue entries hang on the queues of the file open at `fd`.
  std::size_t queued_entries_of(int fd) const {
    Snapshot s = snapshot();
    const FileView* f = s.file_of_fd(fd);
    std::size_t n = 0;
    if (f)
      for (const WaitQueueView& q : f->queues)
        n += q.entries.size();
    return n;
  }
};

TEST_F(DupCloseTest, F1RegistrationIsKeyedByFileAndFdNumber) {
  auto [a, w] = pipe();
  int ep = epoll();
  int b = static_cast<int>(dup(a));
  // [F1] a=3 b=dup(a)=6
  EXPECT_EQ(a, 3);
  EXPECT_EQ(b, 6);
  EXPECT_EQ(add(ep, a, kEPOLLIN, 1003), 0);
  EXPECT_EQ(add(ep, b, kEPOLLIN, 2000), 0);
  EXPECT_EQ(fdinfo(ep),
            "tfd:        3 events:       19 data:              3eb\n"
            "tfd:        6 events:       19 data:              7d0");
  // close(a): file still open via b; both items stay.
  EXPECT_EQ(close(a), 0);
  EXPECT_EQ(fdinfo(ep),
            "tfd:        3 events:       19 data:              3eb\n"
            "tfd:        6 events:       19 data:              7d0");
  // Events for both items, incl. closed fd a. Both entries hang on the same rd_wait, the later
  // one at the head, so b's callback runs first.
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(ep), "(2000:IN) (1003:IN)");
  EXPECT_EQ(del(ep, a), -kEBADF);
  // reopen: new file got fd 3
  auto [n, nw] = pipe();
  (void)nw;
  EXPECT_EQ(n, 3);
  EXPECT_EQ(del(ep, n), -kENOENT);
  EXPECT_EQ(add(ep, n, kEPOLLOUT, 3000), 0);
  EXPECT_EQ(fdinfo(ep),
            "tfd:        3 events:       19 data:              3eb\n"
            "tfd:        6 events:       19 data:              7d0\n"
            "tfd:        3 events:       1c data:              bb8");
  // close(b): last reference to the pipe read file → all its items removed.
  EXPECT_EQ(close(b), 0);
  EXPECT_EQ(fdinfo(ep), "tfd:        3 events:       1c data:              bb8");
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(k.epoll_watches(), 1);
}

TEST_F(DupCloseTest, F2CloseWhileQueued) {
  int ep = epoll();
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  EXPECT_EQ(add(ep, r1, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(ep, r2, kEPOLLIN, 2), 0);
  EXPECT_EQ(write(w1, 1), 1);
  EXPECT_EQ(write(w2, 1), 1);
  EXPECT_EQ(rdllist(ep), "1 2");
  // [F2] the item of a file closed while queued leaves rdllist and is never reported.
  EXPECT_EQ(close(r1), 0);
  EXPECT_EQ(rdllist(ep), "2");
  EXPECT_EQ(wait(ep), "(2:IN)");
}

TEST_F(DupCloseTest, F4EpollClosedWhileRegisteredInAnother) {
  int outer = epoll();
  int inner = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(inner, r, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(outer, inner, kEPOLLIN, 2), 0);
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(outer), "(2:IN)");  // [F4] outer before close(inner)
  EXPECT_EQ(close(inner), 0);
  EXPECT_EQ(wait(outer), "");  // [F4] outer after close(inner)
  EXPECT_EQ(fdinfo(outer), "");
  EXPECT_EQ(k.epoll_watches(), 0);
  EXPECT_EQ(watchers_of(r), 0u);
}

TEST_F(DupCloseTest, TDup2MakesTheNumberReferToTheFileAgain) {
  auto [a, w] = pipe();
  (void)w;
  int ep = epoll();
  int b = static_cast<int>(dup(a));
  EXPECT_EQ(add(ep, a, kEPOLLIN, 0), 0);
  EXPECT_EQ(close(a), 0);
  // [t_dup2] DEL(a) = EBADF; dup2(b, a) = 3; DEL(a) = 0; no fdinfo lines.
  EXPECT_EQ(del(ep, a), -kEBADF);
  EXPECT_EQ(dup2(b, a), 3);
  EXPECT_EQ(del(ep, a), 0);
  EXPECT_EQ(fdinfo(ep), "");
  EXPECT_EQ(k.epoll_watches(), 0);
}

TEST_F(DupCloseTest, F6SoftLimitAboveTheHardOneIsEinval) {
  // The probe's process: hard limit 20000 under fs.nr_open 1048576, soft limit 1024.
  k.set_nofile_limits(RlimitNofile{1024, 20000, 1048576});
  // [F6] soft 20001 under hard 20000 = EINVAL; soft RLIM_INFINITY = EINVAL; nothing changes.
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 20001))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), -1))), -kEINVAL);
  EXPECT_EQ(k.nofile_limits(), (RlimitNofile{1024, 20000, 1048576}));
  // Up to the hard limit is allowed, and the hard limit stays.
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 20000))), 0);
  EXPECT_EQ(k.nofile_limits(), (RlimitNofile{20000, 20000, 1048576}));
  // [F6] under prlimit --nofile=12:12: fds 3..11, then EMFILE; 13 is above the hard limit.
  k.set_nofile_limits(RlimitNofile{12, 12, 1048576});
  for (int fd = 3; fd < 12; ++fd)
    EXPECT_EQ(ret(checked(k.eventfd2(main(), 0, 0))), fd);
  EXPECT_EQ(ret(checked(k.eventfd2(main(), 0, 0))), -kEMFILE);
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 13))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 1024))), -kEINVAL);
  // [F6] a hard limit above fs.nr_open (the sysctl lowered after it was set) = EPERM, checked
  // after the soft limit.
  k.set_nofile_limits(RlimitNofile{1024, 1048577, 1048576});
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 2000000))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 1024))), -kEPERM);
}

TEST_F(DupCloseTest, LastCloseRemovesEveryItemFromEveryEpoll) {
  // C2.6: eventpoll_release_file removes the file from every epoll and under every fd key, and
  // only when the last fd of the open file description goes.
  int ep1 = epoll();
  int ep2 = epoll();
  auto [a, w] = pipe();
  int b = static_cast<int>(dup(a));
  EXPECT_EQ(add(ep1, a, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(ep1, b, kEPOLLIN, 2), 0);
  EXPECT_EQ(add(ep2, a, kEPOLLIN | kEPOLLET, 3), 0);
  EXPECT_EQ(close(a), 0);
  EXPECT_EQ(k.epoll_watches(), 3);
  EXPECT_EQ(watchers_of(b), 3u);
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(ep1), "(2:IN) (1:IN)");
  EXPECT_EQ(wait(ep2), "(3:IN)");
  EXPECT_EQ(close(b), 0);
  EXPECT_EQ(fdinfo(ep1), "");
  EXPECT_EQ(fdinfo(ep2), "");
  EXPECT_EQ(k.epoll_watches(), 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 0u);
  EXPECT_EQ(wait(ep1), "");
  // The write end saw its reader go away; nothing else of the pipe is left.
  EXPECT_EQ(write(w, 1), -kEPIPE);
}

TEST_F(DupCloseTest, SameFdNumberForTwoFilesAfterReuse) {
  // C2.6 and F1: "(file1, 3) and (file2, 3)" — fdinfo showed two `tfd: 3` lines.
  auto [a, aw] = pipe();
  int keep = static_cast<int>(dup(a));
  int ep = epoll();
  EXPECT_EQ(add(ep, a, kEPOLLIN, 1), 0);
  EXPECT_EQ(close(a), 0);
  auto [n, nw] = pipe();
  EXPECT_EQ(n, a);
  EXPECT_EQ(add(ep, n, kEPOLLIN, 2), 0);
  Snapshot s = snapshot();
  const EpItemView* first = item_view(s, ep, 1);
  const EpItemView* second = item_view(s, ep, 2);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->fd, a);
  EXPECT_EQ(second->fd, a);
  EXPECT_NE(first->file, second->file);
  // Each item reports for its own file; DEL through the number reaches only the current file.
  EXPECT_EQ(write(nw, 1), 1);
  EXPECT_EQ(wait(ep), "(2:IN)");
  EXPECT_EQ(write(aw, 1), 1);
  EXPECT_EQ(wait(ep), "(2:IN) (1:IN)");
  EXPECT_EQ(del(ep, n), 0);
  EXPECT_EQ(fdinfo(ep), "tfd:        3 events:       19 data:                1");
  EXPECT_EQ(del(ep, n), -kENOENT);
  EXPECT_EQ(close(keep), 0);
  EXPECT_EQ(fdinfo(ep), "");
}

TEST_F(DupCloseTest, ClosingAnEpollFreesItsItems) {
  // C2.6: the epoll file's release (ep_clear_and_put) unhooks and frees every item.
  int ep = epoll();
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  EXPECT_EQ(add(ep, r1, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(ep, w1, kEPOLLOUT, 2), 0);
  EXPECT_EQ(add(ep, r2, kEPOLLIN | kEPOLLEXCLUSIVE, 3), 0);
  EXPECT_EQ(write(w2, 1), 1);
  EXPECT_EQ(k.epoll_watches(), 3);
  EXPECT_EQ(queued_entries_of(r1) + queued_entries_of(w1) + queued_entries_of(r2), 3u);
  EXPECT_EQ(close(ep), 0);
  EXPECT_EQ(k.epoll_watches(), 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 0u);
  for (int fd : {r1, w1, r2}) {
    EXPECT_EQ(watchers_of(fd), 0u) << fd;
    EXPECT_EQ(queued_entries_of(fd), 0u) << fd;
  }
  // The files themselves are untouched.
  EXPECT_EQ(read(r2, 10), 1);
  EXPECT_EQ(write(w1, 1), 1);
}

TEST_F(DupCloseTest, ClosingAnEpollThroughOneOfTwoFdsKeepsIt) {
  int ep = epoll();
  int d = static_cast<int>(dup(ep));
  auto [r, w] = pipe();
  EXPECT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  EXPECT_EQ(close(ep), 0);
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(d), "(1:IN)");
  EXPECT_EQ(close(d), 0);
  EXPECT_EQ(k.epoll_watches(), 0);
}

TEST_F(DupCloseTest, EventpollReleaseRunsBeforeTheFilesOwnRelease) {
  // C2.6 / E4, with a pipe: the write end's last close removes the items watching the write end
  // first, then pipe_release wakes both queues (key 0, _all). The read end's item hears it
  // (IN|HUP, as in P2's "close write end"); the write end's own item is already gone.
  int ep = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(add(ep, w, kEPOLLOUT | kEPOLLET, 2), 0);
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep), "(2:OUT) (1:IN)");
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(close(w), 0);
  EXPECT_EQ(fdinfo(ep), "tfd:        4 events: 80000019 data:                1");
  EXPECT_EQ(wait(ep), "(1:IN|HUP)");
  EXPECT_EQ(wait(ep), "");
}

TEST_F(DupCloseTest, E4EventfdCloseDeliversNothing) {
  // [E4] after close(eventfd) → 0: eventfd_release's EPOLLHUP finds no item left.
  int ep = epoll();
  int e = eventfd();
  EXPECT_EQ(add(ep, e, kEPOLLIN, 1), 0);
  EXPECT_EQ(close(e), 0);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(fdinfo(ep), "");
}

// close_range (for the tracer of issue 15: a program's close_range is mirrored as one call),
// checked on this machine's kernel with a C probe: with pipe 3/4 and epoll 5 watching 3 (data 1,
// one byte written) — bad flags and first > last give EINVAL, a range past the table 0;
// CLOSE_RANGE_CLOEXEC(3, 4) leaves F_GETFD 1 1 for 3 and 4 and 0 for 5; after dup(3) = 6,
// close_range(3, 4) closes both (fcntl(3) EBADF) and epoll_wait still reports 1 item (the read
// end is open through 6); after close(6) it reports 0; the next pipe gets 3 and 4.
TEST_F(DupCloseTest, CloseRangeClosesInOrderOrMarksCloseOnExec) {
  auto [r, w] = pipe();
  int ep = epoll();
  ASSERT_EQ(r, 3);
  ASSERT_EQ(ep, 5);
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  ASSERT_EQ(write(w, 1), 1);
  EXPECT_EQ(ret(checked(k.close_range(main(), 3, 4, 8))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.close_range(main(), 4, 3, 0))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.close_range(main(), 100, 200, 0))), 0);
  EXPECT_EQ(ret(checked(k.close_range(main(), 3, 4, kCLOSE_RANGE_CLOEXEC))), 0);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 3, kF_GETFD, 0))), kFD_CLOEXEC);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 4, kF_GETFD, 0))), kFD_CLOEXEC);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 5, kF_GETFD, 0))), 0);
  EXPECT_EQ(dup(r), 6);
  EXPECT_EQ(ret(checked(k.close_range(main(), 3, 4, 0))), 0);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 3, kF_GETFD, 0))), -kEBADF);
  EXPECT_EQ(wait(ep), "(1:IN|HUP)");  // the write end went with 4
  EXPECT_EQ(close(6), 0);
  EXPECT_EQ(wait(ep), "");
  auto [r2, w2] = pipe();
  EXPECT_EQ(r2, 3);
  EXPECT_EQ(w2, 4);
  EXPECT_EQ(ret(checked(k.close_range(main(), 3, 3, kCLOSE_RANGE_UNSHARE))), 0);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 3, kF_GETFD, 0))), -kEBADF);
  EXPECT_EQ(ret(checked(k.close_range(main(), 3, ~0u, 0))), 0);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 5, kF_GETFD, 0))), -kEBADF);
  EXPECT_EQ(k.epitems_in_use(), 0u);
}

}  // namespace
}  // namespace epollscope::sim::testing
