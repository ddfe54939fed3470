// SPDX-License-Identifier: GPL-2.0-only
// sim/recorder.h — keeps the trace and a snapshot after every step, for the terminal replay, the
// GUI's timeline and step-back, and the tests.
//
// Snapshots share unchanged object views with their predecessor (see snapshot.h), so keeping one
// per step of a long scenario costs little more than the objects that actually changed.
#pragma once

#include <cstddef>
#include <vector>

#include "sim/snapshot.h"
#include "sim/trace.h"

namespace epollscope::sim {

class Kernel;

class Recorder : public TraceSink {
 public:
  explicit Recorder(const Kernel& k, bool keep_snapshots = true, TraceSink* next = nullptr);

  void on_step(const TraceStep& step) override;

  // Snapshot of the state before the first recorded step.
  const Snapshot& initial() const { return initial_; }
  const std::vector<TraceStep>& steps() const { return steps_; }
  // snapshots()[i] is the state right after steps()[i].
  const std::vector<Snapshot>& snapshots() const { return snapshots_; }
  // The state after everything recorded so far.
  const Snapshot& latest() const { return snapshots_.empty() ? initial_ : snapshots_.back(); }
  std::size_t size() const { return steps_.size(); }

 private:
  const Kernel& k_;
  bool keep_snapshots_;
  TraceSink* next_;
  Snapshot initial_;
  std::vector<TraceStep> steps_;
  std::vector<Snapshot> snapshots_;
};

}  // namespace epollscope::sim
