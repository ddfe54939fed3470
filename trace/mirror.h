// SPDX-License-Identifier: GPL-2.0-only
// trace/mirror.h — the model beside a traced program: each call the tracer stops on is performed
// on the model too and the model's answer compared with what the kernel returned to the program.
//
// How a call is mirrored (trace/syscalls.h says which calls are stopped on):
//   - on a file the model simulates (epolls, pipes, AF_UNIX socketpairs, eventfds) the model
//     performs the call and its answer — return value, errno, fds, events — must equal the
//     kernel's: a difference is a divergence, reported with both answers;
//   - a file the model cannot simulate (a socket whose peer is another program, anything opened
//     with open, a timerfd ...) is an observed file (sim/observed.h): the program's calls on it
//     take the kernel's answer, and its wake-ups are the real file's, watched by the Observer
//     (trace/observer.h) and handed to the model in the order the kernel issued them;
//   - epoll's work on every file is the model's: ep_insert's poll, ep_poll_callback, the ready
//     list, ET/LT/ONESHOT/EXCLUSIVE, harvests.
//
// When a call runs. A call is performed on the model at its exit stop, when the kernel's answer
// is known, except an epoll_wait that will sleep on the model: it is performed at its entry, so
// that the model's thread sleeps on ep->wq while the program's does (who gets an exclusive
// wake-up depends on who sleeps).
//
// A divergence, exactly. A wake-up racing with a harvest may fall on either side of it. At an
// epoll_wait's exit the wake-ups the observer saw since the call's entry are W1..Wn, in order;
// the kernel's answer must equal the model's for the cut after Wk, k being the last of them that
// woke an item the kernel returned (none: k = 0). A wake-up of a file whose items are all
// EPOLLEXCLUSIVE reaches the items whose harvests return the file (which threads slept when it
// came, the tracer cannot see). Every other difference is a divergence.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "sim/kernel.h"
#include "trace/observer.h"
#include "trace/record.h"
#include "trace/tracer.h"

namespace epollscope::trace {

// One mirrored call, as the per-call line says it (for front ends: the window, --perfetto).
struct CallRecord {
  pid_t tid = 0;
  long nr = -1;        // the syscall number
  std::string call;    // "epoll_wait(3, 8, 1000)"
  std::string kernel;  // "1 [4: IN]"
  std::string model;   // the model's answer when it differs, else empty
  std::string note;    // "observed", "not mirrored", ... or empty
  bool diverged = false;
  int64_t entry_ns = 0;  // since the trace started (CLOCK_MONOTONIC)
  int64_t exit_ns = 0;
  uint32_t model_calls_before = 0;  // the model's call number before and after it: the model's
  uint32_t model_calls_after = 0;   // trace steps of the call are those in between
};

// A wake-up of an observed file, handed to the model.
struct WakeRecord {
  int fd = -1;        // the program's fd of the woken item
  int epfd = -1;      // the program's epoll of the item
  std::string label;  // "TCP 127.0.0.1:7000 ⇄ 127.0.0.1:53422"
  uint32_t events = 0;
  int64_t ns = 0;  // since the trace started: when the tracer saw it
};

struct MirrorOptions {
  std::ostream* out = nullptr;  // the per-call lines and notes (nullptr: none)
  bool quiet = false;           // only divergences, notes and the summary
  int context = 0;              // with quiet: the calls before each divergence shown with it
  bool attached = false;        // the process ran before the trace (trace -p)
  // Reads the program's memory (Tracer::read_memory); false when the address is not mapped.
  std::function<bool(pid_t tid, uint64_t addr, void* buf, std::size_t len)> read_memory;
  // Called once the model exists (the program started): a front end may give it a TraceSink.
  std::function<void(sim::Kernel&)> on_model;
  // Called after every mirrored call, and for every wake-up handed to the model.
  std::function<void(const CallRecord&)> on_call;
  std::function<void(const WakeRecord&)> on_wakeup;
  // --record: told every call, wake-up and sleep, to write the trace as a scenario (may be null).
  ScenarioRecorder* recorder = nullptr;
};

class Mirror final : public Handler {
 public:
  Mirror(const sim::KernelProfile& profile, MirrorOptions options);
  ~Mirror() override;

  void on_start(pid_t pid) override;
  void on_entry(SyscallStop& s) override;
  void on_exit(SyscallStop& s) override;
  void on_thread(pid_t tid, pid_t tgid) override;
  void on_process(pid_t pid, pid_t parent) override;
  void on_thread_exit(pid_t tid, pid_t tgid) override;
  void on_exec(pid_t pid) override;

