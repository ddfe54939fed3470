// SPDX-License-Identifier: GPL-2.0-only
#include "tests/trace/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace epollscope::tests {

namespace {
using Clock = std::chrono::steady_clock;

int status_of(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

// Reads what is there within `ms`; false at the end of the output.
bool read_some(int fd, std::string& into, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return true;
  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  into.append(buf, static_cast<std::size_t>(n));
  return true;
}
}  // namespace

Process start_command(const std::vector<std::string>& argv) {
  Process p;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return p;
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    // Only 0, 1 and 2: an fd the test inherited (ctest's log is fd 3) would shift the fd numbers
    // the traced programs get, and the tests expect theirs.
    close_range(3, ~0U, 0);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const char* msg = "exec failed\n";
    (void)!::write(2, msg, std::strlen(msg));
    _exit(127);
  }
  close(fds[1]);
  p.pid = pid;
  p.out = fds[0];
  return p;
}

Process::Process(Process&& o) noexcept : pid(o.pid), out(o.out), buffered(std::move(o.buffered)) {
  o.pid = -1;
  o.out = -1;
}

Process::~Process() {
  if (pid > 0) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  if (out >= 0) close(out);
}

std::string Process::read_until(const std::string& prefix, std::chrono::milliseconds deadline) {
  const auto end = Clock::now() + deadline;
  std::size_t scanned = 0;
  while (true) {
    std::size_t nl;
    while ((nl = buffered.find('\n', scanned)) != std::string::npos) {
      std::string line = buffered.substr(scanned, nl - scanned);
      scanned = nl + 1;
      if (line.rfind(prefix, 0) == 0) return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) return "";
    if (!read_some(out, buffered, static_cast<int>(std::min<long>(left.count(), 100)))) return "";
  }
}

Command Process::wait(std::chrono::milliseconds deadline) {
  Command c;
  const auto end = Clock::now() + deadline;
  int st = 0;
  bool open = out >= 0;
  while (true) {
    if (open)
      open = read_some(out, buffered, 20);
    else
      usleep(10000);
    if (waitpid(pid, &st, WNOHANG) == pid) break;
    if (Clock::now() >= end) {
      c.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
  }
  // What it wrote last (a process it left behind may hold the pipe: do not wait for the end).
  for (int i = 0; open && i < 100; ++i) {
    const std::size_t before = buffered.size();
    open = read_some(out, buffered, 10);
    if (buffered.size() == before) break;
  }
  pid = -1;
  c.status = status_of(st);
  c.output = buffered;
  return c;
}

Command run_command(const std::vector<std::string>& argv, std::chrono::milliseconds deadline) {
  Process p = start_command(argv);
  return p.wait(deadline);
}

}  // namespace epollscope::tests
