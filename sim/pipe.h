// SPDX-License-Identifier: GPL-2.0-only
// sim/pipe.h — fs/pipe.c of Linux 6.18: anonymous pipes.
//
// A pipe is one pipe_inode_info shared by two files, the read end and the write end. Data lives in
// a ring of `max_usage` slots (16 pages by default). Fullness is counted in SLOTS, not bytes: ten
// bytes plus fifteen 4096-byte writes fill all 16 slots although only 61450 bytes are queued. A
// write whose length is not a multiple of 4096 first tries to merge its odd part into the last
// slot (if that slot may merge and has room); the rest goes into fresh slots of up to 4096 bytes.
// In packet mode (O_DIRECT) every write makes its own slot and a read returns at most one packet.
//
// Wait queues: the read end registers on rd_wait, the write end on wr_wait. The wake-ups, which
// decide what edge-triggered epoll reports, follow the kernel profile:
//   write  → rd_wait, key IN|RDNORM, at the end of every write (even one failing with EAGAIN) if
//            the pipe was empty or has ever been polled (poll_usage; 5.15+), or only if it was
//            empty (5.5 … 5.13);
//   read   → wr_wait, key OUT|WRNORM, when a slot is freed while the pipe is full (6.14+), or when
//            the read started on a full pipe (before 6.14);
//   last reader or last writer closes → both queues, key 0, every waiter
//   (wake_up_interruptible_all).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/file.h"
#include "sim/wait.h"

namespace epollscope::sim {

class FileTable;

inline constexpr unsigned kPipeDefBuffers = 16;  // PIPE_DEF_BUFFERS
inline constexpr unsigned kPageSize = 4096;
inline constexpr uint8_t kPipeBufFlagPacket = 0x08;    // PIPE_BUF_FLAG_PACKET
inline constexpr uint8_t kPipeBufFlagCanMerge = 0x10;  // PIPE_BUF_FLAG_CAN_MERGE

struct PipeBuffer {
  uint32_t offset = 0;  // where the unread data starts in the page
  uint32_t len = 0;     // unread bytes
  uint8_t flags = 0;
};

// struct pipe_inode_info
struct PipeInodeInfo {
  uint32_t id = 0;
  std::string name;   // "pipe#1"
  unsigned head = 0;  // next slot to fill
  unsigned tail = 0;  // next slot to read
  unsigned ring_size = kPipeDefBuffers;
  unsigned max_usage = kPipeDefBuffers;
  std::vector<PipeBuffer> bufs = std::vector<PipeBuffer>(kPipeDefBuffers);  // ring_size slots
  int readers = 0;
  int writers = 0;
  int files = 0;
  bool poll_usage = false;  // someone ever poll()ed/select()ed/epoll-ADDed this pipe
  WaitQueueHead rd_wait;
  WaitQueueHead wr_wait;

  bool empty() const { return head == tail; }
  unsigned occupancy() const { return head - tail; }
  bool full() const { return occupancy() >= max_usage; }
  uint64_t bytes() const;  // FIONREAD
};

class PipeEnd final : public File {
 public:
  PipeEnd(KernelContext& k, std::shared_ptr<PipeInodeInfo> pipe, bool read_end, int f_flags);

  poll_t poll(KernelContext& k, PollTable* pt) override;  // pipe_poll
  poll_t peek_poll() const override;
  long read(KernelContext& k, Task& task, IoRequest& io) override;   // anon_pipe_read
  long write(KernelContext& k, Task& task, IoRequest& io) override;  // anon_pipe_write
  void release(KernelContext& k) override;                           // pipe_release
  std::vector<const WaitQueueHead*> wait_queues() const override;
  void describe(FileView& view) const override;

  const PipeInodeInfo& pipe() const { return *pipe_; }
  // pipe_fcntl: F_GETPIPE_SZ, and F_SETPIPE_SZ (pipe_set_size → pipe_resize_ring) with the size
  // as the kernel takes it (an unsigned int). Returns the size in bytes, or -errno.
  long get_size() const;
  long set_size(KernelContext& k, unsigned size);

 private:
  poll_t mask() const;
  std::shared_ptr<PipeInodeInfo> pipe_;
};

// create_pipe_files: the two files of a new pipe, not yet in the fd table.
std::pair<File*, File*> create_pipe_files(KernelContext& k, FileTable& files, int flags);

}  // namespace epollscope::sim
