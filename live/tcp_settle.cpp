// SPDX-License-Identifier: GPL-2.0-only
#include "live/tcp_settle.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/tcp.h>  // tcp_info with tcpi_notsent_bytes
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace epollscope::live {
namespace {

enum class Flight { kNone, kTimer, kSoon };

// tcpi_state values (include/net/tcp_states.h).
enum : uint8_t {
  kSynSent = 2,
  kFinWait1 = 4,
  kLastAck = 9,
  kListen = 10,
  kClosing = 11,
};

// What of this socket is in flight. kSoon: a FIN sent and not acknowledged, whose
// ACK the model takes as arriving at once (the peer may delay it: the old fixed wait of 20 ms saw
// it arrive); kTimer: data not acknowledged yet, which the peer acknowledges when its reader
// reads or its timer fires (unless a softirq is still on its way).
// TCP_INFO of the scenario's fd (borrowed through pidfd when it is not in this thread's table);
// false when it is closed, or not TCP.
bool tcp_info_of(int fd, int pidfd, tcp_info& info) {
  socklen_t len = sizeof info;
  int rc;
  if (pidfd < 0) {
    rc = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  } else {
    const int own = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    if (own < 0) return false;
    rc = getsockopt(own, IPPROTO_TCP, TCP_INFO, &info, &len);
    close(own);
  }
  return rc == 0;
}

Flight in_flight(int fd, int pidfd) {
  tcp_info info{};
  if (!tcp_info_of(fd, pidfd, info)) return Flight::kNone;
  switch (info.tcpi_state) {
    case kFinWait1:
    case kClosing:
    case kLastAck:
      // The FIN is out once nothing waits to be sent (a full window holds it back: stable).
      if (info.tcpi_unacked > 0 && info.tcpi_notsent_bytes == 0) return Flight::kSoon;
      break;
    default:
      break;
  }
  // (A listener's tcpi_unacked is its accept queue's length: nothing in flight.)
  return info.tcpi_unacked > 0 && info.tcpi_state != kListen ? Flight::kTimer : Flight::kNone;
}

// The /proc/<pid>/stat paths of the ksoftirqd threads, found once.
const std::vector<std::string>& ksoftirqd_stats() {
  static std::once_flag once;
  static std::vector<std::string> paths;
  std::call_once(once, [] {
    DIR* d = opendir("/proc");
    if (!d) return;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const std::string dir = std::string("/proc/") + e->d_name;
      char comm[64] = {};
      const int fd = open((dir + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      const ssize_t n = read(fd, comm, sizeof comm - 1);
      close(fd);
      if (n > 0 && std::strncmp(comm, "ksoftirqd/", 10) == 0) paths.push_back(dir + "/stat");
    }
    closedir(d);
  });
  return paths;
}

// A ksoftirqd is runnable (R): softirq work left for later, ours perhaps. Unknown: yes.
bool softirqs_deferred() {
  const auto& paths = ksoftirqd_stats();
  if (paths.empty()) return true;
  for (const std::string& path : paths) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return true;
    char stat[512];
    const ssize_t n = pread(fd, stat, sizeof stat - 1, 0);
    close(fd);
    if (n <= 0) return true;
    stat[n] = '\0';
    const char* paren = std::strrchr(stat, ')');
    if (!paren || paren[1] != ' ' || paren[2] == 'R') return true;
  }
  return false;
}

constexpr std::chrono::milliseconds kFinAckMax{250};

}  // namespace

int64_t settle_tcp(const RealFds& fds, int64_t max_us, int pidfd) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto until = start + std::chrono::microseconds(max_us);
  const std::vector<int> sockets = fds.tcp_fds();
  int spins = 0;
  while (true) {
    bool soon = false, timer = false;
    for (int fd : sockets) {
      const Flight f = in_flight(fd, pidfd);
      soon |= f == Flight::kSoon;
      timer |= f == Flight::kTimer;
    }
    const auto now = Clock::now();
    // A FIN's ACK that the peer delays comes with its delayed-ACK timer (40 to 200 ms): waited
    // for, as the model has it arrive at once; a softirq left to ksoftirqd for `max_us`.
    const bool busy =
        (soon && now < start + kFinAckMax) || (timer && now < until && softirqs_deferred());
    if (!busy) return std::chrono::duration_cast<std::chrono::microseconds>(now - start).count();
    // ksoftirqd needs a CPU.
    if (++spins < 20)
      sched_yield();
    else
      usleep(100);
  }
}

bool tcp_timer_pending(const RealFds& fds, int pidfd) {
  for (int fd : fds.tcp_fds()) {
    tcp_info info{};
    if (!tcp_info_of(fd, pidfd, info)) continue;
    // A SYN the full accept queue dropped: the retransmission timer sends it again.
    if (info.tcpi_state == kSynSent) return true;
    // Data held back (MSG_MORE, TCP_CORK) with nothing in flight: the probe timer sends it.
    if (info.tcpi_notsent_bytes > 0 && info.tcpi_unacked == 0) return true;
    // Data sent and not acknowledged: the peer delays its ACK (the delayed-ACK timer, which the
    // model keeps too: sim/tcp.h). (A listener's tcpi_unacked is its accept queue's length.)
    if (info.tcpi_unacked > 0 && info.tcpi_state != kListen) return true;
  }
  return false;
}

}  // namespace epollscope::live
