// sim/kernel.cpp — the syscall layer: fd lookups and errno checks in the kernel's order, fd
// allocation, file references, sleeping tasks and the virtual clock. The epoll-specific bodies
// are in eventpoll.cpp, the file types' behaviour in their own files.
#include "sim/kernel.h"

#include <algorithm>
#include <cassert>

#include "sim/eventfd.h"
#include "sim/pipe.h"
#include "sim/strings.h"
#include "sim/tcp.h"
#include "sim/unix_stream.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] construction, ids, files
// ---------------------------------------------------------------------------------------------

Kernel::Kernel(const KernelProfile& profile)
    : profile_(profile), tcp_net_(std::make_unique<TcpNet>()) {
  auto main = std::make_unique<Task>();
  main->id = new_id();
  main->name = "main";
  tasks_.push_back(std::move(main));
  // The process starts with stdin, stdout and stderr open, as the live backend's child does, so
  // the first file a scenario opens gets fd 3.
  for (const char* name : {"stdin", "stdout", "stderr"}) {
    File* f = make_file<RegularFile>(name);
    int fd = alloc_fd(0);
    install_fd(fd, f, false);
  }
}

Kernel::~Kernel() {
  // Tear down without tracing: close every fd, which releases files in the kernel's way (epoll
  // items removed first), then drop whatever a sleeping task still holds.
  sink_ = nullptr;
  for (auto& t : tasks_)
    finish_wait(*t);
  for (int fd = 0; fd < static_cast<int>(fds_.size()); ++fd) {
    if (File* f = fds_[fd].file) {
      fds_[fd].file = nullptr;
      fput(f);
    }
  }
  while (!file_table_.empty()) {
    File* f = file_table_.begin()->second.get();
    f->f_count = 1;
    fput(f);
  }
}

uint64_t Kernel::new_file_address() {
  // Files are spaced far apart so that the live backend can place a file between two others
  // when it teaches the model the kernel's real order.
  do
    next_address_ += uint64_t{1} << 24;
  while (used_addresses_.count(next_address_));
  used_addresses_.insert(next_address_);
  return next_address_;
}

bool Kernel::set_file_address(File* f, uint64_t a) {
  if (a == f->address) return true;
  if (used_addresses_.count(a)) return false;
  used_addresses_.erase(f->address);
  used_addresses_.insert(a);
  f->address = a;
  for (HlistNode* n = f->f_ep.first; n; n = n->next) {
    EpItem* epi = ep_item_from_fllink(n);
    epi->file_address = a;
    epi->ep->index_stale = true;  // rebuilt from rbr at its next use
  }
  // Files made later get keys above every key given so far.
  if (a > next_address_) next_address_ = a;
  return true;
}

void Kernel::adopt_file(std::unique_ptr<File> f) {
  uint32_t id = f->id;
  file_table_.emplace(id, std::move(f));
}

void Kernel::destroy_file(File* f) {
  used_addresses_.erase(f->address);
  file_table_.erase(f->id);
}

std::vector<const File*> Kernel::files() const {
  std::vector<const File*> out;
  out.reserve(file_table_.size());
  for (const auto& [id, f] : file_table_)
    out.push_back(f.get());
  return out;
}

std::vector<File*> Kernel::files() {
  std::vector<File*> out;
  out.reserve(file_table_.size());
  for (auto& [id, f] : file_table_)
    out.push_back(f.get());
  return out;
}

TcpNet& Kernel::tcp_net() {
  return *tcp_net_;
}

// fput → __fput: eventpoll_release() before f_op->release, then the file is freed.
void Kernel::fput(File* f) {
  assert(f->f_count > 0);
  if (--f->f_count > 0) return;
  if (tracing())
    step(StepKind::kFileOp, "__fput", cat("last reference to ", f->label, " dropped"), {f->ref()});
  Nest nest(*this);
  if (!hlist_empty(&f->f_ep)) eventpoll_release(*this, f);
  f->release(*this);
  destroy_file(f);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] tracing
// ---------------------------------------------------------------------------------------------

void Kernel::step(StepKind kind, const char* function, std::string text,
                  std::initializer_list<ObjRef> touched) {
  step(kind, function, std::move(text), std::vector<ObjRef>(touched));
}

