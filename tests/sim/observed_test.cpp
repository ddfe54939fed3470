// SPDX-License-Identifier: GPL-2.0-only
// Observed files (sim/observed.h) and signals (Kernel::interrupt): what the tracer of a real
// program (issue 15) hands the model. The tracer reports a real file's poll mask and each wake-up
// of it; everything epoll does with them is the model's.
//
//   ET/LT/keys/ONESHOT:  epoll ── item ── observed file (TCP to another program) ── wq ◄── tracer
//   batch:               t1 ── ep->wq ── epoll ── items 1, 2 ── observed a, b ◄── 2 wake-ups
//   EXCLUSIVE:           t1 ── ep1 ── item (excl) ──┐
//                        t2 ── ep2 ── item (excl) ──┴── observed file wq
//   nested:              t1 ── outer epoll ── inner epoll ── observed file
//   signals:             t1 asleep in epoll_wait / read / write ◄── interrupt
#include <algorithm>
#include <initializer_list>
#include <stdexcept>

#include "model_fixture.h"
#include "sim/text_view.h"

namespace epollscope::sim::testing {
namespace {

constexpr const char* kTcpLabel = "TCP 127.0.0.1:7000 ⇄ 127.0.0.1:53422";

class ObservedTest : public CallProbeTest {
 protected:
  // install_observed at `fd`; the fd or -errno.
  long observe(int fd, const char* label = kTcpLabel, poll_t mask = 0, int flags = kO_RDWR) {
    return ret(checked(k.install_observed(main(), fd, label, flags, mask)));
  }
  void set_mask(int fd, poll_t mask) {
    k.set_observed_mask(fd, mask);
    expect_invariants();
  }
  void wake(const std::vector<std::pair<int, poll_t>>& wakes) {
    k.observed_wakeups(main(), wakes);
    expect_invariants();
  }
  bool interrupt(Task& t) {
    const bool r = k.interrupt(t);
    expect_invariants();
    return r;
  }
  // The one completion of `t` since the last call, as "-EINTR" or the count.
  std::string completion_of(const Task& t) {
    std::vector<Completion> done = k.take_completions();
    if (done.size() != 1 || done[0].task != t.id) return cat(done.size(), " completions");
    const SysResult& r = done[0].result;
    return r.ret < 0 ? cat("-", errno_name(r.err)) : std::to_string(r.ret);
  }
  // Whether `names` appear in the trace since the last clear_functions(), in this order.
  bool traced_in_order(std::initializer_list<const char*> names) const {
    auto at = functions().begin();
    for (const char* name : names) {
      at = std::find(at, functions().end(), name);
      if (at == functions().end()) return false;
      ++at;
    }
    return true;
  }
  // The entries of the wait queues of the file at `fd`, all queues together.
  std::size_t queued_on(int fd) const {
    Snapshot s = snapshot();
    const FileView* f = s.file_of_fd(fd);
    std::size_t n = 0;
    for (const WaitQueueView& q : f ? f->queues : std::vector<WaitQueueView>{})
      n += q.entries.size();
    return n;
  }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] the file itself
// ---------------------------------------------------------------------------------------------

TEST_F(ObservedTest, IsInstalledAtItsFdAndShowsInSnapshots) {
  ASSERT_EQ(observe(5, kTcpLabel, kEPOLLOUT), 5);
  ObservedFile* f = k.observed_at(5);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, FileKind::kObserved);
  EXPECT_STREQ(file_kind_name(f->kind), "observed");
  EXPECT_EQ(f->label, kTcpLabel);
  EXPECT_EQ(f->peek_poll(), kEPOLLOUT);
  EXPECT_EQ(poll_fd(5), kEPOLLOUT);
  EXPECT_EQ(k.observed_at(0), nullptr);  // stdin: a file the model made
  EXPECT_EQ(k.observed_at(6), nullptr);  // nothing there

  set_mask(5, kEPOLLIN | kEPOLLOUT);
  EXPECT_EQ(poll_fd(5), kEPOLLIN | kEPOLLOUT);
  Snapshot s = snapshot();
  const FileView* v = s.file_of_fd(5);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->kind, FileKind::kObserved);
  EXPECT_EQ(v->mask, kEPOLLIN | kEPOLLOUT);
  EXPECT_EQ(v->queues.size(), 1u);
  std::string text;
  for (const std::string& line : render_state(s))
    text += line + "\n";
  EXPECT_NE(text.find(cat(kTcpLabel, " (fd 5)\n  poll     IN|OUT\n  observed ")), std::string::npos)
      << text;

