// SPDX-License-Identifier: GPL-2.0-only
// sim/kernel.h — the syscall layer of one simulated process.
//
// The Kernel is what drivers (the scenario runner, the GUI, the tests, the benchmarks) call: each
// syscall method performs the call for one task exactly as the kernel orders its checks and
// returns a SysResult (a value, or -1 and an errno, never an exception). A call that must sleep
// returns `blocked`; its result arrives later, after a wake-up or a timeout, as a Completion.
// After every syscall the Kernel runs the tasks that the call woke, in the order they were woken,
// so by the time a syscall method returns, every consequence of the call has happened.
//
// Who owns what: the Kernel composes the objects of the simulated machine and owns each of them:
//   KernelContext   the trace, ids and labels, the profile (sim/context.h): what the rooms below
//                   the syscall layer are handed instead of the Kernel;
//   Scheduler       tasks, the runqueue, the virtual clock, completions (sim/sched.h);
//   EpollGlobals    the statics of fs/eventpoll.c and the slab caches (sim/eventpoll.h);
//   FileTable       every open file description, fput (sim/file_table.h);
//   FilesStruct     this process's fd table and RLIMIT_NOFILE (sim/fdtable.h);
//   TcpNet          the loopback network (sim/tcp.h).
// The syscall bodies here look fds up, check arguments in the kernel's order and call into
// those objects; the epoll-specific bodies are in eventpoll.cpp, the file types' in their files.
//
// Fd numbers follow the kernel's rule: the lowest free number (files->next_fd), below
// RLIMIT_NOFILE (EMFILE above it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/context.h"
#include "sim/eventpoll.h"
#include "sim/fdtable.h"
#include "sim/file.h"
#include "sim/file_table.h"
#include "sim/observed.h"
#include "sim/profile.h"
#include "sim/sched.h"
#include "sim/select.h"
#include "sim/task.h"
#include "sim/trace.h"

namespace epollscope::sim {

class TcpNet;
struct PollCallState;

class Kernel {
 public:
  explicit Kernel(const KernelProfile& profile = KernelProfile::default_profile());
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const KernelProfile& profile() const { return ctx_.profile(); }

  // --- threads -----------------------------------------------------------------------------
  Task& main_task() { return sched_.main_task(); }
  Task& create_task(std::string name) { return sched_.create_task(std::move(name)); }
  Task* find_task(std::string_view name) { return sched_.find_task(name); }
  const std::vector<std::unique_ptr<Task>>& tasks() const { return sched_.tasks(); }

