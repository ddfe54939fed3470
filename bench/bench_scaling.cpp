// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_scaling.cpp — select, poll and epoll against the number of fds (bench_scaling.h).
//
// [SECTION] the kernel's work per round: counted on the model (fs/select.c's arithmetic beside)
// [SECTION] the fds: RLIMIT_NOFILE, the socketpairs
// [SECTION] the timed rounds, per mechanism
// [SECTION] the benchmark
// [SECTION] the plot (gnuplot)
#include "bench/bench_scaling.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "live/child_guard.h"
#include "sim/kernel.h"
#include "sim/trace.h"

extern char** environ;

namespace epollscope::bench {

const char* mechanism_name(Mechanism m) {
  switch (m) {
    case Mechanism::kSelect:
      return "select";
    case Mechanism::kPoll:
      return "poll";
    case Mechanism::kEpollLt:
      return "epoll_lt";
    case Mechanism::kEpollEt:
      return "epoll_et";
  }
  return "?";
}

std::optional<Mechanism> parse_mechanism(std::string_view name) {
  for (Mechanism m :
       {Mechanism::kSelect, Mechanism::kPoll, Mechanism::kEpollLt, Mechanism::kEpollEt})
    if (name == mechanism_name(m)) return m;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the kernel's work per round: counted on the model (fs/select.c's arithmetic beside)
// ---------------------------------------------------------------------------------------------

namespace {

// Counts the model's trace steps by kernel function.
class StepCounter : public sim::TraceSink {
 public:
  void on_step(const sim::TraceStep& step) override {
    ++by_function_[step.function];
    // ep_send_events reports one ready-list step for every item it polls (ep_item_poll): the item
    // reports its events (and goes back to rdllist, if LT) or polls 0 and is dropped.
    if (step.kind == sim::StepKind::kReadyList && std::strcmp(step.function, "ep_send_events") == 0)
      ++item_polls_;
    // do_pollfd and do_select report one scan step per fd; the ones that name a file (beside the
    // task) called its ->poll (vfs_poll), the others were negative or not open.
    if (step.kind == sim::StepKind::kScan &&
        (std::strcmp(step.function, "do_pollfd") == 0 ||
         std::strcmp(step.function, "do_select") == 0) &&
        step.touched.size() >= 2)
      ++file_polls_;
  }
  long count(const char* function) const {
    auto it = by_function_.find(function);
    return it == by_function_.end() ? 0 : it->second;
  }
  long item_polls() const { return item_polls_; }
  long file_polls() const { return file_polls_; }
  const std::map<std::string, long>& by_function() const { return by_function_; }
  void clear() {
    by_function_.clear();
    item_polls_ = 0;
    file_polls_ = 0;
  }

