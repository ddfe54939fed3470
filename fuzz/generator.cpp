// SPDX-License-Identifier: GPL-2.0-only
#include "fuzz/generator.h"

#include <algorithm>
#include <sstream>

#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::fuzz {

// The C names of flags and masks (kEPOLLIN, ...) and the string helpers, unqualified.
using namespace sim;

namespace {

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Sizes that matter: 1 byte, odd ones, a page, a pipe slot boundary, a whole pipe (64 KiB), more.
constexpr long kSizes[] = {1,    3,    7,    8,    100,   512,   1024,  2048,
                           4095, 4096, 4097, 8192, 16384, 65536, 70000, 200000};

}  // namespace

bool FuzzTypes::parse(const std::string& list, FuzzTypes* out, std::string* error) {
  FuzzTypes t;
  t.pipe = t.unix_stream = t.tcp = t.eventfd = t.epoll = t.threads = false;
  std::stringstream in(list);
  std::string name;
  bool any = false;
  while (std::getline(in, name, ',')) {
    if (name == "pipe")
      t.pipe = true;
    else if (name == "unix")
      t.unix_stream = true;
    else if (name == "tcp")
      t.tcp = true;
    else if (name == "eventfd")
      t.eventfd = true;
    else if (name == "epoll")
      t.epoll = true;
    else if (name == "threads")
      t.threads = true;
    else {
      *error =
          cat("unknown file type '", name, "' (known: pipe, unix, tcp, eventfd, epoll, threads)");
      return false;
    }
    any = true;
  }
  if (!any) {
    *error = "no file type given (known: pipe, unix, tcp, eventfd, epoll, threads)";
    return false;
  }
  *out = t;
  return true;
}

std::string FuzzTypes::text() const {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (on) s += cat(s.empty() ? "" : ",", name);
  };
  add(pipe, "pipe");
  add(unix_stream, "unix");
  add(tcp, "tcp");
  add(eventfd, "eventfd");
  add(epoll, "epoll");
  add(threads, "threads");
  return s;
}

bool FuzzGenerator::generates(sim::script::CallId call) {
  using sim::script::CallId;
  switch (call) {
    case CallId::kEpollCreate:
    case CallId::kEpollCreate1:
    case CallId::kEpollCtl:
    case CallId::kEpollWait:
    case CallId::kPipe2:
    case CallId::kSocketpair:
    case CallId::kEventfd:
    case CallId::kTcpListen:
    case CallId::kTcpConnect:
    case CallId::kAccept:
    case CallId::kWrite:
    case CallId::kRead:
    case CallId::kSend:
    case CallId::kRecv:
    case CallId::kEventfdWrite:
    case CallId::kEventfdRead:
    case CallId::kShutdown:
    case CallId::kSetsockopt:
    case CallId::kGetsockopt:
    case CallId::kClose:
    case CallId::kDup:
    case CallId::kDup2:
    case CallId::kOpenRegular:
    case CallId::kSetrlimitNofile:
    case CallId::kFcntl:
    case CallId::kAccept4:
    case CallId::kEpollPwait:
    case CallId::kEpollPwait2:
    case CallId::kIoctl:
      return true;
    // Threaded cases (see generator.h): blocking pipes whose reads and writes sleep in threads,
    // and time passing for their timeouts.
    case CallId::kPipe:
    case CallId::kSleep:
      return true;
    case CallId::kPoll:
    case CallId::kSelect:
    case CallId::kPpoll:
    case CallId::kPselect6:
      return true;
  }
  return false;
}

FuzzGenerator::FuzzGenerator(uint64_t seed, uint64_t case_index, FuzzTypes types)
    : state_(seed * 0x2545f4914f6cdd1dULL ^ (case_index + 1) * 0x9e3779b97f4a7c15ULL),
      types_(types) {
  // fds 0, 1 and 2 are open in the process but are not the scenario's to use.
  for (int i = 0; i < 3; ++i)
    rand();
  // One case in four is threaded: it runs on the live child, a few times slower.
  threaded_ = types_.threads && chance(25);
}

bool FuzzGenerator::is_special_fd(int fd) const {
  auto it = open_.find(fd);
  return it != open_.end() && special(it->second);
}

uint64_t FuzzGenerator::rand() {
  return splitmix(state_);
}

