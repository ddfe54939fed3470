// SPDX-License-Identifier: GPL-2.0-only
// poll(2) and select(2) on the model, SP1..SP8 of docs/kernel-notes.md: revents as do_pollfd
// computes them, __pollwait's entries on the first pass only, the sleep and pollwake, poll_freewait
// before the call returns (the invariant checker: no poll_table_entry outlives its call),
// select's errno order and its fd-table clamp, and poll of an epoll fd (ep_eventpoll_poll);
// SP9..SP12: ppoll and pselect6 (a timespec in ns, the remaining time written back, their order
// of checks) and EFAULT for a pollfd array, an fd_set or a timeval/timespec that cannot be read.
//
//   t1 ── poll/select ── poll_table_entry on each file's wait queue ◄── write, eventfd_write
//                    └── (an epoll fd) entry on ep->poll_wait ◄── ep_poll_callback
#include <algorithm>

#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class SelectPollTest : public ProbeTest {
 protected:
  SysResult poll(Task& t, std::vector<PollFd> fds, int timeout) {
    return checked(k.poll(t, std::move(fds), timeout));
  }
  SysResult poll(Task& t, UserPollfds fds, int timeout) {
    return checked(k.poll(t, std::move(fds), timeout));
  }
  SysResult select(Task& t, int nfds, std::optional<std::vector<int>> in,
                   std::optional<std::vector<int>> out, std::optional<std::vector<int>> ex,
                   std::optional<Kernel::Timeval> tv) {
    return checked(k.select(t, nfds, std::move(in), std::move(out), std::move(ex), tv));
  }
  SysResult pselect6(Task& t, int nfds, UserArg<std::vector<int>> in, UserArg<std::vector<int>> out,
                     UserArg<std::vector<int>> ex, UserArg<Kernel::Timespec> ts) {
    return checked(
        k.pselect6(t, nfds, std::move(in), std::move(out), std::move(ex), ts, std::nullopt));
  }
  SysResult ppoll(Task& t, UserPollfds fds, UserArg<Kernel::Timespec> ts) {
    return checked(k.ppoll(t, std::move(fds), ts, std::nullopt));
  }
  // The sentence of the last step of `function`, or "" when there is none.
  std::string last_text(const std::string& function) const {
    for (auto it = step_texts().rbegin(); it != step_texts().rend(); ++it)
      if (it->rfind(function + ": ", 0) == 0) return it->substr(function.size() + 2);
    return "";
  }
  static PollFd pfd(int fd, poll_t events) { return PollFd{fd, static_cast<int16_t>(events), 0}; }
  std::size_t count(const std::string& function) const {
    return static_cast<std::size_t>(std::count(functions().begin(), functions().end(), function));
  }
  // Every poll_table_entry on any file's queue (snapshot view).
  std::size_t poll_entries() const {
    Snapshot s = snapshot();
    std::size_t n = 0;
    for (const auto& f : s.files)
      for (const auto& q : f->queues)
        for (const auto& e : q.entries)
          n += e.kind == WaitEntryView::Kind::kPoll ? 1 : 0;
    for (const auto& ep : s.epolls)
      for (const auto& e : ep->poll_wait.entries)
        n += e.kind == WaitEntryView::Kind::kPoll ? 1 : 0;
    return n;
  }
};

// [SP1] revents = the file's mask & (events | POLLERR | POLLHUP): asked POLLIN, a pipe with data
// gives POLLIN without POLLRDNORM; a closed fd gives POLLNVAL; a negative fd is skipped; the return
// value counts the entries with revents.
TEST_F(SelectPollTest, SP1ReventsAsDoPollfdMasksThem) {
  auto [r, w] = pipe();
  EXPECT_EQ(write(w, 10), 10);
  SysResult res = poll(main(),
                       {pfd(r, kEPOLLIN), pfd(w, kEPOLLOUT), pfd(-1, kEPOLLIN), pfd(40, kEPOLLIN),
                        pfd(r, kEPOLLIN | kEPOLLRDNORM)},
                       0);
  EXPECT_EQ(res.ret, 4);
  EXPECT_EQ(format_events(res.events),
            cat("(", r, ":IN) (", w, ":OUT) (40:NVAL) (", r, ":IN|RDNORM)"));
  // The writer gone: POLLHUP although not asked for.
  EXPECT_EQ(close(w), 0);
  EXPECT_EQ(read(r, 10), 10);
  res = poll(main(), {pfd(r, kEPOLLIN)}, 0);
  EXPECT_EQ(format_events(res.events), cat("(", r, ":HUP)"));
}

