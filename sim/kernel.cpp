// SPDX-License-Identifier: GPL-2.0-only
// sim/kernel.cpp — the syscall layer: fd lookups and errno checks in the kernel's order, and the
// calls into the objects the Kernel composes (sim/kernel.h). The epoll-specific bodies are in
// eventpoll.cpp, the file types' behaviour in their own files, fd allocation in fdtable.cpp, file
// references in file_table.cpp, sleeping tasks and the clock in sched.cpp.
//
// [SECTION] construction
// [SECTION] the call wrappers
// [SECTION] epoll syscalls
// [SECTION] files: pipe, socketpair, eventfd, TCP, a regular file
// [SECTION] read, write, send, recv, shutdown
// [SECTION] close, dup, dup2, rlimit
// [SECTION] fcntl, ioctl
// [SECTION] observed files
// [SECTION] signals
#include "sim/kernel.h"

#include <algorithm>
#include <stdexcept>

#include "sim/eventfd.h"
#include "sim/observed.h"
#include "sim/pipe.h"
#include "sim/strings.h"
#include "sim/tcp.h"
#include "sim/unix_stream.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] construction
// ---------------------------------------------------------------------------------------------

Kernel::Kernel(const KernelProfile& profile)
    : ctx_(profile, sched_, epoll_),
      sched_(ctx_),
      files_(ctx_),
      fdt_(ctx_),
      tcp_net_(std::make_unique<TcpNet>()) {
  // The process starts with stdin, stdout and stderr open, as the live backend's child does, so
  // the first file a scenario opens gets fd 3.
  for (const char* name : {"stdin", "stdout", "stderr"}) {
    File* f = files_.make_file<RegularFile>(name);
    int fd = fdt_.alloc_fd(0);
    fdt_.fd_install(fd, f, false);
  }
}

Kernel::~Kernel() {
  // Tear down without tracing: close every fd, which releases files in the kernel's way (epoll
  // items removed first), then drop whatever a sleeping task still holds.
  ctx_.set_trace_sink(nullptr);
  for (auto& t : sched_.tasks())
    finish_wait(*t);
  for (int fd = 0; fd < static_cast<int>(fdt_.slots().size()); ++fd)
    if (File* f = fdt_.file_close_fd(fd)) files_.fput(f);
  files_.put_all();
}

void Kernel::set_scan_hook(uint32_t ep_id, int after_items, std::function<void(Kernel&)> action) {
  sched_.set_scan_hook(ep_id, after_items, [this, action = std::move(action)] { action(*this); });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the call wrappers
// ---------------------------------------------------------------------------------------------

void Kernel::trace_call(Task& t, std::string text) {
  ctx_.step(StepKind::kSyscall, "syscall",
            t.name == "main" ? std::move(text) : cat(t.name, ": ", text), {t.ref()});
}

SysResult Kernel::end_call(Task& t, SysResult r) {
  ctx_.leave();
  if (ctx_.tracing()) {
    std::string what;
    if (r.blocked)
      what = cat(t.name, " sleeps in ", t.blocked_call);
    else if (r.ret < 0)
      what = cat("returns -1, errno ", errno_name(r.err));
    else
      what = cat("returns ", r.ret);
    ctx_.step(StepKind::kSyscall, "syscall", what, {t.ref()});
  }
  sched_.run_woken_tasks();
  return r;
}

void Kernel::settle() {
  if (tcp_net_->settle_delayed_acks(ctx_)) sched_.run_woken_tasks();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] epoll syscalls
// ---------------------------------------------------------------------------------------------

namespace {

std::string event_text(const std::optional<EpollEvent>& ev) {
  if (!ev) return "NULL";
  return cat("{", mask_to_c_names(ev->events), ", data ", ev->data, "}");
}

const char* op_name(int op) {
  switch (op) {
    case kEPOLL_CTL_ADD:
      return "EPOLL_CTL_ADD";
    case kEPOLL_CTL_DEL:
      return "EPOLL_CTL_DEL";
    case kEPOLL_CTL_MOD:
      return "EPOLL_CTL_MOD";
  }
  return nullptr;
}

}  // namespace

SysResult Kernel::epoll_create(Task& t, int size) {
  begin_call(t, [&] { return cat("epoll_create(", size, ")"); });

  // SYSCALL_DEFINE1(epoll_create): the size is checked and then forgotten.
  if (size <= 0) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "epoll_create",
                "size <= 0 is refused; any positive size is ignored");
    return end_call(t, SysResult::error(kEINVAL));
  }
  return end_call(t, do_epoll_create(0));
}

SysResult Kernel::epoll_create1(Task& t, int flags) {
  begin_call(t, [&] {
    return cat("epoll_create1(",
               flags == kEPOLL_CLOEXEC ? std::string("EPOLL_CLOEXEC") : std::to_string(flags), ")");
  });
  return end_call(t, do_epoll_create(flags));
}

SysResult Kernel::do_epoll_create(int flags) {
  if (flags & ~kEPOLL_CLOEXEC) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_epoll_create", "only EPOLL_CLOEXEC is accepted in flags");
    return SysResult::error(kEINVAL);
  }
  int fd = fdt_.alloc_fd(0);
  if (fd < 0) return SysResult::error(-fd);
  // anon_inode_getfile keeps O_CLOEXEC out of f_flags (F_GETFL says O_RDWR): it is the fd's.
  auto* file = files_.make_file<EventPollFile>(kO_RDWR);
  if (ctx_.tracing())
    ctx_.step(
        StepKind::kFileOp, "ep_alloc",
        "a new struct eventpoll: empty rbr, empty rdllist, ovflist = EP_UNACTIVE_PTR (no scan "
        "running)",
        {file->ep()->ref(), file->ref()});
  fdt_.fd_install(fd, file, flags & kEPOLL_CLOEXEC);
  return SysResult::value_of(fd);
}

SysResult Kernel::epoll_ctl(Task& t, int epfd, int op, int fd, std::optional<EpollEvent> event) {
  begin_call(t, [&] {
    const char* name = op_name(op);

    return cat("epoll_ctl(", epfd, ", ", name ? std::string(name) : std::to_string(op), ", ", fd,
               op == kEPOLL_CTL_DEL ? std::string() : cat(", ", event_text(event)), ")");
  });
  // ep_op_has_event(op) && copy_from_user(): every op except DEL copies the event first.
  if (op != kEPOLL_CTL_DEL && !event) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "epoll_ctl",
                "copy_from_user of the event faults before any fd is looked at");
    return end_call(t, SysResult::error(kEFAULT));
  }
  File* f = fdt_.file_at(epfd);
  if (!f) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_epoll_ctl", cat("fd ", epfd, " (the epoll fd) is not open"));
    return end_call(t, SysResult::error(kEBADF));
  }
  File* tf = fdt_.file_at(fd);
  if (!tf) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_epoll_ctl", cat("fd ", fd, " (the target) is not open"));
    return end_call(t, SysResult::error(kEBADF));
  }
  if (!tf->can_poll()) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "do_epoll_ctl",
                cat(tf->label, " has no ->poll (file_can_poll is false): epoll cannot watch it"),
                {tf->ref()});
    return end_call(t, SysResult::error(kEPERM));
  }
  EpollEvent epds = event.value_or(EpollEvent{});
  int err = do_epoll_ctl(ctx_, f, tf, op, fd, &epds);
  return end_call(t, err ? SysResult::error(-err) : SysResult::value_of(0));
}

