// SPDX-License-Identifier: GPL-2.0-only
#include "sim/wait.h"

#include "sim/context.h"
#include "sim/strings.h"

namespace epollscope::sim {

void init_waitqueue_head(KernelContext& k, WaitQueueHead* wq, const char* name, ObjRef owner,
                         const std::string& owner_label) {
  list_init(&wq->head);
  wq->id = k.new_id();
  wq->name = name;
  wq->owner = owner;
  wq->label = owner_label + " " + name;
}

void add_wait_queue(WaitQueueHead* wq, WaitQueueEntry* e) {
  e->flags &= ~kWQ_FLAG_EXCLUSIVE;
  list_add(&e->entry, &wq->head);  // no WQ_FLAG_PRIORITY entries in the model: plain head insert
}

void add_wait_queue_exclusive(WaitQueueHead* wq, WaitQueueEntry* e) {
  e->flags |= kWQ_FLAG_EXCLUSIVE;
  list_add_tail(&e->entry, &wq->head);
}

void add_wait_queue_exclusive_head(WaitQueueHead* wq, WaitQueueEntry* e) {
  e->flags |= kWQ_FLAG_EXCLUSIVE;
  list_add(&e->entry, &wq->head);
}

void remove_wait_queue(WaitQueueHead* wq, WaitQueueEntry* e) {
  (void)wq;
  list_del_init(&e->entry);
}

int wake_up_common(KernelContext& k, WaitQueueHead* wq, int nr_exclusive, int sync, poll_t key,
                   const char* waker) {
  if (k.tracing()) {
    std::size_t n = list_count(&wq->head);
    k.step(
        StepKind::kWakeUp, "__wake_up_common",
        cat(waker, " wakes ", wq->label, " with key ", key ? mask_to_string(key) : "0 (any event)",
            nr_exclusive ? " (stops at the first exclusive waiter that accepts)"
                         : " (every waiter)",
            ": ", n, n == 1 ? " entry" : " entries"),
        {ObjRef{ObjKind::kWaitQueue, wq->id}, wq->owner});
  }
  KernelContext::Nest nest(k);
  int called = 0;
  ListHead* pos = wq->head.next;
  while (pos != &wq->head) {
    ListHead* next = pos->next;
    WaitQueueEntry* e = wait_entry_of(pos);
    unsigned flags = e->flags;
    int ret = e->func(k, e, 0, sync, key);
    ++called;
    if (ret < 0) break;
    if (ret && (flags & kWQ_FLAG_EXCLUSIVE) && !--nr_exclusive) {
      if (k.tracing() && next != &wq->head)
        k.step(StepKind::kWakeUp, "__wake_up_common",
               cat("an exclusive waiter accepted the wake-up, so the walk of ", wq->label,
                   " stops here; later entries are not called"),
               {ObjRef{ObjKind::kWaitQueue, wq->id}});
      break;
    }
    pos = next;
  }
  return called;
}

}  // namespace epollscope::sim
