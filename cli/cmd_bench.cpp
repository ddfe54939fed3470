// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_bench.cpp — `epollscope bench model` (the model beside the real kernel: epoll_ctl and
// epoll_wait costs, bytes per item; bench/bench_model.h), `bench trace` (what tracing costs the
// example echo server; bench/bench_trace.h) and `bench gui` (cmd_gui.cpp).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "bench/bench_model.h"
#include "bench/bench_trace.h"
#include "bench/huge_pages.h"
#include "cli/cli.h"

namespace epollscope::cli {
namespace {

void print_figures(const std::vector<bench::Figure>& figures) {
  for (const auto& f : figures) {
    char value[64];
    std::snprintf(value, sizeof value, "%.1f", f.value);
    std::cout << f.name << ' ' << value << ' ' << f.unit << '\n';
  }
}

// `name` in one of $PATH's folders, or empty.
std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path ? path : "/usr/bin:/bin");
  for (std::string folder; std::getline(folders, folder, ':');) {
    if (folder.empty()) continue;
    const std::string candidate = folder + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

void add_bench_trace(CLI::App& app, CLI::App& bench, Action& action) {
  auto o = std::make_shared<bench::TraceBenchOptions>();
  auto* trace = bench.add_subcommand(
      "trace",
      "The example ET echo server (epollscope-echo-server) under a fixed loopback load: "
      "requests per second untraced, under strace stopping on the traced calls, and under "
      "`epollscope trace --quiet`");
  trace->add_option("--clients", o->clients, "Connections")->check(CLI::Range(1, 100000));
  trace->add_option("--round-trips", o->round_trips, "Round trips per connection")
      ->check(CLI::Range(1, 1000000));
  trace->add_option("--bytes", o->bytes, "Bytes per round trip")->check(CLI::Range(1, 1 << 20));
  trace->add_option("--concurrency", o->concurrency, "Connections open at once")
      ->check(CLI::Range(1, 1000));
  trace->callback([&app, &action, o] {
    action = [&app, o] {
      namespace fs = std::filesystem;
      std::error_code ec;
      const fs::path self = fs::read_symlink("/proc/self/exe", ec);
      bench::TraceBenchOptions options = *o;
      options.server = (self.parent_path() / "epollscope-echo-server").string();
      if (ec || access(options.server.c_str(), X_OK) != 0) {
        std::cerr << "epollscope: the echo server " << options.server
                  << " is missing (it is built and installed beside epollscope)\n";
        return 1;
      }
      options.strace = find_in_path("strace");
      if (options.strace.empty())
        std::cerr << "strace: not installed (apt-get install strace); its figures are skipped\n";
      bool has_trace = false;
      for (const CLI::App* sub : app.get_subcommands({}))
        has_trace = has_trace || sub->get_name() == "trace";
      if (has_trace)
        options.epollscope = self.string();
      else
        std::cerr << "trace: not available in this build\n";

      std::vector<bench::Figure> figures;
      std::string error;
      const bool ok = bench::bench_trace(
          options, [](const std::string& line) { std::cerr << "... " << line << '\n'; }, &figures,
          &error);
      print_figures(figures);
      if (!ok) {
        std::cerr << "epollscope bench trace: " << error << '\n';
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace

void add_bench(CLI::App& app, Action& action) {
  auto* bench =
      app.add_subcommand("bench", "Measurements; prints one line per figure: name value unit");
  bench->require_subcommand(1);

  struct Options {
    bench::BenchOptions bench;
    bool model_only = false, quick = false, key_order = false;
  };
  auto o = std::make_shared<Options>();
  auto* model = bench->add_subcommand("model",
                                      "epoll_ctl ADD/MOD/DEL per call at 1e3, 1e5, 1e6 "
                                      "items, epoll_wait per event, bytes per item: "
                                      "the model (tracing off) beside the real kernel");
  model->add_flag("--model-only", o->model_only, "Do not run the same calls on the real kernel");
  model->add_flag("--quick", o->quick,
                  "Small sizes (1e3, 1e4 items) for a fast check of the command");
  model->add_flag("--key-order", o->key_order,
                  "Register the items in key order instead of a random order (rbr starts "
                  "almost all black: the first DELs recolour far up the tree)");
  model
      ->add_option("--repeats", o->bench.repeats, "Timed batches per figure; the median is printed")
      ->check(CLI::Range(1, 1000));
  model->callback([&action, o] {
    action = [o] {
      // A big model (10^6 items) gets its slabs on huge pages, as the kernel's are.
      bench::use_huge_pages_for_slabs();
      bench::BenchOptions options = o->bench;
      options.kernel = !o->model_only;
      if (o->key_order) options.order = bench::RegisterOrder::kKeyOrder;
      if (o->quick) {
        options.sizes = {1000, 10000};
        options.wait_registered = 10000;
        options.wait_ready = 100;
        options.batch = 200;
      }
      auto figures = bench::bench_model(
          options, [](const std::string& line) { std::cerr << "... " << line << '\n'; });
      print_figures(figures);
      return 0;
    };
  });

  add_bench_trace(app, *bench, action);
  add_bench_gui(*bench, action);
}

}  // namespace epollscope::cli