namespace {

std::string buffer_text(UserBuffer buffer) {
  return buffer == UserBuffer::kValid          ? ""
         : buffer == UserBuffer::kFaultsOnCopy ? "NULL, "
                                               : "0xffffffffff600000, ";
}

std::string sigmask_text(const std::optional<uint64_t>& sigmask) {
  if (!sigmask) return "NULL";
  return *sigmask ? cat("{", hex(*sigmask), "}") : std::string("{}");
}

}  // namespace

template <class Text>
SysResult Kernel::do_epoll_wait(Task& t, int epfd, int maxevents, std::optional<int64_t> timeout_ns,
                                UserBuffer buffer, const Text& text) {
  File* f = fdt_.file_at(epfd);
  if (!f) return SysResult::error(kEBADF);
  // ep_check_params: maxevents range, access_ok (a NULL buffer passes), then "is it an epoll".
  if (maxevents <= 0 || maxevents > kEP_MAX_EVENTS) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "ep_check_params",
                "maxevents must be between 1 and EP_MAX_EVENTS");
    return SysResult::error(kEINVAL);
  }
  if (buffer == UserBuffer::kFailsAccessOk) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "ep_check_params",
                "access_ok refuses the events buffer: it is not user-space memory");
    return SysResult::error(kEFAULT);
  }
  if (!is_file_epoll(f)) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "ep_check_params", cat(f->label, " is not an epoll instance"),
                {f->ref()});
    return SysResult::error(kEINVAL);
  }
  auto st = std::make_shared<EpPollState>();
  st->file = static_cast<EventPollFile*>(f);
  st->maxevents = maxevents;
  st->buffer = buffer;
  // ep_poll: no timeout = for ever, a zero one = do not wait, else a deadline (saturated).
  if (timeout_ns && *timeout_ns > 0)
    st->deadline_ns =
        *timeout_ns > INT64_MAX - sched_.now_ns() ? INT64_MAX : sched_.now_ns() + *timeout_ns;
  st->timed_out = timeout_ns && *timeout_ns == 0;

  auto finish = [st](long res) {
    SysResult r = res < 0 ? SysResult::error(static_cast<int>(-res)) : SysResult::value_of(res);
    r.events = std::move(st->events);
    return r;
  };
  long res = ep_poll(ctx_, t, *st, false);
  if (res != kWouldSleep) return finish(res);

  // The task sleeps on ep->wq; the epoll file stays referenced until the call returns.
  files_.get_file(st->file);
  t.holds_file = st->file;
  t.blocked_call = text();
  t.resume = [this, st, finish, &t](SysResult* out) {
    // schedule_hrtimeout_range: woken before the deadline, the sleeper cancels its hrtimer.
    if (t.signal_pending && st->deadline_ns && ctx_.tracing())
      ctx_.step(StepKind::kTask, "schedule_hrtimeout_range",
                cat(t.name, " was woken before its timeout: hrtimer_cancel"), {t.ref()});
    long r = ep_poll(ctx_, t, *st, true);
    if (r == kWouldSleep) {
      sched_.schedule(t, st->deadline_ns);
      return false;
    }
    *out = finish(r);
    t.holds_file = nullptr;
    files_.fput(st->file);
    return true;
  };
  sched_.schedule(t, st->deadline_ns);
  SysResult blocked;
  blocked.blocked = true;
  return blocked;
}

SysResult Kernel::epoll_wait(Task& t, int epfd, int maxevents, int timeout_ms, UserBuffer buffer) {
  auto text = [&] {
    return cat("epoll_wait(", epfd, ", ", buffer_text(buffer), maxevents, ", ", timeout_ms, ")");
  };
  begin_call(t, text);
  // ep_timeout_to_timespec: negative = for ever, 0 = do not wait, else now + ms.
  std::optional<int64_t> ns;
  if (timeout_ms >= 0) ns = int64_t{timeout_ms} * 1000000;
  return end_call(t, do_epoll_wait(t, epfd, maxevents, ns, buffer, text));
}

SysResult Kernel::epoll_pwait(Task& t, int epfd, int maxevents, int timeout_ms,
                              std::optional<uint64_t> sigmask, UserBuffer buffer) {
  auto text = [&] {
    return cat("epoll_pwait(", epfd, ", ", buffer_text(buffer), maxevents, ", ", timeout_ms, ", ",
               sigmask_text(sigmask), ")");
  };
  begin_call(t, text);
  // do_epoll_pwait: set_user_sigmask first (sigsetsize is always sizeof(sigset_t) here), then
  // do_epoll_wait, then the old mask back.
  if (ctx_.tracing())
    ctx_.step(StepKind::kCheck, "do_epoll_pwait",
              sigmask ? "set_user_sigmask: the wait runs with the given signal mask (no signal is "
                        "sent in the model, so nothing else changes)"
                      : "no signal mask (NULL): the wait is epoll_wait's");
  std::optional<int64_t> ns;
  if (timeout_ms >= 0) ns = int64_t{timeout_ms} * 1000000;
  return end_call(t, do_epoll_wait(t, epfd, maxevents, ns, buffer, text));
}

SysResult Kernel::epoll_pwait2(Task& t, int epfd, int maxevents, std::optional<Timespec> timeout,
                               std::optional<uint64_t> sigmask, UserBuffer buffer) {
  auto text = [&] {
    return cat(
        "epoll_pwait2(", epfd, ", ", buffer_text(buffer), maxevents, ", ",
        timeout ? cat("{", timeout->tv_sec, ", ", timeout->tv_nsec, "}") : std::string("NULL"),
        ", ", sigmask_text(sigmask), ")");
  };
  begin_call(t, text);
  std::optional<int64_t> ns;
  if (timeout) {
    // poll_select_set_timeout: an invalid timespec is refused before the fd is looked at.
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000) {
      if (ctx_.tracing())
        ctx_.step(StepKind::kCheck, "poll_select_set_timeout",
                  "the timespec is invalid (tv_sec < 0, or tv_nsec outside 0..999999999)");
      return end_call(t, SysResult::error(kEINVAL));
    }
    const int64_t max_sec = (INT64_MAX - timeout->tv_nsec) / 1000000000;
    ns = timeout->tv_sec > max_sec ? INT64_MAX : timeout->tv_sec * 1000000000 + timeout->tv_nsec;
  }
  if (ctx_.tracing())
    ctx_.step(StepKind::kCheck, "do_epoll_pwait",
              sigmask ? "set_user_sigmask: the wait runs with the given signal mask (no signal is "
                        "sent in the model, so nothing else changes)"
                      : "no signal mask (NULL)");
  return end_call(t, do_epoll_wait(t, epfd, maxevents, ns, buffer, text));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] files: pipe, socketpair, eventfd, TCP, a regular file
// ---------------------------------------------------------------------------------------------

