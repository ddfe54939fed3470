// SPDX-License-Identifier: GPL-2.0-only
// cli/common.cpp — what several subcommands share: the terminal, profiles and calibration, the
// real kernel's backend, and where the scenario library is.
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <variant>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/i18n.h"
#include "driver/kernel_recording.h"
#include "driver/scenario_files.h"
#include "live/calibrate.h"
#include "live/child_guard.h"
#include "live/live_backend.h"
#include "sim/script/user_text.h"
#include "sim/text_view.h"

namespace epollscope::cli {
namespace {

bool g_stderr_is_tty = false;  // a progress line may be half written: end it first

// Only async-signal-safe calls: write, kill, waitpid (kill_tracked_children), _exit. Buffered
// output is not flushed (stdio is not safe here); `check` flushes after every scenario.
extern "C" void on_stop_signal(int sig) {
  const char* text = sig == SIGINT    ? "epollscope: interrupted (SIGINT)\n"
                     : sig == SIGTERM ? "epollscope: terminated (SIGTERM)\n"
                                      : "epollscope: hung up (SIGHUP)\n";
  std::size_t n = 0;
  while (text[n])
    ++n;
  if (g_stderr_is_tty) {
    [[maybe_unused]] ssize_t nl = write(STDERR_FILENO, "\n", 1);
  }
  [[maybe_unused]] ssize_t written = write(STDERR_FILENO, text, n);
  live::kill_tracked_children();
  _exit(128 + sig);
}

}  // namespace

void exit_cleanly_on_signals() {
  g_stderr_is_tty = isatty(STDERR_FILENO);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigfillset(&sa.sa_mask);  // one stop signal at a time: the second waits for the _exit
    sigaction(sig, &sa, nullptr);
  }
}

int terminal_width() {
  winsize ws{};
  const int tty =
      isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
  return choose_width(std::getenv("COLUMNS"), tty);
}

std::vector<std::string> render_steps_in_language(const std::vector<sim::TraceStep>& steps,
                                                  std::size_t from, std::size_t to,
                                                  std::size_t width) {
  if (driver::language() == driver::Lang::en) return sim::render_steps(steps, from, to, width);
  std::vector<sim::TraceStep> translated(steps.begin() + static_cast<std::ptrdiff_t>(from),
                                         steps.begin() + static_cast<std::ptrdiff_t>(to));
  for (auto& s : translated)
    s.text = driver::translate_step(s.text);
  return sim::render_steps(translated, 0, translated.size(), width);
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

const sim::KernelProfile* choose_profile(const sim::KernelProfile* asked, bool live,
                                         std::ostream& out, bool verbose) {
  if (asked) {
    out << "kernel profile " << asked->name << " (chosen by --profile)\n";
    return asked;
  }
  if (!live) {
    out << "kernel profile " << sim::KernelProfile::default_profile().name
        << " (the default; --no-live skips calibration)\n";
    return &sim::KernelProfile::default_profile();
  }
  const std::string release = kernel_release();
  live::Calibration c = live::calibrate();
  out << "this kernel: Linux " << release << "; calibration: profile " << c.profile->name
      << (c.exact ? "" : " (closest match)") << (c.error.empty() ? "" : " — " + c.error) << '\n';
  if (verbose)
    for (const auto& f : c.findings)
      out << "  " << f << '\n';
  return c.profile;
}

driver::KernelFactory kernel_backend(bool live) {
  if (!live) return nullptr;
  return [] { return std::make_unique<live::LiveBackend>(); };
}

std::string kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

const char* const kKernelFromHelp =
    "Replay the real kernel's answers recorded by `check --save-kernel FILE` instead of asking "
    "this kernel: the same answers and the same order of rbr (the kernel keys it by struct file "
    "address, which changes from run to run) every time, on any machine";

std::optional<RecordedKernel> recorded_kernel(const std::string& file,
                                              const sim::KernelProfile* asked,
                                              const std::string& scenario) {
  using sim::script::printable;
  auto read = driver::read_kernel_recording(file);
  if (auto* e = std::get_if<std::string>(&read)) {
    std::cerr << "epollscope: " << printable(*e) << '\n';
    return std::nullopt;
  }
  auto rec = std::make_shared<const driver::KernelRecording>(
      std::get<driver::KernelRecording>(std::move(read)));
  RecordedKernel k;
  k.profile = asked ? asked : sim::KernelProfile::by_name(rec->profile);
  k.origin = rec->origin();
  k.factory = [rec] { return std::make_unique<driver::ReplayBackend>(rec); };
  if (!scenario.empty()) {
    auto loaded = driver::load_scenario(scenario);
    // A scenario that does not parse is its reader's to report (the window shows the error).
    if (auto* sc = std::get_if<sim::script::Scenario>(&loaded)) {
      // Whether the kernel is asked at all is the driver's to decide (a scenario about another
      // kernel, or with a call during ep_send_events, runs on the model alone).
      driver::RunOptions ro;
      ro.profile = k.profile;
      ro.kernel = k.factory;
      ro.record = false;
      const driver::ScenarioRun probe(*sc, ro);
      if (std::string why = driver::unrecorded(*rec, *sc); probe.kernel_asked() && !why.empty()) {
        std::cerr << "epollscope: " << printable(why) << '\n';
        return std::nullopt;
      }
    }
  }
  return k;
}

std::string scenario_library() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("EPOLLSCOPE_SCENARIOS")) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path dir = exe.parent_path().parent_path() / "share" / "epollscope" / "scenarios";
  if (!ec && fs::is_directory(dir, ec)) return dir.lexically_normal().string();
  std::cerr
      << "epollscope: the scenario library was not found in " << dir.string()
      << " (it is installed there with the program); set EPOLLSCOPE_SCENARIOS to its folder\n";
  return {};
}

std::string pipe_example() {
  const std::string dir = scenario_library();
  return dir.empty() ? std::string() : dir + "/01-pipe-2k-1k-et.scn";
}

}  // namespace epollscope::cli
