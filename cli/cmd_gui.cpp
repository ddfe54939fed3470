// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_gui.cpp — the window's subcommands (built when the window is): `gui [FILE]`,
// `screenshot FILE (--step N | --after-line L) -o out.png`, `bench gui`, the main job that
// opens the window on the pipe example (or, without a display, the terminal walk-through), and
// the window that follows a live trace (`trace --gui`, `serve`).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "bench/bench_gui.h"
#include "cli/cli.h"
#include "cli/cmd_gui.h"
#include "driver/lesson.h"
#include "gui/app/controller.h"
#include "gui/app/trace_controller.h"
#include "gui/ui/window.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"

namespace epollscope::cli {
namespace {

struct GuiOptions {
  std::string path;
  std::string compare = "off";
  bool light = false;
  bool no_live = false;
  std::string kernel_from;  // replay a recorded kernel (driver/kernel_recording.h)
  std::string scale;        // empty: $EPOLLSCOPE_SCALE, else the monitor's
  int lesson = 0;           // open lesson N of the course (its first scenario and its window)
  std::string text_size;    // percent (View → Text size); empty: 100
  bool predict = false;     // Predict mode from the start (on by default with --lesson)
  bool no_predict = false;
};

app::CompareMode compare_mode(const std::string& name) {
  return name == "trigger"    ? app::CompareMode::kTrigger
         : name == "profiles" ? app::CompareMode::kProfiles
                              : app::CompareMode::kOff;
}

app::ControllerOptions live_controller_options(bool live) {
  app::ControllerOptions o;
  o.kernel = kernel_backend(live);
  return o;
}

// Lesson `number` of the course: its first scenario in *first_scenario; false after saying why
// (no course, no such lesson, a lesson that cannot be read).
bool find_lesson(int number, std::string* lesson_dir, std::string* first_scenario) {
  *lesson_dir = lesson_library();
  if (lesson_dir->empty()) return false;
  const auto files = driver::lesson_files(*lesson_dir);
  if (number < 1 || static_cast<std::size_t>(number) > files.size()) {
    std::cerr << "epollscope: there is no lesson " << number << ": the course has " << files.size()
              << " (`epollscope lessons` lists them)\n";
    return false;
  }
  auto l = driver::load_lesson(files[static_cast<std::size_t>(number) - 1]);
  if (auto* e = std::get_if<sim::script::ParseError>(&l)) {
    std::cerr << e->format();
    return false;
  }
  const auto& lesson = std::get<driver::Lesson>(l);
  const std::string scenarios = scenario_library();
  if (scenarios.empty()) return false;
  *first_scenario = scenarios + "/" + lesson.scenarios.front();
  return true;
}

int gui(const GuiOptions& o) {
  std::string lesson_dir, lesson_first;
  if (o.lesson > 0 && !find_lesson(o.lesson, &lesson_dir, &lesson_first)) return 2;
  const std::string path = !o.path.empty() ? o.path : o.lesson > 0 ? lesson_first : pipe_example();
  if (path.empty()) return 2;
  auto options = controller_options(!o.no_live, o.kernel_from, path);
  if (!options) return 2;
  ui::WindowOptions wo;
  wo.theme = o.light ? ui::ThemeKind::kLight : ui::ThemeKind::kDark;
  if (!choose_scale(o.scale, 0, &wo.scale) || !choose_text_size(o.text_size, &wo.text_size))
    return 2;
  std::string error;
  auto window = ui::Window::open(wo, &error);
  if (!window) {
    std::cerr << "epollscope: cannot open the window: " << error << "; try `epollscope run " << path
              << "` for the terminal replay\n";
    return 1;
  }
  window->ui().scenario_dir = scenario_library();
  window->ui().lesson_dir = o.lesson > 0 ? lesson_dir : lesson_library(false);
  window->ui().lesson = o.lesson;
  window->ui().show_lesson = o.lesson > 0;
  // A lesson is taken as quizzes in the terminal (`lessons N`); in the window too, unless asked
  // not to. Its score goes to the same progress file.
  window->ui().predict = o.predict || (o.lesson > 0 && !o.no_predict);
  window->ui().progress_file = progress_file();
  app::Controller c(*options);
  c.dispatch(app::Command{app::Command::Kind::kSetCompare, 0, 0, 0, {}, compare_mode(o.compare)});
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
  window->run(c);
  return 0;
}

struct ScreenshotOptions {
  std::string path;
  std::size_t step = 0;  // the timeline position (tick) to render
  int after_line = 0;    // if set (1 or more): the position right after the statement on this line
  bool compare = false;
  bool light = false;
  bool no_live = false;
  std::string kernel_from;
  std::string scale;      // empty: $EPOLLSCOPE_SCALE, else 1
  int lesson = 0;         // show lesson N's window over the scenario
  std::string text_size;  // percent; empty: 100
  bool predict = false;   // Predict mode: the window stops before the first question's answer
  int width = 1600;
  int height = 1000;
  std::string output;
};

// The statement lines nearest to `line`, before and after it, for an error message.
std::string nearest_statements(const app::Session& s, int line) {
  int before = 0, after = 0;
  for (const auto& st : s.scenario().statements) {
    const int l = st.loc.line;
    if (l < line && l > before) before = l;
    if (l > line && (after == 0 || l < after)) after = l;
  }
  if (before && after)
    return sim::cat("the nearest statements are on lines ", before, " and ", after);
  if (before || after)
    return sim::cat("the nearest statement is on line ", before ? before : after);
  return "it has no statement";
}

int screenshot(const ScreenshotOptions& o) {
  if (const std::string why = overwrites_input(o.path, o.output); !why.empty()) {
    std::cerr << "epollscope: " << why << '\n';
    return 2;
  }
  ui::WindowOptions wo;
  wo.width = o.width;
  wo.height = o.height;
  wo.visible = false;
  if (!choose_scale(o.scale, 1, &wo.scale) || !choose_text_size(o.text_size, &wo.text_size))
    return 2;
  wo.theme = o.light ? ui::ThemeKind::kLight : ui::ThemeKind::kDark;
  auto options = controller_options(!o.no_live, o.kernel_from, o.path);
  if (!options) return 2;
  // The scenario and the position first: nothing is rendered, nor written, for a file that cannot
  // be read or run or a position it does not have.
  app::Controller c(*options);
  if (!open_scenario(c, o.path, o.compare)) return 2;
  const std::size_t ticks = c.timeline().ticks();
  if (o.after_line > 0) {
    const auto& sts = c.left()->statements();
    std::size_t found = sts.size();
    for (std::size_t i = 0; i < sts.size() && found == sts.size(); ++i)
      if (sts[i].result.statement->loc.line == o.after_line) found = i;
    if (found == sts.size()) {
      const auto& all = c.left()->scenario().statements;
      const bool statement = std::any_of(
          all.begin(), all.end(), [&](const auto& st) { return st.loc.line == o.after_line; });
      std::cerr << "epollscope: --after-line " << o.after_line << ": line " << o.after_line
                << " of " << sim::script::printable(o.path)
                << (statement
                        ? " is a statement the run never reached (it stopped before it)"
                        : " is not a statement; " + nearest_statements(*c.left(), o.after_line))
                << '\n';
      return 2;
    }
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, found});
  } else if (o.step > ticks) {
    std::cerr << "epollscope: --step " << o.step
              << " is beyond the last step: " << sim::script::printable(o.path) << " has " << ticks
              << " steps" << (o.compare ? " in compare mode" : "") << " (--step 0 to " << ticks
              << ")\n";
    return 2;
  } else {
    c.dispatch(app::Command{app::Command::Kind::kSeek, o.step});
  }
  std::string lesson_dir, lesson_first;
  if (o.lesson > 0 && !find_lesson(o.lesson, &lesson_dir, &lesson_first)) return 2;
  std::string error;
  auto window = ui::Window::open(wo, &error);
  if (!window) {
    std::cerr << "epollscope: cannot render: " << error << " (under CI, run it with xvfb-run)\n";
    return 1;
  }
  window->ui().animate = false;
  window->ui().scenario_dir = scenario_library();
  if (o.lesson > 0) {
    window->ui().lesson_dir = lesson_dir;
    window->ui().lesson = o.lesson;
    window->ui().show_lesson = true;
  }
  // A screenshot never writes the progress file: no prediction is revealed in it. With --predict
  // it asks the question of the position's statement or the next one.
  window->ui().predict = o.predict;
  if (o.predict) {
    const app::Timeline::Position pos = c.timeline().at(c.tick());
    const std::size_t from = pos.before_first ? 0 : c.timeline().first_tick_of(pos.statement) - 1;
    window->ui().prediction.attach(*c.left(), c.timeline(), c.generation(), from, c.path());
  }
  // The first frames build the font atlas and settle the layout.
  // Predict's window sizes itself to what it says: one frame more, or its first guess shows a
  // scroll bar.
  const int frames = o.predict ? 4 : 3;
  for (int i = 0; i < frames; ++i)
    window->frame(c, i == frames - 1);
  errno = 0;
  if (!window->save_png(o.output)) {
    std::cerr << "epollscope: cannot write " << sim::script::printable(o.output) << ": "
              << (errno ? std::strerror(errno) : "no frame was rendered") << '\n';
    return 1;
  }
  std::cout << "wrote " << o.output << " (step " << c.tick() << " of " << ticks << ")\n";
  return 0;
}

}  // namespace