  long calls() const { return calls_; }
  long epoll_calls() const { return epoll_calls_; }
  long wakeups() const { return wakeups_; }
  long divergences() const { return divergences_; }
  long undecided_orders() const { return undecided_; }
  // Wake-ups of a file with several EPOLLEXCLUSIVE items that the kernel's answers showed
  // reaching an epoll (README "A divergence, exactly").
  long exclusive_decisions() const { return exclusive_decided_; }
  // Wake-ups of observed files inferred from a read (emptied_), not reported by the observer.
  long missed_wakeups() const { return missed_; }
  // "traced N calls (E epoll calls, W wake-ups) in T s: D divergences"
  std::string summary_line(double seconds) const;
  const sim::Kernel* kernel() const { return k_.get(); }
  // Something a process start-up could not do (the observer), said once.
  const std::string& setup_error() const { return setup_error_; }

 private:
  struct Kres {  // what the kernel returned
    long ret = 0;
    int err = 0;
  };
  struct Thread {
    sim::Task* task = nullptr;
    // An epoll_wait performed on the model at the entry (the model's thread sleeps in it, or
    // returned at once).
    bool waited_at_entry = false;
    sim::SysResult entry_result;
    uint32_t entry_calls = 0;  // the model's call number before it
    // A close performed on the model at its entry, and what the model answered.
    bool closed_at_entry = false;
    sim::SysResult close_result;
    // A call the model left sleeping though the kernel returned: compared when it finishes.
    bool pending = false;
    std::string pending_text;
    Kres pending_kernel;
    std::vector<sim::EpollEvent> pending_events;
  };

  Thread& thread(pid_t tid);
  bool mirrored(pid_t tgid) const { return tgid == pid_; }
  static Kres kernel_result(long raw);
  // The model's file at `fd`, made an observed file first if the program has one there that the
  // model does not know of.
  sim::File* ensure_fd(sim::Task& t, int fd);
  void install_observed(sim::Task& t, int fd, const std::string& why);
  std::string label_of(int fd, const std::string& fallback) const;
  int f_flags_of(int fd) const;
  // The model's fd table := the program's (/proc/PID/fd); `at_start`: every fd is replaced.
  void sync_fds(sim::Task& t, bool at_start = false);
  void rebuild_epolls(sim::Task& t);
  // A simulated file becomes an observed one (a child process shares it), its items made again.
  void observe_instead(sim::Task& t, sim::File* f);  // trace -p: the program's epolls from fdinfo
  void before_fd_goes(int fd);  // the observer lets go of a file whose last fd goes
  // `with_masks`: each file first gets the bits its wake-up reported (the real file had them when
  // it woke). Not for the wake-ups before a harvest, whose masks the kernel's answer decided.
  // `reach`: files of exclusive groups whose wake-up the harvest of `reach_epfd` shows reaching
  // it (their first wake-up in the batch, or, without one, an open one before the batch) —
  // handed to the model in that place as a wake-up of that epoll's entry only.
  void apply_wakeups(sim::Task& t, const std::vector<Observer::Wake>& w, std::size_t from,
                     std::size_t to, bool with_masks = false, int reach_epfd = -1,
                     const std::set<int>& reach = {});
  std::map<int, int64_t> watched_masks();  // the real masks of the observed files epolls watch
  void refresh_masks(const std::map<int, int64_t>& now, const std::vector<Observer::Wake>& later,
                     const std::map<int, sim::poll_t>& returned);
  void advance_clock(int64_t mono_ns);
  // The kernel's first scan of this call finds an event (the real masks given, looked at once).
  bool epoll_truly_ready(int epfd, const std::map<int, int64_t>& masks);
  // The observed file at `fd` has two or more items, all EPOLLEXCLUSIVE: which of them a wake-up
  // reaches is decided by the kernel's answers (exclusive_wakes_).
  bool exclusive_group(int fd) const;
  // At a harvest of `epfd`: the open exclusive wake-ups that the kernel's answer shows reached
  // this epoll's item (it returned the item, which the model has off the ready list) are handed
  // to the model now (Kernel::observed_wakeup_reaches); those it shows did not, or that this
  // harvest polled, are settled for this epoll.
  void reach_exclusive(int epfd, const std::set<int>& returned, bool room_left);
  // The model's item of the program's epoll `epfd` on its fd `fd`, or nullptr.
  const sim::EpItem* model_item(int epfd, int fd) const;

