// SPDX-License-Identifier: GPL-2.0-only
#include "live/calibrate.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <list>
#include <mutex>
#include <vector>

#include "sim/uapi.h"

namespace epollscope::live {
namespace {

// Closes every fd it was given when it goes out of scope.
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds)
      close(fd);
  }
  int add(int fd) {
    if (fd >= 0) fds.push_back(fd);
    return fd;
  }
};

bool add(int ep, int fd, uint32_t events, uint64_t data) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
}

std::vector<uint64_t> harvest(int ep) {
  epoll_event evs[8];
  int n = epoll_wait(ep, evs, 8, 0);
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i)
    out.push_back(evs[i].data.u64);
  return out;
}

// 1: ET read end; write into an empty pipe, harvest, write again into the non-empty pipe.
int probe_write_into_non_empty_pipe(std::string* error) {
  Fds f;
  int ep = f.add(epoll_create1(0));
  int p[2];
  if (ep < 0 || pipe2(p, O_NONBLOCK) != 0) {
    *error = std::strerror(errno);
    return -1;
  }
  f.add(p[0]);
  f.add(p[1]);
  char b = 'x';
  if (!add(ep, p[0], EPOLLIN | EPOLLET, 1) || write(p[1], &b, 1) != 1 || harvest(ep).size() != 1 ||
      write(p[1], &b, 1) != 1) {
    *error = std::strerror(errno);
    return -1;
  }
  return harvest(ep).size() == 1 ? 1 : 0;
}

// 2: write end A (OUT|ET) of a full pipe, read end B of another pipe. Read 1 byte of A's pipe
// (the slot stays used, the pipe stays full), make B ready, then read the rest of the slot (a slot
// is freed while full: every kernel wakes the writer now). If the 1-byte read woke the writer
// too, A's place in the ready list was fixed before B's: the harvest says A, B instead of B, A.
int probe_read_from_full_pipe(std::string* error) {
  Fds f;
  int ep = f.add(epoll_create1(0));
  int p[2], q[2];
  if (ep < 0 || pipe2(p, O_NONBLOCK) != 0) {
    *error = std::strerror(errno);
    return -1;
  }
  f.add(p[0]);
  f.add(p[1]);
  if (pipe2(q, O_NONBLOCK) != 0) {
    *error = std::strerror(errno);
    return -1;
  }
  f.add(q[0]);
  f.add(q[1]);
  char page[4096] = {};
  while (write(p[1], page, sizeof page) > 0) {
  }
  if (!add(ep, p[1], EPOLLOUT | EPOLLET, 1) || !add(ep, q[0], EPOLLIN | EPOLLET, 2)) {
    *error = std::strerror(errno);
    return -1;
  }
  harvest(ep);
  char b;
  if (read(p[0], &b, 1) != 1 || write(q[1], &b, 1) != 1 ||
      read(p[0], page, sizeof page - 1) != sizeof page - 1) {
    *error = std::strerror(errno);
    return -1;
  }
  std::vector<uint64_t> order = harvest(ep);
  if (order.size() != 2) {
    *error = "unexpected number of events";
    return -1;
  }
  return order[0] == 1 ? 1 : 0;
}

// 3: e0 ⊃ e1 ⊃ e2 ⊃ e3 ⊃ e4 built top-down, then e4 ⊃ e5.
int probe_top_down_chain(std::string* error) {
  Fds f;
  int e[6];
  for (int& x : e) {
    x = f.add(epoll_create1(0));
    if (x < 0) {
      *error = std::strerror(errno);
      return -1;
    }
  }
  for (int i = 0; i < 4; ++i)
    if (!add(e[i], e[i + 1], EPOLLIN, 0)) {
      *error = std::strerror(errno);
      return -1;
    }
  if (add(e[4], e[5], EPOLLIN, 0)) return 0;
  return errno == ELOOP ? 1 : -1;
}

// 4: pipe2(O_NOTIFICATION_PIPE): 0 when this kernel makes notification pipes, else its errno
// (ENOPKG without CONFIG_WATCH_QUEUE).
int probe_notification_pipe() {
  int p[2];
  if (pipe2(p, O_EXCL) == 0) {  // O_NOTIFICATION_PIPE
    close(p[0]);
    close(p[1]);
    return 0;
  }
  return errno;
}

