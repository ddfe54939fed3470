// SPDX-License-Identifier: GPL-2.0-only
// cli/cli.h — the front door: the `epollscope` executable is main.cpp and one thin file per
// subcommand (cmd_*.cpp). Each file adds its subcommand, with its options and help, to the CLI11
// app; when the user chose it, it sets the action that main runs after parsing. The work itself
// lives in the rooms (driver/, live/, fuzz/, bench/, gui/); these files only translate options.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "driver/driver.h"
#include "sim/profile.h"
#include "trace/feed.h"
#include "trace/live.h"

namespace epollscope::cli {

// What the chosen subcommand does; returns the exit status.
using Action = std::function<int()>;

void add_walkthrough(CLI::App& app, Action& action);
void add_run(CLI::App& app, Action& action);
void add_quiz(CLI::App& app, Action& action);
void add_lessons(CLI::App& app, Action& action);
void add_check(CLI::App& app, Action& action);
void add_export_c(CLI::App& app, Action& action);
void add_fuzz(CLI::App& app, Action& action);
void add_profiles(CLI::App& app, Action& action);
// `trace` (a real program mirrored in the model) and `serve` (the seed's echo server, traced).
void add_trace(CLI::App& app, Action& action);
void add_bench(CLI::App& app, Action& action);  // bench model, and bench gui (add_bench_gui)
// The window: `gui`, `screenshot` (cmd_gui.cpp; in a build without the window cmd_no_gui.cpp adds
// them with a message that says so), `bench gui`, and the main job without a subcommand.
void add_gui(CLI::App& app, Action& action);
void add_bench_gui(CLI::App& bench, Action& action);
// `export-video` (cmd_export_video.cpp; cmd_no_gui.cpp says it needs the window).
void add_export_video(CLI::App& app, Action& action);
// The window on a live trace (`trace --gui`, `serve`; cmd_gui.cpp, or cmd_no_gui.cpp in a build
// without the window). window_possible: a display is reachable and the window is built.
bool window_possible();
// Starts `live` (false with *error when the program did not start), opens the window (false
// with *error and *opened false when it cannot: no display, no window in this build; the trace is
// then ended), and shows `feed` until the window is closed — which stops the trace as Ctrl-C
// does — or the trace was interrupted (Ctrl-C in the terminal). Returns with the trace over.
bool follow_trace_in_window(trace::LiveTrace& live, const trace::Feed& feed, std::string* error,
                            bool* opened);
// Without a subcommand: the window on the pipe example, ET beside LT, or, without a display (or a
// window), the terminal walk-through of the same example.
Action main_job();

// `epollscope run FILE`: the terminal replay of one scenario (cmd_run.cpp).
struct ReplayOptions {
  std::string path;
  const sim::KernelProfile* profile = nullptr;  // nullptr: calibrated (or the default without live)
  bool live = true;                             // also ask this machine's kernel
  std::string kernel_from;    // instead, replay the kernel's answers recorded in this file
  bool show_steps = true;     // the kernel functions inside each statement
  bool show_state = true;     // the state after each statement
  bool changed_only = false;  // of the state, only the objects the statement changed
  int width = 100;            // columns every line fits in (a word longer than that excepted)
  bool color = false;         // ANSI colours (cli/term.h's palette)
};
// Prints the replay on `out` (errors on stderr); 0 when everything agreed and every expectation
// held, 1 otherwise, 2 when the file cannot be read or parsed or the kernel cannot be asked.
int run_replay(std::ostream& out, const ReplayOptions& options);

// `epollscope quiz FILE`: predict, then reveal (cmd_quiz.cpp).
struct QuizOptions {
  std::string path;
  const sim::KernelProfile* profile = nullptr;  // nullptr: calibrated (or the default without live)
  bool live = true;                             // the kernel's answers (the model's when it cannot)
  int width = 100;                              // columns the narration is wrapped to
  bool color = false;                           // ANSI colours (cli/term.h's palette)
  bool notation = true;                         // say first how answers are written
};
// Asks the scenario's questions on `out`, reading the answers from `in`; prints `score: K of N`
// last. 0 when the quiz ran (to its end or to the end of the input); 1 when 20 answers in a row
// could not be read, or a statement could not run; 2 when the file cannot be read or parsed or
// has no question.
struct QuizScore {
  std::size_t right = 0;
  std::size_t asked = 0;      // questions answered
  std::size_t questions = 0;  // question points of the scenario
  bool input_ended = false;   // the input ended before the last question
};
// How many questions a quiz of this scenario asks: its `?=>` lines, or every epoll_wait.
std::size_t question_points(const sim::script::Scenario& scenario);
int run_quiz(std::istream& in, std::ostream& out, const QuizOptions& options,
             QuizScore* score = nullptr);

// `epollscope lessons [N]` (cmd_lessons.cpp): the course's list with each lesson's last score, or
// lesson N taken in the terminal — its introduction, what to watch, its scenarios as quizzes, its
// summary — with the score kept in `progress` (created with its folder when missing).
struct LessonOptions {
  int number = 0;         // 0: list the course
  std::string lessons;    // the course's folder
  std::string scenarios;  // the scenario library
  std::string progress;   // the progress file
  bool live = true;
  int width = 100;
  bool color = false;
};
int run_lessons(std::istream& in, std::ostream& out, const LessonOptions& options);
// The course (share/epollscope/lessons beside the program, or $EPOLLSCOPE_LESSONS); empty with a
// message on stderr when it is not found.
std::string lesson_library(bool say_if_missing = true);
// Where progress is kept: $XDG_DATA_HOME/epollscope/progress.txt, else
// $HOME/.local/share/epollscope/progress.txt (empty when neither is set).
std::string progress_file();

struct WalkthroughOptions {
  const sim::KernelProfile* profile = &sim::KernelProfile::default_profile();
  bool live = true;        // also ask this machine's kernel (the model alone if it cannot be)
  bool show_steps = true;  // the kernel functions inside each statement
  bool show_state = true;  // the state after each statement, ET beside LT
  int width = 120;         // terminal columns
  bool color = false;      // ANSI colours (cli/term.h's palette)
  std::string scenario;    // empty: the library's pipe example
};
// Prints the walk-through; 0 when the replay showed the example's lesson with no divergence.
int run_walkthrough(std::ostream& out, const WalkthroughOptions& options);
// The main job in the terminal: says `why` on stderr, then the walk-through on stdout.
int terminal_main_job(const std::string& why);

// --- shared by the subcommands (common.cpp) ---------------------------------------------------
// SIGINT, SIGTERM and SIGHUP end epollscope cleanly: a line on stderr, every child it started (the
// live child, the fuzzer's workers) killed and reaped, exit status 128 + the signal (130, 143,
// 129). A signal ignored when epollscope started (nohup, a background job of a non-interactive
// shell) stays ignored. Called once by main, before any child is started.
void exit_cleanly_on_signals();
// The width the terminal replays lay out for: $COLUMNS, else the terminal's width when stdout is
// a terminal, else 100 (cli/term.h, choose_width).
int terminal_width();
// sim::render_steps of steps [from, to) with each sentence in the chosen language
// (driver::translate_step).
std::vector<std::string> render_steps_in_language(const std::vector<sim::TraceStep>& steps,
                                                  std::size_t from, std::size_t to,
                                                  std::size_t width);
// The profile of that name, or nullptr after printing the known ones on stderr.
const sim::KernelProfile* find_profile(const std::string& name);
// The profile to model: the one asked for, or the one the calibration probe finds on this kernel
// (said on `out`, with the probes' findings when `verbose`).
const sim::KernelProfile* choose_profile(const sim::KernelProfile* asked, bool live,
                                         std::ostream& out, bool verbose);
// Makes the real kernel's backend (the live child) for a run, or nothing when `live` is false.
driver::KernelFactory kernel_backend(bool live);
// This kernel's release (`uname -r`), "unknown" when it cannot be told.
std::string kernel_release();
// `--kernel-from FILE` (driver/kernel_recording.h): a recorded kernel in place of the real one.
struct RecordedKernel {
  driver::KernelFactory factory;  // replays the recording; asks the real kernel nothing
  const sim::KernelProfile* profile = nullptr;  // the one asked for, else the recording's
  std::string origin;                           // "recorded on Linux 6.1.0-18-amd64 (RUN.txt)"
};
// Reads the recording; when `scenario` is given (and parses), also refuses a recording that holds
// no run of its text. Empty after saying why on stderr.
std::optional<RecordedKernel> recorded_kernel(const std::string& file,
                                              const sim::KernelProfile* asked,
                                              const std::string& scenario = {});
// The help text of --kernel-from and --save-kernel.
extern const char* const kKernelFromHelp;
// The scenario library (share/epollscope/scenarios beside the program, or $EPOLLSCOPE_SCENARIOS),
// and the pipe 2 KB / 1 KB example in it; empty with a message on stderr when it is not found.
std::string scenario_library();
std::string pipe_example();

// --- writing what a subcommand makes (output.cpp) ---------------------------------------------
// Is `output` standard output ("-" or empty)?
bool is_stdout(const std::string& output);
// Why `output` must not be written: it is the file `input` itself, compared by device and inode
// (a hard link, a symlink or another spelling of the path is the same file; for standard output,
// the file it is redirected to). Empty when it may be written.
std::string overwrites_input(const std::string& input, const std::string& output);
// Writes all of `data` to `output` (a file, created or truncated, or standard output) and closes
// it, checking every write and the close. On failure: false, *error says why (strerror), and a
// file it created is removed.
bool write_output(const std::string& output, std::string_view data, std::string* error);

}  // namespace epollscope::cli
