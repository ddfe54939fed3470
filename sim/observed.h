// SPDX-License-Identifier: GPL-2.0-only
// sim/observed.h — an observed file: a file of a real, traced program that the model cannot
// simulate end to end (a TCP socket whose peer is another program, a timerfd, a tty, a UDP
// socket, an inotify instance), watched on the real kernel by the tracer.
//
// What the model knows of it is what the tracer tells: (a) the file's current poll mask, read
// from the real file, and (b) each wake-up of the file's wait queue, in the order the real kernel
// issued them, with its key. The tracer learns both from its own epoll watching a duplicate of
// the file (pidfd_getfd). Everything epoll does with the file is the model's own: ep_insert's
// ->poll with poll_wait on the one wait queue, ep_poll_callback when a wake-up walks that queue
// (key filter, ONESHOT, EXCLUSIVE, ovflist, nested epolls), and the harvest, which calls ->poll
// again and so sees the mask as it is at harvest time (an edge-triggered item whose mask went to
// 0 before the harvest is dropped; a level-triggered one goes back on the ready list while the
// mask still has its bits).
//
// Its file_operations are reduced to ->poll: read and write are never simulated (EINVAL; the
// tracer does not mirror them), and releasing it issues no wake-up (the real file's own release
// is the real kernel's business; epoll forgets the file before ->release in any case).
//
// Who owns what: like every file, the FileTable owns it and fd slots reference it; the Kernel
// makes one with install_observed (sim/kernel.h) at the fd the real program has it at.
//
// Invariants: the one wait queue holds only eppoll_entries (no task ever sleeps on it: the model
// runs no read or write on the file); the mask is the last one the tracer reported.
#pragma once

#include <string>
#include <string_view>

#include "sim/file.h"
#include "sim/wait.h"

namespace epollscope::sim {

class FileTable;

class ObservedFile final : public File {
 public:
  // `label` says what the real file is ("TCP 127.0.0.1:7000 ⇄ 127.0.0.1:53422", "timerfd",
  // "/dev/pts/1"); control characters in it are replaced by '?' (it reaches terminals).
  ObservedFile(KernelContext& k, std::string label, int f_flags);

  // ->poll: poll_wait on the wait queue, then the mask the real file reported last.
  poll_t poll(KernelContext& k, PollTable* pt) override;
  poll_t peek_poll() const override { return mask_; }
  // Never simulated: the tracer does not mirror I/O on an observed file.
  long read(KernelContext& k, Task& task, IoRequest& io) override;
  long write(KernelContext& k, Task& task, IoRequest& io) override;
  std::vector<const WaitQueueHead*> wait_queues() const override { return {&wq_}; }
  void describe(FileView& view) const override;

  // The real file's poll mask changed without a wake-up of its queue (or before one the tracer
  // reports separately): only the mask changes, nobody is called.
  void set_mask(KernelContext& k, poll_t mask);
  // A wake-up of the real file's wait queue with `key` (0: any event): __wake_up_common over the
  // model's queue, so each epitem's ep_poll_callback runs. `source` is the real kernel function
  // that woke it when the tracer knows it ("sock_def_readable"), else a short sentence
  // ("wake-up observed on the real file"). Callers set the mask first when it changed.
  void wake(KernelContext& k, poll_t key, std::string_view source);

  poll_t mask() const { return mask_; }
  const WaitQueueHead& queue() const { return wq_; }

 private:
  WaitQueueHead wq_;
  poll_t mask_ = 0;
};

// The label with every control character replaced by '?' (UTF-8 is kept).
std::string printable_label(std::string label);

// Makes an observed file in the file table (its fd is the caller's business).
ObservedFile* create_observed(KernelContext& k, FileTable& files, std::string label, int f_flags,
                              poll_t mask);

}  // namespace epollscope::sim
