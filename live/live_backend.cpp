// SPDX-License-Identifier: GPL-2.0-only
#include "live/live_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "live/child_guard.h"
#include "live/protocol.h"
#include "live/real_calls.h"

extern char** environ;

namespace epollscope::live {

using driver::FdinfoEntry;
using driver::Outcome;
using driver::ResolvedCall;
using driver::ThreadOutcome;

std::string default_live_child_path() {
  if (const char* env = std::getenv("EPOLLSCOPE_LIVE_CHILD")) return env;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    // Every program of a build tree or an installation sits in the same bin/ folder.
    for (const char* rel : {"/epollscope-live-child"}) {
      std::string p = dir + rel;
      if (access(p.c_str(), X_OK) == 0) return p;
    }
  }
  return "epollscope-live-child";
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
  const std::string path =
      options_.child_path.empty() ? default_live_child_path() : options_.child_path;
  int req[2], rep[2];
  if (pipe2(req, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, req[0], 0);
  posix_spawn_file_actions_adddup2(&fa, rep[1], 1);
  // Only 0, 1 and 2 stay open in the child, so its fds are numbered like the model's.
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
  int rc = posix_spawn(&pid_, path.c_str(), &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(req[0]);
  close(rep[1]);
  if (rc != 0) {
    close(req[1]);
    close(rep[0]);
    pid_ = -1;
    *error = "cannot start the live child " + path + ": " + std::strerror(rc);
    return false;
  }
  track_child(pid_);
  to_child_ = req[1];
  from_child_ = rep[0];
  buffer_.clear();
  return true;
}

void LiveBackend::stop() {
  if (pid_ <= 0) return;
  if (to_child_ >= 0) {
    static const char quit[] = "QUIT\n";
    [[maybe_unused]] ssize_t n = ::write(to_child_, quit, sizeof quit - 1);
  }
  const pid_t child = pid_;
  // Threads blocked for ever in the child cannot stop by themselves.
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    usleep(1000);
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  untrack_child(child);
  pid_ = -1;
  if (to_child_ >= 0) close(to_child_);
  if (from_child_ >= 0) close(from_child_);
  to_child_ = from_child_ = -1;
}

std::optional<sim::RlimitNofile> LiveBackend::rlimit_nofile() const {
  // live_child.cpp's main sets the soft limit as scenario_rlimit_nofile says.
  return scenario_rlimit_nofile();
}

void LiveBackend::send(const std::string& line) {
  if (pid_ <= 0) throw LiveBackendError("the live child is not running");
  std::string s = line + "\n";
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(to_child_, s.data() + off, s.size() - off);
    if (n <= 0)
      throw LiveBackendError(std::string("the live child stopped reading: ") +
                             std::strerror(errno));
    off += static_cast<std::size_t>(n);
  }
}

std::string LiveBackend::receive(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw LiveBackendError("the live child did not answer in time");
    pollfd p{from_child_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[4096];
    ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n <= 0) {
      int status = 0;
      std::string why = "the live child exited";
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        untrack_child(pid_);
        pid_ = -1;
        if (WIFSIGNALED(status))
          why = std::string("the live child was killed by signal ") +
                std::to_string(WTERMSIG(status));
      }
      throw LiveBackendError(why);
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

driver::CallResult LiveBackend::perform(const driver::ResolvedCall& call) {
  send(encode_call(call));
  // The child answers within its own bound (the call's timeout plus a second at most); a much
  // later answer means it is stuck.
  int64_t bound = 10000;
  const int timeout_arg = sim::script::call_spec(call.call).timeout_arg;
  if (timeout_arg >= 0)
    bound += std::max<int64_t>(0, call.values[static_cast<std::size_t>(timeout_arg)]);
  std::istringstream in(receive(static_cast<int>(std::min<int64_t>(bound, 3600000))));
  auto o = decode_result(in);
  if (!o) throw LiveBackendError("the live child sent a reply that cannot be read");
  return *o;
}

std::vector<driver::ThreadResult> LiveBackend::take_completions() {
  send("SETTLE " + std::to_string(options_.settle_ms));
  std::istringstream head(receive(options_.settle_ms + 10000));
  std::string word;
  std::size_t n = 0;
  if (!(head >> word >> n) || word != "COMPLETIONS")
    throw LiveBackendError("the live child sent a bad COMPLETIONS line");
  std::vector<driver::ThreadResult> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::istringstream in(receive(10000));
    driver::ThreadResult t;
    in >> t.thread;
    auto o = decode_result(in);
    if (!o) throw LiveBackendError("the live child sent a bad completion line");
    t.result = *o;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<FdinfoEntry> LiveBackend::fdinfo(int epfd) {
  if (pid_ <= 0 || epfd < 0) return {};
  std::ifstream in("/proc/" + std::to_string(pid_) + "/fdinfo/" + std::to_string(epfd));
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_fdinfo(ss.str());
}

}  // namespace epollscope::live
