// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_trace.cpp — `epollscope trace` (a real program's epoll calls mirrored in the model,
// trace/) and `epollscope serve` (the seed's echo server, examples/echo_server.c, traced).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "trace/mirror.h"
#include "trace/perfetto.h"
#include "trace/tracer.h"

namespace epollscope::cli {

namespace {

trace::Tracer* g_tracer = nullptr;

extern "C" void on_trace_signal(int) {
  if (g_tracer) g_tracer->stop();
}

struct TraceOptions {
  std::vector<std::string> command;
  int pid = 0;
  bool quiet = false;
  int context = 0;
  bool gui = false;
  bool no_gui = false;
  std::string output;
  std::string perfetto;
  std::string profile;
  // serve
  int port = 7000;
  bool lt = false;
};

// The program's own name beside epollscope (build/bin/ or an installed bin/).
std::string beside_self(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return name;
  return (self.parent_path() / name).string();
}

int run_trace(const TraceOptions& o, const std::string& connect_hint) {
  if (o.gui) {
    std::cerr << "epollscope trace: the window cannot follow a trace in this version; the "
                 "terminal shows it (--no-gui)\n";
  }
  const sim::KernelProfile* asked = nullptr;
  if (!o.profile.empty()) {
    asked = find_profile(o.profile);
    if (!asked) return 2;
  }
  std::ostringstream calib;
  const sim::KernelProfile* profile = choose_profile(asked, true, calib, false);

  std::ofstream file;
  std::ostream* out = &std::cerr;
  if (!o.output.empty()) {
    file.open(o.output);
    if (!file) {
      std::cerr << "epollscope trace: cannot write " << o.output << '\n';
      return 2;
    }
    out = &file;
  }

  std::string error;
  std::unique_ptr<trace::Tracer> tracer =
      o.pid ? trace::Tracer::attach(o.pid, &error) : trace::Tracer::spawn(o.command, &error);
  if (!tracer) {
    std::cerr << "epollscope trace: " << error << '\n';
    return o.pid ? 1 : 127;
  }
  trace::MirrorOptions mo;
  mo.out = out;
  mo.quiet = o.quiet;
  mo.context = o.context;
  mo.attached = tracer->attached();
  trace::Tracer* tp = tracer.get();
  mo.read_memory = [tp](pid_t tid, uint64_t addr, void* buf, std::size_t len) {
    return tp->read_memory(tid, addr, buf, len);
  };
  trace::PerfettoWriter perfetto;
  if (!o.perfetto.empty()) {
    const std::string program = o.pid ? "process " + std::to_string(o.pid) : o.command[0];
    if (!perfetto.open(o.perfetto, tracer->pid(), program, &error)) {
      std::cerr << "epollscope trace: " << error << '\n';
      return 2;
    }
    mo.on_model = [&perfetto](sim::Kernel& k) { k.set_trace_sink(&perfetto); };
    mo.on_call = [&perfetto](const trace::CallRecord& r) { perfetto.on_call(r); };
    mo.on_wakeup = [&perfetto](const trace::WakeRecord& w) { perfetto.on_wakeup(w); };
  }
  trace::Mirror mirror(*profile, mo);
  if (!o.quiet) *out << calib.str();
  if (!connect_hint.empty()) std::cerr << connect_hint << std::flush;

  g_tracer = tracer.get();
  struct sigaction sa {};
  sa.sa_handler = on_trace_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns, and the loop sees the request
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &sa, nullptr);

  const int64_t t0 = trace::monotonic_ns();
  const int status = tracer->run(mirror);
  const double seconds = static_cast<double>(trace::monotonic_ns() - t0) / 1e9;
  g_tracer = nullptr;

  if (!tracer->started()) {
    std::cerr << "epollscope trace: "
              << (tracer->start_error().empty() ? std::string("the program did not start")
                                                : tracer->start_error())
              << '\n';
    return 127;
  }
  if (status == -1)
    *out << "detached from process " << tracer->pid() << " (it goes on running)\n";
  else if (status >= 128)
    *out << "the program was killed by signal " << status - 128 << '\n';
  else
    *out << "the program exited with status " << status << '\n';
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  *out << "epollscope's peak memory: " << usage.ru_maxrss << " KiB (the model's state; "
       << (mirror.undecided_orders() ? std::to_string(mirror.undecided_orders()) +
                                           " harvests took the kernel's order within one window "
                                           "of wake-ups; "
                                     : std::string())
       << "no history is kept)\n";
  *out << mirror.summary_line(seconds) << '\n';
  if (out != &std::cerr) std::cerr << mirror.summary_line(seconds) << '\n';
  out->flush();
  if (!o.perfetto.empty()) {
    if (!perfetto.finish(&error)) {
      std::cerr << "epollscope trace: " << error << '\n';
      return 2;
    }
    *out << "wrote " << o.perfetto << " (open it in ui.perfetto.dev or chrome://tracing)\n";
  }
  if (mirror.divergences() > 0) return 1;
  return status < 0 ? 0 : status;
}

}  // namespace

