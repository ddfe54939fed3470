// SPDX-License-Identifier: GPL-2.0-only
// sim/trace.h — the step trace: what the model did inside one syscall, at the level of kernel
// functions.
//
// Every mirrored kernel function that changes state (or decides not to, when the decision is the
// lesson: "key filtered", "already on the ready list") reports one TraceStep: the function's name,
// one plain sentence, and the objects it touched, so that the terminal replay can print it and the
// GUI can highlight those objects. Steps nest: a wake-up inside a write inside a syscall has depth
// 2, the ep_poll_callback it calls has depth 3.
//
// Tracing is off unless a TraceSink is attached to the Kernel; with it off the model builds no
// strings (every call site asks KernelContext::tracing() first, sim/context.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace epollscope::sim {

enum class ObjKind : uint8_t {
  kFile,       // an open file description (struct file)
  kEventPoll,  // struct eventpoll
  kEpItem,     // struct epitem
  kWaitQueue,  // a wait_queue_head_t
  kTask,       // a thread of the simulated process
  kFd,         // a slot of the fd table (id = the fd number)
};

struct ObjRef {
  ObjKind kind;
  uint32_t id;
  friend bool operator==(const ObjRef&, const ObjRef&) = default;
};

// What sort of step this is; the GUI picks its animation from it.
enum class StepKind : uint8_t {
  kSyscall,    // a syscall starts (its arguments) or returns (its result)
  kFdTable,    // fd allocated, installed, closed
  kFileOp,     // a file's own read/write/poll/release work (bytes moved, state changed)
  kWakeUp,     // __wake_up_common walks a wait queue
  kCallback,   // ep_poll_callback (or a task's wake function) runs for one entry
  kReadyList,  // an epitem joins or leaves rdllist / txlist / ovflist
  kTree,       // rbr insert/erase, each rotation and recolouring
  kScan,       // ep_send_events / ep_start_scan / ep_done_scan / a poll of an item
  kTask,       // a task blocks, is woken, times out, runs again
  kCheck,      // a check that decides an errno or a limit (loop check, path check)
};

struct TraceStep {
  uint64_t seq = 0;   // running number of the step in this kernel's life
  uint32_t call = 0;  // running number of the syscall the step belongs to
  uint8_t depth = 0;  // nesting: 0 = the syscall itself
  StepKind kind = StepKind::kSyscall;
  const char* function = "";  // the kernel function this step mirrors
  std::string text;           // one plain sentence
  std::vector<ObjRef> touched;
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Called after the step's effect is applied, so the state the sink sees is the state "after".
  virtual void on_step(const TraceStep& step) = 0;
};

}  // namespace epollscope::sim