  // Control characters of a label (a path from /proc) do not reach a terminal.
  ASSERT_EQ(observe(6, "/tmp/a\x1b[2Jb"), 6);
  EXPECT_EQ(k.observed_at(6)->label, "/tmp/a?[2Jb");
}

TEST_F(ObservedTest, ReadWriteAndIoctlAreNotSimulated) {
  ASSERT_EQ(observe(3), 3);
  EXPECT_EQ(read(3, 10), -kEINVAL);
  EXPECT_EQ(write(3, 10), -kEINVAL);
  EXPECT_EQ(ret(checked(k.ioctl(main(), 3, kFIONREAD, 0, false))), -kEINVAL);
}

TEST_F(ObservedTest, MistakesOfTheTracerThrowAndChangeNothing) {
  int ep = epoll();
  ASSERT_EQ(observe(4), 4);
  ASSERT_EQ(add(ep, 4, kEPOLLIN, 1), 0);
  set_mask(4, kEPOLLIN);
  EXPECT_THROW(k.set_observed_mask(ep, kEPOLLIN), std::invalid_argument);
  EXPECT_THROW(k.set_observed_mask(9, kEPOLLIN), std::invalid_argument);
  // The first wake-up is valid, the second is not: neither happens.
  EXPECT_THROW(k.observed_wakeups(main(), {{4, kEPOLLIN}, {0, kEPOLLIN}}), std::invalid_argument);
  EXPECT_EQ(rdllist(ep), "");
  expect_invariants();
}

TEST_F(ObservedTest, AWakeUpIsTracedUnderTheRealKernelFunctionThatIssuedIt) {
  int ep = epoll();
  ASSERT_EQ(observe(4), 4);
  ASSERT_EQ(add(ep, 4, kEPOLLIN | kEPOLLET, 1), 0);
  set_mask(4, kEPOLLIN);
  clear_functions();
  k.observed_wakeups(main(), {Kernel::ObservedWakeup(4, kEPOLLIN, "sock_def_readable"),
                              Kernel::ObservedWakeup(4, kEPOLLIN, "a wake-up; not a name")});
  expect_invariants();
  EXPECT_TRUE(traced_in_order({"observed_wakeups", "sock_def_readable", "__wake_up_common",
                               "ep_poll_callback", "__wake_up", "__wake_up_common"}));
  EXPECT_EQ(wait(ep), "(1:IN)");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] fd numbers
// ---------------------------------------------------------------------------------------------

TEST_F(ObservedTest, FdNumbersAfterInstall) {
  // An fd inherited at start, above the lowest free number: the next file still gets fd 3.
  ASSERT_EQ(observe(10, "/dev/pts/1", kEPOLLOUT), 10);
  auto [r, w] = pipe();
  EXPECT_EQ(r, 3);
  EXPECT_EQ(w, 4);
  // At the lowest free number: the next file gets the one after it.
  ASSERT_EQ(observe(5, "timerfd"), 5);
  EXPECT_EQ(eventfd(), 6);
  EXPECT_EQ(dup(10), 7);
  // The table grows to hold a far fd (above the soft RLIMIT_NOFILE too: the real kernel gave it).
  k.set_nofile_limits(RlimitNofile{64, 4096, 1 << 20});
  ASSERT_EQ(observe(2000, "UDP 0.0.0.0:5353"), 2000);
  EXPECT_GE(k.fd_table().size(), 2001u);
  EXPECT_NE(k.observed_at(2000), nullptr);
  EXPECT_EQ(eventfd(), 8);
  // Numbers no real process can have.
  EXPECT_EQ(observe(-1), -kEBADF);
  EXPECT_EQ(observe(1 << 20), -kEBADF);
  // O_CLOEXEC goes to the fd table, not to f_flags.
  ASSERT_EQ(observe(9, "inotify", 0, kO_RDONLY | kO_NONBLOCK | kO_CLOEXEC), 9);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 9, kF_GETFD, 0))), kFD_CLOEXEC);
  EXPECT_EQ(ret(checked(k.fcntl(main(), 9, kF_GETFL, 0))), kO_RDONLY | kO_NONBLOCK);
}

