// SPDX-License-Identifier: GPL-2.0-only
// sim/select.cpp — fs/select.c of Linux 6.1: poll(2) and select(2) on the model (sim/select.h).
//
// The order is the kernel's. poll: do_sys_poll checks nfds against RLIMIT_NOFILE, poll_initwait
// builds the table, do_poll makes passes (do_pollfd for each pollfd: a negative fd is skipped, a
// closed one is POLLNVAL, an open one gets vfs_poll masked by its events | POLLERR | POLLHUP),
// poll_freewait undoes every registration. select: kern_select checks the timeval, core_sys_select
// refuses a negative nfds and clamps it to the fd table's size (max_fds), do_select's
// max_select_fd refuses a set bit of a closed fd (EBADF) and cuts n to the highest set bit, then
// the same passes, each fd's mask tested against POLLIN_SET, POLLOUT_SET and POLLEX_SET.
//
// [SECTION] the poll table: __pollwait, pollwake, poll_freewait
// [SECTION] one pass over the fds
// [SECTION] the loop: passes and sleeps (do_poll, do_select)
// [SECTION] the syscalls: poll, ppoll, select, pselect6
#include <algorithm>
#include <type_traits>

#include "sim/kernel.h"
#include "sim/select.h"
#include "sim/strings.h"

