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

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace epollscope::live {
namespace {

enum class Flight { kNone, kTimer, kOnItsWay, kSoon };

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
// it arrive); kOnItsWay: data sent that the peer (a socket of the scenario) has not received yet:
// a softirq is still on its way; kTimer: data not acknowledged yet, whose peer is not in the
// scenario's fd table, which the peer acknowledges when its reader reads or its timer fires
// (unless a softirq is still on its way).
// TCP_INFO of the scenario's fd (borrowed through pidfd when it is not in this thread's table);
// false when it is closed, or not TCP.
// The scenario's fd `fd`, borrowed into this thread's own fd table (pidfd_getfd). The scenario
// may have lowered RLIMIT_NOFILE (a process's limit, this table's too) below the numbers in use
// here: then the limit is lifted for the moment, as the live child does to open a worker's task
// files (only threads asleep in a call exist between statements, and none allocates an fd). A
// look that failed for want of a slot would miss a FIN in flight, and the kernel's ACK of it
// would wake an edge-triggered waiter after the model's (fuzz seed 502 case 1252).
int borrow(int pidfd, int fd) {
  int own = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  if (own >= 0 || errno != EMFILE) return own;
  with_nofile_lifted([&] { own = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0)); });
  return own;
}

bool tcp_info_of(int fd, int pidfd, tcp_info& info) {
  socklen_t len = sizeof info;
  int rc;
  if (pidfd < 0) {
    rc = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  } else {
    const int own = borrow(pidfd, fd);
    if (own < 0) return false;
    rc = getsockopt(own, IPPROTO_TCP, TCP_INFO, &info, &len);
    close(own);
  }
  return rc == 0;
}

// A TCP socket of the scenario as settle_tcp sees it: TCP_INFO and both addresses (to find the
// peer when it is a socket of the scenario too).
struct Seen {
  tcp_info info{};
  sockaddr_storage local{}, peer{};
  socklen_t local_len = 0, peer_len = 0;
};

bool look(int fd, int pidfd, Seen& s) {
  int own = fd;
  if (pidfd >= 0) {
    own = borrow(pidfd, fd);
    if (own < 0) return false;
  }
  socklen_t len = sizeof s.info;
  bool ok = getsockopt(own, IPPROTO_TCP, TCP_INFO, &s.info, &len) == 0;
  s.local_len = sizeof s.local;
  s.peer_len = sizeof s.peer;
  if (ok && getsockname(own, reinterpret_cast<sockaddr*>(&s.local), &s.local_len) != 0)
    s.local_len = 0;
  if (ok && getpeername(own, reinterpret_cast<sockaddr*>(&s.peer), &s.peer_len) != 0)
    s.peer_len = 0;
  if (pidfd >= 0) close(own);  // (a borrowed fd may have the same number as the scenario's)
  return ok;
}

bool same_address(const sockaddr_storage& a, socklen_t alen, const sockaddr_storage& b,
                  socklen_t blen) {
  return alen > 0 && alen == blen && std::memcmp(&a, &b, alen) == 0;
}

Flight in_flight(const Seen& me, const std::vector<Seen>& all) {
  const tcp_info& info = me.info;
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
  if (info.tcpi_unacked == 0 || info.tcpi_state == kListen) return Flight::kNone;
  // Data not acknowledged. When the peer is a socket of the scenario, it says whether the data
  // has arrived (its ACK is only delayed: nothing to wait for) or is still on its way.
  for (const Seen& other : all)
    if (&other != &me && same_address(me.peer, me.peer_len, other.local, other.local_len) &&
        same_address(other.peer, other.peer_len, me.local, me.local_len))
      return other.info.tcpi_bytes_received >= info.tcpi_bytes_sent ? Flight::kNone
                                                                    : Flight::kOnItsWay;
  return Flight::kTimer;
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

// The delayed-ACK timer fires after 40 to 200 ms; on a loaded machine (other builds, a parallel
// test run) the softirq that sends the ACK can come later still: 250 ms was seen to be too short.
constexpr std::chrono::milliseconds kFinAckMax{1000};

}  // namespace

TcpInFlight tcp_in_flight(const RealFds& fds, int pidfd) {
  std::vector<Seen> seen;
  for (int fd : fds.tcp_fds())
    if (Seen s; look(fd, pidfd, s)) seen.push_back(s);
  TcpInFlight out;
  for (const Seen& s : seen) {
    const Flight f = in_flight(s, seen);
    out.fin_ack |= f == Flight::kSoon;
    out.data_on_its_way |= f == Flight::kOnItsWay;
    out.data_to_outside |= f == Flight::kTimer;
  }
  return out;
}

int64_t settle_tcp(const RealFds& fds, int64_t max_us, int pidfd) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto until = start + std::chrono::microseconds(max_us);
  int spins = 0;
  while (true) {
    const TcpInFlight f = tcp_in_flight(fds, pidfd);
    const auto now = Clock::now();
    // A FIN's ACK that the peer delays comes with its delayed-ACK timer (40 to 200 ms): waited
    // for, as the model has it arrive at once; data on its way (a softirq left to ksoftirqd) for
    // `max_us`; unacknowledged data to a peer outside the table while a ksoftirqd is at work.
    const bool busy =
        (f.fin_ack && now < start + kFinAckMax) ||
        ((f.data_on_its_way || (f.data_to_outside && softirqs_deferred())) && now < until);
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
    // Data held back (MSG_MORE, TCP_CORK, a window too small for the segment) with nothing in
    // flight: the probe timer sends it (tcp_write_wakeup: as much as the window takes). Not
    // behind a zero window: the probes (tcp_probe_timer) carry no data, and the window opens
    // only when the peer's reader reads, which sends the update itself.
    if (info.tcpi_notsent_bytes > 0 && info.tcpi_unacked == 0 && info.tcpi_snd_wnd > 0) return true;
    // Data sent and not acknowledged: the peer delays its ACK (the delayed-ACK timer, which the
    // model keeps too: sim/tcp.h). (A listener's tcpi_unacked is its accept queue's length.)
    if (info.tcpi_unacked > 0 && info.tcpi_state != kListen) return true;
  }
  return false;
}

}  // namespace epollscope::live
