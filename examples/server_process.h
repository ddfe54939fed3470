// SPDX-License-Identifier: GPL-2.0-only
// examples/server_process.h — an example server started as a child process, for the tests and the
// benchmark: its command line (the server itself, or a tracer wrapping it), the port read from its
// "listening on 127.0.0.1:PORT" line, and a bounded wait for its exit.
//
// The child runs in a process group of its own, so that a tracer and the server it starts are
// killed together: whatever happens, the destructor leaves no process behind (SIGKILL to the group,
// then the child reaped). It also dies with its parent (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace epollscope::examples {

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { kill_all(); }

  // Starts argv (argv[0] a path, not looked up in PATH) with stdin from /dev/null, stdout a pipe
  // of which we read the first line only (the servers print no other), and stderr kept in a file
  // that stderr_text() returns. Waits at most `timeout` for the
  // "listening on 127.0.0.1:PORT" line. False, with *error saying why (what the child wrote, how
  // it ended), if the line did not come.
  bool start(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
             std::string* error);
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Waits at most `timeout` for the child to end. Returns its wait status (WIFEXITED, ...), or -1
  // if it still runs.
  int wait_exit(std::chrono::milliseconds timeout);
  // Sends `sig` to the child (not its group).
  void signal(int sig);
  // SIGKILL to the whole group, then reaps the child. Nothing happens if it has ended.
  void kill_all();
  // What the child wrote on stderr.
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string stderr_path_;
};

// "exited 0", "exited 1", "killed by signal 9 (SIGKILL)", "still running" for a wait status or -1.
std::string describe_wait_status(int status);

}  // namespace epollscope::examples
