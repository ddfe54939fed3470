// SPDX-License-Identifier: GPL-2.0-only
#include "trace/feed.h"

#include <algorithm>

#include "sim/kernel.h"

namespace epollscope::trace {

// [SECTION] FeedView

const sim::Snapshot& FeedView::after(uint64_t n) const {
  // Before the model exists: no file, no task.
  static const sim::Snapshot empty = [] {
    sim::Snapshot s;
    s.fds = std::make_shared<const std::vector<sim::FdView>>();
    s.tasks = std::make_shared<const std::vector<sim::TaskView>>();
    return s;
  }();
  if (n > dropped_steps && n - dropped_steps <= steps.size())
    return *steps[n - dropped_steps - 1].after;
  return base ? *base : empty;
}

const FeedStep* FeedView::step(uint64_t n) const {
  if (n < dropped_steps || n - dropped_steps >= steps.size()) return nullptr;
  return &steps[n - dropped_steps];
}

const FeedCall* FeedView::call(uint64_t n) const {
  if (n < dropped_calls || n - dropped_calls >= calls.size()) return nullptr;
  return &calls[n - dropped_calls];
}

const FeedCall* FeedView::call_of_step(uint64_t n) const {
  // end_step never decreases from call to call: the first call that ends after the step, then the
  // few after it whose ranges began early enough (an epoll_wait performed at its entry).
  auto it = std::upper_bound(calls.begin(), calls.end(), n,
                             [](uint64_t step, const FeedCall& c) { return step < c.end_step; });
  const FeedCall* best = nullptr;
  for (int looked = 0; it != calls.end() && looked < 64; ++it, ++looked) {
    if (it->first_step > n) continue;
    if (!best || it->end_step - it->first_step < best->end_step - best->first_step) best = &*it;
  }
  return best;
}

// [SECTION] Feed: the tracer's thread

Feed::Feed(std::size_t max_steps) : max_steps_(std::max<std::size_t>(max_steps, 10)) {
  data_.max_steps = max_steps_;
}

Feed::~Feed() = default;

void Feed::hook_into(MirrorOptions& options, const Mirror* const* mirror) {
  options.on_model = [this](sim::Kernel& k) { attach(k); };
  options.on_call = [this, mirror](const CallRecord& r) {
    FeedCounts c;
    if (const Mirror* m = *mirror) {
      c.calls = m->calls();
      c.epoll_calls = m->epoll_calls();
      c.wakeups = m->wakeups();
      c.divergences = m->divergences();
    }
    add_call(r, c);
  };
  options.on_wakeup = [this](const WakeRecord& w) { add_wakeup(w); };
}

void Feed::attach(sim::Kernel& k) {
  kernel_ = &k;
  last_ = std::make_shared<const sim::Snapshot>(sim::take_snapshot(k, nullptr));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Before any step, the new model's state is what the timeline starts from.
    if (data_.steps.empty()) data_.base = last_;
    ++version_;
  }
  k.set_trace_sink(this);
}

void Feed::on_step(const sim::TraceStep& step) {
  if (!kernel_) return;
  // The snapshot is taken outside the lock: readers wait only for the append.
  sim::Snapshot s = sim::take_snapshot(*kernel_, last_.get());
  s.seq = step.seq;
  last_ = std::make_shared<const sim::Snapshot>(std::move(s));
  std::lock_guard<std::mutex> lock(mutex_);
  data_.steps.push_back(FeedStep{step, last_});
  if (data_.steps.size() > max_steps_) drop_oldest();
  ++version_;
}

void Feed::add_call(const CallRecord& r, const FeedCounts& counts) {
  std::lock_guard<std::mutex> lock(mutex_);
  FeedCall c;
  c.index = data_.total_calls();
  c.record = r;
  c.wakeups = std::move(pending_wakeups_);
  pending_wakeups_.clear();
  c.end_step = data_.total_steps();
  // Its first step: the first kept one of a model call after model_calls_before (step.call never
  // decreases from step to step).
  auto first =
      std::upper_bound(data_.steps.begin(), data_.steps.end(), r.model_calls_before,
                       [](uint32_t before, const FeedStep& s) { return before < s.step.call; });
  c.first_step = data_.dropped_steps + static_cast<uint64_t>(first - data_.steps.begin());
  c.first_step = std::min(c.first_step, c.end_step);
  data_.calls.push_back(std::move(c));
  data_.status.counts = counts;
  if (data_.calls.size() > max_steps_) drop_oldest();
  ++version_;
}

void Feed::add_wakeup(const WakeRecord& w) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Wake-ups wait for the next call (bounded too: a program may be woken without calling).
  if (pending_wakeups_.size() < max_steps_) pending_wakeups_.push_back(w);
  ++data_.status.counts.wakeups;
  ++version_;
}

void Feed::drop_oldest() {
  // The oldest tenth at once: a reader's caches are reset once per max_steps / 10 steps.
  const std::size_t chunk = std::max<std::size_t>(1, max_steps_ / 10);
  if (data_.steps.size() > max_steps_) {
    const std::size_t n = std::min(data_.steps.size(), data_.steps.size() - max_steps_ + chunk);
    data_.base = data_.steps[n - 1].after;
    data_.steps.erase(data_.steps.begin(), data_.steps.begin() + static_cast<std::ptrdiff_t>(n));
    data_.dropped_steps += n;
    ++data_.drops;
  }
  std::size_t calls = 0;
  if (data_.calls.size() > max_steps_) calls = data_.calls.size() - max_steps_ + chunk;
  // A call whose first steps are gone goes with them.
  while (calls < data_.calls.size() && data_.calls[calls].first_step < data_.dropped_steps)
    ++calls;
  if (calls == 0) return;
  data_.calls.erase(data_.calls.begin(), data_.calls.begin() + static_cast<std::ptrdiff_t>(calls));
  data_.dropped_calls += calls;
}

// [SECTION] Feed: any thread

bool Feed::copy_into(FeedView& view) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (view.version == version_ && view.max_steps == data_.max_steps) return false;
  view.version = version_;
  view.max_steps = data_.max_steps;
  view.status = data_.status;
  view.base = data_.base;
  view.drops = data_.drops;
  // Steps: drop what the feed dropped, then append what is new.
  if (view.total_steps() < data_.dropped_steps || view.dropped_steps > data_.dropped_steps) {
    view.steps.clear();
    view.dropped_steps = data_.dropped_steps;
  }
  while (view.dropped_steps < data_.dropped_steps) {
    view.steps.pop_front();
    ++view.dropped_steps;
  }
  for (uint64_t n = view.total_steps(); n < data_.total_steps(); ++n)
    view.steps.push_back(data_.steps[n - data_.dropped_steps]);
  // Calls: the same.
  if (view.total_calls() < data_.dropped_calls || view.dropped_calls > data_.dropped_calls) {
    view.calls.clear();
    view.dropped_calls = data_.dropped_calls;
  }
  while (view.dropped_calls < data_.dropped_calls) {
    view.calls.pop_front();
    ++view.dropped_calls;
  }
  for (uint64_t n = view.total_calls(); n < data_.total_calls(); ++n)
    view.calls.push_back(data_.calls[n - data_.dropped_calls]);
  return true;
}

}  // namespace epollscope::trace
