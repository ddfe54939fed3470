// SPDX-License-Identifier: GPL-2.0-only
// sim/sched.cpp — tasks, try_to_wake_up, schedule, the runqueue and the virtual clock; and the
// task side of kernel/sched/wait.c (autoremove_wake_function, prepare_to_wait_*, finish_wait).
#include "sim/sched.h"

#include <algorithm>

#include "sim/context.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] tasks
// ---------------------------------------------------------------------------------------------

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::kRunning:
      return "running";
    case TaskState::kSleeping:
      return "sleeping";
    case TaskState::kRunnable:
      return "runnable";
  }
  return "?";
}

Scheduler::Scheduler(KernelContext& k) : k_(k) {
  create_task("main");
}

Task& Scheduler::create_task(std::string name) {
  auto t = std::make_unique<Task>();
  t->id = k_.new_id();
  t->name = std::move(name);
  tasks_.push_back(std::move(t));
  return *tasks_.back();
}

Task* Scheduler::find_task(std::string_view name) {
  for (auto& t : tasks_)
    if (t->name == name) return t.get();
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] sleeping and waking
// ---------------------------------------------------------------------------------------------

bool Scheduler::try_to_wake_up(Task& t, bool by_timer) {
  if (t.state != TaskState::kSleeping) return false;
  t.state = TaskState::kRunnable;
  t.timer_fired = by_timer;
  runqueue_.push_back(&t);
  if (k_.tracing())
    k_.step(StepKind::kTask, by_timer ? "hrtimer_wakeup" : "try_to_wake_up",
            by_timer ? cat("the timeout of ", t.name, " expires; it becomes runnable")
                     : cat(t.name, " is woken and becomes runnable"),
            {t.ref()});
  return true;
}

void Scheduler::schedule(Task& t, std::optional<int64_t> deadline) {
  t.state = TaskState::kSleeping;
  t.deadline_ns = deadline;
  t.timer_fired = false;
  if (k_.tracing()) {
    std::string until = deadline ? cat(" until t=", (*deadline) / 1000000, " ms or a wake-up")
                                 : std::string(" until a wake-up");
    k_.step(StepKind::kTask, "schedule",
            cat(t.name, " sleeps", t.waiting_on ? cat(" on ", t.waiting_on->label) : std::string(),
                until),
            t.waiting_on
                ? std::vector<ObjRef>{t.ref(), ObjRef{ObjKind::kWaitQueue, t.waiting_on->id}}
                : std::vector<ObjRef>{t.ref()});
  }
}

void Scheduler::run_woken_tasks() {
  // Inside a scan hook the interrupted epoll_wait still holds ep->mtx: woken tasks run after the
  // syscall that is being scanned for has returned.
  if (in_scan_hook_) return;
  // The tasks runnable now were woken together; those they wake in turn are not (they wait for
  // the waker's mutex or wake-up, as on the kernel).
  if (woken_runs_++ == 0) {
    woken_together_.clear();
    mutex_owners_.clear();
    for (const Task* t : runqueue_)
      if (t->state == TaskState::kRunnable) woken_together_.push_back(t->id);
  }
  struct Leave {
    Scheduler& s;
    const Task* was_running;
    ~Leave() {
      s.running_ = was_running;
      if (--s.woken_runs_ == 0) {
        s.woken_together_.clear();
        s.mutex_owners_.clear();
      }
    }
  } leave{*this, running_};
  while (!runqueue_.empty()) {
    Task* t = runqueue_.front();
    runqueue_.pop_front();
    if (t->state != TaskState::kRunnable) continue;
    t->state = TaskState::kRunning;
    running_ = t;
    k_.count_call();
    if (k_.tracing())
      k_.step(StepKind::kTask, "schedule", cat(t->name, " runs again in ", t->blocked_call),
              {t->ref()});
    SysResult r;
    bool done;
    {
      KernelContext::Nest nest(k_);
      done = t->resume(&r);
    }
    if (!done) continue;  // it went back to sleep
    t->deadline_ns.reset();
    t->resume = nullptr;
    if (k_.tracing()) {
      std::string what =
          r.ret < 0 ? cat("returns -1, errno ", errno_name(r.err)) : cat("returns ", r.ret);
      k_.step(StepKind::kSyscall, "syscall", cat(t->name, ": ", t->blocked_call, " ", what),
              {t->ref()});
    }
    completions_.push_back(Completion{t->id, t->blocked_call, std::move(r)});
    t->blocked_call.clear();
  }
}

std::string Scheduler::mutex_lock(ObjRef lock, const Task* current) {
  if (!current || woken_together_.size() < 2) return {};
  auto together = [&](const Task* t) {
    return std::find(woken_together_.begin(), woken_together_.end(), t->id) !=
           woken_together_.end();
  };
  if (!together(current)) return {};
  for (const auto& [held, owner] : mutex_owners_)
    if (held == lock) return owner != current ? owner->name : std::string();
  mutex_owners_.emplace_back(lock, current);
  return {};
}

