// SPDX-License-Identifier: GPL-2.0-only
// trace/feed.h — what a front end sees of a live trace: the model's steps with the state after
// each, the program's calls with both answers, its wake-ups and the counts so far, filled by the
// tracer's thread and copied by another (the window's) while the program runs.
//
// Who writes, who reads. The tracer thread is the only writer: the Mirror's hooks
// (MirrorOptions::on_model, on_call, on_wakeup; Feed::hook_into) make the Feed the model
// kernel's TraceSink, so every step is recorded with a snapshot taken right after it (as
// sim::Recorder does), and every call and wake-up is appended. Readers never touch the model:
// copy_into() brings a FeedView up to date under the Feed's mutex, copying only what is new.
// Snapshots are immutable and shared (shared_ptr<const Snapshot>, whose views are shared between
// consecutive snapshots), so a copy is a few pointers per step.
//
// Bounded history. A server traced for hours must not grow without bound: the Feed keeps the
// newest `max_steps` steps with their snapshots (and at most as many calls). Once there are more,
// the oldest tenth is dropped in one go (so that a reader's caches are reset rarely):
// FeedView::dropped_steps says how many steps are gone, `base` is the state after the last of
// them, and a call is dropped with its first step (or when more than max_steps calls are kept).
//
// Steps and calls. A step belongs to the model's call number step.call; a call's record carries
// the model's call numbers before and after it, so its steps are those with a call number in
// between: [first_step, end_step) in the feed's running step numbers. The ranges of two calls may
// overlap: an epoll_wait that sleeps is performed on the model at its entry, and the calls other
// threads make before it returns fall inside its range.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/snapshot.h"
#include "sim/trace.h"
#include "trace/mirror.h"

namespace epollscope::trace {

// The counts of the summary line, so far.
struct FeedCounts {
  long calls = 0;
  long epoll_calls = 0;
  long wakeups = 0;
  long divergences = 0;
};

struct FeedStep {
  sim::TraceStep step;
  std::shared_ptr<const sim::Snapshot> after;  // the model's state right after the step
};

struct FeedCall {
  uint64_t index = 0;  // running number of the call in the trace (0 = the first)
  CallRecord record;
  std::vector<WakeRecord> wakeups;  // the wake-ups handed to the model since the previous call
  uint64_t first_step = 0;          // its model steps: [first_step, end_step), running numbers
  uint64_t end_step = 0;
};

// The program and how far it got.
struct FeedStatus {
  std::string program;  // its command line, or "process PID" when attached
  pid_t pid = 0;
  bool attached = false;
  FeedCounts counts;
  bool running = false;  // the program runs and is traced
  bool ended = false;    // the trace is over
  std::string end;       // "program exited with status 0", "detached from process 42 ...", ...
  std::string error;     // why it could not start, or a note the window should show
};

// A reader's copy, brought up to date by Feed::copy_into. Step and call numbers are running
// numbers since the trace started; the deques hold the newest ones.
struct FeedView {
  uint64_t dropped_steps = 0;  // steps[0] is step number dropped_steps
  uint64_t dropped_calls = 0;
  std::shared_ptr<const sim::Snapshot> base;  // the state after the dropped steps (or initial)
  std::deque<FeedStep> steps;
  std::deque<FeedCall> calls;
  FeedStatus status;
  std::size_t max_steps = 0;
  uint64_t drops = 0;    // how many times steps were dropped (snapshots freed: caches must forget)
  uint64_t version = 0;  // the Feed's version at the last copy

  uint64_t total_steps() const { return dropped_steps + steps.size(); }
  uint64_t total_calls() const { return dropped_calls + calls.size(); }
  // The state after `steps` steps since the trace started; the base for any number not kept.
  const sim::Snapshot& after(uint64_t steps) const;
  // Step number `n` (0-based), or nullptr when dropped or not there yet.
  const FeedStep* step(uint64_t n) const;
  // Call number `n`, or nullptr when dropped or not there yet.
  const FeedCall* call(uint64_t n) const;
  // The call whose steps hold step number `n` (the narrowest when ranges overlap); nullptr when
  // none does.
  const FeedCall* call_of_step(uint64_t n) const;
};

class Feed final : public sim::TraceSink {
 public:
  static constexpr std::size_t kDefaultMaxSteps = 20000;
  explicit Feed(std::size_t max_steps = kDefaultMaxSteps);
  ~Feed() override;
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // --- the tracer's thread ---
  // Sets the Mirror's hooks: the model's steps, each call (with `counts()` of the mirror read at
  // that moment) and each wake-up come here.
  void hook_into(MirrorOptions& options, const Mirror* const* mirror);
  // The model exists (or a new one replaced it): the Feed becomes its TraceSink.
  void attach(sim::Kernel& k);
  // The model is about to go: later steps are not recorded.
  void detach() { kernel_ = nullptr; }
  void on_step(const sim::TraceStep& step) override;
  void add_call(const CallRecord& r, const FeedCounts& counts);
  void add_wakeup(const WakeRecord& w);
  // The program's state changed (started, ended, ...): `change` edits the status under the lock.
  template <class F>
  void update_status(F&& change) {
    std::lock_guard<std::mutex> lock(mutex_);
    change(data_.status);
    ++version_;
  }

  // --- any thread ---
  // Brings `view` up to date (new steps, calls and status; what was dropped dropped). Returns
  // false when nothing changed since its last copy.
  bool copy_into(FeedView& view) const;
  // Changes with everything the feed is told: a reader whose copy has another version is behind.
  uint64_t version() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return version_;
  }
  std::size_t max_steps() const { return max_steps_; }

 private:
  void drop_oldest();  // under mutex_

  const std::size_t max_steps_;
  mutable std::mutex mutex_;
  FeedView data_;                            // under mutex_
  uint64_t version_ = 0;                     // under mutex_: changes with every change of data_
  std::vector<WakeRecord> pending_wakeups_;  // under mutex_: since the last call
  // The tracer's thread alone:
  const sim::Kernel* kernel_ = nullptr;
  std::shared_ptr<const sim::Snapshot> last_;  // the latest snapshot (the next one shares it)
};

}  // namespace epollscope::trace
