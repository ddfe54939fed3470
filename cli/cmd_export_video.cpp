// SPDX-License-Identifier: GPL-2.0-only
// cli/cmd_export_video.cpp — `export-video FILE -o OUT.gif|OUT.mp4|OUT.webm` and
// `--png-sequence DIR`: the window's animation of a range of lines, rendered offscreen as
// `screenshot` renders (built with the window; it needs a display, Xvfb will do), frame k at the
// virtual time k / fps (gui/app/video_plan.h), so that the same input gives the same frames.
// Videos are encoded by Debian's `ffmpeg` command (cli/ffmpeg.h); frames are PNGs written here.
// Nothing is left behind on failure or Ctrl-C: the video is written to a temporary file beside
// OUT and renamed at the end, PNG frames are removed, ffmpeg is killed and reaped.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/cmd_gui.h"
#include "cli/ffmpeg.h"
#include "driver/i18n.h"
#include "gui/app/video_plan.h"
#include "gui/ui/window.h"
#include "sim/script/user_text.h"
#include "sim/strings.h"

namespace epollscope::cli {
namespace {

using sim::script::printable;

struct ExportOptions {
  std::string path;
  std::string output;        // OUT.gif, OUT.mp4 or OUT.webm
  std::string png_sequence;  // or a folder of PNG frames
  int from_line = 0;         // 0: the first line
  int to_line = 0;           // 0: the last line
  bool compare = false;
  bool light = false;
  bool no_live = false;
  std::string kernel_from;
  std::string scale;      // empty: $EPOLLSCOPE_SCALE, else 1
  std::string text_size;  // percent (as View > Text size); empty: 100
  int width = 1280;
  int height = 720;
  int fps = 0;  // 0: 10 for GIF and PNG frames, 30 for MP4 and WebM
  double hold = 1;
  double line_hold = 2;
};

// The stop signals set this instead of ending epollscope at once (cli/common.cpp's handler), so
// that the export removes what it wrote and kills ffmpeg before it exits.
volatile int g_stop_signal = 0;

extern "C" void on_export_stop(int sig) {
  g_stop_signal = sig;
}

void catch_stop_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = on_export_stop;  // no SA_RESTART: a write to ffmpeg returns EINTR
    sigfillset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
  signal(SIGPIPE, SIG_IGN);  // ffmpeg gone: EPIPE, and its messages are shown
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& ch : ext)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext;
}

int count_lines(const std::string& path) {
  std::ifstream in(path);
  int lines = 0;
  std::string line;
  while (std::getline(in, line))
    ++lines;
  return lines;
}

