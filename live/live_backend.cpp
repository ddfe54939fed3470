// SPDX-License-Identifier: GPL-2.0-only
// live/live_backend.cpp — the parent's side of the live child: finding and starting it, the
// protocol (live/protocol.h) with a bound on every answer, and telling how the child ended.
#include "live/live_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "driver/driver.h"
#include "live/child_guard.h"
#include "live/protocol.h"
#include "live/real_calls.h"

extern char** environ;

namespace epollscope::live {

using driver::FdinfoEntry;

namespace {

constexpr const char* kChildName = "epollscope-live-child";

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_live_child(std::string* error) {
  if (const char* env = std::getenv("EPOLLSCOPE_LIVE_CHILD"); env && *env) {
    if (is_executable_file(env)) return env;
    *error = std::string("the live child ") + env +
             " (from $EPOLLSCOPE_LIVE_CHILD) is not an executable file";
    return {};
  }
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    *error = std::string("cannot find the live child: /proc/self/exe: ") + std::strerror(errno) +
             "; set EPOLLSCOPE_LIVE_CHILD to its path";
    return {};
  }
  std::string dir(self, static_cast<std::size_t>(n));
  dir = dir.substr(0, dir.rfind('/'));
  // Every program of a build tree or an installation sits in the same bin/ folder.
  const std::string path = dir + "/" + kChildName;
  if (is_executable_file(path)) return path;
  *error = "the live child " + path +
           " is missing (it is built and installed beside epollscope); set EPOLLSCOPE_LIVE_CHILD "
           "to its path, or use --no-live for the model alone";
  return {};
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) +
           (abbrev ? std::string(" (SIG") + abbrev + ")" : std::string());
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended (wait status " + std::to_string(status) + ")";
}

std::vector<FdinfoEntry> parse_fdinfo(const std::string& text) {
  std::vector<FdinfoEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    int tfd;
    unsigned events;
    unsigned long long data;
    if (std::sscanf(line.c_str(), "tfd: %d events: %x data: %llx", &tfd, &events, &data) == 3)
      out.push_back(FdinfoEntry{tfd, events, data});
  }
  return out;
}

LiveBackend::LiveBackend(LiveOptions options) : options_(std::move(options)) {}

LiveBackend::~LiveBackend() {
  stop();
}

bool LiveBackend::start(std::string* error) {
  stop();
  std::string path = options_.child_path;
  if (path.empty() && (path = find_live_child(error)).empty()) return false;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    *error = std::string("socketpair: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // 0: the protocol (the child moves it out of the scenario's reach); 1: /dev/null; 2: stderr.
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  // The child dies with this process (live/child_guard.h); it checks it was started by this one.
  std::string parent = "--parent=" + std::to_string(getpid());
  char* argv[] = {const_cast<char*>(path.c_str()), parent.data(), nullptr};
  // posix_spawn, not posix_spawnp: the path is used as it is, never looked up in PATH.
  const int rc = posix_spawn(&pid_, path.c_str(), &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(sv[1]);
  if (rc != 0) {
    close(sv[0]);
    pid_ = -1;
    *error = "cannot start the live child " + path + ": " + std::strerror(rc);
    return false;
  }
  track_child(pid_);
  sock_ = sv[0];
  buffer_.clear();
  // The child says READY once its two fd tables are set up.
  try {
    const std::string hello = receive(kStuckMs);
    if (hello == "READY") return true;
    *error = "the live child " + path + " did not start: " +
             (hello.rfind("ERROR ", 0) == 0 ? hello.substr(6) : "it said '" + hello + "'");
  } catch (const LiveBackendError& e) {
    *error = "the live child " + path + " did not start: " + e.what();
  }
  stop();
  return false;
}

void LiveBackend::stop() {
  if (pid_ > 0) {
    if (sock_ >= 0) {
      static const char quit[] = "QUIT\n";
      [[maybe_unused]] ssize_t n = ::send(sock_, quit, sizeof quit - 1, MSG_NOSIGNAL);
    }
    // Threads blocked for ever in the child cannot stop by themselves; QUIT ends them all at
    // once (_exit), and a child that does not follow within 100 ms is killed.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      gone = waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!gone) usleep(1000);
    }
    if (!gone) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    untrack_child(pid_);
    pid_ = -1;
  }
  if (sock_ >= 0) close(sock_);
  sock_ = -1;
}

std::optional<sim::RlimitNofile> LiveBackend::rlimit_nofile() const {
  // live_child.cpp's main sets the soft limit as scenario_rlimit_nofile says.
  return scenario_rlimit_nofile();
}

void LiveBackend::child_died(const std::string& what) {
  std::string why = "the live child " + what;
  if (pid_ > 0) {
    // Its end of the socket closes as it exits, a moment before it can be waited for.
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 2000 && (r = waitpid(pid_, &status, WNOHANG)) == 0; ++i)
      usleep(1000);
    if (r == 0) {
      kill(pid_, SIGKILL);
      r = waitpid(pid_, &status, 0);
      why += " and was killed";
    } else if (r == pid_) {
      why = "the live child " + describe_exit(status);
    }
    untrack_child(pid_);
    pid_ = -1;
  }
  if (sock_ >= 0) close(sock_);
  sock_ = -1;
  throw LiveBackendError(why);
}

