// SPDX-License-Identifier: GPL-2.0-only
// sim/wait.h — kernel/sched/wait.c: wait-queue heads, their entries, and __wake_up_common.
//
// A wait queue is how a file tells whoever cares that something happened. Entries are called in
// list order; what each entry does is its `func`: for an epoll registration it is
// ep_poll_callback, for a task sleeping in epoll_wait it is ep_autoremove_wake_function.
//
// The insertion rules decide who hears about an event first, and so the order of epoll_wait
// results and which EPOLLEXCLUSIVE waiter wins:
//   add_wait_queue()             clears EXCLUSIVE, inserts at the HEAD  (LIFO among normal entries)
//   add_wait_queue_exclusive()   sets EXCLUSIVE,   inserts at the TAIL  (FIFO, after normal ones)
//   __add_wait_queue_exclusive() sets EXCLUSIVE,   inserts at the HEAD  (epoll_wait sleepers: LIFO)
// __wake_up_common(nr_exclusive) calls entries in order and stops after nr_exclusive EXCLUSIVE
// entries returned non-zero; nr_exclusive 0 (the `_all` variants) calls every entry. The key is the
// poll mask of the event (0 = "unknown, match anything").
#pragma once

#include <cstdint>
#include <string>

#include "sim/list.h"
#include "sim/trace.h"
#include "sim/uapi.h"

namespace epollscope::sim {

class KernelContext;

inline constexpr unsigned kWQ_FLAG_EXCLUSIVE = 0x01;

struct WaitQueueEntry;
// wait_queue_func_t; `sync` is WF_SYNC (the waker says it will sleep soon), informative here.
using WaitQueueFunc = int (*)(KernelContext& k, WaitQueueEntry* wait, unsigned mode, int sync,
                              poll_t key);

struct WaitQueueEntry {
  unsigned flags = 0;            // kWQ_FLAG_EXCLUSIVE
  void* private_data = nullptr;  // `private`: the Task of a sleeping thread
  WaitQueueFunc func = nullptr;
  ListHead entry;  // link in WaitQueueHead::head
};

struct WaitQueueHead {
  ListHead head;
  uint32_t id = 0;        // identity for the trace and snapshots
  const char* name = "";  // "rd_wait", "wr_wait", "sk_wq", "wqh", "wq", "poll_wait"
  ObjRef owner{ObjKind::kFile, 0};
  std::string label;  // "pipe#1 rd_wait", for trace sentences

  WaitQueueHead() = default;
  WaitQueueHead(const WaitQueueHead&) = delete;
  WaitQueueHead& operator=(const WaitQueueHead&) = delete;
};

// Gives a fresh head its identity (ids come from the context's counter).
void init_waitqueue_head(KernelContext& k, WaitQueueHead* wq, const char* name, ObjRef owner,
                         const std::string& owner_label);

inline bool waitqueue_active(const WaitQueueHead* wq) {
  return !list_empty(&wq->head);
}
inline WaitQueueEntry* wait_entry_of(ListHead* link) {
  return EPOLLSCOPE_CONTAINER_OF(link, WaitQueueEntry, entry);
}

void add_wait_queue(WaitQueueHead* wq, WaitQueueEntry* e);
void add_wait_queue_exclusive(WaitQueueHead* wq, WaitQueueEntry* e);
void add_wait_queue_exclusive_head(WaitQueueHead* wq,
                                   WaitQueueEntry* e);  // __add_wait_queue_exclusive
void remove_wait_queue(WaitQueueHead* wq, WaitQueueEntry* e);

// __wake_up_common. Returns the number of entries called.
int wake_up_common(KernelContext& k, WaitQueueHead* wq, int nr_exclusive, int sync, poll_t key,
                   const char* waker);

// The wrappers of include/linux/wait.h the modelled code calls; `waker` names the caller's
// function for the trace.
inline void wake_up(KernelContext& k, WaitQueueHead* wq, const char* waker) {
  wake_up_common(k, wq, 1, 0, 0, waker);
}
inline void wake_up_poll(KernelContext& k, WaitQueueHead* wq, poll_t key, const char* waker) {
  wake_up_common(k, wq, 1, 0, key, waker);
}
inline void wake_up_sync_poll(KernelContext& k, WaitQueueHead* wq, poll_t key, const char* waker) {
  wake_up_common(k, wq, 1, 1, key, waker);
}
inline void wake_up_all(KernelContext& k, WaitQueueHead* wq, const char* waker) {
  wake_up_common(k, wq, 0, 0, 0, waker);
}

}  // namespace epollscope::sim
