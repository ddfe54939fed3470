// live/bench.h — model versus real kernel: the same epoll calls timed on the model (tracing off)
// and on this machine's kernel, in one run.
//
// A "world" is N eventfds registered in one epoll instance, either in the model (ModelWorld) or in
// the real kernel (KernelWorld). Both offer the same operations, so the Google Benchmark programs
// under tests/bench/ and the `epollscope bench model` command time exactly the same work.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sim/kernel.h"

namespace epollscope::live {

class EpollWorld {
 public:
  virtual ~EpollWorld() = default;
  virtual const char* name() const = 0;  // "model" or "kernel"
  // Creates `n` eventfds (not registered yet). False if the fd limit cannot be raised that far.
  virtual bool create(long n, std::string* error) = 0;
  virtual void add(long i) = 0;  // EPOLL_CTL_ADD of eventfd i, EPOLLIN, data i
  virtual void del(long i) = 0;
  virtual void mod(long i) = 0;         // EPOLL_CTL_MOD of eventfd i, EPOLLIN|EPOLLOUT toggled
  virtual void make_ready(long i) = 0;  // eventfd_write(1)
  virtual int wait(int maxevents) = 0;  // epoll_wait(timeout 0); returns the number of events
  long size() const { return n_; }

 protected:
  long n_ = 0;
};

std::unique_ptr<EpollWorld> make_model_world();
std::unique_ptr<EpollWorld> make_kernel_world();

struct Figure {
  std::string name;
  double value;
  std::string unit;
};

struct BenchOptions {
  std::vector<long> sizes{1000, 100000, 1000000};  // items registered while ctl is timed
  long batch = 1000;                               // calls per timed batch
  int repeats = 7;                                 // batches; the median is reported
  long wait_registered = 100000;                   // epoll_wait: items registered ...
  long wait_ready = 1000;                          // ... of which this many are ready (LT)
  bool kernel = true;                              // also time the real kernel
};

// Times ADD, MOD, DEL per call at each size, epoll_wait per returned event, and the model's bytes
// per registered item; with `kernel`, the same on the real kernel and the ratios model/kernel.
// `progress` receives a line before each long phase.
std::vector<Figure> bench_model(const BenchOptions& options,
                                const std::function<void(const std::string&)>& progress);

}  // namespace epollscope::live