SysResult Kernel::pipe2(Task& t, int flags) {
  begin_call(t, [&] {
    return std::string(flags ? cat("pipe2(", flags & kO_NONBLOCK ? "O_NONBLOCK" : "",
                                   (flags & kO_NONBLOCK) && (flags & kO_DIRECT) ? "|" : "",
                                   flags & kO_DIRECT ? "O_DIRECT" : "", ")")
                             : std::string("pipe()"));
  });
  if (flags & ~(kO_CLOEXEC | kO_NONBLOCK | kO_DIRECT | kO_NOTIFICATION_PIPE))
    return end_call(t, SysResult::error(kEINVAL));
  // create_pipe_files → watch_queue_init: without CONFIG_WATCH_QUEUE, ENOPKG (the calibration
  // finds this kernel's answer; notification pipes themselves are not modelled).
  if ((flags & kO_NOTIFICATION_PIPE) && profile().notification_pipe_errno) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "watch_queue_init",
                cat("O_NOTIFICATION_PIPE needs CONFIG_WATCH_QUEUE: ",
                    errno_name(profile().notification_pipe_errno)));
    return end_call(t, SysResult::error(profile().notification_pipe_errno));
  }
  // __do_pipe_flags: create both files, then take two fds (EMFILE frees the files again).
  auto [rd, wr] = create_pipe_files(ctx_, files_, flags);
  return end_call(t, install_pair(rd, wr, flags & kO_CLOEXEC));
}

// Two fds for two new files (pipe2, socketpair): both numbers are taken before either is
// installed; on EMFILE the files are released again.
SysResult Kernel::install_pair(File* a, File* b, bool cloexec) {
  int fd0 = fdt_.alloc_fd(0);
  int fd1 = fd0 < 0 ? fd0 : fdt_.alloc_fd(0);
  if (fd0 < 0 || fd1 < 0) {
    if (fd0 >= 0) fdt_.put_unused_fd(fd0);
    a->f_count = 1;
    b->f_count = 1;
    files_.fput(a);
    files_.fput(b);
    return SysResult::error(kEMFILE);
  }
  fdt_.fd_install(fd0, a, cloexec);
  fdt_.fd_install(fd1, b, cloexec);
  SysResult r = SysResult::value_of(0);
  r.fds[0] = fd0;
  r.fds[1] = fd1;
  return r;
}