  // --- syscalls ----------------------------------------------------------------------------
  SysResult epoll_create(Task& t, int size);
  SysResult epoll_create1(Task& t, int flags);
  // `event` nullopt stands for an event pointer that faults (NULL).
  SysResult epoll_ctl(Task& t, int epfd, int op, int fd, std::optional<EpollEvent> event);
  // `buffer`: a valid events buffer, NULL (faults only when an event is copied) or a kernel
  // address (refused by access_ok).
  SysResult epoll_wait(Task& t, int epfd, int maxevents, int timeout_ms,
                       UserBuffer buffer = UserBuffer::kValid);
  // epoll_pwait: `sigmask` nullopt is NULL, else the set of signals (bit n-1: signal n) the wait
  // blocks. No signal is ever sent to the model's process, so the mask changes nothing else.
  SysResult epoll_pwait(Task& t, int epfd, int maxevents, int timeout_ms,
                        std::optional<uint64_t> sigmask, UserBuffer buffer = UserBuffer::kValid);
  // epoll_pwait2: the timeout a struct timespec of tv_sec and tv_nsec (nullopt: NULL, for ever).
  struct Timespec {
    int64_t tv_sec = 0;
    int64_t tv_nsec = 0;
  };
  SysResult epoll_pwait2(Task& t, int epfd, int maxevents, std::optional<Timespec> timeout,
                         std::optional<uint64_t> sigmask, UserBuffer buffer = UserBuffer::kValid);
  // poll(2) (fs/select.c, do_sys_poll → do_poll): `fds` is the pollfd array (or a pointer that
  // faults, UserPollfds::faulting), `timeout_ms` negative waits for ever. The entries with
  // non-zero revents come back in SysResult::events as {revents, fd}, in array order; the return
  // value is their number.
  SysResult poll(Task& t, UserPollfds fds, int timeout_ms);
  // ppoll(2): poll with a struct timespec timeout (NULL: for ever; {0, 0}: no wait) on the
  // virtual clock in ns, and a signal mask for the wait (nullopt: NULL; no signal is ever sent).
  SysResult ppoll(Task& t, UserPollfds fds, UserArg<Timespec> timeout,
                  std::optional<uint64_t> sigmask);
  // select(2) (kern_select → core_sys_select → do_select): each set as the fds whose bits are
  // set (nullopt: a NULL set); `timeout` nullopt is a NULL timeval (for ever). The fds in any
  // result set come back in SysResult::events as {kSelectReadfds | kSelectWritefds |
  // kSelectExceptfds bits, fd}, in fd order; the return value counts the bits, as select's does.
  // A set or the timeval may be a pointer that faults (UserArg::faulting).
  struct Timeval {
    int64_t tv_sec = 0;
    int64_t tv_usec = 0;
  };
  SysResult select(Task& t, int nfds, UserArg<std::vector<int>> readfds,
                   UserArg<std::vector<int>> writefds, UserArg<std::vector<int>> exceptfds,
                   UserArg<Timeval> timeout);
  // pselect6(2) (do_pselect → core_sys_select): select with a struct timespec timeout and a
  // signal mask (nullopt: NULL).
  SysResult pselect6(Task& t, int nfds, UserArg<std::vector<int>> readfds,
                     UserArg<std::vector<int>> writefds, UserArg<std::vector<int>> exceptfds,
                     UserArg<Timespec> timeout, std::optional<uint64_t> sigmask);
  SysResult pipe2(Task& t, int flags);
  SysResult socketpair(Task& t, int flags);  // AF_UNIX, SOCK_STREAM | flags
  SysResult eventfd2(Task& t, unsigned initval, int flags);
  SysResult tcp_listen(Task& t, int backlog, int flags);     // socket + bind 127.0.0.1:0 + listen
  SysResult tcp_connect(Task& t, int listen_fd, int flags);  // socket + connect to that listener
  // `name`: the call as the trace shows it ("accept" is accept4 with the scenario's fixed flags).
  SysResult accept4(Task& t, int fd, int flags, const char* name = "accept4");
  SysResult read(Task& t, int fd, std::size_t count);
  // `first8`: the data's first 8 bytes as a little-endian number, which is what an eventfd adds to
  // its counter (the model keeps no other bytes); by default the scenario language's filler,
  // "xxxxxxxx".
  static constexpr uint64_t kFiller8 = 0x7878787878787878ULL;
  SysResult write(Task& t, int fd, std::size_t count, uint64_t first8 = kFiller8);
  SysResult recv(Task& t, int fd, std::size_t count, int flags);
  SysResult send(Task& t, int fd, std::size_t count, int flags);
  SysResult eventfd_read(Task& t, int fd);
  SysResult eventfd_write(Task& t, int fd, uint64_t value);
  SysResult shutdown(Task& t, int fd, int how);
  SysResult set_sndbuf(Task& t, int fd, int v);  // setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v)
  // setsockopt(fd, level, optname, &value, sizeof(int)): SO_SNDBUF, SO_RCVBUF, TCP_NODELAY,
  // TCP_CORK; other options of these levels are ENOPROTOOPT, as unknown ones are.
  SysResult setsockopt(Task& t, int fd, int level, int optname, int value);
  // getsockopt of the same options: the value in SysResult::value.
  SysResult getsockopt(Task& t, int fd, int level, int optname);
  SysResult close(Task& t, int fd);
  // close_range(first, last, flags): every open fd from `first` to `last` closed in ascending
  // order as close() closes it, or with CLOSE_RANGE_CLOEXEC marked close-on-exec instead.
  // CLOSE_RANGE_UNSHARE gives the caller its own copy of the fd table first, which the model
  // does not keep apart (its threads share one table): it is accepted and changes nothing, which
  // is exact for a process with one thread.
  SysResult close_range(Task& t, unsigned first, unsigned last, unsigned flags);
  SysResult dup(Task& t, int fd);
  SysResult dup2(Task& t, int oldfd, int newfd);
  SysResult open_regular(Task& t, std::string name);  // a file without ->poll (EPERM in epoll_ctl)
  // setrlimit(RLIMIT_NOFILE) with the soft limit `limit` and the hard limit kept, as the scenario
  // language's setrlimit_nofile(n) does (getrlimit, rlim_cur = n, setrlimit).
  SysResult setrlimit_nofile(Task& t, long limit);
  // fcntl(fd, cmd, arg): F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETPIPE_SZ, F_SETPIPE_SZ.
  SysResult fcntl(Task& t, int fd, unsigned cmd, uint64_t arg);
  // ioctl(fd, request, argp): FIONREAD (the bytes readable, in SysResult::value) and FIONBIO
  // (the int `arg` behind the pointer). `arg_faults`: argp is NULL.
  SysResult ioctl(Task& t, int fd, unsigned request, int64_t arg, bool arg_faults);

