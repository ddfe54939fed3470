// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_gui.h — `epollscope bench gui --items N`: how much a frame of the window costs with N
// registered items, rendered offscreen (an invisible window; under CI, Xvfb with Mesa's llvmpipe).
#pragma once

#include <ostream>
#include <string>

#include "sim/script/parser.h"

namespace epollscope::bench {

struct BenchGuiOptions {
  long items = 10000;  // registered epitems (eventfds)
  long ready = -1;     // of which ready; -1: min(items, 100)
  int frames = 60;     // measured frames per figure (after a few warm-up frames)
  int width = 1280;
  int height = 800;
  bool compare = false;  // two panes (ET beside LT) instead of the default single view
  // --trace-clients N (0: off): instead of a scenario, the window follows a live trace of the
  // example ET echo server (started as `trace --gui -- epollscope-echo-server` starts it: the same
  // LiveTrace and TraceController) while `trace_clients` loopback clients, all at once, make
  // `trace_round_trips` round trips each (examples/loadgen.h, on a thread of its own).
  int trace_clients = 0;
  int trace_round_trips = 100;
  int trace_deadline_s = 120;  // the whole run: then the load, the server and the trace are ended
  std::string echo_server;     // the server's path (epollscope-echo-server beside epollscope)
};

// The scenario the benchmark opens: N eventfds registered in one epoll, K of them readable, then
// a few recorded calls (one more ADD, a write that wakes it, an LT epoll_wait) to step through.
// Everything before `*record_from` (a statement index) is set-up that runs untraced. It has
// 2 * N + 6 statements: `*limits` receives parser limits that admit it (the defaults stop at a
// quarter of a million statements; --items goes up to a million).
std::string bench_gui_scenario(long items, long ready, std::size_t* record_from,
                               sim::script::ParseLimits* limits = nullptr);

// Prints one line per figure: name value unit. Progress goes to `err`. Exit status.
int bench_gui_command(const BenchGuiOptions& options, std::ostream& out, std::ostream& err);

// --trace-clients (bench_gui_trace.cpp): per-frame figures of the window following the live trace
// while the load runs (frames paced at 60 Hz, as a display's vertical sync paces them), the frames
// rendered, the calls mirrored and the divergences. Exit status.
int bench_gui_trace_command(const BenchGuiOptions& options, std::ostream& out, std::ostream& err);

}  // namespace epollscope::bench