 private:
  std::map<std::string, long> by_function_;
  long item_polls_ = 0;
  long file_polls_ = 0;
};

}  // namespace

namespace {

// The benchmark's N socketpairs on the model (non-blocking, as the real ones), with room for
// them in RLIMIT_NOFILE; the read ends in *rd, the write ends in *wr.
bool model_socketpairs(sim::Kernel& k, long n, std::vector<int>* rd, std::vector<int>* wr,
                       std::string* error) {
  using namespace sim;
  k.set_nofile_limits(
      RlimitNofile{static_cast<uint64_t>(2 * n + 64), static_cast<uint64_t>(2 * n + 64), 1u << 20});
  for (long i = 0; i < n; ++i) {
    const SysResult sp = k.socketpair(k.main_task(), kO_NONBLOCK);
    if (sp.ret < 0) {
      *error = "the model's socketpair failed at pair " + std::to_string(i);
      return false;
    }
    rd->push_back(sp.fds[0]);
    wr->push_back(sp.fds[1]);
  }
  return true;
}

}  // namespace

bool epoll_work_in_model(bool edge_triggered, long n, long active, KernelWork* work,
                         std::string* error) {
  using namespace sim;
  Kernel k;
  Task& t = k.main_task();
  const SysResult ep = k.epoll_create1(t, 0);
  if (ep.ret < 0) {
    *error = "the model's epoll_create1 failed";
    return false;
  }
  const int epfd = static_cast<int>(ep.ret);
  std::vector<int> rd, wr;
  if (!model_socketpairs(k, n, &rd, &wr, error)) return false;
  for (long i = 0; i < n; ++i) {
    const EpollEvent ev{kEPOLLIN | (edge_triggered ? kEPOLLET : 0), static_cast<uint64_t>(i)};
    if (k.epoll_ctl(t, epfd, kEPOLL_CTL_ADD, rd[static_cast<std::size_t>(i)], ev).ret < 0) {
      *error = "the model's epoll_ctl ADD failed at pair " + std::to_string(i);
      return false;
    }
  }
  const long a = active == kAllActive ? n : active;
  const long space = n / a;
  StepCounter counter;
  // Three rounds reach the steady state (LT items requeued by the previous harvest); the last one
  // is counted.
  for (int round = 0; round < 3; ++round) {
    if (round == 2) k.set_trace_sink(&counter);
    for (long i = 0; i < a; ++i)
      k.write(t, wr[static_cast<std::size_t>(i * space)], 1);
    long got = 0;
    for (int calls = 0; got < a; ++calls) {
      if (calls > 1000) {
        *error = "the model's epoll_wait stopped reporting the written fds";
        return false;
      }
      const SysResult r = k.epoll_wait(t, epfd, static_cast<int>(n), 0);
      for (const EpollEvent& e : r.events) {
        const int fd = rd[e.data];
        if (edge_triggered) {
          while (k.read(t, fd, 64).ret > 0)
            ++got;
        } else if (k.read(t, fd, 64).ret > 0) {
          ++got;
        }
      }
    }
  }
  k.set_trace_sink(nullptr);
  work->polls = static_cast<double>(counter.item_polls());
  work->wq_adds = static_cast<double>(counter.count("ep_ptable_queue_proc"));
  work->wq_removes = static_cast<double>(counter.count("ep_unregister_pollwait"));
  work->callbacks = static_cast<double>(counter.count("ep_poll_callback"));
  return true;
}

bool select_poll_work_in_model(Mechanism m, long n, long active, bool zero_timeout,
                               KernelWork* work, std::string* error) {
  using namespace sim;
  if (m != Mechanism::kSelect && m != Mechanism::kPoll) {
    *error = "select_poll_work_in_model is for select and poll";
    return false;
  }
  Kernel k;
  Task& t = k.main_task();
  std::vector<int> rd, wr;
  if (!model_socketpairs(k, n, &rd, &wr, error)) return false;
  // The same sets every call, as the benchmark's master fd_set and its pollfd array.
  std::vector<PollFd> pfds;
  for (int fd : rd)
    pfds.push_back(PollFd{fd, static_cast<int16_t>(kEPOLLIN), 0});
  const int nfds = rd.empty() ? 0 : *std::max_element(rd.begin(), rd.end()) + 1;
  const long a = active == kAllActive ? n : active;
  const long space = a > 0 ? n / a : 1;
  StepCounter counter;
  if (a <= 0 && !zero_timeout) {
    *error = "a call with a timeout and nothing written would sleep for ever in this round";
    return false;
  }
  // As epoll_work_in_model: three rounds, the last one counted.
  for (int round = 0; round < 3; ++round) {
    if (round == 2) k.set_trace_sink(&counter);
    for (long i = 0; i < a; ++i)
      k.write(t, wr[static_cast<std::size_t>(i * space)], 1);
    long got = 0;
    for (int calls = 0; got < a || calls == 0; ++calls) {
      if (calls > 1000) {
        *error =
            std::string("the model's ") + mechanism_name(m) + " stopped reporting the written fds";
        return false;
      }
      const SysResult r = m == Mechanism::kPoll
                              ? k.poll(t, pfds, zero_timeout ? 0 : 1000)
                              : k.select(t, nfds, rd, std::nullopt, std::nullopt,
                                         Kernel::Timeval{zero_timeout ? 0 : 1, 0});
      if (r.ret < 0) {
        *error = std::string("the model's ") + mechanism_name(m) + " failed";
        return false;
      }
      for (const EpollEvent& e : r.events)
        if (k.read(t, static_cast<int>(e.data), 64).ret > 0) ++got;
    }
  }
  k.set_trace_sink(nullptr);
  work->polls = static_cast<double>(counter.file_polls());
  work->wq_adds = static_cast<double>(counter.count("__pollwait"));
  work->wq_removes = static_cast<double>(counter.count("poll_freewait"));
  work->callbacks = static_cast<double>(counter.count("pollwake"));
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the fds: RLIMIT_NOFILE, the socketpairs
// ---------------------------------------------------------------------------------------------

namespace {

long open_fds() {
  std::error_code ec;
  long count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++count;
  return count;
}

// Fds kept free beside the pairs: the epoll fd, gnuplot's files, the model's nothing (it has no
// real fds), a margin for the C library.
constexpr long kSpareFds = 16;

}  // namespace

long max_socketpairs(std::string* note) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  long nr_open = 1 << 20;
  if (std::ifstream f("/proc/sys/fs/nr_open"); f) f >> nr_open;
  std::string said;
  if (rl.rlim_max != RLIM_INFINITY && static_cast<long>(rl.rlim_max) < nr_open) {
    rlimit raised{static_cast<rlim_t>(nr_open), static_cast<rlim_t>(nr_open)};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      said = "hard RLIMIT_NOFILE raised from " + std::to_string(rl.rlim_max) + " to fs.nr_open " +
             std::to_string(nr_open);
      rl = raised;
    } else {
      said = "hard RLIMIT_NOFILE " + std::to_string(rl.rlim_max) + " (raising it to fs.nr_open " +
             std::to_string(nr_open) + ": " + std::strerror(errno) +
             ", CAP_SYS_RESOURCE is missing)";
    }
  } else {
    said = "hard RLIMIT_NOFILE " + std::to_string(rl.rlim_max);
  }
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  const long limit = rl.rlim_cur == RLIM_INFINITY ? nr_open : static_cast<long>(rl.rlim_cur);
  const long pairs = std::max(0L, (limit - open_fds() - kSpareFds) / 2);
  if (note)
    *note = said + "; soft limit " + std::to_string(limit) + ": up to " + std::to_string(pairs) +
            " socketpairs (2 fds each)";
  return pairs;
}