bool empty_directory(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  bool empty = true;
  while (dirent* e = readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
  closedir(d);
  return empty;
}

// Why PNG frames cannot go into `dir`; empty when they can: a new folder, or an empty one.
std::string frames_folder_problem(const std::string& dir) {
  struct stat st = {};
  if (stat(dir.c_str(), &st) != 0) return {};
  if (!S_ISDIR(st.st_mode))
    return printable(dir) +
           " is not a folder (--png-sequence writes frame-00000.png, ... into a "
           "folder)";
  if (!empty_directory(dir))
    return printable(dir) +
           " is not empty; --png-sequence writes into a new or empty folder, so "
           "that no older frame is mixed in";
  if (access(dir.c_str(), W_OK) != 0)
    return "cannot write into " + printable(dir) + ": " + std::strerror(errno);
  return {};
}

// What the export writes, and how it is undone when it does not finish.
class Output {
 public:
  ~Output() { discard(); }
  // A video: a temporary file in OUT's folder (so that the rename is atomic), ffmpeg writes it.
  bool open_video(const std::string& out, std::string* error) {
    video_ = out;
    const std::filesystem::path p(out);
    std::string pattern = (p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path()) /
                          ("." + p.filename().string() + ".epollscope-XXXXXX");
    const int fd = mkstemp(pattern.data());
    if (fd < 0) {
      *error = "cannot write " + printable(out) + ": " + std::strerror(errno);
      return false;
    }
    // mkstemp makes it 0600: the video gets the mode a new file gets.
    const mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    close(fd);
    temporary_ = pattern;
    return true;
  }
  // PNG frames: the folder is made when missing (frames_folder_problem said it may be written).
  bool open_frames(const std::string& dir, std::string* error) {
    frames_dir_ = dir;
    if (access(dir.c_str(), F_OK) == 0) return true;
    if (mkdir(dir.c_str(), 0777) != 0) {
      *error = "cannot make the folder " + printable(dir) + ": " + std::strerror(errno);
      frames_dir_.clear();
      return false;
    }
    made_dir_ = true;
    return true;
  }
  const std::string& temporary() const { return temporary_; }
  // A GIF's palette, beside the temporary video; removed at the end either way.
  std::string palette() {
    palette_ = temporary_ + ".palette.png";
    return palette_;
  }
  std::string frame_path(std::size_t k) const {
    char name[32];
    std::snprintf(name, sizeof name, "/frame-%05zu.png", k);
    return frames_dir_ + name;
  }
  void wrote_frame() { ++frames_; }
  // Keeps what was written.
  bool commit(std::string* error) {
    if (!palette_.empty()) unlink(palette_.c_str());
    palette_.clear();
    if (!temporary_.empty()) {
      if (std::rename(temporary_.c_str(), video_.c_str()) != 0) {
        *error = "cannot write " + printable(video_) + ": " + std::strerror(errno);
        return false;
      }
      temporary_.clear();
    }
    frames_dir_.clear();
    return true;
  }
  void discard() {
    if (!palette_.empty()) unlink(palette_.c_str());
    palette_.clear();
    if (!temporary_.empty()) unlink(temporary_.c_str());
    temporary_.clear();
    if (frames_dir_.empty()) return;
    for (std::size_t k = 0; k <= frames_; ++k)
      unlink(frame_path(k).c_str());
    if (made_dir_) rmdir(frames_dir_.c_str());
    frames_dir_.clear();
  }

 private:
  std::string video_, temporary_, palette_;
  std::string frames_dir_;
  bool made_dir_ = false;
  std::size_t frames_ = 0;
};

// Progress on stderr: one line rewritten on a terminal, else a line every tenth.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO)) {}
  void frame(std::size_t done) {
    if (tty_) {
      if (done == total_ || done % 5 == 0)
        std::cerr << "\r" << driver::trf("export-video: frame {} of {}", done, total_)
                  << std::flush;
      if (done == total_) std::cerr << '\n';
    } else if (done == total_ || done * 10 / total_ != (done - 1) * 10 / total_) {
      std::cerr << driver::trf("export-video: frame {} of {}", done, total_) << '\n';
    }
  }
  void interrupt() {
    if (tty_) std::cerr << '\n';
  }

 private:
  std::size_t total_;
  bool tty_;
};

// A GIF's palette: ffmpeg's palettegen given the picture at rest on the opening state and after
// each move (the transitions' frames are mixtures of the same colours). Rendered at virtual times
// of their own, before the video's; false with *error when ffmpeg failed or the user interrupted.
bool make_palette(app::Controller& c, ui::Window& window, const app::VideoPlan& plan,
                  const std::string& ffmpeg, const std::string& palette, std::string* error) {
  FfmpegEncoder palettegen;
  double t = -1000;
  for (std::size_t i = 0; i <= plan.moves.size(); ++i, t += 10) {
    if (g_stop_signal) return false;
    c.update(t);
    c.dispatch(
        app::Command{app::Command::Kind::kSeek, i == 0 ? plan.start_tick : plan.moves[i - 1].tick});
    for (int settle = 0; settle < (i == 0 ? 3 : 1); ++settle)
      window.frame_at(c, t + 5 + 0.1 * settle, true);
    int w = 0, h = 0;
    const auto& pixels = window.pixels(&w, &h);
    if (i == 0 && !palettegen.start(ffmpeg, w, h, 1, ffmpeg_palette_args(palette), error))
      return false;
    if (!palettegen.write_frame(pixels.data(), pixels.size(), &g_stop_signal, error)) return false;
  }
  return palettegen.finish(&g_stop_signal, error);
}

