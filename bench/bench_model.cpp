// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_model.cpp — `epollscope bench model`: the same epoll calls timed on the model and on
// this machine's kernel (bench_model.h says how a million items fit under the fd limit).
//
// [SECTION] the two worlds: the model, and the kernel through real syscalls
// [SECTION] measuring: medians, the recorder's cost, the kernel's bytes per item
// [SECTION] the item layout and the timed batches
// [SECTION] the benchmark: every figure, model beside kernel
#include "bench/bench_model.h"

#include <malloc.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include "bench/huge_pages.h"
#include "sim/kernel.h"
#include "sim/recorder.h"

namespace epollscope::bench {
namespace {

static_assert(sim::kEPOLLIN == EPOLLIN && sim::kEPOLLOUT == EPOLLOUT &&
                  sim::kEPOLL_CTL_ADD == EPOLL_CTL_ADD && sim::kEPOLL_CTL_DEL == EPOLL_CTL_DEL &&
                  sim::kEPOLL_CTL_MOD == EPOLL_CTL_MOD && sim::kEFD_NONBLOCK == EFD_NONBLOCK,
              "the model's constants must be the system's");

// ---------------------------------------------------------------------------------------------
// [SECTION] the two worlds: the model, and the kernel through real syscalls
// ---------------------------------------------------------------------------------------------

class ModelWorld final : public EpollWorld {
 public:
  const char* name() const override { return "model"; }
  long open_fd_limit() override {
    // A process whose hard limit and fs.nr_open allow that many (setrlimit refuses more than the
    // hard limit, 1 << 20 by default in the model).
    constexpr auto n = static_cast<uint64_t>(kModelFdLimit);
    k_.set_nofile_limits(sim::RlimitNofile{n, n, n});
    return kModelFdLimit;
  }
  int epoll() override {
    if (epfd_ < 0) epfd_ = static_cast<int>(k_.epoll_create1(t(), 0).ret);
    return epfd_;
  }
  int eventfd() override { return static_cast<int>(k_.eventfd2(t(), 0, sim::kEFD_NONBLOCK).ret); }
  void dup2(int from, int to) override { k_.dup2(t(), from, to); }
  void close(int fd) override { k_.close(t(), fd); }
  int ctl(int op, int fd, uint32_t events, uint64_t data) override {
    return static_cast<int>(k_.epoll_ctl(t(), epoll(), op, fd,
                                         op == sim::kEPOLL_CTL_DEL
                                             ? std::nullopt
                                             : std::optional(sim::EpollEvent{events, data}))
                                .ret);
  }
  void eventfd_write(int fd) override { k_.eventfd_write(t(), fd, 1); }
  int wait(int maxevents) override {
    return static_cast<int>(k_.epoll_wait(t(), epoll(), maxevents, 0).ret);
  }
  long epitems() const override { return static_cast<long>(k_.epitems_in_use()); }

 private:
  static constexpr long kModelFdLimit = 1 << 22;
  sim::Task& t() { return k_.main_task(); }
  sim::Kernel k_;
  int epfd_ = -1;
};

class KernelWorld final : public EpollWorld {
 public:
  ~KernelWorld() override {
    for (int fd : opened_)
      ::close(fd);
    if (epfd_ >= 0) ::close(epfd_);
  }
  const char* name() const override { return "kernel"; }
  long open_fd_limit() override {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return static_cast<long>(rl.rlim_max);
  }
  int epoll() override {
    if (epfd_ < 0) epfd_ = epoll_create1(0);
    return epfd_;
  }
  int eventfd() override {
    int fd = ::eventfd(0, EFD_NONBLOCK);
    if (fd >= 0) opened_.push_back(fd);
    return fd;
  }
  void dup2(int from, int to) override { ::dup2(from, to); }
  void close(int fd) override { ::close(fd); }
  int ctl(int op, int fd, uint32_t events, uint64_t data) override {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epoll(), op, fd, &ev);
  }
  void eventfd_write(int fd) override {
    uint64_t one = 1;
    if (::write(fd, &one, sizeof one) != sizeof one) std::abort();
  }
  int wait(int maxevents) override {
    events_.resize(static_cast<std::size_t>(maxevents));
    return epoll_wait(epoll(), events_.data(), maxevents, 0);
  }

 private:
  int epfd_ = -1;
  std::vector<int> opened_;
  std::vector<epoll_event> events_;
};

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// [SECTION] measuring: medians, the recorder's cost, the kernel's bytes per item
// ---------------------------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double ns_per(Clock::time_point a, Clock::time_point b, std::size_t n) {
  return std::chrono::duration<double, std::nano>(b - a).count() / static_cast<double>(n);
}

