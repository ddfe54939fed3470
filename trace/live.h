// SPDX-License-Identifier: GPL-2.0-only
// trace/live.h — a trace run on its own thread, so that another thread (the window's) stays free
// while the program runs: the tracer's thread starts the program (or attaches to it), mirrors
// every call in the model and fills a Feed; any thread may ask it to stop.
//
// Why a thread of its own. ptrace ties a tracee to the thread that attached it: every ptrace and
// waitpid on the program must come from that one thread, which spends its life in waitpid. The
// model lives on that thread too; the window reads only the Feed's copies (trace/feed.h).
//
// Stopping. stop() is what Ctrl-C does: a started program is killed, an attached one detached and
// left running. The tracer's thread may sleep in waitpid while the program sleeps in a call, so a
// stop is a signal to that thread (kWakeSignal, sent again until the thread has finished): its
// handler, on that thread, asks the Tracer to stop, and waitpid returns (no SA_RESTART). The thread
// is the only one of the process with SIGINT, SIGTERM and SIGHUP unblocked while it runs (start()
// blocks them in the caller, whose later threads inherit that), so that a Ctrl-C interrupts its
// waitpid too.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "sim/profile.h"
#include "trace/feed.h"
#include "trace/tracer.h"

namespace epollscope::trace {

struct LiveTraceOptions {
  std::vector<std::string> command;  // the program to start, or
  pid_t pid = 0;                     // the running process to attach to
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  std::ostream* out = nullptr;  // the per-call lines (MirrorOptions::out)
  bool quiet = false;
  int context = 0;       // MirrorOptions::context
  std::string perfetto;  // also write the run as a Chrome/Perfetto trace to this file
  std::string record;    // also write the run as a scenario to this file (trace/record.h)
};

class LiveTrace {
 public:
  // Interrupts the tracer thread's waitpid after a stop().
  static constexpr int kWakeSignal = SIGUSR2;

  // `feed` (may be null) is filled as the program runs; it must outlive the LiveTrace.
  LiveTrace(LiveTraceOptions options, Feed* feed);
  ~LiveTrace();  // stops the trace and waits for its thread
  LiveTrace(const LiveTrace&) = delete;
  LiveTrace& operator=(const LiveTrace&) = delete;

  // Starts the tracer's thread and returns once the program was started (or attached); false with
  // *error ("PROG: command not found", "ptrace: Operation not permitted", ...) when it was not.
  bool start(std::string* error);
  // Any thread: ends the trace as Ctrl-C does. Returns at once; join() waits.
  void stop();
  // A signal handler's stop (async-signal-safe); interrupted() then says so.
  void stop_from_signal();
  bool interrupted() const { return interrupted_; }
  // A stop signal (SIGINT, SIGTERM, SIGHUP) waits, blocked, for a thread that takes it: after the
  // trace, when its thread is gone, a Ctrl-C is seen here (a window that stays open closes).
  static bool stop_signal_pending();
  bool finished() const { return finished_; }
  // Waits for the tracer's thread to end.
  void join();

  // --- after join() ---
  // The program's exit status as a shell reports it (128 + signal), -1 when detached.
  int status() const { return status_; }
  bool started() const { return started_; }
  // Why the program did not run ("execve: Exec format error"); empty when it ran.
  const std::string& start_error() const { return start_error_; }
  pid_t pid() const { return pid_; }
  // "program exited with status 0", "the program was killed by signal 9", "detached from ...".
  const std::string& end_line() const { return end_line_; }
  // "traced N calls (E epoll calls, W wake-ups) in T s: D divergences"
  const std::string& summary_line() const { return summary_line_; }
  long divergences() const { return divergences_; }
  // "epollscope's peak memory: N KiB (...)": what the tracer's process used at most.
  const std::string& memory_line() const { return memory_line_; }
  // Why the Perfetto trace could not be written; empty when it was (or none was asked for).
  const std::string& perfetto_error() const { return perfetto_error_; }
  // --record: why the scenario could not be written (empty when it was, or none was asked for),
  // what it holds ("N statements, P peers"), and what makes it incomplete or unreplayable.
  const std::string& record_error() const { return record_error_; }
  const std::string& record_summary() const { return record_summary_; }
  const std::vector<std::string>& record_problems() const { return record_problems_; }

 private:
  void body();
  void kick();

  LiveTraceOptions options_;
  Feed* feed_;
  std::thread thread_;
  pthread_t native_{};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> finished_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool start_known_ = false;   // under mutex_: started, or failed to
  std::string start_failure_;  // under mutex_
  int status_ = 0;
  bool started_ = false;
  std::string start_error_;
  pid_t pid_ = 0;
  std::string end_line_;
  std::string summary_line_;
  std::string memory_line_;
  std::string perfetto_error_;
  std::string record_error_;
  std::string record_summary_;
  std::vector<std::string> record_problems_;
  long divergences_ = 0;
};

}  // namespace epollscope::trace
