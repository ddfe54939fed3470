// SPDX-License-Identifier: GPL-2.0-only
// cli/ffmpeg.cpp — ffmpeg fed raw frames on a pipe (see ffmpeg.h).
//
// The child is made with fork and exec (no shell, so no word of a path is interpreted), with
//   fd 0: /dev/null (ffmpeg reads keys from stdin otherwise),
//   fd 1, 2: a memfd, read back when ffmpeg fails: a pipe could fill up while we write frames,
//   fd 3: the read end of the frames' pipe (`-i pipe:3`),
// every other fd closed, and SIGKILL asked for when epollscope dies (live/child_guard.h); its pid
// is in the child guard's table, so SIGINT's cleanup (cli/common.cpp) kills it too.
#include "cli/ffmpeg.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "live/child_guard.h"
#include "sim/strings.h"

namespace epollscope::cli {

std::string find_in_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;  // the current directory is never searched
    const std::string candidate = dir + "/" + name;
    struct stat st = {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return {};
}

std::vector<std::string> ffmpeg_palette_args(const std::string& palette) {
  return {"-vf",       "palettegen=max_colors=256:reserve_transparent=0:stats_mode=full",
          "-frames:v", "1",
          "-update",   "1",
          "-f",        "image2",
          "-c:v",      "png",
          palette};
}

std::vector<std::string> ffmpeg_output_args(const std::string& format, const std::string& output,
                                            const std::string& palette) {
  if (format == "gif")
    // One palette for the whole video (palettegen's, from the pictures at rest), so that the GIF
    // encoder stores only the rectangle that changed from one frame to the next; no dithering:
    // flat panels and sharp glyphs, no noise.
    return {"-i",    palette, "-lavfi", "[0:v][1:v]paletteuse=dither=none:diff_mode=rectangle",
            "-loop", "0",     "-f",     "gif",
            output};
  // H.264 and VP9 want an even size (4:2:0): an odd last column or row is left out.
  const std::string even = "crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0,format=yuv420p";
  if (format == "mp4")
    return {"-vf",   even,        "-c:v",      "libx264",    "-preset", "medium", "-crf", "20",
            "-tune", "animation", "-movflags", "+faststart", "-f",      "mp4",    output};
  // VP9 in libvpx's realtime mode: 20 times faster than "good" at cpu-used 4 here (2 cores), the
  // text as readable, the file half as big again.
  return {"-vf",      even,        "-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0",   "-deadline",
          "realtime", "-cpu-used", "8",    "-row-mt",    "1",    "-f", "webm", output};
}

namespace {

// An fd at 10 or above (so that the child's dup2s onto 0 to 3 overwrite none of them),
// close-on-exec.
int high_fd(int fd) {
  if (fd < 0) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return moved;
}

}  // namespace

bool FfmpegEncoder::start(const std::string& ffmpeg, int width, int height, int fps,
                          const std::vector<std::string>& output_args, std::string* error) {
  std::vector<std::string> args = {ffmpeg,
                                   "-hide_banner",
                                   "-nostdin",
                                   "-nostats",
                                   "-loglevel",
                                   "error",
                                   "-y",
                                   "-f",
                                   "rawvideo",
                                   "-pix_fmt",
                                   "rgba",
                                   "-video_size",
                                   sim::cat(width, "x", height),
                                   "-framerate",
                                   sim::cat(fps),
                                   "-i",
                                   "pipe:3"};
  args.insert(args.end(), output_args.begin(), output_args.end());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  int frames[2];
  if (pipe2(frames, O_CLOEXEC) != 0) {
    *error = std::string("cannot make a pipe for ffmpeg: ") + std::strerror(errno);
    return false;
  }
  const int read_end = high_fd(frames[0]);
  frames_fd_ = high_fd(frames[1]);
  messages_fd_ = high_fd(memfd_create("ffmpeg-messages", MFD_CLOEXEC));
  const int null_fd = high_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (read_end < 0 || frames_fd_ < 0 || messages_fd_ < 0 || null_fd < 0) {
    *error = std::string("cannot start ffmpeg: ") + std::strerror(errno);
    for (int fd : {read_end, null_fd})
      if (fd >= 0) close(fd);
    return false;
  }
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec: the parent has other threads (the GL
    // driver's).
    live::become_forked_child(parent);
    if (dup2(null_fd, 0) < 0 || dup2(messages_fd_, 1) < 0 || dup2(messages_fd_, 2) < 0 ||
        dup2(read_end, 3) < 0)
      _exit(127);
    close_range(4, ~0U, 0);
    execv(argv[0], argv.data());
    const char text[] = "cannot run ffmpeg\n";
    [[maybe_unused]] ssize_t n = ::write(2, text, sizeof text - 1);
    _exit(127);
  }
  const int fork_errno = errno;
  close(read_end);
  close(null_fd);
  if (pid_ < 0) {
    *error = std::string("cannot start ffmpeg: ") + std::strerror(fork_errno);
    return false;
  }
  live::track_child(pid_);
  return true;
}

bool FfmpegEncoder::write_frame(const uint8_t* pixels, std::size_t size,
                                volatile const int* interrupted, std::string* error) {
  while (size > 0) {
    const ssize_t n = ::write(frames_fd_, pixels, size);
    if (n < 0 && errno == EINTR && !*interrupted) continue;
    if (n <= 0) {
      if (*interrupted) {
        *error = "interrupted";
        return false;
      }
      // EPIPE (SIGPIPE is ignored by the caller): ffmpeg stopped reading, so it has failed.
      close(frames_fd_);
      frames_fd_ = -1;
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      live::untrack_child(pid_);
      pid_ = -1;
      *error = failure(status);
      return false;
    }
    pixels += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool FfmpegEncoder::finish(volatile const int* interrupted, std::string* error) {
  if (frames_fd_ >= 0) close(frames_fd_);
  frames_fd_ = -1;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno == EINTR && !*interrupted) continue;
    *error = *interrupted ? "interrupted" : std::string("waitpid: ") + std::strerror(errno);
    kill();
    return false;
  }
  live::untrack_child(pid_);
  pid_ = -1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  *error = failure(status);
  return false;
}

void FfmpegEncoder::kill() {
  if (frames_fd_ >= 0) close(frames_fd_);
  frames_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    live::untrack_child(pid_);
  }
  pid_ = -1;
}

FfmpegEncoder::~FfmpegEncoder() {
  kill();
  if (messages_fd_ >= 0) close(messages_fd_);
}

std::string FfmpegEncoder::messages() const {
  std::string text;
  char buf[4096];
  off_t at = 0;
  ssize_t n;
  while ((n = pread(messages_fd_, buf, sizeof buf, at)) > 0) {
    text.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  constexpr std::size_t kLast = 2000;  // the end says what went wrong
  if (text.size() > kLast) text = "..." + text.substr(text.size() - kLast);
  return text;
}

std::string FfmpegEncoder::failure(int status) const {
  std::string what = WIFSIGNALED(status)
                         ? sim::cat("ffmpeg was killed by signal ", WTERMSIG(status))
                     : WEXITSTATUS(status) == 127 && messages() == "cannot run ffmpeg"
                         ? std::string("ffmpeg could not be run")
                         : sim::cat("ffmpeg failed (exit status ", WEXITSTATUS(status), ")");
  const std::string said = messages();
  return said.empty() ? what + " and said nothing" : what + ":\n" + said;
}

}  // namespace epollscope::cli
