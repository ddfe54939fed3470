// SPDX-License-Identifier: GPL-2.0-only
// Every errno of epoll_create, epoll_ctl and epoll_wait, in the kernel's order of checks: the
// lines of the t_errno and t_extra (Z1) probes of docs/kernel-notes.md, and for each pair of
// errors that can apply at once, which one the kernel reports (kernel-notes C4.1 to C4.3: the
// first row that matches wins). The stored masks that fdinfo prints are read through snapshots.
//
// Not modelled, so left out: O_PATH fds (EBADF), mmap on an epfd (ENODEV), epoll_pwait/epoll_pwait2
// argument checks, ENOMEM/ENFILE, and pollable procfs/sysfs files (t_fs). Signals (EINTR) are in
// tests/sim/observed_test.cpp (Kernel::interrupt, kernel-notes M1 and M2).
#include <climits>

#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

constexpr EpollEvent kEv{kEPOLLIN, 0};

class ErrnoTest : public CallProbeTest {
 protected:
  // The stored mask of the item of `epfd` registered under fd `tfd`, as fdinfo's "events:" shows.
  poll_t stored_events(int epfd, int tfd) {
    Snapshot s = snapshot();
    const EventPollView* e = epoll_view(s, epfd);
    for (uint32_t id : e ? e->rbr : std::vector<uint32_t>{})
      if (s.item(id)->fd == tfd) return s.item(id)->events;
    ADD_FAILURE() << "fd " << tfd << " is not registered in epoll fd " << epfd;
    return 0;
  }
};

// --- C4.1 epoll_create / epoll_create1 -----------------------------------------------------------

TEST_F(ErrnoTest, EpollCreateSizeMustBePositiveAndIsOtherwiseIgnored) {
  // [t_errno] epoll_create(0) / (-1) = EINVAL; epoll_create(1) and (INT32_MAX) succeed.
  EXPECT_EQ(ret(checked(k.epoll_create(main(), 0))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.epoll_create(main(), -1))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.epoll_create(main(), 1))), 3);
  EXPECT_EQ(ret(checked(k.epoll_create(main(), INT_MAX))), 4);
}

TEST_F(ErrnoTest, EpollCreate1AcceptsOnlyCloexec) {
  // [t_errno] epoll_create1(0) and (EPOLL_CLOEXEC) succeed; O_NONBLOCK, 1 and -1 are EINVAL.
  long plain = ret(checked(k.epoll_create1(main(), 0)));
  long e = ret(checked(k.epoll_create1(main(), kEPOLL_CLOEXEC)));
  ASSERT_GE(plain, 0);
  ASSERT_GE(e, 0);
  EXPECT_FALSE(k.fd_table()[plain].cloexec);
  // fcntl(e, F_GETFD) & FD_CLOEXEC = 1; fcntl(e, F_GETFL) & O_ACCMODE = 2 (O_RDWR).
  EXPECT_TRUE(k.fd_table()[e].cloexec);
  Snapshot s = snapshot();
  EXPECT_EQ(s.file_of_fd(static_cast<int>(e))->f_flags & kO_ACCMODE, kO_RDWR);
  EXPECT_EQ(ret(checked(k.epoll_create1(main(), kO_NONBLOCK))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.epoll_create1(main(), 1))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.epoll_create1(main(), -1))), -kEINVAL);
}

TEST_F(ErrnoTest, EmfileOnlyAfterTheArgumentChecks) {
  // [t_errno] RLIMIT_NOFILE soft = 3, fds 0..2 open: epoll_create1(0) and epoll_create(5) = EMFILE.
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 3))), 0);
  EXPECT_EQ(ret(checked(k.epoll_create1(main(), 0))), -kEMFILE);
  EXPECT_EQ(ret(checked(k.epoll_create(main(), 5))), -kEMFILE);
  // C4.1: the argument checks (row 1) come before the fd allocation (row 3).
  EXPECT_EQ(ret(checked(k.epoll_create(main(), 0))), -kEINVAL);
  EXPECT_EQ(ret(checked(k.epoll_create1(main(), kO_NONBLOCK))), -kEINVAL);
  EXPECT_TRUE(k.files().size() == 3u) << "a failed epoll_create must not leave a file behind";
}

