// SPDX-License-Identifier: GPL-2.0-only
// sim/script/calls.h — the one table of the calls a scenario may make.
//
// Each call has an id (CallId) and a spec: its arguments, what it returns, whether it may sleep,
// its usage line. The parser checks statements against the table; the runner resolves arguments
// (filling omitted optional ones) and turns what a backend reports into an Outcome by the call's
// result kind, once for every backend (driver/backend.h, normalise). Every place that performs a
// call — the model (driver/model_backend.cpp), the real kernel (live/real_calls.cpp), the C
// exporter (live/export_c.cpp), the fuzz generator (fuzz/generator.cpp) and the libFuzzer decoder
// (tests/fuzz/fuzz_model.cpp) — switches over CallId without a default, and the build makes a
// missing case an error (-Werror=switch): a new call cannot be forgotten in one of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace epollscope::sim::script {

enum class CallId : uint8_t {
  kEpollCreate,
  kEpollCreate1,
  kEpollCtl,
  kEpollWait,
  kPipe,
  kPipe2,
  kSocketpair,
  kEventfd,
  kTcpListen,
  kTcpConnect,
  kAccept,
  kWrite,
  kRead,
  kSend,
  kRecv,
  kEventfdWrite,
  kEventfdRead,
  kShutdown,
  kSetsockopt,
  kGetsockopt,
  kClose,
  kDup,
  kDup2,
  kOpenRegular,
  kSetrlimitNofile,
  kSleep,
  kFcntl,
  kAccept4,
  kEpollPwait,
  kEpollPwait2,
  kIoctl,
  kPoll,
  kSelect,
  kPpoll,
  kPselect6,
};
inline constexpr int kCallCount = static_cast<int>(CallId::kPselect6) + 1;

enum class ArgKind : uint8_t {
  kFd,           // an fd name, or a number (-1, 999: to provoke EBADF)
  kNewFd,        // a name this call defines (pipe(r, w))
  kInt,          // a number
  kFlags,        // a number or C flags joined with |
  kFlagsOrNull,  // epoll_ctl's event: flags, or NULL for a pointer that faults
  kBytes,        // a byte count or a "string" (its length is written)
  kBuffer,       // epoll_wait's buffer: `events` (valid) or NULL (faults when an event is copied);
                 // it may be left out where it stands (epoll_wait(ep, 8, 0))
  kIntOrNull,    // a 64-bit number, or NULL for a null pointer (epoll_pwait2's timeout)
  kPollFds,      // poll's array: [fd: events, ...], each fd a name or a number (-1: ignored)
  kFdSet,        // one of select's sets: [fd, ...] (the fds whose bits are set), NULL, or BADPTR
  kNfds,         // poll's nfds: left out after an array (its length), written after NULL
  kTimePtr,      // a timeval or timespec: a number, NULL (for ever) or BADPTR (it faults)
};

// BADPTR, a pointer the kernel cannot read (an address that is never mapped): a scenario's way to
// make copy_from_user fault where NULL means something else (select's empty set, for ever). It is
// resolved as NULL is (ResolvedCall::is_null) but with this value where NULL has 0; the live child
// passes this address itself.
inline constexpr int64_t kBadPointer = 1;

// The highest fd a select set may name, plus one: fs.nr_open's default, above which no fd can be
// open (the live side allocates its bit arrays up to there, and no further).
inline constexpr int64_t kMaxSelectFd = int64_t{1} << 20;

struct ArgSpec {
  ArgKind kind;
  const char* name;  // in usage lines and messages: "ep", "maxevents"
  bool optional =
      false;             // may be left out (trailing arguments, kBuffer and kNfds where they stand)
  int64_t fallback = 0;  // the value of an omitted optional argument...
  int fallback_from_arg = -1;  // ... or the value of this earlier argument (epoll_ctl's data = fd)
};

enum class ResultKind : uint8_t {
  kNothing,  // sleep: no result to expect
  kStatus,   // 0, or -1 and errno (a byte count a wrapper hides, eventfd_write's 8, becomes 0)
  kFd,       // a new fd (may be assigned to a name), or -1 and errno
  kFdPair,   // 0 and two new fds (pipe, socketpair: the output arguments), or -1 and errno
  kCount,    // a byte count, or -1 and errno
  kEvents,   // epoll_wait: the number of events and the events, or -1 and errno
  kValue,    // eventfd_read: the counter value read (from another file: the count), or -1 and errno
};

struct CallSpec {
  CallId id;
  const char* name;
  std::vector<ArgSpec> args;
  ResultKind result;
  bool may_sleep;               // `=> blocks` makes sense
  bool creates_epoll;           // the new fd is an epoll instance
  bool changes_interest_lists;  // may add, change or remove epitems (epoll_ctl, close, dup2)
  int timeout_arg;              // the argument that is a timeout in ms (epoll_wait, sleep), or -1
  const char* usage;            // "epoll_ctl(ep, op, fd, events [, data])"
  const char* summary;          // one line for the language reference
};

// Every call, in CallId order.
const std::vector<CallSpec>& all_calls();
const CallSpec& call_spec(CallId id);
const char* call_name(CallId id);
// The spec of the call with this name, or nullptr.
const CallSpec* find_call(std::string_view name);

// Which of `written` arguments stands for each of the call's arguments, in the spec's order (-1:
// left out, so its fallback applies), or nullopt when the call cannot take that many. Optional
// arguments at the end are left out first, then a buffer where it stands (epoll_wait(ep, 8, 0)).
std::optional<std::vector<int>> place_arguments(const CallSpec& spec, std::size_t written);
// How many arguments the call needs at least.
std::size_t required_arguments(const CallSpec& spec);

// poll and ppoll, which take an array of struct pollfd; select and pselect6, which take fd sets.
inline bool takes_pollfds(CallId id) {
  return id == CallId::kPoll || id == CallId::kPpoll;
}
inline bool takes_fd_sets(CallId id) {
  return id == CallId::kSelect || id == CallId::kPselect6;
}

// epoll_wait, epoll_pwait and epoll_pwait2: the calls that harvest an epoll's ready list into a
// struct epoll_event array.
bool harvests_epoll(CallId id);
// Those, poll, ppoll, select and pselect6: calls that wait for events, with a timeout argument in
// ms.
bool waits_for_events(CallId id);
// The mask of one event of the call's result with the names a scenario writes: EPOLLIN for the
// epoll calls, POLLIN for poll and ppoll, readfds for select and pselect6.
std::string event_mask_names(CallId id, uint32_t mask);
// The call's timeout argument (`value`, as written) in ms, rounded up: epoll_pwait2's, ppoll's
// and pselect6's are in ns (NULL, which comes as 0 with `is_null`, waits for ever: -1; so does a
// BADPTR, which fails before any wait); select's NULL waits for ever too; every other timeout is in
// ms.
int64_t timeout_ms(CallId id, int64_t value, bool is_null = false);

}  // namespace epollscope::sim::script
