// tests/bench/model_bench.cpp — Google Benchmark: epoll_ctl ADD/MOD/DEL per call with 1e3, 1e5 and
// 1e6 eventfds registered, and epoll_wait per returned event (LT, 1,000 ready of 100,000), on the
// model (tracing off) and on this machine's kernel. The same worlds back `epollscope bench model`.
//
//   ./build/tests/bench/model_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "live/bench.h"

namespace {

using epollscope::live::EpollWorld;

// Worlds are expensive to build (a million eventfds), so each (kind, size) is built once.
EpollWorld& world(bool kernel, long n) {
  static std::map<std::pair<bool, long>, std::unique_ptr<EpollWorld>> cache;
  auto& slot = cache[{kernel, n}];
  if (!slot) {
    slot = kernel ? epollscope::live::make_kernel_world() : epollscope::live::make_model_world();
    std::string error;
    if (!slot->create(n, &error)) return *slot;
    for (long i = 0; i < n; ++i)
      slot->add(i);
  }
  return *slot;
}

// Times ADD of items taken out beforehand (untimed) in batches of 1000 random items.
void BM_EpollCtlAdd(benchmark::State& state, bool kernel) {
  EpollWorld& w = world(kernel, state.range(0));
  std::mt19937_64 rng(1);
  std::vector<long> out;
  for (auto _ : state) {
    if (out.empty()) {
      state.PauseTiming();
      for (int j = 0; j < 1000; ++j)
        out.push_back(static_cast<long>(rng() % static_cast<uint64_t>(w.size())));
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      for (long i : out)
        w.del(i);
      state.ResumeTiming();
    }
    w.add(out.back());
    out.pop_back();
  }
  for (long i : out)
    w.add(i);
}

void BM_EpollCtlDel(benchmark::State& state, bool kernel) {
  EpollWorld& w = world(kernel, state.range(0));
  std::mt19937_64 rng(2);
  std::vector<long> in, taken;
  for (auto _ : state) {
    if (in.empty()) {
      state.PauseTiming();
      for (long i : taken)
        w.add(i);
      taken.clear();
      for (int j = 0; j < 1000; ++j)
        in.push_back(static_cast<long>(rng() % static_cast<uint64_t>(w.size())));
      std::sort(in.begin(), in.end());
      in.erase(std::unique(in.begin(), in.end()), in.end());
      state.ResumeTiming();
    }
    w.del(in.back());
    taken.push_back(in.back());
    in.pop_back();
  }
  for (long i : taken)
    w.add(i);
}

void BM_EpollCtlMod(benchmark::State& state, bool kernel) {
  EpollWorld& w = world(kernel, state.range(0));
  std::mt19937_64 rng(3);
  for (auto _ : state)
    w.mod(static_cast<long>(rng() % static_cast<uint64_t>(w.size())));
}

void BM_EpollWaitPerEvent(benchmark::State& state, bool kernel) {
  // A separate world: 100,000 registered, 1,000 of them ready, all level-triggered.
  static std::map<bool, std::unique_ptr<EpollWorld>> worlds;
  auto& w = worlds[kernel];
  const long n = 100000, ready = 1000;
  if (!w) {
    w = kernel ? epollscope::live::make_kernel_world() : epollscope::live::make_model_world();
    std::string error;
    w->create(n, &error);
    for (long i = 0; i < n; ++i)
      w->add(i);
    for (long i = 0; i < ready; ++i)
      w->make_ready(i * (n / ready));
  }
  int64_t events = 0;
  for (auto _ : state)
    events += w->wait(static_cast<int>(ready));
  // items_per_second is events per second: ns per event = 1e9 / items_per_second.
  state.SetItemsProcessed(events);
}

BENCHMARK_CAPTURE(BM_EpollCtlAdd, model, false)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollCtlAdd, kernel, true)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollCtlMod, model, false)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollCtlMod, kernel, true)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollCtlDel, model, false)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollCtlDel, kernel, true)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK_CAPTURE(BM_EpollWaitPerEvent, model, false);
BENCHMARK_CAPTURE(BM_EpollWaitPerEvent, kernel, true);

}  // namespace

BENCHMARK_MAIN();