namespace epollscope::sim {

// What survives a sleep of one poll or select call.
struct PollCallState {
  PollWqueues table;
  bool is_select = false;
  std::vector<PollFd> fds;       // poll: the array; each pass writes revents
  int n = 0;                     // select: the fds below n are looked at
  std::vector<uint8_t> sets;     // select: per fd, kSelectReadfds | kSelectWritefds | ...Exceptfds
  std::vector<uint8_t> results;  // select: per fd, the result sets it is in
  std::optional<int64_t> deadline_ns;
  bool timed_out = false;        // a zero timeout, or the deadline passed
  const char* syscall = "poll";  // poll, ppoll, select or pselect6: for trace sentences
  // What poll_select_finish writes the remaining time back to: nothing (poll, or a NULL timeout
  // pointer), the caller's struct timeval (select) or struct timespec (ppoll, pselect6).
  enum class TimeBack : uint8_t { kNone, kTimeval, kTimespec } time_back = TimeBack::kNone;
  bool zero_timeout = false;  // {0, 0}: poll_select_finish writes nothing back
};

namespace {

ObjRef wq_ref(const WaitQueueHead* wq) {
  return {ObjKind::kWaitQueue, wq->id};
}

std::string sets_text(uint8_t bits) {
  std::string s;
  if (bits & kSelectReadfds) s += "readfds";
  if (bits & kSelectWritefds) s += s.empty() ? "writefds" : "|writefds";
  if (bits & kSelectExceptfds) s += s.empty() ? "exceptfds" : "|exceptfds";
  return s.empty() ? "0" : s;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the poll table: __pollwait, pollwake, poll_freewait
// ---------------------------------------------------------------------------------------------

// __pollwait: the _qproc of the first pass. A new poll_table_entry on `whead` (add_wait_queue:
// at the head, not exclusive), with the caller's key, holding a reference to the file.
void pollwait_qproc(KernelContext& k, File* file, WaitQueueHead* whead, PollTable* pt) {
  auto* pwq = static_cast<PollWqueues*>(pt->priv);
  auto entry = std::make_unique<PollTableEntry>();
  ++file->f_count;  // get_file: the entry keeps the file alive until poll_freewait
  entry->filp = file;
  entry->wait_address = whead;
  entry->key = pt->key;
  entry->wait.func = pollwake;
  entry->wait.private_data = pwq;
  add_wait_queue(whead, &entry->wait);
  pwq->entries.push_back(std::move(entry));
  if (k.tracing())
    k.step(StepKind::kCallback, "__pollwait",
           cat("a poll_table_entry of ", pwq->polling_task->name, "'s ", pwq->syscall,
               " is queued at the head of ", whead->label, " (key ", mask_to_string(pt->key),
               "); it holds a reference to ", file->label),
           {pwq->polling_task->ref(), file->ref(), wq_ref(whead)});
}

}  // namespace

int pollwake(KernelContext& k, WaitQueueEntry* wait, unsigned, int, poll_t key) {
  const PollTableEntry* entry = poll_entry_of(wait);
  auto* pwq = static_cast<PollWqueues*>(wait->private_data);
  if (key && !(key & entry->key)) {
    if (k.tracing())
      k.step(StepKind::kCallback, "pollwake",
             cat("the wake-up's key ", mask_to_string(key), " is none of what ",
                 pwq->polling_task->name, "'s ", pwq->syscall, " waits for (",
                 mask_to_string(entry->key), "): ignored"),
             {pwq->polling_task->ref(), wq_ref(entry->wait_address)});
    return 0;
  }
  // __pollwake: triggered, then default_wake_function on the polling task.
  pwq->triggered = true;
  if (k.tracing())
    k.step(StepKind::kCallback, "pollwake",
           cat(entry->wait_address->label, " wakes ", pwq->polling_task->name, "'s ", pwq->syscall,
               " (triggered = 1)"),
           {pwq->polling_task->ref(), wq_ref(entry->wait_address)});
  return k.sched().try_to_wake_up(*pwq->polling_task, false) ? 1 : 0;
}

// poll_freewait: every entry leaves its queue (free_poll_entry) and drops its file reference.
void Kernel::poll_freewait(PollCallState& st) {
  while (!st.table.entries.empty()) {
    std::unique_ptr<PollTableEntry> entry = std::move(st.table.entries.front());
    st.table.entries.pop_front();
    remove_wait_queue(entry->wait_address, &entry->wait);
    if (ctx_.tracing())
      ctx_.step(
          StepKind::kCallback, "poll_freewait",
          cat("the poll_table_entry of ", st.table.polling_task->name, " leaves ",
              entry->wait_address->label, "; the reference to ", entry->filp->label, " is dropped"),
          {st.table.polling_task->ref(), entry->filp->ref(), wq_ref(entry->wait_address)});
    files_.fput(entry->filp);
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] one pass over the fds
// ---------------------------------------------------------------------------------------------

namespace {

// vfs_poll: the file's ->poll, or DEFAULT_POLLMASK for a file without one.
poll_t vfs_poll(KernelContext& k, File* f, PollTable* pt) {
  return f->can_poll() ? f->poll(k, pt) : kDEFAULT_POLLMASK;
}

}  // namespace

long Kernel::poll_select_pass(Task& t, PollCallState& st) {
  PollWqueues& table = st.table;
  long count = 0;
  if (!st.is_select) {
    // do_poll's inner loop: do_pollfd for each pollfd, in array order.
    for (PollFd& pfd : st.fds) {
      if (pfd.fd < 0) {
        pfd.revents = 0;
        if (ctx_.tracing())
          ctx_.step(StepKind::kScan, "do_pollfd",
                    cat("fd ", pfd.fd, " is negative: skipped, revents 0"), {t.ref()});
        continue;
      }
      poll_t mask = kEPOLLNVAL;
      File* f = fdt_.file_at(pfd.fd);
      const bool registering = table.pt.qproc != nullptr;
      if (f) {
        const poll_t filter = static_cast<uint16_t>(pfd.events) | kEPOLLERR | kEPOLLHUP;
        table.pt.key = filter;
        mask = vfs_poll(ctx_, f, &table.pt) & filter;
      }
      pfd.revents = static_cast<int16_t>(mask);
      if (mask) {
        ++count;
        table.pt.qproc = nullptr;
      }
      if (ctx_.tracing())
        ctx_.step(
            StepKind::kScan, "do_pollfd",
            f ? cat("fd ", pfd.fd, " (", f->label, "): ->poll, masked by events|ERR|HUP: ",
                    mask ? "revents " + mask_to_string(mask) : std::string("nothing"),
                    mask && registering ? "; one is ready, so no more entries are queued" : "")
              : cat("fd ", pfd.fd, " is not open: revents NVAL"),
            f ? std::vector<ObjRef>{t.ref(), f->ref()} : std::vector<ObjRef>{t.ref()});
    }
    return count;
  }
  // do_select's inner loop: every fd below n with a bit in any set, in fd order.
  std::fill(st.results.begin(), st.results.end(), 0);
  for (int i = 0; i < st.n; ++i) {
    const uint8_t bits = st.sets[static_cast<std::size_t>(i)];
    if (!bits) continue;
    poll_t mask = kEPOLLNVAL;
    File* f = fdt_.file_at(i);
    const bool registering = table.pt.qproc != nullptr;
    if (f) {
      // wait_key_set
      table.pt.key = kPOLLEX_SET | ((bits & kSelectReadfds) ? kPOLLIN_SET : 0) |
                     ((bits & kSelectWritefds) ? kPOLLOUT_SET : 0);
      mask = vfs_poll(ctx_, f, &table.pt);
    }
    uint8_t res = 0;
    if ((mask & kPOLLIN_SET) && (bits & kSelectReadfds)) res |= kSelectReadfds;
    if ((mask & kPOLLOUT_SET) && (bits & kSelectWritefds)) res |= kSelectWritefds;
    if ((mask & kPOLLEX_SET) && (bits & kSelectExceptfds)) res |= kSelectExceptfds;
    st.results[static_cast<std::size_t>(i)] = res;
    for (uint8_t b : {kSelectReadfds, kSelectWritefds, kSelectExceptfds})
      if (res & b) ++count;
    if (res) table.pt.qproc = nullptr;
    if (ctx_.tracing())
      ctx_.step(StepKind::kScan, "do_select",
                cat("fd ", i,
                    f ? cat(" (", f->label, "): ->poll gives ", mask_to_string(mask))
                      : std::string(" is not open"),
                    res ? cat("; it goes in ", sets_text(res)) : std::string("; in no result set"),
                    res && registering ? "; no more entries are queued" : ""),
                f ? std::vector<ObjRef>{t.ref(), f->ref()} : std::vector<ObjRef>{t.ref()});
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the loop: passes and sleeps (do_poll, do_select)
// ---------------------------------------------------------------------------------------------

SysResult Kernel::poll_select_loop(Task& t, std::shared_ptr<PollCallState> st,
                                   const std::function<std::string()>& text) {
  const char* loop_fn = st->is_select ? "do_select" : "do_poll";
  // poll_initwait
  st->table.polling_task = &t;
  st->table.syscall = st->syscall;
  st->table.pt.qproc = pollwait_qproc;
  st->table.pt.priv = &st->table;
  t.poll_wqueues = &st->table;
  if (ctx_.tracing())
    ctx_.step(StepKind::kTask, "poll_initwait",
              cat(t.name, "'s ", st->table.syscall,
                  " gets an empty poll table: its first pass queues a poll_table_entry on the "
                  "wait queues of each file it polls (__pollwait)"),
              {t.ref()});
  if (st->timed_out) {
    st->table.pt.qproc = nullptr;
    if (ctx_.tracing())
      ctx_.step(StepKind::kTask, loop_fn,
                "the timeout is 0: one pass, no entry queued (_qproc = NULL)", {t.ref()});
  }

  // One or more passes; kWouldSleep when the task must sleep before the next.
  auto run = [this, st, &t, loop_fn]() -> long {
    while (true) {
      long count = poll_select_pass(t, *st);
      // All waiters are registered after the first pass.
      st->table.pt.qproc = nullptr;
      if (!count) {
        count = st->table.error;
        if (t.signal_pending) {
          if (ctx_.tracing())
            ctx_.step(StepKind::kTask, loop_fn,
                      cat("nothing ready and a signal is pending for ", t.name,
                          ": -ERESTARTNOHAND (EINTR, the handler has no SA_RESTART)"),
                      {t.ref()});
          return -kEINTR;
        }
      }
      if (count) return count;
      if (st->timed_out) {
        if (ctx_.tracing())
          ctx_.step(StepKind::kTask, loop_fn, "nothing ready and the time is up: return 0",
                    {t.ref()});
        return 0;
      }
      // poll_schedule_timeout: sleep unless a pollwake came meanwhile.
      if (st->table.triggered) {
        st->table.triggered = false;
        continue;
      }
      if (st->deadline_ns && *st->deadline_ns <= sched_.now_ns()) {
        st->timed_out = true;
        continue;
      }
      if (ctx_.tracing())
        ctx_.step(StepKind::kTask, "poll_schedule_timeout",
                  cat("nothing ready: ", t.name, " sleeps until a pollwake of one of its ",
                      st->table.entries.size(), " poll_table_entries",
                      st->deadline_ns ? " or the timeout" : ""),
                  {t.ref()});
      return kWouldSleep;
    }
  };
  auto finish = [this, st, &t](long res) {
    poll_freewait(*st);
    t.poll_wqueues = nullptr;
    if (res < 0) return poll_select_finish(*st, SysResult::error(static_cast<int>(-res)));
    SysResult r = SysResult::value_of(res);
    if (!st->is_select) {
      for (const PollFd& pfd : st->fds)
        if (pfd.revents)
          r.events.push_back(
              EpollEvent{static_cast<uint16_t>(pfd.revents), static_cast<uint64_t>(pfd.fd)});
    } else {
      for (int i = 0; i < st->n; ++i)
        if (uint8_t bits = st->results[static_cast<std::size_t>(i)])
          r.events.push_back(EpollEvent{bits, static_cast<uint64_t>(i)});
    }
    return poll_select_finish(*st, std::move(r));
  };

  long res = run();
  if (res != kWouldSleep) return finish(res);
  t.blocked_call = text();
  t.resume = [this, st, &t, run, finish](SysResult* out) {
    // Back from schedule_hrtimeout_range: a timeout, or a wake-up (pollwake, a signal).
    if (t.timer_fired) st->timed_out = true;
    st->table.triggered = false;  // smp_store_mb(pwq->triggered, 0)
    long r = run();
    if (r == kWouldSleep) {
      sched_.schedule(t, st->deadline_ns);
      return false;
    }
    *out = finish(r);
    return true;
  };
  sched_.schedule(t, st->deadline_ns);
  SysResult blocked;
  blocked.blocked = true;
  return blocked;
}

int Kernel::max_fds() const {
  // NR_OPEN_DEFAULT in files_struct; expand_fdtable → alloc_fdtable(nr) for a higher fd: nr /
  // (1024 / sizeof(struct file *)), plus one, rounded up to a power of two, times 128. The table
  // never shrinks: the model's slot vector has grown to the highest fd ever used, plus one.
  const std::size_t used = fdt_.slots().size();
  if (used <= 64) return 64;
  uint64_t nr = (used - 1) / 128 + 1;
  uint64_t pow = 1;
  while (pow < nr)
    pow <<= 1;
  uint64_t max = pow * 128;
  const uint64_t nr_open = fdt_.rlimit().nr_open;
  if (max > nr_open) max = ((nr_open - 1) | 63) + 1;
  return static_cast<int>(std::min<uint64_t>(max, INT32_MAX));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the syscalls: poll, ppoll, select, pselect6
// ---------------------------------------------------------------------------------------------

namespace {

std::string pollfds_text(const UserPollfds& u) {
  if (u.faults) return "NULL";
  const std::vector<PollFd>& fds = u.fds;
  std::string s = "[";
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (i == 8) {
      s += cat(", ... ", fds.size() - 8, " more");
      break;
    }
    s += cat(i ? ", " : "", "{", fds[i].fd, ", ",
             mask_to_string(static_cast<uint16_t>(fds[i].events)), "}");
  }
  return s + "]";
}

std::string fdset_text(const UserArg<std::vector<int>>& set) {
  if (set.faults) return "BADPTR";
  if (!set.value) return "NULL";
  std::string s = "{";
  for (std::size_t i = 0; i < set.value->size(); ++i) {
    if (i == 8) {
      s += cat(", ... ", set.value->size() - 8, " more");
      break;
    }
    s += cat(i ? ", " : "", (*set.value)[i]);
  }
  return s + "}";
}

template <class T>
std::string time_text(const UserArg<T>& a) {
  if (a.faults) return "BADPTR";
  if (!a.value) return "NULL";
  if constexpr (std::is_same_v<T, Kernel::Timeval>)
    return cat("{", a.value->tv_sec, ", ", a.value->tv_usec, "}");
  else
    return cat("{", a.value->tv_sec, ", ", a.value->tv_nsec, "}");
}

std::string sigmask_words(const std::optional<uint64_t>& sigmask) {
  if (!sigmask) return "NULL";
  return *sigmask ? cat("{", hex(*sigmask), "}") : std::string("{}");
}

}  // namespace

bool Kernel::poll_select_set_timeout(PollCallState& st, int64_t sec, int64_t nsec, bool timeval) {
  // timespec64_valid: tv_sec >= 0 and 0 <= tv_nsec < NSEC_PER_SEC.
  if (sec < 0 || nsec < 0 || nsec >= 1000000000) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "poll_select_set_timeout",
                timeval ? "the timeval is invalid (a negative time)"
                        : "the timespec is invalid (tv_sec < 0, or tv_nsec outside 0..999999999)");
    return false;
  }
  if (sec == 0 && nsec == 0) {
    st.timed_out = true;
    st.zero_timeout = true;
  } else {
    // timespec64_add_safe: a sum past the clock's range is its end.
    const int64_t max_sec = (INT64_MAX - sched_.now_ns() - nsec) / 1000000000;
    st.deadline_ns = sec > max_sec ? INT64_MAX : sched_.now_ns() + sec * 1000000000 + nsec;
  }
  return true;
}

SysResult Kernel::poll_select_finish(PollCallState& st, SysResult r) {
  if (st.time_back == PollCallState::TimeBack::kNone || !ctx_.tracing()) return r;
  const bool timeval = st.time_back == PollCallState::TimeBack::kTimeval;
  if (st.zero_timeout) {
    ctx_.step(StepKind::kTask, "poll_select_finish",
              cat("the timeout was zero: nothing is written back to the ",
                  timeval ? "timeval" : "timespec"));
    return r;
  }
  int64_t left = st.deadline_ns ? *st.deadline_ns - sched_.now_ns() : 0;
  if (left < 0) left = 0;
  const int64_t sec = left / 1000000000;
  const int64_t nsec = left % 1000000000;
  ctx_.step(
      StepKind::kTask, "poll_select_finish",
      cat("the time left, ",
          timeval ? cat("{", sec, ", ", nsec / 1000, "}") : cat("{", sec, ", ", nsec, "}"),
          ", is written back to the caller's ", timeval ? "struct timeval" : "struct timespec"));
  return r;
}

SysResult Kernel::do_sys_poll(Task& t, std::shared_ptr<PollCallState> st, const UserPollfds& ufds,
                              const std::function<std::string()>& text) {
  // The one check before the array is copied in.
  if (ufds.nfds > static_cast<uint64_t>(fdt_.rlimit_nofile())) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_sys_poll",
                cat("nfds ", ufds.nfds, " is above RLIMIT_NOFILE (", fdt_.rlimit_nofile(), ")"));
    return poll_select_finish(*st, SysResult::error(kEINVAL));
  }
  // copy_from_user of nfds pollfds (none when nfds is 0: nothing is read, nothing faults).
  if (ufds.faults && ufds.nfds > 0) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_sys_poll",
                cat("copy_from_user of the ", ufds.nfds,
                    " pollfds faults: the array's address cannot be read"));
    return poll_select_finish(*st, SysResult::error(kEFAULT));
  }
  st->fds = ufds.faults ? std::vector<PollFd>{} : ufds.fds;
  return poll_select_loop(t, st, text);
}

