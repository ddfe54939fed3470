// SPDX-License-Identifier: GPL-2.0-only
// trace/mirror.cpp — [SECTION] index:
//   [SECTION] Helpers        kernel results, labels, the program's fds
//   [SECTION] Handler        start, threads, processes, exec
//   [SECTION] Entry          what must happen before the kernel runs a call
//   [SECTION] Exit           each call performed on the model and compared
//   [SECTION] epoll_wait     the cut, the masks at the harvest, sleeping and timeouts
//   [SECTION] Output         the per-call lines and the summary
#include "trace/mirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/observed.h"
#include "sim/uapi.h"
#include "trace/syscalls.h"

namespace epollscope::trace {

// [SECTION] Helpers

namespace {

// struct epoll_event is packed on x86_64: 4 bytes of events, 8 of data.
struct __attribute__((packed)) RawEpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(RawEpollEvent) == 12);

std::string sockaddr_text(const sockaddr_storage& a) {
  char host[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (a.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  if (a.ss_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&a);
    return un->sun_path[0] ? std::string(un->sun_path) : std::string("(unnamed)");
  }
  return "?";
}

bool is_epoll_wait(long nr) {
  return nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2;
}

}  // namespace

Mirror::Kres Mirror::kernel_result(long raw) {
  Kres k;
  if (raw < 0 && raw >= -4095) {
    k.ret = -1;
    k.err = static_cast<int>(-raw);
  } else {
    k.ret = raw;
  }
  return k;
}

Mirror::Mirror(const sim::KernelProfile& profile, MirrorOptions options)
    : profile_(profile), options_(std::move(options)) {
  debug_ = std::getenv("EPOLLSCOPE_TRACE_DEBUG") != nullptr;
}

Mirror::~Mirror() = default;

Mirror::Thread& Mirror::thread(pid_t tid) {
  auto it = threads_.find(tid);
  if (it != threads_.end()) return it->second;
  Thread& th = threads_[tid];
  th.task = tid == pid_ ? &k_->main_task() : &k_->create_task("t" + std::to_string(tid));
  return th;
}

std::string Mirror::label_of(int fd, const std::string& fallback) const {
  std::error_code ec;
  std::string target = std::filesystem::read_symlink(
                           "/proc/" + std::to_string(pid_) + "/fd/" + std::to_string(fd), ec)
                           .string();
  if (ec) return fallback;
  if (target.rfind("socket:", 0) == 0) {
    // A socket: name it by its addresses, asked of a duplicate (the program untouched).
    const int own = observer_.dup_of(fd);
    if (own >= 0) {
      sockaddr_storage self{}, peer{};
      socklen_t sl = sizeof self, pl = sizeof peer;
      int type = 0;
      socklen_t tl = sizeof type;
      getsockopt(own, SOL_SOCKET, SO_TYPE, &type, &tl);
      const char* proto = type == SOCK_STREAM ? "TCP" : type == SOCK_DGRAM ? "UDP" : "socket";
      std::string out;
      if (getsockname(own, reinterpret_cast<sockaddr*>(&self), &sl) == 0) {
        if (self.ss_family == AF_UNIX) proto = "AF_UNIX";
        out = std::string(proto) + " " + sockaddr_text(self);
        if (getpeername(own, reinterpret_cast<sockaddr*>(&peer), &pl) == 0)
          out += " ⇄ " + sockaddr_text(peer);
      }
      ::close(own);
      if (!out.empty()) return out;
    }
  }
  return target;
}

int Mirror::f_flags_of(int fd) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/fdinfo/" + std::to_string(fd));
  std::string key;
  while (in >> key) {
    if (key == "flags:") {
      std::string v;
      in >> v;
      return static_cast<int>(std::strtol(v.c_str(), nullptr, 8));
    }
    std::string rest;
    std::getline(in, rest);
  }
  return sim::kO_RDWR;
}

void Mirror::install_observed(sim::Task& t, int fd, const std::string& why) {
  (void)why;
  k_->install_observed(t, fd, label_of(fd, "fd " + std::to_string(fd)), f_flags_of(fd));
}

sim::File* Mirror::ensure_fd(sim::Task& t, int fd) {
  if (fd < 0 || fd > (1 << 20)) return nullptr;
  if (sim::File* f = k_->file_at(fd)) return f;
  std::error_code ec;
  if (!std::filesystem::exists("/proc/" + std::to_string(pid_) + "/fd/" + std::to_string(fd), ec))
    return nullptr;
  note_once("unknown-fd",
            "an fd the model had not seen (made by a call the tracer does not stop on, or passed "
            "in a message) becomes an observed file when the program first uses it");
  install_observed(t, fd, "unknown");
  return k_->file_at(fd);
}

void Mirror::sync_fds(sim::Task& t, bool at_start) {
  std::set<int> real;
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec))
    real.insert(std::atoi(e.path().filename().c_str()));
  const auto& slots = k_->fd_table();
  for (int fd = 0; fd < static_cast<int>(slots.size()); ++fd) {
    if (slots[fd].file && !real.count(fd)) {
      before_fd_goes(fd);
      k_->close(t, fd);
    }
  }
  for (int fd : real) {
    sim::File* f = k_->file_at(fd);
    // At the start every fd is the program's (the model's own 0, 1 and 2 are placeholders).
    if (!f || (at_start && f->kind != sim::FileKind::kObserved)) install_observed(t, fd, "start");
  }
}

void Mirror::before_fd_goes(int fd) {
  // A watch made through this fd number goes, whatever file the model has there: in a program
  // with threads the model's fd table may lag the program's by a stop or two, and no duplicate
  // of ours may keep a file the program is closing alive (its epitems would outlive the close).
  observer_.forget_fd(fd);
  sim::File* f = k_ ? k_->file_at(fd) : nullptr;
  if (!f) return;
  if (f->f_count <= 1) {
    // The file goes with this fd, and every epoll forgets its items: so do the tracer's notes
    // of them (a program reuses its data pointers for the next connection).
    for (auto it = item_data_.begin(); it != item_data_.end();)
      it = it->first.second == fd ? item_data_.erase(it) : std::next(it);
    for (auto it = linked_window_.begin(); it != linked_window_.end();)
      it = it->first.second == fd ? linked_window_.erase(it) : std::next(it);
    for (auto& [epfd, fds] : coalesced_)
      fds.erase(fd);
    emptied_.erase(fd);
    missed_wakeups_.erase(std::remove(missed_wakeups_.begin(), missed_wakeups_.end(), fd),
                          missed_wakeups_.end());
    for (auto& [epfd, fds] : scan_race_)
      fds.erase(std::remove(fds.begin(), fds.end(), fd), fds.end());
    exclusive_wakes_.erase(fd);
  }
  // The program's last fd of this file: our duplicates must go first, so that the file's last
  // fput (and eventpoll_release) is the program's.
  if (f->f_count <= 1 && observer_.watches_file(f->id)) observer_.forget_file(f->id);
  if (sim::is_file_epoll(f) && f->f_count <= 1) observer_.forget_epoll(fd);
}

const sim::EpItem* Mirror::model_item(int epfd, int fd) const {
  const sim::File* ef = k_->file_at(epfd);
  const sim::File* tf = k_->file_at(fd);
  if (!ef || !tf || !sim::is_file_epoll(ef)) return nullptr;
  const sim::EventPoll* ep = static_cast<const sim::EventPollFile*>(ef)->ep();
  for (const sim::HlistNode* n = tf->f_ep.first; n; n = n->next) {
    const sim::EpItem* epi = sim::ep_item_from_fllink(const_cast<sim::HlistNode*>(n));
    if (epi->ep == ep && epi->fd == fd) return epi;
  }
  return nullptr;
}

void Mirror::advance_clock(int64_t mono_ns) {
  if (!k_) return;
  const int64_t t = mono_ns - start_ns_;
  if (t > k_->now_ns()) k_->advance_clock_to(t);
}

bool Mirror::epoll_truly_ready(int epfd, const std::map<int, int64_t>& masks) {
  // Whether the kernel's scan at this call's start finds an event: an item on the ready list
  // whose file has one of its events now (the real mask of an observed file). A level-triggered
  // item whose data was read is on the list but finds none: the scan drops it and the call
  // sleeps, as the model's must.
  const sim::File* f = k_->file_at(epfd);
  if (!f || !sim::is_file_epoll(f)) return false;
  const auto* ep = static_cast<const sim::EventPollFile*>(f)->ep();
  if (ep->ovflist != sim::kEpUnactive) return true;
  for (const sim::ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next) {
    const sim::EpItem* epi = sim::ep_item_from_rdllink(const_cast<sim::ListHead*>(p));
    sim::poll_t mask = epi->file->peek_poll();
    if (epi->file->kind == sim::FileKind::kObserved) {
      const auto known = masks.find(epi->fd);
      const int64_t m = known != masks.end() ? known->second : observer_.mask(epi->fd);
      if (m < 0) return true;
      mask = static_cast<sim::poll_t>(m);
    } else if (sim::is_file_epoll(epi->file)) {
      return true;  // a nested epoll: its own items decide; the call is left for the exit
    }
    if (mask & epi->event.events & ~sim::kEP_PRIVATE_BITS) return true;
  }
  return false;
}

// [SECTION] Handler

void Mirror::on_start(pid_t pid) {
  pid_ = pid;
  start_ns_ = monotonic_ns();
  k_ = std::make_unique<sim::Kernel>(profile_);
  // The program's RLIMIT_NOFILE, so that the model hands out fds under the same limit.
  sim::RlimitNofile lim;
  {
    std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Max open files", 0) != 0) continue;
      std::istringstream ls(line.substr(14));
      std::string soft, hard;
      ls >> soft >> hard;
      if (soft != "unlimited") lim.cur = std::stoull(soft);
      if (hard != "unlimited") lim.max = std::stoull(hard);
    }
    std::ifstream nr("/proc/sys/fs/nr_open");
    uint64_t n = 0;
    if (nr >> n) lim.nr_open = n;
  }
  k_->set_nofile_limits(lim);
  if (options_.on_model) options_.on_model(*k_);
  if (options_.recorder) options_.recorder->start(pid);
  if (!observer_.open(pid, &setup_error_)) {
    note_once("observer", "observed files cannot be watched (" + setup_error_ +
                              "): their wake-ups will be missing");
  }
  threads_.clear();
  Thread& main = thread(pid);
  sync_fds(*main.task, true);
  // Threads the process already has (trace -p).
  std::error_code ec;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(e.path().filename().c_str()));
    if (tid > 0) thread(tid);
  }
  if (options_.attached) rebuild_epolls(*main.task);
}

