// live/live_child.cpp — epollscope-live-child: performs scenario calls with real syscalls.
//
// Started by LiveBackend with fd 0 = requests, fd 1 = replies, fd 2 = stderr and nothing else
// open, so the fds its calls create are numbered exactly as in the model. Every scenario thread
// (main included) is a worker pthread, so that a call that sleeps for ever only blocks its own
// worker: the control loop answers BLOCKED after a bounded wait and goes on. A sleeping call that
// finishes later is reported by the next SETTLE. See live/protocol.h for the protocol.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
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
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "live/protocol.h"

namespace {

using epollscope::sim::script::Outcome;
using epollscope::sim::script::ResolvedCall;
using Clock = std::chrono::steady_clock;

std::mutex g_lock;
std::condition_variable g_changed;
std::vector<std::pair<std::string, Outcome>> g_completions;  // finished after BLOCKED was sent
std::set<int> g_tcp_fds;                                     // fds that are TCP sockets
bool g_network_busy = false;                                 // a TCP call since the last SETTLE

struct Worker {
  std::string name;
  std::unique_ptr<ResolvedCall> job;
  bool has_result = false;
  bool declared_blocked = false;
  Outcome result;
  std::thread thread;
};
std::map<std::string, std::unique_ptr<Worker>> g_workers;

Outcome result_of(long ret) {
  Outcome o;
  o.ret = ret < 0 ? -1 : ret;
  o.err = ret < 0 ? errno : 0;
  return o;
}

bool is_tcp(int fd) {
  std::lock_guard<std::mutex> l(g_lock);
  return g_tcp_fds.count(fd) > 0;
}

void note_tcp(int fd, bool add) {
  std::lock_guard<std::mutex> l(g_lock);
  if (add)
    g_tcp_fds.insert(fd);
  else
    g_tcp_fds.erase(fd);
  g_network_busy = true;
}

// One scenario call, exactly as the model's ModelBackend::perform interprets it.
Outcome perform(const ResolvedCall& c) {
  const auto& v = c.values;
  auto arg = [&](std::size_t i, int64_t fallback = 0) { return i < v.size() ? v[i] : fallback; };
  const std::string& n = c.call;
  Outcome o;
  auto fd_result = [&](long ret) {
    o = result_of(ret);
    if (ret >= 0) o.new_fds = {static_cast<int>(ret)};
  };
  if (n == "epoll_create") {
    fd_result(epoll_create(static_cast<int>(arg(0))));
  } else if (n == "epoll_create1") {
    fd_result(epoll_create1(static_cast<int>(arg(0))));
  } else if (n == "epoll_ctl") {
    epoll_event ev{};
    ev.events = static_cast<uint32_t>(arg(3));
    ev.data.u64 = static_cast<uint64_t>(v.size() > 4 ? arg(4) : arg(2));
    o = result_of(epoll_ctl(static_cast<int>(arg(0)), static_cast<int>(arg(1)),
                            static_cast<int>(arg(2)), c.is_null[3] ? nullptr : &ev));
  } else if (n == "epoll_wait") {
    const bool with_buffer = v.size() == 4;
    const int maxevents = static_cast<int>(arg(with_buffer ? 2 : 1));
    const int timeout = static_cast<int>(arg(with_buffer ? 3 : 2));
    // The kernel only checks that the whole range is user memory and writes as many events as are
    // ready; a scenario never has more than this many ready.
    std::vector<epoll_event> buf(static_cast<std::size_t>(std::max(1, std::min(maxevents, 65536))));
    epoll_event* where = with_buffer && c.is_null[1] ? nullptr : buf.data();
    int r = epoll_wait(static_cast<int>(arg(0)), where, maxevents, timeout);
    o = result_of(r);
    for (int i = 0; i < r && where; ++i)
      o.events.push_back(
          {buf[static_cast<std::size_t>(i)].events, buf[static_cast<std::size_t>(i)].data.u64});
  } else if (n == "pipe" || n == "pipe2") {
    int fds[2];
    o = result_of(pipe2(fds, n == "pipe2" ? static_cast<int>(arg(2)) : 0));
    if (o.ret == 0) o.new_fds = {fds[0], fds[1]};
  } else if (n == "socketpair") {
    int fds[2];
    o = result_of(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds));
    if (o.ret == 0) o.new_fds = {fds[0], fds[1]};
  } else if (n == "eventfd") {
    fd_result(eventfd(static_cast<unsigned>(arg(0)), static_cast<int>(arg(1))));
  } else if (n == "tcp_listen") {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd >= 0) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = 0;  // an ephemeral port: never a fixed one that may be in use
      if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
          listen(fd, static_cast<int>(v.empty() ? 128 : arg(0))) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        fd = -1;
      }
    }
    fd_result(fd);
    if (fd >= 0) note_tcp(fd, true);
  } else if (n == "tcp_connect") {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    long ret;
    if (getsockname(static_cast<int>(arg(0)), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ret = -1;
    } else if (a.sin_family != AF_INET) {
      errno = ENOTSOCK;
      ret = -1;
    } else {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 &&
          errno != EINPROGRESS) {
        // A refused connect still leaves the socket open with its error pending, as the model does.
      }
      ret = fd;
    }
    fd_result(ret);
    if (ret >= 0) note_tcp(static_cast<int>(ret), true);
  } else if (n == "accept") {
    fd_result(accept4(static_cast<int>(arg(0)), nullptr, nullptr, SOCK_NONBLOCK));
    if (o.ret >= 0) note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "write" || n == "send") {
    std::string data = c.has_text ? c.text : std::string(static_cast<std::size_t>(arg(1)), 'x');
    long r = n == "write" ? ::write(static_cast<int>(arg(0)), data.data(), data.size())
                          : ::send(static_cast<int>(arg(0)), data.data(), data.size(),
                                   static_cast<int>(arg(2)));
    o = result_of(r);
    if (is_tcp(static_cast<int>(arg(0)))) note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "read" || n == "recv") {
    std::string data(static_cast<std::size_t>(arg(1)), '\0');
    long r = n == "read" ? ::read(static_cast<int>(arg(0)), data.data(), data.size())
                         : ::recv(static_cast<int>(arg(0)), data.data(), data.size(),
                                  static_cast<int>(arg(2)));
    o = result_of(r);
    if (is_tcp(static_cast<int>(arg(0)))) note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "eventfd_write") {
    uint64_t value = static_cast<uint64_t>(arg(1));
    long r = ::write(static_cast<int>(arg(0)), &value, sizeof value);
    o = result_of(r < 0 ? -1 : 0);
  } else if (n == "eventfd_read") {
    uint64_t value = 0;
    long r = ::read(static_cast<int>(arg(0)), &value, sizeof value);
    o = result_of(r < 0 ? -1 : static_cast<long>(value));
  } else if (n == "shutdown") {
    o = result_of(shutdown(static_cast<int>(arg(0)), static_cast<int>(arg(1))));
    if (is_tcp(static_cast<int>(arg(0)))) note_tcp(static_cast<int>(arg(0)), true);
  } else if (n == "close") {
    const bool tcp = is_tcp(static_cast<int>(arg(0)));
    o = result_of(close(static_cast<int>(arg(0))));
    if (tcp && o.ret == 0) note_tcp(static_cast<int>(arg(0)), false);
  } else if (n == "dup") {
    fd_result(dup(static_cast<int>(arg(0))));
    if (o.ret >= 0 && is_tcp(static_cast<int>(arg(0)))) note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "dup2") {
    fd_result(dup2(static_cast<int>(arg(0)), static_cast<int>(arg(1))));
    if (o.ret >= 0 && is_tcp(static_cast<int>(arg(0)))) note_tcp(static_cast<int>(o.ret), true);
  } else if (n == "open_regular") {
    int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    if (fd < 0) {
      char path[] = "/tmp/epollscope-regular-XXXXXX";
      fd = mkstemp(path);
      if (fd >= 0) unlink(path);
    }
    fd_result(fd);
  } else if (n == "setrlimit_nofile") {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = static_cast<rlim_t>(arg(0));
    o = result_of(setrlimit(RLIMIT_NOFILE, &rl));
  } else if (n == "sleep") {
    std::this_thread::sleep_for(std::chrono::milliseconds(arg(0)));
    o = result_of(0);
  } else {
    errno = EINVAL;
    o = result_of(-1);
  }
  return o;
}