SysResult Kernel::poll(Task& t, UserPollfds fds, int timeout_ms) {
  auto st = std::make_shared<PollCallState>();
  st->fds = fds.fds;
  const uint32_t nfds = fds.nfds;
  const bool faults = fds.faults;
  std::function<std::string()> text = [st, timeout_ms, nfds, faults] {
    UserPollfds shown(st->fds);
    shown.faults = faults;
    return cat("poll(", pollfds_text(shown), ", ", nfds, ", ", timeout_ms, ")");
  };
  begin_call(t, text);
  // poll(2): a negative timeout waits for ever (no end_time); 0 does not wait.
  if (timeout_ms >= 0) {
    if (timeout_ms == 0)
      st->timed_out = true;
    else
      st->deadline_ns = sched_.now_ns() + int64_t{timeout_ms} * 1000000;
  }
  return end_call(t, do_sys_poll(t, st, fds, text));
}

SysResult Kernel::ppoll(Task& t, UserPollfds fds, UserArg<Timespec> timeout,
                        std::optional<uint64_t> sigmask) {
  auto st = std::make_shared<PollCallState>();
  st->syscall = "ppoll";
  st->fds = fds.fds;
  const uint32_t nfds = fds.nfds;
  const bool faults = fds.faults;
  const std::string when = time_text(timeout);
  std::function<std::string()> text = [st, nfds, faults, when, sigmask] {
    UserPollfds shown(st->fds);
    shown.faults = faults;
    return cat("ppoll(", pollfds_text(shown), ", ", nfds, ", ", when, ", ", sigmask_words(sigmask),
               ")");
  };
  begin_call(t, text);
  if (timeout.faults) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "ppoll",
                "get_timespec64 faults: the timespec's address cannot be read");
    return end_call(t, SysResult::error(kEFAULT));
  }
  if (timeout.value) {
    if (!poll_select_set_timeout(*st, timeout.value->tv_sec, timeout.value->tv_nsec, false))
      return end_call(t, SysResult::error(kEINVAL));
    st->time_back = PollCallState::TimeBack::kTimespec;
  }
  if (ctx_.tracing())
    ctx_.step(StepKind::kCheck, "ppoll",
              sigmask ? "set_user_sigmask: the wait runs with the given signal mask (no signal is "
                        "sent in the model, so nothing else changes)"
                      : "no signal mask (NULL)");
  return end_call(t, do_sys_poll(t, st, fds, text));
}