// A 10,000-call scenario (8 pipes, one epoll, writes, reads, waits and MODs) recorded with a
// snapshot after every step, as the GUI keeps it: steps, bytes per step, time per call.
void bench_recorder(std::vector<Figure>& out, long calls) {
  struct mallinfo2 before = mallinfo2();
  auto t0 = Clock::now();
  std::size_t steps = 0;
  {
    sim::Kernel k;
    sim::Recorder rec(k);
    k.set_trace_sink(&rec);
    sim::Task& t = k.main_task();
    int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
    std::vector<int> rd, wr;
    for (int i = 0; i < 8; ++i) {
      sim::SysResult p = k.pipe2(t, sim::kO_NONBLOCK);
      rd.push_back(p.fds[0]);
      wr.push_back(p.fds[1]);
      k.epoll_ctl(
          t, ep, sim::kEPOLL_CTL_ADD, p.fds[0],
          sim::EpollEvent{sim::kEPOLLIN | (i % 2 ? sim::kEPOLLET : 0), static_cast<uint64_t>(i)});
    }
    std::mt19937 rng(7);
    for (long c = 0; c < calls; ++c) {
      int i = static_cast<int>(rng() % 8);
      switch (rng() % 4) {
        case 0:
          k.write(t, wr[i], 1 + rng() % 5000);
          break;
        case 1:
          k.read(t, rd[i], 1 + rng() % 5000);
          break;
        case 2:
          k.epoll_wait(t, ep, 4, 0);
          break;
        case 3:
          k.epoll_ctl(t, ep, sim::kEPOLL_CTL_MOD, rd[i],
                      sim::EpollEvent{sim::kEPOLLIN | (rng() % 2 ? sim::kEPOLLET : 0),
                                      static_cast<uint64_t>(i)});
          break;
      }
    }
    steps = rec.size();
    struct mallinfo2 after = mallinfo2();
    out.push_back({"model.recorder.steps_for_" + std::to_string(calls) + "_calls",
                   static_cast<double>(steps), "steps"});
    out.push_back(
        {"model.recorder.bytes_per_step",
         static_cast<double>(after.uordblks - before.uordblks) / static_cast<double>(steps),
         "bytes"});
    out.push_back({"model.recorder.total",
                   static_cast<double>(after.uordblks - before.uordblks) / 1048576.0, "MiB"});
  }
  auto t1 = Clock::now();
  out.push_back({"model.recorder.time_per_call",
                 std::chrono::duration<double, std::micro>(t1 - t0).count() / calls, "us"});
}

// 1000 → "1e3", 100000 → "1e5"; other numbers as they are.
std::string size_name(long n) {
  int exponent = 0;
  long v = n;
  while (v >= 10 && v % 10 == 0) {
    v /= 10;
    ++exponent;
  }
  return exponent >= 3 ? std::to_string(v) + "e" + std::to_string(exponent) : std::to_string(n);
}

// Object sizes of the kernel's epitem and eppoll_entry slabs, from /proc/slabinfo (root only).
long kernel_bytes_per_item() {
  std::ifstream in("/proc/slabinfo");
  std::string line;
  long total = 0;
  int found = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    long active, num, objsize;
    if (!(ls >> name >> active >> num >> objsize)) continue;
    if (name == "eventpoll_epi" || name == "eventpoll_pwq") {
      total += objsize;
      ++found;
    }
  }
  return found == 2 ? total : -1;
}