TEST_F(ObservedTest, InstallOverARegisteredFdClosesItAsDup2Would) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  ASSERT_EQ(write(w, 10), 10);
  EXPECT_EQ(rdllist(ep), "1");
  EXPECT_EQ(k.epitems_in_use(), 1u);
  // The real program's fd r now holds another file (a call the model did not mirror): the pipe's
  // read end had its last reference there, so eventpoll_release removes its epitem.
  clear_functions();
  ASSERT_EQ(observe(r, "timerfd"), r);
  EXPECT_TRUE(
      traced_in_order({"install_observed", "fd_install", "do_dup2", "eventpoll_release_file",
                       "__ep_remove", "pipe_release", "syscall"}));
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(rdllist(ep), "");
  EXPECT_EQ(wait(ep), "");
  EXPECT_NE(k.observed_at(r), nullptr);
  EXPECT_EQ(write(w, 1), -kEPIPE);  // no reader left
  // The new file at r is registered anew.
  EXPECT_EQ(add(ep, r, kEPOLLIN, 2), 0);
  EXPECT_EQ(fdinfo(ep),
            cat("tfd: ", std::string(7, ' '), r, " events:       19 data:                2"));
}

TEST_F(ObservedTest, InstallOverADuplicatedFdLeavesTheEpitemAsCloseWould) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN, 1), 0);
  long d = dup(r);
  ASSERT_GE(d, 0);
  ASSERT_EQ(observe(r), r);
  // The pipe's read end is still open through d: its epitem (keyed by file and fd r) stays, and
  // the fd r of EPOLL_CTL_DEL now names the observed file, which is not registered.
  EXPECT_EQ(k.epitems_in_use(), 1u);
  EXPECT_EQ(del(ep, r), -kENOENT);
  ASSERT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep), "(1:IN)");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] wake-ups: ET, LT, keys, ONESHOT
// ---------------------------------------------------------------------------------------------

