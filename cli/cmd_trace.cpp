// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_trace.cpp — `epollscope trace` (a real program's epoll calls mirrored in the model,
// trace/) and `epollscope serve` (the seed's echo server, examples/echo_server.c, traced).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "trace/feed.h"
#include "trace/live.h"

namespace epollscope::cli {

namespace {

// Whether the echo server could listen on 127.0.0.1:`port` (bound as it binds: SO_REUSEADDR);
// empty if so, else why not.
std::string port_unusable(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string why;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1) != 0)
    why = std::strerror(errno);
  close(fd);
  return why;
}

trace::LiveTrace* g_live = nullptr;

extern "C" void on_trace_signal(int) {
  if (g_live) g_live->stop_from_signal();
}

// Where the trace is shown: the terminal, or the window.
enum class Show { kTerminal, kWindow, kWindowIfDisplay };

struct TraceOptions {
  std::vector<std::string> command;
  int pid = 0;
  bool quiet = false;
  int context = 0;
  bool gui = false;
  bool no_gui = false;
  std::size_t keep_steps = trace::Feed::kDefaultMaxSteps;
  std::string output;
  std::string perfetto;
  std::string record;
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

int run_trace(const TraceOptions& o, Show show, const std::string& connect_hint) {
  const bool window =
      show == Show::kWindow || (show == Show::kWindowIfDisplay && window_possible());
  const sim::KernelProfile* asked = nullptr;
  if (!o.profile.empty()) {
    asked = find_profile(o.profile);
    if (!asked) return 2;
  }
  std::ostringstream calib;
  const sim::KernelProfile* profile = choose_profile(asked, true, calib, false);

  // The per-call lines: standard error, or -o FILE; with the window, only -o FILE.
  std::ofstream file;
  std::ostream* out = window ? nullptr : &std::cerr;
  if (!o.output.empty()) {
    file.open(o.output);
    if (!file) {
      std::cerr << "epollscope trace: cannot write " << o.output << '\n';
      return 2;
    }
    out = &file;
  }

  trace::LiveTraceOptions lo;
  lo.command = o.command;
  lo.pid = o.pid;
  lo.profile = profile;
  lo.out = out;
  lo.quiet = o.quiet;
  lo.context = o.context;
  lo.perfetto = o.perfetto;
  lo.record = o.record;
  // A recording the probe below made stays only if the program ran.
  struct Unmade {
    std::string path;
    bool keep = true;
    ~Unmade() {
      if (!keep) std::remove(path.c_str());
    }
  } unmade;
  if (!o.record.empty()) {
    // Said before anything starts: a recording of an attached process would lack what it did
    // before (its listener, its connections, its epolls' items), and a file that cannot be
    // written.
    if (o.pid) {
      std::cerr << "epollscope trace: --record needs the program from its start (trace -- "
                   "PROGRAM): a process attached with -p made its files before the trace\n";
      return 2;
    }
    if (!o.command.empty()) {
      const std::string why = overwrites_input(o.command[0], o.record);
      if (!why.empty()) {
        std::cerr << "epollscope trace: --record: " << why << '\n';
        return 2;
      }
    }
    const bool existed = access(o.record.c_str(), F_OK) == 0;
    std::ofstream probe(o.record, std::ios::out | std::ios::trunc);
    if (!probe) {
      std::cerr << "epollscope trace: cannot write " << o.record << '\n';
      return 2;
    }
    unmade.path = o.record;
    unmade.keep = existed;
  }
  if (!o.perfetto.empty()) {
    // Said before anything starts: a file that cannot be written.
    std::ofstream probe(o.perfetto, std::ios::out | std::ios::trunc);
    if (!probe) {
      std::cerr << "epollscope trace: cannot write " << o.perfetto << '\n';
      return 2;
    }
  }
  trace::Feed feed(o.keep_steps);
  trace::LiveTrace live(lo, window ? &feed : nullptr);
  if (out && !o.quiet) *out << calib.str() << std::flush;
  if (!connect_hint.empty()) std::cerr << connect_hint << std::flush;

  g_live = &live;
  struct sigaction sa {};
  sa.sa_handler = on_trace_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the tracer's waitpid returns, and its loop sees the request
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaction(sig, &sa, nullptr);
  struct Forget {
    ~Forget() { g_live = nullptr; }
  } forget;

  std::string error;
  if (window) {
    bool opened = false;
    if (!follow_trace_in_window(live, feed, &error, &opened)) {
      if (!opened) {
        std::cerr << "epollscope trace: cannot open the window: " << error
                  << " (without --gui the terminal shows the trace)\n";
        return 2;
      }
      std::cerr << "epollscope trace: " << error << '\n';
      return o.pid ? 1 : 127;
    }
  } else {
    if (!live.start(&error)) {
      std::cerr << "epollscope trace: " << error << '\n';
      return o.pid ? 1 : 127;
    }
    live.join();
  }

  if (!live.started()) {
    std::cerr << "epollscope trace: " << live.start_error() << '\n';
    return 127;
  }
  unmade.keep = true;
  std::ostream& end = out ? *out : std::cerr;
  end << live.end_line() << '\n';
  if (!live.perfetto_error().empty()) {
    std::cerr << "epollscope trace: " << live.perfetto_error() << '\n';
  } else if (!o.perfetto.empty()) {
    end << "wrote " << o.perfetto << " (open it in ui.perfetto.dev or chrome://tracing)\n";
  }
  if (!o.record.empty()) {
    if (!live.record_error().empty()) {
      std::cerr << "epollscope trace: " << live.record_error() << '\n';
    } else {
      end << "wrote " << o.record << " (" << live.record_summary()
          << "; replay it with: epollscope check " << o.record << ")\n";
      for (const auto& p : live.record_problems())
        std::cerr << "epollscope trace: --record: " << p << '\n';
    }
  }
  end << live.memory_line() << '\n' << live.summary_line() << '\n';
  if (&end != &std::cerr) std::cerr << live.summary_line() << '\n';
  end.flush();
  if (!live.perfetto_error().empty() || !live.record_error().empty()) return 2;
  if (live.divergences() > 0) return 1;
  return live.status() < 0 ? 0 : live.status();
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
      "-p is detached by Ctrl-C and goes on running.\nThe terminal shows the trace unless --gui "
      "opens the window, which follows the program as it runs.\n--record FILE.scn also writes "
      "the run as a scenario that check, run and the window replay (the programs it talked to "
      "over TCP become scenario peers); check FILE.scn on a recording gives 0 divergences.\nThe "
      "last line is 'traced N calls "
      "(E epoll "
      "calls, W wake-ups) in T s: D divergences'; the exit status is 1 when D > 0, else the "
      "program's.");
  trace->add_option("-p,--pid", o->pid, "Attach to this running process instead of starting one")
      ->check(CLI::PositiveNumber);
  trace->add_flag("--quiet", o->quiet, "Only divergences, notes and the summary line");
  trace
      ->add_option("--context", o->context, "With --quiet: show the N calls before each divergence")
      ->check(CLI::Range(0, 10000));
  auto* gui = trace->add_flag("--gui", o->gui,
                              "Open the window on the trace: it follows the program as it runs "
                              "(needs a display; closing it ends the trace as Ctrl-C does)");
  trace->add_flag("--no-gui", o->no_gui, "The terminal only (the default)")->excludes(gui);
  trace
      ->add_option("--keep-steps", o->keep_steps,
                   "With the window: keep the newest N model steps with their states (older "
                   "ones are dropped; default 20000)")
      ->check(CLI::Range(std::size_t{100}, std::size_t{10000000}));
  trace->add_option(
      "-o,--output", o->output,
      "Write the per-call lines to FILE instead of standard error (with the window, the "
      "lines are written only with -o)");
  trace->add_option("--profile", o->profile, "Model this kernel profile (default: calibrated)");
  trace->add_option("--perfetto", o->perfetto,
                    "Also write the run as a Chrome/Perfetto trace (JSON): threads as tracks, "
                    "syscalls and the model's kernel functions as slices, wake-ups as flow arrows");
  trace->add_option(
      "--record", o->record,
      "Also write the run as a scenario (FILE.scn) that check, run and the window replay: the "
      "program's calls with the kernel's answers as expectations, its threads as scenario "
      "threads (srv, t2, ...), the programs it talked to over TCP as peers (c1 = "
      "tcp_connect(l), write(c1, N), shutdown, close) placed where their wake-ups were seen; "
      "what the language cannot say is a comment. At most 100,000 statements and 4 MiB. Not with "
      "-p");
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
      return run_trace(*o, o->gui ? Show::kWindow : Show::kTerminal, "");
    };
  });

  auto s = std::make_shared<TraceOptions>();
  auto* serve = app.add_subcommand(
      "serve",
      "The seed's echo server (edge-triggered, non-blocking listener, accept until EAGAIN, read "
      "until EAGAIN; examples/echo_server.c) on 127.0.0.1, traced: connect to it with telnet or "
      "nc and watch the model follow each call: in the window when a display is reachable, else in "
      "the terminal. Ctrl-C (or closing the window) ends it.");
  serve->add_option("--port", s->port, "The port on 127.0.0.1 (0: any free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_flag("--lt", s->lt, "The level-triggered twin of the server");
  serve->add_flag("--quiet", s->quiet, "Only divergences, notes and the summary line");
  serve->add_option("--record", s->record,
                    "Also write the session as a scenario (FILE.scn): the server's calls and its "
                    "clients as peers; replay it with: epollscope check FILE.scn");
  auto* serve_gui = serve->add_flag(
      "--gui", s->gui, "The window (the default when a display is reachable); fails without one");
  serve->add_flag("--no-gui", s->no_gui, "The terminal only (the default without a display)")
      ->excludes(serve_gui);
  serve
      ->add_option("--keep-steps", s->keep_steps,
                   "With the window: keep the newest N model steps with their states (default "
                   "20000)")
      ->check(CLI::Range(std::size_t{100}, std::size_t{10000000}));
  serve->callback([&action, s] {
    action = [s] {
      TraceOptions o = *s;
      const std::string server = beside_self("epollscope-echo-server");
      if (access(server.c_str(), X_OK) != 0) {
        std::cerr << "epollscope serve: the echo server is missing: " << server << '\n';
        return 1;
      }
      // A port in use is said before anything starts (the server would say it too, traced,
      // after "connect with").
      if (s->port != 0) {
        if (const std::string why = port_unusable(s->port); !why.empty()) {
          std::cerr << "epollscope serve: cannot listen on 127.0.0.1:" << s->port << ": " << why
                    << " (another program listens there?); choose another with --port, or "
                       "--port 0 for any free one\n";
          return 1;
        }
      }
      o.command = {server, "--port", std::to_string(s->port)};
      if (s->lt) o.command.push_back("--lt");
      const std::string p = s->port ? std::to_string(s->port) : "PORT";
      const Show show = s->no_gui ? Show::kTerminal
                        : s->gui  ? Show::kWindow
                                  : Show::kWindowIfDisplay;
      return run_trace(o, show,
                       "connect with: telnet 127.0.0.1 " + p + "   (or: nc 127.0.0.1 " + p + ")\n");
    };
  });
}

}  // namespace epollscope::cli