// --- C4.2 epoll_ctl ----------------------------------------------------------------------------

TEST_F(ErrnoTest, EpollCtlLinesOfTErrno) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  int reg = static_cast<int>(open_file("file"));
  int dir = static_cast<int>(open_file("dir"));
  int devnull = static_cast<int>(open_file("/dev/null"));
  // [t_errno] in the probe's order.
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_ADD, -1, std::nullopt), -kEFAULT);
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_ADD, -1, kEv), -kEBADF);
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_DEL, -1, std::nullopt), -kEBADF);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, -1, kEv), -kEBADF);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, 999, kEv), -kEBADF);
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, reg, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, p1, kEv), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, ep, kEv), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, reg, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, dir, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, devnull, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, reg, std::nullopt), -kEPERM);
  EXPECT_EQ(ctl_raw(ep, 99, p0, kEv), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, 99, p0, std::nullopt), -kEFAULT);
  EXPECT_EQ(ctl_raw(ep, 0, p0, kEv), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, 99, reg, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_MOD, p0, kEv), -kENOENT);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, p0, std::nullopt), -kENOENT);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p0, kEv), 0);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p0, kEv), -kEEXIST);
  // DEL never reads the event: a bad pointer, (void*)1 in the probe, is fine.
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, p0, std::nullopt), 0);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p0, std::nullopt), -kEFAULT);
  EXPECT_EQ(k.epoll_watches(), 0);
}

TEST_F(ErrnoTest, EveryOpButDelCopiesTheEventFirst) {
  // C4.2 row 0 before rows 1-3 and 5: a NULL event wins over every fd problem, for ADD, MOD and
  // invalid ops alike; DEL skips the copy, so its fd checks decide.
  int ep = epoll();
  auto [p0, p1] = pipe();
  int reg = static_cast<int>(open_file("file"));
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_ADD, -1, std::nullopt), -kEFAULT);  // [t_errno]
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_MOD, reg, std::nullopt), -kEFAULT);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, reg, std::nullopt), -kEFAULT);
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, p1, std::nullopt), -kEFAULT);
  EXPECT_EQ(ctl_raw(ep, 99, p0, std::nullopt), -kEFAULT);  // [t_errno]
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_DEL, reg, std::nullopt), -kEBADF);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, reg, std::nullopt), -kEPERM);  // [t_errno]
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_DEL, p1, std::nullopt), -kEINVAL);
}

TEST_F(ErrnoTest, FdChecksComeInTheKernelsOrder) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  int reg = static_cast<int>(open_file("file"));
  // Rows 1/2 (EBADF) before row 3 (EPERM): a closed epfd with a non-pollable target.
  EXPECT_EQ(ctl_raw(-1, kEPOLL_CTL_ADD, reg, kEv), -kEBADF);
  // Row 2 (EBADF of fd) before row 5 ("epfd is not an epoll").
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, 999, kEv), -kEBADF);
  // Row 3 (EPERM) before row 5: [t_errno] epoll_ctl(p[0], ADD, reg) = EPERM, (p[0], ADD, p[1]) =
  // EINVAL.
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, reg, kEv), -kEPERM);
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_ADD, p1, kEv), -kEINVAL);
  // Row 3 before the invalid-op EINVAL: [t_errno] epoll_ctl(ep, 99, reg, &ev) = EPERM.
  EXPECT_EQ(ctl_raw(ep, 99, reg, kEv), -kEPERM);
  // Row 5 before the EXCLUSIVE rules and before ENOENT: not-an-epoll with MOD|EXCLUSIVE.
  EXPECT_EQ(ctl_raw(p0, kEPOLL_CTL_MOD, p1, EpollEvent{kEPOLLIN | kEPOLLEXCLUSIVE, 0}), -kEINVAL);
  // An epoll with itself (row 5) comes before EEXIST/ENOENT and the loop check.
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, ep, std::nullopt), -kEINVAL);
  EXPECT_EQ(k.epoll_watches(), 0);
}