CLI::Validator whole_number_from(long long least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        std::size_t used = 0;
        long long value = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::out_of_range&) {
          return "'" + text + "' is too large";
        } catch (const std::invalid_argument&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) return "'" + text + "' is not a whole number";
        if (value < least)
          return "'" + text + "' is less than " + std::to_string(least) +
                 (least == 0 ? " (0 is the position before the first call)"
                             : " (lines are numbered from 1)");
        return {};
      },
      least == 0 ? "NUMBER >= 0" : "LINE >= 1");
}

std::optional<app::ControllerOptions> controller_options(bool live, const std::string& kernel_from,
                                                         const std::string& scenario) {
  if (kernel_from.empty()) return live_controller_options(live);
  auto k = recorded_kernel(kernel_from, nullptr, scenario);
  if (!k) return std::nullopt;
  app::ControllerOptions o;
  o.kernel = k->factory;
  o.profile = k->profile;
  return o;
}

bool choose_scale(const std::string& option, float fallback, float* scale) {
  std::string error;
  if (!option.empty()) {
    if (ui::parse_scale(option, scale, &error)) return true;
    std::cerr << "epollscope: --scale: " << sim::script::printable(error) << '\n';
    return false;
  }
  if (!ui::scale_from_environment(scale, &error)) {
    std::cerr << "epollscope: " << sim::script::printable(error) << '\n';
    return false;
  }
  if (*scale <= 0) *scale = fallback;
  return true;
}