void Kernel::step(StepKind kind, const char* function, std::string text,
                  std::vector<ObjRef> touched) {
  if (!sink_) return;
  TraceStep s;
  s.seq = ++seq_;
  s.call = call_;
  s.depth = depth_;
  s.kind = kind;
  s.function = function;
  s.text = std::move(text);
  s.touched = std::move(touched);
  sink_->on_step(s);
}

void Kernel::trace_call(Task& t, std::string text) {
  step(StepKind::kSyscall, "syscall", t.name == "main" ? std::move(text) : cat(t.name, ": ", text),
       {t.ref()});
}

SysResult Kernel::end_call(Task& t, SysResult r) {
  --depth_;
  if (tracing()) {
    std::string what;
    if (r.blocked)
      what = cat(t.name, " sleeps in ", t.blocked_call);
    else if (r.ret < 0)
      what = cat("returns -1, errno ", errno_name(r.err));
    else
      what = cat("returns ", r.ret);
    step(StepKind::kSyscall, "syscall", what, {t.ref()});
  }
  run_woken_tasks();
  return r;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] tasks, sleeping, the clock
// ---------------------------------------------------------------------------------------------

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::kRunning:
      return "running";
    case TaskState::kSleeping:
      return "sleeping";
    case TaskState::kRunnable:
      return "runnable";
  }
  return "?";
}

Task& Kernel::create_task(std::string name) {
  auto t = std::make_unique<Task>();
  t->id = new_id();
  t->name = std::move(name);
  tasks_.push_back(std::move(t));
  return *tasks_.back();
}

Task* Kernel::find_task(std::string_view name) {
  for (auto& t : tasks_)
    if (t->name == name) return t.get();
  return nullptr;
}

bool Kernel::wake_task(Task& t, bool by_timer) {
  if (t.state != TaskState::kSleeping) return false;
  t.state = TaskState::kRunnable;
  t.timer_fired = by_timer;
  runqueue_.push_back(&t);
  if (tracing())
    step(StepKind::kTask, by_timer ? "hrtimer_wakeup" : "try_to_wake_up",
         by_timer ? cat("the timeout of ", t.name, " expires; it becomes runnable")
                  : cat(t.name, " is woken and becomes runnable"),
         {t.ref()});
  return true;
}

void Kernel::sleep_task(Task& t, std::optional<int64_t> deadline) {
  t.state = TaskState::kSleeping;
  t.deadline_ns = deadline;
  t.timer_fired = false;
  if (tracing()) {
    std::string until = deadline ? cat(" until t=", (*deadline) / 1000000, " ms or a wake-up")
                                 : std::string(" until a wake-up");
    step(StepKind::kTask, "schedule",
         cat(t.name, " sleeps", t.waiting_on ? cat(" on ", t.waiting_on->label) : std::string(),
             until),
         t.waiting_on ? std::vector<ObjRef>{t.ref(), ObjRef{ObjKind::kWaitQueue, t.waiting_on->id}}
                      : std::vector<ObjRef>{t.ref()});
  }
}

void Kernel::run_woken_tasks() {
  // Inside a scan hook the interrupted epoll_wait still holds ep->mtx: woken tasks run after the
  // syscall that is being scanned for has returned.
  if (in_scan_hook_) return;
  while (!runqueue_.empty()) {
    Task* t = runqueue_.front();
    runqueue_.pop_front();
    if (t->state != TaskState::kRunnable) continue;
    t->state = TaskState::kRunning;
    ++call_;
    if (tracing())
      step(StepKind::kTask, "schedule", cat(t->name, " runs again in ", t->blocked_call),
           {t->ref()});
    SysResult r;
    bool done;
    {
      Nest nest(*this);
      done = t->resume(*this, &r);
    }
    if (!done) continue;  // it went back to sleep
    t->deadline_ns.reset();
    t->resume = nullptr;
    if (tracing()) {
      std::string what =
          r.ret < 0 ? cat("returns -1, errno ", errno_name(r.err)) : cat("returns ", r.ret);
      step(StepKind::kSyscall, "syscall", cat(t->name, ": ", t->blocked_call, " ", what),
           {t->ref()});
    }
    completions_.push_back(Completion{t->id, t->blocked_call, std::move(r)});
    t->blocked_call.clear();
  }
}