SysResult Kernel::core_sys_select(Task& t, std::shared_ptr<PollCallState> st, int nfds,
                                  const std::array<const UserArg<std::vector<int>>*, 3>& sets,
                                  const std::function<std::string()>& text) {
  if (nfds < 0) {
    if (ctx_.tracing()) ctx_.step(StepKind::kCheck, "core_sys_select", "nfds is negative");
    return poll_select_finish(*st, SysResult::error(kEINVAL));
  }
  const int max = max_fds();
  int n = std::min(nfds, max);
  if (n < nfds && ctx_.tracing())
    ctx_.step(StepKind::kCheck, "core_sys_select",
              cat("nfds ", nfds, " is above the fd table's size (max_fds ", max,
                  "): only the first ", max, " bits of each set are read"));
  // get_fd_set of readfds, writefds, exceptfds in turn: NULL is an empty set; FDS_BYTES(n)
  // bytes are copied, none when n is 0 (so nothing faults then).
  static constexpr const char* kNames[3] = {"readfds", "writefds", "exceptfds"};
  for (std::size_t s = 0; s < 3; ++s)
    if (sets[s]->faults && n > 0) {
      if (ctx_.tracing())
        ctx_.step(StepKind::kCheck, "core_sys_select",
                  cat("get_fd_set: copy_from_user of ", kNames[s],
                      " faults: the set's address cannot be read"));
      return poll_select_finish(*st, SysResult::error(kEFAULT));
    }
  st->sets.assign(static_cast<std::size_t>(n), 0);
  auto mark = [&](const UserArg<std::vector<int>>& set, uint8_t bit) {
    if (!set.value) return;
    for (int fd : *set.value)
      if (fd >= 0 && fd < n) st->sets[static_cast<std::size_t>(fd)] |= bit;
  };
  mark(*sets[0], kSelectReadfds);
  mark(*sets[1], kSelectWritefds);
  mark(*sets[2], kSelectExceptfds);
  // do_select → max_select_fd: every set bit must be an open fd; n becomes the highest one + 1.
  int highest = -1;
  for (int i = 0; i < n; ++i) {
    if (!st->sets[static_cast<std::size_t>(i)]) continue;
    if (!fdt_.file_at(i)) {
      if (ctx_.tracing())
        ctx_.step(StepKind::kCheck, "max_select_fd",
                  cat("fd ", i, " is set in ", sets_text(st->sets[static_cast<std::size_t>(i)]),
                      " but is not open"));
      return poll_select_finish(*st, SysResult::error(kEBADF));
    }
    highest = i;
  }
  st->n = highest + 1;
  st->sets.resize(static_cast<std::size_t>(st->n));
  st->results.assign(st->sets.size(), 0);
  return poll_select_loop(t, st, text);
}

