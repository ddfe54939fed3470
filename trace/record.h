// SPDX-License-Identifier: GPL-2.0-only
// trace/record.h — `trace --record FILE.scn`: a traced program's mirrored calls written as a
// scenario (docs/scenario-language.md) that `check` and the window replay.
//
// What a recording holds:
//   - the program's calls, in the order the mirror performed them on the model, each with the
//     kernel's answer as its expectation (`=> 1024`, `=> [s6: EPOLLIN]`, `=> -1 EAGAIN`); its
//     threads are scenario threads (`srv:` its main thread, `t2:`, `t3:` ... the others);
//   - the programs it talked to over TCP (telnet, nc, a test client: observed files in the
//     mirror) as the scenario's peers, in its main thread, placed where their wake-ups were seen:
//     a connection queued on a listener is `c1 = tcp_connect(l)`, data that arrived is
//     `write(c1, N)` (N: the bytes the program read after that wake-up, or FIONREAD said), a FIN
//     `shutdown(c1, SHUT_WR)`, a reset `close(c1)` with bytes unread (which sends RST); the peer
//     reads what the program wrote to it when it makes room (EPOLLOUT) and before it closes;
//   - a call that slept: `srv: epoll_wait(ep, 64, -1) => blocks`, then the one statement that
//     woke it, then `srv => [s6: EPOLLIN]`. When several statements woke it at once (two wake-ups
//     reached the kernel before the woken thread ran), the call is written, not sleeping, after
//     them; a timeout that expired is a `sleep(ms)` of the scenario's own clock.
// fds are named by what they are and the program's number (`ep`, `l`, `s6`, `p3`/`p4`, `e5`,
// `u7`), data values by the item they belong to. What the language cannot say (bind to a port,
// options it does not know, timerfds, files from open ...) is a comment naming what was left out;
// what makes the rest unreplayable is said in the header and by problems().
//
// Bounded: at most max_statements statements (the language's own limit, 100,000) and a file
// below 4 MiB (the most a scenario file may be), then the recording stops and says so.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/uapi.h"
#include "trace/tracer.h"

namespace epollscope::trace {

class ScenarioRecorder {
 public:
  static constexpr std::size_t kMaxStatements = 100000;
  // A scenario file is read only up to 4 MiB (driver/scenario_files.h): the text stays below,
  // with room for its header.
  static constexpr std::size_t kMaxBytes = (std::size_t{4} << 20) - (std::size_t{64} << 10);
  using MemoryReader = std::function<bool(pid_t tid, uint64_t addr, void* buf, std::size_t len)>;

  // `program`: the command line, for the title.
  explicit ScenarioRecorder(std::string program, std::size_t max_statements = kMaxStatements,
                            std::size_t max_bytes = kMaxBytes);

  // --- what the mirror tells, in the order it happens ---------------------------------------
  void start(pid_t pid);
  // A call at its exit stop (every call but the epoll_waits and close, which come below).
  void call(const SyscallStop& s, const MemoryReader& mem);
  // close: at its entry (when the model performs it) and its exit (the kernel's answer).
  void close_entry(pid_t tid, int fd);
  void close_exit(pid_t tid, long raw_ret);
  // Wake-ups of observed files handed to the model, one per file (a listener's with the number
  // of connections it stands for).
  struct Wake {
    int fd;
    uint32_t events;
    int count;
  };
  void wakeups(const std::vector<Wake>& wakes);
  // The real poll mask of an observed file an EPOLL_CTL_ADD or MOD polls.
  void observed_mask(int fd, uint32_t mask);
  // An epoll_wait performed on the model at its entry; `blocked`: the model's thread sleeps.
  void wait_entry(const SyscallStop& s, bool blocked, const MemoryReader& mem);
  // What ended the model's sleep of a thread sleeping() lists.
  enum class Cause { kProgramCall, kWakeups, kTimeout };
  std::vector<pid_t> sleeping() const;
  void woken(pid_t tid, Cause cause);
  // An epoll_wait's exit: the kernel's answer, and when the kernel's order came from a race the
  // scenario cannot force (wake-ups during a scan, or within one window of the tracer), the same
  // events in the order a replay gives: both are expected (`=> [...] or [...]`).
  void wait_exit(const SyscallStop& s, const std::vector<sim::EpollEvent>& events,
                 const std::vector<sim::EpollEvent>& other_order, const MemoryReader& mem);
  // A child process of the program (it shares the program's files), and an execve of it.
  void fork(pid_t child);
  void exec();
  // Something the recording cannot replay from here on (said in the header and by problems()).
  void unreplayable(const std::string& why);

