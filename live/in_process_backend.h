// SPDX-License-Identifier: GPL-2.0-only
// live/in_process_backend.h — the real kernel, called directly from this process.
//
// The LiveBackend runs calls in a child process and talks to it through pipes: safe for any
// scenario (threads that sleep, timeouts), but a few thousand calls per second. The fuzzer needs
// a hundred thousand, so its worker processes call the kernel themselves through this backend:
// start() closes every fd above 2 — the process's fd table then belongs to the scenario and real
// fd numbers equal the model's — and sets the soft RLIMIT_NOFILE to 1024 (scenario_rlimit_nofile),
// as the model's. Only for a process that owns nothing else (a forked fuzz worker). Calls must not
// sleep: the fuzzer's fds are all non-blocking and its epoll_waits have timeout 0; a scenario
// thread other than main is refused. After a TCP call it waits for loopback TCP to settle
// (live/tcp_settle.h), for at most `settle_us`.
#pragma once

#include "driver/backend.h"
#include "live/real_calls.h"

namespace epollscope::live {

class InProcessBackend final : public driver::Backend {
 public:
  explicit InProcessBackend(unsigned settle_us = 20000) : settle_us_(settle_us) {}
  const char* name() const override { return "kernel"; }
  bool start(std::string* error) override;
  driver::CallResult perform(const driver::ResolvedCall& call) override;
  std::vector<driver::ThreadResult> take_completions() override { return {}; }
  std::vector<driver::FdinfoEntry> fdinfo(int epfd) override;
  void stop() override;
  std::optional<sim::RlimitNofile> rlimit_nofile() const override {
    return scenario_rlimit_nofile();
  }

 private:
  RealFds fds_;
  unsigned settle_us_;
  int dir_ = -1;  // /proc/self/fdinfo
};

// Reads /proc/self/fdinfo/<epfd>'s tfd lines (empty when epfd is not an epoll fd); `dir`: an fd
// of /proc/self/fdinfo, or -1.
std::vector<driver::FdinfoEntry> read_own_fdinfo(int epfd, int dir = -1);

}  // namespace epollscope::live