SysResult Kernel::select(Task& t, int nfds, UserArg<std::vector<int>> readfds,
                         UserArg<std::vector<int>> writefds, UserArg<std::vector<int>> exceptfds,
                         UserArg<Timeval> timeout) {
  std::string shown;
  if (ctx_.tracing())
    shown = cat("select(", nfds, ", ", fdset_text(readfds), ", ", fdset_text(writefds), ", ",
                fdset_text(exceptfds), ", ", time_text(timeout), ")");
  std::function<std::string()> text = [shown, nfds] {
    return shown.empty() ? cat("select(", nfds, ", ...)") : shown;
  };
  begin_call(t, text);
  auto st = std::make_shared<PollCallState>();
  st->is_select = true;
  st->syscall = "select";
  // kern_select: the timeval is copied in and checked first (poll_select_set_timeout).
  if (timeout.faults) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "kern_select",
                "copy_from_user of the timeval faults: its address cannot be read");
    return end_call(t, SysResult::error(kEFAULT));
  }
  if (timeout.value) {
    if (!poll_select_set_timeout(*st, timeout.value->tv_sec + timeout.value->tv_usec / 1000000,
                                 (timeout.value->tv_usec % 1000000) * 1000, true))
      return end_call(t, SysResult::error(kEINVAL));
    st->time_back = PollCallState::TimeBack::kTimeval;
  }
  return end_call(t, core_sys_select(t, st, nfds, {&readfds, &writefds, &exceptfds}, text));
}

