// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_bench.cpp — `epollscope bench model` (the model beside the real kernel: epoll_ctl and
// epoll_wait costs, bytes per item; bench/bench_model.h), `bench scaling` (select, poll and epoll
// against the number of fds; bench/bench_scaling.h), `bench trace` (what tracing costs the
// example echo server; bench/bench_trace.h) and `bench gui` (cmd_gui.cpp).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "bench/bench_model.h"
#include "bench/bench_scaling.h"
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

// `--mech select,poll`: the mechanisms in the order given, each once.
bool parse_mechanisms(const std::string& list, std::vector<bench::Mechanism>* out,
                      std::string* error) {
  std::stringstream names(list);
  out->clear();
  for (std::string name; std::getline(names, name, ',');) {
    const auto m = bench::parse_mechanism(name);
    if (!m) {
      *error = "unknown mechanism '" + name + "' (select, poll, epoll_lt, epoll_et)";
      return false;
    }
    if (std::find(out->begin(), out->end(), *m) == out->end()) out->push_back(*m);
  }
  if (out->empty()) {
    *error = "--mech names no mechanism (select, poll, epoll_lt, epoll_et)";
    return false;
  }
  return true;
}

// `--active 1 --active all`: A per round, `all` for A = N.
bool parse_actives(const std::vector<std::string>& given, std::vector<long>* out,
                   std::string* error) {
  out->clear();
  for (const std::string& a : given) {
    long value = bench::kAllActive;
    if (a != "all") {
      char* end = nullptr;
      errno = 0;
      value = std::strtol(a.c_str(), &end, 10);
      if (a.empty() || *end != '\0' || errno != 0 || value < 1 || value > 1000000) {
        *error = "--active takes a number of fds from 1 to 1000000, or all (A = N): " + a;
        return false;
      }
    }
    if (std::find(out->begin(), out->end(), value) == out->end()) out->push_back(value);
  }
  return true;
}

// The plot can be written there, checked before the benchmark runs: a .png or .svg name, not a
// folder, and a file we can open for writing (created and removed again when it did not exist:
// root passes every permission check, so only trying tells).
bool plot_path_usable(const std::string& path, std::string* error) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  const std::string ext = p.extension().string();
  if (ext != ".png" && ext != ".svg") {
    *error = "--plot: the file name must end in .png or .svg: " + path;
    return false;
  }
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    *error = "--plot: " + path + " is a folder";
    return false;
  }
  const bool existed = fs::exists(p, ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "--plot: cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  ::close(fd);
  if (!existed) ::unlink(path.c_str());
  return true;
}

void add_bench_scaling(CLI::App& bench, Action& action) {
  struct Options {
    bench::ScalingOptions scaling;
    std::vector<std::string> actives{"1", "all"};
    std::string mechanisms = "select,poll,epoll_lt,epoll_et";
    std::string plot;
  };
  auto o = std::make_shared<Options>();
  auto* scaling = bench.add_subcommand(
      "scaling",
      "select, poll, epoll LT and epoll ET on the real kernel against the number of fds N "
      "(libevent's test/bench.c: N AF_UNIX socketpairs, A written per round, the call and the "
      "reads timed); one line per (mechanism, N, A): scaling.MECH.nN.aA, the thread's CPU "
      "microseconds per round (median), the spread, the wall time, and the kernel's ->poll "
      "calls, wait-queue operations and callbacks per round");
  scaling
      ->add_option("--max", o->scaling.max_n,
                   "Largest N: 10, 30, 100, 300, ... up to it (capped at what RLIMIT_NOFILE "
                   "allows, which is said)")
      ->check(CLI::Range(1L, 1L << 20));
  scaling->add_option("--active", o->actives,
                      "Fds written per round: a number or `all` (A = N); repeat it for several "
                      "(default: 1 and all)");
  scaling
      ->add_option("--rounds", o->scaling.rounds,
                   "Timed rounds per repetition, at most (fewer when A is big: no more than "
                   "20000 / A, so that every repetition reads about as much)")
      ->check(CLI::Range(1, 1000000));
  scaling
      ->add_option("--repetitions", o->scaling.repetitions,
                   "Repetitions; the median and the spread (min-max) are over them")
      ->check(CLI::Range(1, 1000));
  scaling->add_option("--mech", o->mechanisms,
                      "Mechanisms, comma-separated: select, poll, epoll_lt, epoll_et");
  scaling->add_option("--plot", o->plot,
                      "Also draw the figures (log-log, a panel for A = 1 and one for A = N) with "
                      "gnuplot into OUT.png or OUT.svg");
  scaling->callback([&action, o] {
    action = [o] {
      bench::ScalingOptions options = o->scaling;
      std::string error;
      if (options.max_n < 10) error = "--max must be at least 10 (the smallest N)";
      if (error.empty()) parse_mechanisms(o->mechanisms, &options.mechanisms, &error);
      if (error.empty()) parse_actives(o->actives, &options.actives, &error);
      std::string gnuplot;
      if (error.empty() && !o->plot.empty() && plot_path_usable(o->plot, &error)) {
        gnuplot = find_in_path("gnuplot");
        if (gnuplot.empty())
          error = "--plot needs gnuplot, which is not installed (apt-get install gnuplot-nox)";
      }
      if (!error.empty()) {
        std::cerr << "epollscope bench scaling: " << error << '\n';
        return 2;
      }
      std::vector<bench::ScalingRow> rows;
      const bool ok = bench::bench_scaling(
          options, [](const std::string& line) { std::cerr << "... " << line << '\n'; },
          [&rows](const bench::ScalingRow& row) {
            rows.push_back(row);
            std::cout << bench::scaling_line(row) << std::endl;
          },
          &error);
      if (!ok) {
        std::cerr << "epollscope bench scaling: " << error << '\n';
        return 1;
      }
      if (!o->plot.empty()) {
        if (!bench::plot_scaling(rows, o->plot, gnuplot, &error)) {
          std::cerr << "epollscope bench scaling: the plot: " << error << '\n';
          return 1;
        }
        std::cerr << "... plot written to " << o->plot << '\n';
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

  add_bench_scaling(*bench, action);
  add_bench_trace(app, *bench, action);
  add_bench_gui(*bench, action);
}

}  // namespace epollscope::cli
