// SPDX-License-Identifier: GPL-2.0-only
// sim/task.h — a thread of the simulated process.
//
// A task runs one syscall at a time. When the syscall must sleep (epoll_wait with nothing ready,
// a read of an empty blocking pipe) the task puts its wait entry on a wait queue, keeps how to go
// on in `resume`, and the syscall returns "blocked" to the driver. A wake-up of that entry (or the
// task's timer) makes it runnable; the scheduler (sim/sched.h) runs runnable tasks, in the order
// they were woken, right after the syscall that woke them, and hands their results to the driver
// as Completions. `resume` is a closure of the syscall layer: it knows its Kernel, so a task needs
// no pointer back to it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace.h"
#include "sim/uapi.h"
#include "sim/wait.h"

namespace epollscope::sim {

class KernelContext;
class File;
struct PollWqueues;

// What a syscall returns to the task that made it.
struct SysResult {
  long ret = 0;                    // return value; -1 on error
  int err = 0;                     // errno when ret == -1
  bool blocked = false;            // the task sleeps; the result comes later as a Completion
  std::vector<EpollEvent> events;  // epoll_wait: the events copied out, in order
  uint64_t value = 0;              // eventfd_read: the value read
  int fds[2] = {-1, -1};           // pipe2 / socketpair: the two new fds
  // A read or write whose byte count (or EAGAIN) the model only approximates: a TCP count that
  // depends on the send-buffer and window accounting sim/tcp.h lists as approximate.
  bool approximate = false;

  static SysResult value_of(long v) {
    SysResult r;
    r.ret = v;
    return r;
  }
  static SysResult error(int e) {
    SysResult r;
    r.ret = -1;
    r.err = e;
    return r;
  }
  bool failed() const { return ret < 0 && !blocked; }
};

enum class TaskState : uint8_t {
  kRunning,   // not in a syscall, or in one that has not slept
  kSleeping,  // TASK_INTERRUPTIBLE in a syscall, on `waiting_on` and/or a timer
  kRunnable,  // woken (or timed out), will continue its syscall
};
const char* task_state_name(TaskState s);

struct Task {
  uint32_t id = 0;
  std::string name;
  TaskState state = TaskState::kRunning;
  WaitQueueEntry wait;                  // the entry a sleeping syscall queued
  WaitQueueHead* waiting_on = nullptr;  // the queue `wait` was put on (for snapshots)
  std::optional<int64_t> deadline_ns;   // hrtimer of a sleep with a timeout
  bool timer_fired = false;             // the wake came from the timer, not a wake-up
  std::string blocked_call;             // "epoll_wait(3, 8, -1)": what the task sleeps in
  File* holds_file = nullptr;           // the file the sleeping syscall keeps a reference to
  // poll/select (sim/select.h): the call's table of poll_table_entry while the call runs.
  const PollWqueues* poll_wqueues = nullptr;
  bool signal_pending = false;  // TIF_SIGPENDING: a signal came (Kernel::interrupt)
  // Continues the sleeping syscall. Returns true when the syscall finished (the result is then in
  // `*out`), false when the task sleeps again.
  std::function<bool(SysResult* out)> resume;

  ObjRef ref() const { return {ObjKind::kTask, id}; }
};

// default_wake_function + remove the entry only if the task was woken (autoremove_wake_function).
int autoremove_wake_function(KernelContext& k, WaitQueueEntry* wait, unsigned mode, int sync,
                             poll_t key);
// prepare_to_wait_exclusive: queue the task's entry at the tail of `wq` (if not queued already),
// flagged exclusive, with autoremove_wake_function.
void prepare_to_wait_exclusive(KernelContext& k, WaitQueueHead* wq, Task& task);
// __add_wait_queue_entry_tail with a non-exclusive entry, as wait_event_interruptible_locked*()
// queues its sleeper (eventfd read/write).
void prepare_to_wait_tail(KernelContext& k, WaitQueueHead* wq, Task& task);
// finish_wait: take the task's entry off whatever queue it is on.
void finish_wait(Task& task);

}  // namespace epollscope::sim