namespace {

// N socketpairs, non-blocking: the read ends at the lowest fd numbers (3, 4, 5, ...), each write
// end moved to `high_base` and above, so that as many read ends as possible fit below FD_SETSIZE.
class SocketPairs {
 public:
  ~SocketPairs() {
    for (int fd : rd_)
      ::close(fd);
    for (int fd : wr_)
      ::close(fd);
  }
  bool open(long n, int high_base, std::string* error) {
    for (long i = 0; i < n; ++i) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        *error = "socketpair " + std::to_string(i + 1) + " of " + std::to_string(n) + ": " +
                 std::strerror(errno);
        return false;
      }
      const int high = fcntl(sv[1], F_DUPFD_CLOEXEC, high_base);
      ::close(sv[1]);
      if (high < 0) {
        ::close(sv[0]);
        *error = "moving a write end above fd " + std::to_string(high_base) + ": " +
                 std::strerror(errno);
        return false;
      }
      rd_.push_back(sv[0]);
      wr_.push_back(high);
    }
    return true;
  }
  int rd(long i) const { return rd_[static_cast<std::size_t>(i)]; }
  int wr(long i) const { return wr_[static_cast<std::size_t>(i)]; }
  // The highest read end among the first n.
  int max_rd(long n) const { return *std::max_element(rd_.begin(), rd_.begin() + n); }

 private:
  std::vector<int> rd_, wr_;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] the timed rounds, per mechanism
