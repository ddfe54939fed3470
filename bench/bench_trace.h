// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_trace.h — what tracing costs a real program (`epollscope bench trace`): the example
// ET echo server (examples/echo_server.c) under one fixed loopback load (examples/loadgen.h),
// requests per second (a) untraced, (b) under strace stopping on the calls `epollscope trace`
// stops on, (c) under `epollscope trace --quiet`, when this build has it.
//
// Each run starts a fresh server with --exit-after N (N = the load's clients), reads its port from
// its "listening on" line, runs the load, and requires every echo correct and the server's exit 0:
// a figure is only printed for a run that did all its work.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_model.h"

namespace epollscope::bench {

// The calls the tracer stops on: the epoll calls, those that create, change or end the fds an
// epoll may watch (sockets, pipes, eventfds, dup, fcntl, close ...), the I/O that makes them ready,
// and those that make a new process or program. strace's -e trace= takes this list as it is.
extern const char* const kTracedCalls;

struct TraceBenchOptions {
  std::string server;      // epollscope-echo-server
  std::string strace;      // strace, or empty when it is not installed: (b) is skipped
  std::string epollscope;  // epollscope with a `trace` subcommand, or empty: (c) is skipped
  int clients = 400;       // connections, each with
  int round_trips = 100;   // this many round trips
  std::size_t bytes = 64;  // of this many bytes
  int concurrency = 32;    // connections open at once
  std::chrono::milliseconds deadline{120000};  // for each run
};

// The figures (untraced_requests_per_s, strace_requests_per_s, strace_slowdown, ...), in order.
// A run that fails (the server did not start, an echo was wrong, it did not exit 0) ends the
// benchmark: false, with *error saying which run and why. `progress` hears about each run.
bool bench_trace(const TraceBenchOptions& options,
                 const std::function<void(const std::string&)>& progress,
                 std::vector<Figure>* figures, std::string* error);

}  // namespace epollscope::bench