void Mirror::rebuild_epolls(sim::Task& t) {
  // The program's epolls, from /proc/PID/fdinfo: each becomes a model epoll at its fd, then every
  // item of its interest list is added (files first, so that nested epolls find their targets).
  struct Item {
    int epfd, tfd;
    uint32_t events;
    uint64_t data;
  };
  std::vector<int> epolls;
  std::vector<Item> items;
  const std::string dir = "/proc/" + std::to_string(pid_);
  for (int fd = 0; fd < static_cast<int>(k_->fd_table().size()); ++fd) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(dir + "/fd/" + std::to_string(fd), ec);
    if (ec || target.string() != "anon_inode:[eventpoll]") continue;
    epolls.push_back(fd);
    std::ifstream in(dir + "/fdinfo/" + std::to_string(fd));
    std::string line;
    while (std::getline(in, line)) {
      unsigned tfd = 0, events = 0;
      unsigned long long data = 0;
      if (std::sscanf(line.c_str(), "tfd: %u events: %x data: %llx", &tfd, &events, &data) == 3)
        items.push_back({fd, static_cast<int>(tfd), events, data});
    }
  }
  for (int fd : epolls) {
    const int flags = f_flags_of(fd);
    sim::SysResult r = k_->epoll_create1(t, (flags & O_CLOEXEC) ? EPOLL_CLOEXEC : 0);
    if (r.ret < 0) continue;
    if (r.ret != fd) {
      k_->dup2(t, static_cast<int>(r.ret), fd);
      k_->close(t, static_cast<int>(r.ret));
    }
  }
  int stale = 0;
  for (const Item& it : items) {
    sim::File* tf = k_->file_at(it.tfd);
    if (!tf) {
      ++stale;  // the item's fd was closed while a dup keeps the file: not rebuildable
      continue;
    }
    if (tf->kind == sim::FileKind::kObserved) {
      const int64_t m = observer_.mask(it.tfd);
      if (m >= 0) k_->set_observed_mask(it.tfd, static_cast<sim::poll_t>(m));
    }
    const sim::poll_t events = it.events;  // as stored: ERR and HUP included, as ADD adds them
    if (k_->epoll_ctl(t, it.epfd, EPOLL_CTL_ADD, it.tfd, sim::EpollEvent{events, it.data}).ret ==
        0) {
      item_data_[{it.epfd, it.tfd}] = it.data;
      if (tf->kind == sim::FileKind::kObserved) observer_.watch(it.epfd, it.tfd, tf->id, it.events);
    }
  }
  note_once("attach",
            "attached to a running process: its " + std::to_string(epolls.size()) +
                " epoll(s) and " + std::to_string(items.size() - stale) +
                " item(s) were rebuilt from /proc/" + std::to_string(pid_) +
                "/fdinfo; what could not be known: which items were on the ready list at the "
                "attach (the model polls them afresh), the tree's shape (the model builds its own "
                "in its key order)" +
                (stale ? ", " + std::to_string(stale) + " item(s) whose fd is closed" : "") +
                ". Attaching interrupts a thread asleep in epoll_wait: it returns -1 EINTR, as "
                "under strace -p or gdb");
}

void Mirror::on_thread(pid_t tid, pid_t tgid) {
  if (mirrored(tgid) && k_) thread(tid);
}

void Mirror::on_process(pid_t pid, pid_t parent) {
  if (!k_ || parent != pid_) return;  // a grandchild shares only what its parent already shares
  // The child has a copy of every fd: what it does to the program's pipes, socketpairs and
  // eventfds the model cannot see, so from now on they are observed files (their state is the
  // real one), and the items epolls have on them are made again on the observed file.
  sim::Task& t = *thread(pid_).task;
  int converted = 0;
  for (sim::File* f : k_->files()) {
    if (f->kind == sim::FileKind::kObserved || sim::is_file_epoll(f)) continue;
    observe_instead(t, f);
    ++converted;
  }
  if (options_.recorder) options_.recorder->fork(pid);
  note_once("fork", "process " + std::to_string(pid) +
                        " (a child of the program) is followed but not "
                        "mirrored: it has an fd table of its own. The " +
                        std::to_string(converted) +
                        " pipe(s), socketpair end(s) and eventfd(s) it shares with the program are "
                        "observed files from now on; an epoll it shares is still the model's");
}

void Mirror::observe_instead(sim::Task& t, sim::File* f) {
  std::vector<int> fds;
  const auto& slots = k_->fd_table();
  for (int fd = 0; fd < static_cast<int>(slots.size()); ++fd)
    if (slots[fd].file == f) fds.push_back(fd);
  if (fds.empty()) return;
  struct Item {
    int epfd, tfd;
    sim::EpollEvent ev;
  };
  std::vector<Item> items;
  for (sim::HlistNode* n = f->f_ep.first; n; n = n->next) {
    const sim::EpItem* epi = sim::ep_item_from_fllink(n);
    for (int fd = 0; fd < static_cast<int>(slots.size()); ++fd)
      if (slots[fd].file && sim::is_file_epoll(slots[fd].file) &&
          static_cast<sim::EventPollFile*>(slots[fd].file)->ep() == epi->ep) {
        items.push_back({fd, epi->fd, epi->event});
        break;
      }
  }
  std::vector<bool> cloexec;
  for (int fd : fds)
    cloexec.push_back(slots[fd].cloexec);
  install_observed(t, fds[0], "fork");
  for (std::size_t i = 1; i < fds.size(); ++i)
    k_->dup2(t, fds[0], fds[i]);
  for (std::size_t i = 0; i < fds.size(); ++i)
    if (cloexec[i]) k_->fcntl(t, fds[i], F_SETFD, FD_CLOEXEC);
  sim::File* obs = k_->file_at(fds[0]);
  const int64_t m = observer_.mask(fds[0]);
  if (m >= 0) k_->set_observed_mask(fds[0], static_cast<sim::poll_t>(m));
  for (const Item& it : items) {
    if (k_->file_at(it.tfd) != obs) continue;  // the item's own fd is gone: not made again
    if (k_->epoll_ctl(t, it.epfd, EPOLL_CTL_ADD, it.tfd, it.ev).ret == 0)
      observer_.watch(it.epfd, it.tfd, obs->id, it.ev.events);
  }
}

void Mirror::on_thread_exit(pid_t tid, pid_t tgid) {
  if (!mirrored(tgid)) return;
  auto it = threads_.find(tid);
  if (it == threads_.end()) return;
  if (it->second.task && it->second.task->state == sim::TaskState::kSleeping)
    k_->interrupt(*it->second.task);
  if (it->second.task) completion_of(*it->second.task);
  // The model's task stays (tasks are not freed); the thread is forgotten.
  if (tid != pid_) threads_.erase(it);
}

void Mirror::on_exec(pid_t pid) {
  if (!mirrored(pid) || !k_) return;
  if (options_.recorder) options_.recorder->exec();
  note_once("exec",
            "the program called execve: its close-on-exec fds are closed in the model; "
            "observed files are watched again when an epoll registers them");
  // The threads other than the one that called execve are gone.
  for (auto it = threads_.begin(); it != threads_.end();)
    it = it->first == pid ? std::next(it) : threads_.erase(it);
  Thread& th = thread(pid);
  for (int fd = 0; fd < static_cast<int>(k_->fd_table().size()); ++fd)
    if (k_->fd_table()[fd].file) before_fd_goes(fd);
  sync_fds(*th.task);
}

// [SECTION] Entry

void Mirror::on_entry(SyscallStop& s) {
  if (!k_ || !mirrored(s.tgid)) return;
  Thread& th = thread(s.tid);
  if (th.pending) {
    // The thread makes another call while the model still sleeps in its last one.
    finish_pending(th);
  }
  advance_clock(s.entry_ns);
  record_woken(ScenarioRecorder::Cause::kTimeout);
  const auto a = [&](int i) { return s.args[i]; };
  const auto fd = [&](int i) { return static_cast<int>(a(i)); };
  th.closed_at_entry = false;
  switch (s.nr) {
    case SYS_close:
      // close is mirrored at its entry: the fd is free once the kernel runs it, and another
      // thread's accept may take the number before this thread's exit stop is seen. The thread
      // itself stays stopped until the tracer lets it go, so nothing of it happens in between.
      before_fd_goes(fd(0));
      th.close_result = k_->close(*th.task, fd(0));
      th.closed_at_entry = true;
      if (options_.recorder) {
        options_.recorder->close_entry(s.tid, fd(0));
        record_woken(ScenarioRecorder::Cause::kProgramCall);
      }
      break;
    case SYS_dup2:
    case SYS_dup3:
      if (fd(0) != fd(1) && k_->file_at(fd(0))) before_fd_goes(fd(1));
      break;
    case SYS_close_range: {
      const unsigned first = static_cast<unsigned>(a(0));
      const unsigned last = static_cast<unsigned>(
          std::min<uint64_t>(a(1), k_->fd_table().empty() ? 0 : k_->fd_table().size() - 1));
      if (!(a(2) & 4 /* CLOSE_RANGE_CLOEXEC */))
        for (unsigned f = first; f <= last && f < k_->fd_table().size(); ++f)
          before_fd_goes(f);
      break;
    }
    case SYS_execve:
    case SYS_execveat:
      break;
    default:
      break;
  }
  th.waited_at_entry = false;
  // The wake-ups of observed files since the last stop came before this call: the model gets
  // them now, in their order (an epoll_ctl ADD after them queues its item behind theirs).
  {
    const auto w = drain();
    if (debug_ && options_.out && !w.empty())
      *options_.out << "  . (at the entry of [" << s.tid << "] " << syscall_name(s.nr) << ")\n";
    apply_wakeups(*th.task, w, 0, w.size(), true);
  }
  if (is_epoll_wait(s.nr)) {
    // Then the call itself on the model now if it will sleep there (its thread sleeps on
    // ep->wq like the program's).
    const int epfd = fd(0);
    const int timeout = s.nr == SYS_epoll_pwait2 ? (a(4) ? 1 : -1) : static_cast<int>(a(3));
    ensure_fd(*th.task, epfd);
    // One look at the real files decides and feeds the model: a file that became ready between
    // two looks would have the model harvest what the kernel's scan, later, sees otherwise.
    const auto masks = watched_masks();
    if (timeout != 0 && s.nr != SYS_epoll_pwait2 && !epoll_truly_ready(epfd, masks)) {
      refresh_masks(masks, {}, {});
      th.entry_calls = k_->call_number();
      th.entry_result =
          k_->epoll_wait(*th.task, epfd, static_cast<int>(a(2)), timeout,
                         a(1) ? sim::UserBuffer::kValid : sim::UserBuffer::kFaultsOnCopy);
      th.waited_at_entry = true;
      if (options_.recorder)
        options_.recorder->wait_entry(s, th.entry_result.blocked, options_.read_memory);
      if (debug_ && options_.out)
        *options_.out << "  . [" << s.tid << "] epoll_wait(" << epfd
                      << ") on the model at entry: " << describe(th.entry_result) << '\n';
    }
  }
}

