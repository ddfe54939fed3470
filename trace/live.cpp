// SPDX-License-Identifier: GPL-2.0-only
#include "trace/live.h"

#include <sys/resource.h>

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "trace/mirror.h"
#include "trace/perfetto.h"

namespace epollscope::trace {
namespace {

// The tracer's thread's own: its Tracer and its LiveTrace's stop request. The Tracer's stop flag is
// written only on that thread (by the wake signal's handler), never from another.
thread_local Tracer* t_tracer = nullptr;
thread_local const std::atomic<bool>* t_stop_requested = nullptr;

extern "C" void on_wake_signal(int) {
  if (t_tracer && t_stop_requested && t_stop_requested->load()) t_tracer->stop();
}

// The handler that makes kWakeSignal interrupt waitpid (no SA_RESTART), installed once.
void install_wake_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_wake_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(LiveTrace::kWakeSignal, &sa, nullptr);
  });
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, LiveTrace::kWakeSignal})
    sigaddset(&set, sig);
  return set;
}

std::string program_text(const LiveTraceOptions& o) {
  if (o.pid) {
    std::ifstream comm("/proc/" + std::to_string(o.pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    return "process " + std::to_string(o.pid) + (name.empty() ? "" : " (" + name + ")");
  }
  std::string text;
  for (const auto& a : o.command)
    text += (text.empty() ? "" : " ") + a;
  return text;
}

}  // namespace

LiveTrace::LiveTrace(LiveTraceOptions options, Feed* feed)
    : options_(std::move(options)), feed_(feed) {}

LiveTrace::~LiveTrace() {
  if (thread_.joinable()) {
    stop();
    join();
  }
}

bool LiveTrace::start(std::string* error) {
  install_wake_handler();
  // Only the tracer's thread takes the stop signals: the caller and its later threads block them.
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { body(); });
  native_ = thread_.native_handle();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return start_known_; });
  if (!start_failure_.empty()) {
    *error = start_failure_;
    lock.unlock();
    join();
    return false;
  }
  return true;
}

void LiveTrace::stop() {
  stop_requested_ = true;
  kick();
}

void LiveTrace::stop_from_signal() {
  interrupted_ = true;
  stop_requested_ = true;
  // On the tracer's thread (the only one that takes the stop signals while it runs): at once.
  if (t_tracer) t_tracer->stop();
}

bool LiveTrace::stop_signal_pending() {
  sigset_t pending;
  if (sigpending(&pending) != 0) return false;
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    if (sigismember(&pending, sig) == 1) return true;
  return false;
}

void LiveTrace::kick() {
  if (thread_.joinable() && !finished_) pthread_kill(native_, kWakeSignal);
}

void LiveTrace::join() {
  if (!thread_.joinable()) return;
  // A stop asked just before the thread entered waitpid would not interrupt it: ask again until
  // the thread has finished.
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!finished_) {
      if (stop_requested_) kick();
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
  thread_.join();
}