  // --- the recording -------------------------------------------------------------------------
  std::string text() const;
  std::size_t statements() const { return statements_; }
  bool full() const { return full_; }
  // What the user must be told: the limit reached, what makes it unreplayable.
  std::vector<std::string> problems() const;

 private:
  enum class Kind { kEpoll, kPipe, kUnix, kEventfd, kListener, kConn, kSocket, kOther };
  struct Obj {
    Kind kind = Kind::kOther;
    std::string what;  // for comments: "a timerfd", "a socket connected to another program"
    int fds = 0;       // the program's fds that refer to it
    // kSocket (not listening yet): what listen turns into the listener
    int domain = 0, type = 0;
    bool nonblock = false, cloexec = false;
    std::vector<std::string> options;  // setsockopt lines to make again on the listener
    // kListener
    std::string name;
    std::deque<int> queue;  // peers connected and not yet accepted
    long arrived = 0, connects = 0;
    // kConn
    int peer = -1;
  };
  struct Fd {
    int obj = -1;
    std::string ref;  // the name (or number) that stands for it; empty: not in the scenario
    int scen = -1;    // its number in the scenario
  };
  struct Peer {
    std::string name;
    int scen = -1;
    long unread = 0;  // what the program wrote to it and the peer has not read
    bool fin = false, closed = false;
    std::size_t write_at = kNone;  // its last write, whose count the program's reads decide
    long consumed = 0;             // bytes the program read since that write
    bool drained = true;           // the program found the socket empty since that write
    // That write was placed before a harvest that returned the data, though its wake-up came
    // after the harvest: the wake-up that follows is the same data.
    bool provisional = false;
  };
  struct Item {
    int fd;
    int obj;
    uint64_t data;
    std::string text;     // how an event of it is written: its fd's name, or the data number
    uint32_t events = 0;  // its interest
  };
  enum class StmtKind { kLine, kPeerWrite, kFill, kDropped };
  struct Stmt {
    StmtKind kind = StmtKind::kLine;
    bool statement = true;  // false: a comment
    std::string text;
    int peer = -1;   // kPeerWrite
    long bytes = 0;  // kPeerWrite
    // Lines written just before this one, though recorded after it (appended with `placed`).
    std::vector<std::size_t> pre;
    bool placed = false;  // written where another line's `pre` says, not here
  };
  struct Wait {
    std::size_t entry = kNone;  // the `=> blocks` line
    std::size_t fill = kNone;   // the line the exit fills: `srv => ...` or the call itself
    bool woken = false;
    bool call_at_fill = false;  // the call is written at `fill` (not sleeping)
    int64_t entry_clock = 0;
    int64_t timeout_ms = -1;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // One traced call as the recorder reads it (call() makes it; one record_* function per family
  // of calls writes its statements).
  struct Call {
    const SyscallStop& s;
    // Reads the calling thread's memory; false for a null address or an unreadable one.
    std::function<bool(uint64_t addr, void* buf, std::size_t n)> read_mem;
    std::string T;     // the thread's name in the scenario
    std::string P;     // a statement's prefix: "T: "
    long raw;          // the return value (-errno on failure)
    bool ok;           // it did not fail
    std::string name;  // the call's name
    uint64_t a(int i) const { return s.args[i]; }
    int fdarg(int i) const { return static_cast<int>(s.args[i]); }
    std::string simple_call(int fd) const { return name + "(" + std::to_string(fd) + ")"; }
  };
  // The statement `text` with the call's result as its expectation.
  void plain(const Call& c, const std::string& text);
  void record_epoll_create(const Call& c);
  void record_epoll_ctl(const Call& c);
  void record_pipe_or_pair(const Call& c);
  void record_eventfd(const Call& c);
  void record_socket(const Call& c);
  void record_bind_or_connect(const Call& c);
  void record_listen(const Call& c);
  void record_accept(const Call& c);
  void record_io(const Call& c);
  void record_close_range(const Call& c);
  void record_dup(const Call& c);
  void record_dup2(const Call& c);
  void record_fcntl(const Call& c);
  void record_ioctl(const Call& c);
  void record_shutdown(const Call& c);
  void record_sockopt(const Call& c);
  void record_other_file(const Call& c);