  // --- observed files (sim/observed.h): a traced real program's files the model only watches --
  // The real process has a file at `fd` that the model did not create (a socket, an fd inherited
  // at start, a file from a call the model does not mirror): a new ObservedFile labelled `label`
  // (what the real file is) with `f_flags` (as /proc/<pid>/fdinfo prints them: O_CLOEXEC there
  // is the slot's close-on-exec flag, which the kernel keeps in the fd table, not in f_flags)
  // and the real file's current poll `mask` goes into slot
  // `fd` exactly, as dup2 would put it there: the table grows as needed, and a file the slot held
  // is closed with all that closing means (its epitems go when that was its last reference).
  // Not a scenario call, but numbered and traced like one. EBADF for a negative fd or one at or
  // above fs.nr_open (the soft RLIMIT_NOFILE does not apply: the real kernel already gave the fd).
  SysResult install_observed(Task& t, int fd, std::string label, int f_flags, poll_t mask = 0);
  // The observed file at `fd`, or nullptr (not open, or not an observed file).
  ObservedFile* observed_at(int fd) const;
  // The real file at `fd` has a new poll mask, without a wake-up (one that comes with a wake-up
  // is set first, then the wake-up reported). Throws std::invalid_argument if `fd` holds no
  // observed file (a tracer's mistake, not an errno).
  void set_observed_mask(int fd, poll_t mask);
  // Wake-ups the tracer saw on the real kernel, in the order the kernel issued them: each is a
  // wake-up of the observed file's wait queue with its key (ep_poll_callback for each epitem on
  // it), and only after all of them do the tasks they woke run, once each, in the order they were
  // woken — as a thread woken on another CPU harvests after the wake-ups that came meanwhile.
  // Their results come out as usual (take_completions). `t` is the traced thread the tracer was
  // following when it saw them; it names the batch in the trace (the wake-ups themselves come
  // from outside the process). `source`: the real kernel function that woke the file, if the
  // tracer knows it ("sock_def_readable"), else empty. Every fd is checked before any wake-up:
  // std::invalid_argument if one holds no observed file, and nothing happens.
  //
  // `reaches_epfd` >= 0: the wake-up of a file whose items are all EPOLLEXCLUSIVE whose walk the
  // kernel's answer showed reaching the exclusive entry of its item in that epoll (as
  // observed_wakeup_reaches, but in its place in the batch): ep_poll_callback for that one entry
  // (it links the item; it wakes a thread asleep on ep->wq, or none when the batch already woke
  // it — autoremove took its entry off ep->wq, and the real walk went on). std::invalid_argument
  // too when that epoll has no exclusive item on the file.
  struct ObservedWakeup {
    // Three arguments always, so that a braced {fd, key} list picks the overload without source.
    ObservedWakeup(int fd_, poll_t key_, std::string source_, int reaches_epfd_ = -1)
        : fd(fd_), key(key_), source(std::move(source_)), reaches_epfd(reaches_epfd_) {}
    int fd;
    poll_t key;
    std::string source;
    int reaches_epfd = -1;
  };
  void observed_wakeups(Task& t, const std::vector<ObservedWakeup>& wakes);
  void observed_wakeups(Task& t, const std::vector<std::pair<int, poll_t>>& wakes);

  // The tracer learns only at an epoll's next harvest that wake-ups of these observed files
  // (fds of items of `epfd`, oldest first) came while the previous scan of that epoll was still
  // running, not after it as the model had placed them: ep_poll_callback had chained each item on
  // ovflist and ep_done_scan moved it to the head of rdllist. The items (still linked, at the
  // tail) move to the head, the oldest first: the state the kernel's path left, given that no
  // harvest of this epoll ran since. False when none of them is linked.
  bool late_scan_wakeups(int epfd, const std::vector<int>& fds);

