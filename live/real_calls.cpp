#include "live/real_calls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace epollscope::live {
namespace {

using sim::script::Outcome;
using sim::script::ResolvedCall;

Outcome result_of(long ret) {
  Outcome o;
  o.ret = ret < 0 ? -1 : ret;
  o.err = ret < 0 ? errno : 0;
  return o;
}

bool is_eventfd(int fd) {
  char path[48], target[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(path, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return std::strcmp(target, "anon_inode:[eventfd]") == 0;
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

void RealFds::clear() {
  std::lock_guard<std::mutex> l(lock_);
  tcp_.clear();
  busy_ = false;
}

Outcome perform_real_call(const ResolvedCall& c, RealFds& fds) {
  const auto& v = c.values;
  auto arg = [&](std::size_t i, int64_t fallback = 0) { return i < v.size() ? v[i] : fallback; };
  const std::string& n = c.call;
  Outcome o;
  auto fd_result = [&](long ret) {
    o = result_of(ret);
    if (ret >= 0) o.new_fds = {static_cast<int>(ret)};
  };
  if (n == "epoll_create") {
    fd_result(epoll_create(static_cast<int>(arg(0))));
  } else if (n == "epoll_create1") {
    fd_result(epoll_create1(static_cast<int>(arg(0))));
  } else if (n == "epoll_ctl") {
    epoll_event ev{};
    ev.events = static_cast<uint32_t>(arg(3));
    ev.data.u64 = static_cast<uint64_t>(v.size() > 4 ? arg(4) : arg(2));
    o = result_of(epoll_ctl(static_cast<int>(arg(0)), static_cast<int>(arg(1)),
                            static_cast<int>(arg(2)), c.is_null[3] ? nullptr : &ev));
  } else if (n == "epoll_wait") {
    const bool with_buffer = v.size() == 4;
    const int maxevents = static_cast<int>(arg(with_buffer ? 2 : 1));
    const int timeout = static_cast<int>(arg(with_buffer ? 3 : 2));
    // The kernel only checks that the whole range is user memory and writes as many events as are
    // ready; a scenario never has more than this many ready.
    std::vector<epoll_event> buf(static_cast<std::size_t>(std::max(1, std::min(maxevents, 65536))));
    epoll_event* where = with_buffer && c.is_null[1] ? nullptr : buf.data();
    int r = epoll_wait(static_cast<int>(arg(0)), where, maxevents, timeout);
    o = result_of(r);
    for (int i = 0; i < r && where; ++i)
      o.events.push_back(
          {buf[static_cast<std::size_t>(i)].events, buf[static_cast<std::size_t>(i)].data.u64});
  } else if (n == "pipe" || n == "pipe2") {
    int fds[2];
    o = result_of(pipe2(fds, n == "pipe2" ? static_cast<int>(arg(2)) : 0));
    if (o.ret == 0) o.new_fds = {fds[0], fds[1]};
  } else if (n == "socketpair") {
    int fds[2];
    o = result_of(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
    if (o.ret == 0) o.new_fds = {fds[0], fds[1]};
  } else if (n == "eventfd") {
    fd_result(eventfd(static_cast<unsigned>(arg(0)), static_cast<int>(arg(1))));
  } else if (n == "tcp_listen") {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd >= 0) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = 0;  // an ephemeral port: never a fixed one that may be in use
      if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
          listen(fd, static_cast<int>(v.empty() ? 128 : arg(0))) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
      }
    }
    fd_result(fd);
    if (fd >= 0) fds.note_tcp(fd, true);
  } else if (n == "tcp_connect") {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    long ret;
    if (getsockname(static_cast<int>(arg(0)), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ret = -1;
    } else if (a.sin_family != AF_INET) {
      errno = ENOTSOCK;
      ret = -1;
    } else {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 &&
          errno != EINPROGRESS) {
        // A refused connect still leaves the socket open with its error pending, as the model does.
      }
      ret = fd;
    }
    fd_result(ret);
    if (ret >= 0) fds.note_tcp(static_cast<int>(ret), true);
  } else if (n == "accept") {
    fd_result(accept4(static_cast<int>(arg(0)), nullptr, nullptr, SOCK_NONBLOCK));
    if (o.ret >= 0) fds.note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "write" || n == "send") {
    // The filler is kept from call to call (a fresh 300 KB buffer per write costs page faults).
    thread_local std::string filler;
    const std::size_t size = c.has_text ? c.text.size() : static_cast<std::size_t>(arg(1));
    if (!c.has_text && filler.size() < size) filler.assign(size, 'x');
    const char* data = c.has_text ? c.text.data() : filler.data();
    long r = n == "write" ? ::write(static_cast<int>(arg(0)), data, size)
                          : ::send(static_cast<int>(arg(0)), data, size, static_cast<int>(arg(2)));
    o = result_of(r);
    if (fds.is_tcp(static_cast<int>(arg(0)))) fds.note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "read" || n == "recv") {
    thread_local std::string buffer;
    const std::size_t size = static_cast<std::size_t>(arg(1));
    if (buffer.size() < size) buffer.resize(size);
    long r = n == "read" ? ::read(static_cast<int>(arg(0)), buffer.data(), size)
                         : ::recv(static_cast<int>(arg(0)), buffer.data(), size,
                                  static_cast<int>(arg(2)));
    o = result_of(r);
    if (fds.is_tcp(static_cast<int>(arg(0)))) fds.note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "eventfd_write") {
    uint64_t value = static_cast<uint64_t>(arg(1));
    long r = ::write(static_cast<int>(arg(0)), &value, sizeof value);
    o = result_of(r == 8 ? 0 : r);  // glibc's eventfd_write returns 0 (a short write: its count)
  } else if (n == "eventfd_read") {
    uint64_t value = 0;
    long r = ::read(static_cast<int>(arg(0)), &value, sizeof value);
    // The counter of an eventfd; from any other file the count read (the model keeps no bytes).
    if (r == 8 && is_eventfd(static_cast<int>(arg(0))))
      o.ret = static_cast<long>(value);  // up to 2^64 - 2: negative as a long, not an error
    else
      o = result_of(r);
  } else if (n == "shutdown") {
    o = result_of(shutdown(static_cast<int>(arg(0)), static_cast<int>(arg(1))));
    if (fds.is_tcp(static_cast<int>(arg(0)))) fds.note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "close") {
    const bool tcp = fds.is_tcp(static_cast<int>(arg(0)));
    o = result_of(close(static_cast<int>(arg(0))));
    if (tcp && o.ret == 0) fds.note_tcp(static_cast<int>(arg(0)), false);
  } else if (n == "dup") {
    fd_result(dup(static_cast<int>(arg(0))));
    if (o.ret >= 0 && fds.is_tcp(static_cast<int>(arg(0)))) fds.note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "dup2") {
    fd_result(dup2(static_cast<int>(arg(0)), static_cast<int>(arg(1))));
    if (o.ret >= 0 && fds.is_tcp(static_cast<int>(arg(0)))) fds.note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "open_regular") {
    int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    if (fd < 0) {
      char path[] = "/tmp/epollscope-regular-XXXXXX";
      fd = mkstemp(path);
      if (fd >= 0) unlink(path);
    }
    fd_result(fd);
  } else if (n == "setrlimit_nofile") {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = static_cast<rlim_t>(arg(0));
    o = result_of(setrlimit(RLIMIT_NOFILE, &rl));
  } else if (n == "sleep") {
    std::this_thread::sleep_for(std::chrono::milliseconds(arg(0)));
    o = result_of(0);
  } else {
    errno = EINVAL;
    o = result_of(-1);
  }
  return o;
}

}  // namespace epollscope::live
