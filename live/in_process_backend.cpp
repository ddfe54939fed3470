// SPDX-License-Identifier: GPL-2.0-only
#include "live/in_process_backend.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "live/tcp_settle.h"

namespace epollscope::live {

namespace {

void close_from(unsigned first) {
  if (syscall(SYS_close_range, first, ~0U, 0) != 0) {
    // Kernels before 5.9: close what /proc/self/fd lists.
    for (int fd = static_cast<int>(first); fd < 65536; ++fd)
      close(fd);
  }
}

}  // namespace

bool InProcessBackend::start(std::string* error) {
  // fds 0, 1 and 2 must be open (the model's process has them): /dev/null where they are not.
  for (int fd = 0; fd < 3; ++fd)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      const int n = open("/dev/null", O_RDWR);
      if (n != fd) {
        *error = "fds 0, 1 and 2 cannot be opened";
        return false;
      }
    }
  close_from(3);
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = static_cast<rlim_t>(scenario_rlimit_nofile().cur);
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    *error = std::string("setrlimit: ") + std::strerror(errno);
    return false;
  }
  fds_.clear();
  // /proc/self/fdinfo, opened once per case at the top of the fd table (a scenario's fds are the
  // lowest free ones, so it is never in their way), saves the path walk of every fdinfo read.
  dir_ = -1;
  const int d = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    dir_ = fcntl(d, F_DUPFD_CLOEXEC, static_cast<int>(rl.rlim_cur) - 1);
    close(d);
  }
  return true;
}

driver::CallResult InProcessBackend::perform(const driver::ResolvedCall& call) {
  // Nothing may sleep in this process: other threads, and time passing, need the live child.
  if (call.thread != "main" || call.call == driver::CallId::kSleep) {
    driver::CallResult o;
    o.ret = -1;
    o.err = EINVAL;
    return o;
  }
  driver::CallResult o;
  try {
    o = perform_real_call(call, fds_);
  } catch (const RealCallError& e) {
    throw driver::BackendError(e.what());
  }
  // Loopback TCP: until nothing this call sent is unacknowledged, as in the live child (at most
  // settle_us_: an ACK the receiver delays comes with a timer; live/tcp_settle.h).
  if (fds_.take_network_busy()) settle_tcp(fds_, settle_us_);
  return o;
}

std::vector<driver::FdinfoEntry> read_own_fdinfo(int epfd, int dir) {
  std::vector<driver::FdinfoEntry> out;
  if (epfd < 0) return out;
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/fdinfo/%d", epfd);
  char name[16];
  std::snprintf(name, sizeof name, "%d", epfd);
  int fd = dir >= 0 ? openat(dir, name, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == EMFILE) {
    // The scenario lowered RLIMIT_NOFILE and filled its table: lift the limit for this one read
    // (the fd is closed again before the next call, so the scenario never sees it).
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    const rlimit lifted{rl.rlim_max, rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &lifted);
    fd = dir >= 0 ? openat(dir, name, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (fd < 0) return out;
  std::string text;
  char buf[8192];
  ssize_t n;
  // One read gets a small fdinfo whole (seq_file fills the buffer); a short read is the end.
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) break;
  }
  close(fd);
  // "tfd:        4 events:       19 data:                4  pos:0 ino:... sdev:..."
  // "tfd: %8d events: %8x data: %16llx ..." per item (parsed by hand: sscanf costs more than
  // the read).
  const char* p = text.c_str();
  while ((p = std::strstr(p, "tfd:")) != nullptr) {
    char* end;
    const long tfd = std::strtol(p + 4, &end, 10);
    const char* ev = std::strstr(end, "events:");
    if (!ev) break;
    const unsigned long events = std::strtoul(ev + 7, &end, 16);
    const char* da = std::strstr(end, "data:");
    if (!da) break;
    const unsigned long long data = std::strtoull(da + 5, &end, 16);
    out.push_back(driver::FdinfoEntry{static_cast<int>(tfd), static_cast<uint32_t>(events),
                                      static_cast<uint64_t>(data)});
    p = end;
  }
  return out;
}

std::vector<driver::FdinfoEntry> InProcessBackend::fdinfo(int epfd) {
  return read_own_fdinfo(epfd, dir_);
}

void InProcessBackend::stop() {
  close_from(3);
  fds_.clear();
}

}  // namespace epollscope::live
