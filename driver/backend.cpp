// SPDX-License-Identifier: GPL-2.0-only
#include "driver/backend.h"

#include "sim/strings.h"

namespace epollscope::driver {

using sim::script::ResultKind;

Outcome normalise(CallId call, const CallResult& raw) {
  Outcome o;
  o.blocked = raw.blocked;
  if (raw.blocked) return o;
  if (raw.ret < 0) {
    o.ret = -1;
    o.err = raw.err;
    return o;
  }
  o.ret = raw.ret;
  switch (sim::script::call_spec(call).result) {
    case ResultKind::kNothing:
    case ResultKind::kCount:
      break;
    case ResultKind::kStatus:
      o.ret = 0;  // eventfd_write: glibc's wrapper returns 0 for the 8 bytes written
      break;
    case ResultKind::kFd:
      o.new_fds = {static_cast<int>(raw.ret)};
      break;
    case ResultKind::kFdPair:
      o.new_fds = raw.fds;
      break;
    case ResultKind::kEvents:
      o.events = raw.events;
      break;
    case ResultKind::kValue:
      // The counter of an eventfd (up to 2^64 - 2: negative as a long, not an error); from any
      // other file the count read, as neither the model nor the scenario keeps its bytes.
      if (raw.counter) o.ret = static_cast<long>(*raw.counter);
      break;
  }
  return o;
}

std::string describe_outcome(const Outcome& o, CallId call) {
  using sim::cat;
  const ResultKind kind = sim::script::call_spec(call).result;
  if (o.blocked) return "blocks";
  if (kind == ResultKind::kValue && o.err == 0) return std::to_string(static_cast<uint64_t>(o.ret));
  if (o.ret < 0) return cat("-1 ", sim::errno_name(o.err));
  std::string out = std::to_string(o.ret);
  if (kind == ResultKind::kEvents) {
    out += " [";
    for (std::size_t i = 0; i < o.events.size(); ++i)
      out += cat(i ? ", " : "", o.events[i].data, ": ",
                 sim::script::event_mask_names(call, o.events[i].events));
    out += "]";
  }
  if (o.new_fds.size() == 2) out += cat(" (fds ", o.new_fds[0], ", ", o.new_fds[1], ")");
  return out;
}

}  // namespace epollscope::driver