// 5: fs.pipe-max-size, and whether this process may make a pipe larger than that
// (CAP_SYS_RESOURCE: a container's root may lack it).
bool probe_pipe_resize_capable(unsigned* max_size) {
  if (FILE* f = std::fopen("/proc/sys/fs/pipe-max-size", "r")) {
    unsigned n = 0;
    if (std::fscanf(f, "%u", &n) == 1 && n >= 4096) *max_size = n;
    std::fclose(f);
  }
  Fds f;
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return false;
  f.add(p[0]);
  f.add(p[1]);
  // Twice the limit (at most 2 GiB, which round_pipe_size takes).
  const unsigned above = *max_size >= (1u << 30) ? (1u << 31) : *max_size * 2;
  return fcntl(p[0], F_SETPIPE_SZ, above) > 0;
}

// The chosen profile with the facts of this machine (probes 4 and 5), kept for the process.
const sim::KernelProfile* with_machine_facts(const sim::KernelProfile& p, int notification_errno,
                                             unsigned pipe_max_size, bool capable) {
  static std::mutex lock;
  static std::list<sim::KernelProfile> made;
  std::lock_guard<std::mutex> l(lock);
  for (const auto& m : made)
    if (m.name == p.name && m.notification_pipe_errno == notification_errno &&
        m.pipe_max_size == pipe_max_size && m.pipe_resize_capable == capable)
      return &m;
  sim::KernelProfile m = p;
  m.notification_pipe_errno = notification_errno;
  m.pipe_max_size = pipe_max_size;
  m.pipe_resize_capable = capable;
  made.push_back(m);
  return &made.back();
}

}  // namespace

Calibration calibrate() {
  Calibration c;
  std::string error;
  const int poll_usage = probe_write_into_non_empty_pipe(&error);
  const int full_read_wakes = poll_usage < 0 ? -1 : probe_read_from_full_pipe(&error);
  const int both_directions = full_read_wakes < 0 ? -1 : probe_top_down_chain(&error);
  if (poll_usage < 0 || full_read_wakes < 0 || both_directions < 0) {
    c.error = "a calibration probe failed: " + error;
    c.profile = &sim::KernelProfile::default_profile();
    return c;
  }
  c.findings.push_back(
      poll_usage
          ? "a write into a non-empty pipe wakes an edge-triggered reader (5.15 and later)"
          : "a write into a non-empty pipe does not wake an edge-triggered reader (5.5-5.13)");
  c.findings.push_back(
      full_read_wakes
          ? "a read that frees no slot of a full pipe still wakes the writer (before 6.14)"
          : "a read wakes the writer only when it frees a slot of a full pipe (6.14 and later)");
  c.findings.push_back(
      both_directions ? "a fifth epoll link built top-down is refused with ELOOP (6.17 and later)"
                      : "a fifth epoll link built top-down is accepted (before 6.17)");
  const sim::KernelProfile* best = nullptr;
  int best_score = -1;
  for (const auto& p : sim::KernelProfile::all()) {
    int score =
        ((p.pipe_write_wake == sim::PipeWriteWake::kWasEmptyOrPollUsage) == (poll_usage == 1)) +
        ((p.pipe_read_wake_writer == sim::PipeReadWakeWriter::kFullAtStart) ==
         (full_read_wakes == 1)) +
        ((p.loop_check == sim::LoopCheckDepth::kBothDirections) == (both_directions == 1));
    if (score > best_score) {
      best = &p;
      best_score = score;
    }
  }
  c.exact = best_score == 3;
  const int notification_errno = probe_notification_pipe();
  unsigned pipe_max_size = best->pipe_max_size;
  const bool capable = probe_pipe_resize_capable(&pipe_max_size);
  c.findings.push_back(notification_errno
                           ? std::string("pipe2(O_NOTIFICATION_PIPE) fails with ") +
                                 sim::errno_name(notification_errno) +
                                 (notification_errno == ENOPKG ? " (no CONFIG_WATCH_QUEUE)" : "")
                           : "pipe2(O_NOTIFICATION_PIPE) makes a notification pipe (not modelled)");
  c.findings.push_back(
      "F_SETPIPE_SZ above fs.pipe-max-size (" + std::to_string(pipe_max_size) + " bytes) " +
      (capable ? "is allowed (CAP_SYS_RESOURCE)" : "is refused with EPERM (no CAP_SYS_RESOURCE)"));
  c.profile = with_machine_facts(*best, notification_errno, pipe_max_size, capable);
  return c;
}

}  // namespace epollscope::live