int FuzzGenerator::pick_fd(std::initializer_list<Kind> kinds) {
  // Sometimes any number: closed, -1, -2 (never 0..2: those are not the scenario's).
  if (chance(6)) {
    const int fd = chance(10) ? -1 - static_cast<int>(below(2)) : 3 + static_cast<int>(below(37));
    return is_special_fd(fd) ? -1 : fd;
  }
  std::vector<int> fitting;
  for (const auto& [fd, kind] : open_)
    for (Kind k : kinds)
      if (kind == k) {
        fitting.push_back(fd);
        break;
      }
  if (fitting.empty() || chance(8)) return any_open_fd();
  return fitting[below(fitting.size())];
}

int FuzzGenerator::any_open_fd() {
  std::vector<int> fds;
  for (const auto& [fd, kind] : open_)
    if (!special(kind)) fds.push_back(fd);
  if (fds.empty()) {
    const int fd = 3 + static_cast<int>(below(12));
    return is_special_fd(fd) ? -1 : fd;
  }
  return fds[below(fds.size())];
}

std::string FuzzGenerator::events_mask() {
  // Mostly the usual bits; sometimes anything at all (the kernel keeps unknown bits).
  if (chance(3)) return cat("0x", hex(static_cast<uint32_t>(rand())).substr(2));
  poll_t m = 0;
  if (chance(70)) m |= kEPOLLIN;
  if (chance(45)) m |= kEPOLLOUT;
  if (chance(15)) m |= kEPOLLRDHUP;
  if (chance(8)) m |= kEPOLLPRI;
  if (chance(6)) m |= kEPOLLERR;
  if (chance(6)) m |= kEPOLLHUP;
  if (chance(4)) m |= kEPOLLRDNORM;
  if (chance(4)) m |= kEPOLLWRNORM;
  if (chance(3)) m |= kEPOLLRDBAND | kEPOLLWRBAND;
  if (chance(40)) m |= kEPOLLET;
  if (chance(15)) m |= kEPOLLONESHOT;
  if (chance(8)) m |= kEPOLLEXCLUSIVE;
  if (chance(4)) m |= kEPOLLWAKEUP;
  if (chance(2)) m |= 1u << (8 + below(20));
  return mask_to_c_names(m);
}

std::string FuzzGenerator::create() {
  for (int tries = 0; tries < 8; ++tries) {
    const uint64_t r = below(100);
    if (r < 18 && types_.pipe) {
      creates_ = {Kind::kPipeRead, Kind::kPipeWrite};
      const int a = ++names_, b = ++names_;
      return cat("pipe2(n", a, ", n", b, ", O_NONBLOCK", chance(15) ? " | O_DIRECT" : "",
                 chance(10) ? " | O_CLOEXEC" : "", ")");
    }
    if (r < 34 && types_.unix_stream) {
      creates_ = {Kind::kUnix, Kind::kUnix};
      const int a = ++names_, b = ++names_;
      return cat("socketpair(n", a, ", n", b, ")");
    }
    if (r < 50 && types_.eventfd) {
      creates_ = {Kind::kEventfd};
      const uint64_t init = chance(60) ? 0 : below(4);
      return cat("eventfd(", init, ", EFD_NONBLOCK", chance(30) ? " | EFD_SEMAPHORE" : "", ")");
    }
    if (r < 68) {
      creates_ = {Kind::kEpoll};
      if (chance(8)) {
        const int sizes[] = {1, 0, -1, 100};
        return cat("epoll_create(", sizes[below(4)], ")");
      }
      if (chance(4)) return "epoll_create1(1)";  // EINVAL: an unknown flag
      return chance(20) ? "epoll_create1(EPOLL_CLOEXEC)" : "epoll_create1(0)";
    }
    if (r < 86 && types_.tcp) {
      const uint64_t t = below(3);
      if (t == 0) {
        creates_ = {Kind::kTcpListener};
        if (chance(80)) return "tcp_listen()";
        listen_backlog_ = static_cast<int>(below(3));
        return cat("tcp_listen(", listen_backlog_, ")");
      }
      creates_ = {Kind::kTcpSocket};
      if (t == 2 && chance(40)) {
        // Always non-blocking (a blocking socket would make a read sleep); sometimes a bad flag.
        const char* flags[] = {"SOCK_NONBLOCK", "SOCK_NONBLOCK | SOCK_CLOEXEC",
                               "SOCK_NONBLOCK | 1"};
        return cat("accept4(", pick_fd({Kind::kTcpListener}), ", ",
                   flags[chance(90) ? below(2) : 2], ")");
      }
      const int l = pick_fd({Kind::kTcpListener});
      if (t == 1) {
        auto small = small_backlog_.find(l);
        if (small != small_backlog_.end() && ++connects_[l] > small->second) syn_may_wait_ = true;
      }
      return cat(t == 1 ? "tcp_connect(" : "accept(", l, ")");
    }
    if (r >= 96) {
      creates_ = {Kind::kRegular};
      return "open_regular()";
    }
  }
  creates_ = {Kind::kEpoll};
  return "epoll_create1(0)";
}

