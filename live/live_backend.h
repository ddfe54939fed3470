// SPDX-License-Identifier: GPL-2.0-only
// live/live_backend.h — runs scenario calls on the real kernel of this machine.
//
// The calls run in a child process (epollscope-live-child) whose scenario threads share an fd
// table that holds only 0, 1 and 2 (/dev/null), so the fds they create carry the model's numbers;
// the child talks to this process over a socket in a table of its own that no scenario call can
// reach (live/live_child.cpp). The child dies with this process (live/child_guard.h). Every real
// wait is bounded: a call that sleeps is reported as
// blocked as soon as its thread is seen asleep in it; a main-thread timeout or a sleep of more
// than driver::kMaxRealWaitMs is refused. After each call the child lets the system settle
// (wake-ups reach sleeping threads, loopback segments arrive) before the next one. The interest
// list of an epoll fd is read from /proc/<child>/fdinfo/<epfd>.
//
// Failures of the tool itself (the child cannot be found or started, stops answering, dies) are
// thrown as LiveBackendError, saying why (the exit status, or the signal that killed it); the
// kernel's answers, errors included, are ordinary CallResults. Writing to a child that died
// raises no SIGPIPE here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/backend.h"

namespace epollscope::live {

class LiveBackendError : public driver::BackendError {
 public:
  using driver::BackendError::BackendError;
};

struct LiveOptions {
  // The longest a call's loopback TCP data is waited for while ksoftirqd has work (the child
  // waits only while the kernel shows something in flight: live/tcp_settle.h).
  int settle_ms = 20;
  // Empty: $EPOLLSCOPE_LIVE_CHILD, or the epollscope-live-child beside this program.
  std::string child_path;
};

class LiveBackend final : public driver::Backend {
 public:
  explicit LiveBackend(LiveOptions options = {});
  ~LiveBackend() override;

  const char* name() const override { return "kernel"; }
  bool start(std::string* error) override;
  driver::CallResult perform(const driver::ResolvedCall& call) override;
  std::vector<driver::ThreadResult> take_completions() override;
  std::vector<driver::FdinfoEntry> fdinfo(int epfd) override;
  void stop() override;
  // The child inherits this process's hard limit and sets the soft one as the model's starts.
  std::optional<sim::RlimitNofile> rlimit_nofile() const override;

  pid_t pid() const { return pid_; }

 private:
  void send(const std::string& line);
  std::string receive(int64_t timeout_ms);
  // The child is gone (or must go): reaps it and says how it ended.
  [[noreturn]] void child_died(const std::string& what);

  LiveOptions options_;
  pid_t pid_ = -1;
  int sock_ = -1;  // the protocol socket
  std::string buffer_;
};

// Where the live child is: $EPOLLSCOPE_LIVE_CHILD when set, else epollscope-live-child in the
// folder of this program's own executable (/proc/self/exe: every program of a build tree or an
// installation is in one bin/ folder) — never the current directory or PATH. Empty, with `error`
// naming where it looked, when it is not there.
std::string find_live_child(std::string* error);

// How a child process ended, from its wait status: "exited with status 2", "was killed by signal
// 9 (SIGKILL)".
std::string describe_exit(int status);

// Parses the tfd lines of a /proc/<pid>/fdinfo/<fd> text.
std::vector<driver::FdinfoEntry> parse_fdinfo(const std::string& text);

}  // namespace epollscope::live
