// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_gui_trace.cpp — `epollscope bench gui --trace-clients N` (bench_gui.h): the window
// following a live trace of the example ET echo server while N loopback clients drive it.
//
// The server is started as `trace --gui -- epollscope-echo-server` starts its program (cli
// follow_trace_in_window): a LiveTrace filling a Feed, started before the window opens, and the
// window drawing a TraceController that follows the newest step ("Live"). Only its standard
// output differs: a pipe, from which its "listening on 127.0.0.1:PORT" line gives the port.
//
// The load (examples/loadgen.h) runs on a thread of this process: its CPU time is taken off the
// process's (that thread's own clock), so the per-frame figures are what `trace --gui` costs —
// the window's thread, Mesa's rasterizer threads and the tracer's thread.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_gui.h"
#include "examples/loadgen.h"
#include "gui/app/trace_controller.h"
#include "gui/ui/window.h"
#include "trace/feed.h"
#include "trace/live.h"

namespace epollscope::bench {
namespace {

double clock_ms(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void print(std::ostream& out, const std::string& name, double value, const char* unit) {
  char v[64];
  std::snprintf(v, sizeof v, "%.2f", value);
  out << name << ' ' << v << ' ' << unit << '\n';
}

// Starts the traced server with its standard output on a pipe (the only fd that differs from
// `trace --gui`: the window's process keeps its own stdout for the figures) and reads the port
// from its first line. -1 with *error when it did not come within `timeout`.
int start_server(trace::LiveTrace& live, std::chrono::milliseconds timeout, int* pipe_read,
                 std::string* error) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *error = "pipe2 failed";
    return -1;
  }
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  dup2(p[1], STDOUT_FILENO);  // without O_CLOEXEC: the server's stdout
  const bool started = live.start(error);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(p[1]);
  *pipe_read = p[0];
  if (!started) return -1;
  std::string line;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd pfd{p[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
      *error = "the server did not say its port in time";
      return -1;
    }
    char buf[256];
    const ssize_t n = read(p[0], buf, sizeof buf);
    if (n <= 0) {
      *error = "the server ended before saying its port";
      return -1;
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  int port = 0;
  const auto at = line.find("127.0.0.1:");
  if (at == std::string::npos || std::sscanf(line.c_str() + at, "127.0.0.1:%d", &port) != 1 ||
      port <= 0) {
    *error = "unexpected first line from the server: " + line.substr(0, line.find('\n'));
    return -1;
  }
  return port;
}

}  // namespace

int bench_gui_trace_command(const BenchGuiOptions& o, std::ostream& out, std::ostream& err) {
  if (!ui::display_available()) {
    err << "epollscope: bench gui renders offscreen but needs a display; run it under Xvfb:\n"
           "  xvfb-run -a -s '-screen 0 1280x1024x24' epollscope bench gui --trace-clients "
        << o.trace_clients << '\n';
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(o.trace_deadline_s);

  // As `trace --gui -- epollscope-echo-server` (cli run_trace, follow_trace_in_window): the
  // default profile, no per-call lines, the feed's default size; the program before the window.
  trace::LiveTraceOptions lo;
  // --exit-after N: the server ends by itself once every client is done, as under bench trace.
  lo.command = {o.echo_server, "--exit-after", std::to_string(o.trace_clients)};
  trace::Feed feed(trace::Feed::kDefaultMaxSteps);
  trace::LiveTrace live(lo, &feed);
  err << "... starting " << o.echo_server << " traced, as `trace --gui` does\n";
  std::string error;
  int pipe_read = -1;
  const int port = start_server(live, std::chrono::milliseconds(10000), &pipe_read, &error);
  struct Ender {  // whatever happens: the program killed, the trace's thread joined, the pipe shut
    trace::LiveTrace& live;
    int fd;
    ~Ender() {
      live.stop();
      live.join();
      if (fd >= 0) close(fd);
    }
  } ender{live, pipe_read};
  if (port < 0) {
    err << "epollscope: bench gui --trace-clients: " << error << '\n';
    return 1;
  }

  ui::WindowOptions wo;
  wo.width = o.width;
  wo.height = o.height;
  wo.visible = false;
  wo.scale = 1;
  auto window = ui::Window::open(wo, &error);
  if (!window) {
    err << "epollscope: cannot render: " << error << '\n';
    return 1;
  }
  app::TraceController c(feed);  // follows the newest step ("Live") until told otherwise
  for (int i = 0; i < 3; ++i)    // warm-up: font atlas, layouts
    window->frame(c);

  examples::LoadOptions load;
  load.port = port;
  load.clients = o.trace_clients;
  load.concurrency = o.trace_clients;  // all at once
  load.round_trips = o.trace_round_trips;
  load.bytes = 64;
  load.endings = {examples::Ending::kClose};
  load.deadline = std::max(std::chrono::milliseconds(1000),
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               deadline - Clock::now() - std::chrono::seconds(2)));
  err << "... " << o.trace_clients << " clients at once, " << o.trace_round_trips
      << " round trips of 64 bytes each, to 127.0.0.1:" << port << "; the window follows, "
      << o.width << "x" << o.height << ", frames paced at 60 Hz\n";
  examples::LoadStats stats;
  std::atomic<bool> load_done{false};
  std::atomic<bool> load_clock_known{false};
  std::atomic<bool> loader_may_end{false};
  clockid_t load_clock{};
  std::thread loader([&] {
    pthread_getcpuclockid(pthread_self(), &load_clock);
    load_clock_known = true;
    stats = examples::run_load(load);
    load_done = true;
    // Its clock is read until the frame loop is over: an ended thread's clock cannot be read.
    while (!loader_may_end)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  while (!load_clock_known)
    std::this_thread::yield();

  // Each frame as the window draws it while following: the feed copied, the newest step shown.
  std::vector<double> cpu, main_cpu, wall, period_cpu;
  constexpr auto kPeriod = std::chrono::microseconds(16667);
  auto next = Clock::now();
  double period0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - clock_ms(load_clock);
  // At least one frame, however short the load.
  for (bool first = true; first || (!load_done && !live.finished() && Clock::now() < deadline);
       first = false) {
    next += kPeriod;
    const double load0 = clock_ms(load_clock);
    const double cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    const double main0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    const auto w0 = Clock::now();
    window->frame(c);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - w0).count());
    main_cpu.push_back(clock_ms(CLOCK_THREAD_CPUTIME_ID) - main0);
    cpu.push_back(clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0 - (clock_ms(load_clock) - load0));
    const auto now = Clock::now();
    if (next > now)
      std::this_thread::sleep_for(next - now);
    else
      next = now;  // a late frame: the next one starts at once, no catching up
    const double period1 = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - clock_ms(load_clock);
    period_cpu.push_back(period1 - period0);
    period0 = period1;
  }
  const bool timed_out = !load_done && Clock::now() >= deadline;
  loader_may_end = true;
  loader.join();  // bounded: the load has its own deadline, before ours
  // The server exits once its last client is gone; after the deadline it is killed (as closing
  // the window under `trace --gui` does).
  while (!live.finished() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  live.stop();
  live.join();
  c.update(0);  // the last of the feed
  const trace::FeedCounts counts = c.status().counts;

  print(out, "gui.trace.clients", static_cast<double>(o.trace_clients), "clients");
  print(out, "gui.trace.round_trips", static_cast<double>(stats.round_trips), "round_trips");
  print(out, "gui.trace.frames", static_cast<double>(cpu.size()), "frames");
  print(out, "gui.trace.frame_cpu_median", percentile(cpu, 0.5), "ms");
  print(out, "gui.trace.frame_cpu_p95", percentile(cpu, 0.95), "ms");
  print(out, "gui.trace.frame_main_thread_cpu_median", percentile(main_cpu, 0.5), "ms");
  print(out, "gui.trace.frame_main_thread_cpu_p95", percentile(main_cpu, 0.95), "ms");
  print(out, "gui.trace.frame_wall_median", percentile(wall, 0.5), "ms");
  print(out, "gui.trace.frame_wall_p95", percentile(wall, 0.95), "ms");
  print(out, "gui.trace.period_cpu_median", percentile(period_cpu, 0.5), "ms");
  print(out, "gui.trace.period_cpu_p95", percentile(period_cpu, 0.95), "ms");
  print(out, "gui.trace.calls_mirrored", static_cast<double>(counts.calls), "calls");
  print(out, "gui.trace.divergences", static_cast<double>(live.divergences()), "calls");
  err << "... " << live.end_line() << "; " << live.summary_line() << '\n';
  if (!timed_out && stats.ok() && live.status() != 0) {
    err << "epollscope: bench gui --trace-clients: the server did not exit 0 after the load\n";
    return 1;
  }
  if (timed_out || !stats.ok()) {
    err << "epollscope: bench gui --trace-clients: "
        << (timed_out ? "the deadline ended the run" : "the load failed") << ": "
        << examples::describe(stats) << '\n';
    for (const std::string& m : stats.messages)
      err << "  " << m << '\n';
    return 1;
  }
  return 0;
}

}  // namespace epollscope::bench