void LiveBackend::send(const std::string& line) {
  if (pid_ <= 0) throw LiveBackendError("the live child is not running");
  const std::string s = line + "\n";
  std::size_t off = 0;
  while (off < s.size()) {
    // MSG_NOSIGNAL: a child that died makes this call fail (EPIPE), not this process end.
    const ssize_t n = ::send(sock_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) child_died(std::string("stopped reading (") + std::strerror(errno) + ")");
    off += static_cast<std::size_t>(n);
  }
}

std::string LiveBackend::receive(int64_t timeout_ms) {
  if (pid_ <= 0) throw LiveBackendError("the live child is not running");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (buffer_.size() > kMaxLine)
      child_died("sent a line longer than " + std::to_string(kMaxLine >> 20) + " MiB");
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      child_died("did not answer within " + std::to_string(timeout_ms / 1000) + " s");
    pollfd p{sock_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::recv(sock_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      child_died(n == 0 ? "closed its end" : std::string("recv: ") + std::strerror(errno));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

driver::CallResult LiveBackend::perform(const driver::ResolvedCall& call) {
  const sim::script::CallSpec& spec = sim::script::call_spec(call.call);
  const int64_t timeout =
      spec.timeout_arg < 0 ? 0
                           : sim::script::timeout_ms(
                                 call.call, call.values[static_cast<std::size_t>(spec.timeout_arg)],
                                 call.is_null[static_cast<std::size_t>(spec.timeout_arg)]);
  const int64_t waits = driver::real_wait_ms(call.call, call.thread, timeout);
  // The driver refuses such a scenario before it starts; a caller that did not ask it gets no
  // silent hour either.
  if (waits > driver::kMaxRealWaitMs)
    throw LiveBackendError(std::string(spec.name) + " would wait " + std::to_string(waits) +
                           " ms; on the real kernel a call may wait at most " +
                           std::to_string(driver::kMaxRealWaitMs) + " ms");
  send(encode_call(call));
  // The child answers within what the call waits out plus kStuckMs.
  const std::string line = receive(waits + kStuckMs + 5000);
  if (line.rfind("ERROR ", 0) == 0) throw LiveBackendError("the live child: " + line.substr(6));
  std::istringstream in(line);
  auto o = decode_result(in);
  if (!o) child_died("sent a reply that cannot be read: '" + line.substr(0, 80) + "'");
  return *o;
}

std::vector<driver::ThreadResult> LiveBackend::take_completions() {
  send("SETTLE " + std::to_string(options_.settle_ms));
  std::istringstream head(receive(options_.settle_ms + kStuckMs + 5000));
  std::string word;
  std::size_t n = 0;
  if (!(head >> word >> n) || word != "COMPLETIONS") child_died("sent a bad COMPLETIONS line");
  std::vector<driver::ThreadResult> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::istringstream in(receive(kStuckMs));
    driver::ThreadResult t;
    in >> t.thread;
    auto o = decode_result(in);
    if (!o) child_died("sent a bad completion line");
    t.result = *o;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<FdinfoEntry> LiveBackend::fdinfo(int epfd) {
  if (pid_ <= 0 || epfd < 0) return {};
  std::ifstream in("/proc/" + std::to_string(pid_) + "/fdinfo/" + std::to_string(epfd));
  if (!in) {
    // No such fd, or no child any more: then the run must end here, not compare an empty list.
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      untrack_child(pid_);
      pid_ = -1;
      if (sock_ >= 0) close(sock_);
      sock_ = -1;
      throw LiveBackendError("the live child " + describe_exit(status));
    }
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_fdinfo(ss.str());
}

}  // namespace epollscope::live
