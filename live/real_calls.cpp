// SPDX-License-Identifier: GPL-2.0-only
#include "live/real_calls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "live/tcp_settle.h"

namespace epollscope::live {

// The model's ABI constants (sim/uapi.h) are the system's.
static_assert(sim::kO_APPEND == O_APPEND && sim::kO_ASYNC == O_ASYNC &&
              sim::kO_NOATIME == O_NOATIME && sim::kO_TMPFILE == O_TMPFILE &&
              sim::kO_DIRECT == O_DIRECT);
static_assert(sim::kF_GETFD == F_GETFD && sim::kF_SETFD == F_SETFD && sim::kF_GETFL == F_GETFL &&
              sim::kF_SETFL == F_SETFL && sim::kFD_CLOEXEC == FD_CLOEXEC &&
              sim::kF_SETPIPE_SZ == F_SETPIPE_SZ && sim::kF_GETPIPE_SZ == F_GETPIPE_SZ);
static_assert(sim::kFIONREAD == FIONREAD && sim::kFIONBIO == FIONBIO && sim::kENOPKG == ENOPKG &&
              sim::kENOTTY == ENOTTY && sim::kEBUSY == EBUSY &&
              sim::kO_NOTIFICATION_PIPE == O_EXCL);

namespace {

using driver::CallId;
using driver::CallResult;
using driver::ResolvedCall;

CallResult result_of(long ret) {
  CallResult o;
  o.ret = ret < 0 ? -1 : ret;
  o.err = ret < 0 ? errno : 0;
  return o;
}

// A pointer argument: NULL, BADPTR (sim::script::kBadPointer, an address that is never mapped, so
// that the kernel's copy from it faults) or `value`.
template <class T>
T* pointer_arg(const ResolvedCall& c, std::size_t i, T* value) {
  if (c.faults(i)) return reinterpret_cast<T*>(static_cast<uintptr_t>(sim::script::kBadPointer));
  return c.is_null[i] ? nullptr : value;
}

// A timeout in ns as a struct timespec: tv_sec = ns / 10^9 rounded down, tv_nsec the rest.
timespec timespec_of(int64_t ns) {
  timespec ts{};
  ts.tv_sec = ns / 1000000000 - (ns % 1000000000 != 0 && ns < 0 ? 1 : 0);
  ts.tv_nsec = ns - ts.tv_sec * 1000000000;
  return ts;
}

bool is_eventfd(int fd) {
  char path[48], target[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(path, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return std::strcmp(target, "anon_inode:[eventfd]") == 0;
}

// socket + bind 127.0.0.1:0 (an ephemeral port: never a fixed one that may be in use) + listen.
long tcp_listen(int backlog) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, backlog) != 0) {
    const int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

// socket + connect to the listener's address (getsockname). A refused or pending connect leaves
// the socket open with its error or state pending, as the model does.
long tcp_connect(int listener) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  if (a.sin_family != AF_INET) {
    errno = ENOTSOCK;
    return -1;
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd >= 0) (void)connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

// The scenario's byte buffer: kMAX_RW_COUNT bytes (and a page) at sim::kUserBuffer, where the
// model says it is, so that access_ok gives the kernel's answer for every count: a count that
// runs past TASK_SIZE_MAX is EFAULT, any other is capped at MAX_RW_COUNT and finds memory behind
// it. MAP_NORESERVE and never written by us: pages a write reads are the shared zero page, pages
// a read fills are only as many as the file had queued (a pipe's 64 KiB, a socket's buffers), so
// `write(w, 4000000000)` costs page tables, not 4 GB. Mapped on the first count above a page;
// every thread shares it (the bytes read into it are never looked at).
char* user_buffer() {
  static std::once_flag once;
  static char* buffer = nullptr;
  static int error = 0;
  std::call_once(once, [] {
    void* p = mmap(reinterpret_cast<void*>(sim::kUserBuffer), sim::kMAX_RW_COUNT + 4096,
                   PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) {
      error = errno;
    } else if (p != reinterpret_cast<void*>(sim::kUserBuffer)) {
      munmap(p, sim::kMAX_RW_COUNT + 4096);  // a kernel before 4.17 took the address as a hint
      error = EEXIST;
    } else {
      buffer = static_cast<char*>(p);
    }
  });
  if (!buffer) {
    char where[32];
    std::snprintf(where, sizeof where, "%#llx", static_cast<unsigned long long>(sim::kUserBuffer));
    throw RealCallError(std::string("cannot map the scenario's 2 GiB buffer (MAP_NORESERVE) at ") +
                        where + ": " + std::strerror(error));
  }
  return buffer;
}

// What a write of `size` bytes without a text copies from: the filler (a page of 'x', whose first
// 8 bytes are what eventfd_write adds: sim::Kernel::kFiller8), or the big buffer beyond a page.
const char* write_source(std::size_t size) {
  static const auto filler = [] {
    std::array<char, 4096> a;
    a.fill('x');
    return a;
  }();
  return size <= filler.size() ? filler.data() : user_buffer();
}

// epoll_wait's events array: room for maxevents events, as the kernel may fill them all (a
// thread's own: its events are read back after the call). A MAP_NORESERVE mapping, kept and
// grown per thread; only the events the kernel writes cost memory.
epoll_event* events_buffer(int maxevents) {
  struct Mapping {
    void* p = nullptr;
    std::size_t len = 0;
    ~Mapping() {
      if (p) munmap(p, len);
    }
  };
  thread_local Mapping m;
  const std::size_t need =
      (static_cast<std::size_t>(std::max(maxevents, 1)) * sizeof(epoll_event) + 4095) & ~4095ul;
  if (m.len < need) {
    if (m.p) munmap(m.p, m.len);
    m.p = mmap(nullptr, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
               -1, 0);
    if (m.p == MAP_FAILED) {
      m = {};
      throw RealCallError(std::string("cannot map an events array of ") + std::to_string(need) +
                          " bytes: " + std::strerror(errno));
    }
    m.len = need;
  }
  return static_cast<epoll_event*>(m.p);
}

// A regular file (no ->poll): an unnamed temporary file.
long open_regular() {
  int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
  if (fd < 0) {
    char path[] = "/tmp/epollscope-regular-XXXXXX";
    fd = mkstemp(path);
    if (fd >= 0) unlink(path);
  }
  return fd;
}

}  // namespace

bool RealFds::is_tcp(int fd) const {
  std::lock_guard<std::mutex> l(lock_);
  return tcp_.count(fd) > 0;
}

void RealFds::note_tcp(int fd, bool add) {
  std::lock_guard<std::mutex> l(lock_);
  if (add)
    tcp_.insert(fd);
  else
    tcp_.erase(fd);
  busy_ = true;
}

bool RealFds::take_network_busy() {
  std::lock_guard<std::mutex> l(lock_);
  const bool was = busy_;
  busy_ = false;
  return was;
}

std::vector<int> RealFds::tcp_fds() const {
  std::lock_guard<std::mutex> l(lock_);
  return {tcp_.begin(), tcp_.end()};
}

void RealFds::clear() {
  std::lock_guard<std::mutex> l(lock_);
  tcp_.clear();
  busy_ = false;
}

CallResult perform_real_call(const ResolvedCall& c, RealFds& fds) {
  auto fd = [&](std::size_t i) { return static_cast<int>(c.values[i]); };
  auto num = [&](std::size_t i) { return c.values[i]; };
  // Loopback traffic of a TCP socket needs a moment to settle after the call.
  auto touched = [&](int f) {
    if (fds.is_tcp(f)) fds.note_tcp(f, true);
  };
  CallResult o;
  switch (c.call) {
    case CallId::kEpollCreate:
      return result_of(epoll_create(static_cast<int>(num(0))));
    case CallId::kEpollCreate1:
      return result_of(epoll_create1(static_cast<int>(num(0))));
    case CallId::kEpollCtl: {
      epoll_event ev{};
      ev.events = static_cast<uint32_t>(num(3));
      ev.data.u64 = static_cast<uint64_t>(num(4));
      return result_of(
          epoll_ctl(fd(0), static_cast<int>(num(1)), fd(2), c.is_null[3] ? nullptr : &ev));
    }
    case CallId::kEpollWait: {
      const int maxevents = static_cast<int>(num(2));
      // Room for every event the kernel may write; maxevents it refuses (<= 0 or above
      // EP_MAX_EVENTS) get one page, which it never touches.
      epoll_event* where = nullptr;
      if (!c.is_null[1])
        where = events_buffer(maxevents > 0 && maxevents <= sim::kEP_MAX_EVENTS ? maxevents : 1);
      const int r = epoll_wait(fd(0), where, maxevents, static_cast<int>(num(3)));
      o = result_of(r);
      for (int i = 0; i < r && where; ++i)
        o.events.push_back({where[i].events, where[i].data.u64});
      return o;
    }
    case CallId::kPipe:
    case CallId::kPipe2: {
      int p[2];
      o = result_of(pipe2(p, c.call == CallId::kPipe2 ? static_cast<int>(num(2)) : 0));
      if (o.ret == 0) o.fds = {p[0], p[1]};
      return o;
    }
    case CallId::kSocketpair: {
      int p[2];
      o = result_of(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p));
      if (o.ret == 0) o.fds = {p[0], p[1]};
      return o;
    }
    case CallId::kEventfd:
      return result_of(eventfd(static_cast<unsigned>(num(0)), static_cast<int>(num(1))));
    case CallId::kTcpListen:
      o = result_of(tcp_listen(static_cast<int>(num(0))));
      if (o.ret >= 0) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kTcpConnect:
      o = result_of(tcp_connect(fd(0)));
      if (o.ret >= 0) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kAccept:
      o = result_of(accept4(fd(0), nullptr, nullptr, SOCK_NONBLOCK));
      if (o.ret >= 0) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kWrite:
    case CallId::kSend: {
      // The count is the kernel's to judge (EFAULT, MAX_RW_COUNT): never an allocation here.
      const std::size_t size = c.has_text ? c.text.size() : static_cast<std::size_t>(num(1));
      const char* data = c.has_text ? c.text.data() : write_source(size);
      o = result_of(c.call == CallId::kWrite ? ::write(fd(0), data, size)
                                             : ::send(fd(0), data, size, static_cast<int>(num(2))));
      touched(fd(0));
      return o;
    }
    case CallId::kRead:
    case CallId::kRecv: {
      const std::size_t size = static_cast<std::size_t>(num(1));
      char small[4096];
      char* data = size <= sizeof small ? small : user_buffer();
      o = result_of(c.call == CallId::kRead ? ::read(fd(0), data, size)
                                            : ::recv(fd(0), data, size, static_cast<int>(num(2))));
      touched(fd(0));
      return o;
    }
    case CallId::kEventfdWrite: {
      const uint64_t value = static_cast<uint64_t>(num(1));
      return result_of(::write(fd(0), &value, sizeof value));
    }
    case CallId::kEventfdRead: {
      uint64_t value = 0;
      o = result_of(::read(fd(0), &value, sizeof value));
      if (o.ret == 8 && is_eventfd(fd(0))) o.counter = value;
      return o;
    }
    case CallId::kShutdown:
      o = result_of(shutdown(fd(0), static_cast<int>(num(1))));
      touched(fd(0));
      return o;
    case CallId::kSetsockopt: {
      const int value = static_cast<int>(num(3));
      o = result_of(setsockopt(fd(0), static_cast<int>(num(1)), static_cast<int>(num(2)), &value,
                               sizeof value));
      touched(fd(0));  // TCP_NODELAY and uncorking push held data out
      return o;
    }
    case CallId::kGetsockopt: {
      int value = 0;
      socklen_t len = sizeof value;
      o = result_of(
          getsockopt(fd(0), static_cast<int>(num(1)), static_cast<int>(num(2)), &value, &len));
      if (o.ret == 0) o.counter = static_cast<uint64_t>(static_cast<int64_t>(value));
      return o;
    }
    case CallId::kClose: {
      const bool tcp = fds.is_tcp(fd(0));
      o = result_of(close(fd(0)));
      if (tcp && o.ret == 0) fds.note_tcp(fd(0), false);
      return o;
    }
    case CallId::kDup:
      o = result_of(dup(fd(0)));
      if (o.ret >= 0 && fds.is_tcp(fd(0))) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kDup2:
      o = result_of(dup2(fd(0), fd(1)));
      if (o.ret >= 0 && fds.is_tcp(fd(0))) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kOpenRegular:
      return result_of(open_regular());
    case CallId::kSetrlimitNofile: {
      rlimit rl{};
      getrlimit(RLIMIT_NOFILE, &rl);
      rl.rlim_cur = static_cast<rlim_t>(num(0));
      return result_of(setrlimit(RLIMIT_NOFILE, &rl));
    }
    case CallId::kSleep: {
      // Made only while a TCP timer that the model keeps is armed (live/tcp_settle.h): the
      // kernel's timers need the wall clock. Once none is armed any more, the rest of the sleep
      // changes nothing in the kernel and passes on the virtual clock alone.
      auto left = std::chrono::milliseconds(num(0));
      constexpr std::chrono::milliseconds kSlice{5};
      while (left.count() > 0 && tcp_timer_pending(fds)) {
        const auto slice = std::min(left, kSlice);
        std::this_thread::sleep_for(slice);
        left -= slice;
      }
      return result_of(0);
    }
    case CallId::kFcntl:
      return result_of(
          ::fcntl(fd(0), static_cast<int>(num(1)), static_cast<unsigned long>(num(2))));
    case CallId::kAccept4:
      o = result_of(accept4(fd(0), nullptr, nullptr, static_cast<int>(num(1))));
      if (o.ret >= 0) fds.note_tcp(static_cast<int>(o.ret), true);
      return o;
    case CallId::kEpollPwait:
    case CallId::kEpollPwait2: {
      const int maxevents = static_cast<int>(num(2));
      epoll_event* where = nullptr;
      if (!c.is_null[1])
        where = events_buffer(maxevents > 0 && maxevents <= sim::kEP_MAX_EVENTS ? maxevents : 1);
      // The mask: signals 1-32 as bits, in a whole kernel sigset (8 bytes on x86-64).
      uint64_t set = static_cast<uint32_t>(num(4));
      const uint64_t* mask = c.is_null[4] ? nullptr : &set;
      long r;
      if (c.call == CallId::kEpollPwait) {
        r = syscall(SYS_epoll_pwait, fd(0), where, maxevents, static_cast<int>(num(3)), mask,
                    sizeof set);
      } else {
        const int64_t ns = num(3);
        timespec ts{};
        ts.tv_sec = ns / 1000000000 - (ns % 1000000000 != 0 && ns < 0 ? 1 : 0);
        ts.tv_nsec = ns - ts.tv_sec * 1000000000;
        r = syscall(SYS_epoll_pwait2, fd(0), where, maxevents, c.is_null[3] ? nullptr : &ts, mask,
                    sizeof set);
      }
      o = result_of(r);
      for (long i = 0; i < r && where; ++i)
        o.events.push_back({where[i].events, where[i].data.u64});
      return o;
    }
    case CallId::kPoll:
    case CallId::kPpoll: {
      // poll(2) or ppoll(2) itself (glibc's poll is poll(2) on x86-64; the raw calls keep them
      // so elsewhere). NULL as the array is passed with the nfds written.
      std::vector<pollfd> array;
      for (const ResolvedCall::Item& item : c.list(0))
        array.push_back(pollfd{static_cast<int>(item.fd), static_cast<short>(item.events), 0});
      pollfd* where = c.is_null[0] || array.empty() ? nullptr : array.data();
      const auto nfds = static_cast<nfds_t>(static_cast<uint32_t>(num(1)));
      long r;
      if (c.call == CallId::kPoll) {
        r = syscall(SYS_poll, where, nfds, static_cast<int>(num(2)));
      } else {
        timespec ts = timespec_of(num(2));
        uint64_t set = static_cast<uint32_t>(num(3));
        r = syscall(SYS_ppoll, where, nfds, pointer_arg(c, 2, &ts), c.is_null[3] ? nullptr : &set,
                    sizeof set);
      }
      o = result_of(r);
      for (std::size_t i = 0; r > 0 && i < array.size(); ++i)
        if (array[i].revents)
          o.events.push_back(
              {static_cast<uint16_t>(array[i].revents), static_cast<uint64_t>(array[i].fd)});
      return o;
    }
    case CallId::kSelect:
    case CallId::kPselect6: {
      // select(2) or pselect6(2) itself, with bit arrays as long as nfds says (a glibc fd_set
      // has only FD_SETSIZE = 1024 bits; the kernel reads as many as nfds, up to its fd table's
      // size), bounded by sim::script::kMaxSelectFd, above which no fd can be open. A BADPTR set
      // is passed as that address and never read back.
      const int nfds = static_cast<int>(num(0));
      const int64_t bits = std::clamp<int64_t>(nfds, 0, sim::script::kMaxSelectFd + 64);
      const std::size_t words = static_cast<std::size_t>((bits + 63) / 64) + 1;
      std::array<std::vector<unsigned long>, 3> sets;
      std::array<unsigned long*, 3> where{};
      std::array<void*, 3> passed{};
      for (std::size_t s = 0; s < 3; ++s) {
        if (c.is_null[s + 1]) {
          passed[s] = pointer_arg<void>(c, s + 1, nullptr);
          continue;
        }
        sets[s].assign(words, 0);
        for (const ResolvedCall::Item& item : c.list(s + 1))
          if (item.fd >= 0 && item.fd < bits)
            sets[s][static_cast<std::size_t>(item.fd) / 64] |= 1UL << (item.fd % 64);
        where[s] = sets[s].data();
        passed[s] = where[s];
      }
      long r;
      if (c.call == CallId::kSelect) {
        // A struct timeval of tv_sec = ms / 1000 (rounded down) and tv_usec the rest.
        timeval tv{};
        const int64_t ms = num(4);
        tv.tv_sec = ms / 1000 - (ms % 1000 != 0 && ms < 0 ? 1 : 0);
        tv.tv_usec = (ms - tv.tv_sec * 1000) * 1000;
        r = syscall(SYS_select, nfds, passed[0], passed[1], passed[2], pointer_arg(c, 4, &tv));
      } else {
        // pselect6's sixth argument: the mask's address and size, packed.
        timespec ts = timespec_of(num(4));
        uint64_t set = static_cast<uint32_t>(num(5));
        struct {
          const void* ss;
          std::size_t len;
        } pack{c.is_null[5] ? nullptr : &set, sizeof set};
        r = syscall(SYS_pselect6, nfds, passed[0], passed[1], passed[2], pointer_arg(c, 4, &ts),
                    &pack);
      }
      o = result_of(r);
      // The kernel writes the bits below nfds clamped to its fd table's size (max_fds), which
      // this process cannot see; bits set above that stay as given. The result bits are the first
      // r in fd order, so reading stops there.
      long seen = 0;
      for (int64_t fd = 0; seen < r && fd < bits; ++fd) {
        uint32_t in = 0;
        const auto word = static_cast<std::size_t>(fd / 64);
        const unsigned long bit = 1UL << (fd % 64);
        if (where[0] && (sets[0][word] & bit)) in |= 0x1;  // readfds
        if (where[1] && (sets[1][word] & bit)) in |= 0x4;  // writefds
        if (where[2] && (sets[2][word] & bit)) in |= 0x2;  // exceptfds
        if (in) o.events.push_back({in, static_cast<uint64_t>(fd)});
        seen += __builtin_popcount(in);
      }
      return o;
    }
    case CallId::kIoctl: {
      const auto request = static_cast<unsigned long>(static_cast<uint32_t>(num(1)));
      int value = static_cast<int>(num(2));
      o = result_of(::ioctl(fd(0), request, c.is_null[2] ? nullptr : &value));
      if (o.ret == 0 && request == FIONREAD) o.counter = static_cast<uint64_t>(value);
      return o;
    }
  }
  errno = EINVAL;
  return result_of(-1);
}

void with_nofile_lifted(const std::function<void()>& fn) {
  rlimit rl{};
  bool lift = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max;
  if (lift) {
    const rlimit lifted{rl.rlim_max, rl.rlim_max};
    lift = setrlimit(RLIMIT_NOFILE, &lifted) == 0;
  }
  fn();
  if (lift) setrlimit(RLIMIT_NOFILE, &rl);
}

sim::RlimitNofile scenario_rlimit_nofile() {
  sim::RlimitNofile r;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    r.max = rl.rlim_max;
    r.cur = std::min<uint64_t>(1024, rl.rlim_max);
  }
  if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
    unsigned long long n = 0;
    if (std::fscanf(f, "%llu", &n) == 1) r.nr_open = n;
    std::fclose(f);
  }
  return r;
}

}  // namespace epollscope::live