TEST_F(ObservedTest, EdgeTriggeredQueuedByWakeUpsAndPolledAtHarvest) {
  int ep = epoll();
  int s = static_cast<int>(observe(4));
  ASSERT_EQ(add(ep, s, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "");
  // The mask changes without a wake-up: nothing is queued.
  set_mask(s, kEPOLLIN);
  EXPECT_EQ(rdllist(ep), "");
  EXPECT_EQ(wait(ep), "");
  // A wake-up: ep_poll_callback queues the item.
  clear_functions();
  wake({{s, kEPOLLIN}});
  EXPECT_TRUE(
      traced_in_order({"observed_wakeups", "__wake_up", "__wake_up_common", "ep_poll_callback"}));
  EXPECT_EQ(rdllist(ep), "1");
  EXPECT_EQ(wait(ep), "(1:IN)");
  EXPECT_EQ(wait(ep), "");  // ET: off the list until the next wake-up
  // Another wake-up, and the program's read empties the socket before the harvest: ep_send_events
  // polls 0 and drops the item unreported.
  wake({{s, kEPOLLIN}});
  set_mask(s, 0);
  EXPECT_EQ(rdllist(ep), "1");
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(rdllist(ep), "");
}

// Four observed sockets woken in turn, edge-triggered: rdllist holds their items in wake-up order.
class ObservedReadyOrderTest : public ObservedTest {
 protected:
  void SetUp() override {
    ep = epoll();
    for (int i = 0; i < 4; ++i) {
      fds[i] = static_cast<int>(observe(4 + i, kTcpLabel, kEPOLLIN));
      ASSERT_EQ(add(ep, fds[i], kEPOLLIN | kEPOLLET, static_cast<uint64_t>(i + 1)), 0);
    }
    // ep_insert polled IN: all four are queued already; a harvest takes them off (ET).
    EXPECT_EQ(wait(ep), "(1:IN) (2:IN) (3:IN) (4:IN)");
    wake({{fds[0], kEPOLLIN}, {fds[1], kEPOLLIN}, {fds[2], kEPOLLIN}, {fds[3], kEPOLLIN}});
    EXPECT_EQ(rdllist(ep), "1 2 3 4");
  }
  int ep = -1;
  int fds[4] = {};
};

// The tracer learns at the next harvest that wake-ups came during the previous scan: as
// ep_done_scan left them, the items move from the tail to the head, the oldest first.
TEST_F(ObservedReadyOrderTest, LateScanWakeupsMoveToTheHeadOldestFirst) {
  clear_functions();
  EXPECT_TRUE(k.late_scan_wakeups(ep, {fds[2], fds[3]}));
  expect_invariants();
  EXPECT_TRUE(traced_in_order({"ep_done_scan", "ep_done_scan", "ep_done_scan"}));
  EXPECT_EQ(rdllist(ep), "3 4 1 2");
  EXPECT_EQ(wait(ep), "(3:IN) (4:IN) (1:IN) (2:IN)");
  // Nothing linked (ET: the harvest took them off), a non-epoll, no fds: nothing to do.
  EXPECT_FALSE(k.late_scan_wakeups(ep, {fds[0]}));
  EXPECT_FALSE(k.late_scan_wakeups(fds[0], {fds[1]}));
  EXPECT_FALSE(k.late_scan_wakeups(ep, {}));
  expect_invariants();
}

// Wake-ups that reached the tracer within one stop: the kernel's answer gives their order; the
// listed items take it among the places they hold, the others keep theirs.
TEST_F(ObservedReadyOrderTest, AdoptReadyOrderMovesOnlyTheListedItemsAmongTheirPlaces) {
  EXPECT_TRUE(k.adopt_ready_order(ep, {fds[3], fds[1]}));
  expect_invariants();
  EXPECT_EQ(rdllist(ep), "1 4 3 2");
  // Already in that order, or fewer than two listed: nothing moves.
  EXPECT_FALSE(k.adopt_ready_order(ep, {fds[3], fds[1]}));
  EXPECT_FALSE(k.adopt_ready_order(ep, {fds[2]}));
  EXPECT_EQ(rdllist(ep), "1 4 3 2");
  EXPECT_EQ(wait(ep), "(1:IN) (4:IN) (3:IN) (2:IN)");
  expect_invariants();
}

TEST_F(ObservedTest, LevelTriggeredRequeuedWhileTheMaskHasTheBits) {
  int ep = epoll();
  int s = static_cast<int>(observe(4, kTcpLabel, kEPOLLIN));
  // ep_insert polls the file: IN already, so the item is queued at once.
  ASSERT_EQ(add(ep, s, kEPOLLIN, 7), 0);
  EXPECT_EQ(rdllist(ep), "7");
  EXPECT_EQ(wait(ep), "(7:IN)");
  EXPECT_EQ(rdllist(ep), "7");  // LT: back at the tail
  EXPECT_EQ(wait(ep), "(7:IN)");
  // Only OUT now, which the item does not ask for: the next harvest drops it.
  set_mask(s, kEPOLLOUT);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(rdllist(ep), "");
  // IN again, with a wake-up: back, and re-queued at each harvest.
  set_mask(s, kEPOLLIN | kEPOLLOUT);
  wake({{s, kEPOLLIN}});
  EXPECT_EQ(wait(ep), "(7:IN)");
  EXPECT_EQ(wait(ep), "(7:IN)");
}

TEST_F(ObservedTest, AWakeUpWhoseKeyTheItemDoesNotWantQueuesNothing) {
  int ep = epoll();
  int s = static_cast<int>(observe(4));
  ASSERT_EQ(add(ep, s, kEPOLLIN | kEPOLLET, 1), 0);
  set_mask(s, kEPOLLIN | kEPOLLOUT);
  wake({{s, kEPOLLOUT | kEPOLLWRNORM}});  // sk_stream_write_space: room to write
  EXPECT_EQ(rdllist(ep), "");
  EXPECT_EQ(wait(ep), "");  // IN is in the mask, but nothing queued the item
  wake({{s, 0}});           // key 0: any event
  EXPECT_EQ(wait(ep), "(1:IN)");
  wake({{s, kEPOLLIN | kEPOLLRDNORM}});
  EXPECT_EQ(wait(ep), "(1:IN)");
}

TEST_F(ObservedTest, OneShotIsDisarmedByItsReportUntilMod) {
  int ep = epoll();
  int s = static_cast<int>(observe(4));
  ASSERT_EQ(add(ep, s, kEPOLLIN | kEPOLLONESHOT, 5), 0);
  set_mask(s, kEPOLLIN);
  wake({{s, kEPOLLIN}});
  EXPECT_EQ(wait(ep), "(5:IN)");
  wake({{s, kEPOLLIN}});  // disarmed: ep_poll_callback ignores it
  EXPECT_EQ(rdllist(ep), "");
  EXPECT_EQ(wait(ep), "");
  // EPOLL_CTL_MOD re-arms it, and ep_modify's poll finds IN.
  ASSERT_EQ(mod(ep, s, kEPOLLIN | kEPOLLONESHOT, 5), 0);
  EXPECT_EQ(wait(ep), "(5:IN)");
  EXPECT_EQ(wait(ep), "");
}

// A wake-up that the tracer reports while an epoll_wait is copying events out ("on another CPU":
// the scan hook) finds the scan running: ep_poll_callback chains the item on ovflist, and
// ep_done_scan moves it to the ready list at the head.
TEST_F(ObservedTest, AWakeUpDuringAScanGoesToTheOverflowList) {
  int ep = epoll();
  int e = eventfd(1);
  int s = static_cast<int>(observe(5));
  ASSERT_EQ(add(ep, e, kEPOLLIN, 1), 0);
  ASSERT_EQ(add(ep, s, kEPOLLIN, 2), 0);
  const Snapshot before = snapshot();
  const EventPollView* v = epoll_view(before, ep);
  ASSERT_NE(v, nullptr);
  Snapshot during;
  k.set_scan_hook(v->id, 1, [&](Kernel& kk) {
    kk.set_observed_mask(s, kEPOLLIN);
    kk.observed_wakeups(kk.main_task(), {{s, kEPOLLIN}});
    during = take_snapshot(kk, nullptr);
  });
  EXPECT_EQ(wait(ep), "(1:IN)");
  const EventPollView* d = epoll_view(during, ep);
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->scanning);
  EXPECT_EQ(data_of(during, d->ovflist), "2");
  EXPECT_EQ(rdllist(ep), "2 1");
  EXPECT_EQ(wait(ep), "(2:IN) (1:IN)");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] threads: one batch, EXCLUSIVE, nesting
