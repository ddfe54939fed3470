// SPDX-License-Identifier: GPL-2.0-only
// bench/bench_model.h — model versus real kernel: the same epoll calls timed on the model (tracing
// off) and on this machine's kernel, in one run.
//
// A "world" offers the few primitives the benchmarks need (eventfd, dup2, close, epoll_ctl,
// epoll_wait) either on the model (the model world) or with real syscalls (the kernel world); the
// benchmark code composes them the same way for both, so both do exactly the same work.
//
// Registering a million items needs a million (file, fd) keys, but a process here may hold only
// RLIMIT_NOFILE fds (the hard limit is 20000 on the project's machines, and root lacks
// CAP_SYS_RESOURCE to raise it). epoll keys items by (file, fd number) and an item outlives the fd
// it was added under while its file stays open (docs/kernel-notes.md, F1). So the layout is: a few
// eventfds, each kept open by one base fd, each registered under many fd numbers: dup2 the base
// onto the number, EPOLL_CTL_ADD, close the number again. Timed operations on an item first re-open
// its number with dup2 (untimed), as EPOLL_CTL_DEL and MOD need the fd to be open.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace epollscope::bench {

class EpollWorld {
 public:
  virtual ~EpollWorld() = default;
  virtual const char* name() const = 0;  // "model" or "kernel"
  // The most fds this world can hold; raises the soft limit to it.
  virtual long open_fd_limit() = 0;
  virtual int epoll() = 0;  // the one epoll instance (created on first use)
  virtual int eventfd() = 0;
  virtual void dup2(int from, int to) = 0;
  virtual void close(int fd) = 0;
  virtual int ctl(int op, int fd, uint32_t events, uint64_t data) = 0;  // 0 or -1
  virtual void eventfd_write(int fd) = 0;
  virtual int wait(int maxevents) = 0;  // epoll_wait(timeout 0): the number of events
  // Epitems currently allocated (the model's cache), or -1 when the world cannot tell.
  virtual long epitems() const { return -1; }
};

std::unique_ptr<EpollWorld> make_model_world();
std::unique_ptr<EpollWorld> make_kernel_world();

// N items over a few files: item i is (file i % files, fd first_fd + i / files).
//
// The order the items are registered in decides the shape and the colours of rbr. A real epoll
// with 10^5-10^6 items watches as many sockets, and their file addresses (the first half of the
// key) come from the kernel's slab in no particular order, so its rbr grows from keys in random
// order; that is the default. Registering this layout in key order (kKeyOrder) builds rbr the way
// ascending inserts do, almost every node black: then each of the first DELs recolours about nine
// levels up before the tree settles (README, "Performance").
enum class RegisterOrder { kRandom, kKeyOrder };

class ItemLayout {
 public:
  // Registers `n` items in `w` (EPOLLIN, data = i), using fd numbers below `fd_budget`. False if
  // the world cannot hold them. kRandom uses one fixed permutation, the same in every world.
  bool build(EpollWorld& w, long n, long fd_budget, std::string* error,
             RegisterOrder order = RegisterOrder::kRandom);
  long size() const { return n_; }
  int fd_of(long i) const { return first_fd_ + static_cast<int>(i / files_); }
  int base_of(long i) const { return bases_[static_cast<std::size_t>(i % files_)]; }

 private:
  long n_ = 0;
  long files_ = 1;
  int first_fd_ = 0;
  std::vector<int> bases_;
};

// epoll_wait's world: `ready` eventfds registered once each and made readable, plus
// `registered - ready` quiet items laid out over a few other eventfds. Level-triggered, so every
// epoll_wait(maxevents = ready) reports the same `ready` events.
bool prepare_wait_world(EpollWorld& w, long registered, long ready, long fd_budget,
                        std::string* error);

struct Figure {
  std::string name;
  double value;
  std::string unit;
};

struct BenchOptions {
  std::vector<long> sizes{1000, 100000, 1000000};  // items registered while epoll_ctl is timed
  long batch = 1000;                               // calls per timed batch
  int repeats = 7;                                 // batches; the median is reported
  long wait_registered = 100000;                   // epoll_wait: items registered ...
  long wait_ready = 1000;                          // ... of which this many are ready (LT)
  bool kernel = true;                              // also time the real kernel
  RegisterOrder order = RegisterOrder::kRandom;    // how the timed worlds are registered
};

// Times ADD, MOD, DEL per call at each size, epoll_wait per returned event, the model's bytes per
// registered item and the cost of recording a 10,000-call scenario; with `kernel`, the same calls
// on the real kernel and the ratios model/kernel. `progress` receives a line before each phase.
std::vector<Figure> bench_model(const BenchOptions& options,
                                const std::function<void(const std::string&)>& progress);

// One timed batch of `batch` random items of a built layout: DEL, then ADD back, then MOD, each
// in ns per call. Re-opening the items' fd numbers (dup2) and closing them again is not timed.
struct CtlTimes {
  double add = 0, mod = 0, del = 0;
};
CtlTimes time_ctl_batch(EpollWorld& w, const ItemLayout& layout, long batch, uint64_t seed);

}  // namespace epollscope::bench