  // Takes `bytes` of the file's budget; false (the recording is full) when it would pass a limit.
  bool room(std::size_t bytes);
  std::size_t emit(std::string text, StmtKind kind = StmtKind::kLine);
  std::string render(const Stmt& st) const;
  void comment(const std::string& text);
  std::string thread(pid_t tid);
  std::string fresh(const std::string& base);
  int alloc_scen();
  std::string define(int fd, int obj, const std::string& base);
  void define_hidden(int fd, int obj);
  int new_obj(Kind kind, std::string what);
  void drop_fd(int fd);
  bool expressible(const Obj& o) const;
  // The name of the program's fd in the scenario; empty when the fd is not in it.
  std::string ref(int fd, long raw_ret) const;
  std::string what_of(int fd) const;
  static constexpr int kNotAnFd = -2;
  // A comment saying what was left out; `fd`: the file the call was on, if any.
  void left_out(pid_t tid, const std::string& call, long raw_ret, const std::string& why,
                int fd = kNotAnFd);
  // Peers.
  std::string connect(Obj& listener);
  int peer_actions(int fd, uint32_t events);
  void new_write(Peer& p);
  void fin(Peer& p);
  void reset(Peer& p, int fd);
  void peer_read_all(Peer& p);
  void data_read(Peer& p, long n, bool peek);
  void sleep_ms(int64_t ms);
  // Before a harvest that returned connections' data: what their peers must have done by then.
  void before_harvest(int epfd, const std::vector<sim::EpollEvent>& events);
  std::string wait_call(const SyscallStop& s, const MemoryReader& mem, int64_t* timeout_ms,
                        bool* ok);
  std::string events_text(int epfd, const std::vector<sim::EpollEvent>& events) const;
  // The answer as expected: the kernel's, or its alternatives where the kernel raced.
  std::string answer_text(int epfd, const std::vector<sim::EpollEvent>& events,
                          const std::vector<sim::EpollEvent>& other_order) const;
  void item_set(int epfd, int fd, uint64_t data, bool add);
  void items_forget(int obj);

  std::string program_;
  std::size_t max_statements_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  pid_t pid_ = 0;
  std::vector<Stmt> stmts_;
  std::size_t statements_ = 0, lines_ = 0;
  bool full_ = false;
  std::vector<Obj> objs_;
  std::map<int, Fd> fds_;
  std::set<int> scen_used_;
  std::set<std::string> names_;
  std::vector<Peer> peers_;
  std::map<int, std::vector<Item>> items_;  // the epoll's obj -> its items
  std::map<pid_t, std::string> threads_;
  int next_thread_ = 2;
  std::map<pid_t, Wait> waits_;
  std::map<pid_t, std::size_t> closes_;  // a close between its entry and exit: its line
  std::map<pid_t, int> unknown_closes_;  // ... of an fd the recorder does not know
  int last_batch_ = 0;                   // statements the last wakeups() wrote
  int64_t clock_ms_ = 0;                 // the scenario's clock: its sleeps
  std::vector<std::pair<std::size_t, std::string>> unreplayable_;  // (statement index, why)
  long left_out_ = 0;
  long startup_left_out_ = 0;  // of them, before the first statement (not written)
};

}  // namespace epollscope::trace