// ---------------------------------------------------------------------------------------------

TEST_F(ObservedTest, TheWokenThreadRunsAfterEveryWakeUpOfTheBatch) {
  int ep = epoll();
  int a = static_cast<int>(observe(4, "timerfd"));
  int b = static_cast<int>(observe(5, kTcpLabel));
  ASSERT_EQ(add(ep, a, kEPOLLIN | kEPOLLET, 1), 0);
  ASSERT_EQ(add(ep, b, kEPOLLIN | kEPOLLET, 2), 0);
  Task& t1 = k.create_task("t1");
  ASSERT_TRUE(wait_as(t1, ep, 8, -1).blocked);
  set_mask(a, kEPOLLIN);
  set_mask(b, kEPOLLIN);
  clear_functions();
  wake({{b, kEPOLLIN}, {a, kEPOLLIN}});
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  // Both, in the order of the wake-ups: t1 ran after the second one.
  EXPECT_EQ(format_events(done[0].result.events), "(2:IN) (1:IN)");
  EXPECT_TRUE(traced_in_order(
      {"ep_poll_callback", "try_to_wake_up", "ep_poll_callback", "schedule", "ep_send_events"}));

  // The same wake-ups reported one by one: t1 runs after the first and sees only it.
  ASSERT_TRUE(wait_as(t1, ep, 8, -1).blocked);
  wake({{b, kEPOLLIN}});
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), "(2:IN)");
  wake({{a, kEPOLLIN}});
  EXPECT_EQ(wait(ep), "(1:IN)");
}

TEST_F(ObservedTest, OneOfTwoExclusiveWaitersIsWoken) {
  int ep1 = epoll();
  int ep2 = epoll();
  int s = static_cast<int>(observe(5));
  ASSERT_EQ(add(ep1, s, kEPOLLIN | kEPOLLEXCLUSIVE, 1), 0);
  ASSERT_EQ(add(ep2, s, kEPOLLIN | kEPOLLEXCLUSIVE, 2), 0);
  Task& t1 = k.create_task("t1");
  Task& t2 = k.create_task("t2");
  ASSERT_TRUE(wait_as(t1, ep1, 8, -1).blocked);
  ASSERT_TRUE(wait_as(t2, ep2, 8, -1).blocked);
  set_mask(s, kEPOLLIN);
  wake({{s, kEPOLLIN}});
  // The exclusive entries are at the tail in registration order: ep1's accepts and the walk stops.
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(format_events(done[0].result.events), "(1:IN)");
  EXPECT_EQ(rdllist(ep2), "");
  EXPECT_EQ(t2.state, TaskState::kSleeping);
  // The next wake-up: ep1 has no sleeper left, so its callback woke nobody (ewake 0) and the walk
  // goes on to ep2's entry, which wakes t2.
  wake({{s, kEPOLLIN}});
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t2.id);
  EXPECT_EQ(format_events(done[0].result.events), "(2:IN)");
}