// [SP2] A zero timeout queues nothing (_qproc NULL from the start); a sleeping poll queues one
// entry on each file up to and including the first ready one, and poll_freewait removes them all
// before it returns.
TEST_F(SelectPollTest, SP2EntriesOnFirstPassOnlyAndFreedBeforeReturn) {
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  clear_functions();
  EXPECT_EQ(poll(main(), {pfd(r1, kEPOLLIN), pfd(r2, kEPOLLIN)}, 0).ret, 0);
  EXPECT_EQ(count("__pollwait"), 0u);
  EXPECT_EQ(count("poll_freewait"), 0u);

  Task& t1 = k.create_task("t1");
  clear_functions();
  SysResult res = poll(t1, {pfd(r1, kEPOLLIN), pfd(r2, kEPOLLIN)}, -1);
  EXPECT_TRUE(res.blocked);
  EXPECT_EQ(count("__pollwait"), 2u);
  EXPECT_EQ(poll_entries(), 2u);
  clear_functions();
  EXPECT_EQ(write(w2, 1), 1);  // pollwake → t1 runs a second pass, without new entries
  EXPECT_EQ(count("pollwake"), 1u);
  EXPECT_EQ(count("__pollwait"), 0u);
  EXPECT_EQ(count("do_pollfd"), 2u);
  EXPECT_EQ(count("poll_freewait"), 2u);
  EXPECT_EQ(poll_entries(), 0u);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 1);
  EXPECT_EQ(format_events(done[0].result.events), cat("(", r2, ":IN)"));

  // Ready at once with a timeout: the first fd is registered (it is polled with __pollwait), the
  // ready second one too, and nothing after it.
  auto [r3, w3] = pipe();
  clear_functions();
  EXPECT_EQ(poll(main(), {pfd(r1, kEPOLLIN), pfd(r2, kEPOLLIN), pfd(r3, kEPOLLIN)}, 1000).ret, 1);
  EXPECT_EQ(count("__pollwait"), 2u);
  EXPECT_EQ(count("poll_freewait"), 2u);
  (void)w1;
  (void)w3;
}

// [SP3] The timeout runs on the virtual clock: the sleeper wakes at its deadline, makes one more
// pass, returns 0.
TEST_F(SelectPollTest, SP3TimeoutOnTheVirtualClock) {
  auto [r, w] = pipe();
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(poll(t1, {pfd(r, kEPOLLIN)}, 1500).blocked);
  k.advance_clock_to(1499 * 1000000LL);
  EXPECT_TRUE(k.take_completions().empty());
  k.advance_clock_to(1500 * 1000000LL);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 0);
  EXPECT_EQ(poll_entries(), 0u);
  expect_invariants();
  (void)w;
}

// [SP4] poll's only errno: nfds above RLIMIT_NOFILE (EINVAL), before any fd is looked at.
TEST_F(SelectPollTest, SP4PollNfdsAboveRlimit) {
  EXPECT_EQ(checked(k.setrlimit_nofile(main(), 8)).ret, 0);
  std::vector<PollFd> nine(9, pfd(-1, kEPOLLIN));
  SysResult res = poll(main(), nine, 0);
  EXPECT_EQ(res.ret, -1);
  EXPECT_EQ(res.err, kEINVAL);
  nine.pop_back();
  EXPECT_EQ(poll(main(), nine, 0).ret, 0);
}

