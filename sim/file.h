// SPDX-License-Identifier: GPL-2.0-only
// sim/file.h — struct file (an open file description) and the parts of its file_operations the
// model needs: poll, read, write, release.
//
// Ownership: a File is owned by the file table (sim/file_table.h) and referenced by fd-table slots
// (f_count). When the last reference goes (fput → __fput), eventpoll_release() first removes every
// epitem that watches the file, from every epoll and under every fd number, and only then does the
// file's own ->release run, with the wake-ups it issues (a pipe end waking the other end, a socket
// waking its peer). The File object is destroyed after that.
//
// The "address" is the value of the `struct file *` pointer that ep_cmp_ffd() compares first: the
// kernel orders the rbtree by it. Here it is a stable number; the live backend may set it before
// the file is first registered so the model's tree has the kernel's key order.
//
// poll(k, pt) is f_op->poll: it calls poll_wait() for each wait queue (which registers an
// eppoll_entry when the caller is ep_insert) and returns the current mask; it may have side effects
// (pipe_poll sets poll_usage). peek_poll() is the same mask without side effects, for snapshots.
// Every operation is handed the KernelContext (sim/context.h), never the syscall layer: a file can
// trace, wake tasks and name objects, but it cannot reach an fd table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/list.h"
#include "sim/trace.h"
#include "sim/uapi.h"

namespace epollscope::sim {

class KernelContext;
class File;
struct Task;
struct WaitQueueHead;
struct FileView;

// kObserved: a file of a traced program that the tracer watches on the real kernel
// (sim/observed.h).
enum class FileKind : uint8_t { kPipe, kUnixStream, kTcp, kEventFd, kEpoll, kRegular, kObserved };
// "pipe", "unix", "tcp", "eventfd", "epoll", "regular", "observed".
const char* file_kind_name(FileKind kind);

// poll_table: `qproc` is called by poll_wait() for each queue when the caller wants to be queued
// (ep_insert passes ep_ptable_queue_proc; harvests pass nothing). `key` is the caller's interest.
struct PollTable {
  void (*qproc)(KernelContext& k, File* file, WaitQueueHead* whead, PollTable* pt) = nullptr;
  poll_t key = ~poll_t{0};
  void* priv = nullptr;  // what the caller's qproc needs: poll/select's struct poll_wqueues
};

inline void poll_wait(KernelContext& k, File* file, WaitQueueHead* whead, PollTable* pt) {
  if (pt && pt->qproc && whead) pt->qproc(k, file, whead, pt);
}

// A read/write request and what survives a sleep. A file op that must sleep queues the task on a
// wait queue and returns kWouldSleep; when the task is woken the same op runs again with
// `resumed = true` and the progress kept here.
struct IoRequest {
  size_t count = 0;    // bytes asked for
  uint64_t value = 0;  // eventfd: the counter value written / read
  int flags = 0;       // MSG_* (recv/send)
  bool recvmsg =
      false;      // recv: straight to ->recvmsg (read's sock_read_iter returns 0 for 0 bytes)
  long done = 0;  // bytes moved before a sleep
  bool resumed = false;  // the op runs again after sleeping
  bool was_empty = false;
  bool approximate = false;  // the count moved is one the model only approximates (sim/tcp.h)
};
inline constexpr long kWouldSleep = -100000;  // not an errno: "the calling task sleeps"

class File {
 public:
  File(KernelContext& k, FileKind kind, int f_flags, std::string label);
  virtual ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const uint32_t id;     // identity in traces and snapshots
  uint64_t address = 0;  // the `struct file *` value ep_cmp_ffd() orders by (set by the file table)
  const FileKind kind;
  int f_flags;       // O_ACCMODE bits, O_NONBLOCK, O_DIRECT
  long f_count = 0;  // references from fd slots (f_ref)
  HlistHead f_ep;    // epitems watching this file (EpItem::fllink); epoll targets: ep->refs
  bool on_check_list = false;  // epitems_head->next != NULL: queued on tfile_check_list
  std::string label;           // "pipe#1 read end"

  bool readable() const { return (f_flags & kO_ACCMODE) != kO_WRONLY; }  // FMODE_READ
  bool writable() const { return (f_flags & kO_ACCMODE) != kO_RDONLY; }  // FMODE_WRITE
  bool nonblocking() const { return f_flags & kO_NONBLOCK; }

  // file_can_poll(): f_op->poll != NULL.
  virtual bool can_poll() const { return true; }
  virtual poll_t poll(KernelContext& k, PollTable* pt) = 0;
  virtual poll_t peek_poll() const = 0;
  // Return a byte count, -errno, or kWouldSleep.
  virtual long read(KernelContext& k, Task& task, IoRequest& io);
  virtual long write(KernelContext& k, Task& task, IoRequest& io);
  // f_op->release: the last reference is gone and epoll has already forgotten the file.
  virtual void release(KernelContext& k) { (void)k; }
  // Every wait queue the file's poll() registers on, for snapshots and invariants.
  virtual std::vector<const WaitQueueHead*> wait_queues() const { return {}; }
  // Fills the type-specific part of a snapshot view (buffers, counters, peer).
  virtual void describe(FileView& view) const;

  ObjRef ref() const { return {ObjKind::kFile, id}; }
};

// A file whose file_operations have no ->poll: regular files, directories, /dev/null. epoll_ctl
// refuses it with EPERM for every op.
class RegularFile final : public File {
 public:
  RegularFile(KernelContext& k, std::string label, int f_flags = kO_RDWR);
  bool can_poll() const override { return false; }
  poll_t poll(KernelContext&, PollTable*) override { return 0; }
  poll_t peek_poll() const override { return 0; }
  long read(KernelContext& k, Task& task, IoRequest& io) override;
  long write(KernelContext& k, Task& task, IoRequest& io) override;
};

}  // namespace epollscope::sim
