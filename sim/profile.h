// SPDX-License-Identifier: GPL-2.0-only
// sim/profile.h — behaviour that changed across kernel versions, as named profiles.
//
// Code asks the profile ("does a pipe write wake readers when the pipe was not empty?") instead of
// comparing version numbers, so every version-dependent branch of the model is listed here, with
// the upstream commit that changed it (docs/kernel-notes.md, C0.1 and C3.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace epollscope::sim {

// When does pipe_write() wake the readers' queue (rd_wait)?
enum class PipeWriteWake {
  kWasEmpty,             // 5.5 … 5.13: only if the pipe was empty when the write started
  kWasEmptyOrPollUsage,  // 5.15+ (3b844826b6c6): also whenever the pipe was ever polled
};

// When does pipe_read() wake the writers' queue (wr_wait)?
enum class PipeReadWakeWriter {
  kFullAtStart,         // 5.5 … 6.13: if the pipe was full when the read started
  kSlotFreedWhileFull,  // 6.14+ (aaec5a95d596): only if a slot is freed while the pipe is full
};

// How far ep_loop_check() looks when an epoll is added to another.
enum class LoopCheckDepth {
  kDownwardOnly,    // before 6.17: only the depth below the added epoll
  kBothDirections,  // 6.17+ (f2e467a48287): below the added epoll plus above the target epoll
};

struct KernelProfile {
  std::string name;         // "6.18"
  std::string description;  // one line for --help and the GUI
  PipeWriteWake pipe_write_wake = PipeWriteWake::kWasEmptyOrPollUsage;
  PipeReadWakeWriter pipe_read_wake_writer = PipeReadWakeWriter::kSlotFreedWhileFull;
  LoopCheckDepth loop_check = LoopCheckDepth::kBothDirections;
  // EPOLLWAKEUP survives epoll_ctl only with CONFIG_PM_SLEEP and CAP_BLOCK_SUSPEND; this machine's
  // kernel has no CONFIG_PM_SLEEP, so the bit is always removed.
  bool keeps_epollwakeup = false;
  // Facts of the machine rather than the version, which the live calibration measures
  // (live/calibrate.cpp) and hands to the model; the defaults are this project's machines'.
  // pipe2(O_NOTIFICATION_PIPE): ENOPKG without CONFIG_WATCH_QUEUE; 0: notification pipes exist
  // (the model does not model them: it makes an ordinary pipe).
  int notification_pipe_errno = 65;  // ENOPKG
  // F_SETPIPE_SZ: fs.pipe-max-size, and whether the process may go beyond it (CAP_SYS_RESOURCE;
  // a container's root may lack it).
  unsigned pipe_max_size = 1048576;
  bool pipe_resize_capable = false;

  // The profile of Linux 6.18, the kernel of the project's machines.
  static const KernelProfile& default_profile();
  static const KernelProfile* by_name(std::string_view name);
  static const std::vector<KernelProfile>& all();
};

}  // namespace epollscope::sim
