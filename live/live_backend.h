// SPDX-License-Identifier: GPL-2.0-only
// live/live_backend.h — runs scenario calls on the real kernel of this machine.
//
// The calls run in a child process (epollscope-live-child) whose fd table holds only 0, 1 and 2,
// so the fds they create carry the model's numbers. The child dies with this process
// (live/child_guard.h). Every real wait is bounded: a call that would
// sleep for ever is reported as blocked after a short wait; after each call the child lets the
// system settle (wake-ups reach sleeping threads, loopback segments arrive) before the next one.
// The interest list of an epoll fd is read from /proc/<child>/fdinfo/<epfd>.
//
// Failures of the tool itself (the child cannot be started, stops answering, dies) are thrown as
// LiveBackendError; the kernel's answers, errors included, are ordinary CallResults.
#pragma once

#include <sys/types.h>
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
  int settle_ms = 20;      // how long to let wake-ups and loopback traffic settle after a call
  std::string child_path;  // empty: the epollscope-live-child built next to this program
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
  std::string receive(int timeout_ms);

  LiveOptions options_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};

// Where the live child is: $EPOLLSCOPE_LIVE_CHILD, or next to this program (every program of a
// build tree or an installation is in one bin/ folder).
std::string default_live_child_path();

// Parses the tfd lines of a /proc/<pid>/fdinfo/<fd> text.
std::vector<driver::FdinfoEntry> parse_fdinfo(const std::string& text);

}  // namespace epollscope::live