int export_video(ExportOptions o) {
  // --- what to make ---
  std::string format;
  if (o.png_sequence.empty() == o.output.empty()) {
    std::cerr << "epollscope: export-video needs -o OUT.gif|OUT.mp4|OUT.webm or --png-sequence "
                 "DIR (one of them)\n";
    return 2;
  }
  if (!o.output.empty()) {
    struct stat st = {};
    if (stat(o.output.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      std::cerr << "epollscope: -o " << printable(o.output)
                << " is a folder; for PNG frames use --png-sequence DIR\n";
      return 2;
    }
    const std::string ext = lower_extension(o.output);
    if (ext != ".gif" && ext != ".mp4" && ext != ".webm") {
      std::cerr << "epollscope: -o " << printable(o.output) << ": "
                << (ext.empty() ? std::string("no extension")
                                : "unknown extension '" + printable(ext) + "'")
                << "; export-video writes OUT.gif, OUT.mp4 or OUT.webm (or PNG frames with "
                   "--png-sequence DIR)\n";
      return 2;
    }
    format = ext.substr(1);
    if (const std::string why = overwrites_input(o.path, o.output); !why.empty()) {
      std::cerr << "epollscope: " << why << '\n';
      return 2;
    }
  } else if (const std::string why = frames_folder_problem(o.png_sequence); !why.empty()) {
    std::cerr << "epollscope: --png-sequence: " << why << '\n';
    return 2;
  }
  if (o.fps == 0) o.fps = format == "mp4" || format == "webm" ? 30 : 10;

  // --- the scenario and the lines ---
  ui::WindowOptions wo;
  wo.width = o.width;
  wo.height = o.height;
  wo.visible = false;
  if (!choose_scale(o.scale, 1, &wo.scale) || !choose_text_size(o.text_size, &wo.text_size))
    return 2;
  wo.theme = o.light ? ui::ThemeKind::kLight : ui::ThemeKind::kDark;
  auto options = controller_options(!o.no_live, o.kernel_from, o.path);
  if (!options) return 2;
  app::Controller c(*options);
  if (!open_scenario(c, o.path, o.compare)) return 2;
  const int lines = count_lines(o.path);
  const int from = o.from_line > 0 ? o.from_line : 1;
  const int to = o.to_line > 0 ? o.to_line : lines;
  for (const auto& [name, line] : {std::pair{"--from-line", o.from_line}, {"--to-line", o.to_line}})
    if (line > lines) {
      std::cerr << "epollscope: " << name << ' ' << line << " is beyond the end of "
                << printable(o.path) << ", which has " << lines << " lines\n";
      return 2;
    }
  if (from > to) {
    std::cerr << "epollscope: --from-line " << from << " is after --to-line " << to << '\n';
    return 2;
  }
  // The timeline's statements, with their lines (in compare mode a side that stopped early has
  // fewer: the other side's line then).
  const app::Timeline& timeline = c.timeline();
  auto line_of = [&](std::size_t s) {
    const auto& left = c.left()->statements();
    if (s < left.size()) return left[s].result.statement->loc.line;
    return c.right()->statements()[s].result.statement->loc.line;
  };
  std::size_t first = timeline.statements(), last = 0;
  for (std::size_t s = 0; s < timeline.statements(); ++s)
    if (line_of(s) >= from && line_of(s) <= to) {
      first = std::min(first, s);
      last = s;
    }
  if (first == timeline.statements()) {
    std::cerr << "epollscope: lines " << from << " to " << to << " of " << printable(o.path)
              << " hold no statement that the run reached\n";
    return 2;
  }
  app::VideoTiming timing;
  timing.fps = o.fps;
  timing.hold = o.hold;
  timing.line_hold = o.line_hold;
  timing.transition = ui::UiState{}.animation_seconds;
  const app::VideoPlan plan = app::plan_video(timeline, first, last, timing);
  constexpr std::size_t kMaxFrames = 100000;  // the frames' names have five digits
  if (plan.total_frames > kMaxFrames) {
    std::cerr << "epollscope: that is " << plan.total_frames << " frames, more than " << kMaxFrames
              << "; export fewer lines, or lower --fps, --hold or --line-hold\n";
    return 2;
  }

  // --- the encoder ---
  std::string ffmpeg;
  if (!format.empty()) {
    ffmpeg = find_in_path("ffmpeg");
    if (ffmpeg.empty()) {
      std::cerr << "epollscope: export-video encodes with the ffmpeg command, which is not in "
                   "PATH: install Debian's ffmpeg package (apt-get install ffmpeg), or write PNG "
                   "frames with --png-sequence DIR\n";
      return 1;
    }
  }

  // --- the window ---
  const std::string library = scenario_library();
  std::string error;
  auto open_window = [&] {
    auto w = ui::Window::open(wo, &error);
    if (w) {
      w->ui().animate = true;
      w->ui().scenario_dir = library;
    }
    return w;
  };
  auto window = open_window();
  if (!window) {
    std::cerr << "epollscope: cannot render: " << error
              << " (export-video draws the window offscreen: run it under xvfb-run -a)\n";
    return 1;
  }

  catch_stop_signals();  // from here on, a stop signal removes what was written
  Output out;
  if (!(format.empty() ? out.open_frames(o.png_sequence, &error)
                       : out.open_video(o.output, &error))) {
    std::cerr << "epollscope: " << error << '\n';
    return 1;
  }

  FfmpegEncoder encoder;
  Progress progress(plan.total_frames);
  std::string palette;
  if (format == "gif") {
    if (!make_palette(c, *window, plan, ffmpeg, out.palette(), &error)) {
      out.discard();
      if (g_stop_signal) {
        std::cerr << "epollscope: interrupted (" << signal_name(g_stop_signal)
                  << "); nothing was written\n";
        return 128 + g_stop_signal;
      }
      std::cerr << "epollscope: cannot make the GIF's palette: " << error
                << "; nothing was written\n";
      return 1;
    }
    palette = out.palette();
    // The video's frames in a window of their own, as the other formats' are: the palette's
    // frames moved the script's and the kernel column's scrolling.
    window.reset();
    if (!(window = open_window())) {
      std::cerr << "epollscope: cannot render: " << error << "; nothing was written\n";
      return 1;
    }
  }
  // The opening state, long at rest before the first frame, then the layout settled.
  c.update(-100);
  c.dispatch(app::Command{app::Command::Kind::kSeek, plan.start_tick});
  for (int i = 0; i < 3; ++i)
    window->frame_at(c, -100 + 0.1 * i);
  auto next_move = plan.moves.begin();
  int width = 0, height = 0;
  auto fail = [&](const std::string& why) {
    encoder.kill();
    out.discard();
    if (g_stop_signal) {
      progress.interrupt();
      std::cerr << "epollscope: interrupted (" << signal_name(g_stop_signal)
                << "); nothing was written\n";
      return 128 + g_stop_signal;
    }
    std::cerr << "epollscope: " << why << "; nothing was written\n";
    return 1;
  };
  for (std::size_t k = 0; k < plan.total_frames; ++k) {
    if (g_stop_signal) return fail("interrupted");
    const double t = static_cast<double>(k) / o.fps;
    if (next_move != plan.moves.end() && next_move->first_frame == k) {
      c.update(t);
      c.dispatch(app::Command{app::Command::Kind::kSeek, next_move->tick});
      ++next_move;
    }
    window->frame_at(c, t, true);
    int w = 0, h = 0;
    const auto& pixels = window->pixels(&w, &h);
    if (k == 0) {
      width = w;
      height = h;
      if (!format.empty() &&
          !encoder.start(ffmpeg, w, h, o.fps, ffmpeg_output_args(format, out.temporary(), palette),
                         &error))
        return fail(error);
    } else if (w != width || h != height) {
      return fail(sim::cat("the window changed size from ", width, "x", height, " to ", w, "x", h,
                           " while rendering"));
    }
    if (format.empty()) {
      errno = 0;
      out.wrote_frame();
      if (!window->save_png(out.frame_path(k)))
        return fail("cannot write " + printable(out.frame_path(k)) + ": " +
                    (errno ? std::strerror(errno) : "no frame was rendered"));
    } else if (!encoder.write_frame(pixels.data(), pixels.size(), &g_stop_signal, &error)) {
      return fail(error);
    }
    progress.frame(k + 1);
  }
  if (!format.empty() && !encoder.finish(&g_stop_signal, &error)) return fail(error);
  if (g_stop_signal) return fail("interrupted");
  if (!out.commit(&error)) return fail(error);
  std::cout << driver::trf("wrote {} ({} frames, {}x{}, {} fps, lines {} to {}, {} steps)",
                           format.empty() ? o.png_sequence + "/frame-*.png" : o.output,
                           plan.total_frames, width, height, o.fps, line_of(first), line_of(last),
                           plan.moves.size())
            << '\n';
  return 0;
}

}  // namespace