// The tracer learns from the kernel's answer which exclusive entry a walk reached (README "A
// divergence, exactly"): the wake-up reaches ep2's entry though ep1, first on the queue, has a
// sleeper too; ep1's thread sleeps on and its item stays off the ready list.
TEST_F(ObservedTest, AWakeUpReachesTheExclusiveEntryTheKernelsAnswerNames) {
  int ep1 = epoll();
  int ep2 = epoll();
  int s = static_cast<int>(observe(5));
  ASSERT_EQ(add(ep1, s, kEPOLLIN | kEPOLLEXCLUSIVE, 1), 0);
  ASSERT_EQ(add(ep2, s, kEPOLLIN | kEPOLLEXCLUSIVE, 2), 0);
  Task& t1 = k.create_task("t1");
  Task& t2 = k.create_task("t2");
  ASSERT_TRUE(wait_as(t1, ep1, 8, -1).blocked);
  ASSERT_TRUE(wait_as(t2, ep2, 8, -1).blocked);
  set_mask(s, kEPOLLIN);
  clear_functions();
  EXPECT_TRUE(k.observed_wakeup_reaches(ep2, s, kEPOLLIN));
  expect_invariants();
  EXPECT_TRUE(traced_in_order({"__wake_up_common", "ep_poll_callback", "ep_send_events"}));
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t2.id);
  EXPECT_EQ(format_events(done[0].result.events), "(2:IN)");
  EXPECT_EQ(t1.state, TaskState::kSleeping);
  EXPECT_EQ(rdllist(ep1), "");
  // Not an exclusive item of an observed file: nothing happens.
  int e = eventfd();
  int ep3 = epoll();
  ASSERT_EQ(add(ep3, s, kEPOLLIN, 3), 0);
  ASSERT_EQ(add(ep3, e, kEPOLLIN | kEPOLLEXCLUSIVE, 4), 0);
  const uint32_t calls = k.call_number();
  EXPECT_FALSE(k.observed_wakeup_reaches(ep3, s, kEPOLLIN));
  EXPECT_FALSE(k.observed_wakeup_reaches(ep3, e, kEPOLLIN));
  EXPECT_FALSE(k.observed_wakeup_reaches(s, s, kEPOLLIN));
  EXPECT_EQ(k.call_number(), calls);
  EXPECT_EQ(t1.state, TaskState::kSleeping);
}

