// SPDX-License-Identifier: GPL-2.0-only
// live/live_child.cpp — epollscope-live-child: performs scenario calls with real syscalls.
//
// Two fd tables, so that a scenario can neither reach nor name the protocol. LiveBackend starts
// the child with the protocol socket on fd 0 and its stderr on 2. The control thread takes a
// private copy of the fd table (unshare(CLONE_FILES)) and speaks the protocol (live/protocol.h)
// from it. The thread-group leader then gives the original table three opens of /dev/null on 0, 1
// and 2 (files without ->poll, like the model's stdin, stdout and stderr) and nothing else: that
// table is the scenario's. The leader creates every scenario thread — a worker pthread, main's
// included — and a thread shares the table of the thread that created it; /proc/<pid>/fdinfo
// shows the leader's. So close(0), dup2(x, 1) or write(1, ...) in a scenario act on /dev/null as
// on the model's files, and the fds a scenario creates are numbered as in the model.
//
// Whether a call sleeps is seen, not timed: the control thread hands the call to its worker and
// waits. A call that returns is DONE. A call that may sleep whose worker sleeps (state S,
// /proc/self/task/<tid>/stat) inside the call's own syscall (/proc/self/task/<tid>/syscall) is
// BLOCKED — however loaded the machine, a slow call is not mistaken for a sleeping one — once the
// threads the call woke have run (a sleeping thread woken by it that has not yet slept again or
// returned may wake the caller back, which then returns, as in the model). A call
// that neither returns nor sleeps within kStuckMs is an ERROR. Each worker has a condition
// variable of its own: handing a call to one thread wakes no other. SETTLE then lets the system
// settle: loopback TCP while the kernel shows something in flight that arrives soon (a FIN's ACK,
// work left to ksoftirqd: live/tcp_settle.h), and, after a call that may have woken a thread, until
// every thread that slept sleeps again in its call or has returned (no fixed wait: a wake-up sets
// the woken thread runnable before the waking syscall returns).
//
// Time is the scenario's, as in the model: a virtual clock that sleep(ms) and the main thread's
// timed epoll_wait move on, never the wall clock. An epoll_wait with a timeout sleeps in the kernel
// without one (-1), and when the virtual clock passes its deadline the child interrupts it with a
// signal (SIGUSR1, no SA_RESTART): ep_poll then harvests what is ready and otherwise returns
// -EINTR, which is what its timeout would have given (harvest what is ready, else 0), so EINTR
// from an interrupted wait is reported as 0. The system is settled when that happens, so nothing
// else can have been on its way to the sleeper. A check of the whole library takes no second of
// sleeps, and no timeout can expire early on a slow machine. Pipes, AF_UNIX sockets, eventfds and
// epolls have no kernel timers, so skipping time is exact for them. TCP has timers that only the
// wall clock drives. While one that the model keeps on its clock is armed — the SYN retransmission
// of a socket in SYN_SENT, the probe timer of data that MSG_MORE or TCP_CORK held with nothing in
// flight, the delayed-ACK timer of data sent and not acknowledged (TCP_INFO, live/tcp_settle.h)
// — sleep(ms) sleeps for real (until no such timer is armed any more; the rest passes on the
// virtual clock alone) and the main thread's timed wait has its kernel timeout, which it waits
// out; the virtual clock moves on in step. The delayed ACK of a FIN is waited for by SETTLE, as
// the model sends it when a statement settles.
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "live/child_guard.h"
#include "live/protocol.h"
#include "live/real_calls.h"
#include "live/tcp_settle.h"