SysResult Kernel::pselect6(Task& t, int nfds, UserArg<std::vector<int>> readfds,
                           UserArg<std::vector<int>> writefds, UserArg<std::vector<int>> exceptfds,
                           UserArg<Timespec> timeout, std::optional<uint64_t> sigmask) {
  std::string shown;
  if (ctx_.tracing())
    shown = cat("pselect6(", nfds, ", ", fdset_text(readfds), ", ", fdset_text(writefds), ", ",
                fdset_text(exceptfds), ", ", time_text(timeout), ", ", sigmask_words(sigmask), ")");
  std::function<std::string()> text = [shown, nfds] {
    return shown.empty() ? cat("pselect6(", nfds, ", ...)") : shown;
  };
  begin_call(t, text);
  auto st = std::make_shared<PollCallState>();
  st->is_select = true;
  st->syscall = "pselect6";
  // do_pselect: the timespec first (get_timespec64, poll_select_set_timeout), then the mask.
  if (timeout.faults) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_pselect",
                "get_timespec64 faults: the timespec's address cannot be read");
    return end_call(t, SysResult::error(kEFAULT));
  }
  if (timeout.value) {
    if (!poll_select_set_timeout(*st, timeout.value->tv_sec, timeout.value->tv_nsec, false))
      return end_call(t, SysResult::error(kEINVAL));
    st->time_back = PollCallState::TimeBack::kTimespec;
  }
  if (ctx_.tracing())
    ctx_.step(StepKind::kCheck, "do_pselect",
              sigmask ? "set_user_sigmask: the wait runs with the given signal mask (no signal is "
                        "sent in the model, so nothing else changes)"
                      : "no signal mask (NULL)");
  return end_call(t, core_sys_select(t, st, nfds, {&readfds, &writefds, &exceptfds}, text));
}

}  // namespace epollscope::sim
