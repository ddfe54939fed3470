// SPDX-License-Identifier: GPL-2.0-only
// sim/sched.h — the scheduler of the simulated machine: its threads (tasks), the runqueue, the
// virtual clock with each sleeper's timer, and what the syscalls of woken tasks returned.
//
// kernel/sched in miniature. A task that must wait in a syscall is put to sleep with schedule()
// (its wait entry is already on a queue, and it may have a deadline: schedule_hrtimeout). A
// wake-up calls try_to_wake_up(), which makes the task runnable and appends it to the runqueue;
// nothing runs yet. The syscall layer calls run_woken_tasks() when the syscall that woke them
// returns: each runnable task, in the order it was woken, continues its syscall (Task::resume),
// and either sleeps again or finishes, leaving a Completion for the driver. advance_clock_to()
// fires timers in deadline order, running the woken tasks after each.
//
// Who owns what: the Kernel owns the Scheduler; the Scheduler owns the tasks (the first is
// "main", made with the scheduler, so it has the Kernel's first id). Everything else refers to a
// task by Task& or its id.
//
// A scan hook is "another CPU" for teaching: an action that runs once inside an ep_send_events,
// between two items, while that epoll_wait holds ep->mtx. Tasks the action wakes run only after the
// interrupted syscall returns, as they would wait for the mutex.
//
// A task of such a run that takes an epoll's ep->mtx another task of the same wake-up took before
// it is told so (mutex_lock): that is where the kernel, running both at once, may take the other
// path (docs/kernel-notes.md, RACE1).
//
// Invariants: the runqueue holds woken tasks in the order they were woken (an entry whose task is
// no longer runnable when it is reached is skipped); a sleeping task has a deadline or a wait
// entry on a queue (or both); the clock never goes backwards.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/task.h"
#include "sim/trace.h"

namespace epollscope::sim {

class KernelContext;

// A syscall of a sleeping task that finished after a wake-up or a timeout.
struct Completion {
  uint32_t task = 0;
  std::string call;  // what the task slept in, "epoll_wait(3, 8, -1)"
  SysResult result;
};

class Scheduler {
 public:
  explicit Scheduler(KernelContext& k);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // --- threads -----------------------------------------------------------------------------
  Task& main_task() { return *tasks_.front(); }
  Task& create_task(std::string name);
  Task* find_task(std::string_view name);
  const std::vector<std::unique_ptr<Task>>& tasks() const { return tasks_; }

  // --- sleeping and waking -----------------------------------------------------------------
  // try_to_wake_up (or hrtimer_wakeup when `by_timer`): makes a sleeping task runnable; false if
  // it was not sleeping.
  bool try_to_wake_up(Task& t, bool by_timer);
  // schedule / schedule_hrtimeout: the task sleeps (TASK_INTERRUPTIBLE) until a wake-up or its
  // deadline. Its wait entry is already on a queue if a wake-up is to reach it.
  void schedule(Task& t, std::optional<int64_t> deadline);
  // Runs the runnable tasks in the order they were woken, each until it finishes its syscall or
  // sleeps again.
  void run_woken_tasks();
  // Results of sleeping syscalls that have finished since the last call.
  std::vector<Completion> take_completions();
  bool has_sleeping_tasks() const;

  // --- the clock ---------------------------------------------------------------------------
  int64_t now_ns() const { return now_ns_; }
  // The earliest deadline of a sleeping task, if any.
  std::optional<int64_t> next_timer() const;
  // Moves the clock forward to `t` (never backwards), firing timers (the sleepers' deadlines and
  // the kernel timers below) in deadline order and running the tasks they wake.
  void advance_clock_to(int64_t t);

  // --- kernel timers (struct timer_list) ----------------------------------------------------
  // mod_timer: `fn` runs (in the timer softirq, no socket call under way) when the clock reaches
  // `expires`. Returns the timer's id, never 0. Timers with the same expiry run in the order
  // they were added.
  uint64_t add_timer(int64_t expires, std::function<void()> fn);
  // del_timer: a timer that has not run yet never will.
  void del_timer(uint64_t id);
  // The earliest kernel timer, if any.
  std::optional<int64_t> next_kernel_timer() const;
  // When the kernel timer `id` expires; nullopt if it has run or was deleted.
  std::optional<int64_t> timer_expires(uint64_t id) const;

  // --- races between tasks woken together --------------------------------------------------
  // The model runs the tasks one syscall woke one after another, in the order they were woken; on
  // the kernel they run at once, on other CPUs. When a task takes an epoll's ep->mtx
  // (ep_send_events, __ep_eventpoll_poll) it reports it here: the answer is the name of a task
  // woken together with it that took the same mutex before it in this run of woken tasks — a race
  // the kernel may decide the other way — or empty.
  std::string mutex_lock(ObjRef lock, const Task* current);
  // The task whose syscall run_woken_tasks is continuing (nullptr outside it).
  const Task* running_woken_task() const { return running_; }

  // --- concurrency, for teaching -----------------------------------------------------------
  // `action` runs once, inside the next ep_send_events of the epoll `ep_id` (0 = any), after
  // `after_items` ready items were processed.
  void set_scan_hook(uint32_t ep_id, int after_items, std::function<void()> action);
  // Called by ep_send_events after each item of the epoll `ep`.
  void run_scan_hook(ObjRef ep);

 private:
  KernelContext& k_;
  int64_t now_ns_ = 0;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::deque<Task*> runqueue_;
  std::vector<Completion> completions_;

  struct ScanHook {
    uint32_t ep_id = 0;
    int remaining = 0;
    std::function<void()> action;
  };
  std::optional<ScanHook> scan_hook_;
  struct KernelTimer {
    uint64_t id = 0;
    int64_t expires = 0;
    std::function<void()> fn;
  };
  std::vector<KernelTimer> timers_;
  uint64_t next_timer_id_ = 1;
  bool in_scan_hook_ = false;

  // The run of woken tasks in progress: the tasks that were runnable when it began (woken together
  // by one syscall or timer), the one running, and which of them took each ep->mtx first.
  int woken_runs_ = 0;  // nesting of run_woken_tasks
  std::vector<uint32_t> woken_together_;
  const Task* running_ = nullptr;
  std::vector<std::pair<ObjRef, const Task*>> mutex_owners_;
};

}  // namespace epollscope::sim