namespace {

using epollscope::driver::CallId;
using epollscope::driver::CallResult;
using epollscope::driver::ResolvedCall;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kProtocolFd = 0;  // in the control thread's own fd table

// One lock for the shared state; each waiter has its own condition variable.
std::mutex g_lock;
std::condition_variable g_control;  // the control thread: a result, a completion, a new thread
std::condition_variable g_leader;   // the leader: a thread to create
std::vector<std::pair<std::string, CallResult>> g_completions;  // finished after BLOCKED
epollscope::live::RealFds g_fds;  // which fds are TCP sockets; a TCP call since the last SETTLE
bool g_unsettled = false;         // a call since the last SETTLE may have woken a sleeping thread
int g_task_dir = -1;              // /proc/self/task, in the control thread's table
int64_t g_now_ms = 0;             // the scenario's virtual clock
int g_cpu = -1;                   // the one CPU every scenario thread runs on (-1: any)
bool g_fifo_works = true;         // SCHED_FIFO can be set (CAP_SYS_NICE or an RLIMIT_RTPRIO)
int g_pidfd = -1;  // this process, in the control thread's table: the scenario's sockets, borrowed

// The /proc/self/task/<tid> files the control thread reads to see what a worker does, opened once
// (-1: opened at each read).
struct TaskFiles {
  int wchan = -1;
  int syscall = -1;
  int stat = -1;
};

struct Worker {
  std::string name;
  pid_t tid = 0;
  TaskFiles files;               // in the control thread's fd table
  std::condition_variable wake;  // a call was handed to this worker
  std::unique_ptr<ResolvedCall> job;
  CallId call = CallId::kSleep;  // the call it makes or last made
  bool has_result = false;
  bool declared_blocked = false;  // BLOCKED was sent: its result is a completion
  int64_t deadline = -1;          // a timed epoll_wait's deadline on the virtual clock (-1: none)
  bool interrupted = false;       // its deadline passed: the signal was sent, EINTR means 0
  CallResult result;
  std::string error;  // the call could not be made (RealCallError)
};
std::map<std::string, std::unique_ptr<Worker>> g_workers;

// The leader's side of thread creation: the worker to create, and how it went.
struct Spawn {
  Worker* worker = nullptr;
  bool done = false;
  int error = 0;
};
Spawn g_spawn;

void reply(const std::string& line) {
  const std::string s = line + "\n";
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(kProtocolFd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);  // the parent went away
    off += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "epollscope-live-child: %s\n", why.c_str());
  _exit(2);
}

// ---------------------------------------------------------------------------------------------
// Workers: one pthread per scenario thread, created by the leader.
// ---------------------------------------------------------------------------------------------