// The same decision in its place in a batch (README "A divergence, exactly"): the peer's FIN
// wakes t1 (its entry leaves ep1->wq with it), then the listener's wake-up walks the exclusive
// entries; at ep1's, ep_poll_callback links the listener and finds no sleeper (it returns 0, and
// the real walk went on to ep2). t1 runs after the batch and harvests both, as the kernel's
// answer showed; t2 sleeps on (which entry the walk stopped at later is another harvest's say).
TEST_F(ObservedTest, AnExclusiveWakeUpReachesAnEpollInItsPlaceInTheBatch) {
  int ep1 = epoll();
  int ep2 = epoll();
  int l = static_cast<int>(observe(5, "TCP listener"));
  int s = static_cast<int>(observe(6, kTcpLabel));
  ASSERT_EQ(add(ep1, l, kEPOLLIN | kEPOLLEXCLUSIVE, 1), 0);
  ASSERT_EQ(add(ep2, l, kEPOLLIN | kEPOLLEXCLUSIVE, 2), 0);
  ASSERT_EQ(add(ep1, s, kEPOLLIN | kEPOLLRDHUP | kEPOLLET, 7), 0);
  Task& t1 = k.create_task("t1");
  Task& t2 = k.create_task("t2");
  ASSERT_TRUE(wait_as(t1, ep1, 8, -1).blocked);
  ASSERT_TRUE(wait_as(t2, ep2, 8, -1).blocked);
  set_mask(s, kEPOLLIN | kEPOLLRDHUP);
  set_mask(l, kEPOLLIN);
  clear_functions();
  k.observed_wakeups(main(), {Kernel::ObservedWakeup(s, kEPOLLIN | kEPOLLRDHUP, ""),
                              Kernel::ObservedWakeup(l, kEPOLLIN, "", ep1)});
  expect_invariants();
  EXPECT_TRUE(traced_in_order({"ep_poll_callback", "try_to_wake_up", "__wake_up_common",
                               "ep_poll_callback", "schedule", "ep_send_events"}));
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(format_events(done[0].result.events), "(7:IN|RDHUP) (1:IN)");
  EXPECT_EQ(t2.state, TaskState::kSleeping);
  EXPECT_EQ(rdllist(ep2), "");
  // The next connection reaches ep2 while t2 sleeps there (it wakes t2), and nothing of it
  // reaches ep1. (t1 accepted: its level-triggered item, polled empty, left the ready list.)
  set_mask(l, 0);
  ASSERT_TRUE(wait_as(t1, ep1, 8, -1).blocked);
  set_mask(l, kEPOLLIN);
  k.observed_wakeups(main(), {Kernel::ObservedWakeup(l, kEPOLLIN, "", ep2)});
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t2.id);
  EXPECT_EQ(format_events(done[0].result.events), "(2:IN)");
  EXPECT_EQ(t1.state, TaskState::kSleeping);
  EXPECT_EQ(rdllist(ep1), "");
  // An epoll without an exclusive item on the file: refused, and nothing of the batch happens.
  const uint32_t calls = k.call_number();
  EXPECT_THROW(k.observed_wakeups(main(), {Kernel::ObservedWakeup(s, kEPOLLIN, ""),
                                           Kernel::ObservedWakeup(s, kEPOLLIN, "", ep1)}),
               std::invalid_argument);
  EXPECT_EQ(k.call_number(), calls);
  EXPECT_EQ(t1.state, TaskState::kSleeping);
  expect_invariants();
}

TEST_F(ObservedTest, AnOuterEpollHearsTheWakeUpThroughTheInnerOne) {
  int inner = epoll();
  int outer = epoll();
  int s = static_cast<int>(observe(5));
  ASSERT_EQ(add(inner, s, kEPOLLIN, 1), 0);
  ASSERT_EQ(add(outer, inner, kEPOLLIN, 9), 0);
  Task& t1 = k.create_task("t1");
  ASSERT_TRUE(wait_as(t1, outer, 8, -1).blocked);
  set_mask(s, kEPOLLIN);
  wake({{s, kEPOLLIN}});
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].task, t1.id);
  EXPECT_EQ(format_events(done[0].result.events), "(9:IN)");
  EXPECT_EQ(wait(inner), "(1:IN)");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] signals
// ---------------------------------------------------------------------------------------------

TEST_F(ObservedTest, ASignalEndsEpollWaitWithEintr) {
  int ep = epoll();
  int s = static_cast<int>(observe(4));
  ASSERT_EQ(add(ep, s, kEPOLLIN, 1), 0);
  Task& t1 = k.create_task("t1");
  EXPECT_FALSE(interrupt(t1));  // not in a syscall
  ASSERT_TRUE(wait_as(t1, ep, 8, -1).blocked);
  clear_functions();
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_TRUE(traced_in_order(
      {"signal_wake_up", "try_to_wake_up", "schedule", "ep_start_scan", "ep_poll"}));
  EXPECT_EQ(t1.state, TaskState::kRunning);
  EXPECT_FALSE(t1.signal_pending);
  const Snapshot after = snapshot();
  const EventPollView* e = epoll_view(after, ep);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->wq.entries.empty());  // its entry left ep->wq
  EXPECT_FALSE(interrupt(t1));

  // A timed wait: the timer goes with the sleep.
  ASSERT_TRUE(wait_as(t1, ep, 8, 500).blocked);
  EXPECT_TRUE(k.next_timer().has_value());
  clear_functions();
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_TRUE(traced_in_order({"signal_wake_up", "schedule_hrtimeout_range", "ep_poll"}));
  EXPECT_FALSE(k.next_timer().has_value());
  k.advance_clock_to(k.now_ns() + 1000000000);
  EXPECT_TRUE(k.take_completions().empty());
  // The epoll works on: a wake-up reaches a new sleeper.
  ASSERT_TRUE(wait_as(t1, ep, 8, -1).blocked);
  set_mask(s, kEPOLLIN);
  wake({{s, kEPOLLIN}});
  EXPECT_EQ(completion_of(t1), "1");
}

