// SPDX-License-Identifier: GPL-2.0-only
// sim/eventfd.h — fs/eventfd.c: a 64-bit counter with a wait queue.
//
// write(v) adds v (any v below ULLONG_MAX, including 0) and wakes the queue with key EPOLLIN, so an
// edge-triggered reader hears about every write; read() returns the counter and zeroes it (or, with
// EFD_SEMAPHORE, returns 1 and decrements) and wakes the queue with key EPOLLOUT, which an
// IN-only item filters out. The counter never exceeds 0xfffffffffffffffe: a write that would
// overflow fails with EAGAIN (or sleeps), a write of ULLONG_MAX is EINVAL. poll: IN if the counter
// is non-zero, OUT while one more 1 fits. The final EPOLLHUP of ->release never reaches epoll,
// whose items are removed before ->release runs.
#pragma once

#include "sim/file.h"
#include "sim/wait.h"

namespace epollscope::sim {

class FileTable;

class EventFd final : public File {
 public:
  EventFd(KernelContext& k, uint64_t initval, int flags);

  poll_t poll(KernelContext& k, PollTable* pt) override;  // eventfd_poll
  poll_t peek_poll() const override;
  long read(KernelContext& k, Task& task, IoRequest& io) override;   // eventfd_read
  long write(KernelContext& k, Task& task, IoRequest& io) override;  // eventfd_write
  void release(KernelContext& k) override;                           // eventfd_release
  std::vector<const WaitQueueHead*> wait_queues() const override { return {&wqh_}; }
  void describe(FileView& view) const override;

  uint64_t count() const { return count_; }
  bool semaphore() const { return semaphore_; }

 private:
  long interrupted(KernelContext& k, Task& task, const char* function);

  WaitQueueHead wqh_;
  uint64_t count_;
  bool semaphore_;
};

File* create_eventfd(KernelContext& k, FileTable& files, unsigned initval, int flags);

}  // namespace epollscope::sim