void* worker_main(void* arg) {
  Worker* w = static_cast<Worker*>(arg);
  if (g_cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(g_cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  std::unique_lock<std::mutex> l(g_lock);
  w->tid = static_cast<pid_t>(syscall(SYS_gettid));
  g_control.notify_one();
  while (true) {
    w->wake.wait(l, [w] { return w->job != nullptr; });
    std::unique_ptr<ResolvedCall> job = std::move(w->job);
    l.unlock();
    CallResult o;
    std::string error;
    try {
      o = epollscope::live::perform_real_call(*job, g_fds);
    } catch (const std::exception& e) {
      error = e.what();
    }
    l.lock();
    if (w->interrupted && o.ret == -1 && o.err == EINTR) o = CallResult{};  // the timeout's 0
    w->interrupted = false;
    w->deadline = -1;
    if (w->declared_blocked) {
      w->declared_blocked = false;
      g_completions.emplace_back(w->name, o);
    } else {
      w->result = o;
      w->error = error;
      w->has_result = true;
    }
    g_control.notify_one();
  }
}

// Runs in the leader: creates the workers the control thread asks for, so that they share the
// scenario's fd table.
[[noreturn]] void leader_loop() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  // A worker makes one syscall at a time: a small stack lets a scenario have thousands.
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  std::unique_lock<std::mutex> l(g_lock);
  while (true) {
    g_leader.wait(l, [] { return g_spawn.worker && !g_spawn.done; });
    pthread_t t;
    g_spawn.error = pthread_create(&t, &attr, worker_main, g_spawn.worker);
    g_spawn.done = true;
    g_control.notify_one();
  }
}

void open_task_files(Worker* w);

// The worker of a scenario thread, created on its first call; nullptr with `error` if it cannot
// be created.
Worker* worker(const std::string& name, std::string* error) {
  auto it = g_workers.find(name);
  if (it != g_workers.end()) return it->second.get();
  auto w = std::make_unique<Worker>();
  w->name = name;
  std::unique_lock<std::mutex> l(g_lock);
  g_spawn = Spawn{w.get(), false, 0};
  g_leader.notify_one();
  g_control.wait(l, [] { return g_spawn.done; });
  const int err = g_spawn.error;
  g_spawn = Spawn{};
  if (err != 0) {
    *error = "cannot create scenario thread " + name + ": " + std::strerror(err);
    return nullptr;
  }
  Worker* raw = w.get();
  g_control.wait(l, [raw] { return raw->tid != 0; });
  l.unlock();
  open_task_files(raw);
  g_workers.emplace(name, std::move(w));
  return raw;
}

// ---------------------------------------------------------------------------------------------
// What a worker does, from /proc/self/task/<tid>: wchan, syscall, stat.
// ---------------------------------------------------------------------------------------------

enum class Sleep { kNo, kInCall, kUnknown };
bool g_wchan_works = true;  // wchan names where a sleeping task sleeps (not without kallsyms)

int open_task_file(pid_t tid, const char* file) {
  char rel[48];
  std::snprintf(rel, sizeof rel, "%d/%s", static_cast<int>(tid), file);
  return openat(g_task_dir, rel, O_RDONLY | O_CLOEXEC);
}

// Reads a worker's file into `out` (through its cached fd, else opened for this read); false when
// it cannot be opened (the scenario lowered RLIMIT_NOFILE below the control thread's next fd).
bool read_task_file(int cached, pid_t tid, const char* file, char* out, std::size_t size) {
  const int fd = cached >= 0 ? cached : open_task_file(tid, file);
  if (fd < 0) return false;
  const ssize_t n = pread(fd, out, size - 1, 0);
  if (cached < 0) ::close(fd);
  if (n <= 0) return false;
  out[n] = '\0';
  return true;
}

// The worker's three files, opened while no scenario call can allocate an fd (only threads that
// sleep in a call exist, and none of the calls allocates one after sleeping): RLIMIT_NOFILE, which
// the scenario may have lowered, is lifted for the moment so that they fit.
void open_task_files(Worker* w) {
  epollscope::live::with_nofile_lifted([w] {
    w->files.wchan = open_task_file(w->tid, "wchan");
    w->files.syscall = open_task_file(w->tid, "syscall");
    w->files.stat = open_task_file(w->tid, "stat");
  });
  // The new worker waits for its first call on its condition variable: without kallsyms wchan
  // says "0" for it too, and sleepers are then told by stat and syscall.
  char text[128];
  for (int i = 0; i < 20 && g_workers.empty(); ++i) {
    if (read_task_file(w->files.wchan, w->tid, "wchan", text, sizeof text) &&
        std::strcmp(text, "0") != 0) {
      g_wchan_works = true;
      return;
    }
    g_wchan_works = false;
    usleep(1000);
  }
}

// The syscalls a call that may sleep sleeps in.
bool is_syscall_of(CallId call, long nr) {
  switch (call) {
    case CallId::kEpollWait:
#ifdef SYS_epoll_wait
      if (nr == SYS_epoll_wait) return true;
#endif
#ifdef SYS_epoll_pwait2
      if (nr == SYS_epoll_pwait2) return true;
#endif
      return nr == SYS_epoll_pwait;
    case CallId::kEpollPwait:
      return nr == SYS_epoll_pwait;
    case CallId::kEpollPwait2:
#ifdef SYS_epoll_pwait2
      return nr == SYS_epoll_pwait2;
#else
      return false;
#endif
    case CallId::kAccept4:
      return nr == SYS_accept4;
    case CallId::kPoll:
    case CallId::kPpoll:
      return nr == SYS_poll || nr == SYS_ppoll;
    case CallId::kSelect:
    case CallId::kPselect6:
      return nr == SYS_select || nr == SYS_pselect6;
    case CallId::kRead:
    case CallId::kEventfdRead:
      return nr == SYS_read;
    case CallId::kWrite:
    case CallId::kEventfdWrite:
      return nr == SYS_write;
    case CallId::kRecv:
      return nr == SYS_recvfrom;
    case CallId::kSend:
      return nr == SYS_sendto;
    case CallId::kAccept:
#ifdef SYS_accept
      if (nr == SYS_accept) return true;
#endif
      return nr == SYS_accept4;
    default:
      return false;
  }
}

// The number of the syscall the task is blocked in (-1: blocked outside one; -2: "running", on a
// CPU or runnable); nullopt when the file cannot be read.
std::optional<long> blocked_syscall(const Worker& w) {
  char text[256];
  if (!read_task_file(w.files.syscall, w.tid, "syscall", text, sizeof text)) return std::nullopt;
  if (std::strncmp(text, "running", 7) == 0) return -2;
  return std::strtol(text, nullptr, 10);
}

// The state letter of /proc/.../stat: R (running, runnable, or being woken), S, D, ...
char task_state(const Worker& w) {
  char stat[1024];
  if (!read_task_file(w.files.stat, w.tid, "stat", stat, sizeof stat)) return '?';
  const char* paren = std::strrchr(stat, ')');
  return paren && paren[1] == ' ' ? paren[2] : '?';
}

// Does the worker sleep in its call's syscall? Before BLOCKED is sent it may also sleep on a lock
// (a futex) on its way to the call, so: the syscall, the state, the syscall again.
Sleep sleeping_in_call(const Worker& w, CallId call) {
  const auto before = blocked_syscall(w);
  if (!before) return Sleep::kUnknown;
  if (!is_syscall_of(call, *before)) return Sleep::kNo;
  // S: an interruptible sleep, as every wait of these calls is; R (runnable, or being woken) and
  // D (a kernel mutex, memory) are on their way.
  const char state = task_state(w);
  if (state == '?') return Sleep::kUnknown;
  if (state != 'S') return Sleep::kNo;
  // Still in the same syscall afterwards: it did not return between the two looks (a worker
  // makes its call's syscall once), so the S was the call's sleep, not a lock's.
  const auto after = blocked_syscall(w);
  if (!after) return Sleep::kUnknown;
  return *after == *before ? Sleep::kInCall : Sleep::kNo;
}

// Does a worker that was declared BLOCKED still sleep in its call? It can no longer be on its way
// to the call, only back from it, so one look at wchan tells: "0" is runnable or being woken
// (what a loaded machine leaves waiting for a CPU), a futex is a lock after the call, anything
// else the call's own sleep. Without a working wchan, the three looks above.
Sleep still_asleep(const Worker& w) {
  if (!g_wchan_works) return sleeping_in_call(w, w.call);
  char text[128];
  if (!read_task_file(w.files.wchan, w.tid, "wchan", text, sizeof text)) return Sleep::kUnknown;
  if (std::strcmp(text, "0") == 0 || std::strstr(text, "futex")) return Sleep::kNo;
  return Sleep::kInCall;
}

// ---------------------------------------------------------------------------------------------
// The requests.
// ---------------------------------------------------------------------------------------------

// The thread making the call runs SCHED_FIFO, the others SCHED_OTHER, all on one CPU: a thread
// the call wakes runs only once the call has returned, as in the model. (On two CPUs a woken
// epoll_wait harvested while the waking write was still queueing skbs, and each later wake-up
// re-queued its edge-triggered item, or not, depending on the race.)
void set_calling(const Worker& w, bool calling) {
  if (!g_fifo_works || g_cpu < 0) return;
  sched_param p{};
  p.sched_priority = calling ? 1 : 0;
  if (sched_setscheduler(w.tid, calling ? SCHED_FIFO : SCHED_OTHER, &p) != 0 && calling)
    g_fifo_works = false;
}

void on_deadline(int) {}  // SIGUSR1 only interrupts the sleep (no SA_RESTART)

// Interrupts every sleeping timed wait whose deadline the virtual clock has reached (g_lock held).
// The next SETTLE waits for their returns.
void expire_deadlines() {
  for (const auto& [name, w] : g_workers)
    if (w->deadline >= 0 && w->deadline <= g_now_ms && !w->interrupted) {
      w->interrupted = true;
      g_unsettled = true;
      syscall(SYS_tgkill, getpid(), w->tid, SIGUSR1);
    }
}

// Creating a file or changing a limit wakes nobody, nor does a call that went to sleep without
// moving anything (a write that sleeps may have filled a pipe first, and woken its reader).
bool may_wake_others(CallId call, bool blocked) {
  switch (call) {
    case CallId::kEpollCreate:
    case CallId::kEpollCreate1:
    case CallId::kPipe:
    case CallId::kPipe2:
    case CallId::kSocketpair:
    case CallId::kEventfd:
    case CallId::kTcpListen:
    case CallId::kOpenRegular:
    case CallId::kSetrlimitNofile:
      return false;
    case CallId::kEpollWait:
    case CallId::kEpollPwait:
    case CallId::kEpollPwait2:
    case CallId::kPoll:
    case CallId::kSelect:
    case CallId::kPpoll:
    case CallId::kPselect6:
    case CallId::kRead:
    case CallId::kRecv:
    case CallId::kAccept:
    case CallId::kAccept4:
    case CallId::kEventfdRead:
      return !blocked;
    default:
      return true;
  }
}

// Every thread that slept sleeps again in its call, or has returned; false while one is on its
// way (woken, runnable, not yet run: a loaded machine may take a while to run it).
bool sleepers_settled(std::unique_lock<std::mutex>& l, bool* unknown) {
  std::vector<const Worker*> sleepers;
  for (const auto& [name, w] : g_workers) {
    if (w->declared_blocked && w->interrupted) return false;  // its timeout's return is coming
    if (w->declared_blocked) sleepers.push_back(w.get());
  }
  l.unlock();
  bool settled = true;
  for (const Worker* w : sleepers) {
    const Sleep s = still_asleep(*w);
    if (s == Sleep::kUnknown) *unknown = true;
    if (s == Sleep::kNo) {
      settled = false;
      break;
    }
  }
  l.lock();
  return settled;
}

void handle_call(std::istringstream& in) {
  auto call = std::make_unique<ResolvedCall>();
  std::string name;
  std::size_t n = 0;
  in >> call->thread >> name >> n;
  const epollscope::sim::script::CallSpec* spec = epollscope::sim::script::find_call(name);
  if (!in || !spec || n != spec->args.size())
    die("bad call '" + name + "' with " + std::to_string(n) + " arguments");
  call->call = spec->id;
  for (std::size_t i = 0; i < n; ++i) {
    int64_t v;
    int null;
    if (!(in >> v >> null)) die("bad arguments of " + name);
    call->values.push_back(v);
    call->is_null.push_back(null != 0);
  }
  std::string text;
  if (!(in >> text)) die("bad text of " + name);
  call->text = epollscope::live::hex_decode(text);
  call->has_text = text != "-";
  if (!epollscope::live::decode_lists(in, *call)) die("bad lists of " + name);

  // sleep(ms), in any thread, moves the virtual clock on: the timed waits it passes return.
  const int64_t timeout =
      spec->timeout_arg < 0
          ? 0
          : epollscope::sim::script::timeout_ms(
                spec->id, call->values[static_cast<std::size_t>(spec->timeout_arg)],
                call->is_null[static_cast<std::size_t>(spec->timeout_arg)]);
  const bool positive_wait = epollscope::sim::script::waits_for_events(spec->id) &&
                             (spec->id == CallId::kEpollPwait2 || spec->id == CallId::kSelect ||
                                      spec->id == CallId::kPpoll || spec->id == CallId::kPselect6
                                  ? timeout
                                  : static_cast<int>(timeout)) > 0;
  // Time passes for real only while a TCP timer that the model keeps is armed (see the top).
  const bool real_time =
      (spec->id == CallId::kSleep || (call->thread == "main" && positive_wait)) &&
      epollscope::live::tcp_timer_pending(g_fds, g_pidfd);
  if (spec->id == CallId::kSleep) {
    std::lock_guard<std::mutex> l(g_lock);
    g_now_ms += std::max<int64_t>(0, timeout);
    expire_deadlines();
    if (!real_time) {
      reply(epollscope::live::encode_done(CallResult{}));
      return;
    }
  }
  // Virtual time: a timed wait sleeps untimed in the kernel and the virtual clock ends it (see the
  // top); the main thread's moves the clock on to its deadline when it sleeps. Real time: the
  // kernel's own timeout, which the main thread waits out, as sleep(ms) sleeps.
  const bool timed = !real_time && positive_wait;
  const bool main_timed = timed && call->thread == "main";
  if (timed) {
    const auto at = static_cast<std::size_t>(spec->timeout_arg);
    if (spec->args[at].kind == epollscope::sim::script::ArgKind::kIntOrNull ||
        spec->args[at].kind == epollscope::sim::script::ArgKind::kTimePtr)
      call->is_null[at] = true;  // a NULL timespec or timeval: no timeout
    else
      call->values[at] = -1;
  }
  const bool waits_it_out = real_time;
  const int64_t waited = waits_it_out ? std::max<int64_t>(0, timeout) : 0;
  const bool may_sleep = spec->may_sleep && !waits_it_out;

  std::string error;
  Worker* w = worker(call->thread, &error);
  if (!w) {
    reply("ERROR " + error);
    return;
  }
  const auto start = Clock::now();
  const auto stuck = start + milliseconds(waited + epollscope::live::kStuckMs);
  std::unique_lock<std::mutex> l(g_lock);
  w->has_result = false;
  w->call = spec->id;
  w->deadline = timed ? g_now_ms + timeout : -1;
  w->interrupted = false;
  set_calling(*w, true);
  w->job = std::move(call);
  w->wake.notify_one();
  auto poll = std::chrono::microseconds(100);
  bool blocked = false;
  bool woken_ran = false;  // the threads woken by this call have run since it was seen asleep
  while (true) {
    if (g_control.wait_for(l, poll, [w] { return w->has_result; })) break;
    if (Clock::now() >= stuck) {
      w->declared_blocked = true;  // whatever it does later is not this call's answer
      set_calling(*w, false);
      l.unlock();
      reply("ERROR the " + name + " call of thread " + w->name + " neither returned nor slept in " +
            std::to_string(epollscope::live::kStuckMs / 1000) + " s");
      return;
    }
    poll = std::min<std::chrono::microseconds>(poll * 2, milliseconds(5));
    if (!may_sleep) continue;
    l.unlock();
    Sleep s = sleeping_in_call(*w, w->call);
    // Without /proc (the fd table of this thread is full): after 200 ms, as a bound of time.
    if (s == Sleep::kUnknown && Clock::now() - start >= milliseconds(200)) s = Sleep::kInCall;
    l.lock();
    if (w->has_result) break;
    if (s == Sleep::kInCall && main_timed) {
      // Its timeout passes: the clock moves on to its deadline, ending it and the waits before.
      if (!w->interrupted) {
        g_now_ms = std::max(g_now_ms, w->deadline);
        expire_deadlines();
      }
      continue;
    }
    if (s == Sleep::kInCall && !woken_ran) {
      // Before it counts as blocked, the threads its call woke run (they wait for a CPU behind
      // it): one of them may wake it again, and then it returns before the next statement, as in
      // the model (a pipe writer asleep on a full pipe whose woken reader drops the last read end).
      woken_ran = true;
      bool unknown = false;
      while (!sleepers_settled(l, &unknown) && !unknown && !w->has_result && Clock::now() < stuck)
        g_control.wait_for(l, milliseconds(1));
      continue;
    }
    if (s == Sleep::kInCall) {
      blocked = true;
      break;
    }
  }
  set_calling(*w, false);
  g_unsettled |= may_wake_others(spec->id, blocked);
  if (blocked) {
    w->declared_blocked = true;
    l.unlock();
    reply("BLOCKED");
    return;
  }
  w->has_result = false;
  // Real time: the main thread's wait that ran out its timeout moved the model's clock on by it;
  // the timed waits left from virtual time whose deadlines it passed end now, as in the model.
  if (waits_it_out && spec->id != CallId::kSleep && w->error.empty() && w->result.ret == 0) {
    g_now_ms += std::max<int64_t>(0, timeout);
    expire_deadlines();
    g_unsettled = true;
  }
  const std::string line =
      w->error.empty() ? epollscope::live::encode_done(w->result) : "ERROR " + w->error;
  l.unlock();
  reply(line);
}

void handle_settle(std::istringstream& in) {
  int ms = 0;
  in >> ms;
  std::unique_lock<std::mutex> l(g_lock);
  bool anyone_sleeping = false;
  for (const auto& [name, w] : g_workers)
    anyone_sleeping |= w->declared_blocked;
  if (g_fds.take_network_busy()) {
    // Loopback segments and their ACKs: until nothing is in flight (live/tcp_settle.h). Other
    // wake-ups are made by the waking syscall itself, before it returns.
    l.unlock();
    epollscope::live::settle_tcp(g_fds, int64_t{std::clamp(ms, 0, 1000)} * 1000, g_pidfd);
    l.lock();
  }
  if (anyone_sleeping && g_unsettled) {
    const auto stuck = Clock::now() + milliseconds(epollscope::live::kStuckMs);
    bool unknown = false;
    while (!sleepers_settled(l, &unknown) && !unknown && Clock::now() < stuck)
      g_control.wait_for(l, milliseconds(1));
    if (unknown) {
      // /proc cannot be read (this thread's fds are at RLIMIT_NOFILE): `ms`, as a bound of time.
      const auto until = Clock::now() + milliseconds(std::clamp(ms, 0, 1000));
      while (Clock::now() < until)
        g_control.wait_until(l, until);
    }
  }
  g_unsettled = false;
  auto done = std::move(g_completions);
  g_completions.clear();
  l.unlock();
  reply("COMPLETIONS " + std::to_string(done.size()));
  for (const auto& [name, o] : done)
    reply(name + " " + epollscope::live::encode_done(o));
}

[[noreturn]] void serve() {
  std::string buffer;
  char chunk[4096];
  while (true) {
    std::size_t nl;
    while ((nl = buffer.find('\n')) == std::string::npos) {
      const ssize_t n = ::read(kProtocolFd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) _exit(0);  // the parent went away
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (buffer.size() > epollscope::live::kMaxLine) die("a request line is too long");
    }
    std::istringstream in(buffer.substr(0, nl));
    buffer.erase(0, nl + 1);
    std::string word;
    in >> word;
    if (word == "CALL")
      handle_call(in);
    else if (word == "SETTLE")
      handle_settle(in);
    else if (word == "QUIT")
      _exit(0);
    else
      die("unknown request '" + word + "'");
  }
}

// ---------------------------------------------------------------------------------------------
// Start: two fd tables.
// ---------------------------------------------------------------------------------------------

enum class Setup { kStarted, kUnshared, kTableReady };
Setup g_setup = Setup::kStarted;
std::string g_setup_error;

void* control_main(void*) {
  // A private copy of the table: 0 (the protocol socket), 1, 2 (stderr). The leader's table,
  // which the scenario gets, stops holding the socket below.
  const bool unshared = unshare(CLONE_FILES) == 0;
  {
    std::lock_guard<std::mutex> l(g_lock);
    if (!unshared) g_setup_error = std::string("unshare(CLONE_FILES): ") + std::strerror(errno);
    g_setup = Setup::kUnshared;
    g_leader.notify_one();
  }
  {
    std::unique_lock<std::mutex> l(g_lock);
    g_control.wait(l, [] { return g_setup == Setup::kTableReady; });
  }
  if (!g_setup_error.empty()) {
    reply("ERROR " + g_setup_error);
    _exit(2);
  }
  g_task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g_task_dir < 0) {
    reply(std::string("ERROR cannot open /proc/self/task: ") + std::strerror(errno));
    _exit(2);
  }
  // The scenario's TCP sockets are in the leader's table: live/tcp_settle.h borrows them.
  g_pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  if (g_pidfd < 0) {
    reply(std::string("ERROR pidfd_open: ") + std::strerror(errno));
    _exit(2);
  }
  reply("READY");
  serve();
}