TEST_F(ErrnoTest, ExclusiveRules) {
  int ep = epoll();
  int inner = epoll();
  auto [p0, p1] = pipe();
  auto [q0, q1] = pipe();
  const EpollEvent ex{kEPOLLIN | kEPOLLEXCLUSIVE, 0};
  // [t_errno] MOD with EXCLUSIVE on an unregistered fd: EINVAL, not ENOENT (row 6 before 9').
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_MOD, p1, ex), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p1, ex), 0);
  // Already registered, but EXCLUSIVE|ONESHOT: EINVAL, not EEXIST (row 6 before 9).
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p1, EpollEvent{ex.events | kEPOLLONESHOT, 0}), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, p1, ex), -kEEXIST);
  // [t_errno] four combinations refused on q[0] (C4.2 row 6: ONESHOT, RDHUP, PRI, RDNORM), then
  // the plain one accepted.
  for (poll_t bad : {kEPOLLONESHOT, kEPOLLRDHUP, kEPOLLPRI, kEPOLLRDNORM})
    EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, q0, EpollEvent{ex.events | bad, 0}), -kEINVAL)
        << mask_to_string(bad);
  // Every bit of EPOLLEXCLUSIVE_OK_BITS is accepted.
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, q0,
                    EpollEvent{kEPOLLIN | kEPOLLOUT | kEPOLLERR | kEPOLLHUP | kEPOLLWAKEUP |
                                   kEPOLLET | kEPOLLEXCLUSIVE,
                               0}),
            0);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_MOD, q0, ex), -kEINVAL);
  // C4.2 row 10': an item added with EXCLUSIVE cannot be modified even without the bit.
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_MOD, q0, kEv), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_DEL, q0, std::nullopt), 0);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, q0, ex), 0);
  // Never on an epoll target; without the bit the same ADD works.
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, inner, ex), -kEINVAL);
  EXPECT_EQ(ctl_raw(ep, kEPOLL_CTL_ADD, inner, kEv), 0);
  // An invalid op carrying EXCLUSIVE passes row 6 and fails as an invalid op (EINVAL either way).
  EXPECT_EQ(ctl_raw(ep, 99, q1, ex), -kEINVAL);
  EXPECT_EQ(k.epoll_watches(), 3);
}

TEST_F(ErrnoTest, StoredMasksAsFdinfoShowsThem) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  // [t_errno] "fdinfo after ADD p[0] with EPOLLIN (note ERR|HUP added) and p[1] EXCL":
  // 10000019 = IN|ERR|HUP|EXCLUSIVE, 9000001d = IN|OUT|ERR|HUP|EXCLUSIVE|ET (WAKEUP stripped).
  EXPECT_EQ(add(ep, p0, kEPOLLIN | kEPOLLEXCLUSIVE, 0), 0);
  EXPECT_EQ(add(ep, p1, kEPOLLIN | kEPOLLOUT | kEPOLLEXCLUSIVE | kEPOLLET | kEPOLLWAKEUP, 0), 0);
  EXPECT_EQ(stored_events(ep, p0), 0x10000019u);
  EXPECT_EQ(stored_events(ep, p1), 0x9000001du);
  // [t_errno] e2: events = 0 → 18 (ERR|HUP), events = IN|WAKEUP → 19 (no CONFIG_PM_SLEEP).
  int e2 = epoll();
  auto [q0, q1] = pipe();
  EXPECT_EQ(add(e2, q0, 0, 0), 0);
  EXPECT_EQ(add(e2, q1, kEPOLLIN | kEPOLLWAKEUP, 0), 0);
  EXPECT_EQ(stored_events(e2, q0), 0x18u);
  EXPECT_EQ(stored_events(e2, q1), 0x19u);
}

TEST_F(ErrnoTest, TExtraDupOfEpfdAndUnvalidatedBits) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  (void)p1;
  int d = static_cast<int>(dup(ep));
  // [Z1] an epoll cannot watch itself through a dup (same struct file).
  EXPECT_EQ(add(ep, d, kEPOLLIN, 0), -kEINVAL);
  // ADD through the dup, then the same ADD through the original: the same instance → EEXIST.
  EXPECT_EQ(add(d, p0, kEPOLLIN, 0), 0);
  EXPECT_EQ(add(ep, p0, kEPOLLIN, 0), -kEEXIST);
  EXPECT_EQ(mod(ep, p0, kEPOLLIN | kEPOLLEXCLUSIVE, 0), -kEINVAL);
  // Unknown bits are not validated: 0xefffffff is stored as cfffffff (WAKEUP stripped).
  EXPECT_EQ(mod(ep, p0, 0xefffffffu, 0), 0);
  EXPECT_EQ(stored_events(ep, p0), 0xcfffffffu);
  EXPECT_EQ(mod(ep, p0, kEPOLLIN | 0x00400000u, 0), 0);
  EXPECT_EQ(stored_events(ep, p0), 0x400019u);
}

