// SPDX-License-Identifier: GPL-2.0-only
// tests/bench/model_bench.cpp — Google Benchmark: epoll_ctl ADD/MOD/DEL per call with 1e3, 1e5 and
// 1e6 items registered, and epoll_wait per returned event (LT, 1,000 ready of 100,000), on the
// model (tracing off) and on this machine's kernel. It uses the same worlds and the same timed
// batches as `epollscope bench model` (bench/bench_model.h).
//
//   ./build/bin/model_bench --benchmark_counters_tabular=true
// The epoll_ctl benchmarks time batches of 1000 calls; their ns_per_call counter is the figure.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench/bench_model.h"
#include "bench/huge_pages.h"

namespace {

using epollscope::bench::EpollWorld;
using epollscope::bench::ItemLayout;

long fd_budget() {
  static long budget = epollscope::bench::make_kernel_world()->open_fd_limit();
  return budget;
}

struct World {
  std::unique_ptr<EpollWorld> world;
  ItemLayout layout;
};

// Worlds are expensive to build (up to a million items), so each (kind, size) is built once.
World& world(bool kernel, long n) {
  static std::map<std::pair<bool, long>, World> cache;
  World& w = cache[{kernel, n}];
  if (!w.world) {
    w.world =
        kernel ? epollscope::bench::make_kernel_world() : epollscope::bench::make_model_world();
    w.world->open_fd_limit();
    std::string error;
    if (!w.layout.build(*w.world, n, fd_budget(), &error)) std::abort();
  }
  return w;
}

// One iteration = one batch of 1000 random items (DEL, ADD, MOD of each); the iteration's time is
// the time of the timed op's 1000 calls.
void BM_EpollCtl(benchmark::State& state, bool kernel, int which) {
  World& w = world(kernel, state.range(0));
  uint64_t seed = 1;
  const long batch = 1000;
  double ns_per_call = 0;
  for (auto _ : state) {
    epollscope::bench::CtlTimes t =
        epollscope::bench::time_ctl_batch(*w.world, w.layout, batch, seed++);
    const double ns = which == 0 ? t.add : which == 1 ? t.mod : t.del;
    ns_per_call += ns;
    state.SetIterationTime(ns * static_cast<double>(batch) * 1e-9);
  }
  state.counters["ns_per_call"] =
      benchmark::Counter(ns_per_call, benchmark::Counter::kAvgIterations);
}

void BM_EpollWaitPerEvent(benchmark::State& state, bool kernel) {
  static std::map<bool, std::unique_ptr<EpollWorld>> worlds;
  auto& w = worlds[kernel];
  const long registered = 100000, ready = 1000;
  if (!w) {
    w = kernel ? epollscope::bench::make_kernel_world() : epollscope::bench::make_model_world();
    std::string error;
    if (!epollscope::bench::prepare_wait_world(*w, registered, ready, fd_budget(), &error))
      std::abort();
  }
  int64_t events = 0;
  for (auto _ : state)
    events += w->wait(static_cast<int>(ready));
  // items_per_second is events per second: ns per event = 1e9 / items_per_second.
  state.SetItemsProcessed(events);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1000)->Arg(100000)->Arg(1000000)->UseManualTime();
}

BENCHMARK_CAPTURE(BM_EpollCtl, add_model, false, 0)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollCtl, add_kernel, true, 0)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollCtl, mod_model, false, 1)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollCtl, mod_kernel, true, 1)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollCtl, del_model, false, 2)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollCtl, del_kernel, true, 2)->Apply(sizes);
BENCHMARK_CAPTURE(BM_EpollWaitPerEvent, model, false);
BENCHMARK_CAPTURE(BM_EpollWaitPerEvent, kernel, true);

}  // namespace

int main(int argc, char** argv) {
  epollscope::bench::use_huge_pages_for_slabs();  // as the epollscope program does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