std::optional<int64_t> Kernel::next_timer() const {
  std::optional<int64_t> best;
  for (const auto& t : tasks_)
    if (t->state == TaskState::kSleeping && t->deadline_ns && (!best || *t->deadline_ns < *best))
      best = t->deadline_ns;
  return best;
}

void Kernel::advance_clock_to(int64_t target) {
  while (true) {
    Task* first = nullptr;
    for (auto& t : tasks_)
      if (t->state == TaskState::kSleeping && t->deadline_ns && *t->deadline_ns <= target &&
          (!first || *t->deadline_ns < *first->deadline_ns))
        first = t.get();
    if (!first) break;
    now_ns_ = std::max(now_ns_, *first->deadline_ns);
    wake_task(*first, true);
    run_woken_tasks();
  }
  now_ns_ = std::max(now_ns_, target);
}

void Kernel::set_scan_hook(uint32_t ep_id, int after_items, std::function<void(Kernel&)> action) {
  scan_hook_ = ScanHook{ep_id, after_items, std::move(action)};
}

void Kernel::run_scan_hook(EventPoll* ep) {
  if (!scan_hook_ || (scan_hook_->ep_id && scan_hook_->ep_id != ep->id)) return;
  if (--scan_hook_->remaining > 0) return;
  auto action = std::move(scan_hook_->action);
  scan_hook_.reset();
  if (tracing())
    step(StepKind::kScan, "ep_send_events",
         "meanwhile, on another CPU, something happens while the scan is copying events:",
         {ep->ref()});
  Nest nest(*this);
  in_scan_hook_ = true;
  action(*this);
  in_scan_hook_ = false;
}

std::vector<Completion> Kernel::take_completions() {
  std::vector<Completion> out;
  out.swap(completions_);
  return out;
}

bool Kernel::has_sleeping_tasks() const {
  for (const auto& t : tasks_)
    if (t->state == TaskState::kSleeping) return true;
  return false;
}

int autoremove_wake_function(Kernel& k, WaitQueueEntry* wait, unsigned, int, poll_t) {
  Task* t = static_cast<Task*>(wait->private_data);
  int ret = k.wake_task(*t, false);
  if (ret) {
    list_del_init(&wait->entry);
    t->waiting_on = nullptr;
  }
  return ret;
}

void prepare_to_wait_exclusive(Kernel&, WaitQueueHead* wq, Task& task) {
  task.wait.private_data = &task;
  task.wait.func = autoremove_wake_function;
  if (list_empty(&task.wait.entry)) add_wait_queue_exclusive(wq, &task.wait);
  task.waiting_on = wq;
}

void prepare_to_wait_tail(Kernel&, WaitQueueHead* wq, Task& task) {
  task.wait.private_data = &task;
  task.wait.func = autoremove_wake_function;
  task.wait.flags &= ~kWQ_FLAG_EXCLUSIVE;
  if (list_empty(&task.wait.entry)) list_add_tail(&task.wait.entry, &wq->head);
  task.waiting_on = wq;
}

void finish_wait(Task& task) {
  if (!list_empty(&task.wait.entry)) list_del_init(&task.wait.entry);
  task.waiting_on = nullptr;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the fd table
// ---------------------------------------------------------------------------------------------

File* Kernel::file_at(int fd) const {
  if (fd < 0 || fd >= static_cast<int>(fds_.size())) return nullptr;
  return fds_[fd].file;
}

// alloc_fd(): the lowest free number at or above `start`, starting the search at files->next_fd.
int Kernel::alloc_fd(int start) {
  int fd = std::max(start, next_fd_);
  while (fd < static_cast<int>(fds_.size()) && fds_[fd].file)
    ++fd;
  if (fd >= rlimit_nofile_) return -kEMFILE;
  if (start <= next_fd_) next_fd_ = fd + 1;
  if (fd >= static_cast<int>(fds_.size())) fds_.resize(fd + 1);
  return fd;
}

void Kernel::install_fd(int fd, File* f, bool cloexec) {
  fds_[fd].file = f;
  fds_[fd].cloexec = cloexec;
  ++f->f_count;
  if (tracing())
    step(StepKind::kFdTable, "fd_install", cat("fd ", fd, " now refers to ", f->label),
         {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}, f->ref()});
}