// [SP5] select: a negative timeval is EINVAL first, then a negative nfds, then EBADF for a closed
// fd in a set; the return value counts bits (an fd in two result sets counts twice); bits at or
// above nfds are not looked at.
TEST_F(SelectPollTest, SP5SelectErrnosAndCounts) {
  auto [r, w] = pipe();
  EXPECT_EQ(write(w, 1), 1);
  SysResult res =
      select(main(), -1, std::vector<int>{40}, std::nullopt, std::nullopt, Kernel::Timeval{-1, 0});
  EXPECT_EQ(res.err, kEINVAL);
  res = select(main(), -1, std::vector<int>{40}, std::nullopt, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.err, kEINVAL);
  res = select(main(), 41, std::vector<int>{40}, std::nullopt, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.err, kEBADF);
  // fd 40 is not looked at when nfds is 40.
  res = select(main(), 40, std::vector<int>{r, 40}, std::vector<int>{w, r}, std::nullopt,
               Kernel::Timeval{});
  EXPECT_EQ(res.ret, 2);
  EXPECT_EQ(format_events(res.events), cat("(", r, ":IN) (", w, ":OUT)"));
  // A socket readable and writable, in both sets: 2.
  SysResult sp = checked(k.socketpair(main(), kSOCK_NONBLOCK));
  EXPECT_EQ(write(sp.fds[1], 5), 5);
  res = select(main(), sp.fds[0] + 1, std::vector<int>{sp.fds[0]}, std::vector<int>{sp.fds[0]},
               std::vector<int>{sp.fds[0]}, Kernel::Timeval{});
  EXPECT_EQ(res.ret, 2);
  EXPECT_EQ(res.events.size(), 1u);
  EXPECT_EQ(res.events[0].events, kSelectReadfds | kSelectWritefds);
}

// [SP6] select clamps nfds to the fd table's size (max_fds: 64 until a higher fd is used, then
// multiples of 128 rounded up to a power of two): a set bit above it is never looked at, even
// for a closed fd; an fd beyond FD_SETSIZE (1024) is selected like any other.
TEST_F(SelectPollTest, SP6SelectBeyondFdSetsize) {
  auto [r, w] = pipe();
  EXPECT_EQ(k.max_fds(), 64);
  SysResult res =
      select(main(), 2000, std::vector<int>{1500}, std::nullopt, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.ret, 0);  // bit 1500 is above max_fds: not EBADF
  EXPECT_EQ(checked(k.setrlimit_nofile(main(), 4096)).ret, 0);
  EXPECT_EQ(checked(k.dup2(main(), r, 1500)).ret, 1500);
  EXPECT_EQ(k.max_fds(), 2048);
  EXPECT_EQ(write(w, 1), 1);
  res = select(main(), 1501, std::vector<int>{1500}, std::nullopt, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.ret, 1);
  EXPECT_EQ(format_events(res.events), "(1500:IN)");
  res = select(main(), 2000, std::vector<int>{1999}, std::nullopt, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.err, kEBADF);  // now below max_fds, and closed
}

// [SP7] poll of an epoll fd is ep_eventpoll_poll: the entry hangs on ep->poll_wait, and a
// wake-up of a watched file reaches the poller through ep_poll_callback → ep_poll_safewake →
// pollwake.
TEST_F(SelectPollTest, SP7PollOfAnEpollFd) {
  int ep = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(ep, r, kEPOLLIN, 7), 0);
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(poll(t1, {pfd(ep, kEPOLLIN)}, -1).blocked);
  const EventPollView* view = nullptr;
  Snapshot s = snapshot();
  view = epoll_view(s, ep);
  ASSERT_NE(view, nullptr);
  ASSERT_EQ(view->poll_wait.entries.size(), 1u);
  EXPECT_EQ(view->poll_wait.entries[0].kind, WaitEntryView::Kind::kPoll);
  clear_functions();
  EXPECT_EQ(write(w, 1), 1);
  const auto& f = functions();
  const auto cb = std::find(f.begin(), f.end(), "ep_poll_callback");
  ASSERT_NE(cb, f.end());
  EXPECT_NE(std::find(cb, f.end(), "pollwake"), f.end());
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), cat("(", ep, ":IN)"));
}

