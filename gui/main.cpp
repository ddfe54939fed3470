// gui/main.cpp — the `epollscope` executable: one binary, one subcommand per use.
//
//   epollscope                   the GUI on the pipe 2 KB / 1 KB example, ET beside LT (without a
//                                display: the terminal walk-through of the same example)
//   epollscope gui [FILE]        the GUI on any scenario
//   epollscope screenshot FILE   the GUI rendered offscreen at a step, as a PNG
//   epollscope walkthrough       the terminal walk-through of the pipe example
//   epollscope bench model       model versus kernel: epoll_ctl and epoll_wait costs, bytes per item
//   epollscope bench gui         CPU ms and primitives per frame of the window with N items
//   epollscope fuzz              random call sequences on the model and the kernel, compared
//   epollscope profiles          the kernel profiles the model knows
#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>
#include <cstdio>
#include <iostream>
#include <string>

#include "gui/bench_gui.h"
#include "gui/commands.h"
#include "gui/gui_command.h"
#include "gui/ui/window.h"
#include "gui/walkthrough.h"
#include "live/bench.h"
#include "live/fuzz.h"
#include "live/huge_pages.h"
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
  // Big models (more than a few thousand items) get their slabs on huge pages, as the kernel's.
  epollscope::live::use_huge_pages_for_slabs();
  CLI::App app{
      "epollscope: a model of Linux epoll internals (struct eventpoll, epitem, rbr, rdllist, "
      "ovflist),\n"
      "step by step at the level of kernel functions, checked against the real kernel.\n"
      "Without a subcommand it opens the window on the pipe 2 KB / 1 KB example, edge-triggered "
      "beside\n"
      "level-triggered, or, without a display, runs the terminal walk-through of the same "
      "example."};
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
  bool model_only = false, quick = false, key_order = false;
  auto* bench_model = bench->add_subcommand("model",
                                            "epoll_ctl ADD/MOD/DEL per call at 1e3, 1e5, 1e6 "
                                            "items, epoll_wait per event, bytes per item: "
                                            "the model (tracing off) beside the real kernel");
  bench_model->add_flag("--model-only", model_only, "Do not run the same calls on the real kernel");
  bench_model->add_flag("--quick", quick,
                        "Small sizes (1e3, 1e4 items) for a fast check of the command");
  bench_model->add_flag("--key-order", key_order,
                        "Register the items in key order instead of a random order (rbr starts "
                        "almost all black: the first DELs recolour far up the tree)");
  bench_model
      ->add_option("--repeats", bench_options.repeats,
                   "Timed batches per figure; the median is printed")
      ->check(CLI::Range(1, 1000));

  app::BenchGuiOptions bench_gui_options;
  auto* bench_gui = bench->add_subcommand(
      "gui",
      "CPU ms and primitives per frame of the window with N registered items, rendered "
      "offscreen (needs a display: run it under xvfb-run)");
  bench_gui->add_option("--items", bench_gui_options.items, "Registered items")
      ->check(CLI::Range(1L, 1000000L));
  bench_gui->add_option("--ready", bench_gui_options.ready,
                        "Items that are ready (default: min(items, 100))")
      ->check(CLI::Range(0L, 1000000L));
  bench_gui->add_option("--frames", bench_gui_options.frames, "Measured frames per figure")
      ->check(CLI::Range(1, 100000));
  bench_gui->add_option("--width", bench_gui_options.width, "Window width in pixels")
      ->check(CLI::Range(320, 8192));
  bench_gui->add_option("--height", bench_gui_options.height, "Window height in pixels")
      ->check(CLI::Range(240, 8192));
  bench_gui->add_flag("--compare", bench_gui_options.compare,
                      "Two panes (ET beside LT) instead of the default single view");

  live::FuzzOptions fuzz_options;
  std::string fuzz_types = fuzz_options.types.text();
  bool fuzz_no_progress = false;
  auto* fuzz = app.add_subcommand(
      "fuzz",
      "Differential fuzzing: random call sequences on the model and on the real kernel, compared "
      "call by call;\non the first divergence, shrink it and write a minimal scenario file (exit 1)");
  fuzz->add_option("--seed", fuzz_options.seed, "Seed: the same seed gives the same calls")
      ->capture_default_str();
  fuzz->add_option("--ops", fuzz_options.ops, "Calls in all")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  fuzz->add_option("--types", fuzz_types, "File types to use: pipe,unix,tcp,eventfd,epoll")
      ->capture_default_str();
  fuzz->add_option("--out", fuzz_options.out_dir, "Folder for the minimal scenario of a divergence")
      ->capture_default_str();
  fuzz->add_option("--jobs", fuzz_options.jobs, "Worker processes (default: one per core)")
      ->check(CLI::Range(1, 64));
  fuzz->add_option("--case-ops", fuzz_options.case_ops,
                   "Calls per case (each case starts from fresh files)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  fuzz->add_flag("--no-progress", fuzz_no_progress, "No progress line on the terminal");

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

  std::string gui_path;
  std::string compare_name = "off";
  bool light = false, gui_no_live = false;
  float scale = 0;
  auto* gui = app.add_subcommand(
      "gui", "Open the desktop GUI on a scenario (default: the pipe 2 KB / 1 KB example)");
  gui->add_option("FILE", gui_path, "Scenario file (*.scn)");
  gui->add_option("--compare", compare_name,
                  "off, trigger (ET beside LT) or profiles (two kernel profiles)")
      ->check(CLI::IsMember({"off", "trigger", "profiles"}));
  gui->add_flag("--light", light, "Light theme");
  gui->add_option("--scale", scale, "UI scale (default: the monitor's, or $EPOLLSCOPE_SCALE)");
  gui->add_flag("--no-live", gui_no_live, "Do not ask the real kernel");

  app::ScreenshotOptions shot;
  std::string shot_path;
  bool shot_compare = false;
  auto* screenshot =
      app.add_subcommand("screenshot", "Render the GUI offscreen at a step and write a PNG");
  screenshot->add_option("FILE", shot_path, "Scenario file (*.scn)")->required();
  screenshot->add_option("--step", shot.step, "Timeline position (0 = before the first call)");
  screenshot->add_option("--after-line", shot.after_line,
                         "Instead of --step: right after the statement on this line");
  screenshot->add_flag("--compare", shot_compare, "ET beside LT (two models in lockstep)");
  screenshot->add_option("-o,--output", shot.output, "PNG to write")->required();
  screenshot->add_option("--width", shot.width, "Width in pixels")->check(CLI::Range(320, 8192));
  screenshot->add_option("--height", shot.height, "Height in pixels")->check(CLI::Range(240, 8192));
  screenshot->add_flag("--light", light, "Light theme");
  screenshot->add_flag("--no-live", gui_no_live, "Do not ask the real kernel");

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

  if (*fuzz) {
    std::string error;
    if (!sim::script::FuzzTypes::parse(fuzz_types, &fuzz_options.types, &error)) {
      std::cerr << "epollscope: --types: " << error << '\n';
      return 2;
    }
    fuzz_options.progress = !fuzz_no_progress;
    return live::fuzz_command(fuzz_options, std::cout, std::cerr);
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
  if (*gui) {
    app::GuiOptions options;
    options.compare = compare_name == "trigger"    ? app::CompareMode::kTrigger
                      : compare_name == "profiles" ? app::CompareMode::kProfiles
                                                   : app::CompareMode::kOff;
    options.light = light;
    options.scale = scale;
    options.live = !gui_no_live;
    return app::gui_command(gui_path.empty() ? app::default_scenario() : gui_path, options,
                            std::cerr);
  }
  if (*screenshot) {
    shot.gui.compare = shot_compare ? app::CompareMode::kTrigger : app::CompareMode::kOff;
    shot.gui.light = light;
    shot.gui.live = !gui_no_live;
    return app::screenshot_command(shot_path, shot, std::cout, std::cerr);
  }
  if (*bench_gui) return app::bench_gui_command(bench_gui_options, std::cout, std::cerr);
  if (*bench_model) {
    bench_options.kernel = !model_only;
    if (key_order) bench_options.order = live::RegisterOrder::kKeyOrder;
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

  // No subcommand: the window on the pipe example, ET beside LT; without a display, the terminal
  // walk-through of the same example.
  if (!*walk) {
    if (ui::display_available()) {
      app::GuiOptions options;
      options.compare = app::CompareMode::kTrigger;
      return app::gui_command(app::default_scenario(), options, std::cerr);
    }
    std::cerr << "epollscope: no display, so here is the terminal walk-through (`epollscope gui` "
                 "needs a display; "
                 "`epollscope run FILE` replays any scenario in the terminal)\n";
  }
  app::WalkthroughOptions options;
  options.profile = find_profile(profile_name);
  if (!options.profile) return 2;
  options.show_steps = !no_steps;
  options.show_state = !no_state;
  options.width = terminal_width();
  return app::run_walkthrough(std::cout, options);
}
