// SPDX-License-Identifier: GPL-2.0-only
#include "trace/syscalls.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <algorithm>
#include <string>

namespace epollscope::trace {

namespace {

std::vector<TracedSyscall> make_table() {
  std::vector<TracedSyscall> t = {
      // The model performs these.
      {SYS_read, "read", MirrorKind::kModel},
      {SYS_write, "write", MirrorKind::kModel},
      {SYS_close, "close", MirrorKind::kModel},
      {SYS_ioctl, "ioctl", MirrorKind::kModel},
      {SYS_readv, "readv", MirrorKind::kModel},
      {SYS_writev, "writev", MirrorKind::kModel},
      {SYS_pipe, "pipe", MirrorKind::kModel},
      {SYS_dup, "dup", MirrorKind::kModel},
      {SYS_dup2, "dup2", MirrorKind::kModel},
      {SYS_sendto, "sendto", MirrorKind::kModel},
      {SYS_recvfrom, "recvfrom", MirrorKind::kModel},
      {SYS_sendmsg, "sendmsg", MirrorKind::kModel},
      {SYS_recvmsg, "recvmsg", MirrorKind::kModel},
      {SYS_shutdown, "shutdown", MirrorKind::kModel},
      {SYS_socketpair, "socketpair", MirrorKind::kModel},
      {SYS_setsockopt, "setsockopt", MirrorKind::kModel},
      {SYS_getsockopt, "getsockopt", MirrorKind::kModel},
      {SYS_fcntl, "fcntl", MirrorKind::kModel},
      {SYS_epoll_create, "epoll_create", MirrorKind::kModel},
      {SYS_epoll_wait, "epoll_wait", MirrorKind::kModel},
      {SYS_epoll_ctl, "epoll_ctl", MirrorKind::kModel},
      {SYS_epoll_pwait, "epoll_pwait", MirrorKind::kModel},
      {SYS_eventfd, "eventfd", MirrorKind::kModel},
      {SYS_eventfd2, "eventfd2", MirrorKind::kModel},
      {SYS_epoll_create1, "epoll_create1", MirrorKind::kModel},
      {SYS_dup3, "dup3", MirrorKind::kModel},
      {SYS_pipe2, "pipe2", MirrorKind::kModel},
      {SYS_accept4, "accept4", MirrorKind::kModel},
      {SYS_accept, "accept", MirrorKind::kModel},
      {SYS_epoll_pwait2, "epoll_pwait2", MirrorKind::kModel},
      {SYS_close_range, "close_range", MirrorKind::kModel},
      // Sockets the model watches on the real kernel.
      {SYS_socket, "socket", MirrorKind::kCreates},
      {SYS_connect, "connect", MirrorKind::kPass},
      {SYS_bind, "bind", MirrorKind::kPass},
      {SYS_listen, "listen", MirrorKind::kPass},
      // Other calls that make fds.
      {SYS_open, "open", MirrorKind::kCreates},
      {SYS_creat, "creat", MirrorKind::kCreates},
      {SYS_openat, "openat", MirrorKind::kCreates},
      {SYS_openat2, "openat2", MirrorKind::kCreates},
      {SYS_timerfd_create, "timerfd_create", MirrorKind::kCreates},
      {SYS_signalfd, "signalfd", MirrorKind::kCreates},
      {SYS_signalfd4, "signalfd4", MirrorKind::kCreates},
      {SYS_inotify_init, "inotify_init", MirrorKind::kCreates},
      {SYS_inotify_init1, "inotify_init1", MirrorKind::kCreates},
      {SYS_fanotify_init, "fanotify_init", MirrorKind::kCreates},
      {SYS_memfd_create, "memfd_create", MirrorKind::kCreates},
      {SYS_userfaultfd, "userfaultfd", MirrorKind::kCreates},
      {SYS_perf_event_open, "perf_event_open", MirrorKind::kCreates},
      {SYS_io_uring_setup, "io_uring_setup", MirrorKind::kCreates},
      {SYS_pidfd_open, "pidfd_open", MirrorKind::kCreates},
      {SYS_pidfd_getfd, "pidfd_getfd", MirrorKind::kCreates},
      {SYS_memfd_secret, "memfd_secret", MirrorKind::kCreates},
      // Threads and processes.
      {SYS_clone, "clone", MirrorKind::kProcess},
      {SYS_fork, "fork", MirrorKind::kProcess},
      {SYS_vfork, "vfork", MirrorKind::kProcess},
      {SYS_execve, "execve", MirrorKind::kProcess},
      {SYS_execveat, "execveat", MirrorKind::kProcess},
      {SYS_clone3, "clone3", MirrorKind::kProcess},
  };
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.nr < b.nr; });
  return t;
}

}  // namespace

const std::vector<TracedSyscall>& traced_syscalls() {
  static const std::vector<TracedSyscall> table = make_table();
  return table;
}

const TracedSyscall* find_traced(long nr) {
  const auto& t = traced_syscalls();
  auto it = std::lower_bound(t.begin(), t.end(), nr,
                             [](const TracedSyscall& s, long n) { return s.nr < n; });
  return it != t.end() && it->nr == nr ? &*it : nullptr;
}

std::string_view syscall_name(long nr) {
  if (const TracedSyscall* s = find_traced(nr)) return s->name;
  switch (nr) {
    case SYS_exit:
      return "exit";
    case SYS_exit_group:
      return "exit_group";
    default:
      return "syscall";
  }
}

std::string traced_names() {
  std::string out;
  for (const auto& s : traced_syscalls()) {
    if (!out.empty()) out += ',';
    out += s.name;
  }
  return out;
}

IoArgs io_args(long nr, const uint64_t* args, const ReadMem& read_mem) {
  IoArgs io;
  auto sum_iov = [&](uint64_t addr, uint64_t n) {
    if (n > 1024) {
      io.iov_ok = false;
      return;
    }
    std::vector<iovec> iov(n);
    if (n && !read_mem(addr, iov.data(), n * sizeof(iovec))) {
      io.iov_ok = false;
      return;
    }
    for (const auto& v : iov)
      io.count += v.iov_len;
    if (n) io.buf = reinterpret_cast<uint64_t>(iov[0].iov_base);
  };
  switch (nr) {
    case SYS_read:
    case SYS_write:
      io.buf = args[1];
      io.count = args[2];
      break;
    case SYS_readv:
    case SYS_writev:
      sum_iov(args[1], args[2]);
      break;
    case SYS_recvfrom:
    case SYS_sendto:
      io.buf = args[1];
      io.count = args[2];
      io.flags = static_cast<int>(args[3]);
      io.named = nr == SYS_sendto && args[4] != 0;
      break;
    default: {  // recvmsg, sendmsg
      msghdr mh{};
      if (!read_mem(args[1], &mh, sizeof mh)) {
        io.iov_ok = false;
        break;
      }
      sum_iov(reinterpret_cast<uint64_t>(mh.msg_iov), mh.msg_iovlen);
      io.flags = static_cast<int>(args[2]);
      io.control = mh.msg_controllen > 0 && mh.msg_control;
      io.named = nr == SYS_sendmsg && mh.msg_name && mh.msg_namelen;
      break;
    }
  }
  return io;
}

}  // namespace epollscope::trace