// [SP8] pollwake ignores a wake-up whose key is none of what the entry waits for: a poller of
// an AF_UNIX socket for POLLIN is not woken when its send buffer drains (key EPOLLOUT).
TEST_F(SelectPollTest, SP8PollwakeFiltersByKey) {
  SysResult sp = checked(k.socketpair(main(), kSOCK_NONBLOCK));
  const int a = sp.fds[0], b = sp.fds[1];
  EXPECT_EQ(write(a, 100), 100);
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(poll(t1, {pfd(a, kEPOLLIN)}, -1).blocked);
  clear_functions();
  EXPECT_EQ(read(b, 100), 100);
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_EQ(t1.state, TaskState::kSleeping);
  EXPECT_EQ(write(b, 3), 3);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), cat("(", a, ":IN)"));
}

// A signal ends a sleeping poll or select with EINTR after one more pass; no entry is left.
TEST_F(SelectPollTest, SignalEndsTheSleepWithEintr) {
  auto [r, w] = pipe();
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(
      select(t1, r + 1, std::vector<int>{r}, std::nullopt, std::nullopt, std::nullopt).blocked);
  EXPECT_TRUE(k.interrupt(t1));
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.err, kEINTR);
  EXPECT_EQ(poll_entries(), 0u);
  expect_invariants();
  (void)w;
}

// The file a sleeping poll waits on stays open after close(): the entry holds a reference.
TEST_F(SelectPollTest, EntryHoldsTheFile) {
  auto [r, w] = pipe();
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(poll(t1, {pfd(r, kEPOLLIN)}, -1).blocked);
  EXPECT_EQ(close(r), 0);  // the pipe's read end lives on in the entry
  EXPECT_EQ(write(w, 1), 1);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  // The second pass looks the fd up again: it is closed now.
  EXPECT_EQ(format_events(done[0].result.events), cat("(", r, ":NVAL)"));
  expect_invariants();
}

// The checker catches an entry left behind: a poll_table_entry on a pipe's queue whose table
// belongs to no poll or select under way (as if poll_freewait had been skipped).
TEST_F(SelectPollTest, TheCheckerCatchesAnEntryThatOutlivesItsCall) {
  auto [r, w] = pipe();
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  PollWqueues gone;
  gone.polling_task = &main();
  PollTableEntry left;
  left.wait.func = pollwake;
  left.wait.private_data = &gone;
  File* f = k.file_at(r);
  ASSERT_NE(f, nullptr);
  auto* rd_wait = const_cast<WaitQueueHead*>(f->wait_queues().front());
  left.wait_address = rd_wait;
  add_wait_queue(rd_wait, &left.wait);
  EXPECT_NE(check_invariants(k, InvariantLevel::kBetweenCalls)
                .find("a poll_table_entry outlives its poll/select call"),
            std::string::npos);
  remove_wait_queue(rd_wait, &left.wait);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  (void)w;
}

}  // namespace
}  // namespace epollscope::sim::testing

namespace epollscope::sim::testing {
namespace {

using Ts = Kernel::Timespec;
using Fds = UserArg<std::vector<int>>;

// [SP9] ppoll: a struct timespec timeout, in ns on the virtual clock (poll's is whole ms): a
// sleeper wakes at its deadline to the ns. {0, 0} does not wait (no entry queued); NULL waits for
// ever. poll_select_finish writes the time left back to the timespec (nothing for {0, 0}).
TEST_F(SelectPollTest, SP9PpollTimespecInNs) {
  auto [r, w] = pipe();
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(ppoll(t1, std::vector<PollFd>{pfd(r, kEPOLLIN)}, Ts{0, 1500001}).blocked);
  k.advance_clock_to(1500000);
  EXPECT_TRUE(k.take_completions().empty());
  k.advance_clock_to(1500001);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 0);
  EXPECT_EQ(last_text("poll_select_finish"),
            "the time left, {0, 0}, is written back to the caller's struct timespec");
  EXPECT_EQ(poll_entries(), 0u);
  // Woken early: the time left is written back.
  EXPECT_TRUE(ppoll(t1, std::vector<PollFd>{pfd(r, kEPOLLIN)}, Ts{2, 0}).blocked);
  k.advance_clock_to(1500001 + 500000000);
  EXPECT_EQ(write(w, 1), 1);
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 1);
  EXPECT_EQ(last_text("poll_select_finish"),
            "the time left, {1, 500000000}, is written back to the caller's struct timespec");
  // {0, 0}: one pass, nothing queued, nothing written back.
  clear_functions();
  SysResult res = ppoll(main(), std::vector<PollFd>{pfd(w, kEPOLLOUT)}, Ts{0, 0});
  EXPECT_EQ(res.ret, 1);
  EXPECT_EQ(count("__pollwait"), 0u);
  EXPECT_EQ(last_text("poll_select_finish"),
            "the timeout was zero: nothing is written back to the timespec");
  // NULL: for ever (no timer), woken by the data.
  EXPECT_EQ(read(r, 1), 1);
  EXPECT_TRUE(ppoll(t1, std::vector<PollFd>{pfd(r, kEPOLLIN)}, std::nullopt).blocked);
  EXPECT_FALSE(k.next_timer());
  EXPECT_EQ(write(w, 1), 1);
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(format_events(done[0].result.events), cat("(", r, ":IN)"));
  expect_invariants();
}

