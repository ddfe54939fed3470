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
#include "sim/profile.h"
#include "sim/sched.h"
#include "sim/task.h"
#include "sim/trace.h"

namespace epollscope::sim {

class TcpNet;

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
  SysResult do_epoll_create(int flags);
  // do_epoll_wait → ep_poll; `timeout_ns` nullopt waits for ever, 0 does not wait. `text()` is
  // the call as a sleeping task shows it (made only when needed: the fast path makes no string).
  template <class Text>
  SysResult do_epoll_wait(Task& t, int epfd, int maxevents, std::optional<int64_t> timeout_ns,
                          UserBuffer buffer, const Text& text);
  SysResult install_pair(File* a, File* b, bool cloexec);
  SysResult do_io(Task& t, int fd, const char* name, bool is_write, IoRequest io);

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
