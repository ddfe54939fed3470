// SPDX-License-Identifier: GPL-2.0-only
// live/live_child.cpp — epollscope-live-child: performs scenario calls with real syscalls.
//
// Started by LiveBackend with fd 0 = requests, fd 1 = replies, fd 2 = stderr and nothing else
// open, so the fds its calls create are numbered exactly as in the model. Every scenario thread
// (main included) is a worker pthread, so that a call that sleeps for ever only blocks its own
// worker: the control loop answers BLOCKED after a bounded wait and goes on. A sleeping call that
// finishes later is reported by the next SETTLE. See live/protocol.h for the protocol.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "live/child_guard.h"
#include "live/protocol.h"
#include "live/real_calls.h"

namespace {

using epollscope::driver::CallResult;
using epollscope::driver::ResolvedCall;
using Clock = std::chrono::steady_clock;

std::mutex g_lock;
std::condition_variable g_changed;
std::vector<std::pair<std::string, CallResult>> g_completions;  // finished after BLOCKED was sent
epollscope::live::RealFds g_fds;  // which fds are TCP sockets; a TCP call since the last SETTLE

struct Worker {
  std::string name;
  std::unique_ptr<ResolvedCall> job;
  bool has_result = false;
  bool declared_blocked = false;
  CallResult result;
  std::thread thread;
};
std::map<std::string, std::unique_ptr<Worker>> g_workers;

void worker_main(Worker* w) {
  while (true) {
    std::unique_ptr<ResolvedCall> job;
    {
      std::unique_lock<std::mutex> l(g_lock);
      g_changed.wait(l, [w] { return w->job != nullptr; });
      job = std::move(w->job);
    }
    CallResult o = epollscope::live::perform_real_call(*job, g_fds);
    std::lock_guard<std::mutex> l(g_lock);
    if (w->declared_blocked) {
      w->declared_blocked = false;
      g_completions.emplace_back(w->name, o);
    } else {
      w->result = o;
      w->has_result = true;
    }
    g_changed.notify_all();
  }
}

Worker* worker(const std::string& name) {
  auto& w = g_workers[name];
  if (!w) {
    w = std::make_unique<Worker>();
    w->name = name;
    w->thread = std::thread(worker_main, w.get());
    w->thread.detach();
  }
  return w.get();
}

void reply(const std::string& line) {
  std::string s = line + "\n";
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(1, s.data() + off, s.size() - off);
    if (n <= 0) _exit(3);
    off += static_cast<std::size_t>(n);
  }
}

// How long a call may take before it counts as sleeping. The main thread waits for its own
// timeouts; other threads run beside the scenario, so they only get the time a syscall needs.
std::chrono::milliseconds bound_for(const ResolvedCall& c) {
  const int timeout_arg = epollscope::sim::script::call_spec(c.call).timeout_arg;
  const int64_t timeout = timeout_arg < 0 ? 0 : c.values[static_cast<std::size_t>(timeout_arg)];
  if (c.call == epollscope::driver::CallId::kSleep)
    return std::chrono::milliseconds(std::max<int64_t>(timeout, 0) + 1000);
  if (c.thread == "main" && timeout > 0) return std::chrono::milliseconds(timeout + 1000);
  return std::chrono::milliseconds(c.thread == "main" ? 150 : 60);
}

void handle_call(std::istringstream& in) {
  auto call = std::make_unique<ResolvedCall>();
  std::string name;
  std::size_t n = 0;
  in >> call->thread >> name >> n;
  const epollscope::sim::script::CallSpec* spec = epollscope::sim::script::find_call(name);
  if (!spec || n != spec->args.size()) {
    std::fprintf(stderr, "epollscope-live-child: bad call '%s' with %zu arguments\n", name.c_str(),
                 n);
    _exit(2);
  }
  call->call = spec->id;
  for (std::size_t i = 0; i < n; ++i) {
    int64_t v;
    int null;
    in >> v >> null;
    call->values.push_back(v);
    call->is_null.push_back(null != 0);
  }
  std::string text;
  in >> text;
  call->text = epollscope::live::hex_decode(text);
  call->has_text = text != "-";
  const auto bound = bound_for(*call);
  Worker* w = worker(call->thread);
  std::unique_lock<std::mutex> l(g_lock);
  w->has_result = false;
  w->job = std::move(call);
  g_changed.notify_all();
  if (g_changed.wait_for(l, bound, [w] { return w->has_result; })) {
    w->has_result = false;
    std::string line = epollscope::live::encode_done(w->result);
    l.unlock();
    reply(line);
  } else {
    w->declared_blocked = true;
    l.unlock();
    reply("BLOCKED");
  }
}

void handle_settle(std::istringstream& in) {
  int ms = 0;
  in >> ms;
  std::unique_lock<std::mutex> l(g_lock);
  bool anyone_sleeping = false;
  for (const auto& [name, w] : g_workers)
    anyone_sleeping |= w->declared_blocked;
  if (g_fds.take_network_busy() || anyone_sleeping) {
    // Let wake-ups reach sleeping threads and loopback segments (and their ACKs) arrive.
    const auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until)
      g_changed.wait_until(l, until);
  }
  auto done = std::move(g_completions);
  g_completions.clear();
  l.unlock();
  reply("COMPLETIONS " + std::to_string(done.size()));
  for (const auto& [name, o] : done)
    reply(name + " " + epollscope::live::encode_done(o));
}

}  // namespace

int main(int argc, char** argv) {
  // Die with epollscope, even when it is killed (LiveBackend passes its pid as --parent=PID).
  pid_t parent = 0;
  if (argc > 1 && std::strncmp(argv[1], "--parent=", 9) == 0) parent = std::atoi(argv[1] + 9);
  epollscope::live::die_with_parent(parent);
  signal(SIGPIPE, SIG_IGN);
  // The model's process starts with RLIMIT_NOFILE 1024, as a login shell's does.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = static_cast<rlim_t>(epollscope::live::scenario_rlimit_nofile().cur);
  setrlimit(RLIMIT_NOFILE, &rl);
  std::string buffer;
  char chunk[4096];
  while (true) {
    std::size_t nl;
    while ((nl = buffer.find('\n')) == std::string::npos) {
      ssize_t n = ::read(0, chunk, sizeof chunk);
      if (n <= 0) _exit(0);  // the parent went away
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    std::string line = buffer.substr(0, nl);
    buffer.erase(0, nl + 1);
    std::istringstream in(line);
    std::string word;
    in >> word;
    if (word == "CALL") {
      handle_call(in);
    } else if (word == "SETTLE") {
      handle_settle(in);
    } else if (word == "QUIT") {
      _exit(0);
    } else {
      std::fprintf(stderr, "epollscope-live-child: unknown request '%s'\n", line.c_str());
      _exit(2);
    }
  }
}
