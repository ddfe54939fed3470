// SPDX-License-Identifier: GPL-2.0-only
// sim/invariants.h — the model's invariants as code.
//
// After every trace step (kMidCall) these must hold, because each step is reported only after a
// complete list or tree operation:
//   - every list (ready lists, txlists, wait queues) is a consistent circular list;
//   - rbr is a binary search tree in ep_cmp_ffd order with correct parent links;
//   - an epitem is "linked" (rdllink not empty) iff it is on its epoll's rdllist or on the running
//     scan's txlist, and on exactly one of them;
//   - an epitem's `next` is EP_UNACTIVE_PTR iff it is not on the ovflist chain, and the chain is
//     empty (EP_UNACTIVE_PTR) when no scan runs;
//   - every wait-queue entry belongs to a live epitem (its eppoll_entry, on the queue it names) or
//     to a sleeping task;
//   - every item is on its file's f_ep, every f_ep entry is an item of a live epoll.
// Between syscalls (kBetweenCalls) also:
//   - rbr satisfies the red-black properties and the leftmost cache is right;
//   - ep->refcount = 1 + number of items, the user's watch count = all items of all epolls;
//   - a file's f_count = fd slots that refer to it + sleeping syscalls that hold it;
//   - no scan is running, no task is runnable.
#pragma once

#include <string>

#include "sim/trace.h"

namespace epollscope::sim {

class Kernel;

enum class InvariantLevel { kMidCall, kBetweenCalls };

// "" when every invariant holds, else a sentence naming the first violation.
std::string check_invariants(const Kernel& k, InvariantLevel level);

// A trace sink that checks the mid-call invariants after every step and remembers the first
// violation (with the step that caused it). Attach it with Kernel::set_trace_sink, or chain it
// behind another sink.
class InvariantCheckingSink : public TraceSink {
 public:
  explicit InvariantCheckingSink(const Kernel& k, TraceSink* next = nullptr) : k_(k), next_(next) {}
  void on_step(const TraceStep& step) override;
  const std::string& first_violation() const { return first_violation_; }
  std::size_t steps_checked() const { return steps_; }

 private:
  const Kernel& k_;
  TraceSink* next_;
  std::string first_violation_;
  std::size_t steps_ = 0;
};

}  // namespace epollscope::sim