void add_gui(CLI::App& app, Action& action) {
  auto g = std::make_shared<GuiOptions>();
  auto* cmd = app.add_subcommand(
      "gui", "Open the desktop window on a scenario (default: the pipe 2 KB / 1 KB example)");
  cmd->add_option("FILE", g->path, "Scenario file (*.scn)");
  cmd->add_option("--compare", g->compare,
                  "off, trigger (ET beside LT) or profiles (two kernel profiles)")
      ->check(CLI::IsMember({"off", "trigger", "profiles"}));
  cmd->add_flag("--light", g->light, "Light theme");
  cmd->add_option("--lesson", g->lesson,
                  "Open lesson N of the course (`epollscope lessons` lists them): its first "
                  "scenario, unless FILE is given, and the lesson window (L) with what to watch "
                  "and its other scenarios")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--scale", g->scale,
                  "UI scale, 0.5 to 4 (2 for a projector; default: $EPOLLSCOPE_SCALE, else the "
                  "monitor's)")
      ->type_name("SCALE");
  cmd->add_option("--text-size", g->text_size,
                  "Text size in percent, 50 to 300 (View > Text size; 150 or 200 for a projector; "
                  "default 100)")
      ->type_name("PCT");
  auto* predict = cmd->add_flag(
      "--predict", g->predict,
      "Predict mode (View > Predict, P): the window stops before each epoll_wait's answer (or "
      "each line written ?=>) until you predict it; on by default with --lesson");
  cmd->add_flag("--no-predict", g->no_predict, "With --lesson: without Predict mode")
      ->excludes(predict);
  auto* no_live = cmd->add_flag("--no-live", g->no_live, "Do not ask the real kernel");
  cmd->add_option("--kernel-from", g->kernel_from, kKernelFromHelp)
      ->type_name("FILE")
      ->excludes(no_live);
  cmd->callback([&action, g] { action = [g] { return gui(*g); }; });

  auto s = std::make_shared<ScreenshotOptions>();
  auto* shot =
      app.add_subcommand("screenshot", "Render the window offscreen at a step and write a PNG");
  shot->add_option("FILE", s->path, "Scenario file (*.scn)")->required();
  auto* step = shot->add_option("--step", s->step,
                                "Timeline position: 0 = before the first call, then one per kernel "
                                "function step; in compare mode the two models' steps in lockstep, "
                                "so N may be another moment there (--after-line is the same in "
                                "both)")
                   ->check(whole_number_from(0));
  shot->add_option("--after-line", s->after_line,
                   "Instead of --step: right after the statement on this line")
      ->check(whole_number_from(1))
      ->excludes(step);
  shot->add_flag("--compare", s->compare, "ET beside LT (two models in lockstep)");
  shot->add_option("-o,--output", s->output, "PNG to write (never the scenario file itself)")
      ->required();
  shot->add_option("--width", s->width, "Width in pixels")->check(CLI::Range(320, 8192));
  shot->add_option("--height", s->height, "Height in pixels")->check(CLI::Range(240, 8192));
  shot->add_flag("--light", s->light, "Light theme");
  shot->add_option("--lesson", s->lesson, "Also show lesson N's window over the scenario")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  shot->add_option("--scale", s->scale,
                   "UI scale, 0.5 to 4 (2 for a projector; default: $EPOLLSCOPE_SCALE, else 1)")
      ->type_name("SCALE");
  shot->add_option("--text-size", s->text_size,
                   "Text size in percent, 50 to 300 (as View > Text size; default 100)")
      ->type_name("PCT");
  shot->add_flag("--predict", s->predict,
                 "Predict mode: the window stops before the first question's answer at or after "
                 "the position, and asks");
  auto* shot_no_live = shot->add_flag("--no-live", s->no_live, "Do not ask the real kernel");
  shot->add_option("--kernel-from", s->kernel_from, kKernelFromHelp)
      ->type_name("FILE")
      ->excludes(shot_no_live);
  shot->callback([&action, s] { action = [s] { return screenshot(*s); }; });
}