void worker_main(Worker* w) {
  while (true) {
    std::unique_ptr<ResolvedCall> job;
    {
      std::unique_lock<std::mutex> l(g_lock);
      g_changed.wait(l, [w] { return w->job != nullptr; });
      job = std::move(w->job);
    }
    Outcome o = perform(*job);
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
  if (c.call == "sleep")
    return std::chrono::milliseconds(c.values.empty() ? 0 : c.values[0] + 1000);
  if (c.thread == "main" && c.call == "epoll_wait") {
    int64_t timeout = c.values.size() == 4 ? c.values[3] : c.values.size() == 3 ? c.values[2] : 0;
    if (timeout > 0) return std::chrono::milliseconds(timeout + 1000);
  }
  return std::chrono::milliseconds(c.thread == "main" ? 150 : 60);
}

void handle_call(std::istringstream& in) {
  auto call = std::make_unique<ResolvedCall>();
  std::size_t n = 0;
  in >> call->thread >> call->call >> n;
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
  if (anyone_sleeping || g_network_busy) {
    // Let wake-ups reach sleeping threads and loopback segments (and their ACKs) arrive.
    const auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < until)
      g_changed.wait_until(l, until);
  }
  g_network_busy = false;
  auto done = std::move(g_completions);
  g_completions.clear();
  l.unlock();
  reply("COMPLETIONS " + std::to_string(done.size()));
  for (const auto& [name, o] : done)
    reply(name + " " + epollscope::live::encode_done(o));
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);
  // The model's process starts with RLIMIT_NOFILE 1024, as a login shell's does.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = std::min<rlim_t>(1024, rl.rlim_max);
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
