// SPDX-License-Identifier: GPL-2.0-only
#include "sim/script/calls.h"

#include <cassert>

#include "sim/uapi.h"

namespace epollscope::sim::script {

const std::vector<CallSpec>& all_calls() {
  using A = ArgKind;
  using R = ResultKind;
  using C = CallId;
  // id, name, arguments, result, may sleep, creates an epoll, changes interest lists, timeout
  // argument, usage, summary.
  static const std::vector<CallSpec> calls = {
      {C::kEpollCreate,
       "epoll_create",
       {{A::kInt, "size"}},
       R::kFd,
       false,
       true,
       false,
       -1,
       "ep = epoll_create(size)",
       "an epoll instance; size must be > 0 and is otherwise ignored"},
      {C::kEpollCreate1,
       "epoll_create1",
       {{A::kFlags, "flags"}},
       R::kFd,
       false,
       true,
       false,
       -1,
       "ep = epoll_create1(flags)",
       "an epoll instance; flags 0 or EPOLL_CLOEXEC"},
      {C::kEpollCtl,
       "epoll_ctl",
       {{A::kFd, "ep"},
        {A::kFlags, "op"},
        {A::kFd, "fd"},
        {A::kFlagsOrNull, "events"},
        {A::kInt, "data", true, 0, 2}},
       R::kStatus,
       false,
       false,
       true,
       -1,
       "epoll_ctl(ep, op, fd, events [, data])",
       "ADD, MOD or DEL fd; data defaults to fd's number; NULL as events is a pointer that faults"},
      {C::kEpollWait,
       "epoll_wait",
       {{A::kFd, "ep"}, {A::kBuffer, "events", true}, {A::kInt, "maxevents"}, {A::kInt, "timeout"}},
       R::kEvents,
       true,
       false,
       false,
       3,
       "epoll_wait(ep, [events | NULL,] maxevents, timeout_ms)",
       "harvest the ready list; expect the ordered events, e.g. => [rfd: EPOLLIN]"},
      {C::kPipe,
       "pipe",
       {{A::kNewFd, "r"}, {A::kNewFd, "w"}},
       R::kFdPair,
       false,
       false,
       false,
       -1,
       "pipe(r, w)",
       "a pipe with blocking ends"},
      {C::kPipe2,
       "pipe2",
       {{A::kNewFd, "r"}, {A::kNewFd, "w"}, {A::kFlags, "flags"}},
       R::kFdPair,
       false,
       false,
       false,
       -1,
       "pipe2(r, w, flags)",
       "a pipe; flags O_NONBLOCK, O_DIRECT, O_CLOEXEC"},
      {C::kSocketpair,
       "socketpair",
       {{A::kNewFd, "a"}, {A::kNewFd, "b"}},
       R::kFdPair,
       false,
       false,
       false,
       -1,
       "socketpair(a, b)",
       "a connected AF_UNIX stream socket pair, non-blocking"},
      {C::kEventfd,
       "eventfd",
       {{A::kInt, "initval"}, {A::kFlags, "flags"}},
       R::kFd,
       false,
       false,
       false,
       -1,
       "efd = eventfd(initval, flags)",
       "an eventfd; flags EFD_NONBLOCK, EFD_SEMAPHORE, EFD_CLOEXEC"},
      {C::kTcpListen,
       "tcp_listen",
       {{A::kInt, "backlog", true, 128}},
       R::kFd,
       false,
       false,
       false,
       -1,
       "l = tcp_listen([backlog])",
       "a non-blocking TCP listener on 127.0.0.1, ephemeral port (backlog 128 by default)"},
      {C::kTcpConnect,
       "tcp_connect",
       {{A::kFd, "l"}},
       R::kFd,
       false,
       false,
       false,
       -1,
       "c = tcp_connect(l)",
       "a non-blocking TCP socket connected to listener l"},
      {C::kAccept,
       "accept",
       {{A::kFd, "l"}},
       R::kFd,
       true,
       false,
       false,
       -1,
       "s = accept(l)",
       "take a connection from l (non-blocking socket)"},
      {C::kWrite,
       "write",
       {{A::kFd, "fd"}, {A::kBytes, "nbytes"}},
       R::kCount,
       true,
       false,
       false,
       -1,
       "write(fd, nbytes | \"text\")",
       "write bytes"},
      {C::kRead,
       "read",
       {{A::kFd, "fd"}, {A::kInt, "nbytes"}},
       R::kCount,
       true,
       false,
       false,
       -1,
       "read(fd, nbytes)",
       "read up to nbytes"},
      {C::kSend,
       "send",
       {{A::kFd, "fd"}, {A::kBytes, "nbytes"}, {A::kFlags, "flags", true}},
       R::kCount,
       true,
       false,
       false,
       -1,
       "send(fd, nbytes | \"text\" [, flags])",
       "send on a socket"},
      {C::kRecv,
       "recv",
       {{A::kFd, "fd"}, {A::kInt, "nbytes"}, {A::kFlags, "flags", true}},
       R::kCount,
       true,
       false,
       false,
       -1,
       "recv(fd, nbytes [, flags])",
       "receive"},
      {C::kEventfdWrite,
       "eventfd_write",
       {{A::kFd, "efd"}, {A::kInt, "value"}},
       R::kStatus,
       true,
       false,
       false,
       -1,
       "eventfd_write(efd, value)",
       "add value to the counter (0 on success, as glibc's eventfd_write)"},
      {C::kEventfdRead,
       "eventfd_read",
       {{A::kFd, "efd"}},
       R::kValue,
       true,
       false,
       false,
       -1,
       "eventfd_read(efd)",
       "read the counter; expect the value read, e.g. => 3"},
      {C::kShutdown,
       "shutdown",
       {{A::kFd, "fd"}, {A::kFlags, "how"}},
       R::kStatus,
       false,
       false,
       false,
       -1,
       "shutdown(fd, SHUT_RD | SHUT_WR | SHUT_RDWR)",
       "shut a socket down"},
      {C::kSetsockopt,
       "setsockopt",
       {{A::kFd, "fd"}, {A::kFlags, "level"}, {A::kFlags, "optname"}, {A::kInt, "value"}},
       R::kStatus,
       false,
       false,
       false,
       -1,
       "setsockopt(fd, SOL_SOCKET | IPPROTO_TCP, optname, value)",
       "set an int option: SO_SNDBUF, SO_RCVBUF (doubled, clamped), TCP_NODELAY, TCP_CORK"},
      {C::kGetsockopt,
       "getsockopt",
       {{A::kFd, "fd"}, {A::kFlags, "level"}, {A::kFlags, "optname"}},
       R::kValue,
       false,
       false,
       false,
       -1,
       "getsockopt(fd, SOL_SOCKET | IPPROTO_TCP, optname)",
       "read an int option; expect its value, e.g. => 8192"},
      {C::kClose,
       "close",
       {{A::kFd, "fd"}},
       R::kStatus,
       false,
       false,
       true,
       -1,
       "close(fd)",
       "close an fd (the file lives on while other fds refer to it)"},
      {C::kDup,
       "dup",
       {{A::kFd, "fd"}},
       R::kFd,
       false,
       false,
       false,
       -1,
       "x = dup(fd)",
       "a new fd for the same open file"},
      {C::kDup2,
       "dup2",
       {{A::kFd, "oldfd"}, {A::kFd, "newfd"}},
       R::kFd,
       false,
       false,
       true,
       -1,
       "dup2(oldfd, newfd)",
       "make newfd refer to oldfd's file"},
      {C::kOpenRegular,
       "open_regular",
       {},
       R::kFd,
       false,
       false,
       false,
       -1,
       "f = open_regular()",
       "a regular file: it has no ->poll, so epoll_ctl refuses it with EPERM"},
      {C::kSetrlimitNofile,
       "setrlimit_nofile",
       {{A::kInt, "n"}},
       R::kStatus,
       false,
       false,
       false,
       -1,
       "setrlimit_nofile(n)",
       "set the soft RLIMIT_NOFILE (fds >= n: EMFILE; above the hard limit: EINVAL)"},
      {C::kSleep,
       "sleep",
       {{A::kInt, "ms"}},
       R::kNothing,
       false,
       false,
       false,
       0,
       "sleep(ms)",
       "let time pass, so that timeouts of sleeping threads expire"},
      {C::kFcntl,
       "fcntl",
       {{A::kFd, "fd"}, {A::kFlags, "cmd"}, {A::kInt, "arg", true}},
       R::kCount,
       false,
       false,
       false,
       -1,
       "fcntl(fd, cmd [, arg])",
       "F_GETFL/F_SETFL (O_NONBLOCK, O_APPEND, O_DIRECT, O_ASYNC, O_NOATIME), F_GETFD/F_SETFD "
       "(FD_CLOEXEC), F_GETPIPE_SZ/F_SETPIPE_SZ; expect the value, e.g. => O_RDWR | O_NONBLOCK"},
      {C::kAccept4,
       "accept4",
       {{A::kFd, "l"}, {A::kFlags, "flags"}},
       R::kFd,
       true,
       false,
       false,
       -1,
       "s = accept4(l, flags)",
       "take a connection from l; flags SOCK_NONBLOCK, SOCK_CLOEXEC (0: a blocking socket)"},
      {C::kEpollPwait,
       "epoll_pwait",
       {{A::kFd, "ep"},
        {A::kBuffer, "events", true},
        {A::kInt, "maxevents"},
        {A::kInt, "timeout"},
        {A::kFlagsOrNull, "sigmask"}},
       R::kEvents,
       true,
       false,
       false,
       3,
       "epoll_pwait(ep, [events | NULL,] maxevents, timeout_ms, sigmask | NULL)",
       "epoll_wait with a signal mask for the wait: NULL, or signals 1-32 as bits (0: the empty "
       "set; no signal is ever sent, so the mask changes nothing else)"},
      {C::kEpollPwait2,
       "epoll_pwait2",
       {{A::kFd, "ep"},
        {A::kBuffer, "events", true},
        {A::kInt, "maxevents"},
        {A::kIntOrNull, "timeout"},
        {A::kFlagsOrNull, "sigmask"}},
       R::kEvents,
       true,
       false,
       false,
       3,
       "epoll_pwait2(ep, [events | NULL,] maxevents, timeout_ns | NULL, sigmask | NULL)",
       "epoll_pwait with a struct timespec timeout: ns (tv_sec = ns / 10^9, tv_nsec the rest; "
       "negative: an invalid timespec), NULL waits for ever"},
      {C::kIoctl,
       "ioctl",
       {{A::kFd, "fd"}, {A::kFlags, "request"}, {A::kIntOrNull, "arg", true}},
       R::kValue,
       false,
       false,
       false,
       -1,
       "ioctl(fd, FIONREAD | FIONBIO [, arg | NULL])",
       "FIONREAD: expect the bytes readable (NULL: a pointer that faults); FIONBIO: arg 0 or 1 "
       "clears or sets O_NONBLOCK (expect 0)"},
      {C::kPoll,
       "poll",
       {{A::kPollFds, "fds"}, {A::kNfds, "nfds", true, 0, 0}, {A::kInt, "timeout"}},
       R::kEvents,
       true,
       false,
       false,
       2,
       "poll([fd: events, ...] | NULL, [nfds,] timeout_ms)",
       "poll(2): expect the entries whose revents are not 0, in array order, e.g. => [rfd: "
       "POLLIN|POLLRDNORM] (a closed fd: POLLNVAL; a negative fd is ignored); -1 waits for ever; "
       "NULL with nfds > 0 is an array that faults (EFAULT)"},
      {C::kSelect,
       "select",
       {{A::kInt, "nfds"},
        {A::kFdSet, "readfds"},
        {A::kFdSet, "writefds"},
        {A::kFdSet, "exceptfds"},
        {A::kTimePtr, "timeout"}},
       R::kEvents,
       true,
       false,
       false,
       4,
       "select(nfds, [fd, ...] | NULL, [fd, ...] | NULL, [fd, ...] | NULL, timeout_ms | NULL) "
       "(BADPTR: "
       "a pointer that faults, for a set or the timeout)",
       "select(2): expect each fd in a result set, in fd order, with the sets it is in, e.g. => "
       "[rfd: readfds, wfd: writefds]; NULL waits for ever, a negative timeout is EINVAL; BADPTR "
       "is a pointer that faults (EFAULT)"},
      {C::kPpoll,
       "ppoll",
       {{A::kPollFds, "fds"},
        {A::kNfds, "nfds", true, 0, 0},
        {A::kTimePtr, "timeout"},
        {A::kFlagsOrNull, "sigmask"}},
       R::kEvents,
       true,
       false,
       false,
       2,
       "ppoll([fd: events, ...] | NULL, [nfds,] timeout_ns | NULL, sigmask | NULL) (BADPTR: a "
       "timeout that faults)",
       "poll with a struct timespec timeout in ns (negative: an invalid timespec, EINVAL first; "
       "NULL waits for ever) and a signal mask for the wait"},
      {C::kPselect6,
       "pselect6",
       {{A::kInt, "nfds"},
        {A::kFdSet, "readfds"},
        {A::kFdSet, "writefds"},
        {A::kFdSet, "exceptfds"},
        {A::kTimePtr, "timeout"},
        {A::kFlagsOrNull, "sigmask"}},
       R::kEvents,
       true,
       false,
       false,
       4,
       "pselect6(nfds, [fd, ...] | NULL, [fd, ...] | NULL, [fd, ...] | NULL, timeout_ns | NULL, "
       "sigmask | NULL) (BADPTR: a pointer that faults, for a set or the timeout)",
       "select with a struct timespec timeout in ns (negative: EINVAL, before nfds is looked at; "
       "NULL waits for ever) and a signal mask for the wait"},
  };
  return calls;
}

const CallSpec& call_spec(CallId id) {
  const CallSpec& spec = all_calls()[static_cast<std::size_t>(id)];
  assert(spec.id == id && "all_calls() lists the calls in CallId order");
  return spec;
}

const char* call_name(CallId id) {
  return call_spec(id).name;
}

std::size_t required_arguments(const CallSpec& spec) {
  std::size_t n = 0;
  for (const auto& a : spec.args)
    n += a.optional ? 0 : 1;
  return n;
}

std::optional<std::vector<int>> place_arguments(const CallSpec& spec, std::size_t written) {
  const std::size_t total = spec.args.size();
  if (written > total || written < required_arguments(spec)) return std::nullopt;
  std::vector<bool> left_out(total, false);
  std::size_t to_leave = total - written;
  for (std::size_t i = total; i-- > 0 && to_leave > 0 && spec.args[i].optional;) {
    left_out[i] = true;
    --to_leave;
  }
  for (std::size_t i = 0; i < total && to_leave > 0; ++i)
    if (spec.args[i].optional &&
        (spec.args[i].kind == ArgKind::kBuffer || spec.args[i].kind == ArgKind::kNfds) &&
        !left_out[i]) {
      left_out[i] = true;
      --to_leave;
    }
  if (to_leave > 0) return std::nullopt;
  std::vector<int> place(total, -1);
  int next = 0;
  for (std::size_t i = 0; i < total; ++i)
    if (!left_out[i]) place[i] = next++;
  return place;
}

bool harvests_epoll(CallId id) {
  return id == CallId::kEpollWait || id == CallId::kEpollPwait || id == CallId::kEpollPwait2;
}

bool waits_for_events(CallId id) {
  return harvests_epoll(id) || takes_pollfds(id) || takes_fd_sets(id);
}

int64_t timeout_ms(CallId id, int64_t value, bool is_null) {
  if (id == CallId::kSelect) return is_null ? -1 : value;
  if (id != CallId::kEpollPwait2 && id != CallId::kPpoll && id != CallId::kPselect6) return value;
  if (is_null) return -1;
  if (value <= 0) return value < 0 ? -1 : 0;
  return value / 1000000 + (value % 1000000 ? 1 : 0);
}

std::string event_mask_names(CallId id, uint32_t mask) {
  if (takes_pollfds(id)) return mask_to_poll_names(mask);
  if (takes_fd_sets(id)) return select_sets_names(mask);
  return mask_to_c_names(mask);
}

const CallSpec* find_call(std::string_view name) {
  for (const auto& c : all_calls())
    if (name == c.name) return &c;
  return nullptr;
}

}  // namespace epollscope::sim::script