SysResult Kernel::socketpair(Task& t, int flags) {
  begin_call(t, [&] { return std::string("socketpair(AF_UNIX, SOCK_STREAM)"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  auto [a, b] = create_unix_stream_pair(ctx_, files_, flags);
  return end_call(t, install_pair(a, b, flags & kSOCK_CLOEXEC));
}

SysResult Kernel::eventfd2(Task& t, unsigned initval, int flags) {
  begin_call(t, [&] { return cat("eventfd(", initval, ", ", flags, ")"); });
  if (flags & ~(kEFD_SEMAPHORE | kEFD_NONBLOCK | kEFD_CLOEXEC))
    return end_call(t, SysResult::error(kEINVAL));
  int fd = fdt_.alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  File* f = create_eventfd(ctx_, files_, initval, flags);
  fdt_.fd_install(fd, f, flags & kEFD_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::tcp_listen(Task& t, int backlog, int flags) {
  begin_call(t, [&] { return cat("tcp_listen(backlog ", backlog, ")"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  int fd = fdt_.alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  File* f = tcp_net_->listen(ctx_, files_, backlog, flags);
  fdt_.fd_install(fd, f, flags & kSOCK_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::tcp_connect(Task& t, int listen_fd, int flags) {
  begin_call(t, [&] { return cat("tcp_connect(", listen_fd, ")"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  File* lf = fdt_.file_at(listen_fd);
  if (!lf) return end_call(t, SysResult::error(kEBADF));
  // The port to connect to is the TCP socket's own (getsockname); other files have none.
  if (lf->kind != FileKind::kTcp) return end_call(t, SysResult::error(kENOTSOCK));
  int fd = fdt_.alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  // A refused or still pending connection is a socket too: its error or state shows in poll.
  File* f = tcp_net_->connect(ctx_, files_, lf, flags);
  fdt_.fd_install(fd, f, flags & kSOCK_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::accept4(Task& t, int fd, int flags, const char* name) {
  begin_call(t, [&] {
    return std::string_view(name) == "accept" ? cat("accept(", fd, ")")
                                              : cat(name, "(", fd, ", ", hex(flags), ")");
  });
  // __sys_accept4: the fd first (EBADF), then __sys_accept4_file checks the flags (EINVAL).
  File* lf = fdt_.file_at(fd);
  if (!lf) return end_call(t, SysResult::error(kEBADF));
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "__sys_accept4_file",
                "only SOCK_NONBLOCK and SOCK_CLOEXEC are accepted in flags");
    return end_call(t, SysResult::error(kEINVAL));
  }
  // __sys_accept4_file reserves the new fd before it looks at the file (EMFILE before ENOTSOCK).
  int newfd = fdt_.alloc_fd(0);
  if (newfd < 0) return end_call(t, SysResult::error(-newfd));
  if (lf->kind != FileKind::kTcp && lf->kind != FileKind::kUnixStream) {
    fdt_.put_unused_fd(newfd);
    return end_call(t, SysResult::error(kENOTSOCK));
  }
  long err = 0;
  File* f = tcp_net_->accept(ctx_, files_, t, lf, flags, &err);
  if (f) {
    fdt_.fd_install(newfd, f, flags & kSOCK_CLOEXEC);
    return end_call(t, SysResult::value_of(newfd));
  }
  fdt_.put_unused_fd(newfd);
  if (err != kWouldSleep) return end_call(t, SysResult::error(static_cast<int>(-err)));
  // A blocking accept sleeps on the listener's queue, holding the listener. The model takes the
  // new fd number when the call wakes up (the kernel reserves it before sleeping).
  files_.get_file(lf);
  t.holds_file = lf;
  t.blocked_call = cat(name, "(", fd, ")");
  t.resume = [this, lf, flags, &t](SysResult* out) {
    if (t.signal_pending) {
      // inet_csk_wait_for_connect: woken with a signal pending, sock_intr_errno(timeo).
      finish_wait(t);
      if (ctx_.tracing())
        ctx_.step(StepKind::kFileOp, "inet_csk_wait_for_connect",
                  cat("signal_pending: ", t.name, " stops waiting for a connection: -ERESTARTSYS"),
                  {lf->ref(), t.ref()});
      *out = SysResult::error(static_cast<int>(-restart_as_eintr(t)));
      t.holds_file = nullptr;
      files_.fput(lf);
      return true;
    }
    const int nfd = fdt_.alloc_fd(0);
    long e = nfd < 0 ? nfd : 0;
    File* nf = nfd < 0 ? nullptr : tcp_net_->accept(ctx_, files_, t, lf, flags, &e);
    if (!nf && nfd >= 0) fdt_.put_unused_fd(nfd);
    if (!nf && e == kWouldSleep) {
      sched_.schedule(t, std::nullopt);
      return false;
    }
    finish_wait(t);
    if (nf) fdt_.fd_install(nfd, nf, flags & kSOCK_CLOEXEC);
    *out = nf ? SysResult::value_of(nfd) : SysResult::error(static_cast<int>(-e));
    t.holds_file = nullptr;
    files_.fput(lf);
    return true;
  };
  sched_.schedule(t, std::nullopt);
  SysResult blocked;
  blocked.blocked = true;
  return end_call(t, blocked);
}

SysResult Kernel::open_regular(Task& t, std::string name) {
  begin_call(t, [&] { return cat("open(\"", name, "\")"); });
  int fd = fdt_.alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  // open("/tmp", O_TMPFILE | O_RDWR) on x86-64: force_o_largefile adds O_LARGEFILE.
  File* f = files_.make_file<RegularFile>(std::move(name), kO_RDWR | kO_LARGEFILE | kO_TMPFILE);
  fdt_.fd_install(fd, f, false);
  return end_call(t, SysResult::value_of(fd));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] read, write, send, recv, shutdown
// ---------------------------------------------------------------------------------------------

SysResult Kernel::do_io(Task& t, int fd, const char* name, bool is_write, IoRequest io) {
  File* f = fdt_.file_at(fd);
  if (!f) return SysResult::error(kEBADF);
  // vfs_read / vfs_write: FMODE_READ / FMODE_WRITE first.
  if (is_write ? !f->writable() : !f->readable()) return SysResult::error(kEBADF);
  // FMODE_CAN_READ / FMODE_CAN_WRITE: eventpoll_fops has neither read nor write, so an epoll fd
  // gives EINVAL before its buffer is looked at (write(ep, -1) too).
  if (f->kind == FileKind::kEpoll) return SysResult::error(kEINVAL);
  // access_ok(buf, count): the buffer starts at kUserBuffer and must end below TASK_SIZE_MAX (a
  // count of 2^63 or more, -1 among them, never fits); rw_verify_area's (ssize_t)count < 0 check
  // comes after it and so never fires. send and recv capped the count before this (import_ubuf).
  if (io.count > kTASK_SIZE_MAX - kUserBuffer) return SysResult::error(kEFAULT);
  // vfs_read / vfs_write: one call moves at most MAX_RW_COUNT bytes.
  io.count = std::min<size_t>(io.count, kMAX_RW_COUNT);
  auto req = std::make_shared<IoRequest>(io);
  long r = is_write ? f->write(ctx_, t, *req) : f->read(ctx_, t, *req);
  if (r != kWouldSleep) {
    SysResult out = r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r);
    out.value = req->value;
    out.approximate = req->approximate;
    return out;
  }
  files_.get_file(f);
  t.holds_file = f;
  t.blocked_call = cat(name, "(", fd, ", ", io.count, ")");
  t.resume = [this, req, f, is_write, &t](SysResult* out) {
    req->resumed = true;
    long res = t.signal_pending && !sleep_checks_signal(f->kind)
                   ? interrupted_socket_io(t, f, *req, is_write)
               : is_write ? f->write(ctx_, t, *req)
                          : f->read(ctx_, t, *req);
    if (res == kWouldSleep) {
      sched_.schedule(t, std::nullopt);
      return false;
    }
    finish_wait(t);
    if (res == -kERESTARTSYS) res = restart_as_eintr(t);
    *out = res < 0 ? SysResult::error(static_cast<int>(-res)) : SysResult::value_of(res);
    out->value = req->value;
    out->approximate = req->approximate;
    t.holds_file = nullptr;
    files_.fput(f);
    return true;
  };
  sched_.schedule(t, std::nullopt);
  SysResult blocked;
  blocked.blocked = true;
  return blocked;
}

// Whether the file's own read and write see a pending signal when they run again after a sleep
// (pipes, eventfds: their wait_event_interruptible*() returns -ERESTARTSYS), or the syscall layer
// ends the sleep for them (sockets, below). The other files never sleep in read or write.
bool Kernel::sleep_checks_signal(FileKind kind) {
  switch (kind) {
    case FileKind::kPipe:
    case FileKind::kEventFd:
      return true;
    case FileKind::kUnixStream:
    case FileKind::kTcp:
    case FileKind::kEpoll:
    case FileKind::kRegular:
    case FileKind::kObserved:
      return false;
  }
  return false;
}

// A socket's sleeper woken by a signal: unix_stream_data_wait / sock_wait_for_wmem (AF_UNIX) and
// sk_wait_data / sk_stream_wait_memory (TCP) return with signal_pending, and the call ends with
// sock_intr_errno(timeo) (-ERESTARTSYS: a blocking socket has no timeout), or with the bytes it
// moved before it slept ("copied ? : err"). The socket's queues are not touched on this path.
long Kernel::interrupted_socket_io(Task& t, File* f, IoRequest& io, bool is_write) {
  finish_wait(t);
  const bool tcp = f->kind == FileKind::kTcp;
  const char* function = is_write ? (tcp ? "sk_stream_wait_memory" : "sock_alloc_send_pskb")
                                  : (tcp ? "tcp_recvmsg_locked" : "unix_stream_read_generic");
  if (ctx_.tracing())
    ctx_.step(StepKind::kFileOp, function,
              io.done > 0 ? cat("signal_pending: ", t.name, " stops after ", io.done, " bytes")
                          : cat("signal_pending: ", t.name, " moved no byte: -ERESTARTSYS"),
              {f->ref(), t.ref()});
  return io.done > 0 ? io.done : -kERESTARTSYS;
}

// handle_signal (arch/x86/kernel/signal.c): the handler has no SA_RESTART, so a syscall that
// returned -ERESTARTSYS returns EINTR to user space.
long Kernel::restart_as_eintr(Task& t) {
  if (ctx_.tracing())
    ctx_.step(StepKind::kTask, "handle_signal",
              cat("the signal's handler runs for ", t.name,
                  " without SA_RESTART: -ERESTARTSYS becomes EINTR"),
              {t.ref()});
  return -kEINTR;
}

SysResult Kernel::read(Task& t, int fd, std::size_t count) {
  begin_call(t, [&] { return cat("read(", fd, ", ", count, ")"); });
  IoRequest io;
  io.count = count;
  return end_call(t, do_io(t, fd, "read", false, io));
}

SysResult Kernel::write(Task& t, int fd, std::size_t count, uint64_t first8) {
  begin_call(t, [&] { return cat("write(", fd, ", ", count, ")"); });
  IoRequest io;
  io.count = count;
  io.value = first8;
  return end_call(t, do_io(t, fd, "write", true, io));
}

SysResult Kernel::recv(Task& t, int fd, std::size_t count, int flags) {
  begin_call(t, [&] { return cat("recv(", fd, ", ", count, ", ", flags, ")"); });
  File* f = fdt_.file_at(fd);
  if (f && f->kind != FileKind::kTcp && f->kind != FileKind::kUnixStream)
    return end_call(t, SysResult::error(kENOTSOCK));
  IoRequest io;
  // __sys_recvfrom → import_ubuf: the length is capped at MAX_RW_COUNT first, then access_ok
  // (which a capped length from kUserBuffer always passes), before the fd is looked up.
  io.count = std::min<size_t>(count, kMAX_RW_COUNT);
  io.flags = flags;
  io.recvmsg = true;
  return end_call(t, do_io(t, fd, "recv", false, io));
}

SysResult Kernel::send(Task& t, int fd, std::size_t count, int flags) {
  begin_call(t, [&] { return cat("send(", fd, ", ", count, ", ", flags, ")"); });
  File* f = fdt_.file_at(fd);
  if (f && f->kind != FileKind::kTcp && f->kind != FileKind::kUnixStream)
    return end_call(t, SysResult::error(kENOTSOCK));
  IoRequest io;
  io.count = std::min<size_t>(count, kMAX_RW_COUNT);  // __sys_sendto → import_ubuf, as recv
  io.flags = flags;
  return end_call(t, do_io(t, fd, "send", true, io));
}

SysResult Kernel::eventfd_read(Task& t, int fd) {
  begin_call(t, [&] { return cat("eventfd_read(", fd, ")"); });
  IoRequest io;
  io.count = 8;
  return end_call(t, do_io(t, fd, "eventfd_read", false, io));
}

SysResult Kernel::eventfd_write(Task& t, int fd, uint64_t value) {
  begin_call(t, [&] { return cat("eventfd_write(", fd, ", ", value, ")"); });
  IoRequest io;
  io.count = 8;
  io.value = value;
  return end_call(t, do_io(t, fd, "eventfd_write", true, io));
}

SysResult Kernel::shutdown(Task& t, int fd, int how) {
  begin_call(t, [&] {
    return cat("shutdown(", fd, ", ",
               how == kSHUT_RD     ? "SHUT_RD"
               : how == kSHUT_WR   ? "SHUT_WR"
               : how == kSHUT_RDWR ? "SHUT_RDWR"
                                   : std::to_string(how),
               ")");
  });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  long r;
  if (f->kind == FileKind::kUnixStream)
    r = static_cast<UnixStreamSocket*>(f)->shutdown(ctx_, how);
  else if (f->kind == FileKind::kTcp)
    r = tcp_net_->shutdown(ctx_, f, how);
  else
    r = -kENOTSOCK;
  return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
}

SysResult Kernel::set_sndbuf(Task& t, int fd, int v) {
  begin_call(t, [&] { return cat("setsockopt(", fd, ", SOL_SOCKET, SO_SNDBUF, ", v, ")"); });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  long r;
  if (f->kind == FileKind::kUnixStream)
    r = static_cast<UnixStreamSocket*>(f)->set_sndbuf(ctx_, v);
  else if (f->kind == FileKind::kTcp)
    r = static_cast<TcpSocket*>(f)->set_sndbuf(ctx_, v);
  else
    r = -kENOTSOCK;
  return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
}

// __sys_setsockopt: the fd, then a socket, then SOL_SOCKET (sock_setsockopt) or the protocol's
// setsockopt: AF_UNIX stream sockets have none (EOPNOTSUPP); TCP's hands other levels to
// ip_setsockopt (ENOPROTOOPT).
SysResult Kernel::setsockopt(Task& t, int fd, int level, int optname, int value) {
  begin_call(t,
             [&] { return cat("setsockopt(", fd, ", ", level, ", ", optname, ", ", value, ")"); });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  const bool is_unix = f->kind == FileKind::kUnixStream;
  if (!is_unix && f->kind != FileKind::kTcp) return end_call(t, SysResult::error(kENOTSOCK));
  long r = -kENOPROTOOPT;
  if (level == kSOL_SOCKET) {
    if (optname == kSO_SNDBUF)
      r = is_unix ? static_cast<UnixStreamSocket*>(f)->set_sndbuf(ctx_, value)
                  : static_cast<TcpSocket*>(f)->set_sndbuf(ctx_, value);
    else if (optname == kSO_RCVBUF)
      r = is_unix ? static_cast<UnixStreamSocket*>(f)->set_rcvbuf(ctx_, value)
                  : static_cast<TcpSocket*>(f)->set_rcvbuf(ctx_, value);
  } else if (is_unix) {
    r = -kEOPNOTSUPP;
  } else if (level == kIPPROTO_TCP) {
    if (optname == kTCP_NODELAY)
      r = static_cast<TcpSocket*>(f)->set_nodelay(ctx_, value != 0);
    else if (optname == kTCP_CORK)
      r = static_cast<TcpSocket*>(f)->set_cork(ctx_, value != 0);
  }
  return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
}

// __sys_getsockopt: as setsockopt, but ip_getsockopt answers EOPNOTSUPP for a level that is not
// SOL_IP.
SysResult Kernel::getsockopt(Task& t, int fd, int level, int optname) {
  begin_call(t, [&] { return cat("getsockopt(", fd, ", ", level, ", ", optname, ")"); });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  const bool is_unix = f->kind == FileKind::kUnixStream;
  if (!is_unix && f->kind != FileKind::kTcp) return end_call(t, SysResult::error(kENOTSOCK));
  std::optional<int> v;
  int err = kENOPROTOOPT;
  if (level == kSOL_SOCKET) {
    if (optname == kSO_SNDBUF)
      v = is_unix ? static_cast<UnixStreamSocket*>(f)->sock().sndbuf
                  : static_cast<TcpSocket*>(f)->sock().sndbuf;
    else if (optname == kSO_RCVBUF)
      v = is_unix ? static_cast<UnixStreamSocket*>(f)->sock().rcvbuf
                  : static_cast<TcpSocket*>(f)->sock().rcvbuf;
  } else if (is_unix) {
    err = kEOPNOTSUPP;
  } else if (level == kIPPROTO_TCP) {
    const int nonagle = static_cast<TcpSocket*>(f)->sock().nonagle;
    if (optname == kTCP_NODELAY)
      v = (nonagle & kTcpNagleOff) ? 1 : 0;
    else if (optname == kTCP_CORK)
      v = (nonagle & kTcpNagleCork) ? 1 : 0;
  } else if (level != 0) {  // SOL_IP's options are not modelled: ENOPROTOOPT
    err = kEOPNOTSUPP;
  }
  if (!v) return end_call(t, SysResult::error(err));
  SysResult r = SysResult::value_of(0);
  r.value = static_cast<uint64_t>(*v);
  return end_call(t, r);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] close, dup, dup2, rlimit
// ---------------------------------------------------------------------------------------------

SysResult Kernel::close(Task& t, int fd) {
  begin_call(t, [&] { return cat("close(", fd, ")"); });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  close_fd(fd, f, "file_close_fd");
  return end_call(t, SysResult::value_of(0));
}

void Kernel::close_fd(int fd, File* f, const char* function) {
  // The slot is emptied first, then filp_close → fput.
  fdt_.file_close_fd(fd);
  if (ctx_.tracing())
    ctx_.step(StepKind::kFdTable, function,
              f->f_count > 1
                  ? cat("fd ", fd, " is free again; ", f->label,
                        " stays open through its other references")
                  : cat("fd ", fd, " is free again; it was the last reference to ", f->label),
              {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}, f->ref()});
  files_.fput(f);
}

// SYSCALL_DEFINE3(close_range) (fs/file.c): the flags, then the range, then __range_cloexec or
// __range_close over the open part of the table.
SysResult Kernel::close_range(Task& t, unsigned first, unsigned last, unsigned flags) {
  begin_call(t, [&] {
    std::string f;
    if (flags & kCLOSE_RANGE_UNSHARE) f = "CLOSE_RANGE_UNSHARE";
    if (flags & kCLOSE_RANGE_CLOEXEC)
      f += f.empty() ? "CLOSE_RANGE_CLOEXEC" : "|CLOSE_RANGE_CLOEXEC";
    if (flags & ~(kCLOSE_RANGE_UNSHARE | kCLOSE_RANGE_CLOEXEC) || f.empty())
      f = std::to_string(flags);
    return cat("close_range(", first, ", ", last, ", ", f, ")");
  });
  if (flags & ~(kCLOSE_RANGE_UNSHARE | kCLOSE_RANGE_CLOEXEC)) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "close_range",
                "only CLOSE_RANGE_UNSHARE and CLOSE_RANGE_CLOEXEC are accepted in flags");
    return end_call(t, SysResult::error(kEINVAL));
  }
  if (first > last) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "close_range", "the first fd is above the last one");
    return end_call(t, SysResult::error(kEINVAL));
  }
  // The open part of the table: no fd at or above its size is open.
  const std::size_t size = fdt_.slots().size();
  if (size == 0 || first >= size) return end_call(t, SysResult::value_of(0));
  const int to = static_cast<int>(std::min<std::size_t>(last, size - 1));
  if (flags & kCLOSE_RANGE_CLOEXEC) {
    // __range_cloexec: the close-on-exec bit of every fd of the range, open or not (an fd opened
    // later takes its own flag from fd_install, so only the open ones matter here).
    for (int fd = static_cast<int>(first); fd <= to; ++fd)
      if (fdt_.file_at(fd)) fdt_.set_cloexec(fd, true);
    if (ctx_.tracing())
      ctx_.step(StepKind::kFdTable, "__range_cloexec",
                cat("fds ", first, " to ", to, " are closed on exec"));
    return end_call(t, SysResult::value_of(0));
  }
  // __range_close: one fd after the other, each closed as close() closes it.
  for (int fd = static_cast<int>(first); fd <= to; ++fd)
    if (File* f = fdt_.file_at(fd)) close_fd(fd, f, "file_close_fd_locked");
  return end_call(t, SysResult::value_of(0));
}

SysResult Kernel::dup(Task& t, int fd) {
  begin_call(t, [&] { return cat("dup(", fd, ")"); });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  int newfd = fdt_.alloc_fd(0);
  if (newfd < 0) return end_call(t, SysResult::error(-newfd));
  fdt_.fd_install(newfd, f, false);
  return end_call(t, SysResult::value_of(newfd));
}

SysResult Kernel::dup2(Task& t, int oldfd, int newfd) {
  begin_call(t, [&] { return cat("dup2(", oldfd, ", ", newfd, ")"); });
  File* f = fdt_.file_at(oldfd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  if (oldfd == newfd) return end_call(t, SysResult::value_of(newfd));
  if (newfd < 0 || newfd >= fdt_.rlimit_nofile()) return end_call(t, SysResult::error(kEBADF));
  // do_dup2: install the new file, then close what the slot held.
  if (File* tofree = fdt_.do_dup2(newfd, f)) files_.fput(tofree);
  return end_call(t, SysResult::value_of(newfd));
}

// do_prlimit (kernel/sys.c) for RLIMIT_NOFILE, in its order of checks. The new soft limit is
// (rlim_t)limit: -1 is RLIM_INFINITY, above any hard limit.
SysResult Kernel::setrlimit_nofile(Task& t, long limit) {
  begin_call(t, [&] { return cat("setrlimit(RLIMIT_NOFILE, ", limit, ")"); });
  const RlimitNofile& old = fdt_.rlimit();
  RlimitNofile lim = old;
  lim.cur = static_cast<uint64_t>(limit);
  if (lim.cur > lim.max) return end_call(t, SysResult::error(kEINVAL));
  if (lim.max > old.nr_open) return end_call(t, SysResult::error(kEPERM));
  // Raising the hard limit would need CAP_SYS_RESOURCE (EPERM without it): the call keeps it.
  fdt_.set_rlimit(lim);
  if (ctx_.tracing())
    ctx_.step(StepKind::kFdTable, "do_prlimit",
              cat("RLIMIT_NOFILE is now ", lim.cur, " (hard limit ", lim.max, "): fds from ",
                  lim.cur, " on cannot be allocated"));
  return end_call(t, SysResult::value_of(0));
}

}  // namespace epollscope::sim

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] fcntl, ioctl
// ---------------------------------------------------------------------------------------------

namespace {

const char* fcntl_cmd_name(unsigned cmd) {
  switch (cmd) {
    case kF_GETFD:
      return "F_GETFD";
    case kF_SETFD:
      return "F_SETFD";
    case kF_GETFL:
      return "F_GETFL";
    case kF_SETFL:
      return "F_SETFL";
    case kF_SETPIPE_SZ:
      return "F_SETPIPE_SZ";
    case kF_GETPIPE_SZ:
      return "F_GETPIPE_SZ";
  }
  return nullptr;
}

// Which files have ->fasync (O_ASYNC sticks): pipes and sockets; eventfd, epoll and tmpfs files
// have none, so the bit is dropped silently.
bool has_fasync(const File* f) {
  return f->kind == FileKind::kPipe || f->kind == FileKind::kUnixStream ||
         f->kind == FileKind::kTcp;
}

}  // namespace

SysResult Kernel::fcntl(Task& t, int fd, unsigned cmd, uint64_t arg) {
  begin_call(t, [&] {
    const char* name = fcntl_cmd_name(cmd);
    return cat("fcntl(", fd, ", ", name ? std::string(name) : std::to_string(cmd), ", ", arg, ")");
  });
  // fdget_raw, then do_fcntl's switch; the int commands take the low 32 bits of arg.
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  const auto argi = static_cast<uint32_t>(arg);
  switch (cmd) {
    case kF_GETFD:
      return end_call(t, SysResult::value_of(
                             fdt_.slots()[static_cast<std::size_t>(fd)].cloexec ? kFD_CLOEXEC : 0));
    case kF_SETFD:
      fdt_.set_cloexec(fd, argi & kFD_CLOEXEC);
      if (ctx_.tracing())
        ctx_.step(StepKind::kFdTable, "set_close_on_exec",
                  cat("fd ", fd, argi & kFD_CLOEXEC ? " is" : " is not", " closed on exec"));
      return end_call(t, SysResult::value_of(0));
    case kF_GETFL:
      return end_call(t, SysResult::value_of(f->f_flags));
    case kF_SETFL: {
      // setfl: O_DIRECT only where the file allows it (a pipe: packet mode; tmpfs); ->fasync
      // keeps O_ASYNC; then the SETFL_MASK bits are taken from arg. (O_NOATIME needs the inode's
      // owner: the scenario's process is root.)
      constexpr int kSetflMask = kO_APPEND | kO_NONBLOCK | kO_DIRECT | kO_NOATIME;
      const int flags = static_cast<int>(argi);
      if ((flags & kO_DIRECT) && f->kind != FileKind::kPipe && f->kind != FileKind::kRegular) {
        if (ctx_.tracing())
          ctx_.step(StepKind::kCheck, "setfl",
                    cat(f->label, " cannot do O_DIRECT (no FMODE_CAN_ODIRECT)"), {f->ref()});
        return end_call(t, SysResult::error(kEINVAL));
      }
      int now = f->f_flags;
      if (((flags ^ now) & kO_ASYNC) && has_fasync(f)) now = (now & ~kO_ASYNC) | (flags & kO_ASYNC);
      f->f_flags = (flags & kSetflMask) | (now & ~kSetflMask);
      if (ctx_.tracing())
        ctx_.step(StepKind::kFileOp, "setfl",
                  cat(f->label, ": f_flags ", hex(static_cast<uint32_t>(f->f_flags)),
                      f->nonblocking() ? " (non-blocking)" : " (blocking)"),
                  {f->ref()});
      return end_call(t, SysResult::value_of(0));
    }
    case kF_SETPIPE_SZ:
    case kF_GETPIPE_SZ: {
      // pipe_fcntl: get_pipe_info — any other file is EBADF.
      if (f->kind != FileKind::kPipe) {
        if (ctx_.tracing())
          ctx_.step(StepKind::kCheck, "pipe_fcntl", cat(f->label, " is not a pipe"), {f->ref()});
        return end_call(t, SysResult::error(kEBADF));
      }
      auto* p = static_cast<PipeEnd*>(f);
      const long r = cmd == kF_GETPIPE_SZ ? p->get_size() : p->set_size(ctx_, argi);
      return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
    }
    default:
      return end_call(t, SysResult::error(kEINVAL));
  }
}

SysResult Kernel::ioctl(Task& t, int fd, unsigned request, int64_t arg, bool arg_faults) {
  begin_call(t, [&] {
    const std::string req = request == kFIONREAD  ? "FIONREAD"
                            : request == kFIONBIO ? "FIONBIO"
                                                  : hex(request);
    return cat("ioctl(", fd, ", ", req, ", ",
               arg_faults            ? std::string("NULL")
               : request == kFIONBIO ? cat("&", arg)
                                     : std::string("&n"),
               ")");
  });
  File* f = fdt_.file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  // do_vfs_ioctl: FIONBIO for every file (get_user of the int first).
  if (request == kFIONBIO) {
    if (arg_faults) return end_call(t, SysResult::error(kEFAULT));
    const bool on = static_cast<int>(arg) != 0;
    f->f_flags = on ? (f->f_flags | kO_NONBLOCK) : (f->f_flags & ~kO_NONBLOCK);
    if (ctx_.tracing())
      ctx_.step(StepKind::kFileOp, "ioctl_fionbio",
                cat(f->label, on ? " is now non-blocking" : " is now blocking"), {f->ref()});
    return end_call(t, SysResult::value_of(0));
  }
  // FIONREAD: do_vfs_ioctl answers for regular files (i_size - f_pos: always 0 in the model,
  // which reads and writes at the end); every other file's ->unlocked_ioctl answers.
  long err = 0;
  uint64_t n = 0;
  const char* who = "vfs_ioctl";
  switch (f->kind) {
    case FileKind::kRegular:
      who = "do_vfs_ioctl";
      if (request != kFIONREAD) err = -kENOTTY;
      break;
    case FileKind::kPipe:
      who = "pipe_ioctl";
      if (request != kFIONREAD)
        err = -kENOTTY;
      else
        n = static_cast<PipeEnd*>(f)->pipe().bytes();
      break;
    case FileKind::kUnixStream:
      who = "unix_ioctl";
      // SIOCINQ: unix_inq_len, u->inq_len: the bytes queued less those read (an urgent byte
      // dropped unread stays counted on this kernel [O1]).
      if (request != kFIONREAD)
        err = -kENOTTY;
      else
        n = static_cast<UnixStreamSocket*>(f)->sock().inq_len;
      break;
    case FileKind::kTcp: {
      who = "tcp_ioctl";
      const TcpSock& sk = static_cast<TcpSocket*>(f)->sock();
      if (request != kFIONREAD)
        err = -kENOTTY;
      else if (sk.state == TcpState::kListen)
        err = -kEINVAL;
      else if (sk.state == TcpState::kSynSent || sk.state == TcpState::kSynRecv)
        n = 0;
      else if (sk.urg_data != TcpUrg::kNone && sk.urg_seq >= sk.copied_seq &&
               sk.urg_seq < sk.rcv_nxt)
        n = sk.urg_seq - sk.copied_seq;  // tcp_inq: urgent data not inline: up to the mark [O2]
      else
        n = sk.unread_bytes();  // tcp_inq: rcv_nxt - copied_seq (the FIN's byte not counted)
      break;
    }
    case FileKind::kEventFd:
      who = "vfs_ioctl";
      err = -kENOTTY;  // eventfd_fops has no ->unlocked_ioctl
      break;
    case FileKind::kEpoll:
      who = "ep_eventpoll_ioctl";
      err = -kEINVAL;  // only EPIOCSPARAMS and EPIOCGPARAMS
      break;
    case FileKind::kObserved:
      who = "vfs_ioctl";
      err = -kEINVAL;  // the real file answers; the model simulates no I/O on it (sim/observed.h)
      break;
  }
  if (!err && arg_faults) err = -kEFAULT;  // put_user of the count
  if (ctx_.tracing())
    ctx_.step(StepKind::kFileOp, who,
              err ? cat(f->label, ": ", errno_name(static_cast<int>(-err)))
                  : cat(f->label, ": ", n, " bytes to read"),
              {f->ref()});
  if (err) return end_call(t, SysResult::error(static_cast<int>(-err)));
  SysResult r = SysResult::value_of(0);
  r.value = n;
  return end_call(t, r);
}

}  // namespace epollscope::sim

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] observed files
// ---------------------------------------------------------------------------------------------

SysResult Kernel::install_observed(Task& t, int fd, std::string label, int f_flags, poll_t mask) {
  label = printable_label(std::move(label));
  begin_call(t, [&] { return cat("install_observed(", fd, ", \"", label, "\")"); });
  if (fd < 0 || static_cast<uint64_t>(fd) >= fdt_.rlimit().nr_open) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kCheck, "install_observed",
                cat("fd ", fd, " cannot exist in a real process (fs.nr_open is ",
                    fdt_.rlimit().nr_open, ")"));
    return end_call(t, SysResult::error(kEBADF));
  }
  const bool cloexec = f_flags & kO_CLOEXEC;
  if (ctx_.tracing())
    ctx_.step(StepKind::kFileOp, "install_observed",
              cat("fd ", fd, " of the real process is ", label,
                  ", a file the model did not create: the model observes it (its poll mask and "
                  "its wake-ups come from the real kernel)"),
              {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}});
  ObservedFile* f = create_observed(ctx_, files_, std::move(label), f_flags & ~kO_CLOEXEC, mask);
  // As do_dup2: the slot takes the new file, then the file it held is closed.
  File* tofree = fdt_.do_dup2(fd, f);
  fdt_.set_cloexec(fd, cloexec);
  if (tofree) {
    if (ctx_.tracing())
      ctx_.step(StepKind::kFdTable, "do_dup2",
                tofree->f_count > 1 ? cat("fd ", fd, " held ", tofree->label,
                                          ", which stays open through its other references")
                                    : cat("fd ", fd, " held the last reference to ", tofree->label,
                                          ": it is closed, as dup2 closes it"),
                {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}, tofree->ref()});
    files_.fput(tofree);
  }
  return end_call(t, SysResult::value_of(fd));
}

