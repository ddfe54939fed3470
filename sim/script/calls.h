// sim/script/calls.h — the calls a scenario may make: their arguments, what they return, which
// expectations make sense for them. The parser checks statements against this table; the runners
// (model and live) and export-c implement each entry.
#pragma once

#include <string_view>
#include <vector>

namespace epollscope::sim::script {

enum class ArgKind : uint8_t {
  kFd,           // an fd name, or a number (-1, 999: to provoke EBADF)
  kNewFd,        // a name this call defines (pipe(r, w))
  kInt,          // a number
  kFlags,        // a number or C flags joined with |
  kFlagsOrNull,  // epoll_ctl's event: flags, or NULL for a pointer that faults
  kBytes,        // a byte count or a "string" (its length is written)
  kBuffer,       // epoll_wait's buffer: `events` (valid) or NULL (faults when an event is copied)
};

enum class ResultKind : uint8_t {
  kNothing,  // sleep: no result to expect
  kStatus,   // 0, or -1 and errno
  kFd,       // a new fd (may be assigned to a name), or -1 and errno
  kCount,    // a byte count, or -1 and errno
  kEvents,   // epoll_wait: the events, or -1 and errno
  kValue,    // eventfd_read: the counter value read, or -1 and errno
};

struct CallSpec {
  const char* name;
  std::vector<ArgKind> args;
  int required;  // how many of `args` must be given; the rest are optional
  ResultKind result;
  bool may_sleep;       // `=> blocks` makes sense
  const char* usage;    // "epoll_ctl(ep, op, fd, events [, data])"
  const char* summary;  // one line for the language reference
};

const CallSpec* find_call(std::string_view name);
const std::vector<CallSpec>& all_calls();

}  // namespace epollscope::sim::script
