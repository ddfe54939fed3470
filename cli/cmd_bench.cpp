// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_bench.cpp — `epollscope bench model` (the model beside the real kernel: epoll_ctl and
// epoll_wait costs, bytes per item; bench/bench_model.h) and `bench gui` (cmd_gui.cpp).
#include <cstdio>
#include <iostream>

#include "bench/bench_model.h"
#include "bench/huge_pages.h"
#include "cli/cli.h"

namespace epollscope::cli {

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
      for (const auto& f : figures) {
        char value[64];
        std::snprintf(value, sizeof value, "%.1f", f.value);
        std::cout << f.name << ' ' << value << ' ' << f.unit << '\n';
      }
      return 0;
    };
  });

  add_bench_gui(*bench, action);
}

}  // namespace epollscope::cli
