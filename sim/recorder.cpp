// SPDX-License-Identifier: GPL-2.0-only
#include "sim/recorder.h"

#include "sim/kernel.h"

namespace epollscope::sim {

Recorder::Recorder(const Kernel& k, bool keep_snapshots, TraceSink* next)
    : k_(k), keep_snapshots_(keep_snapshots), next_(next), initial_(take_snapshot(k, nullptr)) {}

void Recorder::on_step(const TraceStep& step) {
  steps_.push_back(step);
  if (keep_snapshots_) {
    Snapshot s = take_snapshot(k_, snapshots_.empty() ? &initial_ : &snapshots_.back());
    s.seq = step.seq;
    snapshots_.push_back(std::move(s));
  }
  if (next_) next_->on_step(step);
}

}  // namespace epollscope::sim
