// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_scaling.h — select, poll and epoll against the number of fds, on the real kernel
// (`epollscope bench scaling`), by the method of libevent's test/bench.c.
//
// The method: N AF_UNIX stream socketpairs (as bench.c without USE_PIPES). Each round writes one
// byte into A of them, spread evenly over the N (pair i * (N / A)), untimed; then the timed part
// is what an event loop does: the mechanism's call with a zero timeout (bench.c's
// EVLOOP_NONBLOCK), and a read of every fd it reports, again until all A bytes are read. One
// round is normally one call. Per mechanism:
//   select    the fd_set copied from a master set, select(maxfd + 1, ...), FD_ISSET over the N;
//   poll      one pollfd array of N entries kept between calls, poll(), revents over the N;
//   epoll_lt  the N registered once (untimed), epoll_wait(maxevents N), one read per event;
//   epoll_et  the same with EPOLLET, each reported fd read until EAGAIN.
// bench.c also re-adds every event before each run and chains writes from the callbacks; here the
// registration is done once and there are no chained writes, so a round is exactly one harvest.
// A round is timed by the thread's CPU time (the machine is shared: time spent preempted is not
// the mechanism's; the syscalls, and the wake-ups they cause, run on this thread) and by the wall
// clock, as bench.c's gettimeofday; the repetitions' median of the CPU time is the figure.
//
// select only sees fds below FD_SETSIZE (1024: glibc's fd_set is 1024 bits, and FD_SET above it
// aborts under _FORTIFY_SOURCE). The read ends are kept at the lowest fd numbers (each write end
// is moved up out of their way), so select runs while N read ends fit below 1024 and is skipped,
// and said, above.
//
// Beside each time: what the kernel does per round for that mechanism, counted — ->poll calls,
// wait-queue entries added and removed, wake-up callbacks. For epoll the model (sim/) runs the
// same rounds through its syscall layer and its trace steps are counted by kernel function, for
// select and poll (sim/select.cpp) as for epoll.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace epollscope::bench {

enum class Mechanism { kSelect, kPoll, kEpollLt, kEpollEt };

const char* mechanism_name(Mechanism m);  // "select", "poll", "epoll_lt", "epoll_et"
std::optional<Mechanism> parse_mechanism(std::string_view name);

// What the kernel does for one round (the writes and the harvest), per round.
struct KernelWork {
  double polls = 0;       // a file's ->poll called (select/poll: every fd; epoll: ep_item_poll)
  double wq_adds = 0;     // entries added to file wait queues (poll_table_entry, eppoll_entry)
  double wq_removes = 0;  // entries removed again
  double callbacks = 0;   // wake-up callbacks the writes ran (ep_poll_callback, pollwake)
};

// select/poll: the model runs the same rounds through its poll/select (sim/select.cpp, after
// fs/select.c) and counts the last round's steps: do_pollfd/do_select steps that called a file's
// ->poll, __pollwait (entries added), poll_freewait (removed), pollwake (callbacks). A zero
// timeout (the benchmark's) clears _qproc at once, so no entry is added; with a timeout, entries
// are added for the fds up to and including the first ready one (its ->poll queues the entry
// before it computes the mask; pair 0 here: one). False with
// *error when the model refuses a call, or for a timed call with nothing written (it would sleep).
bool select_poll_work_in_model(Mechanism m, long n, long active, bool zero_timeout,
                               KernelWork* work, std::string* error);

// epoll: the model runs `rounds` rounds of the benchmark's work (N socketpairs registered, A
// written and harvested per round, ET read until EAGAIN); the last round's steps are counted.
// False with *error when the model refuses a call (which would be a bug).
bool epoll_work_in_model(bool edge_triggered, long n, long active, KernelWork* work,
                         std::string* error);

inline constexpr long kAllActive = -1;  // A = N

struct ScalingOptions {
  long max_n = 10000;                        // the largest N (what RLIMIT_NOFILE allows, if less)
  std::vector<long> actives{1, kAllActive};  // A per round; kAllActive is N
  int rounds = 100;                          // timed rounds per repetition, at most (rounds_for)
  int repetitions = 5;                       // the median and the spread are over these
  std::vector<Mechanism> mechanisms{Mechanism::kSelect, Mechanism::kPoll, Mechanism::kEpollLt,
                                    Mechanism::kEpollEt};
};

// The rounds of one repetition: `rounds`, but no more than kActivePerRepetition / A (at least
// one), so that a repetition with every fd of a big N active takes about as long as one with few:
// 20,000 writes and reads are some 50 ms here, and a default run stays within two minutes.
inline constexpr long kActivePerRepetition = 20000;
int rounds_for(int rounds, long active);

// 10, 30, 100, 300, ... below `max_n`, then `max_n` itself.
std::vector<long> scaling_sizes(long max_n);

struct ScalingRow {
  Mechanism mechanism;
  long n = 0, active = 0;
  // Per round, over the repetitions: the thread's CPU time (median, min, max) and the wall time.
  double median_us = 0, min_us = 0, max_us = 0;
  double wall_median_us = 0;
  KernelWork work;
};

// `scaling.poll.n1000.a1 12.3 us_per_round spread 11.9-13.0 wall 12.6 poll_calls 1000 ...`:
// name value unit first, as every bench line, then the spread, the wall time and the kernel's
// work.
std::string scaling_line(const ScalingRow& row);

// Raises RLIMIT_NOFILE's soft limit to the hard one (after trying to raise the hard one to
// fs.nr_open, which needs CAP_SYS_RESOURCE) and returns how many socketpairs fit beside the fds
// already open; *note says what limit applied.
long max_socketpairs(std::string* note);

// Runs every (N, A, mechanism) of `options`; `on_row` hears each result as it is measured,
// `progress` what is being done (and what is skipped, and why). False with *error when a
// syscall fails.
bool bench_scaling(const ScalingOptions& options,
                   const std::function<void(const std::string&)>& progress,
                   const std::function<void(const ScalingRow&)>& on_row, std::string* error);

// The rows as a log-log plot, one line per mechanism, a panel for A = 1 and one for A = N
// (other A values get a panel each), drawn by `gnuplot` (its path; spawned without a shell and
// waited for, killed after 60 s) into `out` (.png or .svg). False with *error when gnuplot fails
// or the file it wrote is not a PNG or an SVG.
bool plot_scaling(const std::vector<ScalingRow>& rows, const std::string& out,
                  const std::string& gnuplot, std::string* error);

}  // namespace epollscope::bench