// [SP10] ppoll's and pselect6's order: the timespec is read (EFAULT) and checked
// (poll_select_set_timeout: EINVAL) before anything else — before poll's RLIMIT_NOFILE check and
// its array, before select's negative nfds, its sets and EBADF.
TEST_F(SelectPollTest, SP10TimespecCheckedFirst) {
  EXPECT_EQ(checked(k.setrlimit_nofile(main(), 8)).ret, 0);
  const UserArg<Ts> bad = UserArg<Ts>::faulting();
  std::vector<PollFd> nine(9, pfd(-1, kEPOLLIN));
  // ppoll: EFAULT (timespec) < EINVAL (timespec) < EINVAL (nfds) < EFAULT (array).
  EXPECT_EQ(ppoll(main(), nine, bad).err, kEFAULT);
  EXPECT_EQ(ppoll(main(), UserPollfds::faulting(9), bad).err, kEFAULT);
  EXPECT_EQ(ppoll(main(), UserPollfds::faulting(2), Ts{-1, 999999999}).err, kEINVAL);
  EXPECT_EQ(ppoll(main(), UserPollfds::faulting(2), Ts{0, 1000000000}).err, kEINVAL);
  EXPECT_EQ(ppoll(main(), UserPollfds::faulting(9), Ts{0, 0}).err, kEINVAL);
  EXPECT_EQ(ppoll(main(), UserPollfds::faulting(2), Ts{0, 0}).err, kEFAULT);
  // pselect6: the timespec before a negative nfds, a set that faults and a closed fd.
  EXPECT_EQ(pselect6(main(), -1, Fds::faulting(), std::nullopt, std::nullopt, bad).err, kEFAULT);
  SysResult res = pselect6(main(), -1, Fds::faulting(), std::nullopt, std::nullopt, Ts{-1, 0});
  EXPECT_EQ(res.err, kEINVAL);
  EXPECT_EQ(last_text("poll_select_set_timeout"),
            "the timespec is invalid (tv_sec < 0, or tv_nsec outside 0..999999999)");
  EXPECT_EQ(pselect6(main(), 41, std::vector<int>{40}, std::nullopt, std::nullopt, Ts{-1, 0}).err,
            kEINVAL);
  EXPECT_EQ(pselect6(main(), 41, std::vector<int>{40}, std::nullopt, std::nullopt, Ts{0, 0}).err,
            kEBADF);
  // Otherwise select's answers.
  auto [r, w] = pipe();
  EXPECT_EQ(write(w, 1), 1);
  res = pselect6(main(), w + 1, std::vector<int>{r}, std::vector<int>{w}, std::nullopt, Ts{0, 0});
  EXPECT_EQ(res.ret, 2);
  EXPECT_EQ(format_events(res.events), cat("(", r, ":IN) (", w, ":OUT)"));
}

