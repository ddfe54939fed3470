// SPDX-License-Identifier: GPL-2.0-only
// fuzz/generator.h — random scenarios for differential fuzzing (`epollscope fuzz`).
//
// A FuzzGenerator writes one scenario line at a time: creations of every file type, close, dup
// and dup2 with fd reuse, reads and writes of random sizes (filling pipes and socket buffers),
// shutdowns, nested epolls, epoll_ctl with random masks (odd and invalid bits too), epoll_wait
// with random maxevents and timeout 0, and invalid fds and ops for the errno paths. fds are written
// as numbers, so that any subset of a case's lines is still a valid scenario (the shrinker removes
// lines freely). The generator is told what each call returned (the fds it created or closed), so
// most calls use fds that are open, of a fitting type. The same (seed, case) and the same answers
// always give the same lines.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "sim/script/calls.h"

namespace epollscope::fuzz {

struct FuzzTypes {
  bool pipe = true;
  bool unix_stream = true;
  bool tcp = false;  // opt-in: every TCP call waits 20 ms for the loopback to settle
  bool eventfd = true;
  bool epoll = true;  // nested epolls (an epoll fd added to another)
  // "pipe,unix,tcp,eventfd,epoll" (any subset, any order); false with a message on a bad name.
  // The default is all but tcp.
  static bool parse(const std::string& list, FuzzTypes* out, std::string* error);
  std::string text() const;
};

class FuzzGenerator {
 public:
  FuzzGenerator(uint64_t seed, uint64_t case_index, FuzzTypes types);

  // Whether the generator writes this call (with every file type on). A call it leaves out says
  // why in generator.cpp; a new call of the table must be decided on there.
  static bool generates(sim::script::CallId call);

  // The next scenario line (a single call, no expectation).
  std::string next();
  // What the last line did: its return value and the fds it created (the kernel's answer).
  void result(long ret, const std::vector<int>& new_fds);

 private:
  enum class Kind : uint8_t {
    kPipeRead,
    kPipeWrite,
    kUnix,
    kEventfd,
    kEpoll,
    kTcpListener,
    kTcpSocket,
    kRegular,
  };
  uint64_t rand();
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(rand()) * n) >> 64);
  }
  bool chance(unsigned percent) { return below(100) < percent; }
  // An fd for an argument: mostly an open one of one of `kinds` (any open one if none), sometimes
  // any number at all (closed, negative, 0..2).
  int pick_fd(std::initializer_list<Kind> kinds);
  int any_open_fd();
  std::string events_mask();
  std::string create();
  std::string io();
  std::string ctl();
  std::string wait();
  std::string fd_ops();
  std::string control();
  std::string sockopt();
  bool is_tcp(int fd) const;

  uint64_t state_;
  FuzzTypes types_;
  std::map<int, Kind> open_;  // the fds believed open (from the answers), and what they are
  int names_ = 0;             // pipe2/socketpair need names for their fds: n1, n2, ...
  int datas_ = 0;             // epoll_ctl data values given so far
  // The last line, for result(): what it creates (kinds of new fds), closes or duplicates.
  std::vector<Kind> creates_;
  int closes_ = -1;
  int dup_from_ = -1;
  int dup_to_ = -1;
  // Lines that must follow the last one at once, before any other: what lets TCP data held by
  // MSG_MORE or TCP_CORK go out long before the kernel's 200 ms probe timer would (the fuzzer
  // lets no model time pass, but real time passes on the kernel).
  std::deque<std::string> follow_;
};

}  // namespace epollscope::fuzz
