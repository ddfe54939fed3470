// SPDX-License-Identifier: GPL-2.0-only
// cli/ffmpeg.h — the `ffmpeg` command (Debian's ffmpeg package) as the encoder of export-video:
// raw RGBA frames written on a pipe, no shell in between, its messages kept in memory and shown
// when it fails, and never left running (killed and reaped on every way out).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace epollscope::cli {

// The executable `name` in $PATH; empty when there is none.
std::string find_in_path(const std::string& name);

// The ffmpeg arguments after the frames' input that make a GIF's palette (palettegen: the 256
// colours that best cover the frames given) as the PNG `palette`.
std::vector<std::string> ffmpeg_palette_args(const std::string& palette);
// The ffmpeg arguments after the frames' input that encode `format` into `output`: "gif" with the
// palette made before (text stays sharp), "mp4" H.264, "webm" VP9.
std::vector<std::string> ffmpeg_output_args(const std::string& format, const std::string& output,
                                            const std::string& palette = {});

class FfmpegEncoder {
 public:
  // Starts `ffmpeg` reading frames of width x height RGBA pixels, `fps` a second, from a pipe, and
  // encoding them with `output_args`. False with *error when it cannot be started.
  bool start(const std::string& ffmpeg, int width, int height, int fps,
             const std::vector<std::string>& output_args, std::string* error);
  // One frame (width * height * 4 bytes). False with *error when ffmpeg is gone (its messages are
  // then in the error) or when `interrupted` says so while a write waits.
  bool write_frame(const uint8_t* pixels, std::size_t size, volatile const int* interrupted,
                   std::string* error);
  // Ends the input and waits for ffmpeg; false with *error (its exit and its messages) when it
  // failed, or when `interrupted` says so while waiting (it is killed then).
  bool finish(volatile const int* interrupted, std::string* error);
  // Kills and reaps ffmpeg if it is still running.
  void kill();
  ~FfmpegEncoder();

 private:
  // What ffmpeg said (its stderr), the last lines.
  std::string messages() const;
  std::string failure(int status) const;
  pid_t pid_ = -1;
  int frames_fd_ = -1;    // the pipe's write end
  int messages_fd_ = -1;  // a memfd holding ffmpeg's stdout and stderr
};

}  // namespace epollscope::cli
