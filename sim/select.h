// SPDX-License-Identifier: GPL-2.0-only
// sim/select.h — fs/select.c: the poll table of poll(2) and select(2), as Linux 6.1 builds it.
//
// poll(2) and select(2) keep no state between calls: every call builds a `struct poll_wqueues`
// (poll_initwait), and every pass over the fds calls each file's ->poll with its poll_table. On
// the first pass the table's _qproc is __pollwait, which hangs a `poll_table_entry` on every wait
// queue the file's ->poll names (add_wait_queue: at the head, not exclusive) and takes a reference
// to the file; as soon as one fd is found ready, or after the first pass, _qproc becomes NULL and
// no more entries are made. When nothing is ready the task sleeps (poll_schedule_timeout) until
// a wake-up of one of those queues calls `pollwake` (which filters by the entry's key and wakes
// the task) or the timeout; then it makes a whole new pass over every fd. Before the call returns,
// poll_freewait takes every entry off its queue and drops its file reference.
//
// That is the cost epoll avoids: each call polls every fd and queues (and unqueues) an entry on
// every file, where epoll_ctl queues one eppoll_entry per file once and epoll_wait looks only at
// the ready list.
//
// Who owns what: the PollWqueues belongs to the call (held by the sleeping task's resume closure)
// and owns its entries; Task::poll_wqueues points at it while the call runs, so that snapshots
// and the invariant checker (sim/invariants.h: no entry outlives its call) can see it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "sim/file.h"
#include "sim/list.h"
#include "sim/uapi.h"
#include "sim/wait.h"

namespace epollscope::sim {

struct Task;

// struct poll_table_entry: one registration of a poll or select call on one wait queue.
struct PollTableEntry {
  File* filp = nullptr;                   // get_file'd by __pollwait, fput by free_poll_entry
  poll_t key = 0;                         // the caller's interest (pollwake ignores other keys)
  WaitQueueEntry wait;                    // func pollwake, private_data the PollWqueues
  WaitQueueHead* wait_address = nullptr;  // the queue it hangs on
};

// struct poll_wqueues: the table of one poll or select call.
struct PollWqueues {
  PollTable pt;                  // pt._qproc: __pollwait until the first pass ends or finds one
  Task* polling_task = nullptr;  // current, at poll_initwait
  bool triggered = false;        // a pollwake came since the task last looked
  int error = 0;                 // -ENOMEM of poll_get_entry (never in the model)
  const char* syscall = "poll";  // "poll" or "select", for trace sentences
  // inline_entries and the table pages, in the order __pollwait made them.
  std::deque<std::unique_ptr<PollTableEntry>> entries;
};

// The function of every poll_table_entry on a wait queue.
int pollwake(KernelContext& k, WaitQueueEntry* wait, unsigned mode, int sync, poll_t key);

inline bool is_poll_entry(const WaitQueueEntry* e) {
  return e->func == pollwake;
}
inline const PollTableEntry* poll_entry_of(const WaitQueueEntry* e) {
  return EPOLLSCOPE_CONTAINER_OF(e, PollTableEntry, wait);
}

// struct pollfd.
struct PollFd {
  int fd = 0;
  int16_t events = 0;
  int16_t revents = 0;
};

// A pointer argument of poll, select, ppoll or pselect6 as the caller passes it: NULL (nullopt), a
// pointer to a value, or (`faults`) an address copy_from_user cannot read — NULL where the kernel
// reads through it (poll's array), or an unmapped one: EFAULT when the kernel copies from it.
template <class T>
struct UserArg {
  std::optional<T> value;
  bool faults = false;
  UserArg() = default;
  UserArg(std::nullopt_t) {}
  UserArg(T v) : value(std::move(v)) {}
  UserArg(std::optional<T> v) : value(std::move(v)) {}
  static UserArg faulting() {
    UserArg a;
    a.faults = true;
    return a;
  }
  bool is_null() const { return !value && !faults; }
};

// poll's and ppoll's `ufds, nfds`: the array, or (`faults`) a pointer copy_from_user cannot read
// with `nfds` entries behind it (nfds 0 reads nothing, so it does not fault).
struct UserPollfds {
  std::vector<PollFd> fds;
  uint32_t nfds = 0;  // fds.size(), or the count passed with a faulting pointer
  bool faults = false;
  UserPollfds() = default;
  UserPollfds(std::vector<PollFd> v) : fds(std::move(v)), nfds(static_cast<uint32_t>(fds.size())) {}
  static UserPollfds faulting(uint32_t n) {
    UserPollfds u;
    u.nfds = n;
    u.faults = true;
    return u;
  }
};

// fs/select.c's masks: which poll bits make an fd readable, writable, exceptional for select.
inline constexpr poll_t kPOLLIN_SET =
    kEPOLLRDNORM | kEPOLLRDBAND | kEPOLLIN | kEPOLLHUP | kEPOLLERR;
inline constexpr poll_t kPOLLOUT_SET = kEPOLLWRBAND | kEPOLLWRNORM | kEPOLLOUT | kEPOLLERR;
inline constexpr poll_t kPOLLEX_SET = kEPOLLPRI;
// vfs_poll of a file without ->poll (a regular file, /dev/null).
inline constexpr poll_t kDEFAULT_POLLMASK = kEPOLLIN | kEPOLLOUT | kEPOLLRDNORM | kEPOLLWRNORM;

// How the scenario language reports select's result sets: one event per fd that is in any of
// them, in fd order, its mask saying which (readfds, writefds, exceptfds).
inline constexpr poll_t kSelectReadfds = 0x1;
inline constexpr poll_t kSelectExceptfds = 0x2;
inline constexpr poll_t kSelectWritefds = 0x4;

}  // namespace epollscope::sim