  // Wake-ups of observed files that reached the tracer within one stop of the program have no
  // order the tracer can see; a harvest of the real kernel shows it. The items of `epfd` on
  // these fds that are on its ready list take this order among the places they hold (the other
  // items keep theirs). False when nothing moved.
  bool adopt_ready_order(int epfd, const std::vector<int>& fds);

  // A wake-up of the observed file at `fd` whose walk (__wake_up_common, nr_exclusive 1) reached
  // the EPOLLEXCLUSIVE entry of its item in `epfd`. Which exclusive entry a real walk stops at
  // depends on which epolls had a thread asleep in epoll_wait, and on the order the items joined
  // the file's wait queue: races the tracer cannot see (a thread stops at its syscall's entry
  // before it sleeps; threads' epoll_ctl calls reach the tracer in any order). The kernel's
  // answer shows which items a walk reached: ep_poll_callback for that one entry with `key`
  // (links the item, wakes a thread asleep on ep->wq), then the task it woke runs. False, and
  // nothing happens, when `epfd` has no exclusive item on an observed file at `fd`.
  bool observed_wakeup_reaches(int epfd, int fd, poll_t key);

  // --- signals -------------------------------------------------------------------------------
  // A signal arrives for `t`, asleep in a syscall (its handler has no SA_RESTART): signal_wake_up
  // wakes it, and its syscall sees signal_pending when it runs again — epoll_wait returns -1
  // EINTR (ep_poll), a blocking read or write that moved no bytes -1 EINTR (-ERESTARTSYS turned
  // into EINTR by handle_signal), one that moved some the count it moved. Its wait entry leaves
  // its queue and its timer is cancelled; the result comes out as a Completion. The signal is
  // consumed by the time this returns. False (and nothing happens) if `t` was not sleeping.
  bool interrupt(Task& t);

  // --- time and sleeping tasks ---------------------------------------------------------------
  int64_t now_ns() const { return sched_.now_ns(); }
  // The earliest deadline of a sleeping task, if any.
  std::optional<int64_t> next_timer() const { return sched_.next_timer(); }
  // Moves the clock forward to `t` (never backwards), firing timers in deadline order and running
  // the tasks they wake.
  void advance_clock_to(int64_t t) { sched_.advance_clock_to(t); }
  // Results of sleeping syscalls that have finished since the last call.
  std::vector<Completion> take_completions() { return sched_.take_completions(); }
  // After a statement, what the live side waits for before the next one (live/tcp_settle.h):
  // the delayed ACK a FIN's receiver owes is sent (the clock does not move), and the threads it
  // wakes run.
  void settle();
  bool has_sleeping_tasks() const { return sched_.has_sleeping_tasks(); }

  // --- concurrency, for teaching -------------------------------------------------------------
  // Something that happens "on another CPU" while epoll_wait copies events out: `action` runs
  // once, inside the next ep_send_events of the epoll `ep_id` (0 = any), after `after_items`
  // ready items were processed. Only file events belong here (writes, reads): operations that
  // need ep->mtx would wait for the scan to end in the kernel.
  void set_scan_hook(uint32_t ep_id, int after_items, std::function<void(Kernel&)> action);

  // --- configuration -------------------------------------------------------------------------
  void set_max_user_watches(long n) { epoll_.max_user_watches = n; }
  long max_user_watches() const { return epoll_.max_user_watches; }
  long epoll_watches() const { return epoll_.epoll_watches; }
  // The process's RLIMIT_NOFILE and fs.nr_open, as it starts (before any call).
  void set_nofile_limits(const RlimitNofile& r) { fdt_.set_rlimit(r); }
  const RlimitNofile& nofile_limits() const { return fdt_.rlimit(); }

  // --- tracing -------------------------------------------------------------------------------
  void set_trace_sink(TraceSink* sink) { ctx_.set_trace_sink(sink); }
  uint32_t call_number() const { return ctx_.call_number(); }