void LiveTrace::body() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  auto done = [this] {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  };
  std::string error;
  std::unique_ptr<Tracer> tracer =
      options_.pid ? Tracer::attach(options_.pid, &error) : Tracer::spawn(options_.command, &error);
  if (!tracer) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      start_known_ = true;
      start_failure_ = error;
    }
    done();
    return;
  }
  pid_ = tracer->pid();
  const Mirror* mirror_ptr = nullptr;
  MirrorOptions mo;
  mo.out = options_.out;
  mo.quiet = options_.quiet;
  mo.attached = tracer->attached();
  Tracer* tp = tracer.get();
  mo.read_memory = [tp](pid_t tid, uint64_t addr, void* buf, std::size_t len) {
    return tp->read_memory(tid, addr, buf, len);
  };
  mo.context = options_.context;
  if (feed_) feed_->hook_into(mo, &mirror_ptr);
  // --perfetto: the writer takes the model's steps (and hands them on to the feed's sink) and
  // every call and wake-up, beside the feed's hooks.
  PerfettoWriter perfetto;
  if (!options_.perfetto.empty()) {
    const std::string program = program_text(options_);
    if (!perfetto.open(options_.perfetto, pid_, program, &perfetto_error_)) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        start_known_ = true;
        start_failure_ = perfetto_error_;
      }
      done();
      return;
    }
    auto on_model = mo.on_model;
    auto on_call = mo.on_call;
    auto on_wakeup = mo.on_wakeup;
    mo.on_model = [&perfetto, on_model](sim::Kernel& k) {
      if (on_model) on_model(k);
      perfetto.set_next(k.context().trace_sink());
      k.set_trace_sink(&perfetto);
    };
    mo.on_call = [&perfetto, on_call](const CallRecord& r) {
      if (on_call) on_call(r);
      perfetto.on_call(r);
    };
    mo.on_wakeup = [&perfetto, on_wakeup](const WakeRecord& w) {
      if (on_wakeup) on_wakeup(w);
      perfetto.on_wakeup(w);
    };
  }
  // --record: the recorder is told every call and wake-up (trace/record.h).
  std::unique_ptr<ScenarioRecorder> recorder;
  if (!options_.record.empty()) {
    recorder = std::make_unique<ScenarioRecorder>(program_text(options_));
    mo.recorder = recorder.get();
  }
  Mirror mirror(*options_.profile, mo);
  mirror_ptr = &mirror;
  if (feed_)
    feed_->update_status([&](FeedStatus& s) {
      s.program = program_text(options_);
      s.pid = pid_;
      s.attached = tracer->attached();
      s.running = true;
    });
  t_tracer = tracer.get();
  t_stop_requested = &stop_requested_;
  if (stop_requested_) tracer->stop();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    start_known_ = true;
    changed_.notify_all();
  }

  const int64_t t0 = monotonic_ns();
  status_ = tracer->run(mirror);
  const double seconds = static_cast<double>(monotonic_ns() - t0) / 1e9;
  t_tracer = nullptr;
  started_ = tracer->started();
  start_error_ = tracer->start_error();
  if (!started_ && start_error_.empty()) start_error_ = "the program did not start";
  if (!started_)
    end_line_ = start_error_;
  else if (status_ == -1)
    end_line_ = "detached from process " + std::to_string(pid_) + " (it goes on running)";
  else if (status_ >= 128)
    end_line_ = "the program was killed by signal " + std::to_string(status_ - 128);
  else
    end_line_ = "the program exited with status " + std::to_string(status_);
  summary_line_ = mirror.summary_line(seconds);
  divergences_ = mirror.divergences();
  if (!options_.perfetto.empty()) perfetto.finish(&perfetto_error_);
  if (recorder) {
    const std::string text = recorder->text();
    std::ofstream out(options_.record, std::ios::out | std::ios::trunc | std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
      record_error_ = "cannot write " + options_.record + ": " + std::strerror(errno);
    } else {
      record_summary_ = std::to_string(recorder->statements()) + " statements";
      record_problems_ = recorder->problems();
    }
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  memory_line_ = "epollscope's peak memory: " + std::to_string(usage.ru_maxrss) +
                 " KiB (the model's state" +
                 (feed_ ? std::string(" and the window's kept steps") : std::string()) +
                 (mirror.undecided_orders()
                      ? "; " + std::to_string(mirror.undecided_orders()) +
                            " harvests took the kernel's order within one window of wake-ups"
                      : std::string()) +
                 (mirror.exclusive_decisions()
                      ? "; " + std::to_string(mirror.exclusive_decisions()) +
                            " exclusive wake-ups reached the epoll the kernel's answer named"
                      : std::string()) +
                 (mirror.missed_wakeups() ? "; " + std::to_string(mirror.missed_wakeups()) +
                                                " wake-ups shown by a read, not by the observer"
                                          : std::string()) +
                 ")";
  if (feed_)
    feed_->update_status([&](FeedStatus& s) {
      s.counts =
          FeedCounts{mirror.calls(), mirror.epoll_calls(), mirror.wakeups(), mirror.divergences()};
      s.running = false;
      s.ended = true;
      s.end = end_line_;
      if (!started_) s.error = start_error_;
      if (!mirror.setup_error().empty() && s.error.empty()) s.error = mirror.setup_error();
    });
  // The model goes with the Mirror: the feed lets go of it (its snapshots stay: plain data).
  if (feed_) feed_->detach();
  done();
}

}  // namespace epollscope::trace
