// SPDX-License-Identifier: GPL-2.0-only
// sim/context.h — what every room of the model below the syscall layer reaches: the trace, the
// numbering of objects, the kernel profile, and the two kernel-wide services a wake-up or a
// release runs into (the scheduler and the statics of fs/eventpoll.c).
//
// In the kernel these are globals: `current` and the runqueues, printk and tracepoints, the
// statics of each file. The model has no globals (two Kernels may live side by side in one test),
// so each Kernel owns one KernelContext and hands it down: a file's ->poll(), ->read(), ->write()
// and ->release(), a wait-queue function, the eventpoll code all take a KernelContext&. None of
// them sees the syscall layer (sim/kernel.h): the fd table and the syscalls are out of their reach,
// as they are out of reach of fs/pipe.c.
//
// Who owns what: the Kernel owns the context, the Scheduler and the EpollGlobals side by side and
// binds the context to the other two when it is made; the context owns the trace counters, the id
// and label counters, and refers to the profile (which outlives every Kernel).
//
// The order things happen in, for the trace: the syscall layer counts a call (count_call), traces
// its entry, enters one level of nesting for the call's body and leaves it before tracing the
// result. Every mirrored function reports its step through step(), which stamps the running
// sequence number, the call number and the current depth; a Nest is one level deeper for the
// steps of a callee ("__wake_up_common" inside "anon_pipe_write"). With no sink attached nothing
// is built: every call site asks tracing() first.
//
// Invariants: ids are unique over the Kernel's life and never reused (files, epitems, wait queues,
// tasks and epolls share one counter, so an id names one object in a trace); the depth is back to
// 0 between calls.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "sim/profile.h"
#include "sim/trace.h"

namespace epollscope::sim {

class Scheduler;
struct EpollGlobals;

class KernelContext {
 public:
  KernelContext(const KernelProfile& profile, Scheduler& sched, EpollGlobals& epoll)
      : profile_(profile), sched_(sched), epoll_(epoll) {}
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

  const KernelProfile& profile() const { return profile_; }

  // --- the kernel-wide services ------------------------------------------------------------
  Scheduler& sched() { return sched_; }     // try_to_wake_up, the clock, the scan hook
  EpollGlobals& epoll() { return epoll_; }  // the statics of fs/eventpoll.c (sim/eventpoll.h)

  // --- ids and labels ----------------------------------------------------------------------
  uint32_t new_id() { return ++next_id_; }
  // "pipe#2": labels are numbered per kind, in creation order, for people to read.
  std::string new_label(const std::string& kind) {
    return kind + "#" + std::to_string(++label_counts_[kind]);
  }

  // --- tracing -----------------------------------------------------------------------------
  void set_trace_sink(TraceSink* sink) { sink_ = sink; }
  TraceSink* trace_sink() const { return sink_; }
  bool tracing() const { return sink_ != nullptr; }
  void step(StepKind kind, const char* function, std::string text,
            std::initializer_list<ObjRef> touched = {});
  void step(StepKind kind, const char* function, std::string text, std::vector<ObjRef> touched);
  // The running number of the syscall (or resumed syscall) the model is in.
  uint32_t call_number() const { return call_; }
  void count_call() { ++call_; }
  // One level deeper for the steps that follow; leave() undoes it. The syscall layer uses the
  // pair around a call's body, everything else a Nest.
  void enter() { ++depth_; }
  void leave() { --depth_; }
  // RAII nesting of trace steps.
  class Nest {
   public:
    explicit Nest(KernelContext& k) : k_(k) { k_.enter(); }
    ~Nest() { k_.leave(); }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    KernelContext& k_;
  };

 private:
  const KernelProfile& profile_;
  Scheduler& sched_;
  EpollGlobals& epoll_;
  TraceSink* sink_ = nullptr;
  uint64_t seq_ = 0;   // the last step's sequence number
  uint32_t call_ = 0;  // the current call's number
  uint8_t depth_ = 0;  // nesting of the next step
  uint32_t next_id_ = 0;
  std::map<std::string, uint32_t> label_counts_;
};

}  // namespace epollscope::sim