void add_bench_gui(CLI::App& bench, Action& action) {
  auto o = std::make_shared<bench::BenchGuiOptions>();
  auto* cmd = bench.add_subcommand(
      "gui",
      "CPU ms and primitives per frame of the window with N registered items, or "
      "(--trace-clients) following a live trace of the example echo server under load, rendered "
      "offscreen (needs a display: run it under xvfb-run)");
  cmd->add_option("--items", o->items, "Registered items")->check(CLI::Range(1L, 1000000L));
  cmd->add_option("--ready", o->ready, "Items that are ready (default: min(items, 100))")
      ->check(CLI::Range(0L, 1000000L));
  cmd->add_option("--frames", o->frames, "Measured frames per figure")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--width", o->width, "Window width in pixels")->check(CLI::Range(320, 8192));
  cmd->add_option("--height", o->height, "Window height in pixels")->check(CLI::Range(240, 8192));
  cmd->add_flag("--compare", o->compare,
                "Two panes (ET beside LT) instead of the default single view");
  cmd->add_option("--trace-clients", o->trace_clients,
                  "Instead of a scenario: the window follows a live trace of the example ET echo "
                  "server (as `trace --gui` does) while N loopback clients, all at once, drive it; "
                  "median and p95 CPU ms per frame, frames, calls mirrored, divergences")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--trace-round-trips", o->trace_round_trips,
                  "With --trace-clients: round trips of 64 bytes per client")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--trace-deadline", o->trace_deadline_s,
                  "With --trace-clients: seconds the whole run may take; then everything is "
                  "ended")
      ->check(CLI::Range(5, 3600));
  cmd->callback([&action, o] {
    action = [o] {
      if (o->trace_clients > 0) {
        std::error_code ec;
        const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
        o->echo_server = (self.parent_path() / "epollscope-echo-server").string();
        if (ec || access(o->echo_server.c_str(), X_OK) != 0) {
          std::cerr << "epollscope: the echo server " << o->echo_server
                    << " is missing (it is built and installed beside epollscope)\n";
          return 1;
        }
      }
      return bench::bench_gui_command(*o, std::cout, std::cerr);
    };
  });
}

