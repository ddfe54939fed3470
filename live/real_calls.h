// SPDX-License-Identifier: GPL-2.0-only
// live/real_calls.h — one scenario call performed with real syscalls in this process, exactly as
// the model's ModelBackend::perform interprets it (both switch over the call table's CallId). The
// live child (a process of its own) and the fuzzer's in-process backend both call it.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <vector>

#include "driver/backend.h"

namespace epollscope::live {

// Which fds are TCP sockets, and whether any TCP call was made since the last look (loopback
// traffic then needs a moment to settle). Thread-safe: the live child's threads share one.
class RealFds {
 public:
  bool is_tcp(int fd) const;
  void note_tcp(int fd, bool add);
  bool take_network_busy();
  void clear();
  std::vector<int> tcp_fds() const;  // the fds believed to be TCP sockets

 private:
  mutable std::mutex lock_;
  std::set<int> tcp_;
  bool busy_ = false;
};

// The RLIMIT_NOFILE a scenario's process starts with: the soft limit 1024, a login shell's (the
// hard limit when that is lower), under this process's hard limit, which a child inherits; and
// fs.nr_open. The live child and the in-process backend set it so; the model is handed it.
sim::RlimitNofile scenario_rlimit_nofile();

// Runs `fn` with RLIMIT_NOFILE's soft limit lifted to the hard one for the moment, when it is
// lower: the live side's own fds (a worker's task files, a socket borrowed to look at) must fit
// while the scenario may have lowered the limit below the numbers in use. Only between
// statements, while no scenario call can allocate an fd.
void with_nofile_lifted(const std::function<void()>& fn);

// The call could not be made as the scenario means it (the buffer it needs cannot be mapped): a
// failure of the tool, not an answer of the kernel.
class RealCallError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Performs `c` (fds are real fd numbers of this process). Never sleeps for ever on its own only if
// the fds are non-blocking: a read of an empty blocking pipe blocks the calling thread. Byte counts
// are the kernel's to judge: the buffer behind them is sim::kUserBuffer, mapped once and never
// allocated per call (see sim/uapi.h). Throws RealCallError.
driver::CallResult perform_real_call(const driver::ResolvedCall& c, RealFds& fds);

}  // namespace epollscope::live