void Kernel::put_unused_fd(int fd) {
  if (fd < next_fd_) next_fd_ = fd;
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
    if (tracing())
      step(StepKind::kCheck, "epoll_create", "size <= 0 is refused; any positive size is ignored");
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
    if (tracing())
      step(StepKind::kCheck, "do_epoll_create", "only EPOLL_CLOEXEC is accepted in flags");
    return SysResult::error(kEINVAL);
  }
  int fd = alloc_fd(0);
  if (fd < 0) return SysResult::error(-fd);
  auto* file = make_file<EventPollFile>(kO_RDWR | (flags & kO_CLOEXEC));
  if (tracing())
    step(StepKind::kFileOp, "ep_alloc",
         "a new struct eventpoll: empty rbr, empty rdllist, ovflist = EP_UNACTIVE_PTR (no scan "
         "running)",
         {file->ep()->ref(), file->ref()});
  install_fd(fd, file, flags & kEPOLL_CLOEXEC);
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
    if (tracing())
      step(StepKind::kCheck, "epoll_ctl",
           "copy_from_user of the event faults before any fd is looked at");
    return end_call(t, SysResult::error(kEFAULT));
  }
  File* f = file_at(epfd);
  if (!f) {
    if (tracing())
      step(StepKind::kCheck, "do_epoll_ctl", cat("fd ", epfd, " (the epoll fd) is not open"));
    return end_call(t, SysResult::error(kEBADF));
  }
  File* tf = file_at(fd);
  if (!tf) {
    if (tracing())
      step(StepKind::kCheck, "do_epoll_ctl", cat("fd ", fd, " (the target) is not open"));
    return end_call(t, SysResult::error(kEBADF));
  }
  if (!tf->can_poll()) {
    if (tracing())
      step(StepKind::kCheck, "do_epoll_ctl",
           cat(tf->label, " has no ->poll (file_can_poll is false): epoll cannot watch it"),
           {tf->ref()});
    return end_call(t, SysResult::error(kEPERM));
  }
  EpollEvent epds = event.value_or(EpollEvent{});
  int err = do_epoll_ctl(*this, f, tf, op, fd, &epds);
  return end_call(t, err ? SysResult::error(-err) : SysResult::value_of(0));
}

