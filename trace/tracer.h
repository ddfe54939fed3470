// SPDX-License-Identifier: GPL-2.0-only
// trace/tracer.h — ptrace for `epollscope trace`: starts a program (or attaches to one), stops
// its threads at the calls of trace/syscalls.h, and hands each call's entry and exit to a
// handler. It never changes a register or a byte of the program: every call returns exactly what
// it would untraced.
//
// A started program gets a seccomp-bpf filter before its execve (as `strace --seccomp-bpf`
// installs one): only the listed calls stop it, at their entry (PTRACE_EVENT_SECCOMP); the
// tracer then asks for the exit (PTRACE_SYSCALL) and lets the thread run on (PTRACE_CONT) until
// its next listed call. A filter cannot be put into a running process, so `trace -p` stops at
// every call's entry and exit (PTRACE_SYSCALL) and ignores the ones not listed.
//
// Threads (PTRACE_O_TRACECLONE) and child processes (fork, vfork) are followed: a child process
// inherits the filter, and a listed call without a tracer would fail with ENOSYS, so the tracer
// must stay with it — its calls are resumed, not mirrored (Handler::on_process).
//
// Who owns what: the Tracer owns its tracees' ptrace state. A started program dies with the
// tracer (PTRACE_O_EXITKILL, and the tracer kills it when it stops); an attached one is detached,
// left running.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace epollscope::trace {

// One system call of a traced thread.
struct SyscallStop {
  pid_t tid = 0;
  pid_t tgid = 0;  // its process
  long nr = -1;
  uint64_t args[6] = {};
  long ret = 0;          // at the exit: the raw return value (-errno on failure)
  int64_t entry_ns = 0;  // CLOCK_MONOTONIC at the entry stop
  int64_t exit_ns = 0;   // ... and at the exit stop
};

class Handler {
 public:
  virtual ~Handler() = default;
  // The program runs (after its execve, when started by the tracer; at once when attached).
  virtual void on_start(pid_t pid) = 0;
  virtual void on_entry(SyscallStop& s) = 0;
  virtual void on_exit(SyscallStop& s) = 0;
  // A new thread of a process already traced.
  virtual void on_thread(pid_t tid, pid_t tgid) = 0;
  // A new process (fork, vfork, clone without CLONE_THREAD) made by `parent`.
  virtual void on_process(pid_t pid, pid_t parent) = 0;
  // A thread ended (its process ended when tid == tgid and it was the last).
  virtual void on_thread_exit(pid_t tid, pid_t tgid) = 0;
  // A successful execve replaced process `pid`'s image (its other threads are gone).
  virtual void on_exec(pid_t pid) = 0;
};

class Tracer {
 public:
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Starts argv[0] (looked up in PATH as a shell does) traced, stopped before its first
  // instruction. nullptr with *error ("PROG: command not found", "ptrace: Operation not
  // permitted", ...) when it cannot.
  static std::unique_ptr<Tracer> spawn(const std::vector<std::string>& argv, std::string* error);
  // Attaches to every thread of a running process.
  static std::unique_ptr<Tracer> attach(pid_t pid, std::string* error);

  // Runs the program until it ends (or stop() is asked), calling `h` at every stop. Returns the
  // program's exit status as a shell reports it (128 + signal when killed); -1 when detached.
  int run(Handler& h);
  // Asked from a signal handler (async-signal-safe): run() stops at its next chance — a started
  // program is killed, an attached one detached and left running.
  void stop() { stop_requested_ = 1; }

  pid_t pid() const { return pid_; }
  bool attached() const { return attached_; }
  // Reads `len` bytes of the program's memory; false when the address is not mapped.
  bool read_memory(pid_t tid, uint64_t addr, void* buf, std::size_t len) const;
  int exit_status() const { return exit_status_; }
  // Why a started program never ran ("execve: Exec format error"), empty when it did.
  const std::string& start_error() const { return start_error_; }
  bool started() const { return started_; }

 private:
  Tracer() = default;
  struct Tracee;
  Tracee* find(pid_t tid);
  // The stop `status` of `tid` is the exit of a listed call (of an epoll_wait).
  bool finished_call_exit(pid_t tid, int status);
  bool epoll_wait_exit(pid_t tid, int status);
  Tracee& add(pid_t tid, pid_t tgid, bool seen_first_stop);
  void resume(Tracee& t, int sig);
  void handle_stop(Handler& h, pid_t tid, int status);
  bool read_regs(pid_t tid, SyscallStop& s, bool exit) const;
  void finish();

  pid_t pid_ = -1;
  bool attached_ = false;
  bool seccomp_ = false;
  int exit_status_ = 0;
  bool leader_gone_ = false;
  bool started_ = false;
  int report_fd_ = -1;  // the child writes why its execve failed here
  std::string start_error_;
  volatile std::sig_atomic_t stop_requested_ = 0;
  std::vector<std::unique_ptr<Tracee>> tracees_;
};

// CLOCK_MONOTONIC in ns.
int64_t monotonic_ns();

}  // namespace epollscope::trace
