// SPDX-License-Identifier: GPL-2.0-only
// fuzz/generator.h — random scenarios for differential fuzzing (`epollscope fuzz`).
//
// A FuzzGenerator writes one scenario line at a time: creations of every file type, close, dup
// and dup2 with fd reuse, reads and writes of random sizes (filling pipes and socket buffers),
// shutdowns, nested epolls, epoll_ctl with random masks (odd and invalid bits too), epoll_wait
// with random maxevents and timeout 0, poll and select of a few fds with timeout 0 (closed and
// negative fds, odd nfds, an invalid timeval among them), and invalid fds and ops for the errno
// paths.
//
// With `threads` on, some cases are threaded (threaded()): scenario threads t1..t5 sleep in
// epoll_wait (-1 or a timeout on the virtual clock), several of them on one "herd" epoll that
// watches one eventfd, in read and write on blocking pipes and in eventfd_read on a blocking
// eventfd, and other calls satisfy them; sleep(ms) and the main thread's timed epoll_wait move
// the clock on. Only what the kernel does in one order is generated: blocking files are never
// watched by an epoll (a woken reader and a woken harvester would race for the data), one thread
// at most sleeps on a blocking file, one thread at most in epoll_wait outside the herd (two
// sleepers woken by one call would race), the herd epoll watches its eventfd alone and nothing
// watches it, and the main thread never makes a call that could sleep (the generator keeps the
// bytes in each blocking pipe and sizes its writes to fit). fds are written
// as numbers, so that any subset of a case's lines is still a valid scenario (the shrinker removes
// lines freely). The generator is told what each call returned (the fds it created or closed), so
// most calls use fds that are open, of a fitting type. The same (seed, case) and the same answers
// always give the same lines.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/script/calls.h"

namespace epollscope::fuzz {

struct FuzzTypes {
  bool pipe = true;
  bool unix_stream = true;
  // Loopback TCP: the kernel's timers run on the wall clock, the model's on its virtual one; the
  // live side lets real time pass only while one the model keeps is armed (live/tcp_settle.h).
  bool tcp = true;
  bool eventfd = true;
  bool epoll = true;    // nested epolls (an epoll fd added to another)
  bool threads = true;  // threaded cases: sleeping threads, timeouts, sleep (see above)
  // "pipe,unix,tcp,eventfd,epoll,threads" (any subset, any order); false with a message on a bad
  // name. The default is all of them.
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
  // Then, in a threaded case: whether the line's call sleeps, and the sleeping calls that
  // finished meanwhile (thread, return value).
  void threads_result(bool blocked, const std::vector<std::pair<std::string, long>>& finished);
  // This case has threads, timeouts or blocking files: it needs the live child, not the
  // in-process kernel.
  bool threaded() const { return threaded_; }

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
    // Threaded cases only, never picked for anything else: blocking pipe ends and eventfd, and
    // the herd's epoll and eventfd.
    kBlockingPipeRead,
    kBlockingPipeWrite,
    kBlockingEventfd,
    kHerdEpoll,
    kHerdEventfd,
  };
  static bool special(Kind k) { return k >= Kind::kBlockingPipeRead; }
  bool is_special_fd(int fd) const;
  // A blocking pipe: its ends (-1 once closed), the bytes in it (-1: not known), and the thread
  // sleeping in a read or write of it.
  struct BlockingPipe {
    int rfd = -1, wfd = -1;
    long bytes = 0;
    std::string sleeper;
    bool sleeper_writes = false;
  };
  struct Sleeper {
    enum class What : uint8_t { kEpoll, kHerd, kEventfd, kPipeRead, kPipeWrite } what;
    int pipe = -1;  // index into pipes_
  };
  std::string thread_op();
  std::string herd_op();
  std::string free_thread();
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
  std::string poll_or_select();
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
  // Listeners made with a small backlog, and the connects made to each: once they outnumber
  // what its accept queue holds, a SYN may have been dropped (or may be, at the next connect),
  // and the socket waits in SYN_SENT for the retransmission timer, which runs on the wall clock:
  // every sleep then sleeps for real (live/tcp_settle.h), so long sleeps become rare.
  int listen_backlog_ = -1;           // the backlog of the tcp_listen(b) being made
  std::map<int, int> small_backlog_;  // listener fd → backlog
  std::map<int, int> connects_;       // listener fd → connects made to it
  bool syn_may_wait_ = false;
  int closes_ = -1;
  int dup_from_ = -1;
  int dup_to_ = -1;
  // Lines that must follow the last one at once, before any other: what lets TCP data held by
  // MSG_MORE or TCP_CORK go out long before the kernel's 200 ms probe timer would (the fuzzer
  // lets no model time pass, but real time passes on the kernel).
  std::deque<std::string> follow_;

  bool threaded_ = false;
  std::vector<BlockingPipe> pipes_;
  std::map<std::string, Sleeper> sleepers_;  // threads that sleep in a call
  std::string epoll_sleeper_;                // the one thread in epoll_wait outside the herd
  int blocking_eventfd_ = -1;
  int herd_ep_ = -1, herd_efd_ = -1, herd_step_ = 0;
  // The last line, for threads_result(): the thread that made it and what it may sleep in.
  std::string line_thread_;
  std::optional<Sleeper> line_sleeps_;
  int line_pipe_write_ = -1;  // the main thread wrote into this blocking pipe
  long last_ret_ = 0;         // what the last line returned
};

}  // namespace epollscope::fuzz
