#include "live/in_process_backend.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

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
  rl.rlim_cur = std::min<rlim_t>(1024, rl.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    *error = std::string("setrlimit: ") + std::strerror(errno);
    return false;
  }
  fds_.clear();
  return true;
}

sim::script::Outcome InProcessBackend::perform(const sim::script::ResolvedCall& call) {
  if (call.thread != "main" || call.call == "sleep") {
    sim::script::Outcome o;
    o.ret = -1;
    o.err = EINVAL;
    return o;
  }
  sim::script::Outcome o = perform_real_call(call, fds_);
  // Loopback TCP: let segments, ACKs and FINs of this call arrive before the next call, as the
  // live child does (20 ms: 1 ms was seen to be too short for the FIN of a shutdown to arrive).
  if (fds_.take_network_busy()) usleep(settle_us_);
  return o;
}

std::vector<sim::script::FdinfoEntry> read_own_fdinfo(int epfd) {
  std::vector<sim::script::FdinfoEntry> out;
  if (epfd < 0) return out;
  char path[48];
  std::snprintf(path, sizeof path, "/proc/self/fdinfo/%d", epfd);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == EMFILE) {
    // The scenario lowered RLIMIT_NOFILE and filled its table: lift the limit for this one read
    // (the fd is closed again before the next call, so the scenario never sees it).
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    const rlimit lifted{rl.rlim_max, rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &lifted);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (fd < 0) return out;
  std::string text;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  close(fd);
  // "tfd:        4 events:       19 data:                4  pos:0 ino:... sdev:..."
  for (std::size_t at = text.find("tfd:"); at != std::string::npos; at = text.find("tfd:", at + 4)) {
    int tfd;
    unsigned events;
    unsigned long long data;
    if (std::sscanf(text.c_str() + at, "tfd: %d events: %x data: %llx", &tfd, &events, &data) == 3)
      out.push_back(sim::script::FdinfoEntry{tfd, events, data});
  }
  return out;
}

std::vector<sim::script::FdinfoEntry> InProcessBackend::fdinfo(int epfd) {
  return read_own_fdinfo(epfd);
}

void InProcessBackend::stop() {
  close_from(3);
  fds_.clear();
}

}  // namespace epollscope::live