bool window_possible() {
  return ui::display_available();
}

bool follow_trace_in_window(trace::LiveTrace& live, const trace::Feed& feed, std::string* error,
                            bool* opened) {
  *opened = false;
  if (!ui::display_available()) {
    *error = "no display (DISPLAY is not set)";
    return false;
  }
  // The program starts before the window opens, so that it inherits none of the window's files
  // (the X connection, the GPU's): its fds are those it would have untraced.
  if (!live.start(error)) {
    *opened = true;  // the window could open; the program is what failed
    return false;
  }
  ui::WindowOptions wo;
  auto window = ui::Window::open(wo, error);
  if (!window) {
    live.stop();
    live.join();
    return false;
  }
  *opened = true;
  app::TraceController c(feed);
  window->run(c, [&live] { return live.interrupted() || trace::LiveTrace::stop_signal_pending(); });
  // Closing the window ends the trace like Ctrl-C: a started program is killed, an attached one
  // detached.
  live.stop();
  live.join();
  return true;
}

Action main_job() {
  return [] {
    if (ui::display_available()) {
      GuiOptions o;
      o.compare = "trigger";
      return gui(o);
    }
    return terminal_main_job(
        "no display, so here is the terminal walk-through (`epollscope gui` "
        "needs a display)");
  };
}

// --text-size: a percentage from 50 to 300 (`150` or `150%`); false after saying why.
bool choose_text_size(const std::string& option, int* pct) {
  if (option.empty()) return true;
  std::string error;
  if (ui::parse_text_size(option, pct, &error)) return true;
  std::cerr << "epollscope: --text-size: " << sim::script::printable(error) << '\n';
  return false;
}

bool open_scenario(app::Controller& c, const std::string& path, bool compare) {
  c.dispatch(app::Command{app::Command::Kind::kSetCompare,
                          0,
                          0,
                          0,
                          {},
                          compare ? app::CompareMode::kTrigger : app::CompareMode::kOff});
  c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
  if (c.error().empty() && c.left() && c.left()->ok()) return true;
  // The error names the file (file:line:col), as `run` prints it.
  std::string error = c.error();
  while (!error.empty() && error.back() == '\n')
    error.pop_back();
  std::cerr << sim::script::printable(error, true) << '\n';
  return false;
}

}  // namespace epollscope::cli