// ---------------------------------------------------------------------------------------------

double clock_us(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// A round is timed twice: by the thread's CPU time (what the figures are: the machine is shared,
// and time spent preempted is not the mechanism's) and by the wall clock (what bench.c's
// gettimeofday measures). Reading the CPU clock is itself a syscall of a few hundred ns; its cost,
// measured back to back, is taken off each round.
struct RoundClock {
  double cpu_overhead_us = 0;
  RoundClock() {
    std::vector<double> pairs;
    for (int i = 0; i < 101; ++i) {
      const double a = clock_us(CLOCK_THREAD_CPUTIME_ID);
      pairs.push_back(clock_us(CLOCK_THREAD_CPUTIME_ID) - a);
    }
    std::sort(pairs.begin(), pairs.end());
    cpu_overhead_us = pairs[pairs.size() / 2];
  }
};

// One mechanism over the first n pairs: set up once, then harvest() reads everything the
// mechanism reports, once, and returns the bytes read (-1 on a syscall error).
class Harvester {
 public:
  virtual ~Harvester() = default;
  virtual long harvest() = 0;
};

// Reads one byte's worth (the fd holds exactly the byte written); ET reads on until EAGAIN.
inline long read_ready(int fd, bool until_eagain) {
  char buf[64];
  long got = 0;
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r > 0) got += r;
    if (r <= 0 || !until_eagain) break;
  }
  return got;
}

class SelectHarvester : public Harvester {
 public:
  SelectHarvester(const SocketPairs& pairs, long n) : pairs_(pairs), n_(n) {
    FD_ZERO(&master_);
    for (long i = 0; i < n; ++i)
      FD_SET(pairs.rd(i), &master_);
    nfds_ = pairs.max_rd(n) + 1;
  }
  long harvest() override {
    fd_set readable = master_;
    timeval zero{0, 0};
    const int r = select(nfds_, &readable, nullptr, nullptr, &zero);
    if (r < 0) return -1;
    long got = 0;
    for (long i = 0; i < n_ && r > 0; ++i)
      if (FD_ISSET(pairs_.rd(i), &readable)) got += read_ready(pairs_.rd(i), false);
    return got;
  }

 private:
  const SocketPairs& pairs_;
  long n_;
  fd_set master_;
  int nfds_ = 0;
};

class PollHarvester : public Harvester {
 public:
  PollHarvester(const SocketPairs& pairs, long n) : fds_(static_cast<std::size_t>(n)) {
    for (long i = 0; i < n; ++i)
      fds_[static_cast<std::size_t>(i)] = pollfd{pairs.rd(i), POLLIN, 0};
  }
  long harvest() override {
    const int r = poll(fds_.data(), fds_.size(), 0);
    if (r < 0) return -1;
    long got = 0;
    for (pollfd& p : fds_)
      if (p.revents & POLLIN) got += read_ready(p.fd, false);
    return got;
  }

 private:
  std::vector<pollfd> fds_;
};

class EpollHarvester : public Harvester {
 public:
  EpollHarvester(const SocketPairs& pairs, long n, bool et)
      : et_(et), events_(static_cast<std::size_t>(n)) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    for (long i = 0; i < n && epfd_ >= 0; ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN | (et ? EPOLLET : 0u);
      ev.data.fd = pairs.rd(i);
      if (epoll_ctl(epfd_, EPOLL_CTL_ADD, pairs.rd(i), &ev) != 0) {
        ::close(epfd_);
        epfd_ = -1;
      }
    }
  }
  ~EpollHarvester() override {
    if (epfd_ >= 0) ::close(epfd_);
  }
  bool ok() const { return epfd_ >= 0; }
  long harvest() override {
    const int r = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), 0);
    if (r < 0) return -1;
    long got = 0;
    for (int i = 0; i < r; ++i)
      got += read_ready(events_[static_cast<std::size_t>(i)].data.fd, et_);
    return got;
  }

 private:
  bool et_;
  int epfd_ = -1;
  std::vector<epoll_event> events_;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Rounds of one (mechanism, n, a): per repetition the mean CPU and wall time per round, in µs.
