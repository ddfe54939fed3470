// SPDX-License-Identifier: GPL-2.0-only
// trace/perfetto.h — a traced run as a Chrome/Perfetto trace (JSON, the Trace Event Format), for
// `epollscope trace --perfetto FILE.json`: open it in ui.perfetto.dev or chrome://tracing.
//
// Tracks: one per thread of the program, with each mirrored syscall as a slice (its arguments,
// the kernel's answer, the model's verdict) and, inside it, the model's kernel functions as nested
// slices (the model's steps have an order, not durations: they share the call's time evenly); one
// track "observed wake-ups" with an instant event per wake-up of an observed file, and a flow
// arrow from each wake-up to the epoll_wait that next returned on that epoll.
//
// Events are written as they come (the file grows, memory does not); finish() closes the JSON.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "sim/trace.h"
#include "trace/mirror.h"

namespace epollscope::trace {

class PerfettoWriter final : public sim::TraceSink {
 public:
  // `next` gets every step too (another front end's sink), may be nullptr.
  explicit PerfettoWriter(sim::TraceSink* next = nullptr) : next_(next) {}
  ~PerfettoWriter() override;
  // False with *error when the file cannot be written.
  bool open(const std::string& path, pid_t pid, const std::string& program, std::string* error);
  void on_step(const sim::TraceStep& step) override;
  void on_call(const CallRecord& r);
  void on_wakeup(const WakeRecord& w);
  // Closes the JSON; false when a write failed (the disk is full ...).
  bool finish(std::string* error);
  void set_next(sim::TraceSink* next) { next_ = next; }

 private:
  void emit(const std::string& json_object);
  void thread_track(pid_t tid);

  sim::TraceSink* next_ = nullptr;
  std::ofstream out_;
  std::string path_;
  pid_t pid_ = 0;
  bool first_ = true;
  bool finished_ = false;
  std::vector<sim::TraceStep> steps_;  // the model's steps of the call being mirrored
  std::map<pid_t, bool> named_;
  // Wake-ups waiting for the epoll_wait that returns on their epoll: flow ids by epfd.
  std::map<int, std::vector<uint64_t>> waiting_flows_;
  uint64_t next_flow_ = 1;
};

}  // namespace epollscope::trace