// [SP11] poll's EFAULT: do_sys_poll copies the nfds pollfds in after the RLIMIT_NOFILE check; a
// pointer it cannot read faults, unless nfds is 0 (nothing is copied: poll(NULL, 0, t) just
// waits its time).
TEST_F(SelectPollTest, SP11PollArrayThatFaults) {
  EXPECT_EQ(poll(main(), UserPollfds::faulting(2), 0).err, kEFAULT);
  EXPECT_EQ(last_text("do_sys_poll"),
            "copy_from_user of the 2 pollfds faults: the array's address cannot be read");
  EXPECT_EQ(poll(main(), UserPollfds::faulting(0), 0).ret, 0);
  EXPECT_EQ(checked(k.setrlimit_nofile(main(), 8)).ret, 0);
  EXPECT_EQ(poll(main(), UserPollfds::faulting(9), 0).err, kEINVAL);
  // nfds 0 with a timeout: a sleep on the virtual clock.
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(checked(k.poll(t1, UserPollfds::faulting(0), 20)).blocked);
  k.advance_clock_to(k.now_ns() + 20 * 1000000LL);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 0);
  expect_invariants();
}

// [SP12] select's EFAULT: kern_select reads the timeval first (EFAULT before everything, as the
// EINVAL of a negative one); core_sys_select refuses a negative nfds, then get_fd_set copies
// readfds, writefds and exceptfds in (a set it cannot read faults; NULL is an empty set; nothing
// is copied when nfds is 0), and only then max_select_fd looks for a closed fd (EBADF).
TEST_F(SelectPollTest, SP12SelectSetOrTimevalThatFaults) {
  auto [r, w] = pipe();
  const UserArg<Kernel::Timeval> bad_tv = UserArg<Kernel::Timeval>::faulting();
  auto sel = [&](int nfds, Fds in, Fds out, Fds ex, UserArg<Kernel::Timeval> tv) {
    return checked(k.select(main(), nfds, std::move(in), std::move(out), std::move(ex), tv));
  };
  EXPECT_EQ(sel(-1, Fds::faulting(), std::nullopt, std::nullopt, bad_tv).err, kEFAULT);
  EXPECT_EQ(sel(-1, Fds::faulting(), std::nullopt, std::nullopt, Kernel::Timeval{}).err, kEINVAL);
  // A closed fd 40 in readfds, a set that faults after it: EFAULT, not EBADF.
  SysResult res = sel(41, std::vector<int>{40}, std::nullopt, Fds::faulting(), Kernel::Timeval{});
  EXPECT_EQ(res.err, kEFAULT);
  EXPECT_EQ(last_text("core_sys_select"),
            "get_fd_set: copy_from_user of exceptfds faults: the set's address cannot be read");
  EXPECT_EQ(sel(0, Fds::faulting(), Fds::faulting(), Fds::faulting(), Kernel::Timeval{}).ret, 0);
  EXPECT_EQ(sel(41, std::vector<int>{40}, std::nullopt, std::nullopt, Kernel::Timeval{}).err,
            kEBADF);
  // NULL is an empty set.
  res = sel(w + 1, std::nullopt, std::vector<int>{w}, std::nullopt, Kernel::Timeval{});
  EXPECT_EQ(res.ret, 1);
  // select writes the time left back to the timeval too; a NULL one gets nothing.
  clear_functions();
  Task& t1 = k.create_task("t1");
  EXPECT_TRUE(checked(k.select(t1, r + 1, std::vector<int>{r}, std::nullopt, std::nullopt,
                               Kernel::Timeval{1, 0}))
                  .blocked);
  k.advance_clock_to(k.now_ns() + 250000000);
  EXPECT_EQ(write(w, 1), 1);
  ASSERT_EQ(k.take_completions().size(), 1u);
  EXPECT_EQ(last_text("poll_select_finish"),
            "the time left, {0, 750000}, is written back to the caller's struct timeval");
  clear_functions();
  EXPECT_EQ(sel(r + 1, std::vector<int>{r}, std::nullopt, std::nullopt, std::nullopt).ret, 1);
  EXPECT_EQ(count("poll_select_finish"), 0u);
}

}  // namespace
}  // namespace epollscope::sim::testing