ObservedFile* Kernel::observed_at(int fd) const {
  File* f = fdt_.file_at(fd);
  return f && f->kind == FileKind::kObserved ? static_cast<ObservedFile*>(f) : nullptr;
}

void Kernel::set_observed_mask(int fd, poll_t mask) {
  ObservedFile* f = observed_at(fd);
  if (!f) throw std::invalid_argument(cat("fd ", fd, " holds no observed file"));
  f->set_mask(ctx_, mask);
}

void Kernel::observed_wakeups(Task& t, const std::vector<ObservedWakeup>& wakes) {
  std::vector<ObservedFile*> files;
  std::vector<EpItem*> reached;  // the exclusive item a targeted wake-up reaches, else nullptr
  files.reserve(wakes.size());
  reached.reserve(wakes.size());
  for (const ObservedWakeup& w : wakes) {
    ObservedFile* f = observed_at(w.fd);
    if (!f) throw std::invalid_argument(cat("fd ", w.fd, " holds no observed file"));
    files.push_back(f);
    EpItem* item = nullptr;
    if (w.reaches_epfd >= 0) {
      item = exclusive_item(w.reaches_epfd, w.fd);
      if (!item)
        throw std::invalid_argument(cat("epoll fd ", w.reaches_epfd,
                                        " has no exclusive item on the observed file at fd ",
                                        w.fd));
    }
    reached.push_back(item);
  }
  if (wakes.empty()) return;
  ctx_.count_call();
  if (ctx_.tracing())
    ctx_.step(StepKind::kWakeUp, "observed_wakeups",
              cat("while ", t.name, " is followed, the real kernel wakes observed files ",
                  wakes.size(), wakes.size() == 1 ? " time" : " times",
                  ": the model replays the wake-ups in their order, and the threads they wake "
                  "run only after the last one"),
              {t.ref()});
  {
    KernelContext::Nest nest(ctx_);
    for (std::size_t i = 0; i < wakes.size(); ++i) {
      if (EpItem* item = reached[i]) {
        reach_exclusive_entry(*files[i], item, wakes[i].key);
        continue;
      }
      files[i]->wake(ctx_, wakes[i].key,
                     wakes[i].source.empty() ? std::string_view("wake-up observed on the real file")
                                             : std::string_view(wakes[i].source));
    }
  }
  sched_.run_woken_tasks();
}

