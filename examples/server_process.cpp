// SPDX-License-Identifier: GPL-2.0-only
// examples/server_process.cpp — an example server as a child process (server_process.h).
#include "examples/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace epollscope::examples {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "listening on 127.0.0.1:";

}  // namespace

bool ServerProcess::start(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          std::string* error) {
  if (argv.empty()) {
    *error = "no command";
    return false;
  }
  char path[] = "/tmp/epollscope-server-stderr-XXXXXX";
  const int err_fd = mkostemp(path, O_CLOEXEC);
  int out[2];
  if (err_fd < 0 || pipe2(out, O_CLOEXEC) < 0) {
    *error = std::string("cannot make the child's output: ") + std::strerror(errno);
    if (err_fd >= 0) close(err_fd);
    return false;
  }
  stderr_path_ = path;
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();

  pid_ = fork();
  if (pid_ == 0) {
    // The child: a group of its own (a tracer and its tracee die together), death with us.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(70);
    const int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err_fd, 2) < 0) _exit(71);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    // Only async-signal-safe calls between fork and exec (the parent may have threads).
    const char* why = "cannot run the server: execv failed\n";
    [[maybe_unused]] const ssize_t n = write(2, why, std::strlen(why));
    _exit(127);
  }
  close(err_fd);
  close(out[1]);
  if (pid_ < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(out[0]);
    return false;
  }
  setpgid(pid_, pid_);  // also here: no window in which a kill of the group misses the child
  stdout_fd_ = out[0];

  // Read up to the end of the first line, within the timeout.
  const auto deadline = Clock::now() + timeout;
  std::string text;
  while (text.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{stdout_fd_, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) == 0) {
      *error = "no 'listening on' line within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    char buffer[512];
    const ssize_t n = read(stdout_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "it ended without printing its port: " + describe_wait_status(wait_exit(timeout));
      break;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  const std::size_t eol = text.find('\n');
  if (eol != std::string::npos) {
    const std::string line = text.substr(0, eol);
    char* end = nullptr;
    const long port = line.rfind(kPrefix, 0) == 0
                          ? std::strtol(line.c_str() + std::strlen(kPrefix), &end, 10)
                          : 0;
    if (port > 0 && port < 65536 && end && *end == '\0') {
      port_ = static_cast<int>(port);
      return true;
    }
    *error = "its first line is not 'listening on 127.0.0.1:PORT': '" + line + "'";
  }
  const std::string err = stderr_text();
  if (!err.empty()) *error += "; its stderr: " + err;
  kill_all();
  return false;
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // Seen without reaping it (WNOWAIT): while the ended leader is not reaped, its group id
    // cannot be given to another process, so the group can still be killed safely.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
        errno != EINTR)
      return -1;
    if (info.si_pid == pid_) {
      // The group may hold more (the tracee of a tracer): none may outlive its leader.
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
      return status;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ServerProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void ServerProcess::kill_all() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (!stderr_path_.empty()) {
    unlink(stderr_path_.c_str());
    stderr_path_.clear();
  }
}

std::string ServerProcess::stderr_text() const {
  if (stderr_path_.empty()) return {};
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe_wait_status(int status) {
  if (status == -1) return "still running";
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "status " + std::to_string(status);
}

}  // namespace epollscope::examples
