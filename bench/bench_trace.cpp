// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_trace.cpp — what tracing costs the example echo server (bench_trace.h).
#include "bench/bench_trace.h"

#include <cstdio>

#include <sys/wait.h>

#include "examples/loadgen.h"
#include "examples/server_process.h"
#include "live/child_guard.h"
#include "trace/syscalls.h"

namespace epollscope::bench {

namespace {

// One run: the server started by `wrapper` + server, the load, the server's clean exit.
bool measure(const TraceBenchOptions& o, const std::string& label,
             const std::vector<std::string>& wrapper, double* requests_per_s, std::string* error,
             std::string* server_stderr = nullptr) {
  std::vector<std::string> argv = wrapper;
  argv.insert(argv.end(), {o.server, "--exit-after", std::to_string(o.clients)});
  examples::ServerProcess server;
  std::string why;
  if (!server.start(argv, std::chrono::milliseconds(10000), &why)) {
    *error = label + ": the server did not start: " + why;
    return false;
  }
  // Its whole process group (a tracer and the server it traces) dies with epollscope.
  live::track_child_group(server.pid());
  examples::LoadOptions load;
  load.port = server.port();
  load.clients = o.clients;
  load.round_trips = o.round_trips;
  load.bytes = o.bytes;
  load.concurrency = o.concurrency;
  load.endings = {examples::Ending::kClose};
  load.deadline = o.deadline;
  const examples::LoadStats stats = examples::run_load(load);
  const pid_t pid = server.pid();
  const int status = server.wait_exit(std::chrono::milliseconds(10000));
  live::untrack_child_group(pid);
  if (!stats.ok()) {
    *error = label + ": the load failed: " + examples::describe(stats);
    for (const std::string& m : stats.messages)
      *error += "\n  " + m;
    return false;
  }
  // `epollscope trace` exits 1 when the model disagreed with the kernel at some call although
  // the program it traced exited 0: the run still measured the cost, and the divergences are a
  // figure of their own (epollscope_divergences), not a reason to throw the run away.
  const bool traced_program_ok =
      server_stderr != nullptr &&
      server.stderr_text().find("the program exited with status 0") != std::string::npos;
  const bool divergences_only =
      status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 1 && traced_program_ok;
  if (!divergences_only && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    *error = label + ": the server " + examples::describe_wait_status(status) +
             " after the load; its stderr: " + server.stderr_text();
    return false;
  }
  *requests_per_s = stats.requests_per_s;
  if (server_stderr) *server_stderr = server.stderr_text();
  return true;
}

}  // namespace

bool bench_trace(const TraceBenchOptions& o,
                 const std::function<void(const std::string&)>& progress,
                 std::vector<Figure>* figures, std::string* error) {
  const std::string load = std::to_string(o.clients) + " clients x " +
                           std::to_string(o.round_trips) + " round trips of " +
                           std::to_string(o.bytes) + " bytes";
  progress("untraced: " + load);
  double untraced = 0;
  if (!measure(o, "untraced", {}, &untraced, error)) return false;
  figures->push_back({"untraced_requests_per_s", untraced, "req/s"});

  if (!o.strace.empty()) {
    progress("under strace -f --seccomp-bpf: " + load);
    double traced = 0;
    if (!measure(o, "strace",
                 {o.strace, "-f", "--seccomp-bpf", "-qq", "-o", "/dev/null", "-e",
                  "trace=" + trace::traced_names()},
                 &traced, error))
      return false;
    figures->push_back({"strace_requests_per_s", traced, "req/s"});
    figures->push_back({"strace_slowdown", traced > 0 ? untraced / traced : 0, "x"});
  }

  if (!o.epollscope.empty()) {
    progress("under epollscope trace --quiet: " + load);
    double traced = 0;
    std::string said;
    if (!measure(o, "epollscope trace", {o.epollscope, "trace", "--quiet", "--"}, &traced, error,
                 &said))
      return false;
    figures->push_back({"epollscope_requests_per_s", traced, "req/s"});
    figures->push_back({"epollscope_slowdown", traced > 0 ? untraced / traced : 0, "x"});
    // The tracer's own summary: how many calls it mirrored in how long, with how many
    // divergences, and its peak memory.
    long calls = 0, epoll_calls = 0, wakeups = 0, divergences = 0;
    double seconds = 0;
    const auto at = said.rfind("traced ");
    if (at != std::string::npos &&
        std::sscanf(said.c_str() + at,
                    "traced %ld calls (%ld epoll calls, %ld wake-ups) in %lf s: %ld divergences",
                    &calls, &epoll_calls, &wakeups, &seconds, &divergences) == 5 &&
        seconds > 0) {
      figures->push_back({"epollscope_mirrored_calls", static_cast<double>(calls), "calls"});
      // Per second of the load (the trace's own time also counts its start and the wait for
      // the first client).
      const double load_s =
          traced > 0 ? static_cast<double>(o.clients) * o.round_trips / traced : seconds;
      figures->push_back(
          {"epollscope_mirrored_calls_per_s", static_cast<double>(calls) / load_s, "calls/s"});
      figures->push_back({"epollscope_wakeups", static_cast<double>(wakeups), "wake-ups"});
      figures->push_back({"epollscope_divergences", static_cast<double>(divergences), "calls"});
    }
    long rss_kib = 0;
    const auto mem = said.rfind("epollscope's peak memory: ");
    if (mem != std::string::npos &&
        std::sscanf(said.c_str() + mem, "epollscope's peak memory: %ld KiB", &rss_kib) == 1)
      figures->push_back({"epollscope_peak_rss", static_cast<double>(rss_kib) / 1024.0, "MiB"});
  }
  return true;
}

}  // namespace epollscope::bench