void add_export_video(CLI::App& app, Action& action) {
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export-video",
      "The window's animation of a range of lines as a GIF, MP4 or WebM (encoded by ffmpeg) or "
      "as numbered PNG frames, for slides; rendered offscreen (needs a display: xvfb-run -a)");
  cmd->add_option("FILE", o->path, "Scenario file (*.scn)")->required();
  auto* out = cmd->add_option("-o,--output", o->output,
                              "OUT.gif, OUT.mp4 or OUT.webm (never the scenario file itself)");
  cmd->add_option("--png-sequence", o->png_sequence,
                  "Instead of -o: PNG frames DIR/frame-00000.png, frame-00001.png, ... (frame k "
                  "at k / fps seconds) in a new or empty folder")
      ->type_name("DIR")
      ->excludes(out);
  cmd->add_option("--from-line", o->from_line,
                  "First line to animate (default 1): the video opens on the state before it")
      ->check(whole_number_from(1));
  cmd->add_option("--to-line", o->to_line, "Last line to animate (default: the last)")
      ->check(whole_number_from(1));
  cmd->add_flag("--compare", o->compare, "ET beside LT (two models in lockstep)");
  cmd->add_option("--width", o->width, "Width in pixels (default 1280)")
      ->check(CLI::Range(320, 3840));
  cmd->add_option("--height", o->height, "Height in pixels (default 720)")
      ->check(CLI::Range(240, 2160));
  cmd->add_option("--scale", o->scale,
                  "UI scale, 0.5 to 4 (2 for a projector; default: $EPOLLSCOPE_SCALE, else 1)")
      ->type_name("SCALE");
  cmd->add_option("--fps", o->fps, "Frames per second (default 10 for GIF and PNG, 30 for video)")
      ->check(CLI::Range(1, 60));
  cmd->add_option("--hold", o->hold,
                  "Seconds at rest after each kernel-function step, after its animation "
                  "(default 1)")
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--line-hold", o->line_hold,
                  "Seconds at rest after a line's last step (its result) and on the opening "
                  "state (default 2)")
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--text-size", o->text_size,
                  "Text size in percent, 50 to 300 (as View > Text size; 150 or 200 for a slide "
                  "shown in a lecture hall; default 100)")
      ->type_name("PCT");
  cmd->add_flag("--light", o->light, "Light theme");
  auto* no_live = cmd->add_flag("--no-live", o->no_live, "Do not ask the real kernel");
  cmd->add_option("--kernel-from", o->kernel_from, kKernelFromHelp)
      ->type_name("FILE")
      ->excludes(no_live);
  cmd->callback([&action, o] { action = [o] { return export_video(*o); }; });
}

}  // namespace epollscope::cli