std::vector<Completion> Scheduler::take_completions() {
  std::vector<Completion> out;
  out.swap(completions_);
  return out;
}

bool Scheduler::has_sleeping_tasks() const {
  for (const auto& t : tasks_)
    if (t->state == TaskState::kSleeping) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the clock
// ---------------------------------------------------------------------------------------------

std::optional<int64_t> Scheduler::next_timer() const {
  std::optional<int64_t> best;
  for (const auto& t : tasks_)
    if (t->state == TaskState::kSleeping && t->deadline_ns && (!best || *t->deadline_ns < *best))
      best = t->deadline_ns;
  return best;
}

void Scheduler::advance_clock_to(int64_t target) {
  while (true) {
    Task* first = nullptr;
    for (auto& t : tasks_)
      if (t->state == TaskState::kSleeping && t->deadline_ns && *t->deadline_ns <= target &&
          (!first || *t->deadline_ns < *first->deadline_ns))
        first = t.get();
    // The earliest kernel timer (the first added among equals) runs before a sleeper whose
    // deadline is not earlier.
    auto timer = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->expires <= target && (timer == timers_.end() || it->expires < timer->expires))
        timer = it;
    if (timer != timers_.end() && (!first || timer->expires <= *first->deadline_ns)) {
      now_ns_ = std::max(now_ns_, timer->expires);
      std::function<void()> fn = std::move(timer->fn);
      timers_.erase(timer);
      {
        KernelContext::Nest nest(k_);
        fn();
      }
      run_woken_tasks();
      continue;
    }
    if (!first) break;
    now_ns_ = std::max(now_ns_, *first->deadline_ns);
    try_to_wake_up(*first, true);
    run_woken_tasks();
  }
  now_ns_ = std::max(now_ns_, target);
}

uint64_t Scheduler::add_timer(int64_t expires, std::function<void()> fn) {
  const uint64_t id = next_timer_id_++;
  timers_.push_back(KernelTimer{id, expires, std::move(fn)});
  return id;
}

void Scheduler::del_timer(uint64_t id) {
  std::erase_if(timers_, [id](const KernelTimer& t) { return t.id == id; });
}

std::optional<int64_t> Scheduler::timer_expires(uint64_t id) const {
  for (const KernelTimer& t : timers_)
    if (t.id == id) return t.expires;
  return std::nullopt;
}

std::optional<int64_t> Scheduler::next_kernel_timer() const {
  std::optional<int64_t> best;
  for (const KernelTimer& t : timers_)
    if (!best || t.expires < *best) best = t.expires;
  return best;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the scan hook
// ---------------------------------------------------------------------------------------------

void Scheduler::set_scan_hook(uint32_t ep_id, int after_items, std::function<void()> action) {
  scan_hook_ = ScanHook{ep_id, after_items, std::move(action)};
}

void Scheduler::run_scan_hook(ObjRef ep) {
  if (!scan_hook_ || (scan_hook_->ep_id && scan_hook_->ep_id != ep.id)) return;
  if (--scan_hook_->remaining > 0) return;
  auto action = std::move(scan_hook_->action);
  scan_hook_.reset();
  if (k_.tracing())
    k_.step(StepKind::kScan, "ep_send_events",
            "meanwhile, on another CPU, something happens while the scan is copying events:", {ep});
  KernelContext::Nest nest(k_);
  in_scan_hook_ = true;
  action();
  in_scan_hook_ = false;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] kernel/sched/wait.c: a task on a wait queue
// ---------------------------------------------------------------------------------------------

int autoremove_wake_function(KernelContext& k, WaitQueueEntry* wait, unsigned, int, poll_t) {
  Task* t = static_cast<Task*>(wait->private_data);
  int ret = k.sched().try_to_wake_up(*t, false);
  if (ret) {
    list_del_init(&wait->entry);
    t->waiting_on = nullptr;
  }
  return ret;
}

void prepare_to_wait_exclusive(KernelContext&, WaitQueueHead* wq, Task& task) {
  task.wait.private_data = &task;
  task.wait.func = autoremove_wake_function;
  if (list_empty(&task.wait.entry)) add_wait_queue_exclusive(wq, &task.wait);
  task.waiting_on = wq;
}

void prepare_to_wait_tail(KernelContext&, WaitQueueHead* wq, Task& task) {
  task.wait.private_data = &task;
  task.wait.func = autoremove_wake_function;
  task.wait.flags &= ~kWQ_FLAG_EXCLUSIVE;
  if (list_empty(&task.wait.entry)) list_add_tail(&task.wait.entry, &wq->head);
  task.waiting_on = wq;
}

void finish_wait(Task& task) {
  if (!list_empty(&task.wait.entry)) list_del_init(&task.wait.entry);
  task.waiting_on = nullptr;
}

}  // namespace epollscope::sim