// The leader: the scenario's table gets /dev/null on 0, 1 and 2 and nothing else.
std::string make_scenario_table() {
  for (int fd = 0; fd < 3; ++fd) {
    const int n = open("/dev/null", O_RDWR);
    if (n < 0) return std::string("cannot open /dev/null: ") + std::strerror(errno);
    if (n != fd) {
      if (dup2(n, fd) != fd) return std::string("dup2: ") + std::strerror(errno);
      close(n);
    }
  }
  if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
    for (int fd = 3; fd < 1024; ++fd)
      close(fd);
  return {};
}

}  // namespace

// Never returns: the control thread ends the process (QUIT, or the parent went away).
[[noreturn]] static void run_live_child() {
  mallopt(M_ARENA_MAX, 1);  // thousands of threads need no arena each
  pthread_t control;
  if (int rc = pthread_create(&control, nullptr, control_main, nullptr); rc != 0)
    die(std::string("cannot create the control thread: ") + std::strerror(rc));
  std::unique_lock<std::mutex> l(g_lock);
  g_leader.wait(l, [] { return g_setup == Setup::kUnshared; });
  if (g_setup_error.empty()) g_setup_error = make_scenario_table();
  g_setup = Setup::kTableReady;
  g_control.notify_one();
  l.unlock();
  leader_loop();
}

int main(int argc, char** argv) {
  // Die with epollscope, even when it is killed (LiveBackend passes its pid as --parent=PID).
  pid_t parent = 0;
  if (argc > 1 && std::strncmp(argv[1], "--parent=", 9) == 0) parent = std::atoi(argv[1] + 9);
  epollscope::live::die_with_parent(parent);
  signal(SIGPIPE, SIG_IGN);
  // The virtual clock's end of a timed wait: a signal that interrupts the sleep (no SA_RESTART).
  struct sigaction sa {};
  sa.sa_handler = on_deadline;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, nullptr);
  // The model's process starts with RLIMIT_NOFILE 1024, as a login shell's does.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = static_cast<rlim_t>(epollscope::live::scenario_rlimit_nofile().cur);
  setrlimit(RLIMIT_NOFILE, &rl);
  // Every scenario thread on one CPU (see set_calling): the first this process may use.
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
    for (int c = 0; c < CPU_SETSIZE && g_cpu < 0; ++c)
      if (CPU_ISSET(c, &cpus)) g_cpu = c;
  run_live_child();
}