EpItem* Kernel::exclusive_item(int epfd, int fd) const {
  ObservedFile* f = observed_at(fd);
  File* ef = file_at(epfd);
  if (!f || !ef || !is_file_epoll(ef)) return nullptr;
  EventPoll* ep = static_cast<EventPollFile*>(ef)->ep();
  for (HlistNode* n = f->f_ep.first; n; n = n->next) {
    EpItem* epi = ep_item_from_fllink(n);
    if (epi->ep == ep && epi->fd == fd)  // one item per (file, fd) in an epoll
      return (epi->event.events & kEPOLLEXCLUSIVE) && epi->pwqlist ? epi : nullptr;
  }
  return nullptr;
}

void Kernel::reach_exclusive_entry(ObservedFile& f, EpItem* item, poll_t key) {
  if (ctx_.tracing())
    ctx_.step(StepKind::kWakeUp, "__wake_up_common",
              cat("a wake-up of ", f.label, " reached the exclusive entry of epoll #", item->ep->id,
                  "'s item: the kernel's answer shows it (which exclusive entry a walk stops at "
                  "depends on which epolls had a sleeper, a race the tracer cannot see)"),
              {ObjRef{ObjKind::kEpItem, item->id}, item->ep->ref()});
  KernelContext::Nest nest(ctx_);
  WaitQueueEntry* entry = &item->pwqlist->wait;
  entry->func(ctx_, entry, 0, 0, key);
}