TEST_F(ErrnoTest, ReadAndWriteOnAnEpfd) {
  // [t_errno] read(ep, b, 8) = EINVAL, write(ep, b, 8) = EINVAL (eventpoll_fops has neither).
  int ep = epoll();
  EXPECT_EQ(read(ep, 8), -kEINVAL);
  EXPECT_EQ(write(ep, 8), -kEINVAL);
}

TEST_F(ErrnoTest, EnospcAtMaxUserWatches) {
  // C4.2 row 10 / C2.12: the creator's watch count is checked (>= max → ENOSPC) before the insert.
  int ep = epoll();
  int ep2 = epoll();
  auto [a0, a1] = pipe();
  auto [b0, b1] = pipe();
  k.set_max_user_watches(2);
  EXPECT_EQ(add(ep, a0, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(ep, a1, kEPOLLOUT, 2), 0);
  EXPECT_EQ(add(ep, b0, kEPOLLIN, 3), -kENOSPC);
  // The count is per user, over every epoll instance.
  EXPECT_EQ(add(ep2, b0, kEPOLLIN, 3), -kENOSPC);
  // EEXIST (row 9) comes before ENOSPC (row 10); MOD and DEL are not charged.
  EXPECT_EQ(add(ep, a0, kEPOLLIN, 1), -kEEXIST);
  EXPECT_EQ(mod(ep, a0, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(k.epoll_watches(), 2);
  EXPECT_EQ(del(ep, a1), 0);
  EXPECT_EQ(add(ep2, b0, kEPOLLIN, 3), 0);
  EXPECT_EQ(add(ep2, b1, kEPOLLOUT, 4), -kENOSPC);
  // Closing a watched file gives its watch back.
  EXPECT_EQ(close(a0), 0);
  EXPECT_EQ(k.epoll_watches(), 1);
  EXPECT_EQ(add(ep2, b1, kEPOLLOUT, 4), 0);
  EXPECT_EQ(wait(ep2), "(4:OUT)");
}

TEST_F(ErrnoTest, EloopComesBeforeEnospc) {
  // C4.2 row 8 before row 10: a loop is refused as ELOOP even when no watch is left.
  int a = epoll();
  int b = epoll();
  EXPECT_EQ(add(a, b, kEPOLLIN, 0), 0);
  k.set_max_user_watches(1);
  EXPECT_EQ(add(b, a, kEPOLLIN, 0), -kELOOP);
  int c = epoll();
  EXPECT_EQ(add(b, c, kEPOLLIN, 0), -kENOSPC);
}

// --- C4.3 epoll_wait ---------------------------------------------------------------------------

TEST_F(ErrnoTest, EpollWaitLinesOfTErrno) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  // [t_errno] in the probe's order.
  EXPECT_EQ(wait_ret(-1, 0), -kEBADF);
  EXPECT_EQ(wait_ret(999, 1), -kEBADF);
  EXPECT_EQ(wait_ret(p0, 1), -kEINVAL);
  EXPECT_EQ(wait_ret(ep, 0), -kEINVAL);
  EXPECT_EQ(wait_ret(ep, -1), -kEINVAL);
  EXPECT_EQ(wait_ret(ep, INT_MAX / 12 + 1), -kEINVAL);
  EXPECT_EQ(wait_ret(ep, INT_MAX / 12), 0);
  EXPECT_EQ(wait_ret(p0, 1, 0, UserBuffer::kFailsAccessOk), -kEFAULT);
  EXPECT_EQ(wait_ret(p0, 0), -kEINVAL);
  EXPECT_EQ(add(ep, p0, kEPOLLIN, 0), 0);
  // NULL passes access_ok: nothing ready → 0; something ready → EFAULT when it is copied.
  EXPECT_EQ(wait_ret(ep, 1, 0, UserBuffer::kFaultsOnCopy), 0);
  EXPECT_EQ(write(p1, 1), 1);
  EXPECT_EQ(wait_ret(ep, 1, 0, UserBuffer::kFaultsOnCopy), -kEFAULT);
  EXPECT_EQ(wait_ret(ep, 1, 0), 1);
  EXPECT_EQ(wait_ret(ep, 1, -1), 1);
}

TEST_F(ErrnoTest, EpollWaitCheckOrder) {
  int ep = epoll();
  auto [p0, p1] = pipe();
  (void)p1;
  // Row 1 (EBADF) before row 2 (maxevents): [t_errno] epoll_wait(-1, evs, 0, 0) = EBADF.
  EXPECT_EQ(wait_ret(-1, 0), -kEBADF);
  // Row 1 before row 3 (access_ok).
  EXPECT_EQ(wait_ret(-1, 1, 0, UserBuffer::kFailsAccessOk), -kEBADF);
  // Row 2 before row 3: a bad maxevents with a kernel-address buffer is EINVAL.
  EXPECT_EQ(wait_ret(ep, 0, 0, UserBuffer::kFailsAccessOk), -kEINVAL);
  EXPECT_EQ(wait_ret(p0, -1, 0, UserBuffer::kFailsAccessOk), -kEINVAL);
  // Row 3 before row 4: [t_errno] a kernel address with a pipe as epfd → EFAULT, not "not an
  // epoll".
  EXPECT_EQ(wait_ret(p0, 1, 0, UserBuffer::kFailsAccessOk), -kEFAULT);
  // access_ok fails even with nothing to copy, unlike a NULL buffer.
  EXPECT_EQ(wait_ret(ep, 1, 0, UserBuffer::kFailsAccessOk), -kEFAULT);
  EXPECT_EQ(wait_ret(ep, 1, 0, UserBuffer::kFaultsOnCopy), 0);
}

TEST_F(ErrnoTest, FaultingCopyLeavesTheItemAtTheHead) {
  // C4.3 row 6 / C2.8: the item whose copy faulted goes back to the front; nothing is lost.
  int ep = epoll();
  auto [a0, a1] = pipe();
  auto [b0, b1] = pipe();
  EXPECT_EQ(add(ep, a0, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(ep, b0, kEPOLLIN | kEPOLLET, 2), 0);
  EXPECT_EQ(write(b1, 1), 1);
  EXPECT_EQ(write(a1, 1), 1);
  EXPECT_EQ(rdllist(ep), "2 1");
  EXPECT_EQ(wait_ret(ep, 64, 0, UserBuffer::kFaultsOnCopy), -kEFAULT);
  EXPECT_EQ(rdllist(ep), "2 1");
  // The ET item was not consumed by the failed call.
  EXPECT_EQ(wait(ep, 1), "(2:IN)");
  EXPECT_EQ(wait(ep), "(1:IN)");
  EXPECT_EQ(wait(ep), "(1:IN)");
}

// --- ELOOP before EEXIST ------------------------------------------------------------------------
// C4.2 row 8 before row 9. Under the 6.18 rules no registered link can become part of a too-deep
// chain (every later link checks the chains through it), so the case needs the pre-6.17 rule,
// which checks only the depth below the added epoll and lets a chain built top-down grow past 4
// links (kernel-notes C2.11 and C0.1, f2e467a48287). Re-adding its first link then walks 6 levels
// down.
class ErrnoTest613 : public CallProbeTest {
 protected:
  ErrnoTest613() : CallProbeTest(profile_named("6.13")) {}
};

TEST_F(ErrnoTest613, EloopComesBeforeEexist) {
  std::vector<int> e;
  for (int i = 0; i < 8; ++i)
    e.push_back(epoll());
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), 0) << "link " << i;
  EXPECT_EQ(add(e[6], e[7], kEPOLLIN, 6), -kEEXIST);
  EXPECT_EQ(add(e[0], e[1], kEPOLLIN, 0), -kELOOP);
}

}  // namespace
}  // namespace epollscope::sim::testing