bool time_rounds(Harvester& h, const SocketPairs& pairs, long n, long a, int rounds,
                 int repetitions, const RoundClock& clock, std::vector<double>* cpu_us,
                 std::vector<double>* wall_us, std::string* error) {
  const long space = n / a;
  auto one_round = [&](double* cpu, double* wall) {
    for (long i = 0; i < a; ++i)
      if (::write(pairs.wr(i * space), "e", 1) != 1) {
        *error = std::string("write: ") + std::strerror(errno);
        return false;
      }
    long got = 0;
    const double wall_start = clock_us(CLOCK_MONOTONIC);
    const double cpu_start = clock_us(CLOCK_THREAD_CPUTIME_ID);
    for (int calls = 0; got < a; ++calls) {
      const long r = h.harvest();
      if (r < 0 || calls > 100000) {
        *error = r < 0 ? std::string("the mechanism's call failed: ") + std::strerror(errno)
                       : "the written fds were not all reported";
        return false;
      }
      got += r;
    }
    *cpu += clock_us(CLOCK_THREAD_CPUTIME_ID) - cpu_start - clock.cpu_overhead_us;
    *wall += clock_us(CLOCK_MONOTONIC) - wall_start;
    return true;
  };
  double warm_cpu = 0, warm_wall = 0;
  if (!one_round(&warm_cpu, &warm_wall)) return false;
  for (int rep = 0; rep < repetitions; ++rep) {
    double cpu = 0, wall = 0;
    for (int r = 0; r < rounds; ++r)
      if (!one_round(&cpu, &wall)) return false;
    cpu_us->push_back(std::max(0.0, cpu / rounds));
    wall_us->push_back(wall / rounds);
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the benchmark
// ---------------------------------------------------------------------------------------------

int rounds_for(int rounds, long active) {
  return static_cast<int>(
      std::clamp<long>(kActivePerRepetition / std::max(1L, active), 1, std::max(1, rounds)));
}

std::vector<long> scaling_sizes(long max_n) {
  std::vector<long> sizes;
  for (long decade = 10; decade < max_n; decade *= 10) {
    sizes.push_back(decade);
    if (3 * decade < max_n) sizes.push_back(3 * decade);
  }
  sizes.push_back(max_n);
  return sizes;
}

std::string scaling_line(const ScalingRow& row) {
  char text[512];
  const KernelWork& w = row.work;
  std::snprintf(text, sizeof text,
                "scaling.%s.n%ld.a%ld %.2f us_per_round spread %.2f-%.2f wall %.2f poll_calls "
                "%.0f wq_add %.0f wq_remove %.0f callbacks %.0f (model)",
                mechanism_name(row.mechanism), row.n, row.active, row.median_us, row.min_us,
                row.max_us, row.wall_median_us, w.polls, w.wq_adds, w.wq_removes, w.callbacks);
  return text;
}

bool bench_scaling(const ScalingOptions& o, const std::function<void(const std::string&)>& progress,
                   const std::function<void(const ScalingRow&)>& on_row, std::string* error) {
  std::string note;
  const long fit = max_socketpairs(&note);
  progress(note);
  long max_n = o.max_n;
  if (max_n > fit) {
    progress("N is capped at " + std::to_string(fit) + " (asked for " + std::to_string(max_n) +
             "): that many socketpairs fit in RLIMIT_NOFILE");
    max_n = fit;
  }
  if (max_n < 10) {
    *error =
        "only " + std::to_string(fit) + " socketpairs fit in RLIMIT_NOFILE; at least 10 are needed";
    return false;
  }
  const std::vector<long> sizes = scaling_sizes(max_n);
  SocketPairs pairs;
  progress("opening " + std::to_string(max_n) + " AF_UNIX stream socketpairs");
  // The write ends go above every read end: the read ends take 3 .. max_n + a few.
  const int high_base = static_cast<int>(max_n + open_fds() + kSpareFds);
  if (!pairs.open(max_n, high_base, error)) return false;

  const RoundClock clock;
  std::map<std::pair<int, std::pair<long, long>>, KernelWork> model_work;
  for (long n : sizes) {
    for (long a_option : o.actives) {
      const long a = a_option == kAllActive ? n : std::min(a_option, n);
      for (Mechanism m : o.mechanisms) {
        if (m == Mechanism::kSelect && pairs.max_rd(n) >= FD_SETSIZE) {
          progress("select skipped at N=" + std::to_string(n) + ": its read fds reach " +
                   std::to_string(pairs.max_rd(n)) + ", and select sees only fds below " +
                   "FD_SETSIZE " + std::to_string(FD_SETSIZE));
          continue;
        }
        const int rounds = rounds_for(o.rounds, a);
        progress(std::string(mechanism_name(m)) + " N=" + std::to_string(n) +
                 " A=" + std::to_string(a) + ": " + std::to_string(o.repetitions) + " x " +
                 std::to_string(rounds) + " rounds");
        std::unique_ptr<Harvester> h;
        switch (m) {
          case Mechanism::kSelect:
            h = std::make_unique<SelectHarvester>(pairs, n);
            break;
          case Mechanism::kPoll:
            h = std::make_unique<PollHarvester>(pairs, n);
            break;
          case Mechanism::kEpollLt:
          case Mechanism::kEpollEt: {
            auto e = std::make_unique<EpollHarvester>(pairs, n, m == Mechanism::kEpollEt);
            if (!e->ok()) {
              *error = std::string("epoll set-up: ") + std::strerror(errno);
              return false;
            }
            h = std::move(e);
            break;
          }
        }
        std::vector<double> us, wall;
        if (!time_rounds(*h, pairs, n, a, rounds, o.repetitions, clock, &us, &wall, error)) {
          *error = std::string(mechanism_name(m)) + " N=" + std::to_string(n) +
                   " A=" + std::to_string(a) + ": " + *error;
          return false;
        }
        ScalingRow row{m,
                       n,
                       a,
                       median_of(us),
                       *std::min_element(us.begin(), us.end()),
                       *std::max_element(us.begin(), us.end()),
                       median_of(wall),
                       {}};
        const auto key = std::make_pair(static_cast<int>(m), std::make_pair(n, a));
        if (!model_work.count(key)) {
          // The same rounds on the model (zero timeout, as the benchmark's calls).
          KernelWork w;
          const bool ok = m == Mechanism::kSelect || m == Mechanism::kPoll
                              ? select_poll_work_in_model(m, n, a, true, &w, error)
                              : epoll_work_in_model(m == Mechanism::kEpollEt, n, a, &w, error);
          if (!ok) return false;
          model_work[key] = w;
        }
        row.work = model_work[key];
        on_row(row);
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the plot (gnuplot)
// ---------------------------------------------------------------------------------------------

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// gnuplot's string quoting: single quotes, a quote doubled.
std::string gp_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += '\'';
    q += c;
  }
  return q + "'";
}

// Runs argv without a shell, its output to `log`; waits at most `limit`, then kills it.
bool run_bounded(const std::vector<std::string>& argv, const std::string& log,
                 std::chrono::seconds limit, std::string* error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return false;
  }
  live::track_child(pid);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    live::untrack_child(pid);
    *error = argv[0] + " did not finish within " + std::to_string(limit.count()) + " s; killed";
    return false;
  }
  live::untrack_child(pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::stringstream said;
    said << in.rdbuf();
    *error = argv[0] + " failed (" +
             (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                : "signal " + std::to_string(WTERMSIG(status))) +
             "): " + said.str();
    return false;
  }
  return true;
}

}  // namespace

bool plot_scaling(const std::vector<ScalingRow>& rows, const std::string& out,
                  const std::string& gnuplot, std::string* error) {
  namespace fs = std::filesystem;
  const bool svg = ends_with(out, ".svg");
  if (!svg && !ends_with(out, ".png")) {
    *error = "the plot's file name must end in .png or .svg: " + out;
    return false;
  }
  // One panel per A ("A = N" for the rows with A = N), one data block per mechanism.
  std::vector<std::string> panels;
  std::map<std::string, std::map<Mechanism, std::vector<const ScalingRow*>>> by_panel;
  for (const ScalingRow& r : rows) {
    const std::string panel =
        r.active == r.n && r.n > 1 && r.active != 1
            ? "A = N (every fd active)"
            : "A = " + std::to_string(r.active) + (r.active == 1 ? " (one fd active)" : " active");
    if (!by_panel.count(panel)) panels.push_back(panel);
    by_panel[panel][r.mechanism].push_back(&r);
  }
  if (rows.empty()) {
    *error = "nothing to plot";
    return false;
  }
  char dir_template[] = "/tmp/epollscope-scaling-XXXXXX";
  if (!mkdtemp(dir_template)) {
    *error = std::string("mkdtemp: ") + std::strerror(errno);
    return false;
  }
  const fs::path dir = dir_template;
  struct RemoveDir {
    fs::path p;
    ~RemoveDir() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{dir};

  std::ofstream script(dir / "plot.gp");
  const int width = 960, height = 400;
  script << (svg ? "set terminal svg size " : "set terminal pngcairo size ") << width << ','
         << height << (svg ? " dynamic font 'sans,12'\n" : " font 'sans,10'\n");
  script << "set output " << gp_quote(fs::absolute(out).string()) << "\n";
  script << "set logscale xy\nset grid\nset key top left Left reverse\n"
         << "set termoption noenhanced\n"
         << "set xlabel 'N (socketpairs watched)'\nset ylabel 'CPU µs per round (median)'\n"
         << "set multiplot layout 1," << panels.size() << "\n";
  int block = 0;
  std::ofstream data(dir / "data.txt");
  for (const std::string& panel : panels) {
    script << "set title " << gp_quote(panel) << "\n";
    // Where select's line ends because the fds passed FD_SETSIZE, its key says so.
    const auto& lines = by_panel[panel];
    long panel_max_n = 0;
    for (const auto& [mech, points] : lines)
      for (const ScalingRow* r : points)
        panel_max_n = std::max(panel_max_n, r->n);
    const auto select_rows = lines.find(Mechanism::kSelect);
    const bool select_ends =
        select_rows != lines.end() && select_rows->second.back()->n < panel_max_n;
    script << "plot ";
    bool first = true;
    for (const auto& [mech, points] : lines) {
      for (const ScalingRow* r : points)
        data << r->n << ' ' << r->median_us << '\n';
      data << "\n\n";
      if (!first) script << ", ";
      first = false;
      script << gp_quote((dir / "data.txt").string()) << " index " << block
             << " with linespoints lw 2 title "
             << gp_quote(mech == Mechanism::kSelect && select_ends
                             ? "select (fds < FD_SETSIZE " + std::to_string(FD_SETSIZE) + ")"
                             : std::string(mechanism_name(mech)));
      ++block;
    }
    script << "\n";
  }
  script << "unset multiplot\n";
  script.close();
  data.close();
  if (!script || !data) {
    *error = "cannot write gnuplot's files in " + dir.string();
    return false;
  }
  if (!run_bounded({gnuplot, (dir / "plot.gp").string()}, (dir / "gnuplot.log").string(),
                   std::chrono::seconds(60), error))
    return false;
  std::ifstream written(out, std::ios::binary);
  std::string head(512, '\0');
  written.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(written.gcount()));
  const bool valid =
      svg ? head.find("<svg") != std::string::npos : head.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
  if (!valid) {
    *error = "gnuplot did not write a " + std::string(svg ? "SVG" : "PNG") + " file to " + out;
    return false;
  }
  return true;
}

}  // namespace epollscope::bench