void add_trace(CLI::App& app, Action& action) {
  auto o = std::make_shared<TraceOptions>();
  auto* trace = app.add_subcommand(
      "trace",
      "Mirror a real program's epoll calls in the model, call by call: trace -- PROGRAM [ARGS...] "
      "or trace -p PID.\nEach call the program makes on an epoll, a pipe, a socket or an eventfd "
      "is performed on the model too and its answer compared with the kernel's (= or ≠). Sockets "
      "whose peer is another program, and files the model cannot simulate, are observed files: "
      "their wake-ups are watched on the real kernel, everything epoll does with them is the "
      "model's.\nA program started by trace is ended with it (Ctrl-C ends both); one attached with "
      "-p is detached by Ctrl-C and goes on running.\nThe last line is 'traced N calls (E epoll "
      "calls, W wake-ups) in T s: D divergences'; the exit status is 1 when D > 0, else the "
      "program's.");
  trace->add_option("-p,--pid", o->pid, "Attach to this running process instead of starting one")
      ->check(CLI::PositiveNumber);
  trace->add_flag("--quiet", o->quiet, "Only divergences, notes and the summary line");
  trace
      ->add_option("--context", o->context, "With --quiet: show the N calls before each divergence")
      ->check(CLI::Range(0, 10000));
  trace->add_flag("--gui", o->gui, "Open the window on the trace (not yet: the terminal shows it)");
  trace->add_flag("--no-gui", o->no_gui, "The terminal only (the default in this version)");
  trace->add_option("-o,--output", o->output,
                    "Write the per-call lines to FILE instead of standard error");
  trace->add_option("--profile", o->profile, "Model this kernel profile (default: calibrated)");
  trace->add_option("--perfetto", o->perfetto,
                    "Also write the run as a Chrome/Perfetto trace (JSON): threads as tracks, "
                    "syscalls and the model's kernel functions as slices, wake-ups as flow arrows");
  trace->add_option("command", o->command, "PROGRAM [ARGS...] (after --)");
  trace->callback([&action, o] {
    action = [o] {
      if (o->pid && !o->command.empty()) {
        std::cerr << "epollscope trace: give either -p PID or -- PROGRAM, not both\n";
        return 2;
      }
      if (!o->pid && o->command.empty()) {
        std::cerr << "epollscope trace: nothing to trace: -- PROGRAM [ARGS...] or -p PID\n";
        return 2;
      }
      return run_trace(*o, "");
    };
  });

  auto s = std::make_shared<TraceOptions>();
  auto* serve = app.add_subcommand(
      "serve",
      "The seed's echo server (edge-triggered, non-blocking listener, accept until EAGAIN, read "
      "until EAGAIN; examples/echo_server.c) on 127.0.0.1, traced: connect to it with telnet or "
      "nc and watch the model follow each call. Ctrl-C ends it.");
  serve->add_option("--port", s->port, "The port on 127.0.0.1 (0: any free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--lt", s->lt, "The level-triggered twin of the server");
  serve->add_flag("--quiet", s->quiet, "Only divergences, notes and the summary line");
  serve->add_flag("--no-gui", s->no_gui, "The terminal only (the default in this version)");
  serve->callback([&action, s] {
    action = [s] {
      TraceOptions o = *s;
      const std::string server = beside_self("epollscope-echo-server");
      if (access(server.c_str(), X_OK) != 0) {
        std::cerr << "epollscope serve: the echo server is missing: " << server << '\n';
        return 1;
      }
      o.command = {server, "--port", std::to_string(s->port)};
      if (s->lt) o.command.push_back("--lt");
      const std::string p = s->port ? std::to_string(s->port) : "PORT";
      return run_trace(o,
                       "connect with: telnet 127.0.0.1 " + p + "   (or: nc 127.0.0.1 " + p + ")\n");
    };
  });
}

}  // namespace epollscope::cli
