// gui/main.cpp — the `epollscope` executable: one binary, one subcommand per use.
//
//   epollscope                   the built-in walk-through (pipe 2 KB / 1 KB, ET beside LT)
//   epollscope walkthrough       the same, with options
//   epollscope bench model       model versus kernel: epoll_ctl and epoll_wait costs, bytes per
//   item epollscope profiles          the kernel profiles the model knows
#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>
#include <cstdio>
#include <iostream>
#include <string>

#include "gui/commands.h"
#include "gui/walkthrough.h"
#include "live/bench.h"
#include "sim/profile.h"

namespace {

using namespace epollscope;

int terminal_width() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 80)
    return ws.ws_col;
  return 120;
}

const sim::KernelProfile* find_profile(const std::string& name) {
  const sim::KernelProfile* p = sim::KernelProfile::by_name(name);
  if (!p) {
    std::cerr << "epollscope: unknown kernel profile '" << name << "'; known profiles:";
    for (const auto& q : sim::KernelProfile::all())
      std::cerr << ' ' << q.name;
    std::cerr << '\n';
  }
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "epollscope: a model of Linux epoll internals (struct eventpoll, epitem, rbr, rdllist, "
      "ovflist),\n"
      "step by step at the level of kernel functions, checked against the real kernel.\n"
      "Without a subcommand it runs the terminal walk-through of the pipe 2 KB / 1 KB example."};
  app.set_version_flag("--version", "epollscope 0.1.0");
  app.require_subcommand(0, 1);

  std::string profile_name = sim::KernelProfile::default_profile().name;
  bool no_steps = false, no_state = false;
  auto* walk = app.add_subcommand(
      "walkthrough", "Terminal walk-through of the pipe 2 KB / 1 KB example, ET beside LT");
  walk->add_option("--profile", profile_name,
                   "Kernel profile to model (see `epollscope profiles`)");
  walk->add_flag("--no-steps", no_steps, "Do not list the kernel functions inside each call");
  walk->add_flag("--no-state", no_state, "Do not print the state after each call");

  auto* bench =
      app.add_subcommand("bench", "Measurements; prints one line per figure: name value unit");
  bench->require_subcommand(1);
  live::BenchOptions bench_options;
  bool model_only = false, quick = false;
  auto* bench_model = bench->add_subcommand("model",
                                            "epoll_ctl ADD/MOD/DEL per call at 1e3, 1e5, 1e6 "
                                            "items, epoll_wait per event, bytes per item: "
                                            "the model (tracing off) beside the real kernel");
  bench_model->add_flag("--model-only", model_only, "Do not run the same calls on the real kernel");
  bench_model->add_flag("--quick", quick,
                        "Small sizes (1e3, 1e4 items) for a fast check of the command");
  bench_model
      ->add_option("--repeats", bench_options.repeats,
                   "Timed batches per figure; the median is printed")
      ->check(CLI::Range(1, 1000));

  auto* profiles = app.add_subcommand("profiles", "List the kernel profiles the model knows");

  std::string scenario_path;
  std::string run_profile;
  bool no_live = false;
  auto* run = app.add_subcommand("run",
                                 "Replay a scenario in the terminal: each call, the kernel "
                                 "functions inside it, the state after it, "
                                 "and the real kernel's result beside the model's");
  run->add_option("FILE", scenario_path, "Scenario file (*.scn)")->required();
  run->add_option("--profile", run_profile,
                  "Kernel profile to model (default: calibrated on this kernel)");
  run->add_flag("--no-live", no_live, "The model alone: do not run the calls on the real kernel");
  run->add_flag("--no-steps", no_steps, "Do not list the kernel functions inside each call");
  run->add_flag("--no-state", no_state, "Do not print the state after each call");

  std::vector<std::string> check_paths;
  bool verbose = false;
  auto* check = app.add_subcommand("check",
                                   "Run scenarios on the model and on the real kernel and compare "
                                   "every result; exit 0 only if all agree");
  check->add_option("PATH", check_paths, "Scenario files or folders (searched for *.scn)")
      ->required();
  check->add_option("--profile", run_profile,
                    "Kernel profile to model (default: calibrated on this kernel)");
  check->add_flag("--no-live", no_live, "Check the expectations on the model alone");
  check->add_flag("-v,--verbose", verbose, "A line for every scenario, passing or not");

  std::string export_out;
  auto* export_c = app.add_subcommand(
      "export-c", "Write a scenario as a standalone C program using real syscalls");
  export_c->add_option("FILE", scenario_path, "Scenario file (*.scn)")->required();
  export_c->add_option("-o,--output", export_out,
                       "Where to write the program (default: standard output)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*profiles) {
    for (const auto& p : sim::KernelProfile::all())
      std::cout << p.name
                << (p.name == sim::KernelProfile::default_profile().name ? " (default)" : "")
                << "\n  " << p.description << '\n';
    return 0;
  }
  if (*run || *check) {
    const sim::KernelProfile* profile = nullptr;
    if (!run_profile.empty() && !(profile = find_profile(run_profile))) return 2;
    if (*run) {
      app::RunOptions options;
      options.profile = profile;
      options.live = !no_live;
      options.show_steps = !no_steps;
      options.show_state = !no_state;
      options.width = terminal_width();
      return app::run_command(scenario_path, options, std::cout, std::cerr);
    }
    app::CheckCommandOptions options;
    options.profile = profile;
    options.live = !no_live;
    options.verbose = verbose;
    return app::check_command(check_paths, options, std::cout, std::cerr);
  }
  if (*export_c) return app::export_c_command(scenario_path, export_out, std::cout, std::cerr);
  if (*bench_model) {
    bench_options.kernel = !model_only;
    if (quick) {
      bench_options.sizes = {1000, 10000};
      bench_options.wait_registered = 10000;
      bench_options.wait_ready = 100;
      bench_options.batch = 200;
    }
    auto figures = live::bench_model(
        bench_options, [](const std::string& line) { std::cerr << "... " << line << '\n'; });
    for (const auto& f : figures) {
      char value[64];
      std::snprintf(value, sizeof value, "%.1f", f.value);
      std::cout << f.name << ' ' << value << ' ' << f.unit << '\n';
    }
    return 0;
  }

  app::WalkthroughOptions options;
  options.profile = find_profile(profile_name);
  if (!options.profile) return 2;
  options.show_steps = !no_steps;
  options.show_state = !no_state;
  options.width = terminal_width();
  return app::run_walkthrough(std::cout, options);
}