SysResult Kernel::epoll_wait(Task& t, int epfd, int maxevents, int timeout_ms, UserBuffer buffer) {
  auto text = [&] {
    const char* events = buffer == UserBuffer::kValid          ? ""
                         : buffer == UserBuffer::kFaultsOnCopy ? "NULL, "
                                                               : "0xffffffffff600000, ";
    return cat("epoll_wait(", epfd, ", ", events, maxevents, ", ", timeout_ms, ")");
  };
  begin_call(t, text);

  File* f = file_at(epfd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  // ep_check_params: maxevents range, access_ok (a NULL buffer passes), then "is it an epoll".
  if (maxevents <= 0 || maxevents > kEP_MAX_EVENTS) {
    if (tracing())
      step(StepKind::kCheck, "ep_check_params", "maxevents must be between 1 and EP_MAX_EVENTS");
    return end_call(t, SysResult::error(kEINVAL));
  }
  if (buffer == UserBuffer::kFailsAccessOk) {
    if (tracing())
      step(StepKind::kCheck, "ep_check_params",
           "access_ok refuses the events buffer: it is not user-space memory");
    return end_call(t, SysResult::error(kEFAULT));
  }
  if (!is_file_epoll(f)) {
    if (tracing())
      step(StepKind::kCheck, "ep_check_params", cat(f->label, " is not an epoll instance"),
           {f->ref()});
    return end_call(t, SysResult::error(kEINVAL));
  }
  auto st = std::make_shared<EpPollState>();
  st->file = static_cast<EventPollFile*>(f);
  st->maxevents = maxevents;
  st->buffer = buffer;
  // ep_timeout_to_timespec: negative = for ever, 0 = do not wait, else now + ms.
  if (timeout_ms > 0) st->deadline_ns = now_ns_ + int64_t{timeout_ms} * 1000000;
  st->timed_out = timeout_ms == 0;

  auto finish = [st](long res) {
    SysResult r = res < 0 ? SysResult::error(static_cast<int>(-res)) : SysResult::value_of(res);
    r.events = std::move(st->events);
    return r;
  };
  long res = ep_poll(*this, t, *st, false);
  if (res != kWouldSleep) return end_call(t, finish(res));

  // The task sleeps on ep->wq; the epoll file stays referenced until the call returns.
  get_file(st->file);
  t.holds_file = st->file;
  t.blocked_call = text();
  t.resume = [st, finish, &t](Kernel& k, SysResult* out) {
    long r = ep_poll(k, t, *st, true);
    if (r == kWouldSleep) {
      k.sleep_task(t, st->deadline_ns);
      return false;
    }
    *out = finish(r);
    t.holds_file = nullptr;
    k.fput(st->file);
    return true;
  };
  sleep_task(t, st->deadline_ns);
  SysResult blocked;
  blocked.blocked = true;
  return end_call(t, blocked);
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
  if (flags & ~(kO_CLOEXEC | kO_NONBLOCK | kO_DIRECT))
    return end_call(t, SysResult::error(kEINVAL));
  // __do_pipe_flags: create both files, then take two fds (EMFILE frees the files again).
  auto [rd, wr] = create_pipe_files(*this, flags);
  return end_call(t, install_pair(rd, wr, flags & kO_CLOEXEC));
}

// Two fds for two new files (pipe2, socketpair): both numbers are taken before either is
// installed; on EMFILE the files are released again.
SysResult Kernel::install_pair(File* a, File* b, bool cloexec) {
  int fd0 = alloc_fd(0);
  int fd1 = fd0 < 0 ? fd0 : alloc_fd(0);
  if (fd0 < 0 || fd1 < 0) {
    if (fd0 >= 0) put_unused_fd(fd0);
    a->f_count = 1;
    b->f_count = 1;
    fput(a);
    fput(b);
    return SysResult::error(kEMFILE);
  }
  install_fd(fd0, a, cloexec);
  install_fd(fd1, b, cloexec);
  SysResult r = SysResult::value_of(0);
  r.fds[0] = fd0;
  r.fds[1] = fd1;
  return r;
}

SysResult Kernel::socketpair(Task& t, int flags) {
  begin_call(t, [&] { return std::string("socketpair(AF_UNIX, SOCK_STREAM)"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  auto [a, b] = create_unix_stream_pair(*this, flags);
  return end_call(t, install_pair(a, b, flags & kSOCK_CLOEXEC));
}

SysResult Kernel::eventfd2(Task& t, unsigned initval, int flags) {
  begin_call(t, [&] { return cat("eventfd(", initval, ", ", flags, ")"); });
  if (flags & ~(kEFD_SEMAPHORE | kEFD_NONBLOCK | kEFD_CLOEXEC))
    return end_call(t, SysResult::error(kEINVAL));
  int fd = alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  File* f = create_eventfd(*this, initval, flags);
  install_fd(fd, f, flags & kEFD_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::tcp_listen(Task& t, int backlog, int flags) {
  begin_call(t, [&] { return cat("tcp_listen(backlog ", backlog, ")"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  int fd = alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  File* f = tcp_net().listen(*this, backlog, flags);
  install_fd(fd, f, flags & kSOCK_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::tcp_connect(Task& t, int listen_fd, int flags) {
  begin_call(t, [&] { return cat("tcp_connect(", listen_fd, ")"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  File* lf = file_at(listen_fd);
  if (!lf) return end_call(t, SysResult::error(kEBADF));
  // The port to connect to is the TCP socket's own (getsockname); other files have none.
  if (lf->kind != FileKind::kTcp) return end_call(t, SysResult::error(kENOTSOCK));
  int fd = alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  // A refused or still pending connection is a socket too: its error or state shows in poll.
  File* f = tcp_net().connect(*this, lf, flags);
  install_fd(fd, f, flags & kSOCK_CLOEXEC);
  return end_call(t, SysResult::value_of(fd));
}

SysResult Kernel::accept4(Task& t, int fd, int flags) {
  begin_call(t, [&] { return cat("accept(", fd, ")"); });
  if (flags & ~(kSOCK_NONBLOCK | kSOCK_CLOEXEC)) return end_call(t, SysResult::error(kEINVAL));
  File* lf = file_at(fd);
  if (!lf) return end_call(t, SysResult::error(kEBADF));
  // __sys_accept4_file reserves the new fd before it looks at the file (EMFILE before ENOTSOCK).
  int newfd = alloc_fd(0);
  if (newfd < 0) return end_call(t, SysResult::error(-newfd));
  if (lf->kind != FileKind::kTcp && lf->kind != FileKind::kUnixStream) {
    put_unused_fd(newfd);
    return end_call(t, SysResult::error(kENOTSOCK));
  }
  long err = 0;
  File* f = tcp_net().accept(*this, t, lf, flags, &err);
  if (f) {
    install_fd(newfd, f, flags & kSOCK_CLOEXEC);
    return end_call(t, SysResult::value_of(newfd));
  }
  put_unused_fd(newfd);
  if (err != kWouldSleep) return end_call(t, SysResult::error(static_cast<int>(-err)));
  // A blocking accept sleeps on the listener's queue, holding the listener. The model takes the
  // new fd number when the call wakes up (the kernel reserves it before sleeping).
  get_file(lf);
  t.holds_file = lf;
  t.blocked_call = cat("accept(", fd, ")");
  t.resume = [lf, flags, &t](Kernel& k, SysResult* out) {
    const int nfd = k.alloc_fd(0);
    long e = nfd < 0 ? nfd : 0;
    File* nf = nfd < 0 ? nullptr : k.tcp_net().accept(k, t, lf, flags, &e);
    if (!nf && nfd >= 0) k.put_unused_fd(nfd);
    if (!nf && e == kWouldSleep) {
      k.sleep_task(t, std::nullopt);
      return false;
    }
    finish_wait(t);
    if (nf) k.install_fd(nfd, nf, flags & kSOCK_CLOEXEC);
    *out = nf ? SysResult::value_of(nfd) : SysResult::error(static_cast<int>(-e));
    t.holds_file = nullptr;
    k.fput(lf);
    return true;
  };
  sleep_task(t, std::nullopt);
  SysResult blocked;
  blocked.blocked = true;
  return end_call(t, blocked);
}

SysResult Kernel::open_regular(Task& t, std::string name) {
  begin_call(t, [&] { return cat("open(\"", name, "\")"); });
  int fd = alloc_fd(0);
  if (fd < 0) return end_call(t, SysResult::error(-fd));
  File* f = make_file<RegularFile>(std::move(name));
  install_fd(fd, f, false);
  return end_call(t, SysResult::value_of(fd));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] read, write, send, recv, shutdown
// ---------------------------------------------------------------------------------------------

SysResult Kernel::do_io(Task& t, int fd, const char* name, bool is_write, IoRequest io) {
  File* f = file_at(fd);
  if (!f) return SysResult::error(kEBADF);
  // vfs_read / vfs_write: FMODE_READ / FMODE_WRITE first.
  if (is_write ? !f->writable() : !f->readable()) return SysResult::error(kEBADF);
  auto req = std::make_shared<IoRequest>(io);
  long r = is_write ? f->write(*this, t, *req) : f->read(*this, t, *req);
  if (r != kWouldSleep) {
    SysResult out = r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r);
    out.value = req->value;
    return out;
  }
  get_file(f);
  t.holds_file = f;
  t.blocked_call = cat(name, "(", fd, ", ", io.count, ")");
  t.resume = [req, f, is_write, &t](Kernel& k, SysResult* out) {
    req->resumed = true;
    long res = is_write ? f->write(k, t, *req) : f->read(k, t, *req);
    if (res == kWouldSleep) {
      k.sleep_task(t, std::nullopt);
      return false;
    }
    finish_wait(t);
    *out = res < 0 ? SysResult::error(static_cast<int>(-res)) : SysResult::value_of(res);
    out->value = req->value;
    t.holds_file = nullptr;
    k.fput(f);
    return true;
  };
  sleep_task(t, std::nullopt);
  SysResult blocked;
  blocked.blocked = true;
  return blocked;
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
  File* f = file_at(fd);
  if (f && f->kind != FileKind::kTcp && f->kind != FileKind::kUnixStream)
    return end_call(t, SysResult::error(kENOTSOCK));
  IoRequest io;
  io.count = count;
  io.flags = flags;
  return end_call(t, do_io(t, fd, "recv", false, io));
}

SysResult Kernel::send(Task& t, int fd, std::size_t count, int flags) {
  begin_call(t, [&] { return cat("send(", fd, ", ", count, ", ", flags, ")"); });
  File* f = file_at(fd);
  if (f && f->kind != FileKind::kTcp && f->kind != FileKind::kUnixStream)
    return end_call(t, SysResult::error(kENOTSOCK));
  IoRequest io;
  io.count = count;
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
  File* f = file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  long r;
  if (f->kind == FileKind::kUnixStream)
    r = static_cast<UnixStreamSocket*>(f)->shutdown(*this, how);
  else if (f->kind == FileKind::kTcp)
    r = tcp_net().shutdown(*this, f, how);
  else
    r = -kENOTSOCK;
  return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
}

SysResult Kernel::set_sndbuf(Task& t, int fd, int v) {
  begin_call(t, [&] { return cat("setsockopt(", fd, ", SOL_SOCKET, SO_SNDBUF, ", v, ")"); });
  File* f = file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  long r;
  if (f->kind == FileKind::kUnixStream)
    r = static_cast<UnixStreamSocket*>(f)->set_sndbuf(*this, v);
  else if (f->kind == FileKind::kTcp)
    r = static_cast<TcpSocket*>(f)->set_sndbuf(*this, v);
  else
    r = -kENOTSOCK;
  return end_call(t, r < 0 ? SysResult::error(static_cast<int>(-r)) : SysResult::value_of(r));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] close, dup, dup2, rlimit
// ---------------------------------------------------------------------------------------------

SysResult Kernel::close(Task& t, int fd) {
  begin_call(t, [&] { return cat("close(", fd, ")"); });
  File* f = file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  // file_close_fd: the slot is emptied first, then filp_close → fput.
  fds_[fd].file = nullptr;
  put_unused_fd(fd);
  if (tracing())
    step(StepKind::kFdTable, "file_close_fd",
         f->f_count > 1 ? cat("fd ", fd, " is free again; ", f->label,
                              " stays open through its other references")
                        : cat("fd ", fd, " is free again; it was the last reference to ", f->label),
         {ObjRef{ObjKind::kFd, static_cast<uint32_t>(fd)}, f->ref()});
  fput(f);
  return end_call(t, SysResult::value_of(0));
}

SysResult Kernel::dup(Task& t, int fd) {
  begin_call(t, [&] { return cat("dup(", fd, ")"); });
  File* f = file_at(fd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  int newfd = alloc_fd(0);
  if (newfd < 0) return end_call(t, SysResult::error(-newfd));
  install_fd(newfd, f, false);
  return end_call(t, SysResult::value_of(newfd));
}

SysResult Kernel::dup2(Task& t, int oldfd, int newfd) {
  begin_call(t, [&] { return cat("dup2(", oldfd, ", ", newfd, ")"); });
  File* f = file_at(oldfd);
  if (!f) return end_call(t, SysResult::error(kEBADF));
  if (oldfd == newfd) return end_call(t, SysResult::value_of(newfd));
  if (newfd < 0 || newfd >= rlimit_nofile_) return end_call(t, SysResult::error(kEBADF));
  if (newfd >= static_cast<int>(fds_.size())) fds_.resize(newfd + 1);
  // do_dup2: install the new file, then close what the slot held.
  File* tofree = fds_[newfd].file;
  fds_[newfd].file = nullptr;
  install_fd(newfd, f, false);
  if (tofree) fput(tofree);
  return end_call(t, SysResult::value_of(newfd));
}

SysResult Kernel::setrlimit_nofile(Task& t, long limit) {
  begin_call(t, [&] { return cat("setrlimit(RLIMIT_NOFILE, ", limit, ")"); });
  if (limit < 0) return end_call(t, SysResult::error(kEINVAL));
  rlimit_nofile_ = limit;
  return end_call(t, SysResult::value_of(0));
}

}  // namespace epollscope::sim
