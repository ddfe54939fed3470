#include "live/bench.h"

#include "sim/recorder.h"

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
#include <sstream>

namespace epollscope::live {
namespace {

static_assert(sim::kEPOLLIN == EPOLLIN && sim::kEPOLLOUT == EPOLLOUT &&
                  sim::kEPOLL_CTL_ADD == EPOLL_CTL_ADD && sim::kEPOLL_CTL_DEL == EPOLL_CTL_DEL &&
                  sim::kEPOLL_CTL_MOD == EPOLL_CTL_MOD && sim::kEFD_NONBLOCK == EFD_NONBLOCK,
              "the model's constants must be the system's");

class ModelWorld final : public EpollWorld {
 public:
  const char* name() const override { return "model"; }
  bool create(long n, std::string*) override {
    n_ = n;
    sim::Task& t = k_.main_task();
    k_.setrlimit_nofile(t, n + 64);
    k_.set_max_user_watches(n + 64);
    epfd_ = static_cast<int>(k_.epoll_create1(t, 0).ret);
    fds_.resize(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i)
      fds_[i] = static_cast<int>(k_.eventfd2(t, 0, sim::kEFD_NONBLOCK).ret);
    return true;
  }
  void add(long i) override {
    k_.epoll_ctl(k_.main_task(), epfd_, sim::kEPOLL_CTL_ADD, fds_[i],
                 sim::EpollEvent{sim::kEPOLLIN, static_cast<uint64_t>(i)});
  }
  void del(long i) override {
    k_.epoll_ctl(k_.main_task(), epfd_, sim::kEPOLL_CTL_DEL, fds_[i], std::nullopt);
  }
  void mod(long i) override {
    toggle_ = !toggle_;
    k_.epoll_ctl(
        k_.main_task(), epfd_, sim::kEPOLL_CTL_MOD, fds_[i],
        sim::EpollEvent{sim::kEPOLLIN | (toggle_ ? sim::kEPOLLOUT : 0), static_cast<uint64_t>(i)});
  }
  void make_ready(long i) override { k_.eventfd_write(k_.main_task(), fds_[i], 1); }
  int wait(int maxevents) override {
    return static_cast<int>(k_.epoll_wait(k_.main_task(), epfd_, maxevents, 0).ret);
  }
  const sim::Kernel& kernel() const { return k_; }

 private:
  sim::Kernel k_;
  int epfd_ = -1;
  std::vector<int> fds_;
  bool toggle_ = false;
};

class KernelWorld final : public EpollWorld {
 public:
  ~KernelWorld() override {
    for (int fd : fds_)
      ::close(fd);
    if (epfd_ >= 0) ::close(epfd_);
  }
  const char* name() const override { return "kernel"; }
  bool create(long n, std::string* error) override {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = static_cast<rlim_t>(n) + 256;
    if (rl.rlim_cur < need) {
      rlimit want{need, std::max(need, rl.rlim_max)};
      if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
        *error = std::string("cannot raise RLIMIT_NOFILE to ") + std::to_string(need) + ": " +
                 std::strerror(errno);
        return false;
      }
    }
    n_ = n;
    epfd_ = epoll_create1(0);
    fds_.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
      int fd = eventfd(0, EFD_NONBLOCK);
      if (fd < 0) {
        *error = std::string("eventfd: ") + std::strerror(errno);
        return false;
      }
      fds_.push_back(fd);
    }
    return true;
  }
  void add(long i) override {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<uint64_t>(i);
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fds_[i], &ev);
  }
  void del(long i) override { epoll_ctl(epfd_, EPOLL_CTL_DEL, fds_[i], nullptr); }
  void mod(long i) override {
    toggle_ = !toggle_;
    epoll_event ev{};
    ev.events = EPOLLIN | (toggle_ ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    ev.data.u64 = static_cast<uint64_t>(i);
    epoll_ctl(epfd_, EPOLL_CTL_MOD, fds_[i], &ev);
  }
  void make_ready(long i) override {
    uint64_t one = 1;
    if (::write(fds_[i], &one, sizeof one) != sizeof one) std::abort();
  }
  int wait(int maxevents) override {
    events_.resize(static_cast<std::size_t>(maxevents));
    return epoll_wait(epfd_, events_.data(), maxevents, 0);
  }

 private:
  int epfd_ = -1;
  std::vector<int> fds_;
  std::vector<epoll_event> events_;
  bool toggle_ = false;
};

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct CtlTimes {
  double add = 0, mod = 0, del = 0;
};

// With every item registered: take `batch` random items out (DEL), put them back (ADD), and modify
// another random batch (MOD). Random positions keep the tree walks honest for both worlds.
CtlTimes time_ctl(EpollWorld& w, long batch, int repeats, std::mt19937_64& rng) {
  std::vector<double> adds, mods, dels;
  std::vector<long> pick(static_cast<std::size_t>(std::min(batch, w.size())));
  for (int r = 0; r < repeats; ++r) {
    for (auto& p : pick)
      p = static_cast<long>(rng() % static_cast<uint64_t>(w.size()));
    std::sort(pick.begin(), pick.end());
    pick.erase(std::unique(pick.begin(), pick.end()), pick.end());
    std::shuffle(pick.begin(), pick.end(), rng);
    auto t0 = Clock::now();
    for (long i : pick)
      w.del(i);
    auto t1 = Clock::now();
    for (long i : pick)
      w.add(i);
    auto t2 = Clock::now();
    for (long i : pick)
      w.mod(i);
    auto t3 = Clock::now();
    const double n = static_cast<double>(pick.size());
    dels.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / n);
    adds.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / n);
    mods.push_back(std::chrono::duration<double, std::nano>(t3 - t2).count() / n);
    pick.resize(static_cast<std::size_t>(std::min(batch, w.size())));
  }
  return {median(adds), median(mods), median(dels)};
}