double time_wait_per_event(EpollWorld& w, long registered, long ready, int repeats, long fd_budget,
                           std::string* error) {
  if (!prepare_wait_world(w, registered, ready, fd_budget, error)) return -1;
  std::vector<double> per_event;
  for (int r = 0; r < repeats; ++r) {
    const int calls = 20;
    long events = 0;
    auto t0 = Clock::now();
    for (int c = 0; c < calls; ++c)
      events += w.wait(static_cast<int>(ready));
    auto t1 = Clock::now();
    if (events > 0) per_event.push_back(ns_per(t0, t1, static_cast<std::size_t>(events)));
  }
  return median(per_event);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the item layout and the timed batches
// ---------------------------------------------------------------------------------------------

bool prepare_wait_world(EpollWorld& w, long registered, long ready, long fd_budget,
                        std::string* error) {
  w.open_fd_limit();
  w.epoll();
  for (long i = 0; i < ready; ++i) {
    int fd = w.eventfd();
    if (fd < 0) {
      *error = "cannot create the ready eventfds";
      return false;
    }
    w.ctl(sim::kEPOLL_CTL_ADD, fd, sim::kEPOLLIN, static_cast<uint64_t>(fd));
    w.eventfd_write(fd);
  }
  ItemLayout quiet;  // the items stay registered; the layout is not needed afterwards
  return quiet.build(w, registered - ready, fd_budget - ready - 16, error);
}

bool ItemLayout::build(EpollWorld& w, long n, long fd_budget, std::string* error,
                       RegisterOrder order) {
  n_ = n;
  bases_.clear();
  if (n <= 0) return true;
  // Enough files that the fd numbers of each fit under the budget, after the bases.
  files_ = 1;
  while ((n + files_ - 1) / files_ > fd_budget - files_ - 128) {
    if (++files_ > 4096) {
      *error = "the fd limit is too small for this many items";
      return false;
    }
  }
  int last = 0;
  for (long j = 0; j < files_; ++j) {
    int fd = w.eventfd();
    if (fd < 0) {
      *error = "cannot create eventfds";
      return false;
    }
    bases_.push_back(fd);
    last = std::max(last, fd);
  }
  first_fd_ = last + 64;
  std::vector<long> items(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    items[static_cast<std::size_t>(i)] = i;
  if (order == RegisterOrder::kRandom) std::shuffle(items.begin(), items.end(), std::mt19937_64(7));
  for (long i : items) {
    const int fd = fd_of(i);
    w.dup2(base_of(i), fd);
    if (w.ctl(sim::kEPOLL_CTL_ADD, fd, sim::kEPOLLIN, static_cast<uint64_t>(i)) != 0) {
      *error = std::string("EPOLL_CTL_ADD failed in the ") + w.name() + ": " + std::strerror(errno);
      return false;
    }
    w.close(fd);
  }
  return true;
}

CtlTimes time_ctl_batch(EpollWorld& w, const ItemLayout& layout, long batch, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Random items, at most one per fd number: their numbers are all open at once.
  std::vector<long> pick;
  std::vector<bool> used(static_cast<std::size_t>(layout.fd_of(layout.size() - 1) + 1), false);
  for (int tries = 0; static_cast<long>(pick.size()) < batch && tries < 100 * batch; ++tries) {
    long i = static_cast<long>(rng() % static_cast<uint64_t>(layout.size()));
    int fd = layout.fd_of(i);
    if (used[static_cast<std::size_t>(fd)]) continue;
    used[static_cast<std::size_t>(fd)] = true;
    pick.push_back(i);
  }
  for (long i : pick)
    w.dup2(layout.base_of(i), layout.fd_of(i));
  CtlTimes t;
  auto t0 = Clock::now();
  for (long i : pick)
    w.ctl(sim::kEPOLL_CTL_DEL, layout.fd_of(i), 0, 0);
  auto t1 = Clock::now();
  for (long i : pick)
    w.ctl(sim::kEPOLL_CTL_ADD, layout.fd_of(i), sim::kEPOLLIN, static_cast<uint64_t>(i));
  auto t2 = Clock::now();
  for (long i : pick)
    w.ctl(sim::kEPOLL_CTL_MOD, layout.fd_of(i), sim::kEPOLLIN | sim::kEPOLLOUT,
          static_cast<uint64_t>(i));
  auto t3 = Clock::now();
  for (long i : pick)
    w.close(layout.fd_of(i));
  t.del = ns_per(t0, t1, pick.size());
  t.add = ns_per(t1, t2, pick.size());
  t.mod = ns_per(t2, t3, pick.size());
  return t;
}

std::unique_ptr<EpollWorld> make_model_world() {
  return std::make_unique<ModelWorld>();
}
std::unique_ptr<EpollWorld> make_kernel_world() {
  return std::make_unique<KernelWorld>();
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the benchmark: every figure, model beside kernel
// ---------------------------------------------------------------------------------------------

std::vector<Figure> bench_model(const BenchOptions& options,
                                const std::function<void(const std::string&)>& progress) {
  // glibc raises its mmap threshold each time a big mmapped block is freed (the layouts' item
  // lists, the worlds), which changes how later blocks are counted (page-rounded mappings or heap
  // chunks): the byte figures would depend on what ran before them. A fixed threshold keeps them
  // the same whatever ran first.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  std::vector<Figure> out;
  auto ratio = [&](const std::string& what, double model, double kernel) {
    if (kernel > 0) out.push_back({"ratio." + what, model / kernel, "model/kernel"});
  };
  // Both worlds use the same layout, so they do the same work: the kernel's fd limit decides it.
  long fd_budget;
  {
    KernelWorld probe;
    fd_budget = probe.open_fd_limit();
  }

  auto time_world = [&](EpollWorld& w, long n, CtlTimes* result, bool measure_memory) -> bool {
    std::string error;
    w.open_fd_limit();
    w.epoll();
    progress(std::string(w.name()) + ": registering " + std::to_string(n) + " items" +
             (options.order == RegisterOrder::kKeyOrder ? " in key order" : " in random order"));
    // Heap in use (big blocks that malloc maps on its own included) and the slabs' huge-page
    // chunks, which are mapped outside malloc.
    auto bytes_in_use = [] {
      struct mallinfo2 m = mallinfo2();
      return static_cast<double>(m.uordblks + m.hblkhd + huge_page_bytes_in_use());
    };
    const double before = bytes_in_use();
    ItemLayout layout;
    if (!layout.build(w, n, fd_budget, &error, options.order)) {
      progress(std::string(w.name()) + ": skipped at " + std::to_string(n) + " items: " + error);
      return false;
    }
    const double after = bytes_in_use();
    if (measure_memory)
      out.push_back({"model.bytes_per_item", (after - before) / static_cast<double>(n), "bytes"});
    progress(std::string(w.name()) + ": timing epoll_ctl with " + std::to_string(n) +
             " items registered");
    std::vector<double> adds, mods, dels;
    for (int r = 0; r < options.repeats; ++r) {
      CtlTimes t = time_ctl_batch(w, layout, options.batch, 1000 + static_cast<uint64_t>(r));
      adds.push_back(t.add);
      mods.push_back(t.mod);
      dels.push_back(t.del);
    }
    *result = CtlTimes{median(adds), median(mods), median(dels)};
    const std::string sz = size_name(n);
    out.push_back({std::string(w.name()) + ".epoll_ctl_add.n" + sz, result->add, "ns"});
    out.push_back({std::string(w.name()) + ".epoll_ctl_mod.n" + sz, result->mod, "ns"});
    out.push_back({std::string(w.name()) + ".epoll_ctl_del.n" + sz, result->del, "ns"});
    if (measure_memory) {
      progress("model: removing all " + std::to_string(n) + " items again");
      for (long i = 0; i < n; ++i) {
        w.dup2(layout.base_of(i), layout.fd_of(i));
        w.ctl(sim::kEPOLL_CTL_DEL, layout.fd_of(i), 0, 0);
        w.close(layout.fd_of(i));
      }
      out.push_back(
          {"model.epitems_left_after_removing_all", static_cast<double>(w.epitems()), "items"});
    }
    return true;
  };

  for (long n : options.sizes) {
    CtlTimes model_t{}, kernel_t{};
    {
      ModelWorld model;
      time_world(model, n, &model_t, n == options.sizes.back());
    }
    if (!options.kernel) continue;
    KernelWorld kernel;
    if (!time_world(kernel, n, &kernel_t, false)) continue;
    const std::string sz = size_name(n);
    ratio("epoll_ctl_add.n" + sz, model_t.add, kernel_t.add);
    ratio("epoll_ctl_mod.n" + sz, model_t.mod, kernel_t.mod);
    ratio("epoll_ctl_del.n" + sz, model_t.del, kernel_t.del);
  }

  const std::string wname = "epoll_wait_per_event.lt_" + size_name(options.wait_ready) + "_of_" +
                            size_name(options.wait_registered);
  double model_wait = 0;
  {
    progress("model: epoll_wait with " + std::to_string(options.wait_ready) + " ready of " +
             std::to_string(options.wait_registered));
    ModelWorld model;
    std::string error;
    model_wait = time_wait_per_event(model, options.wait_registered, options.wait_ready,
                                     options.repeats, fd_budget, &error);
    if (model_wait > 0) out.push_back({"model." + wname, model_wait, "ns"});
  }
  if (options.kernel) {
    progress("kernel: epoll_wait with " + std::to_string(options.wait_ready) + " ready of " +
             std::to_string(options.wait_registered));
    KernelWorld kernel;
    std::string error;
    double kernel_wait = time_wait_per_event(kernel, options.wait_registered, options.wait_ready,
                                             options.repeats, fd_budget, &error);
    if (kernel_wait > 0) {
      out.push_back({"kernel." + wname, kernel_wait, "ns"});
      ratio(wname, model_wait, kernel_wait);
    } else {
      progress("kernel: epoll_wait skipped: " + error);
    }
  }
  progress("model: recording 10000 calls with a snapshot after every step");
  bench_recorder(out, 10000);
  if (options.kernel) {
    long kb = kernel_bytes_per_item();
    if (kb > 0) out.push_back({"kernel.bytes_per_item", static_cast<double>(kb), "bytes"});
  }
  return out;
}

}  // namespace epollscope::bench