  // --- state, read-only, for snapshots and the invariant checker ---------------------------
  const std::vector<FdSlot>& fd_table() const { return fdt_.slots(); }
  File* file_at(int fd) const { return fdt_.file_at(fd); }  // fdget: nullptr when not open
  // fdt->max_fds: the size the kernel's fd table has grown to (select clamps nfds to it).
  int max_fds() const;
  // Live files in creation order.
  std::vector<const File*> files() const { return files_.files(); }
  std::vector<File*> files() { return files_.files(); }
  std::size_t epitems_in_use() const { return epoll_.epi_cache.in_use(); }
  std::size_t eppoll_entries_in_use() const { return epoll_.eppoll_entries_in_use(); }
  // Gives `f` another ep_cmp_ffd key (the live backend teaches the model the kernel's order).
  bool set_file_address(File* f, uint64_t a) { return files_.set_file_address(f, a); }
  // What a file operation is handed, for a driver that calls one directly (a test's one-shot
  // ->poll() of an fd, as poll(2) with a zero timeout would).
  KernelContext& context() { return ctx_; }

 private:
  // The wrappers every syscall method goes through: numbers the call, traces entry and result,
  // then runs the tasks the call woke.
  template <class Describe>
  void begin_call(Task& t, Describe&& describe) {
    ctx_.count_call();
    if (ctx_.tracing()) trace_call(t, describe());
    ctx_.enter();
  }
  void trace_call(Task& t, std::string text);
  SysResult end_call(Task& t, SysResult r);
  // The EPOLLEXCLUSIVE item of `epfd` on the observed file at `fd` (with its wait entry), or null.
  EpItem* exclusive_item(int epfd, int fd) const;
  // A wake-up of `f` reaches `item`'s exclusive wait entry: ep_poll_callback with `key`.
  void reach_exclusive_entry(ObservedFile& f, EpItem* item, poll_t key);
  SysResult do_epoll_create(int flags);
  // do_epoll_wait → ep_poll; `timeout_ns` nullopt waits for ever, 0 does not wait. `text()` is
  // the call as a sleeping task shows it (made only when needed: the fast path makes no string).
  template <class Text>
  SysResult do_epoll_wait(Task& t, int epfd, int maxevents, std::optional<int64_t> timeout_ns,
                          UserBuffer buffer, const Text& text);
  // fs/select.c (sim/select.cpp): the passes, the sleeps between them and poll_freewait, for
  // both calls; `text()` names the call for a sleeping task.
  SysResult poll_select_loop(Task& t, std::shared_ptr<PollCallState> st,
                             const std::function<std::string()>& text);
  // poll_select_set_timeout of a timespec: false (traced) when it is invalid; else st's deadline.
  bool poll_select_set_timeout(PollCallState& st, int64_t sec, int64_t nsec, bool timeval);
  // do_sys_poll and core_sys_select, after the syscall's own checks.
  SysResult do_sys_poll(Task& t, std::shared_ptr<PollCallState> st, const UserPollfds& ufds,
                        const std::function<std::string()>& text);
  SysResult core_sys_select(Task& t, std::shared_ptr<PollCallState> st, int nfds,
                            const std::array<const UserArg<std::vector<int>>*, 3>& sets,
                            const std::function<std::string()>& text);
  // poll_select_finish: the remaining time written back to the caller's timeval or timespec.
  SysResult poll_select_finish(PollCallState& st, SysResult r);
  long poll_select_pass(Task& t, PollCallState& st);
  void poll_freewait(PollCallState& st);
  SysResult install_pair(File* a, File* b, bool cloexec);
  SysResult do_io(Task& t, int fd, const char* name, bool is_write, IoRequest io);
  // file_close_fd + filp_close of an open fd (close, close_range).
  void close_fd(int fd, File* f, const char* function);
  // A sleeping read or write woken by a signal (interrupt).
  static bool sleep_checks_signal(FileKind kind);
  long interrupted_socket_io(Task& t, File* f, IoRequest& io, bool is_write);
  long restart_as_eintr(Task& t);

  // Declared in the order they are made: the context first (every other object is handed it),
  // the scheduler next (its "main" task takes the first id).
  KernelContext ctx_;
  Scheduler sched_;
  EpollGlobals epoll_;
  FileTable files_;
  FilesStruct fdt_;
  std::unique_ptr<TcpNet> tcp_net_;
};

}  // namespace epollscope::sim