std::string FuzzGenerator::io() {
  long size = kSizes[below(std::size(kSizes))];
  // TCP's buffer sizes are tuned by the kernel as it goes (the model approximates them): on TCP
  // sockets, writes stay small enough that the byte counts are exact.
  auto fitting = [&](int fd, long n) {
    auto it = open_.find(fd);
    return it != open_.end() && it->second == Kind::kTcpSocket ? std::min(n, 4096L) : n;
  };
  switch (below(9)) {
    case 0:
    case 1: {
      const int fd = pick_fd({Kind::kPipeWrite, Kind::kUnix, Kind::kTcpSocket, Kind::kEventfd});
      return cat("write(", fd, ", ", fitting(fd, size), ")");
    }
    case 2:
    case 3:
      return cat("read(", pick_fd({Kind::kPipeRead, Kind::kUnix, Kind::kTcpSocket, Kind::kEventfd}),
                 ", ", size, ")");
    case 4: {
      // Sockets are non-blocking: MSG_WAITALL returns what there is, never sleeps.
      const char* send_flags[] = {"0",        "MSG_DONTWAIT", "MSG_OOB", "MSG_OOB | MSG_DONTWAIT",
                                  "MSG_MORE", "MSG_WAITALL"};
      const char* recv_flags[] = {
          "0",       "MSG_DONTWAIT",       "MSG_PEEK",    "MSG_PEEK | MSG_DONTWAIT",
          "MSG_OOB", "MSG_OOB | MSG_PEEK", "MSG_WAITALL", "MSG_WAITALL | MSG_PEEK"};
      const bool send = chance(50);
      const int fd = pick_fd({Kind::kUnix, Kind::kTcpSocket});
      const std::string flags = send ? send_flags[below(std::size(send_flags))]
                                     : recv_flags[below(std::size(recv_flags))];
      // A TCP segment held by MSG_MORE is sent by the next plain send, at once.
      if (send && flags == "MSG_MORE" && is_tcp(fd))
        follow_.push_back(cat("send(", fd, ", ", 1 + below(100), ")"));
      return cat(send ? "send(" : "recv(", fd, ", ", send ? fitting(fd, size) : size, ", ", flags,
                 ")");
    }
    case 5: {
      const char* values[] = {
          "1", "1", "2", "0", "0xfffffffffffffffe", "0xffffffffffffffff", "0xfffffffffffffff0"};
      return cat("eventfd_write(", pick_fd({Kind::kEventfd}), ", ", values[below(7)], ")");
    }
    case 6:
      return cat("eventfd_read(", pick_fd({Kind::kEventfd}), ")");
    case 7: {
      const char* how[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR", "3"};
      return cat("shutdown(", pick_fd({Kind::kUnix, Kind::kTcpSocket}), ", ",
                 how[chance(95) ? below(3) : 3], ")");
    }
    default: {
      // Fill a pipe or a socket buffer in one go.
      const int fd = pick_fd({Kind::kPipeWrite, Kind::kUnix, Kind::kTcpSocket});
      return cat("write(", fd, ", ", fitting(fd, chance(50) ? 65536 : 300000), ")");
    }
  }
}

std::string FuzzGenerator::ctl() {
  const int ep = pick_fd({Kind::kEpoll});
  int op = static_cast<int>(1 + below(3));  // ADD, DEL, MOD
  if (chance(50)) op = kEPOLL_CTL_ADD;
  std::string op_text = op == kEPOLL_CTL_ADD   ? "EPOLL_CTL_ADD"
                        : op == kEPOLL_CTL_DEL ? "EPOLL_CTL_DEL"
                                               : "EPOLL_CTL_MOD";
  if (chance(2)) op_text = chance(50) ? "0" : "4";
  int fd;
  if (types_.epoll && chance(12))
    fd = pick_fd({Kind::kEpoll});
  else
    fd = pick_fd({Kind::kPipeRead, Kind::kPipeWrite, Kind::kUnix, Kind::kEventfd,
                  Kind::kTcpListener, Kind::kTcpSocket, Kind::kRegular});
  if (op == kEPOLL_CTL_DEL && chance(80))
    return cat("epoll_ctl(", ep, ", ", op_text, ", ", fd, ", 0)");
  std::string events = chance(2) ? "NULL" : events_mask();
  // Every item gets data of its own. Two items of different files under one fd number (after a
  // close without DEL) with the same events and data look alike in fdinfo: their order in the
  // tree, which the model learns from fdinfo, could not be told apart.
  return cat("epoll_ctl(", ep, ", ", op_text, ", ", fd, ", ", events, ", ", 1000 + ++datas_, ")");
}

// poll or select of one to four fds of any kind (a closed or negative one sometimes), with a zero
// timeout: the main thread never sleeps in them.
std::string FuzzGenerator::poll_or_select() {
  std::vector<int> fds;
  for (uint64_t n = 1 + below(4); n > 0; --n)
    fds.push_back(pick_fd({Kind::kPipeRead, Kind::kPipeWrite, Kind::kUnix, Kind::kEventfd,
                           Kind::kEpoll, Kind::kTcpListener, Kind::kTcpSocket, Kind::kRegular}));
  if (chance(50)) {
    const char* events[] = {"POLLIN",
                            "POLLOUT",
                            "POLLIN | POLLOUT",
                            "POLLPRI",
                            "POLLIN | POLLRDHUP",
                            "0",
                            "POLLRDNORM | POLLWRNORM"};
    std::string list;
    for (int fd : fds)
      list += cat(list.empty() ? "" : ", ", fd, ": ", events[below(std::size(events))]);
    // NULL with nfds 0 to 2: EFAULT unless nfds is 0.
    const std::string array = chance(8) ? cat("NULL, ", below(3)) : cat("[", list, "]");
    if (chance(2)) return cat("poll(", array, ", 0)");
    // ppoll: a zero timespec, an invalid one (EINVAL before anything else) or one that faults;
    // a signal mask or none.
    const char* timeouts[] = {"0", "0", "0", "-1", "BADPTR"};
    return cat("ppoll(", array, ", ", timeouts[below(std::size(timeouts))], ", ",
               chance(2) ? "NULL" : "0", ")");
  }
  std::string sets[3];
  int highest = -1;
  for (int fd : fds) {
    if (fd < 0) continue;
    highest = std::max(highest, fd);
    const uint64_t in = 1 + below(7);  // which of the three sets: at least one
    for (int s = 0; s < 3; ++s)
      if (in & (1u << s)) sets[s] += cat(sets[s].empty() ? "" : ", ", fd);
  }
  int nfds = highest + 1;
  if (chance(10)) nfds += static_cast<int>(below(5));
  if (chance(10)) nfds = static_cast<int>(below(static_cast<uint64_t>(nfds) + 1));
  if (chance(3)) nfds = -1;
  // -1: a negative timeval or timespec, EINVAL; BADPTR: a pointer that faults (EFAULT), as a
  // set may be.
  const char* timeout = chance(4) ? "-1" : chance(12) ? "BADPTR" : "0";
  auto set = [&](int s) {
    return chance(12)  ? std::string("BADPTR")
           : chance(5) ? std::string("NULL")
                       : cat("[", sets[s], "]");
  };
  const bool p6 = chance(2);
  std::string out = cat(p6 ? "pselect6(" : "select(", nfds, ", ", set(0), ", ", set(1), ", ",
                        set(2), ", ", timeout);
  return out + (p6 ? cat(", ", chance(2) ? "NULL" : "0", ")") : std::string(")"));
}

std::string FuzzGenerator::wait() {
  if (chance(12)) return poll_or_select();
  const int ep = pick_fd({Kind::kEpoll});
  const int maxevents[] = {1, 1, 2, 3, 4, 8, 8, 64, 0, -1};
  const int m = maxevents[below(std::size(maxevents))];
  if (chance(15)) {
    // epoll_pwait / epoll_pwait2: a mask or none; pwait2's timespec zero, or invalid (EINVAL
    // before the fd is looked at).
    const char* mask = chance(50) ? "NULL" : chance(50) ? "0" : "0x4002";
    if (chance(50))
      return cat("epoll_pwait(", ep, chance(3) ? ", NULL, " : ", ", m, ", 0, ", mask, ")");
    return cat("epoll_pwait2(", ep, chance(3) ? ", NULL, " : ", ", m, ", ", chance(5) ? "-1" : "0",
               ", ", mask, ")");
  }
  if (chance(2)) return cat("epoll_wait(", ep, ", NULL, ", m, ", 0)");  // EFAULT
  // The main thread's timeout moves the virtual clock on (and ends the timed sleeps it passes).
  if (threaded_ && chance(8)) {
    const int timeouts[] = {10, 100, 1000};
    return cat("epoll_wait(", ep, ", ", m, ", ", timeouts[below(3)], ")");
  }
  return cat("epoll_wait(", ep, ", ", m, ", 0)");
}

// fcntl and ioctl on any fd: flags read and set (O_NONBLOCK always stays on: a blocking fd would
// make a read sleep), close-on-exec, pipe sizes (growing, shrinking below the data: EBUSY, above
// fs.pipe-max-size: EPERM), bytes readable.
std::string FuzzGenerator::control() {
  const int fd = chance(70) ? any_open_fd() : pick_fd({Kind::kPipeRead, Kind::kPipeWrite});
  switch (below(8)) {
    case 0:
      return cat("fcntl(", fd, ", F_GETFL)");
    case 1: {
      const char* flags[] = {"O_NONBLOCK", "O_NONBLOCK | O_APPEND", "O_NONBLOCK | O_ASYNC",
                             "O_NONBLOCK | O_RDWR | O_CLOEXEC", "O_NONBLOCK | O_DIRECT"};
      // Not O_DIRECT on a regular file: direct I/O's alignment rules are not modelled.
      auto it = open_.find(fd);
      const bool regular = it != open_.end() && it->second == Kind::kRegular;
      return cat("fcntl(", fd, ", F_SETFL, ", flags[below(std::size(flags) - (regular ? 2 : 0))],
                 ")");
    }
    case 2:
      return chance(50) ? cat("fcntl(", fd, ", F_GETFD)")
                        : cat("fcntl(", fd, ", F_SETFD, ", chance(50) ? "FD_CLOEXEC" : "0", ")");
    case 3:
      return cat("fcntl(", pick_fd({Kind::kPipeRead, Kind::kPipeWrite}), ", F_GETPIPE_SZ)");
    case 4: {
      const char* sizes[] = {"0",     "4096",   "5000",    "8192",    "16384",
                             "65536", "131072", "1048576", "2097152", "-1"};
      const uint64_t i = chance(97) ? below(7) : 7 + below(3);
      return cat("fcntl(", pick_fd({Kind::kPipeRead, Kind::kPipeWrite}), ", F_SETPIPE_SZ, ",
                 sizes[i], ")");
    }
    case 5:
    case 6:
      return cat("ioctl(", fd, ", FIONREAD", chance(3) ? ", NULL" : "", ")");
    default:
      if (chance(5)) return cat("fcntl(", fd, ", 12345)");  // EINVAL: no such command
      return cat("ioctl(", fd, ", FIONBIO, ", chance(3) ? "NULL" : "1", ")");
  }
}

std::string FuzzGenerator::fd_ops() {
  if (chance(40)) return control();
  switch (below(4)) {
    case 0:
    case 1:
      closes_ = pick_fd({Kind::kPipeRead, Kind::kPipeWrite, Kind::kUnix, Kind::kEventfd,
                         Kind::kEpoll, Kind::kTcpListener, Kind::kTcpSocket, Kind::kRegular});
      return cat("close(", closes_, ")");
    case 2:
      dup_from_ = any_open_fd();
      return cat("dup(", dup_from_, ")");
    default:
      dup_from_ = any_open_fd();
      // Onto a free number, an open one (it is closed first), or itself.
      dup_to_ = chance(40) ? any_open_fd() : static_cast<int>(3 + below(20));
      if (is_special_fd(dup_to_)) dup_to_ = dup_from_;
      return cat("dup2(", dup_from_, ", ", dup_to_, ")");
  }
}

bool FuzzGenerator::is_tcp(int fd) const {
  auto it = open_.find(fd);
  return it != open_.end() && it->second == Kind::kTcpSocket;
}

std::string FuzzGenerator::sockopt() {
  const int fd = pick_fd({Kind::kUnix, Kind::kTcpSocket});
  const bool tcp = is_tcp(fd);
  // TCP's buffer sizes are tuned by the kernel as it goes (the model approximates them): no
  // SO_SNDBUF or SO_RCVBUF on TCP sockets, set or read.
  if (chance(35)) {
    if (tcp || chance(10))
      return cat("getsockopt(", fd, ", IPPROTO_TCP, ", chance(50) ? "TCP_NODELAY" : "TCP_CORK",
                 ")");
    return cat("getsockopt(", fd, ", SOL_SOCKET, ", chance(50) ? "SO_SNDBUF" : "SO_RCVBUF", ")");
  }
  if (tcp) {
    if (chance(50)) return cat("setsockopt(", fd, ", IPPROTO_TCP, TCP_NODELAY, ", below(2), ")");
    // The cork comes out again right after one send.
    follow_.push_back(cat("send(", fd, ", ", 1 + below(100), ")"));
    follow_.push_back(cat("setsockopt(", fd, ", IPPROTO_TCP, TCP_CORK, 0)"));
    return cat("setsockopt(", fd, ", IPPROTO_TCP, TCP_CORK, 1)");
  }
  if (chance(8)) return cat("setsockopt(", fd, ", IPPROTO_TCP, TCP_NODELAY, 1)");
  const char* values[] = {"0", "1", "2304", "4096", "65536", "100000", "-1"};
  return cat("setsockopt(", fd, ", SOL_SOCKET, ", chance(60) ? "SO_SNDBUF" : "SO_RCVBUF", ", ",
             values[below(std::size(values))], ")");
}

std::string FuzzGenerator::next() {
  creates_.clear();
  closes_ = dup_from_ = dup_to_ = -1;
  listen_backlog_ = -1;
  line_thread_.clear();
  line_sleeps_.reset();
  line_pipe_write_ = -1;
  if (!follow_.empty()) {
    std::string line = std::move(follow_.front());
    follow_.pop_front();
    return line;
  }
  if (threaded_ && (herd_step_ > 0 || chance(30))) {
    std::string line = thread_op();
    if (!line.empty()) return line;
  }
  // Fewer creations once many fds are open; never far beyond a few dozen.
  const std::size_t open = open_.size();
  const unsigned create_pct = open < 4 ? 45 : open < 12 ? 14 : open < 30 ? 6 : 1;
  if (chance(create_pct)) return create();
  if (chance(1)) return cat("setrlimit_nofile(", chance(50) ? 1024 : 6 + below(30), ")");
  const uint64_t r = below(100);
  if (r < 28) return io();
  if (r < 30) return sockopt();
  if (r < 62) return ctl();
  if (r < 84) return wait();
  return fd_ops();
}

void FuzzGenerator::result(long ret, const std::vector<int>& new_fds) {
  last_ret_ = ret;
  if (ret < 0) return;
  if (closes_ >= 0) open_.erase(closes_);
  if (dup_from_ >= 0) {
    auto from = open_.find(dup_from_);
    const int to = dup_to_ >= 0 ? dup_to_ : (new_fds.empty() ? -1 : new_fds[0]);
    if (from != open_.end() && to >= 0) open_[to] = from->second;
    return;
  }
  for (std::size_t i = 0; i < new_fds.size() && i < creates_.size(); ++i) {
    open_[new_fds[i]] = creates_[i];
    small_backlog_.erase(new_fds[i]);
  }
  if (listen_backlog_ >= 0 && new_fds.size() == 1) {
    small_backlog_[new_fds[0]] = listen_backlog_;
    connects_.erase(new_fds[0]);
  }
  if (creates_.size() == 2 && creates_[0] == Kind::kBlockingPipeRead && new_fds.size() == 2)
    pipes_.push_back(BlockingPipe{new_fds[0], new_fds[1], 0, {}, false});
  if (creates_.size() == 1 && !new_fds.empty()) {
    if (creates_[0] == Kind::kBlockingEventfd) blocking_eventfd_ = new_fds[0];
    if (creates_[0] == Kind::kHerdEpoll) herd_ep_ = new_fds[0];
    if (creates_[0] == Kind::kHerdEventfd) herd_efd_ = new_fds[0];
  }
}

// ---------------------------------------------------------------------------------------------
// Threaded cases
// ---------------------------------------------------------------------------------------------

std::string FuzzGenerator::free_thread() {
  std::vector<std::string> free;
  for (int i = 1; i <= 5; ++i) {
    std::string t = cat("t", i);
    if (!sleepers_.count(t)) free.push_back(t);
  }
  return free.empty() ? std::string() : free[below(free.size())];
}

std::string FuzzGenerator::herd_op() {
  // The herd: an epoll that watches one eventfd and nothing else, several threads asleep in it.
  if (herd_step_ == 1) {
    herd_step_ = 2;
    creates_ = {Kind::kHerdEpoll};
    return "epoll_create1(0)";
  }
  if (herd_step_ == 2) {
    herd_step_ = 3;
    creates_ = {Kind::kHerdEventfd};
    return "eventfd(0, EFD_NONBLOCK)";
  }
  if (herd_step_ == 3) {
    herd_step_ = 0;
    if (herd_ep_ < 0 || herd_efd_ < 0) return {};
    return cat("epoll_ctl(", herd_ep_, ", EPOLL_CTL_ADD, ", herd_efd_, ", ",
               chance(50) ? "EPOLLIN" : "EPOLLIN | EPOLLET", ", ", 1000 + ++datas_, ")");
  }
  if (herd_ep_ < 0 || herd_efd_ < 0) {
    herd_step_ = 1;
    return herd_op();
  }
  const std::string t = free_thread();
  const uint64_t r = below(100);
  if (r < 45 && !t.empty()) {
    const int timeouts[] = {-1, -1, 100, 1000, 3000};
    line_thread_ = t;
    line_sleeps_ = Sleeper{Sleeper::What::kHerd, -1};
    return cat(t, ": epoll_wait(", herd_ep_, ", ", chance(70) ? 8 : 1, ", ", timeouts[below(5)],
               ")");
  }
  if (r < 75) return cat("eventfd_write(", herd_efd_, ", 1)");
  if (r < 85) return cat("eventfd_read(", herd_efd_, ")");
  if (r < 93) return cat("epoll_wait(", herd_ep_, ", 8, 0)");
  return cat("epoll_ctl(", herd_ep_, ", EPOLL_CTL_MOD, ", herd_efd_, ", ",
             chance(50) ? "EPOLLIN" : "EPOLLIN | EPOLLET", ", ", 1000 + ++datas_, ")");
}

std::string FuzzGenerator::thread_op() {
  if (herd_step_ > 0) return herd_op();
  const std::string t = free_thread();
  switch (below(6)) {
    case 0: {
      // One thread at most in epoll_wait outside the herd.
      if (t.empty() || !epoll_sleeper_.empty()) return {};
      std::vector<int> eps;
      for (const auto& [fd, kind] : open_)
        if (kind == Kind::kEpoll) eps.push_back(fd);
      if (eps.empty()) return {};
      const int maxevents[] = {1, 2, 8, 64};
      const int timeouts[] = {-1, -1, 100, 1000, 3000};
      line_thread_ = t;
      line_sleeps_ = Sleeper{Sleeper::What::kEpoll, -1};
      return cat(t, ": epoll_wait(", eps[below(eps.size())], ", ", maxevents[below(4)], ", ",
                 timeouts[below(5)], ")");
    }
    case 1:
      return herd_op();
    case 2: {
      // A blocking eventfd: a thread sleeps in eventfd_read, the main thread's write wakes it.
      if (blocking_eventfd_ < 0) {
        creates_ = {Kind::kBlockingEventfd};
        return "eventfd(0, 0)";
      }
      bool asleep = false;
      for (const auto& [name, sl] : sleepers_)
        asleep |= sl.what == Sleeper::What::kEventfd;
      if (!asleep && !t.empty() && chance(60)) {
        line_thread_ = t;
        line_sleeps_ = Sleeper{Sleeper::What::kEventfd, -1};
        return cat(t, ": eventfd_read(", blocking_eventfd_, ")");
      }
      return cat("eventfd_write(", blocking_eventfd_, ", ", 1 + below(3), ")");
    }
    case 3:
    case 4: {
      // A blocking pipe: a thread reads or writes it, the main thread's write or read answers.
      std::vector<int> live;
      for (std::size_t i = 0; i < pipes_.size(); ++i)
        if (pipes_[i].rfd >= 0 || pipes_[i].wfd >= 0) live.push_back(static_cast<int>(i));
      if (live.empty() || (live.size() < 2 && chance(10))) {
        creates_ = {Kind::kBlockingPipeRead, Kind::kBlockingPipeWrite};
        const int a = ++names_, b = ++names_;
        return cat("pipe(n", a, ", n", b, ")");
      }
      const int i = live[below(live.size())];
      BlockingPipe& p = pipes_[static_cast<std::size_t>(i)];
      const uint64_t r = below(100);
      if (p.sleeper.empty() && !t.empty() && r < 40 && p.rfd >= 0) {
        const long sizes[] = {1, 100, 4096, 65536};
        line_thread_ = t;
        line_sleeps_ = Sleeper{Sleeper::What::kPipeRead, i};
        return cat(t, ": read(", p.rfd, ", ", sizes[below(4)], ")");
      }
      if (p.sleeper.empty() && !t.empty() && r < 55 && p.wfd >= 0 && p.bytes >= 0) {
        const long sizes[] = {4096, 65536, 100000};
        line_thread_ = t;
        line_sleeps_ = Sleeper{Sleeper::What::kPipeWrite, i};
        return cat(t, ": write(", p.wfd, ", ", sizes[below(3)], ")");
      }
      if (r < 85 && p.wfd >= 0 && p.bytes >= 0 && !(p.sleeper_writes && !p.sleeper.empty())) {
        // Never more than 32 KiB in it: the main thread's write always fits.
        const long sizes[] = {1, 100, 4096};
        const long n = sizes[below(3)];
        if (p.bytes + n > 32768) return {};
        line_pipe_write_ = i;
        return cat("write(", p.wfd, ", ", n, ")");
      }
      if (r < 93 && p.rfd >= 0 && !p.sleeper.empty() && p.sleeper_writes) {
        // A thread sleeps writing: the pipe is full, this read returns at once.
        const long sizes[] = {1, 4096, 65536};
        return cat("read(", p.rfd, ", ", sizes[below(3)], ")");
      }
      // Closing an end wakes its sleeper: a reader with 0 (end of file), a writer with EPIPE.
      const bool write_end = p.wfd >= 0 && (p.rfd < 0 || chance(50));
      closes_ = write_end ? p.wfd : p.rfd;
      (write_end ? p.wfd : p.rfd) = -1;
      return cat("close(", closes_, ")");
    }
    default: {
      // While a SYN may wait for its retransmission, time passes for real (see syn_may_wait_):
      // seconds mostly give way to shorter sleeps.
      const long ms[] = {0, 50, 200, 1000, 3000};
      const uint64_t n = syn_may_wait_ && !chance(10) ? 3 : 5;
      if (!t.empty() && chance(20)) return cat(t, ": sleep(", ms[below(n)], ")");
      return cat("sleep(", ms[below(n)], ")");
    }
  }
}

void FuzzGenerator::threads_result(bool blocked,
                                   const std::vector<std::pair<std::string, long>>& finished) {
  auto pipe_of = [&](const Sleeper& s) -> BlockingPipe* {
    return s.pipe >= 0 ? &pipes_[static_cast<std::size_t>(s.pipe)] : nullptr;
  };
  // The main thread's write into a blocking pipe, a thread's read or write that did not sleep.
  if (line_pipe_write_ >= 0 && last_ret_ > 0) {
    BlockingPipe& p = pipes_[static_cast<std::size_t>(line_pipe_write_)];
    if (p.bytes >= 0) p.bytes += last_ret_;
  }
  if (!line_thread_.empty() && line_sleeps_ && !blocked && last_ret_ > 0)
    if (BlockingPipe* p = pipe_of(*line_sleeps_); p && p->bytes >= 0)
      p->bytes = line_sleeps_->what == Sleeper::What::kPipeRead ? std::max(0L, p->bytes - last_ret_)
                                                                : p->bytes + last_ret_;
  if (!line_thread_.empty() && line_sleeps_) {
    const Sleeper& s = *line_sleeps_;
    if (blocked) {
      sleepers_[line_thread_] = s;
      if (s.what == Sleeper::What::kEpoll) epoll_sleeper_ = line_thread_;
      if (BlockingPipe* p = pipe_of(s)) {
        p->sleeper = line_thread_;
        p->sleeper_writes = s.what == Sleeper::What::kPipeWrite;
        if (p->sleeper_writes) p->bytes = -1;  // it filled the pipe: how far is not known
      }
    }
  }
  for (const auto& [thread, ret] : finished) {
    auto it = sleepers_.find(thread);
    if (it == sleepers_.end()) continue;
    if (it->second.what == Sleeper::What::kEpoll) epoll_sleeper_.clear();
    if (BlockingPipe* p = pipe_of(it->second)) {
      if (it->second.what == Sleeper::What::kPipeRead && p->bytes >= 0 && ret > 0)
        p->bytes = std::max(0L, p->bytes - ret);
      p->sleeper.clear();
    }
    sleepers_.erase(it);
  }
}

}  // namespace epollscope::fuzz
