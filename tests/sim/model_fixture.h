// tests/sim/model_fixture.h — a Kernel with the invariant checker attached, and short helpers in
// the style of the reference's probe programs (add/mod/wait/w/drain), so that each test reads like
// the probe whose output it reproduces.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "sim/invariants.h"
#include "sim/kernel.h"
#include "sim/strings.h"

namespace epollscope::sim::testing {

// "(3:IN) (1:IN|HUP)" — the reference's `waitp` format: data, then the reported mask.
inline std::string format_events(const std::vector<EpollEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    if (!out.empty()) out += ' ';
    out += cat("(", e.data, ":", mask_to_string(e.events), ")");
  }
  return out;
}

class ModelTest : public ::testing::Test {
 protected:
  explicit ModelTest(const KernelProfile& profile = KernelProfile::default_profile())
      : k(profile), checker_(k) {
    k.set_trace_sink(&checker_);
  }

  // Checks the mid-call invariants of every step so far and the between-call invariants now.
  void expect_invariants() {
    EXPECT_EQ(checker_.first_violation(), "");
    EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
  }
  SysResult checked(SysResult r) {
    expect_invariants();
    return r;
  }
  static long ret(const SysResult& r) { return r.ret < 0 ? -r.err : r.ret; }

  Task& main() { return k.main_task(); }
  int epoll() {
    SysResult r = checked(k.epoll_create1(main(), 0));
    EXPECT_GE(r.ret, 0);
    return static_cast<int>(r.ret);
  }
  std::pair<int, int> pipe(int flags = kO_NONBLOCK) {
    SysResult r = checked(k.pipe2(main(), flags));
    EXPECT_EQ(r.ret, 0);
    return {r.fds[0], r.fds[1]};
  }
  int eventfd(unsigned init = 0, int flags = kEFD_NONBLOCK) {
    SysResult r = checked(k.eventfd2(main(), init, flags));
    EXPECT_GE(r.ret, 0);
    return static_cast<int>(r.ret);
  }
  // epoll_ctl; returns 0 or -errno.
  long ctl(int ep, int op, int fd, poll_t events, uint64_t data) {
    return ret(checked(k.epoll_ctl(main(), ep, op, fd, EpollEvent{events, data})));
  }
  long add(int ep, int fd, poll_t events, uint64_t data) { return ctl(ep, kEPOLL_CTL_ADD, fd, events, data); }
  long mod(int ep, int fd, poll_t events, uint64_t data) { return ctl(ep, kEPOLL_CTL_MOD, fd, events, data); }
  long del(int ep, int fd) { return ret(checked(k.epoll_ctl(main(), ep, kEPOLL_CTL_DEL, fd, std::nullopt))); }
  std::string wait(int ep, int maxevents = 64, int timeout = 0) {
    SysResult r = checked(k.epoll_wait(main(), ep, maxevents, timeout));
    EXPECT_FALSE(r.blocked);
    EXPECT_GE(r.ret, 0) << errno_name(r.err);
    EXPECT_EQ(static_cast<std::size_t>(r.ret), r.events.size());
    return format_events(r.events);
  }
  long write(int fd, std::size_t n) { return ret(checked(k.write(main(), fd, n))); }
  long read(int fd, std::size_t n) { return ret(checked(k.read(main(), fd, n))); }
  long close(int fd) { return ret(checked(k.close(main(), fd))); }
  long dup(int fd) { return ret(checked(k.dup(main(), fd))); }
  // Reads until the pipe or socket is empty (EAGAIN) or at EOF.
  void drain(int fd) {
    for (int i = 0; i < 1000; ++i)
      if (read(fd, 65536) <= 0) return;
  }

  Kernel k;

 private:
  InvariantCheckingSink checker_;
};

}  // namespace epollscope::sim::testing
