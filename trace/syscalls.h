// SPDX-License-Identifier: GPL-2.0-only
// trace/syscalls.h — the system calls `epollscope trace` stops a program on (x86_64), and how
// each is mirrored in the model.
//
// The seccomp-bpf filter (trace/tracer.cpp) stops the program only at these calls, as
// `strace --seccomp-bpf -e trace=...` does; every other call runs untouched. The list has three
// parts: the calls the model performs itself (epoll_*, pipe, eventfd, reads and writes, close,
// dup, fcntl, ioctl ...), the calls that pass through to an observed file (socket, bind, listen,
// accept, connect, shutdown: the model cannot simulate a socket whose peer is another program),
// and every other call that creates or replaces fds (open, timerfd_create, signalfd, inotify,
// io_uring_setup, clone, execve ...), so that the model's fd table stays the program's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace epollscope::trace {

enum class MirrorKind : uint8_t {
  kModel,    // the model performs the call (on a simulated file) and its answer is compared
  kPass,     // the call runs on an observed file: the model takes the kernel's answer
  kCreates,  // the call creates an fd the model cannot simulate: it becomes an observed file
  kProcess,  // clone, fork, execve: threads and processes
};

struct TracedSyscall {
  long nr;
  const char* name;
  MirrorKind mirror;
};

// What a read, write, readv, writev, recvfrom, sendto, recvmsg or sendmsg asks for, read from the
// stopped program's arguments `args` (its iovec and msghdr through `read_mem`): the first buffer,
// the byte count, the flags, and what the model cannot mirror (an iovec it cannot read or of more
// than 1024 entries, control data, a destination address). The mirror and the recorder share it.
struct IoArgs {
  uint64_t buf = 0;
  uint64_t count = 0;
  int flags = 0;
  bool iov_ok = true;
  bool control = false;  // msg_control (SCM_RIGHTS and the like)
  bool named = false;    // a sendto/sendmsg destination address
};
using ReadMem = std::function<bool(uint64_t addr, void* buf, std::size_t n)>;
IoArgs io_args(long nr, const uint64_t* args, const ReadMem& read_mem);

// Every call the filter stops on, in syscall-number order.
const std::vector<TracedSyscall>& traced_syscalls();
// The entry for `nr`, or nullptr when the program is not stopped on it.
const TracedSyscall* find_traced(long nr);
// The name of any x86_64 syscall this file knows ("syscall_291" otherwise).
std::string_view syscall_name(long nr);
// The comma-separated list of names, for `strace -e trace=` (the benchmark compares both).
std::string traced_names();

}  // namespace epollscope::trace