void Kernel::observed_wakeups(Task& t, const std::vector<std::pair<int, poll_t>>& wakes) {
  std::vector<ObservedWakeup> full;
  full.reserve(wakes.size());
  for (const auto& [fd, key] : wakes)
    full.emplace_back(fd, key, std::string());
  observed_wakeups(t, full);
}

bool Kernel::late_scan_wakeups(int epfd, const std::vector<int>& fds) {
  File* ef = file_at(epfd);
  if (!ef || !is_file_epoll(ef) || fds.empty()) return false;
  EventPoll* ep = static_cast<EventPollFile*>(ef)->ep();
  std::vector<EpItem*> items;
  for (int fd : fds) {
    File* tf = file_at(fd);
    if (!tf) continue;
    for (HlistNode* n = tf->f_ep.first; n; n = n->next) {
      EpItem* epi = ep_item_from_fllink(n);
      if (epi->ep == ep && epi->fd == fd && ep_is_linked(epi)) items.push_back(epi);
    }
  }
  if (items.empty()) return false;
  ctx_.count_call();
  if (ctx_.tracing())
    ctx_.step(StepKind::kReadyList, "ep_done_scan",
              cat("the real kernel's next harvest shows that ", items.size(),
                  items.size() == 1 ? " wake-up" : " wake-ups",
                  " of observed files came while the previous scan of this epoll was still "
                  "running: ep_poll_callback chained them on ovflist, and ep_done_scan moved them "
                  "to the head of rdllist"),
              {ep->ref()});
  KernelContext::Nest nest(ctx_);
  // ovflist is LIFO and ep_done_scan adds each at the head: the oldest ends up first.
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    EpItem* epi = *it;
    list_del_init(&epi->rdllink);
    list_add(&epi->rdllink, &ep->rdllist);
    if (ctx_.tracing())
      ctx_.step(StepKind::kReadyList, "ep_done_scan",
                cat("item on fd ", epi->fd, " moves from ovflist to the head of rdllist"),
                {ObjRef{ObjKind::kEpItem, epi->id}, ep->ref()});
  }
  return true;
}

