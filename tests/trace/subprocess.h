// SPDX-License-Identifier: GPL-2.0-only
// tests/trace/subprocess.h — running a command for a test, bounded in time: its standard output
// and error together, its exit status as a shell says it (128 + signal), killed (with its process
// group) when it outlives the deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace epollscope::tests {

struct Command {
  int status = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved as written
};

// A started command: read its output while it runs, then wait for it.
struct Process {
  pid_t pid = -1;
  int out = -1;  // the read end of its stdout + stderr
  std::string buffered;
  Process() = default;
  Process(Process&& o) noexcept;
  Process& operator=(Process&&) = delete;
  ~Process();
  // The first line that starts with `prefix` (lines before it stay in `buffered`), or "" at the
  // deadline or the end of the output.
  std::string read_until(const std::string& prefix, std::chrono::milliseconds deadline);
  // Waits for the end (killing it at the deadline) and returns everything it wrote.
  Command wait(std::chrono::milliseconds deadline);
};

Process start_command(const std::vector<std::string>& argv);
Command run_command(const std::vector<std::string>& argv, std::chrono::milliseconds deadline);

}  // namespace epollscope::tests