TEST_F(ObservedTest, ASignalEndsABlockingReadThatReadNothingWithEintr) {
  auto [r, w] = pipe(0);
  Task& t1 = k.create_task("t1");
  ASSERT_TRUE(checked(k.read(t1, r, 100)).blocked);
  EXPECT_EQ(queued_on(r), 1u);
  clear_functions();
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_TRUE(
      traced_in_order({"signal_wake_up", "try_to_wake_up", "anon_pipe_read", "handle_signal"}));
  EXPECT_EQ(queued_on(r), 0u);
  // The pipe is as it was.
  EXPECT_EQ(write(w, 5), 5);
  EXPECT_EQ(read(r, 100), 5);

  // A blocking eventfd read and an AF_UNIX recv end the same way.
  int e = eventfd(0, 0);
  ASSERT_TRUE(checked(k.eventfd_read(t1, e)).blocked);
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_EQ(queued_on(e), 0u);
  SysResult sp = checked(k.socketpair(main(), 0));
  ASSERT_EQ(sp.ret, 0);
  ASSERT_TRUE(checked(k.recv(t1, sp.fds[0], 100, 0)).blocked);
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_EQ(write(sp.fds[1], 3), 3);
  EXPECT_EQ(read(sp.fds[0], 100), 3);
}

// Checked on this machine's kernel (6.18) with a C probe: a thread writes 70000 bytes into a
// blocking pipe whose read end an epoll watches (IN|ET); the main thread harvests the one event,
// sends the writer SIGUSR1 (a handler without SA_RESTART): write returns 65536, and the next
// epoll_wait(..., 0) reports IN again — anon_pipe_write's exit wakes rd_wait because the pipe has
// been polled (poll_usage), although it was not empty.
TEST_F(ObservedTest, ASignalEndsABlockingAcceptAndATcpRecvWithEintr) {
  long l = ret(checked(k.tcp_listen(main(), 8, 0)));
  ASSERT_GE(l, 0);
  Task& t1 = k.create_task("t1");
  ASSERT_TRUE(checked(k.accept4(t1, static_cast<int>(l), 0)).blocked);
  clear_functions();
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_TRUE(traced_in_order({"signal_wake_up", "inet_csk_wait_for_connect", "handle_signal"}));
  EXPECT_EQ(queued_on(static_cast<int>(l)), 0u);
  // The listener works on: a connection, accepted, and a recv that sleeps, interrupted.
  long c = ret(checked(k.tcp_connect(main(), static_cast<int>(l), 0)));
  ASSERT_GE(c, 0);
  long a = ret(checked(k.accept4(main(), static_cast<int>(l), 0)));
  ASSERT_GE(a, 0);
  ASSERT_TRUE(checked(k.recv(t1, static_cast<int>(a), 100, 0)).blocked);
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
  EXPECT_EQ(write(static_cast<int>(c), 3), 3);
  EXPECT_EQ(read(static_cast<int>(a), 100), 3);
}

TEST_F(ObservedTest, ASignalEndsAPartlyDoneBlockingWriteWithItsCount) {
  int ep = epoll();
  auto [r, w] = pipe(0);
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, 1), 0);
  Task& t1 = k.create_task("t1");
  // 16 slots of 4096 bytes: 65536 go in, then the writer sleeps for room.
  ASSERT_TRUE(checked(k.write(t1, w, 70000)).blocked);
  EXPECT_EQ(pipe_bytes(r), 65536u);
  EXPECT_EQ(wait(ep), "(1:IN)");
  EXPECT_EQ(wait(ep), "");
  clear_functions();
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "65536");
  EXPECT_TRUE(traced_in_order({"signal_wake_up", "try_to_wake_up", "anon_pipe_write",
                               "anon_pipe_write", "__wake_up_common", "ep_poll_callback"}));
  EXPECT_EQ(wait(ep), "(1:IN)");
  EXPECT_EQ(std::count(functions().begin(), functions().end(), std::string("handle_signal")), 0);
  EXPECT_EQ(queued_on(w), 0u);
  EXPECT_EQ(pipe_bytes(r), 65536u);
  // One that wrote nothing (the pipe was full already) gets EINTR.
  ASSERT_TRUE(checked(k.write(t1, w, 10)).blocked);
  EXPECT_TRUE(interrupt(t1));
  EXPECT_EQ(completion_of(t1), "-EINTR");
}

}  // namespace
}  // namespace epollscope::sim::testing