bool Kernel::adopt_ready_order(int epfd, const std::vector<int>& fds) {
  File* ef = file_at(epfd);
  if (!ef || !is_file_epoll(ef) || fds.size() < 2) return false;
  EventPoll* ep = static_cast<EventPollFile*>(ef)->ep();
  std::vector<EpItem*> all;
  for (ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next)
    all.push_back(ep_item_from_rdllink(p));
  std::vector<EpItem*> wanted;
  for (int fd : fds)
    for (EpItem* epi : all)
      if (epi->fd == fd && std::find(wanted.begin(), wanted.end(), epi) == wanted.end()) {
        wanted.push_back(epi);
        break;
      }
  if (wanted.size() < 2) return false;
  // The places the listed items hold keep being theirs; only who sits where changes.
  std::vector<EpItem*> order = all;
  std::size_t next = 0;
  bool changed = false;
  for (EpItem*& slot : order)
    if (std::find(wanted.begin(), wanted.end(), slot) != wanted.end()) {
      changed = changed || slot != wanted[next];
      slot = wanted[next++];
    }
  if (!changed) return false;
  ctx_.count_call();
  if (ctx_.tracing())
    ctx_.step(StepKind::kReadyList, "ep_poll_callback",
              cat("wake-ups of observed files that reached the tracer together (within one stop "
                  "of the program) came in an order it could not see; the kernel's answer shows "
                  "it: ",
                  wanted.size(), " items of epoll #", ep->id, "'s rdllist take the kernel's order"),
              {ep->ref()});
  for (EpItem* epi : all)
    list_del_init(&epi->rdllink);
  for (EpItem* epi : order)
    list_add_tail(&epi->rdllink, &ep->rdllist);
  return true;
}

bool Kernel::observed_wakeup_reaches(int epfd, int fd, poll_t key) {
  EpItem* item = exclusive_item(epfd, fd);
  if (!item) return false;
  ctx_.count_call();
  reach_exclusive_entry(*observed_at(fd), item, key);
  sched_.run_woken_tasks();
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] signals
// ---------------------------------------------------------------------------------------------

bool Kernel::interrupt(Task& t) {
  if (t.state != TaskState::kSleeping) return false;
  ctx_.count_call();
  // complete_signal → signal_wake_up: TIF_SIGPENDING, then wake_up_state(TASK_INTERRUPTIBLE).
  // The wait entry stays on its queue: the sleeper takes it off when it runs again.
  t.signal_pending = true;
  if (ctx_.tracing())
    ctx_.step(StepKind::kTask, "signal_wake_up",
              cat("a signal arrives for ", t.name, ", asleep in ", t.blocked_call,
                  ": TIF_SIGPENDING is set and the interruptible sleeper is woken"),
              {t.ref()});
  {
    KernelContext::Nest nest(ctx_);
    sched_.try_to_wake_up(t, false);
  }
  sched_.run_woken_tasks();
  // The syscall returned; on the way back to user space the handler ran and the signal is gone.
  t.signal_pending = false;
  return true;
}

}  // namespace epollscope::sim