  void mirror_exit(Thread& th, SyscallStop& s);
  void mirror_epoll_wait(Thread& th, SyscallStop& s, const std::string& text);
  // Wake-ups the last harvest of an epoll left undecided: during its scan, or after it.
  // Returns, when it moved items, the answer in the order the model had them (the same events).
  std::vector<sim::EpollEvent> resolve_scan_race(int epfd, const std::vector<sim::EpollEvent>& kev);
  std::vector<Observer::Wake> drain();  // the observer's wake-ups; a new window begins
  // The two answers hold the same events, and every pair they order differently was linked in
  // one window of wake-ups (an order the tracer cannot see).
  bool order_undecidable(const std::vector<sim::EpollEvent>& model,
                         const std::vector<sim::EpollEvent>& kernel,
                         const std::map<uint64_t, int>& fd_of_data,
                         const std::map<int, uint64_t>& windows) const;
  // Before the model's harvest: when the kernel's answer orders the items the model has on the
  // ready list otherwise, and every pair it orders differently was linked in one window, the
  // model's ready list takes the kernel's order (so that a full harvest ends where the kernel's
  // did). True when it moved items.
  bool adopt_before_harvest(int epfd, const std::vector<sim::EpollEvent>& kev,
                            const std::map<uint64_t, int>& fd_of_data,
                            const std::map<int, uint64_t>& windows);
  void finish_pending(Thread& th);
  // --record: the threads the recorder has asleep whose model call finished, and why.
  void record_woken(ScenarioRecorder::Cause cause);
  void check_pending_completions();
  // Sleeping calls of the model that finished, kept per task until their thread's exit stop.
  void collect_completions();
  std::optional<sim::SysResult> completion_of(const sim::Task& t);
  void verdict(const SyscallStop& s, const std::string& call, const std::string& kernel,
               const std::optional<std::string>& model, const char* note = nullptr);
  void note_once(const std::string& key, const std::string& text);
  std::string describe(const sim::SysResult& r) const;
  std::string describe_kernel(const Kres& k) const;
  std::string events_text(const std::vector<sim::EpollEvent>& ev) const;

  const sim::KernelProfile& profile_;
  MirrorOptions options_;
  std::unique_ptr<sim::Kernel> k_;
  Observer observer_;
  pid_t pid_ = -1;
  int64_t start_ns_ = 0;
  std::map<pid_t, Thread> threads_;
  std::map<std::pair<int, int>, uint64_t> item_data_;  // (epfd, fd) -> the item's data
  std::set<std::string> notes_;
  std::deque<std::string> recent_;             // --context
  std::map<int, std::vector<int>> scan_race_;  // epfd -> fds whose wake raced its last scan
  // Windows: a window is the time between two drains of the observer (one stop of the program).
  uint64_t window_ = 0;
  std::map<std::pair<int, int>, uint64_t> linked_window_;  // (epfd, fd) -> when it was linked
  std::map<int, std::map<int, uint64_t>> coalesced_;       // epfd -> ET fds maybe woken twice
  std::map<int, uint64_t> late_windows_;
  long undecided_ = 0;
  // Wake-ups of an exclusive group (exclusive_group) not yet handed to the model: a real walk
  // over the file's wait queue links the item in each epoll until it reaches one with a thread
  // asleep in epoll_wait, and which threads were asleep the tracer cannot see. fd -> the keys of
  // the wake-ups since, and the epolls whose harvests settled them.
  struct ExclusiveWake {
    sim::poll_t key = 0;
    std::set<int> settled;
  };
  std::map<int, ExclusiveWake> exclusive_wakes_;
  // Observed fds a read emptied (it returned less than asked, or EAGAIN) with no wake-up of
  // them reported since. A later read that returns data shows a wake-up the observer could not
  // report: its harvest polls the file, and the program had read the data by then (an ET watch
  // that finds nothing is dropped). It came after the drain before that read's entry: it joins
  // the next drain's window (missed_wakeups_), where order is the kernel's to say. Programs with
  // one thread only (see the read's case in mirror_exit).
  std::set<int> emptied_;
  std::vector<int> missed_wakeups_;
  long missed_ = 0;
  long exclusive_decided_ = 0;
  bool debug_ = false;  // EPOLLSCOPE_TRACE_DEBUG: the drains and entry decisions too
  std::map<uint32_t, sim::SysResult>
      completed_;  // harvests whose order within a window was the kernel's
  long calls_ = 0;
  uint32_t model_calls_before_ = 0;
  long epoll_calls_ = 0;
  long wakeups_ = 0;
  long divergences_ = 0;
  std::string setup_error_;
};

}  // namespace epollscope::trace