// [SECTION] Exit

void Mirror::on_exit(SyscallStop& s) {
  if (!k_ || !mirrored(s.tgid)) return;
  Thread& th = thread(s.tid);
  ++calls_;
  model_calls_before_ = th.waited_at_entry ? th.entry_calls : k_->call_number();
  const bool closed_at_entry = th.closed_at_entry;
  mirror_exit(th, s);
  if (ScenarioRecorder* rec = options_.recorder) {
    if (s.nr == SYS_close) {
      if (closed_at_entry) rec->close_exit(s.tid, s.ret);
    } else if (!is_epoll_wait(s.nr)) {
      rec->call(s, options_.read_memory);
    }
    record_woken(ScenarioRecorder::Cause::kProgramCall);
  }
  check_pending_completions();
}

void Mirror::mirror_exit(Thread& th, SyscallStop& s) {
  sim::Task& t = *th.task;
  const Kres kr = kernel_result(s.ret);
  const auto a = [&](int i) { return s.args[i]; };
  const auto fd = [&](int i) { return static_cast<int>(a(i)); };
  const auto name = std::string(syscall_name(s.nr));
  const auto mem = [&](uint64_t addr, void* buf, std::size_t n) {
    return addr && options_.read_memory && options_.read_memory(s.tid, addr, buf, n);
  };
  const std::string kernel_text = describe_kernel(kr);
  auto observed = [&](int f) {
    sim::File* file = ensure_fd(t, f);
    return file && file->kind == sim::FileKind::kObserved;
  };
  auto compare = [&](const std::string& call, const sim::SysResult& m) {
    if (m.blocked) {
      th.pending = true;
      th.pending_text = call;
      th.pending_kernel = kr;
      th.pending_events.clear();
      return;
    }
    const bool same = m.ret == kr.ret && (kr.ret != -1 || m.err == kr.err);
    verdict(s, call, kernel_text, same ? std::nullopt : std::optional<std::string>(describe(m)));
  };
  // Threads allocate fds at once; the tracer sees their exit stops in some order, so the model,
  // which allocates at each exit stop, may give a new file another free number than the kernel
  // did. With several threads that is the tracer's order, not the model's: the new file moves to
  // the kernel's number (dup2 and close on the model).
  // dup2 and close on the model; the close-on-exec flag goes with the file, as the call set it.
  auto move_fd = [&](int from, int to) {
    const bool cloexec = k_->fd_table()[static_cast<std::size_t>(from)].cloexec;
    k_->dup2(t, from, to);
    k_->close(t, from);
    if (cloexec) k_->fcntl(t, to, F_SETFD, FD_CLOEXEC);
  };
  auto relocate = [&](sim::SysResult m, long kernel_fd) {
    if (threads_.size() < 2 || m.ret < 0 || kernel_fd < 0 || m.ret == kernel_fd ||
        k_->file_at(static_cast<int>(kernel_fd)))
      return m;
    move_fd(static_cast<int>(m.ret), static_cast<int>(kernel_fd));
    m.ret = kernel_fd;
    return m;
  };
  // pipe and socketpair: the two fds written into the program's array must be the model's too.
  auto compare_pair = [&](const std::string& call, sim::SysResult m, bool got, const int(&fds)[2]) {
    // The same for the two fds of a pipe or socketpair, each to the kernel's number when that
    // number is free in the model (not one of the two the model just gave).
    if (threads_.size() >= 2 && got && m.ret == 0 && (m.fds[0] != fds[0] || m.fds[1] != fds[1])) {
      bool free = true;
      for (int i = 0; i < 2; ++i)
        free = free && (fds[i] == m.fds[i] || (fds[i] >= 0 && fds[i] != m.fds[0] &&
                                               fds[i] != m.fds[1] && !k_->file_at(fds[i])));
      if (free)
        for (int i = 0; i < 2; ++i)
          if (fds[i] != m.fds[i]) {
            move_fd(m.fds[i], fds[i]);
            m.fds[i] = fds[i];
          }
    }
    if (got && m.ret == 0 && (m.fds[0] != fds[0] || m.fds[1] != fds[1])) {
      verdict(s, call, kernel_text,
              "0 [" + std::to_string(m.fds[0]) + ", " + std::to_string(m.fds[1]) + "]");
      return;
    }
    compare(call, m);
  };
  auto pass = [&](const std::string& call) {
    verdict(s, call, kernel_text, std::nullopt, "observed");
  };
  // A new fd made by a call the model cannot simulate: an observed file.
  auto created = [&](const std::string& call) {
    std::string note = "observed";
    if (kr.ret >= 0) {
      before_fd_goes(static_cast<int>(kr.ret));  // a file the model still had there is gone
      install_observed(t, static_cast<int>(kr.ret), name);
      if (const sim::File* f = k_->file_at(static_cast<int>(kr.ret))) note += ": " + f->label;
    }
    verdict(s, call, kernel_text, std::nullopt, note.c_str());
  };

  switch (s.nr) {
    case SYS_epoll_create: {
      ++epoll_calls_;
      compare(name + "(" + std::to_string(static_cast<int>(a(0))) + ")",
              relocate(k_->epoll_create(t, static_cast<int>(a(0))), kr.ret));
      return;
    }
    case SYS_epoll_create1: {
      ++epoll_calls_;
      compare(name + "(" + std::to_string(static_cast<int>(a(0))) + ")",
              relocate(k_->epoll_create1(t, static_cast<int>(a(0))), kr.ret));
      return;
    }
    case SYS_epoll_ctl: {
      ++epoll_calls_;
      const int epfd = fd(0), op = static_cast<int>(a(1)), tfd = fd(2);
      ensure_fd(t, epfd);
      sim::File* tf = ensure_fd(t, tfd);
      std::optional<sim::EpollEvent> ev;
      RawEpollEvent raw{};
      if (mem(a(3), &raw, sizeof raw)) ev = sim::EpollEvent{raw.events, raw.data};
      const char* ops[] = {"?", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD"};
      std::string call = name + "(" + std::to_string(epfd) + ", " +
                         (op >= 1 && op <= 3 ? ops[op] : std::to_string(op)) + ", " +
                         std::to_string(tfd);
      if (op != EPOLL_CTL_DEL)
        call += ev ? ", {" + sim::mask_to_string(ev->events) + ", " + std::to_string(ev->data) + "}"
                   : ", NULL";
      call += ")";
      const bool obs = tf && tf->kind == sim::FileKind::kObserved;
      if (obs && (op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD)) {
        // ep_insert / ep_modify poll the file: the model's observed file gets the real mask.
        const int64_t m = observer_.mask(tfd);
        if (m >= 0) k_->set_observed_mask(tfd, static_cast<sim::poll_t>(m));
        if (m >= 0 && kr.ret == 0 && options_.recorder)
          options_.recorder->observed_mask(tfd, static_cast<uint32_t>(m));
      }
      compare(call, k_->epoll_ctl(t, epfd, op, tfd, ev));
      if (kr.ret == 0) {
        if (op == EPOLL_CTL_DEL) {
          item_data_.erase({epfd, tfd});
          if (obs) observer_.unwatch(epfd, tfd);
        } else if (ev) {
          item_data_[{epfd, tfd}] = ev->data;
          linked_window_[{epfd, tfd}] = window_;  // ep_insert / ep_modify may link it now
          if (obs) {
            if (op == EPOLL_CTL_ADD)
              observer_.watch(epfd, tfd, tf->id, ev->events);
            else
              observer_.modify(epfd, tfd, ev->events);
          }
        }
      }
      return;
    }
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2: {
      ++epoll_calls_;
      std::string call =
          name + "(" + std::to_string(fd(0)) + ", " + std::to_string(static_cast<int>(a(2))) + ", ";
      if (s.nr == SYS_epoll_pwait2) {
        struct {
          int64_t sec, nsec;
        } ts{};
        if (!a(3))
          call += "NULL";
        else if (mem(a(3), &ts, sizeof ts))
          call += "{" + std::to_string(ts.sec) + ", " + std::to_string(ts.nsec) + "}";
        else
          call += "?";
      } else {
        call += std::to_string(static_cast<int>(a(3)));
      }
      call += ")";
      mirror_epoll_wait(th, s, call);
      return;
    }
    case SYS_pipe:
    case SYS_pipe2: {
      const int flags = s.nr == SYS_pipe2 ? static_cast<int>(a(1)) : 0;
      sim::SysResult m = k_->pipe2(t, flags);
      int fds[2] = {-1, -1};
      const bool got = kr.ret == 0 && mem(a(0), fds, sizeof fds);
      std::string call = name + "([" +
                         (got ? std::to_string(fds[0]) + ", " + std::to_string(fds[1]) : "?") +
                         "]" + (s.nr == SYS_pipe2 ? ", " + std::to_string(flags) : "") + ")";
      compare_pair(call, m, got, fds);
      return;
    }
    case SYS_socketpair: {
      const int domain = static_cast<int>(a(0)), type = static_cast<int>(a(1));
      int fds[2] = {-1, -1};
      const bool got = kr.ret == 0 && mem(a(3), fds, sizeof fds);
      std::string call = name + "(" + std::to_string(domain) + ", " + std::to_string(type) + ", " +
                         std::to_string(static_cast<int>(a(2))) + ", [" +
                         (got ? std::to_string(fds[0]) + ", " + std::to_string(fds[1]) : "?") +
                         "])";
      if (domain == AF_UNIX && (type & 0xf) == SOCK_STREAM && a(2) == 0) {
        sim::SysResult m = k_->socketpair(t, type & (SOCK_NONBLOCK | SOCK_CLOEXEC));
        compare_pair(call, m, got, fds);
        return;
      }
      if (got) {
        install_observed(t, fds[0], name);
        install_observed(t, fds[1], name);
      }
      verdict(s, call, kernel_text, std::nullopt, "observed");
      return;
    }
    case SYS_eventfd:
    case SYS_eventfd2: {
      const int flags = s.nr == SYS_eventfd2 ? static_cast<int>(a(1)) : 0;
      compare(name + "(" + std::to_string(static_cast<unsigned>(a(0))) + ", " +
                  std::to_string(flags) + ")",
              relocate(k_->eventfd2(t, static_cast<unsigned>(a(0)), flags), kr.ret));
      return;
    }
    case SYS_read:
    case SYS_write:
    case SYS_readv:
    case SYS_writev:
    case SYS_recvfrom:
    case SYS_sendto:
    case SYS_recvmsg:
    case SYS_sendmsg: {
      const int f = fd(0);
      const bool is_write =
          s.nr == SYS_write || s.nr == SYS_writev || s.nr == SYS_sendto || s.nr == SYS_sendmsg;
      const IoArgs io = io_args(s.nr, s.args, mem);
      const std::size_t count = io.count;
      const uint64_t buf = io.buf;
      const int flags = io.flags;
      const bool control = io.control, named = io.named, iov_ok = io.iov_ok;
      std::string call = name + "(" + std::to_string(f) + ", " + std::to_string(count) +
                         (flags ? ", " + std::to_string(flags) : std::string()) + ")";
      if (observed(f)) {
        if (s.nr == SYS_recvmsg && control && kr.ret >= 0) sync_fds(t);  // SCM_RIGHTS
        // One thread only: with several, another thread's stop may drain the observer between
        // this read and its exit stop, and "no wake-up reported since" is not known.
        if (!is_write && !(flags & MSG_PEEK) && threads_.size() == 1) {
          if (kr.ret > 0 && emptied_.count(f)) missed_wakeups_.push_back(f);
          const bool emptied = (kr.ret >= 0 && static_cast<uint64_t>(kr.ret) < count) ||
                               (kr.ret == -1 && (kr.err == EAGAIN || kr.err == EWOULDBLOCK));
          if (emptied)
            emptied_.insert(f);
          else
            emptied_.erase(f);
        }
        pass(call);
        return;
      }
      if (!iov_ok || control || named || !k_->file_at(f)) {
        if (!k_->file_at(f)) {
          compare(call, is_write ? k_->write(t, f, count) : k_->read(t, f, count));
          return;
        }
        note_once("msg-" + name, name +
                                     " with an address, control data (SCM_RIGHTS) or an "
                                     "unreadable iovec is not mirrored: the model takes the "
                                     "kernel's answer");
        if (s.nr == SYS_recvmsg && kr.ret >= 0) sync_fds(t);
        verdict(s, call, kernel_text, std::nullopt, "not mirrored");
        return;
      }
      sim::File* file = k_->file_at(f);
      const bool eventfd = file->kind == sim::FileKind::kEventFd;
      const bool plain =
          s.nr == SYS_read || s.nr == SYS_write || s.nr == SYS_readv || s.nr == SYS_writev;
      sim::SysResult m;
      if (is_write) {
        uint64_t first8 = 0;
        if (count >= 8 && !mem(buf, &first8, 8)) first8 = sim::Kernel::kFiller8;
        m = plain ? k_->write(t, f, count, first8) : k_->send(t, f, count, flags);
      } else {
        m = plain ? k_->read(t, f, count) : k_->recv(t, f, count, flags);
      }
      if (eventfd && !is_write && !m.blocked && m.ret == 8 && kr.ret == 8) {
        uint64_t v = 0;
        if (mem(buf, &v, 8) && v != m.value) {
          verdict(s, call, kernel_text + " (" + std::to_string(v) + ")",
                  describe(m) + " (" + std::to_string(m.value) + ")");
          return;
        }
      }
      compare(call, m);
      return;
    }
    case SYS_close: {
      const std::string call = name + "(" + std::to_string(fd(0)) + ")";
      compare(call, th.closed_at_entry ? th.close_result : k_->close(t, fd(0)));
      th.closed_at_entry = false;
      return;
    }
    case SYS_close_range: {
      const unsigned first = static_cast<unsigned>(a(0));
      const uint64_t last = a(1);
      const unsigned flags = static_cast<unsigned>(a(2));
      const std::string call = name + "(" + std::to_string(first) + ", " + std::to_string(last) +
                               ", " + std::to_string(flags) + ")";
      // The kernel's close_range, fd by fd (the model's own close_range comes with a later
      // model): close each open fd in the range, or mark it close-on-exec.
      if (kr.ret == 0) {
        for (uint64_t f = first; f <= last && f < k_->fd_table().size(); ++f) {
          if (!k_->fd_table()[f].file) continue;
          if (flags & 4)
            k_->fcntl(t, static_cast<int>(f), F_SETFD, FD_CLOEXEC);
          else
            k_->close(t, static_cast<int>(f));
        }
      }
      verdict(s, call, kernel_text, std::nullopt, "mirrored as closes");
      return;
    }
    case SYS_dup: {
      ensure_fd(t, fd(0));
      compare(name + "(" + std::to_string(fd(0)) + ")", relocate(k_->dup(t, fd(0)), kr.ret));
      return;
    }
    case SYS_dup2:
    case SYS_dup3: {
      ensure_fd(t, fd(0));
      std::string call = name + "(" + std::to_string(fd(0)) + ", " + std::to_string(fd(1)) +
                         (s.nr == SYS_dup3 ? ", " + std::to_string(static_cast<int>(a(2))) : "") +
                         ")";
      if (s.nr == SYS_dup3 && (fd(0) == fd(1) || (a(2) & ~static_cast<uint64_t>(O_CLOEXEC)))) {
        // dup3's own checks (EINVAL) come before any fd is looked at.
        sim::SysResult m = sim::SysResult::error(EINVAL);
        compare(call, m);
        return;
      }
      sim::SysResult m = k_->dup2(t, fd(0), fd(1));
      if (s.nr == SYS_dup3 && m.ret >= 0 && (a(2) & O_CLOEXEC))
        k_->fcntl(t, fd(1), F_SETFD, FD_CLOEXEC);
      compare(call, m);
      return;
    }
    case SYS_fcntl: {
      const int f = fd(0);
      const unsigned cmd = static_cast<unsigned>(a(1));
      ensure_fd(t, f);
      std::string call = name + "(" + std::to_string(f) + ", " + std::to_string(cmd) + ", " +
                         std::to_string(a(2)) + ")";
      switch (cmd) {
        case F_GETFD:
        case F_SETFD:
        case F_GETFL:
        case F_SETFL:
        case F_GETPIPE_SZ:
        case F_SETPIPE_SZ:
          compare(call, k_->fcntl(t, f, cmd, a(2)));
          return;
        case F_DUPFD:
        case F_DUPFD_CLOEXEC:
          if (kr.ret >= 0) {
            before_fd_goes(static_cast<int>(kr.ret));
            k_->dup2(t, f, static_cast<int>(kr.ret));
            if (cmd == F_DUPFD_CLOEXEC) k_->fcntl(t, static_cast<int>(kr.ret), F_SETFD, FD_CLOEXEC);
          }
          verdict(s, call, kernel_text, std::nullopt, "mirrored as dup2");
          return;
        default:
          verdict(s, call, kernel_text, std::nullopt, "not mirrored");
          return;
      }
    }
    case SYS_ioctl: {
      const int f = fd(0);
      const unsigned req = static_cast<unsigned>(a(1));
      std::string call = name + "(" + std::to_string(f) + ", " +
                         (req == FIONBIO    ? std::string("FIONBIO")
                          : req == FIONREAD ? std::string("FIONREAD")
                                            : std::to_string(req)) +
                         ")";
      const bool obs = observed(f);
      if (req == FIONBIO) {
        int v = 0;
        const bool null_arg = !mem(a(2), &v, sizeof v);
        compare(call, k_->ioctl(t, f, req, v, null_arg));
        return;
      }
      if (req == FIONREAD && !obs && k_->file_at(f)) {
        int v = 0;
        sim::SysResult m = k_->ioctl(t, f, req, 0, a(2) == 0);
        if (kr.ret == 0 && m.ret == 0 && mem(a(2), &v, sizeof v) &&
            static_cast<uint64_t>(v) != m.value) {
          verdict(s, call, "0 (" + std::to_string(v) + ")", "0 (" + std::to_string(m.value) + ")");
          return;
        }
        compare(call, m);
        return;
      }
      verdict(s, call, kernel_text, std::nullopt, obs ? "observed" : "not mirrored");
      return;
    }
    case SYS_shutdown: {
      const std::string call =
          name + "(" + std::to_string(fd(0)) + ", " + std::to_string(static_cast<int>(a(1))) + ")";
      if (observed(fd(0))) {
        pass(call);
        return;
      }
      compare(call, k_->shutdown(t, fd(0), static_cast<int>(a(1))));
      return;
    }
    case SYS_setsockopt:
    case SYS_getsockopt: {
      const int f = fd(0), level = static_cast<int>(a(1)), opt = static_cast<int>(a(2));
      const std::string call = name + "(" + std::to_string(f) + ", " + std::to_string(level) +
                               ", " + std::to_string(opt) + ")";
      const bool known = level == SOL_SOCKET && (opt == SO_SNDBUF || opt == SO_RCVBUF);
      if (observed(f) || !known || !k_->file_at(f)) {
        verdict(s, call, kernel_text, std::nullopt, observed(f) ? "observed" : "not mirrored");
        return;
      }
      if (s.nr == SYS_setsockopt) {
        int v = 0;
        if (!mem(a(3), &v, sizeof v)) {
          verdict(s, call, kernel_text, std::nullopt, "not mirrored");
          return;
        }
        compare(call, k_->setsockopt(t, f, level, opt, v));
      } else {
        sim::SysResult m = k_->getsockopt(t, f, level, opt);
        int v = 0;
        if (kr.ret == 0 && m.ret == 0 && mem(a(3), &v, sizeof v) &&
            static_cast<uint64_t>(static_cast<uint32_t>(v)) != m.value) {
          verdict(s, call, "0 (" + std::to_string(v) + ")", "0 (" + std::to_string(m.value) + ")");
          return;
        }
        compare(call, m);
      }
      return;
    }
    case SYS_accept:
    case SYS_accept4: {
      const std::string call = name + "(" + std::to_string(fd(0)) + ")";
      if (sim::File* l = ensure_fd(t, fd(0)); l && kr.ret >= 0) observer_.accepted(l->id);
      if (kr.ret >= 0) {
        before_fd_goes(static_cast<int>(kr.ret));
        install_observed(t, static_cast<int>(kr.ret), name);
      }
      verdict(s, call, kernel_text, std::nullopt, "observed");
      return;
    }
    case SYS_socket: {
      created(name + "(" + std::to_string(static_cast<int>(a(0))) + ", " +
              std::to_string(static_cast<int>(a(1))) + ", " +
              std::to_string(static_cast<int>(a(2))) + ")");
      return;
    }
    case SYS_bind:
    case SYS_listen:
    case SYS_connect: {
      const std::string call = name + "(" + std::to_string(fd(0)) + ")";
      sim::File* file = ensure_fd(t, fd(0));
      if (file && file->kind == sim::FileKind::kObserved && (kr.ret == 0 || kr.err == EINPROGRESS))
        file->label = label_of(fd(0), file->label);
      pass(call);
      return;
    }
    case SYS_io_uring_setup:
      note_once("io_uring",
                "io_uring_setup: calls the program makes through the ring are not "
                "seen by the tracer (the ring is an observed file; its work is not "
                "mirrored)");
      created(name + "()");
      return;
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
      created(name + "()");
      return;
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
    case SYS_execve:
    case SYS_execveat:
      --calls_;  // threads and processes are said by the handler's events, not counted as calls
      return;
    default:
      --calls_;
      return;
  }
}

// [SECTION] epoll_wait

std::vector<Observer::Wake> Mirror::drain() {
  ++window_;
  auto w = observer_.drain();
  for (const auto& x : w)
    emptied_.erase(x.fd);
  if (!missed_wakeups_.empty()) {
    // Wake-ups a read showed (emptied_): they came before the wake-ups of this window that the
    // observer reported after them, or among them; the window's order is the kernel's to say.
    std::vector<Observer::Wake> missed;
    for (int fd : missed_wakeups_) {
      const sim::File* f = k_->observed_at(fd);
      if (!f) continue;
      for (const auto& [key, data] : item_data_)
        if (key.second == fd) missed.push_back(Observer::Wake{key.first, fd, f->id, sim::kEPOLLIN});
    }
    missed_ += static_cast<long>(missed_wakeups_.size());
    missed_wakeups_.clear();
    if (debug_ && options_.out && !missed.empty())
      *options_.out << "  . " << missed.size() << " wake-up(s) a read showed, before drain "
                    << window_ << '\n';
    w.insert(w.begin(), missed.begin(), missed.end());
  }
  if (debug_ && options_.out && !w.empty()) {
    std::string line = "  . drain " + std::to_string(window_) + ":";
    for (const auto& x : w)
      line += " (" + std::to_string(x.epfd) + "," + std::to_string(x.fd) + "," +
              sim::mask_to_string(x.events) + (x.count > 1 ? "x" + std::to_string(x.count) : "") +
              ")";
    *options_.out << line << '\n';
  }
  return w;
}

void Mirror::apply_wakeups(sim::Task& t, const std::vector<Observer::Wake>& w, std::size_t from,
                           std::size_t to, bool with_masks, int reach_epfd,
                           const std::set<int>& reach) {
  // Exclusive wake-ups of earlier windows that the harvest of `reach_epfd` shows reaching it,
  // with no wake-up of their file in this batch: they came before every wake-up of it.
  std::vector<sim::Kernel::ObservedWakeup> wakes;
  std::map<int, std::size_t> targeted;  // fd -> its targeted wake-up in `wakes`
  auto target = [&](int fd) {
    ExclusiveWake& x = exclusive_wakes_[fd];
    targeted[fd] = wakes.size();
    wakes.emplace_back(fd, x.key, std::string(), reach_epfd);
    x.settled.insert(reach_epfd);
    linked_window_[{reach_epfd, fd}] = window_;
    ++exclusive_decided_;
    if (debug_ && options_.out)
      *options_.out << "  . exclusive wake-up of " << fd << " reaches epoll " << reach_epfd
                    << " in its place, before the harvest\n";
  };
  for (int fd : reach) {
    bool in_batch = false;
    for (std::size_t i = from; i < to; ++i)
      in_batch = in_batch || w[i].fd == fd;
    if (!in_batch && exclusive_wakes_.count(fd) && !exclusive_wakes_[fd].settled.count(reach_epfd))
      target(fd);
  }
  if (from >= to && wakes.empty()) return;
  // A thread the model has asleep on an epoll of these items harvests as soon as it is woken,
  // here: the file's mask must be the one it had then, not the one of the last look (another
  // thread's read may have left it empty since). With one thread nothing harvests before the
  // masks are looked at again, and this changes nothing.
  if (with_masks)
    for (std::size_t i = from; i < to; ++i)
      if (const sim::ObservedFile* f = k_->observed_at(w[i].fd))
        k_->set_observed_mask(w[i].fd, f->mask() | static_cast<sim::poll_t>(w[i].events));
  std::vector<int> counts;  // how many model wake-ups the last group stands for
  std::vector<ScenarioRecorder::Wake> recorded;  // one per file, as --record writes them
  for (std::size_t i = from; i < to; ++i) {
    // One wake-up of a file reaches every watch of it (one per item of the program's epolls):
    // they come together, next to each other in the observer's ready list. The model wakes the
    // file once, with their keys together.
    if (i > from && w[i].fd == w[i - 1].fd && !wakes.empty() && wakes.back().fd == w[i].fd &&
        wakes.back().reaches_epfd < 0) {
      for (int c = 0; c < counts.back(); ++c)
        wakes[wakes.size() - 1 - static_cast<std::size_t>(c)].key |=
            static_cast<sim::poll_t>(w[i].events);
      if (!recorded.empty()) recorded.back().events |= w[i].events;
      const sim::EpItem* epi = model_item(w[i].epfd, w[i].fd);
      if (epi && !sim::ep_is_linked(epi)) linked_window_[{w[i].epfd, w[i].fd}] = window_;
      continue;
    }
    // An item outlives its fd when the program closed one of two fds of a file: such a wake-up
    // reaches the model through no fd, and is left out (rare; the file is still watched).
    const sim::File* f = k_->observed_at(w[i].fd);
    if (!f) continue;
    if (exclusive_group(w[i].fd)) {
      // Its items are all exclusive: the harvests that return them decide which the walk
      // reached (reach_exclusive). A new wake-up may reach every one of them again.
      ExclusiveWake& x = exclusive_wakes_[w[i].fd];
      x.key |= static_cast<sim::poll_t>(w[i].events);
      if (i > from && w[i - 1].fd == w[i].fd && !recorded.empty() &&
          recorded.back().fd == w[i].fd) {
        // Another watch of the same wake-up (one per epoll of the file).
        recorded.back().events |= w[i].events;
        if (auto tw = targeted.find(w[i].fd); tw != targeted.end())
          wakes[tw->second].key |= static_cast<sim::poll_t>(w[i].events);
        continue;
      }
      x.settled.clear();
      // The harvest of `reach_epfd` returned this file, which the model has off its ready list:
      // this wake-up reached that epoll's entry, in its place among the batch's wake-ups, so that
      // a thread the batch woke there finds it too. The real walk (ep_poll_callback of each
      // exclusive entry in turn, fs/eventpoll.c) links the item in every epoll it visits and
      // stops at the first one whose ep->wq has a sleeper: a thread that has not reached
      // ep_poll's schedule yet, or that an earlier wake-up of the batch already woke (its entry
      // left ep->wq with it), is no sleeper, and the walk went on through that epoll.
      if (reach.count(w[i].fd) && !targeted.count(w[i].fd)) target(w[i].fd);
      wakeups_ += std::max(1, w[i].count);
      recorded.push_back({w[i].fd, w[i].events, std::max(1, w[i].count)});
      if (options_.on_wakeup)
        options_.on_wakeup(
            WakeRecord{w[i].fd, w[i].epfd, f->label, w[i].events, monotonic_ns() - start_ns_});
      continue;
    }
    // A listener's wake-up stands for every connection queued since the last drain.
    for (int c = 0; c < std::max(1, w[i].count); ++c)
      wakes.emplace_back(w[i].fd, static_cast<sim::poll_t>(w[i].events), std::string());
    counts.push_back(std::max(1, w[i].count));
    recorded.push_back({w[i].fd, w[i].events, std::max(1, w[i].count)});
    // The window of the wake-up that links an item: items linked within one window have no
    // order the tracer can see.
    const sim::EpItem* epi = model_item(w[i].epfd, w[i].fd);
    if (epi && !sim::ep_is_linked(epi)) linked_window_[{w[i].epfd, w[i].fd}] = window_;
    if (options_.on_wakeup)
      options_.on_wakeup(
          WakeRecord{w[i].fd, w[i].epfd, f->label, w[i].events, monotonic_ns() - start_ns_});
  }
  wakeups_ += static_cast<long>(wakes.size() - targeted.size());
  if (options_.recorder) options_.recorder->wakeups(recorded);
  k_->observed_wakeups(t, wakes);
  if (debug_ && options_.out && from < to) {
    std::string line = "  . applied:";
    for (std::size_t i = from; i < to; ++i) {
      const sim::EpItem* epi = model_item(w[i].epfd, w[i].fd);
      line += " (" + std::to_string(w[i].epfd) + "," + std::to_string(w[i].fd) +
              (!epi                     ? " no item"
               : sim::ep_is_linked(epi) ? " linked"
                                        : " unlinked") +
              ")";
    }
    line += " wakes " + std::to_string(wakes.size());
    *options_.out << line << '\n';
  }
  record_woken(ScenarioRecorder::Cause::kWakeups);
}

bool Mirror::exclusive_group(int fd) const {
  const sim::File* f = k_->observed_at(fd);
  if (!f) return false;
  int items = 0;
  for (const sim::HlistNode* n = f->f_ep.first; n; n = n->next, ++items)
    if (!(sim::ep_item_from_fllink(const_cast<sim::HlistNode*>(n))->event.events &
          sim::kEPOLLEXCLUSIVE))
      return false;
  return items >= 2;
}

void Mirror::reach_exclusive(int epfd, const std::set<int>& returned, bool room_left) {
  for (auto it = exclusive_wakes_.begin(); it != exclusive_wakes_.end();) {
    const int fd = it->first;
    ExclusiveWake& x = it->second;
    const sim::EpItem* epi = model_item(epfd, fd);
    if (epi && !x.settled.count(epfd)) {
      if (returned.count(fd) && !sim::ep_is_linked(epi)) {
        // The kernel returned an item the model has off its ready list: a wake-up since the
        // item's last harvest reached its entry (the walk passed the epolls before it, or
        // they had no thread asleep yet). The model's walk is that one.
        if (k_->observed_wakeup_reaches(epfd, fd, x.key)) {
          ++exclusive_decided_;
          if (debug_ && options_.out)
            *options_.out << "  . exclusive wake-up of " << fd << " reaches epoll " << epfd << '\n';
        }
        x.settled.insert(epfd);
      } else if (returned.count(fd) || room_left) {
        // Returned from the ready list, or polled and dropped: this harvest settled it here.
        x.settled.insert(epfd);
      }
    }
    const sim::File* f = k_->observed_at(fd);
    int items = 0;
    for (const sim::HlistNode* n = f ? f->f_ep.first : nullptr; n; n = n->next)
      ++items;
    it = static_cast<int>(x.settled.size()) >= items ? exclusive_wakes_.erase(it) : std::next(it);
  }
}

std::map<int, int64_t> Mirror::watched_masks() {
  std::set<int> fds;
  for (const auto& [key, data] : item_data_)
    fds.insert(key.second);
  std::vector<int> list;
  for (int f : fds)
    if (k_->observed_at(f)) list.push_back(f);
  return observer_.masks(list);
}

void Mirror::refresh_masks(const std::map<int, int64_t>& now,
                           const std::vector<Observer::Wake>& later,
                           const std::map<int, sim::poll_t>& returned) {
  // Every observed file the program's epolls watch gets its mask as at the harvest: the real
  // file's, taken before the wake-ups were drained (so a wake-up that came after it is not in
  // it), without the bits of wake-ups after the cut (they came after the harvest), with the
  // bits the kernel's answer says (its own items).
  for (const auto& [f, mask] : now) {
    if (mask < 0 || !k_->observed_at(f)) continue;
    auto m = static_cast<sim::poll_t>(mask);
    if (auto r = returned.find(f); r != returned.end()) {
      m |= r->second;  // decided from the kernel's answer
    } else {
      for (const auto& w : later)
        if (w.fd == f) m &= ~static_cast<sim::poll_t>(w.events);
    }
    k_->set_observed_mask(f, m);
  }
}

void Mirror::mirror_epoll_wait(Thread& th, SyscallStop& s, const std::string& call) {
  sim::Task& t = *th.task;
  const Kres kr = kernel_result(s.ret);
  const int epfd = static_cast<int>(s.args[0]);
  std::vector<sim::EpollEvent> kev;
  if (kr.ret > 0) {
    std::vector<RawEpollEvent> raw(static_cast<std::size_t>(kr.ret));
    if (options_.read_memory &&
        options_.read_memory(s.tid, s.args[1], raw.data(), raw.size() * sizeof(RawEpollEvent)))
      for (const auto& r : raw)
        kev.push_back({r.events, r.data});
  }
  const auto masks = watched_masks();
  const auto w = drain();
  // The observed files of this epoll's items, and which of them the kernel returned (by data).
  std::map<uint64_t, int> fd_of_data;
  std::map<int, const sim::EpItem*> items;
  for (const auto& [key, data] : item_data_) {
    if (key.first != epfd || !k_->observed_at(key.second)) continue;
    fd_of_data.emplace(data, key.second);
    items[key.second] = model_item(epfd, key.second);
  }
  std::map<int, sim::poll_t> returned;
  for (const auto& e : kev)
    if (auto it = fd_of_data.find(e.data); it != fd_of_data.end()) returned[it->second] |= e.events;
  const std::set<int> in_answer = [&] {
    std::set<int> fds;
    for (const auto& [fd, ev] : returned)
      fds.insert(fd);
    return fds;
  }();
  auto returned_by_kernel = [&](int fd) { return in_answer.count(fd) > 0; };
  // The cut: the wake-ups up to the last one that a returned item needed (one not on the model's
  // ready list already) came before the harvest; the others after it.
  std::size_t cut = 0;
  for (const auto& [fd, ev] : returned) {
    const sim::EpItem* epi = items[fd];
    if (epi && (sim::ep_is_linked(epi) || epi->next != sim::kEpUnactive)) continue;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (w[i].epfd == epfd && w[i].fd == fd) {
        cut = std::max(cut, i + 1);
        break;
      }
  }
  // The masks at the harvest: what the kernel's answer says of its items (the poll of a
  // returned item gave its events; an item on the ready list that a harvest with room left did
  // not return gave none of them); the real mask for the others, without what wake-ups after the
  // cut brought.
  const bool room_left = kr.ret >= 0 && kr.ret < static_cast<long>(s.args[2]);
  std::map<int, int64_t> at_harvest = masks;
  for (const auto& [fd, epi] : items) {
    if (!epi || !at_harvest.count(fd) || at_harvest[fd] < 0) continue;
    auto m = static_cast<sim::poll_t>(at_harvest[fd]);
    const sim::poll_t interest = epi->event.events;
    if (auto r = returned.find(fd); r != returned.end())
      m = (m & ~interest) | r->second;
    else if (room_left)
      m &= ~interest;
    at_harvest[fd] = m;
    returned.emplace(fd, 0);  // decided: refresh_masks leaves it as set here
  }
  const std::vector<Observer::Wake> later(w.begin() + static_cast<long>(cut), w.end());
  refresh_masks(at_harvest, later, returned);

  // The previous harvest of this epoll left wake-ups that may have come during its scan (then
  // ovflist put their items at the head of the ready list) or after it (the tail, where the
  // model put them). This answer says which: when it shows them ahead of the items the model
  // has before them, they came during the scan.
  std::vector<sim::EpollEvent> other_order = resolve_scan_race(epfd, kev);
  // This harvest's own such wake-ups: an item on the ready list that the scan polled and
  // dropped (not returned, room left) and that a wake-up after the cut woke again. The model
  // queues it after the call; the next harvest decides.
  std::vector<int> racing;
  {
    std::set<const sim::EpItem*> linked;
    if (const sim::File* ef = k_->file_at(epfd); ef && sim::is_file_epoll(ef)) {
      const sim::EventPoll* ep = static_cast<const sim::EventPollFile*>(ef)->ep();
      for (const sim::ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next)
        linked.insert(sim::ep_item_from_rdllink(const_cast<sim::ListHead*>(p)));
    }
    for (const auto& wk : later) {
      const auto it = items.find(wk.fd);
      const sim::EpItem* epi = wk.epfd == epfd && it != items.end() ? it->second : nullptr;
      if (room_left && epi && linked.count(epi) && !returned_by_kernel(wk.fd) &&
          std::find(racing.begin(), racing.end(), wk.fd) == racing.end())
        racing.push_back(wk.fd);
    }
  }

  // A returned edge-triggered item whose wake-up came in the same window as the last harvest of
  // this epoll may have been woken twice (before and after that harvest) and reached the tracer
  // once: when the kernel returns it now though the model has it off the ready list and no
  // wake-up of it came since, the second wake-up is taken as seen (in that window).
  std::vector<Observer::Wake> before(w.begin(), w.begin() + static_cast<long>(cut));
  if (auto c = coalesced_.find(epfd); c != coalesced_.end()) {
    for (const auto& [fd, win] : c->second) {
      const auto r = returned.find(fd);
      if (!returned_by_kernel(fd) || r == returned.end()) continue;
      const sim::EpItem* epi = items.count(fd) ? items[fd] : nullptr;
      if (!epi || sim::ep_is_linked(epi)) continue;
      bool woken = false;
      for (const auto& wk : before)
        woken = woken || (wk.epfd == epfd && wk.fd == fd);
      if (woken) continue;
      before.insert(before.begin(), Observer::Wake{epfd, fd, epi->file->id, r->second});
      late_windows_[fd] = win;
    }
    coalesced_.erase(c);
  }
  // Each linked item's window as the harvest finds it (for the order check below).
  std::map<int, uint64_t> window_at_harvest;
  auto note_windows = [&] {
    for (const auto& [fd, epi] : items)
      if (epi && sim::ep_is_linked(epi))
        if (auto lw = linked_window_.find({epfd, fd}); lw != linked_window_.end())
          window_at_harvest[fd] = lw->second;
  };

  // Exclusive wake-ups this harvest shows reaching this epoll before it: it returned a file of
  // an exclusive group (exclusive_group) whose item the model has off its lists, and a wake-up
  // of the file since came (this window's, or one left open). They are handed to the model in
  // their place in the batch (apply_wakeups), before the thread woken there harvests.
  std::set<int> reach;
  for (int fd : in_answer) {
    const auto it = items.find(fd);
    const sim::EpItem* epi = it != items.end() ? it->second : nullptr;
    if (!epi || sim::ep_is_linked(epi) || epi->next != sim::kEpUnactive || !exclusive_group(fd))
      continue;
    bool woken = false;
    for (const auto& wk : before)
      woken = woken || wk.fd == fd;
    const auto x = exclusive_wakes_.find(fd);
    if (woken || (x != exclusive_wakes_.end() && !x->second.settled.count(epfd))) reach.insert(fd);
  }
  sim::SysResult m;
  if (th.waited_at_entry) {
    th.waited_at_entry = false;
    note_windows();
    for (const auto& wk : before)
      if (!window_at_harvest.count(wk.fd) && wk.epfd == epfd)
        window_at_harvest[wk.fd] = late_windows_.count(wk.fd) ? late_windows_[wk.fd] : window_;
    for (int fd : reach)
      if (!window_at_harvest.count(fd)) window_at_harvest[fd] = window_;
    apply_wakeups(t, before, 0, before.size(), false, epfd, reach);
    reach_exclusive(epfd, in_answer, room_left);
    m = th.entry_result;
    if (m.blocked)
      if (auto c = completion_of(t)) m = *c;
  } else {
    apply_wakeups(t, before, 0, before.size(), false, epfd, reach);
    reach_exclusive(epfd, in_answer, room_left);
    note_windows();
    for (const auto& [fd, win] : late_windows_)
      window_at_harvest[fd] = win;
    // One thread only, where it was measured (README "What is not exact yet").
    if (threads_.size() == 1 && adopt_before_harvest(epfd, kev, fd_of_data, window_at_harvest))
      ++undecided_;
    std::optional<sim::Kernel::Timespec> ts;
    if (s.nr == SYS_epoll_pwait2 && s.args[4]) {
      struct {
        int64_t sec, nsec;
      } raw{};
      if (options_.read_memory && options_.read_memory(s.tid, s.args[4], &raw, sizeof raw))
        ts = sim::Kernel::Timespec{raw.sec, raw.nsec};
    }
    const auto buffer = s.args[1] ? sim::UserBuffer::kValid : sim::UserBuffer::kFaultsOnCopy;
    if (s.nr == SYS_epoll_pwait2) {
      std::optional<uint64_t> sigmask;
      if (s.args[4] && !ts) ts = sim::Kernel::Timespec{0, 0};
      m = k_->epoll_pwait2(t, epfd, static_cast<int>(s.args[2]), ts, sigmask, buffer);
    } else {
      m = k_->epoll_wait(t, epfd, static_cast<int>(s.args[2]), static_cast<int>(s.args[3]), buffer);
    }
  }
  if (m.blocked) {
    // The model's thread still sleeps: the kernel's ended by its timeout, or by a signal.
    if (kr.ret == 0 && t.deadline_ns) {
      k_->advance_clock_to(std::max(*t.deadline_ns, k_->now_ns()));
      record_woken(ScenarioRecorder::Cause::kTimeout);
    } else if (kr.ret == -1 && kr.err == EINTR) {
      k_->interrupt(t);
    }
    bool done = false;
    if (auto c = completion_of(t)) {
      m = *c;
      done = true;
    }
    if (!done) {
      if (debug_ && options_.out) {
        std::string line = "  . still asleep after harvest of " + std::to_string(epfd) + ": cut " +
                           std::to_string(cut) + " of " + std::to_string(w.size()) + ";";
        for (const auto& [fd, ev] : returned) {
          const sim::EpItem* epi = items.count(fd) ? items[fd] : nullptr;
          line += " fd " + std::to_string(fd) +
                  (!epi                            ? " (no item)"
                   : sim::ep_is_linked(epi)        ? " (on rdllist)"
                   : epi->next != sim::kEpUnactive ? " (on ovflist)"
                                                   : " (off the lists)");
        }
        *options_.out << line << '\n';
      }
      verdict(s, call, describe_kernel(kr) + (kev.empty() ? "" : " " + events_text(kev)),
              "sleeps on (no wake-up the model saw ends its wait)");
      k_->interrupt(t);
      completion_of(t);
      if (options_.recorder) options_.recorder->wait_exit(s, kev, {}, options_.read_memory);
      apply_wakeups(t, w, cut, w.size(), true);
      return;
    }
  }
  late_windows_.clear();
  const std::string ktext = describe_kernel(kr) + (kr.ret > 0 ? " " + events_text(kev) : "");
  bool same =
      m.ret == kr.ret && (kr.ret != -1 || m.err == kr.err) && (kr.ret <= 0 || m.events == kev);
  const char* note = nullptr;
  if (!same && m.ret == kr.ret && kr.ret > 0 &&
      order_undecidable(m.events, kev, fd_of_data, window_at_harvest)) {
    // The same events in another order, and every pair the two answers order differently was
    // linked by wake-ups in one window: an order the tracer could not see. The kernel's is taken
    // (the level-triggered items it re-queued stand in its order).
    same = true;
    note = "order within one window of wake-ups taken from the kernel";
    ++undecided_;
    std::vector<int> order;
    for (const auto& e : kev)
      if (auto it = fd_of_data.find(e.data); it != fd_of_data.end()) order.push_back(it->second);
    k_->adopt_ready_order(epfd, order);
    if (other_order.empty()) other_order = m.events;
  }
  // Windows after the harvest: re-queued level-triggered items are linked in this window;
  // edge-triggered items returned after a wake-up in this window may have been woken twice.
  auto& coalesced = coalesced_[epfd];
  for (const auto& e : kev) {
    auto it = fd_of_data.find(e.data);
    if (it == fd_of_data.end()) continue;
    const sim::EpItem* epi = model_item(epfd, it->second);
    if (!epi) continue;
    if (sim::ep_is_linked(epi)) linked_window_[{epfd, it->second}] = window_;
    bool woken_now = false;
    for (const auto& wk : before)
      woken_now = woken_now || (wk.epfd == epfd && wk.fd == it->second);
    if (woken_now && (epi->event.events & sim::kEPOLLET)) coalesced[it->second] = window_;
  }
  if (options_.recorder) options_.recorder->wait_exit(s, kev, other_order, options_.read_memory);
  apply_wakeups(t, w, cut, w.size(), true);
  if (!racing.empty()) scan_race_[epfd] = racing;
  if (debug_ && options_.out) {
    std::string line = "  . harvest of " + std::to_string(epfd) + ": cut " + std::to_string(cut) +
                       " of " + std::to_string(w.size()) + ", racing";
    for (int fd : racing)
      line += " " + std::to_string(fd);
    *options_.out << line << '\n';
  }
  verdict(s, call, ktext, same ? std::nullopt : std::optional<std::string>(describe(m)), note);
}

bool Mirror::adopt_before_harvest(int epfd, const std::vector<sim::EpollEvent>& kev,
                                  const std::map<uint64_t, int>& fd_of_data,
                                  const std::map<int, uint64_t>& windows) {
  const sim::File* ef = k_->file_at(epfd);
  if (!ef || !sim::is_file_epoll(ef) || kev.empty()) return false;
  const sim::EventPoll* ep = static_cast<const sim::EventPollFile*>(ef)->ep();
  if (ep->ovflist != sim::kEpUnactive) return false;
  std::vector<int> linked;
  for (const sim::ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next)
    linked.push_back(sim::ep_item_from_rdllink(const_cast<sim::ListHead*>(p))->fd);
  std::map<int, std::size_t> place;
  for (std::size_t i = 0; i < linked.size(); ++i)
    place.emplace(linked[i], i);
  // The kernel's items in its order, then the others in the model's.
  std::vector<int> order;
  for (const auto& e : kev)
    if (auto f = fd_of_data.find(e.data);
        f != fd_of_data.end() && place.count(f->second) &&
        std::find(order.begin(), order.end(), f->second) == order.end())
      order.push_back(f->second);
  for (int fd : linked)
    if (std::find(order.begin(), order.end(), fd) == order.end()) order.push_back(fd);
  if (order == linked) return false;
  for (std::size_t i = 0; i < order.size(); ++i)
    for (std::size_t j = i + 1; j < order.size(); ++j) {
      if (place[order[i]] < place[order[j]]) continue;
      const auto wi = windows.find(order[i]), wj = windows.find(order[j]);
      if (wi == windows.end() || wj == windows.end() || wi->second != wj->second) return false;
    }
  if (debug_ && options_.out)
    *options_.out << "  . ready list of " << epfd
                  << " takes the kernel's order before the harvest\n";
  return k_->adopt_ready_order(epfd, order);
}

bool Mirror::order_undecidable(const std::vector<sim::EpollEvent>& model,
                               const std::vector<sim::EpollEvent>& kernel,
                               const std::map<uint64_t, int>& fd_of_data,
                               const std::map<int, uint64_t>& windows) const {
  if (model.size() != kernel.size()) return false;
  std::vector<sim::EpollEvent> a = model, b = kernel;
  auto less = [](const sim::EpollEvent& x, const sim::EpollEvent& y) {
    return x.data != y.data ? x.data < y.data : x.events < y.events;
  };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  if (a != b) return false;
  auto window = [&](uint64_t data) -> std::optional<uint64_t> {
    auto f = fd_of_data.find(data);
    if (f == fd_of_data.end()) return std::nullopt;
    auto w = windows.find(f->second);
    if (w == windows.end()) return std::nullopt;
    return w->second;
  };
  std::map<uint64_t, std::size_t> pos;
  for (std::size_t i = 0; i < model.size(); ++i)
    pos[model[i].data] = i;
  for (std::size_t i = 0; i < kernel.size(); ++i)
    for (std::size_t j = i + 1; j < kernel.size(); ++j) {
      if (pos[kernel[i].data] < pos[kernel[j].data]) continue;
      const auto wi = window(kernel[i].data), wj = window(kernel[j].data);
      if (!wi || !wj || *wi != *wj) return false;
    }
  return true;
}

std::vector<sim::EpollEvent> Mirror::resolve_scan_race(int epfd,
                                                       const std::vector<sim::EpollEvent>& kev) {
  auto race = scan_race_.find(epfd);
  if (race == scan_race_.end()) return {};
  const std::vector<int> racing = std::move(race->second);
  scan_race_.erase(race);
  const sim::File* ef = k_->file_at(epfd);
  if (!ef || !sim::is_file_epoll(ef)) return {};
  // The kernel's answer as fds (by the items' data), and the model's ready list as fds.
  std::map<uint64_t, int> fd_of_data;
  for (const auto& [key, data] : item_data_)
    if (key.first == epfd) fd_of_data.emplace(data, key.second);
  std::vector<int> answer;
  for (const auto& e : kev)
    if (auto it = fd_of_data.find(e.data); it != fd_of_data.end()) answer.push_back(it->second);
  const sim::EventPoll* ep = static_cast<const sim::EventPollFile*>(ef)->ep();
  std::vector<int> tail;
  for (const sim::ListHead* p = ep->rdllist.next; p != &ep->rdllist; p = p->next)
    tail.push_back(sim::ep_item_from_rdllink(const_cast<sim::ListHead*>(p))->fd);
  std::vector<int> head;
  for (int fd : racing)
    if (std::find(tail.begin(), tail.end(), fd) != tail.end()) head.push_back(fd);
  if (head.empty()) return {};
  for (int fd : tail)
    if (std::find(head.begin(), head.end(), fd) == head.end()) head.push_back(fd);
  // Compare in the order of the answer, over the items both lists hold.
  auto in_answer = [&](const std::vector<int>& order) {
    std::vector<int> out;
    for (int fd : order)
      if (std::find(answer.begin(), answer.end(), fd) != answer.end()) out.push_back(fd);
    return out;
  };
  std::vector<int> answer_linked;
  for (int fd : answer)
    if (std::find(tail.begin(), tail.end(), fd) != tail.end()) answer_linked.push_back(fd);
  if (debug_ && options_.out) {
    std::string line = "  . scan race of " + std::to_string(epfd) + ": tail";
    for (int fd : tail)
      line += " " + std::to_string(fd);
    line += " / answer";
    for (int fd : answer)
      line += " " + std::to_string(fd);
    *options_.out << line << '\n';
  }
  if (in_answer(tail) != answer_linked && in_answer(head) == answer_linked) {
    std::vector<int> moved;
    for (int fd : racing)
      if (std::find(tail.begin(), tail.end(), fd) != tail.end()) moved.push_back(fd);
    k_->late_scan_wakeups(epfd, moved);
    // The answer had the wake-ups come after the scan (the order --record's replay gives): the
    // linked items in the ready list's order, in the places the answer has them.
    std::vector<sim::EpollEvent> other = kev;
    std::map<int, sim::EpollEvent> by_fd;
    for (const auto& e : kev)
      if (auto it = fd_of_data.find(e.data); it != fd_of_data.end()) by_fd.emplace(it->second, e);
    const std::vector<int> order = in_answer(tail);
    std::size_t next = 0;
    for (auto& e : other) {
      auto it = fd_of_data.find(e.data);
      if (it == fd_of_data.end() ||
          std::find(answer_linked.begin(), answer_linked.end(), it->second) == answer_linked.end())
        continue;
      if (next < order.size()) e = by_fd[order[next++]];
    }
    return other;
  }
  return {};
}

void Mirror::finish_pending(Thread& th) {
  if (!th.pending) return;
  th.pending = false;
  ++divergences_;
  if (options_.out)
    *options_.out << "≠ " << th.pending_text << ": the kernel returned "
                  << describe_kernel(th.pending_kernel)
                  << "; the model's thread still sleeps in it\n";
  k_->interrupt(*th.task);
  completion_of(*th.task);
}

void Mirror::record_woken(ScenarioRecorder::Cause cause) {
  ScenarioRecorder* rec = options_.recorder;
  if (!rec || !k_) return;
  const auto sleeping = rec->sleeping();
  if (sleeping.empty()) return;
  collect_completions();
  for (pid_t tid : sleeping) {
    auto it = threads_.find(tid);
    if (it != threads_.end() && it->second.task && completed_.count(it->second.task->id))
      rec->woken(tid, cause);
  }
}

void Mirror::collect_completions() {
  for (auto& c : k_->take_completions())
    completed_[c.task] = std::move(c.result);
}

std::optional<sim::SysResult> Mirror::completion_of(const sim::Task& t) {
  collect_completions();
  auto it = completed_.find(t.id);
  if (it == completed_.end()) return std::nullopt;
  sim::SysResult r = std::move(it->second);
  completed_.erase(it);
  return r;
}

void Mirror::check_pending_completions() {
  for (auto& [tid, th] : threads_) {
    if (!th.pending) continue;
    auto c = completion_of(*th.task);
    if (!c) continue;
    th.pending = false;
    const Kres& kr = th.pending_kernel;
    const bool same = c->ret == kr.ret && (kr.ret != -1 || c->err == kr.err);
    SyscallStop s;
    s.tid = tid;
    verdict(s, th.pending_text, describe_kernel(kr),
            same ? std::nullopt : std::optional<std::string>(describe(*c)),
            "finished after a wake-up");
  }
}

// [SECTION] Output

std::string Mirror::describe_kernel(const Kres& k) const {
  if (k.ret == -1) return "-1 " + sim::errno_name(k.err);
  return std::to_string(k.ret);
}

std::string Mirror::describe(const sim::SysResult& r) const {
  if (r.blocked) return "sleeps";
  std::string out = r.ret == -1 ? "-1 " + sim::errno_name(r.err) : std::to_string(r.ret);
  if (r.ret > 0 && !r.events.empty()) out += " " + events_text(r.events);
  return out;
}

std::string Mirror::events_text(const std::vector<sim::EpollEvent>& ev) const {
  std::string out = "[";
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (i) out += ", ";
    char data[32];
    if (ev[i].data <= static_cast<uint64_t>(INT_MAX))
      std::snprintf(data, sizeof data, "%llu", static_cast<unsigned long long>(ev[i].data));
    else
      std::snprintf(data, sizeof data, "%#llx", static_cast<unsigned long long>(ev[i].data));
    out += std::string(data) + ": " + sim::mask_to_string(ev[i].events);
  }
  return out + "]";
}

