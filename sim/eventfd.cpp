// SPDX-License-Identifier: GPL-2.0-only
#include "sim/eventfd.h"

#include "sim/context.h"
#include "sim/file_table.h"
#include "sim/snapshot.h"
#include "sim/strings.h"
#include "sim/task.h"

namespace epollscope::sim {

namespace {
constexpr uint64_t kUllongMax = ~uint64_t{0};
}

EventFd::EventFd(KernelContext& k, uint64_t initval, int flags)
    : File(k, FileKind::kEventFd, kO_RDWR | (flags & kO_NONBLOCK), ""),
      count_(initval),
      semaphore_(flags & kEFD_SEMAPHORE) {
  label = k.new_label("eventfd");
  init_waitqueue_head(k, &wqh_, "wqh", ref(), label);
}

File* create_eventfd(KernelContext& k, FileTable& files, unsigned initval, int flags) {
  File* f = files.make_file<EventFd>(initval, flags);
  if (k.tracing())
    k.step(StepKind::kFileOp, "do_eventfd",
           cat(f->label, ": counter ", initval, flags & kEFD_SEMAPHORE ? ", semaphore mode" : ""),
           {f->ref()});
  return f;
}

poll_t EventFd::peek_poll() const {
  poll_t events = 0;
  if (count_ > 0) events |= kEPOLLIN;
  if (count_ == kUllongMax) events |= kEPOLLERR;
  if (kUllongMax - 1 > count_) events |= kEPOLLOUT;
  return events;
}

poll_t EventFd::poll(KernelContext& k, PollTable* pt) {
  poll_wait(k, this, &wqh_, pt);
  return peek_poll();
}

long EventFd::read(KernelContext& k, Task& task, IoRequest& io) {
  if (io.count < 8) return -kEINVAL;
  if (!count_) {
    if (nonblocking()) return -kEAGAIN;
    if (io.resumed && task.signal_pending) return interrupted(k, task, "eventfd_read");
    // wait_event_interruptible_locked_irq(wqh, count): a non-exclusive sleeper at the tail.
    prepare_to_wait_tail(k, &wqh_, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "eventfd_read", cat(label, " is 0: the reader sleeps on wqh"),
             {ref(), task.ref()});
    return kWouldSleep;
  }
  finish_wait(task);
  // eventfd_ctx_do_read
  uint64_t ucnt = semaphore_ ? 1 : count_;
  count_ -= ucnt;
  io.value = ucnt;
  if (k.tracing())
    k.step(StepKind::kFileOp, "eventfd_read",
           cat("read ", ucnt, " from ", label, "; the counter is now ", count_), {ref()});
  if (waitqueue_active(&wqh_)) wake_up_poll(k, &wqh_, kEPOLLOUT, "eventfd_read");
  return 8;
}

long EventFd::write(KernelContext& k, Task& task, IoRequest& io) {
  if (io.count != 8) return -kEINVAL;  // exactly 8 bytes (observed: 9 or 4096 give EINVAL)
  const uint64_t ucnt = io.value;
  if (ucnt == kUllongMax) return -kEINVAL;
  if (!(kUllongMax - count_ > ucnt)) {
    if (nonblocking()) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "eventfd_write",
               cat("adding ", ucnt, " to ", label, " would overflow: EAGAIN, no wake-up"), {ref()});
      return -kEAGAIN;
    }
    if (io.resumed && task.signal_pending) return interrupted(k, task, "eventfd_write");
    prepare_to_wait_tail(k, &wqh_, task);
    return kWouldSleep;
  }
  finish_wait(task);
  count_ += ucnt;
  if (k.tracing())
    k.step(StepKind::kFileOp, "eventfd_write",
           cat(ucnt, " added to ", label, "; the counter is now ", count_), {ref()});
  if (waitqueue_active(&wqh_)) wake_up_poll(k, &wqh_, kEPOLLIN, "eventfd_write");
  return 8;
}

void EventFd::release(KernelContext& k) {
  // The epitems watching this file were removed by eventpoll_release() already; this HUP can
  // only reach sleeping readers and poll()ers.
  wake_up_poll(k, &wqh_, kEPOLLHUP, "eventfd_release");
}

// wait_event_interruptible_locked_irq: the condition is still false and do_wait_intr_irq sees
// the signal: the entry leaves wqh and the call returns -ERESTARTSYS.
long EventFd::interrupted(KernelContext& k, Task& task, const char* function) {
  finish_wait(task);
  if (k.tracing())
    k.step(
        StepKind::kFileOp, function,
        cat(label, ": a signal is pending and the counter still does not allow it: -ERESTARTSYS"),
        {ref(), task.ref()});
  return -kERESTARTSYS;
}

void EventFd::describe(FileView& view) const {
  view.counter = count_;
  view.detail = cat("counter ", count_, semaphore_ ? " (semaphore)" : "");
}

}  // namespace epollscope::sim
