// SPDX-License-Identifier: GPL-2.0-only
// trace/record.cpp — a traced program as a scenario (trace/record.h says what it holds).
// [SECTION] index:
//   [SECTION] Lines       the statements and comments kept until the end, within the limits
//   [SECTION] Peers       the programs the traced one talked to, as scenario statements
//   [SECTION] Calls       each program call as a statement with the kernel's answer, or left out
//   [SECTION] epoll_wait  sleeping, woken, timed out; the answer (with a race's other outcome)
//   [SECTION] The file    the header, the statements in order, what the user is told
#include "trace/record.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>

#include "trace/syscalls.h"

namespace epollscope::trace {

namespace {

// Scenario text is ASCII here: whatever the program's labels hold cannot break the file.
std::string ascii(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

std::string result_text(long raw) {
  if (raw < 0 && raw >= -4095) return "-1 " + sim::errno_name(static_cast<int>(-raw));
  return std::to_string(raw);
}

bool failed(long raw) {
  return raw < 0 && raw >= -4095;
}

// `v` as constants of `names` joined by " | " (each known to the language), else the number.
std::string constants(uint64_t v, std::initializer_list<const char*> names, const char* zero = "0",
                      const char* sep = " | ") {
  std::string out;
  uint64_t left = v;
  for (const char* n : names) {
    const auto c = sim::constant_from_name(n);
    if (!c || *c <= 0) continue;
    const auto bits = static_cast<uint64_t>(*c);
    if ((left & bits) == bits) {
      out += (out.empty() ? "" : sep) + std::string(n);
      left &= ~bits;
    }
  }
  if (left) return std::to_string(v);
  return out.empty() ? zero : out;
}

std::string epoll_mask(uint32_t m, const char* sep = " | ") {
  return constants(m,
                   {"EPOLLIN", "EPOLLPRI", "EPOLLOUT", "EPOLLERR", "EPOLLHUP", "EPOLLRDNORM",
                    "EPOLLRDBAND", "EPOLLWRNORM", "EPOLLWRBAND", "EPOLLMSG", "EPOLLRDHUP",
                    "EPOLLEXCLUSIVE", "EPOLLWAKEUP", "EPOLLONESHOT", "EPOLLET"},
                   "0", sep);
}

std::string o_flags(uint64_t v) {
  const char* mode = (v & 3) == 2 ? "O_RDWR" : (v & 3) == 1 ? "O_WRONLY" : "O_RDONLY";
  if (!sim::constant_from_name(mode)) return std::to_string(v);
  const std::string rest = constants(
      v & ~uint64_t{3},
      {"O_APPEND", "O_NONBLOCK", "O_DIRECT", "O_ASYNC", "O_NOATIME", "O_LARGEFILE", "O_CLOEXEC"});
  if (rest == "0") return mode;
  if (rest.find('O') == std::string::npos) return std::to_string(v);
  return std::string(mode) + " | " + rest;
}

std::string setfl_flags(uint64_t v) {
  return constants(v & ~uint64_t{3},
                   {"O_APPEND", "O_NONBLOCK", "O_DIRECT", "O_ASYNC", "O_NOATIME", "O_LARGEFILE"});
}

// The expectation part of a statement.
std::string expect(const std::string& text) {
  return " => " + text;
}

std::string data_number(uint64_t d) {
  if (d <= static_cast<uint64_t>(INT_MAX)) return std::to_string(d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(d));
  return buf;
}

constexpr int kMsgNoSignal = 0x4000;

}  // namespace

ScenarioRecorder::ScenarioRecorder(std::string program, std::size_t max_statements,
                                   std::size_t max_bytes)
    : program_(std::move(program)), max_statements_(max_statements), max_bytes_(max_bytes) {}

void ScenarioRecorder::start(pid_t pid) {
  pid_ = pid;
  threads_[pid] = "srv";
}

// [SECTION] Lines

bool ScenarioRecorder::room(std::size_t bytes) {
  if (full_) return false;
  if (statements_ >= max_statements_ || bytes_ + bytes > max_bytes_) {
    full_ = true;
    return false;
  }
  bytes_ += bytes;
  return true;
}

std::size_t ScenarioRecorder::emit(std::string text, StmtKind kind) {
  // A line's bytes as written; a count or an answer filled in later, estimated.
  const std::size_t size = text.size() + 1 + (kind == StmtKind::kLine ? 0 : 96);
  if (!room(size)) return kNone;
  ++statements_;
  ++lines_;
  Stmt st;
  st.kind = kind;
  st.text = std::move(text);
  stmts_.push_back(std::move(st));
  return stmts_.size() - 1;
}

void ScenarioRecorder::comment(const std::string& text) {
  // Comments are bounded too: as many as statements may be.
  if (lines_ >= 2 * max_statements_ || !room(text.size() + 4)) return;
  ++lines_;
  Stmt st;
  st.statement = false;
  st.text = "// " + ascii(text);
  stmts_.push_back(std::move(st));
}

std::string ScenarioRecorder::thread(pid_t tid) {
  auto it = threads_.find(tid);
  if (it != threads_.end()) return it->second;
  return threads_[tid] = "t" + std::to_string(next_thread_++);
}

std::string ScenarioRecorder::fresh(const std::string& base) {
  std::string name = base;
  for (int i = 2; names_.count(name); ++i)
    name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

int ScenarioRecorder::alloc_scen() {
  int fd = 3;
  while (scen_used_.count(fd))
    ++fd;
  scen_used_.insert(fd);
  return fd;
}

int ScenarioRecorder::new_obj(Kind kind, std::string what) {
  Obj o;
  o.kind = kind;
  o.what = std::move(what);
  objs_.push_back(std::move(o));
  return static_cast<int>(objs_.size()) - 1;
}

std::string ScenarioRecorder::define(int fd, int obj, const std::string& base) {
  if (fds_.count(fd)) drop_fd(fd);  // a close the recorder did not see
  Fd f;
  f.obj = obj;
  f.ref = fresh(base);
  f.scen = alloc_scen();
  ++objs_[static_cast<std::size_t>(obj)].fds;
  fds_[fd] = f;
  return f.ref;
}

void ScenarioRecorder::define_hidden(int fd, int obj) {
  if (fds_.count(fd)) drop_fd(fd);
  Fd f;
  f.obj = obj;
  ++objs_[static_cast<std::size_t>(obj)].fds;
  fds_[fd] = f;
}

bool ScenarioRecorder::expressible(const Obj& o) const {
  switch (o.kind) {
    case Kind::kEpoll:
    case Kind::kPipe:
    case Kind::kUnix:
    case Kind::kEventfd:
    case Kind::kListener:
      return true;
    case Kind::kConn:
      return o.peer >= 0;
    default:
      return false;
  }
}

std::string ScenarioRecorder::ref(int fd, long raw_ret) const {
  auto it = fds_.find(fd);
  if (it != fds_.end()) {
    const Obj& o = objs_[static_cast<std::size_t>(it->second.obj)];
    return expressible(o) ? it->second.ref : std::string();
  }
  // An fd the program does not have (its call failed with EBADF) is written as its number, when
  // that number is free in the scenario too.
  if (fd < 0 || fd >= (1 << 20)) return std::to_string(fd);
  if (raw_ret == -EBADF && fd > 2 && !scen_used_.count(fd)) return std::to_string(fd);
  return {};
}

std::string ScenarioRecorder::what_of(int fd) const {
  auto it = fds_.find(fd);
  if (it == fds_.end())
    return fd <= 2 ? "the program's standard stream" : "a file the program had before";
  return objs_[static_cast<std::size_t>(it->second.obj)].what;
}

void ScenarioRecorder::left_out(pid_t tid, const std::string& call, long raw_ret,
                                const std::string& why, int fd) {
  ++left_out_;
  // Before the program's first statement, its start-up's calls on files no scenario has (its
  // libraries, its standard streams: what the dynamic loader and an interpreter open) are only
  // counted: the comments before a scenario's first statement are its picture.
  if (statements_ == 0 && fd != kNotAnFd) {
    auto it = fds_.find(fd);
    if (it == fds_.end() || objs_[static_cast<std::size_t>(it->second.obj)].kind == Kind::kOther) {
      ++startup_left_out_;
      return;
    }
  }
  comment(thread(tid) + ": " + call + " = " + result_text(raw_ret) + "   -- left out: " + why);
}

void ScenarioRecorder::fork(pid_t child) {
  // The mirror watches the pipes, socketpairs and eventfds the child shares as observed files
  // from now on: what the child does with them is not seen, so the calls on them are left out.
  // An epoll watching one cannot be replayed.
  std::set<int> shared;
  for (const auto& [fd, f] : fds_) {
    Obj& o = objs_[static_cast<std::size_t>(f.obj)];
    if (o.kind != Kind::kPipe && o.kind != Kind::kUnix && o.kind != Kind::kEventfd) continue;
    o.kind = Kind::kOther;
    o.what = "shared with process " + std::to_string(child) + " (a child of the program)";
    shared.insert(f.obj);
  }
  comment("process " + std::to_string(child) +
          " (a child of the program) shares its files: " + std::to_string(shared.size()) +
          " pipe(s), socketpair(s) or eventfd(s) are left out from here; what the child does "
          "with the program's sockets is not recorded");
  for (const auto& [ep, items] : items_)
    for (const Item& i : items)
      if (shared.count(i.obj))
        unreplayable("an epoll watches fd " + std::to_string(i.fd) + ", which process " +
                     std::to_string(child) + " (a child of the program) shares");
}

void ScenarioRecorder::exec() {
  // The new program keeps the fds without close-on-exec; it is recorded as the program was.
  // Only a file of the scenario's it may use makes the recording a guess from here.
  for (const auto& [fd, f] : fds_)
    if (!f.ref.empty() && expressible(objs_[static_cast<std::size_t>(f.obj)])) {
      unreplayable("the program called execve with fd " + std::to_string(fd) + " (" + f.ref +
                   ") open: whether the new program has it is not recorded");
      return;
    }
  comment("the program called execve (none of the scenario's files is open)");
}

void ScenarioRecorder::unreplayable(const std::string& why) {
  for (const auto& [at, w] : unreplayable_)
    if (w == why) return;
  // The header lists the first 20 (the file says where each begins); the rest are comments.
  if (unreplayable_.size() >= 20) {
    comment("NOT REPLAYABLE from here: " + why);
    return;
  }
  if (!room(why.size() + 48)) return;
  unreplayable_.emplace_back(stmts_.size(), why);
  comment("NOT REPLAYABLE from here: " + why);
}

void ScenarioRecorder::drop_fd(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  const Fd f = it->second;
  fds_.erase(it);
  if (f.scen >= 0) scen_used_.erase(f.scen);
  Obj& o = objs_[static_cast<std::size_t>(f.obj)];
  // An item belongs to an (fd, file) pair: the fd's items go with it... only from the files'
  // point of view once the file goes (eventpoll_release); a closed fd of a file still open keeps
  // its items, as in the kernel.
  if (--o.fds > 0) return;
  items_forget(f.obj);
  if (o.kind == Kind::kEpoll) items_.erase(f.obj);
  if (o.kind == Kind::kConn && o.peer >= 0) {
    // The program closed its end: the peer reads what it was sent, and closes its own.
    Peer& p = peers_[static_cast<std::size_t>(o.peer)];
    if (!p.closed) {
      peer_read_all(p);
      emit("close(" + p.name + ")");
      p.closed = true;
    }
  }
}

void ScenarioRecorder::items_forget(int obj) {
  for (auto& [ep, items] : items_)
    items.erase(
        std::remove_if(items.begin(), items.end(), [obj](const Item& i) { return i.obj == obj; }),
        items.end());
}

// [SECTION] Peers

std::string ScenarioRecorder::connect(Obj& listener) {
  Peer p;
  p.name = fresh("c" + std::to_string(peers_.size() + 1));
  p.scen = alloc_scen();
  peers_.push_back(p);
  listener.queue.push_back(static_cast<int>(peers_.size()) - 1);
  ++listener.connects;
  emit(p.name + " = tcp_connect(" + listener.name + ")");
  return p.name;
}

void ScenarioRecorder::new_write(Peer& p) {
  const std::size_t at = emit("", StmtKind::kPeerWrite);
  if (at == kNone) return;
  stmts_[at].peer = static_cast<int>(&p - peers_.data());
  p.write_at = at;
  p.consumed = 0;
  p.drained = false;
  p.provisional = false;
}

void ScenarioRecorder::fin(Peer& p) {
  if (p.fin || p.closed) return;
  p.fin = true;
  // A wake-up that brought no bytes (nothing was read after it, and the socket was not found
  // empty since) brought this FIN: an item without EPOLLRDHUP sees a FIN as EPOLLIN. The FIN
  // goes where that wake-up was.
  if (p.write_at < stmts_.size() && stmts_[p.write_at].kind == StmtKind::kPeerWrite &&
      stmts_[p.write_at].bytes == 0 && p.consumed == 0 && !p.drained) {
    stmts_[p.write_at].kind = StmtKind::kLine;
    stmts_[p.write_at].text = "shutdown(" + p.name + ", SHUT_WR)";
    p.write_at = kNone;
    return;
  }
  emit("shutdown(" + p.name + ", SHUT_WR)");
}

void ScenarioRecorder::peer_read_all(Peer& p) {
  if (p.unread <= 0 || p.closed) return;
  emit("read(" + p.name + ", " + std::to_string(p.unread) + ")");
  p.unread = 0;
}

void ScenarioRecorder::reset(Peer& p, int fd) {
  if (p.closed) return;
  if (p.unread > 0) {
    comment("the peer resets the connection: closing it with bytes unread sends RST");
    emit("close(" + p.name + ")");
  } else {
    unreplayable("the peer of fd " + std::to_string(fd) +
                 " reset the connection with nothing unread (SO_LINGER 0, say): a scenario "
                 "resets a connection only by closing it with bytes unread");
  }
  p.closed = true;
}

void ScenarioRecorder::data_read(Peer& p, long n, bool peek) {
  if (n <= 0 || p.closed) return;
  if (p.write_at == kNone || p.drained) {
    if (p.fin) return;  // after the FIN nothing more can come: the bytes were counted before it
    new_write(p);
    if (p.write_at == kNone) return;
  }
  p.provisional = false;
  Stmt& w = stmts_[p.write_at];
  if (peek) {
    w.bytes = std::max(w.bytes, p.consumed + n);
  } else {
    p.consumed += n;
    w.bytes = std::max(w.bytes, p.consumed);
  }
}

int ScenarioRecorder::peer_actions(int fd, uint32_t events) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return 0;
  Obj& o = objs_[static_cast<std::size_t>(it->second.obj)];
  const std::size_t before = statements_;
  if (o.kind == Kind::kConn && o.peer >= 0) {
    Peer& p = peers_[static_cast<std::size_t>(o.peer)];
    if (p.closed) return 0;
    if (events & EPOLLERR) {
      reset(p, fd);
    } else {
      if ((events & EPOLLIN) && !p.fin) {
        if (p.provisional && !p.drained && p.consumed == 0)
          p.provisional = false;  // the data a harvest returned before its wake-up was seen
        else
          new_write(p);
      }
      if (events & (EPOLLRDHUP | EPOLLHUP)) fin(p);
      if (events & EPOLLOUT) peer_read_all(p);
    }
  }
  return static_cast<int>(statements_ - before);
}

void ScenarioRecorder::wakeups(const std::vector<Wake>& wakes) {
  const std::size_t before = statements_;
  for (const Wake& w : wakes) {
    auto it = fds_.find(w.fd);
    Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
    if (o && o->kind == Kind::kListener) {
      o->arrived += std::max(1, w.count);
      while (o->connects < o->arrived)
        connect(*o);
    } else if (o && expressible(*o)) {
      peer_actions(w.fd, w.events);
    } else {
      comment("wake-up of fd " + std::to_string(w.fd) + " (" + what_of(w.fd) +
              "): " + epoll_mask(w.events, "|") + " -- left out");
    }
  }
  last_batch_ = static_cast<int>(statements_ - before);
}

void ScenarioRecorder::observed_mask(int fd, uint32_t mask) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  Obj& o = objs_[static_cast<std::size_t>(it->second.obj)];
  if (o.kind != Kind::kConn || o.peer < 0) return;
  Peer& p = peers_[static_cast<std::size_t>(o.peer)];
  if (p.closed) return;
  // What the file holds when epoll_ctl polls it came before, though no wake-up said so (the
  // program was not watching yet): data the peer wrote, its FIN, its reset.
  if (mask & EPOLLERR) {
    reset(p, fd);
    return;
  }
  if ((mask & EPOLLIN) && !p.fin && (p.write_at == kNone || p.drained)) new_write(p);
  if (mask & EPOLLRDHUP) fin(p);
}

void ScenarioRecorder::sleep_ms(int64_t ms) {
  // A scenario's sleep on the real kernel may be at most 10 s: longer ones in steps.
  while (ms > 0) {
    const int64_t step = std::min<int64_t>(ms, 10000);
    emit("sleep(" + std::to_string(step) + ")");
    clock_ms_ += step;
    ms -= step;
  }
}

// [SECTION] Calls

void ScenarioRecorder::plain(const Call& c, const std::string& text) {
  emit(c.P + text + expect(result_text(c.raw)));
}

// Each call of the program as statements, by family (the record_* functions below).
void ScenarioRecorder::call(const SyscallStop& s, const MemoryReader& mem) {
  const std::string T = thread(s.tid);
  const Call c{s,
               [&](uint64_t addr, void* buf, std::size_t n) {
                 return addr && mem && mem(s.tid, addr, buf, n);
               },
               T,
               T + ": ",
               s.ret,
               !failed(s.ret),
               std::string(syscall_name(s.nr))};
  switch (s.nr) {
    case SYS_epoll_create:
    case SYS_epoll_create1:
      return record_epoll_create(c);
    case SYS_epoll_ctl:
      return record_epoll_ctl(c);
    case SYS_pipe:
    case SYS_pipe2:
    case SYS_socketpair:
      return record_pipe_or_pair(c);
    case SYS_eventfd:
    case SYS_eventfd2:
      return record_eventfd(c);
    case SYS_socket:
      return record_socket(c);
    case SYS_bind:
    case SYS_connect:
      return record_bind_or_connect(c);
    case SYS_listen:
      return record_listen(c);
    case SYS_accept:
    case SYS_accept4:
      return record_accept(c);
    case SYS_read:
    case SYS_write:
    case SYS_readv:
    case SYS_writev:
    case SYS_recvfrom:
    case SYS_sendto:
    case SYS_recvmsg:
    case SYS_sendmsg:
      return record_io(c);
    case SYS_close_range:
      return record_close_range(c);
    case SYS_dup:
      return record_dup(c);
    case SYS_dup2:
    case SYS_dup3:
      return record_dup2(c);
    case SYS_fcntl:
      return record_fcntl(c);
    case SYS_ioctl:
      return record_ioctl(c);
    case SYS_shutdown:
      return record_shutdown(c);
    case SYS_setsockopt:
    case SYS_getsockopt:
      return record_sockopt(c);
    case SYS_io_uring_setup:
    case SYS_open:
    case SYS_creat:
    case SYS_openat:
    case SYS_openat2:
    case SYS_timerfd_create:
    case SYS_signalfd:
    case SYS_signalfd4:
    case SYS_inotify_init:
    case SYS_inotify_init1:
    case SYS_fanotify_init:
    case SYS_memfd_create:
    case SYS_userfaultfd:
    case SYS_perf_event_open:
    case SYS_pidfd_open:
    case SYS_pidfd_getfd:
    case SYS_memfd_secret:
      return record_other_file(c);
    default:
      return;
  }
}

// epoll_create / epoll_create1: a new epoll, named.
void ScenarioRecorder::record_epoll_create(const Call& c) {
  const std::string call =
      c.s.nr == SYS_epoll_create
          ? "epoll_create(" + std::to_string(static_cast<int>(c.a(0))) + ")"
          : "epoll_create1(" + constants(static_cast<uint32_t>(c.a(0)), {"EPOLL_CLOEXEC"}) + ")";
  if (!c.ok) {
    plain(c, call);
    return;
  }
  const std::string n = define(static_cast<int>(c.raw), new_obj(Kind::kEpoll, "an epoll"), "ep");
  emit(c.P + n + " = " + call);
  return;
}

// epoll_ctl, with the items each epoll holds kept for naming events.
void ScenarioRecorder::record_epoll_ctl(const Call& c) {
  const int epfd = c.fdarg(0), op = static_cast<int>(c.a(1)), tfd = c.fdarg(2);
  const std::string e = ref(epfd, c.raw), t = ref(tfd, c.raw);
  struct __attribute__((packed)) {
    uint32_t events;
    uint64_t data;
  } ev{};
  const bool have_ev = c.read_mem(c.a(3), &ev, sizeof ev);
  const char* ops[] = {"?", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD"};
  const std::string op_text = op >= 1 && op <= 3 ? ops[op] : std::to_string(op);
  if (e.empty() || t.empty()) {
    left_out(
        c.s.tid,
        "epoll_ctl(" + std::to_string(epfd) + ", " + op_text + ", " + std::to_string(tfd) + ")",
        c.raw, (t.empty() ? what_of(tfd) : what_of(epfd)) + ", which a scenario cannot make");
    if (c.ok && op != EPOLL_CTL_DEL && !e.empty())
      unreplayable("epoll " + e + " watches fd " + std::to_string(tfd) + " (" + what_of(tfd) +
                   "): what it reports of it cannot be replayed");
    return;
  }
  std::string call = "epoll_ctl(" + e + ", " + op_text + ", " + t;
  const auto ep_it = fds_.find(epfd);
  const int ep_obj = ep_it != fds_.end() ? ep_it->second.obj : -1;
  const auto t_it = fds_.find(tfd);
  const int t_obj = t_it != fds_.end() ? t_it->second.obj : -1;
  bool explicit_data = false;
  if (op == EPOLL_CTL_DEL) {
    // The kernel reads no event for a DEL: the language still wants the argument.
    call += !c.a(3) ? ", NULL" : have_ev ? ", " + epoll_mask(ev.events) : ", 0";
  } else {
    if (!c.a(3) || !have_ev) {
      call += ", NULL";
    } else {
      call += ", " + epoll_mask(ev.events);
      // The data is the item's fd in the scenario (its default), so that the events it
      // returns read as names; a value another item of the epoll has stays a number.
      if (ep_obj >= 0)
        for (const Item& i : items_[ep_obj])
          if (i.data == ev.data && !(i.fd == tfd && i.obj == t_obj)) explicit_data = true;
      if (t_obj < 0) explicit_data = true;
      if (explicit_data) call += ", " + data_number(ev.data);
    }
  }
  call += ")";
  emit(c.P + call + expect(result_text(c.raw)));
  if (!c.ok || ep_obj < 0 || t_obj < 0) return;
  auto& items = items_[ep_obj];
  items.erase(std::remove_if(items.begin(), items.end(),
                             [&](const Item& i) { return i.fd == tfd && i.obj == t_obj; }),
              items.end());
  if (op != EPOLL_CTL_DEL && have_ev)
    items.push_back(Item{tfd, t_obj, ev.data, explicit_data ? data_number(ev.data) : t, ev.events});
  return;
}

// pipe, pipe2 and socketpair (AF_UNIX stream only): two new fds.
void ScenarioRecorder::record_pipe_or_pair(const Call& c) {
  const bool pair = c.s.nr == SYS_socketpair;
  int fds[2] = {-1, -1};
  const bool got = c.ok && c.read_mem(c.a(pair ? 3 : 0), fds, sizeof fds);
  const int domain = static_cast<int>(c.a(0)), type = static_cast<int>(c.a(1));
  if (pair && !(domain == AF_UNIX && (type & 0xf) == SOCK_STREAM && c.a(2) == 0)) {
    if (got) {
      const int o = new_obj(Kind::kOther, "a socketpair other than AF_UNIX stream");
      define_hidden(fds[0], o);
      define_hidden(fds[1], new_obj(Kind::kOther, "a socketpair other than AF_UNIX stream"));
    }
    left_out(c.s.tid, c.name + "(...)", c.raw, "a socketpair the scenario language does not have");
    return;
  }
  if (c.ok && !got) {
    unreplayable(c.name + ": the fds it made could not be read from the program");
    return;
  }
  const Kind kind = pair ? Kind::kUnix : Kind::kPipe;
  const char* base = pair ? "u" : "p";
  std::string n0 = "x", n1 = "y";
  if (got) {
    n0 = define(fds[0], new_obj(kind, pair ? "an AF_UNIX socket" : "a pipe's read end"),
                base + std::to_string(fds[0]));
    n1 = define(fds[1], new_obj(kind, pair ? "an AF_UNIX socket" : "a pipe's write end"),
                base + std::to_string(fds[1]));
    if (pair) objs_[static_cast<std::size_t>(fds_[fds[1]].obj)].what = "an AF_UNIX socket";
  } else {
    n0 = fresh(std::string(base) + "_failed");
    n1 = fresh(std::string(base) + "_failed");
  }
  if (pair) {
    emit(c.P + "socketpair(" + n0 + ", " + n1 + ")" + (c.ok ? "" : expect(result_text(c.raw))));
    if (got && !(type & SOCK_NONBLOCK)) {
      emit(c.P + "fcntl(" + n0 + ", F_SETFL, 0)");
      emit(c.P + "fcntl(" + n1 + ", F_SETFL, 0)");
    }
    if (got && (type & SOCK_CLOEXEC)) {
      emit(c.P + "fcntl(" + n0 + ", F_SETFD, FD_CLOEXEC)");
      emit(c.P + "fcntl(" + n1 + ", F_SETFD, FD_CLOEXEC)");
    }
  } else if (c.s.nr == SYS_pipe) {
    emit(c.P + "pipe(" + n0 + ", " + n1 + ")" + (c.ok ? "" : expect(result_text(c.raw))));
  } else {
    emit(c.P + "pipe2(" + n0 + ", " + n1 + ", " +
         constants(static_cast<uint32_t>(c.a(1)), {"O_NONBLOCK", "O_CLOEXEC", "O_DIRECT"}) + ")" +
         (c.ok ? "" : expect(result_text(c.raw))));
  }
  return;
}

// eventfd / eventfd2.
void ScenarioRecorder::record_eventfd(const Call& c) {
  const int flags = c.s.nr == SYS_eventfd2 ? static_cast<int>(c.a(1)) : 0;
  const std::string call =
      "eventfd(" + std::to_string(static_cast<unsigned>(c.a(0))) + ", " +
      constants(static_cast<uint32_t>(flags), {"EFD_NONBLOCK", "EFD_SEMAPHORE", "EFD_CLOEXEC"}) +
      ")";
  if (!c.ok) {
    plain(c, call);
    return;
  }
  const int fd = static_cast<int>(c.raw);
  emit(c.P + define(fd, new_obj(Kind::kEventfd, "an eventfd"), "e" + std::to_string(fd)) + " = " +
       call);
  return;
}

// socket: kept out of the scenario until it listens.
void ScenarioRecorder::record_socket(const Call& c) {
  const std::string call = c.name + "(" + std::to_string(static_cast<int>(c.a(0))) + ", " +
                           std::to_string(static_cast<int>(c.a(1))) + ", " +
                           std::to_string(static_cast<int>(c.a(2))) + ")";
  if (c.ok) {
    const int o = new_obj(Kind::kSocket, "a socket");
    Obj& so = objs_[static_cast<std::size_t>(o)];
    so.domain = static_cast<int>(c.a(0));
    so.type = static_cast<int>(c.a(1)) & 0xf;
    so.nonblock = c.a(1) & SOCK_NONBLOCK;
    so.cloexec = c.a(1) & SOCK_CLOEXEC;
    define_hidden(static_cast<int>(c.raw), o);
  }
  comment(c.T + ": " + call + " = " + result_text(c.raw) +
          "   -- left out: a socket (a TCP socket that listens becomes tcp_listen())");
  return;
}

// bind and connect: left out (a scenario's listener has its own address).
void ScenarioRecorder::record_bind_or_connect(const Call& c) {
  auto it = fds_.find(c.fdarg(0));
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  if (c.s.nr == SYS_connect && o && o->kind == Kind::kSocket && (c.ok || c.raw == -EINPROGRESS)) {
    o->kind = Kind::kOther;
    o->what = "a socket connected to another program";
  }
  left_out(c.s.tid, c.simple_call(c.fdarg(0)), c.raw,
           c.s.nr == SYS_bind
               ? "the address it binds (a scenario's listener takes an ephemeral port)"
               : "a connection to another program's server, which the scenario does not have");
  return;
}

// listen: the socket becomes the scenario's tcp_listen().
void ScenarioRecorder::record_listen(const Call& c) {
  auto it = fds_.find(c.fdarg(0));
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  if (!c.ok || !o || o->kind != Kind::kSocket || o->type != SOCK_STREAM ||
      (o->domain != AF_INET && o->domain != AF_INET6)) {
    left_out(c.s.tid, c.simple_call(c.fdarg(0)), c.raw,
             o && o->kind == Kind::kListener ? "it listens already"
                                             : "not a TCP socket the scenario can make");
    return;
  }
  const int fd = c.fdarg(0);
  const int obj = it->second.obj;
  fds_.erase(it);
  --o->fds;
  o->kind = Kind::kListener;
  o->what = "a TCP listener";
  // listen clamps the backlog to net.core.somaxconn (a negative one too, as unsigned).
  int backlog = static_cast<int>(c.a(1));
  {
    std::ifstream in("/proc/sys/net/core/somaxconn");
    unsigned somaxconn = 4096;
    in >> somaxconn;
    if (static_cast<unsigned>(backlog) > somaxconn) backlog = static_cast<int>(somaxconn);
  }
  const std::string n = define(fd, obj, "l");
  Obj& lo = objs_[static_cast<std::size_t>(obj)];
  lo.name = n;
  comment(c.T + ": listen(" + std::to_string(fd) + ", " + std::to_string(static_cast<int>(c.a(1))) +
          ") = 0: the program's listener on the address it bound; the scenario's is on "
          "127.0.0.1, an ephemeral port");
  emit(c.P + n + " = tcp_listen(" + std::to_string(backlog) + ")");
  if (!lo.nonblock) emit(c.P + "fcntl(" + n + ", F_SETFL, 0)");
  if (lo.cloexec) emit(c.P + "fcntl(" + n + ", F_SETFD, FD_CLOEXEC)");
  for (const auto& opt : lo.options)
    emit(c.P + "setsockopt(" + n + ", " + opt + ")");
  return;
}

// accept / accept4: the oldest connection the listener has queued.
void ScenarioRecorder::record_accept(const Call& c) {
  const int lfd = c.fdarg(0);
  const std::string l = ref(lfd, c.raw);
  auto it = fds_.find(lfd);
  Obj* lo = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  const uint32_t flags = c.s.nr == SYS_accept4 ? static_cast<uint32_t>(c.a(3)) : 0;
  const std::string call =
      "accept4(" + l + ", " + constants(flags, {"SOCK_NONBLOCK", "SOCK_CLOEXEC"}) + ")";
  if (l.empty() || !lo || lo->kind != Kind::kListener) {
    if (c.ok) define_hidden(static_cast<int>(c.raw), new_obj(Kind::kOther, "a connection"));
    left_out(c.s.tid, c.simple_call(lfd), c.raw, what_of(lfd) + ", which a scenario cannot make");
    return;
  }
  if (!c.ok) {
    plain(c, call);
    return;
  }
  // The connection the program takes is the oldest its listener has queued: the peer that
  // connected first. One the recording has not seen connect yet connects now.
  if (lo->queue.empty()) connect(*lo);
  lo = &objs_[static_cast<std::size_t>(it->second.obj)];
  const int peer = lo->queue.front();
  lo->queue.pop_front();
  const int fd = static_cast<int>(c.raw);
  const int o = new_obj(Kind::kConn, "a TCP connection");
  objs_[static_cast<std::size_t>(o)].peer = peer;
  emit(c.P + define(fd, o, "s" + std::to_string(fd)) + " = " + call);
  return;
}

// read, write, readv, writev, recvfrom, sendto, recvmsg, sendmsg (and eventfd's 8-byte reads and
// writes).
void ScenarioRecorder::record_io(const Call& c) {
  const int fd = c.fdarg(0);
  const bool is_write =
      c.s.nr == SYS_write || c.s.nr == SYS_writev || c.s.nr == SYS_sendto || c.s.nr == SYS_sendmsg;
  const IoArgs io = io_args(c.s.nr, c.s.args, c.read_mem);
  const uint64_t count = io.count, buf = io.buf;
  int flags = io.flags;
  const bool unusual = !io.iov_ok || io.control || io.named;
  const std::string r = ref(fd, c.raw);
  const std::string shown = c.name + "(" + std::to_string(fd) + ", " + std::to_string(count) + ")";
  if (r.empty()) {
    // The program's own output, its libraries' files: said once per call, briefly.
    left_out(c.s.tid, shown, c.raw, what_of(fd), fd);
    return;
  }
  if (unusual) {
    left_out(c.s.tid, shown, c.raw, "an address, control data or an unreadable iovec");
    unreplayable(c.name + " on " + r +
                 " with an address or control data: the bytes it moved "
                 "are not in the scenario");
    return;
  }
  auto it = fds_.find(fd);
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  const bool plain_io =
      c.s.nr == SYS_read || c.s.nr == SYS_write || c.s.nr == SYS_readv || c.s.nr == SYS_writev;
  std::string call;
  if (o && o->kind == Kind::kEventfd && count == 8 && (is_write || c.ok || c.raw != -EINVAL)) {
    uint64_t v = 0;
    if (is_write) {
      if (!c.read_mem(buf, &v, 8)) v = 0;
      emit(c.P + "eventfd_write(" + r + ", " + std::to_string(v) + ")" +
           expect(c.ok ? "0" : result_text(c.raw)));
    } else {
      const bool got = c.ok && c.raw == 8 && c.read_mem(buf, &v, 8);
      emit(c.P + "eventfd_read(" + r + ")" +
           (got    ? expect(std::to_string(v))
            : c.ok ? ""
                   : expect(result_text(c.raw))));
    }
    return;
  }
  const int extra = flags & kMsgNoSignal;
  flags &= ~kMsgNoSignal;
  if (plain_io) {
    call = std::string(is_write ? "write(" : "read(") + r + ", " + std::to_string(count) + ")";
  } else {
    call = std::string(is_write ? "send(" : "recv(") + r + ", " + std::to_string(count);
    if (flags)
      call += ", " + constants(static_cast<uint32_t>(flags),
                               {"MSG_OOB", "MSG_PEEK", "MSG_DONTWAIT", "MSG_WAITALL", "MSG_MORE"});
    call += ")";
  }
  if (o && o->kind == Kind::kConn && o->peer >= 0) {
    Peer& p = peers_[static_cast<std::size_t>(o->peer)];
    if (is_write) {
      if (c.ok && c.raw > 0) p.unread += c.raw;
    } else if (c.ok && c.raw > 0) {
      data_read(p, c.raw, flags & MSG_PEEK);
      // A read shorter than asked emptied the socket: what a later read finds came after.
      if (!(flags & MSG_PEEK) && static_cast<uint64_t>(c.raw) < count) p.drained = true;
    } else if (c.ok && c.raw == 0 && count > 0) {
      fin(p);  // the end of the stream: the peer's FIN came, seen or not
      p.drained = true;
    } else if (c.raw == -EAGAIN) {
      p.drained = true;
    } else if (c.raw == -ECONNRESET) {
      reset(p, fd);
    }
  }
  emit(c.P + call + expect(result_text(c.raw)) +
       (extra ? "   // MSG_NOSIGNAL left out (the scenario's process ignores SIGPIPE)" : ""));
  return;
}

// close_range: as the closes (or FD_CLOEXECs) of the fds it covered.
void ScenarioRecorder::record_close_range(const Call& c) {
  const unsigned first = static_cast<unsigned>(c.a(0));
  const uint64_t last = c.a(1);
  const bool cloexec = c.a(2) & 4;
  comment(c.T + ": close_range(" + std::to_string(first) + ", " + std::to_string(last) +
          ") = " + result_text(c.raw) + ": as the closes of the fds it had");
  if (!c.ok) return;
  std::vector<int> fds;
  for (const auto& [fd, f] : fds_)
    if (fd >= 0 && static_cast<unsigned>(fd) >= first && static_cast<uint64_t>(fd) <= last)
      fds.push_back(fd);
  for (int fd : fds) {
    const std::string r = ref(fd, 0);
    if (cloexec) {
      if (!r.empty()) emit(c.P + "fcntl(" + r + ", F_SETFD, FD_CLOEXEC)");
    } else {
      if (!r.empty()) emit(c.P + "close(" + r + ")");
      drop_fd(fd);
    }
  }
  return;
}

// dup.
void ScenarioRecorder::record_dup(const Call& c) {
  const int fd = c.fdarg(0);
  const std::string r = ref(fd, c.raw);
  auto it = fds_.find(fd);
  if (r.empty()) {
    if (c.ok && it != fds_.end()) define_hidden(static_cast<int>(c.raw), it->second.obj);
    left_out(c.s.tid, c.simple_call(fd), c.raw, what_of(fd), fd);
    return;
  }
  if (!c.ok) {
    plain(c, "dup(" + r + ")");
    return;
  }
  emit(c.P + define(static_cast<int>(c.raw), it->second.obj, "d" + std::to_string(c.raw)) +
       " = dup(" + r + ")");
  return;
}

// dup2 / dup3.
void ScenarioRecorder::record_dup2(const Call& c) {
  const int oldfd = c.fdarg(0), newfd = c.fdarg(1);
  const std::string r = ref(oldfd, c.raw);
  const std::string shown =
      c.name + "(" + std::to_string(oldfd) + ", " + std::to_string(newfd) + ")";
  if (!c.ok) {
    const std::string n = fds_.count(newfd) ? ref(newfd, 0) : std::to_string(newfd);
    if (r.empty() || n.empty() || c.s.nr == SYS_dup3)
      left_out(c.s.tid, shown, c.raw, "a failed dup");
    else
      plain(c, "dup2(" + r + ", " + n + ")");
    return;
  }
  auto old_it = fds_.find(oldfd);
  if (oldfd == newfd) {
    if (!r.empty()) emit(c.P + "dup2(" + r + ", " + r + ")");
    return;
  }
  if (r.empty()) {
    // The new fd refers to a file the scenario does not have: what it had there goes.
    const std::string was = ref(newfd, 0);
    if (!was.empty() && fds_.count(newfd)) emit(c.P + "close(" + was + ")");
    drop_fd(newfd);
    if (old_it != fds_.end()) define_hidden(newfd, old_it->second.obj);
    left_out(c.s.tid, shown, c.raw, what_of(oldfd), oldfd);
    return;
  }
  std::string target;
  int scen = -1;
  if (auto n = fds_.find(newfd); n != fds_.end() && n->second.scen >= 0) {
    target = n->second.ref;
    scen = n->second.scen;
    n->second.scen = -1;  // kept: the scenario's number now refers to the old fd's file
    drop_fd(newfd);
  } else {
    drop_fd(newfd);
    scen = !scen_used_.count(newfd) ? newfd : alloc_scen();
    target = std::to_string(scen);
  }
  scen_used_.insert(scen);
  emit(c.P + "dup2(" + r + ", " + target + ")");
  Fd f;
  f.obj = old_it->second.obj;
  f.ref = target;
  f.scen = scen;
  ++objs_[static_cast<std::size_t>(f.obj)].fds;
  fds_[newfd] = f;
  if (c.s.nr == SYS_dup3 && (c.a(2) & O_CLOEXEC))
    emit(c.P + "fcntl(" + target + ", F_SETFD, FD_CLOEXEC)");
  return;
}

// fcntl: the commands the language has; F_DUPFD as a dup.
void ScenarioRecorder::record_fcntl(const Call& c) {
  const int fd = c.fdarg(0);
  const unsigned cmd = static_cast<unsigned>(c.a(1));
  const uint64_t arg = c.a(2);
  auto it = fds_.find(fd);
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  const std::string shown = c.name + "(" + std::to_string(fd) + ", " + std::to_string(cmd) + ")";
  if (o && o->kind == Kind::kSocket && c.ok) {
    if (cmd == F_SETFL) o->nonblock = arg & O_NONBLOCK;
    if (cmd == F_SETFD) o->cloexec = arg & FD_CLOEXEC;
  }
  const std::string r = ref(fd, c.raw);
  if (r.empty()) {
    left_out(c.s.tid, shown, c.raw, what_of(fd), fd);
    return;
  }
  switch (cmd) {
    case F_GETFL:
      emit(c.P + "fcntl(" + r + ", F_GETFL)" +
           expect(c.ok ? o_flags(static_cast<uint64_t>(c.raw)) : result_text(c.raw)));
      return;
    case F_SETFL:
      plain(c, "fcntl(" + r + ", F_SETFL, " + setfl_flags(arg) + ")");
      return;
    case F_GETFD:
      emit(c.P + "fcntl(" + r + ", F_GETFD)" +
           expect(c.ok ? (c.raw & FD_CLOEXEC ? "FD_CLOEXEC" : "0") : result_text(c.raw)));
      return;
    case F_SETFD:
      plain(c, "fcntl(" + r + ", F_SETFD, " + ((arg & FD_CLOEXEC) ? "FD_CLOEXEC" : "0") + ")");
      return;
    case F_GETPIPE_SZ:
      plain(c, "fcntl(" + r + ", F_GETPIPE_SZ)");
      return;
    case F_SETPIPE_SZ:
      plain(c, "fcntl(" + r + ", F_SETPIPE_SZ, " + std::to_string(static_cast<int>(arg)) + ")");
      return;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      if (!c.ok || !o) {
        left_out(c.s.tid, shown, c.raw, "a failed F_DUPFD");
        return;
      }
      comment(c.T + ": fcntl(" + std::to_string(fd) + ", F_DUPFD, " + std::to_string(arg) +
              ") = " + result_text(c.raw) + ": as a dup");
      {
        const std::string n =
            define(static_cast<int>(c.raw), it->second.obj, "d" + std::to_string(c.raw));
        emit(c.P + n + " = dup(" + r + ")");
        if (cmd == F_DUPFD_CLOEXEC) emit(c.P + "fcntl(" + n + ", F_SETFD, FD_CLOEXEC)");
      }
      return;
    default:
      left_out(c.s.tid, shown, c.raw, "a command the scenario language does not have");
      return;
  }
}

// ioctl: FIONBIO and FIONREAD.
void ScenarioRecorder::record_ioctl(const Call& c) {
  const int fd = c.fdarg(0);
  const unsigned req = static_cast<unsigned>(c.a(1));
  auto it = fds_.find(fd);
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  int v = 0;
  const bool got = c.read_mem(c.a(2), &v, sizeof v);
  if (o && o->kind == Kind::kSocket && req == FIONBIO && c.ok && got) o->nonblock = v != 0;
  const std::string r = ref(fd, c.raw);
  const std::string shown = c.name + "(" + std::to_string(fd) + ", " +
                            (req == FIONBIO    ? "FIONBIO"
                             : req == FIONREAD ? "FIONREAD"
                                               : std::to_string(req)) +
                            ")";
  if (r.empty() || (req != FIONBIO && req != FIONREAD)) {
    left_out(c.s.tid, shown, c.raw, r.empty() ? what_of(fd) : "a request the language lacks",
             r.empty() ? fd : kNotAnFd);
    return;
  }
  if (req == FIONBIO) {
    plain(c, "ioctl(" + r + ", FIONBIO, " + (got ? std::to_string(v) : std::string("NULL")) + ")");
    return;
  }
  if (o && o->kind == Kind::kConn && o->peer >= 0 && c.ok && got && v > 0)
    data_read(peers_[static_cast<std::size_t>(o->peer)], v, true);
  emit(c.P + "ioctl(" + r + ", FIONREAD" + (c.a(2) ? "" : ", NULL") + ")" +
       expect(c.ok && got ? std::to_string(v) : result_text(c.raw)));
  return;
}

// shutdown.
void ScenarioRecorder::record_shutdown(const Call& c) {
  const int fd = c.fdarg(0);
  const std::string r = ref(fd, c.raw);
  const int how = static_cast<int>(c.a(1));
  if (r.empty()) {
    left_out(c.s.tid, c.simple_call(fd), c.raw, what_of(fd));
    return;
  }
  const char* hows[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR"};
  plain(c, "shutdown(" + r + ", " + (how >= 0 && how <= 2 ? hows[how] : std::to_string(how)) + ")");
  return;
}

// setsockopt / getsockopt: SO_SNDBUF, SO_RCVBUF, TCP_NODELAY, TCP_CORK.
void ScenarioRecorder::record_sockopt(const Call& c) {
  const int fd = c.fdarg(0), level = static_cast<int>(c.a(1)), opt = static_cast<int>(c.a(2));
  auto it = fds_.find(fd);
  Obj* o = it == fds_.end() ? nullptr : &objs_[static_cast<std::size_t>(it->second.obj)];
  const char* level_name = level == SOL_SOCKET ? "SOL_SOCKET" : "IPPROTO_TCP";
  const char* opt_name = nullptr;
  if (level == SOL_SOCKET && opt == SO_SNDBUF) opt_name = "SO_SNDBUF";
  if (level == SOL_SOCKET && opt == SO_RCVBUF) opt_name = "SO_RCVBUF";
  const bool tcp = o && (o->kind == Kind::kConn || o->kind == Kind::kListener ||
                         (o->kind == Kind::kSocket && o->type == SOCK_STREAM));
  if (tcp && level == IPPROTO_TCP && opt == TCP_NODELAY) opt_name = "TCP_NODELAY";
  if (tcp && level == IPPROTO_TCP && opt == TCP_CORK) opt_name = "TCP_CORK";
  const std::string shown = c.name + "(" + std::to_string(fd) + ", " + std::to_string(level) +
                            ", " + std::to_string(opt) + ")";
  int v = 0;
  const bool got = c.read_mem(c.a(3), &v, sizeof v);
  if (o && o->kind == Kind::kSocket && c.s.nr == SYS_setsockopt && c.ok && got && opt_name)
    o->options.push_back(std::string(level_name) + ", " + opt_name + ", " + std::to_string(v));
  const std::string r = ref(fd, c.raw);
  if (r.empty() || !opt_name) {
    left_out(c.s.tid, shown, c.raw,
             r.empty() ? what_of(fd) : "an option the scenario language does not have");
    return;
  }
  if (c.s.nr == SYS_setsockopt) {
    plain(c, "setsockopt(" + r + ", " + level_name + ", " + opt_name + ", " +
                 (got ? std::to_string(v) : "0") + ")");
  } else {
    emit(c.P + "getsockopt(" + r + ", " + level_name + ", " + opt_name + ")" +
         expect(c.ok && got ? std::to_string(v) : result_text(c.raw)));
  }
  return;
}

// a call that makes a file the language does not have: left out, its fd remembered.
void ScenarioRecorder::record_other_file(const Call& c) {
  const std::string what = "a file from " + c.name;
  if (c.ok) define_hidden(static_cast<int>(c.raw), new_obj(Kind::kOther, what));
  left_out(c.s.tid, c.name + "()", c.raw, "the scenario language has no " + c.name,
           c.ok ? static_cast<int>(c.raw) : -1);
  return;
}

void ScenarioRecorder::close_entry(pid_t tid, int fd) {
  const std::string r = ref(fd, 0);
  auto it = fds_.find(fd);
  closes_.erase(tid);
  unknown_closes_.erase(tid);
  if (!r.empty() && it != fds_.end()) {
    closes_[tid] = emit(thread(tid) + ": close(" + r + ")", StmtKind::kFill);
    drop_fd(fd);
    return;
  }
  if (it != fds_.end()) {
    const bool startup =
        statements_ == 0 && objs_[static_cast<std::size_t>(it->second.obj)].kind == Kind::kOther;
    ++left_out_;
    if (startup)
      ++startup_left_out_;
    else
      comment(thread(tid) + ": close(" + std::to_string(fd) + ")   -- left out: " + what_of(fd));
    drop_fd(fd);
    return;
  }
  unknown_closes_[tid] = fd;  // an fd the recorder does not know: said at the exit
}

void ScenarioRecorder::close_exit(pid_t tid, long raw_ret) {
  if (auto it = closes_.find(tid); it != closes_.end()) {
    const std::size_t at = it->second;
    closes_.erase(it);
    if (at < stmts_.size()) stmts_[at].text += " => " + result_text(raw_ret);
    return;
  }
  auto u = unknown_closes_.find(tid);
  if (u == unknown_closes_.end()) return;
  const int fd = u->second;
  unknown_closes_.erase(u);
  const std::string r = ref(fd, raw_ret);
  if (!r.empty())
    emit(thread(tid) + ": close(" + r + ") => " + result_text(raw_ret));
  else
    left_out(tid, "close(" + std::to_string(fd) + ")", raw_ret, what_of(fd), fd);
}

// [SECTION] epoll_wait

std::string ScenarioRecorder::wait_call(const SyscallStop& s, const MemoryReader& mem,
                                        int64_t* timeout_ms, bool* ok) {
  const std::string e = ref(static_cast<int>(s.args[0]), s.ret);
  *ok = !e.empty();
  const std::string buffer = s.args[1] ? "" : "NULL, ";
  const std::string max = std::to_string(static_cast<int>(s.args[2]));
  if (s.nr == SYS_epoll_pwait2) {
    struct {
      int64_t sec, nsec;
    } ts{};
    std::string t = "NULL";
    *timeout_ms = -1;
    if (s.args[3]) {
      if (mem && mem(s.tid, s.args[3], &ts, sizeof ts) && ts.sec >= 0 && ts.nsec >= 0) {
        const int64_t ns = ts.sec * 1000000000 + ts.nsec;
        t = std::to_string(ns);
        *timeout_ms = (ns + 999999) / 1000000;
      } else {
        *ok = false;
      }
    }
    return "epoll_pwait2(" + e + ", " + buffer + max + ", " + t + ", NULL)";
  }
  *timeout_ms = static_cast<int>(s.args[3]);
  if (*timeout_ms < 0) *timeout_ms = -1;
  const std::string t = std::to_string(static_cast<int>(s.args[3]));
  if (s.nr == SYS_epoll_pwait)
    return "epoll_pwait(" + e + ", " + buffer + max + ", " + t + ", NULL)";
  return "epoll_wait(" + e + ", " + buffer + max + ", " + t + ")";
}

std::string ScenarioRecorder::events_text(int epfd,
                                          const std::vector<sim::EpollEvent>& events) const {
  std::string out = "[";
  auto it = fds_.find(epfd);
  const std::vector<Item>* items = nullptr;
  if (it != fds_.end())
    if (auto i = items_.find(it->second.obj); i != items_.end()) items = &i->second;
  for (std::size_t k = 0; k < events.size(); ++k) {
    std::string who = data_number(events[k].data);
    if (items)
      for (const Item& i : *items)
        if (i.data == events[k].data) {
          who = i.text;
          break;
        }
    out += (k ? ", " : "") + who + ": " + epoll_mask(events[k].events, "|");
  }
  return out + "]";
}

void ScenarioRecorder::before_harvest(int epfd, const std::vector<sim::EpollEvent>& events) {
  // An item already on the ready list (level-triggered) is returned with what its file holds at
  // the harvest; the wake-up of data that came just before may reach the tracer only after it.
  auto ep = fds_.find(epfd);
  if (ep == fds_.end()) return;
  const auto items = items_.find(ep->second.obj);
  if (items == items_.end()) return;
  for (const auto& e : events)
    for (const Item& i : items->second) {
      if (i.data != e.data) continue;
      const Obj& o = objs_[static_cast<std::size_t>(i.obj)];
      if (o.kind != Kind::kConn || o.peer < 0) break;
      Peer& p = peers_[static_cast<std::size_t>(o.peer)];
      if (p.closed) break;
      if (e.events & EPOLLERR) {
        reset(p, i.fd);
        break;
      }
      if ((e.events & EPOLLIN) && !p.fin && (p.write_at == kNone || p.drained) &&
          !(e.events & EPOLLRDHUP)) {
        new_write(p);
        p.provisional = true;
      }
      if (e.events & EPOLLRDHUP) fin(p);
      break;
    }
}

void ScenarioRecorder::wait_entry(const SyscallStop& s, bool blocked, const MemoryReader& mem) {
  int64_t timeout = -1;
  bool ok = false;
  const std::string call = wait_call(s, mem, &timeout, &ok);
  if (!ok) return;
  Wait w;
  w.entry_clock = clock_ms_;
  w.timeout_ms = timeout;
  if (blocked) {
    w.entry = emit(thread(s.tid) + ": " + call + " => blocks");
  } else {
    // The model harvested at once: the call stands here, its answer filled in at the exit.
    w.fill = emit(thread(s.tid) + ": " + call, StmtKind::kFill);
    w.woken = true;
    w.call_at_fill = true;
  }
  waits_[s.tid] = w;
}

std::vector<pid_t> ScenarioRecorder::sleeping() const {
  std::vector<pid_t> out;
  for (const auto& [tid, w] : waits_)
    if (!w.woken) out.push_back(tid);
  return out;
}

void ScenarioRecorder::woken(pid_t tid, Cause cause) {
  auto it = waits_.find(tid);
  if (it == waits_.end() || it->second.woken) return;
  Wait& w = it->second;
  w.woken = true;
  switch (cause) {
    case Cause::kProgramCall:
      w.fill = emit("", StmtKind::kFill);
      return;
    case Cause::kWakeups:
      if (last_batch_ == 0)
        unreplayable("thread " + thread(tid) +
                     " was woken by a wake-up of a file the scenario does not have");
      if (last_batch_ <= 1) {
        w.fill = emit("", StmtKind::kFill);
      } else {
        // Several peer statements woke it at once: in the scenario the first would wake it
        // alone. The call is written after them, finding all of them ready.
        if (w.entry < stmts_.size()) stmts_[w.entry].kind = StmtKind::kDropped;
        w.fill = emit("", StmtKind::kFill);
        w.call_at_fill = true;
      }
      return;
    case Cause::kTimeout:
      if (w.timeout_ms >= 0) sleep_ms(w.entry_clock + w.timeout_ms - clock_ms_);
      w.fill = emit("", StmtKind::kFill);
      return;
  }
}

std::string ScenarioRecorder::answer_text(int epfd, const std::vector<sim::EpollEvent>& events,
                                          const std::vector<sim::EpollEvent>& other_order) const {
  const std::string kernel = events_text(epfd, events);
  // A reset seen half done: the woken harvest ran while the RST was processed on another CPU,
  // after tcp_reset's error report and before tcp_done's shutdown (EPOLLERR|EPOLLHUP without
  // EPOLLIN and EPOLLRDHUP). A replay processes it whole: both are expected.
  std::vector<sim::EpollEvent> other = other_order.empty() ? events : other_order;
  auto ep = fds_.find(epfd);
  const auto items = ep == fds_.end() ? items_.end() : items_.find(ep->second.obj);
  if (items != items_.end())
    for (auto& e : other) {
      if (!(e.events & EPOLLERR)) continue;
      for (const Item& i : items->second)
        if (i.data == e.data && objs_[static_cast<std::size_t>(i.obj)].kind == Kind::kConn)
          e.events |= EPOLLHUP | (i.events & (EPOLLIN | EPOLLRDNORM | EPOLLRDHUP));
    }
  const std::string alt = events_text(epfd, other);
  return alt == kernel ? kernel : kernel + " or " + alt;
}

void ScenarioRecorder::wait_exit(const SyscallStop& s, const std::vector<sim::EpollEvent>& events,
                                 const std::vector<sim::EpollEvent>& other_order,
                                 const MemoryReader& mem) {
  int64_t timeout = -1;
  bool ok = false;
  const std::string call = wait_call(s, mem, &timeout, &ok);
  const std::string T = thread(s.tid);
  const long raw = s.ret;
  const std::string answer = raw > 0 ? answer_text(static_cast<int>(s.args[0]), events, other_order)
                             : raw == 0 ? std::string("[]")
                                        : result_text(raw);
  auto it = waits_.find(s.tid);
  if (it != waits_.end()) {
    Wait w = it->second;
    waits_.erase(it);
    if (raw == -EINTR) {
      if (w.entry < stmts_.size()) stmts_[w.entry].kind = StmtKind::kDropped;
      if (w.fill < stmts_.size()) stmts_[w.fill].kind = StmtKind::kDropped;
      comment(T + ": " + call + " = -1 EINTR   -- left out: a signal ended it");
      return;
    }
    if (w.woken && w.fill < stmts_.size()) {
      if (w.call_at_fill && raw > 0) {
        // What the peers did by the harvest goes before the call, where it stands.
        const std::size_t first = stmts_.size();
        before_harvest(static_cast<int>(s.args[0]), events);
        for (std::size_t i = first; i < stmts_.size(); ++i) {
          stmts_[i].placed = true;
          stmts_[w.fill].pre.push_back(i);
        }
      }
      Stmt& f = stmts_[w.fill];
      f.text = w.call_at_fill ? T + ": " + call + " => " + answer : T + " => " + answer;
      return;
    }
    if (w.entry < stmts_.size()) stmts_[w.entry].kind = StmtKind::kDropped;
    if (w.woken) return;  // the recording was full
  }
  if (!ok) {
    left_out(s.tid, std::string(syscall_name(s.nr)) + "(" + std::to_string(s.args[0]) + ")", raw,
             what_of(static_cast<int>(s.args[0])));
    return;
  }
  if (raw == -EINTR) {
    comment(T + ": " + call + " = -1 EINTR   -- left out: a signal ended it");
    return;
  }
  if (raw == 0 && timeout != 0) {
    // It waited out its timeout: in a scenario thread, until the scenario's clock passes it.
    emit(T + ": " + call + " => blocks");
    sleep_ms(timeout);
    emit(T + " => []");
    return;
  }
  if (raw > 0) before_harvest(static_cast<int>(s.args[0]), events);
  emit(T + ": " + call + " => " + answer);
}

// [SECTION] The file

std::vector<std::string> ScenarioRecorder::problems() const {
  std::vector<std::string> out;
  if (full_)
    out.push_back("the recording stopped after " + std::to_string(statements_) +
                  " statements (a scenario may have at most " + std::to_string(max_statements_) +
                  " statements and " + std::to_string(max_bytes_ >> 10) +
                  " KiB here): the program's later calls are not in it");
  for (const auto& [at, why] : unreplayable_)
    out.push_back("the recording cannot be replayed as a whole: " + why);
  return out;
}

std::string ScenarioRecorder::render(const Stmt& st) const {
  switch (st.kind) {
    case StmtKind::kDropped:
      return {};
    case StmtKind::kPeerWrite:
      if (st.bytes <= 0) return {};
      return "write(" + peers_[static_cast<std::size_t>(st.peer)].name + ", " +
             std::to_string(st.bytes) + ")\n";
    case StmtKind::kFill:
    case StmtKind::kLine:
      return st.text.empty() ? std::string() : st.text + "\n";
  }
  return {};
}

std::string ScenarioRecorder::text() const {
  std::string title;
  for (char c : ascii(program_)) {
    if (c == '"' || c == '\\') title += '\\';
    title += c;
  }
  if (title.size() > 200) title = title.substr(0, 200) + "...";
  std::string out = "title \"recorded: " + title + "\"\n";
  out +=
      "// Recorded by `epollscope trace --record`: the program's calls in the order the tracer\n"
      "// mirrored them, each with the kernel's answer as its expectation. Its threads are\n"
      "// scenario threads (srv: its main thread; t2, t3 ...: the others). The programs it talked\n"
      "// to over TCP are the scenario's peers (c1, c2 ...), in the main thread, placed where\n"
      "// their wake-ups were seen: tcp_connect for a connection its listener queued, write for\n"
      "// the bytes that arrived, shutdown for a FIN, close with bytes unread for a reset.\n"
      "// Replay it with: epollscope check FILE (or run FILE, or gui FILE).\n";
  std::size_t peers = peers_.size();
  out += "// " + std::to_string(statements_) + " statements, " + std::to_string(peers) +
         " peers, " + std::to_string(left_out_) + " calls left out (said where they were;\n// " +
         std::to_string(startup_left_out_) +
         " of them, the program's start-up on its libraries and streams, only counted here).\n";
  if (full_)
    out += "// STOPPED after " + std::to_string(statements_) + " statements (at most " +
           std::to_string(max_statements_) + " statements and " + std::to_string(max_bytes_ >> 10) +
           " KiB: a scenario's limits): the program's later calls are not here.\n";
  // Line numbers of what makes it unreplayable: the line the statement at its index has.
  std::vector<std::size_t> line_of(stmts_.size() + 1, 0);
  {
    // The title, the 7 lines that say what a recording is, the 2 of its counts, then these.
    std::size_t line = 1 + 7 + 2 + (full_ ? 1 : 0) + unreplayable_.size() + 1;
    auto count = [&](std::size_t i) {
      line_of[i] = line;
      if (!render(stmts_[i]).empty()) ++line;
    };
    for (std::size_t i = 0; i < stmts_.size(); ++i) {
      if (stmts_[i].placed) continue;
      for (std::size_t p : stmts_[i].pre)
        count(p);
      count(i);
    }
    line_of[stmts_.size()] = line;
  }
  for (const auto& [at, why] : unreplayable_)
    out += "// NOT REPLAYABLE from line " + std::to_string(line_of[std::min(at, stmts_.size())]) +
           ": " + ascii(why) + "\n";
  for (const Stmt& st : stmts_) {
    if (st.placed) continue;
    for (std::size_t i : st.pre)
      out += render(stmts_[i]);
    out += render(st);
  }
  if (full_) out += "// STOPPED here: the limits of a scenario\n";
  return out;
}

}  // namespace epollscope::trace