void Mirror::verdict(const SyscallStop& s, const std::string& call, const std::string& kernel,
                     const std::optional<std::string>& model, const char* note) {
  if (model) ++divergences_;
  if (options_.on_call) {
    CallRecord r;
    r.tid = s.tid;
    r.nr = s.nr;
    r.call = call;
    r.kernel = kernel;
    if (model) r.model = *model;
    if (note) r.note = note;
    r.diverged = model.has_value();
    r.entry_ns = s.entry_ns ? s.entry_ns - start_ns_ : 0;
    r.exit_ns = s.exit_ns ? s.exit_ns - start_ns_ : r.entry_ns;
    r.model_calls_before = model_calls_before_;
    r.model_calls_after = k_->call_number();
    options_.on_call(r);
  }
  if (!options_.out) return;
  if (options_.quiet && !model && options_.context <= 0) return;
  std::string line;
  if (threads_.size() > 1 || s.tid != pid_) line = "[" + std::to_string(s.tid) + "] ";
  line += call + " = " + kernel;
  if (model)
    line += "   ≠ model: " + *model;
  else if (note)
    line += "   (" + std::string(note) + ")";
  else
    line += "   = model";
  std::ostream& o = *options_.out;
  if (options_.quiet && !model) {
    // --context N: the calls before a divergence are kept, and shown with it.
    recent_.push_back(std::move(line));
    while (static_cast<int>(recent_.size()) > options_.context)
      recent_.pop_front();
    return;
  }
  if (options_.quiet && !recent_.empty()) {
    o << "--\n";
    for (const auto& r : recent_)
      o << r << '\n';
    recent_.clear();
  }
  o << line << '\n';
}

void Mirror::note_once(const std::string& key, const std::string& text) {
  if (!notes_.insert(key).second) return;
  if (options_.out) *options_.out << "note: " << text << '\n';
}

std::string Mirror::summary_line(double seconds) const {
  char t[32];
  std::snprintf(t, sizeof t, "%.1f", seconds);
  return "traced " + std::to_string(calls_) + " calls (" + std::to_string(epoll_calls_) +
         " epoll calls, " + std::to_string(wakeups_) + " wake-ups) in " + t +
         " s: " + std::to_string(divergences_) + " divergences";
}

}  // namespace epollscope::trace