double time_wait_per_event(EpollWorld& w, long ready, int repeats) {
  std::vector<double> per_event;
  for (int r = 0; r < repeats; ++r) {
    const int calls = 20;
    long events = 0;
    auto t0 = Clock::now();
    for (int c = 0; c < calls; ++c)
      events += w.wait(static_cast<int>(ready));
    auto t1 = Clock::now();
    if (events > 0)
      per_event.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / events);
  }
  return median(per_event);
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

}  // namespace

std::unique_ptr<EpollWorld> make_model_world() {
  return std::make_unique<ModelWorld>();
}
std::unique_ptr<EpollWorld> make_kernel_world() {
  return std::make_unique<KernelWorld>();
}

std::vector<Figure> bench_model(const BenchOptions& options,
                                const std::function<void(const std::string&)>& progress) {
  std::vector<Figure> out;
  std::mt19937_64 rng(20261127);
  auto ratio = [&](const std::string& what, double model, double kernel) {
    if (kernel > 0) out.push_back({"ratio." + what, model / kernel, "model/kernel"});
  };

  for (long n : options.sizes) {
    const std::string sz = size_name(n);
    CtlTimes model_t{}, kernel_t{};
    {
      progress("model: registering " + std::to_string(n) + " eventfds");
      ModelWorld model;
      std::string error;
      model.create(n, &error);
      struct mallinfo2 before = mallinfo2();
      for (long i = 0; i < n; ++i)
        model.add(i);
      struct mallinfo2 after = mallinfo2();
      if (n == options.sizes.back())
        out.push_back(
            {"model.bytes_per_item",
             static_cast<double>(after.uordblks - before.uordblks) / static_cast<double>(n),
             "bytes"});
      progress("model: timing epoll_ctl with " + std::to_string(n) + " items registered");
      model_t = time_ctl(model, options.batch, options.repeats, rng);
      out.push_back({"model.epoll_ctl_add.n" + sz, model_t.add, "ns"});
      out.push_back({"model.epoll_ctl_mod.n" + sz, model_t.mod, "ns"});
      out.push_back({"model.epoll_ctl_del.n" + sz, model_t.del, "ns"});
      if (n == options.sizes.back()) {
        progress("model: removing all " + std::to_string(n) + " items again");
        for (long i = 0; i < n; ++i)
          model.del(i);
        out.push_back({"model.epitems_left_after_removing_all",
                       static_cast<double>(model.kernel().epitems_in_use()), "items"});
      }
    }
    if (options.kernel) {
      progress("kernel: registering " + std::to_string(n) + " eventfds");
      KernelWorld kernel;
      std::string error;
      if (!kernel.create(n, &error)) {
        progress("kernel: skipped at " + std::to_string(n) + " items: " + error);
        continue;
      }
      for (long i = 0; i < n; ++i)
        kernel.add(i);
      progress("kernel: timing epoll_ctl with " + std::to_string(n) + " items registered");
      kernel_t = time_ctl(kernel, options.batch, options.repeats, rng);
      out.push_back({"kernel.epoll_ctl_add.n" + sz, kernel_t.add, "ns"});
      out.push_back({"kernel.epoll_ctl_mod.n" + sz, kernel_t.mod, "ns"});
      out.push_back({"kernel.epoll_ctl_del.n" + sz, kernel_t.del, "ns"});
      ratio("epoll_ctl_add.n" + sz, model_t.add, kernel_t.add);
      ratio("epoll_ctl_mod.n" + sz, model_t.mod, kernel_t.mod);
      ratio("epoll_ctl_del.n" + sz, model_t.del, kernel_t.del);
    }
  }

  const std::string wname = "epoll_wait_per_event.lt_" + size_name(options.wait_ready) + "_of_" +
                            size_name(options.wait_registered);
  double model_wait = 0;
  {
    progress("model: epoll_wait with " + std::to_string(options.wait_ready) + " ready of " +
             std::to_string(options.wait_registered));
    ModelWorld model;
    std::string error;
    model.create(options.wait_registered, &error);
    for (long i = 0; i < options.wait_registered; ++i)
      model.add(i);
    for (long i = 0; i < options.wait_ready; ++i)
      model.make_ready(i * (options.wait_registered / options.wait_ready));
    model_wait = time_wait_per_event(model, options.wait_ready, options.repeats);
    out.push_back({"model." + wname, model_wait, "ns"});
  }
  if (options.kernel) {
    KernelWorld kernel;
    std::string error;
    if (kernel.create(options.wait_registered, &error)) {
      for (long i = 0; i < options.wait_registered; ++i)
        kernel.add(i);
      for (long i = 0; i < options.wait_ready; ++i)
        kernel.make_ready(i * (options.wait_registered / options.wait_ready));
      double kernel_wait = time_wait_per_event(kernel, options.wait_ready, options.repeats);
      out.push_back({"kernel." + wname, kernel_wait, "ns"});
      ratio(wname, model_wait, kernel_wait);
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

}  // namespace epollscope::live
