// SPDX-License-Identifier: GPL-2.0-only
// sim/pipe.cpp — anon_pipe_read, anon_pipe_write, pipe_poll, pipe_release of Linux 6.18, with
// the older wake-up rules selected by the kernel profile.
#include "sim/pipe.h"

#include <algorithm>

#include "sim/context.h"
#include "sim/file_table.h"
#include "sim/snapshot.h"
#include "sim/strings.h"
#include "sim/task.h"

namespace epollscope::sim {

uint64_t PipeInodeInfo::bytes() const {
  uint64_t n = 0;
  for (unsigned t = tail; t != head; ++t)
    n += bufs[t & (ring_size - 1)].len;
  return n;
}

PipeEnd::PipeEnd(KernelContext& k, std::shared_ptr<PipeInodeInfo> pipe, bool read_end, int f_flags)
    : File(k, FileKind::kPipe, (f_flags & ~kO_ACCMODE) | (read_end ? kO_RDONLY : kO_WRONLY),
           pipe->name + (read_end ? " read end" : " write end")),
      pipe_(std::move(pipe)) {
  ++pipe_->files;
  if (read_end)
    ++pipe_->readers;
  else
    ++pipe_->writers;
}

std::pair<File*, File*> create_pipe_files(KernelContext& k, FileTable& files, int flags) {
  auto pipe = std::make_shared<PipeInodeInfo>();
  pipe->id = k.new_id();
  pipe->name = k.new_label("pipe");
  const std::string& name = pipe->name;
  init_waitqueue_head(k, &pipe->rd_wait, "rd_wait", ObjRef{ObjKind::kFile, 0}, name);
  init_waitqueue_head(k, &pipe->wr_wait, "wr_wait", ObjRef{ObjKind::kFile, 0}, name);
  // O_DIRECT (packet mode) is the write end's alone: the read end's f_flags never have it
  // (F_GETFL shows this).
  File* rd = files.make_file<PipeEnd>(pipe, true, flags & kO_NONBLOCK);
  File* wr = files.make_file<PipeEnd>(pipe, false, flags & (kO_NONBLOCK | kO_DIRECT));
  pipe->rd_wait.owner = rd->ref();
  pipe->wr_wait.owner = wr->ref();
  if (k.tracing())
    k.step(StepKind::kFileOp, "create_pipe_files",
           cat(name, ": a ring of ", pipe->ring_size, " slots, a read end and a write end"),
           {rd->ref(), wr->ref()});
  return {rd, wr};
}

// pipe_poll without the side effects (and without poll_wait).
poll_t PipeEnd::mask() const {
  const PipeInodeInfo& p = *pipe_;
  poll_t m = 0;
  if (readable()) {
    if (!p.empty()) m |= kEPOLLIN | kEPOLLRDNORM;
    // Anonymous pipes: f_pipe is 0 and w_counter >= 1, so HUP exactly when no writer is left.
    if (!p.writers) m |= kEPOLLHUP;
  }
  if (writable()) {
    if (!p.full()) m |= kEPOLLOUT | kEPOLLWRNORM;
    if (!p.readers) m |= kEPOLLERR;
  }
  return m;
}

poll_t PipeEnd::poll(KernelContext& k, PollTable* pt) {
  // "Epoll has some historical nasty semantics, this enables them": once polled, every write wakes
  // the readers (profiles from 5.15 on look at this flag).
  if (!pipe_->poll_usage && k.tracing())
    k.step(StepKind::kFileOp, "pipe_poll",
           cat(pipe_->name, " is polled for the first time: poll_usage = true"), {ref()});
  pipe_->poll_usage = true;
  if (readable()) poll_wait(k, this, &pipe_->rd_wait, pt);
  if (writable()) poll_wait(k, this, &pipe_->wr_wait, pt);
  return mask();
}

poll_t PipeEnd::peek_poll() const {
  return mask();
}

std::vector<const WaitQueueHead*> PipeEnd::wait_queues() const {
  if (readable()) return {&pipe_->rd_wait};
  return {&pipe_->wr_wait};
}

long PipeEnd::write(KernelContext& k, Task& task, IoRequest& io) {
  PipeInodeInfo& p = *pipe_;
  const unsigned mask = p.ring_size - 1;
  long ret = 0;
  size_t remaining;
  bool was_empty = false;
  bool wake_next_writer = false;

  if (!io.resumed) {
    if (io.count == 0) return 0;  // null write succeeds, before taking the lock: no wake-up
    remaining = io.count;
    if (!p.readers) {
      ret = -kEPIPE;  // (and SIGPIPE, which the live backend ignores)
      goto out;
    }
    // Merge the odd part of the write into the last slot if it fits. That merges small writes
    // and page-aligns the rest of a large one.
    unsigned head = p.head;
    was_empty = p.empty();
    size_t chars = io.count & (kPageSize - 1);
    if (chars && !was_empty) {
      PipeBuffer& buf = p.bufs[(head - 1) & mask];
      size_t offset = buf.offset + buf.len;
      if ((buf.flags & kPipeBufFlagCanMerge) && offset + chars <= kPageSize) {
        buf.len += static_cast<uint32_t>(chars);
        ret = static_cast<long>(chars);
        remaining -= chars;
        if (k.tracing())
          k.step(StepKind::kFileOp, "anon_pipe_write",
                 cat(bytes(chars), " merged into the last slot of ", p.name, " (now ", buf.len,
                     " bytes)"),
                 {ref()});
        if (!remaining) goto out;
      }
    }
  } else {
    // Back from wait_event_interruptible_exclusive(wr_wait, pipe_writable). A pending signal
    // ends the wait (its -ERESTARTSYS is ignored here): the loop below sees signal_pending.
    if (p.full() && p.readers && !task.signal_pending) {
      prepare_to_wait_exclusive(k, &p.wr_wait, task);
      return kWouldSleep;
    }
    finish_wait(task);
    ret = io.done;
    remaining = io.count - static_cast<size_t>(io.done);
    was_empty = p.empty();
    wake_next_writer = true;
  }

  for (;;) {
    if (!p.readers) {
      if (!ret) ret = -kEPIPE;
      break;
    }
    unsigned head = p.head;
    if (!p.full()) {
      PipeBuffer& buf = p.bufs[head & mask];
      p.head = head + 1;
      buf.offset = 0;
      buf.flags = (f_flags & kO_DIRECT) ? kPipeBufFlagPacket : kPipeBufFlagCanMerge;
      size_t copied = std::min<size_t>(kPageSize, remaining);
      buf.len = static_cast<uint32_t>(copied);
      ret += static_cast<long>(copied);
      remaining -= copied;
      if (k.tracing())
        k.step(StepKind::kFileOp, "anon_pipe_write",
               cat(bytes(copied), " go into slot ", p.occupancy(), " of ", p.max_usage, " of ",
                   p.name),
               {ref()});
      if (!remaining) break;
    }
    if (!(head - p.tail >= p.max_usage)) continue;  // pipe_full(head, tail) with the old head

    if (nonblocking()) {
      if (!ret) ret = -kEAGAIN;
      if (k.tracing())
        k.step(StepKind::kFileOp, "anon_pipe_write",
               cat(p.name, " is full (", p.max_usage, " slots) and the write end is non-blocking"),
               {ref()});
      break;
    }
    if (task.signal_pending) {
      if (!ret) ret = -kERESTARTSYS;
      if (k.tracing())
        k.step(StepKind::kFileOp, "anon_pipe_write",
               ret > 0
                   ? cat(p.name, " is still full and a signal is pending: the write ends with the ",
                         ret, " bytes it wrote")
                   : cat(p.name, " is still full and a signal is pending: -ERESTARTSYS"),
               {ref(), task.ref()});
      break;
    }
    // A blocking writer waits for room, after waking the readers if it made the pipe non-empty.
    if (was_empty) wake_up_sync_poll(k, &p.rd_wait, kEPOLLIN | kEPOLLRDNORM, "anon_pipe_write");
    io.done = ret;
    prepare_to_wait_exclusive(k, &p.wr_wait, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "anon_pipe_write",
             cat(p.name, " is full: the blocking writer waits on wr_wait after ", ret, " bytes"),
             {ref(), task.ref()});
    return kWouldSleep;
  }

out:
  if (p.full()) wake_next_writer = false;
  {
    const bool poll_rule = k.profile().pipe_write_wake == PipeWriteWake::kWasEmptyOrPollUsage;
    if (was_empty || (poll_rule && p.poll_usage)) {
      if (k.tracing() && !was_empty)
        k.step(StepKind::kFileOp, "anon_pipe_write",
               cat(p.name,
                   " was not empty, but it has been polled (poll_usage), so the write "
                   "wakes the readers anyway"),
               {ref()});
      wake_up_sync_poll(k, &p.rd_wait, kEPOLLIN | kEPOLLRDNORM, "anon_pipe_write");
    } else if (k.tracing()) {
      k.step(StepKind::kFileOp, "anon_pipe_write",
             cat(p.name, " was not empty", poll_rule ? " and was never polled" : "",
                 ": no wake-up for the readers"),
             {ref()});
    }
  }
  if (wake_next_writer)
    wake_up_sync_poll(k, &p.wr_wait, kEPOLLOUT | kEPOLLWRNORM, "anon_pipe_write");
  return ret;
}

long PipeEnd::read(KernelContext& k, Task& task, IoRequest& io) {
  PipeInodeInfo& p = *pipe_;
  const unsigned mask = p.ring_size - 1;
  const bool slot_rule =
      k.profile().pipe_read_wake_writer == PipeReadWakeWriter::kSlotFreedWhileFull;
  size_t total_len = io.count;
  long ret = 0;
  bool wake_writer = false;
  bool wake_next_reader = false;

  if (total_len == 0) return 0;
  if (!io.resumed) {
    if (!slot_rule) wake_writer = p.full();  // was_full
  } else {
    // Back from wait_event_interruptible_exclusive(rd_wait, pipe_readable).
    if (p.empty() && p.writers && task.signal_pending) {
      // prepare_to_wait_event sees the signal, takes the entry off rd_wait: -ERESTARTSYS.
      finish_wait(task);
      if (k.tracing())
        k.step(StepKind::kFileOp, "anon_pipe_read",
               cat(p.name, " is still empty and a signal is pending: -ERESTARTSYS"),
               {ref(), task.ref()});
      return -kERESTARTSYS;
    }
    if (p.empty() && p.writers) {
      prepare_to_wait_exclusive(k, &p.rd_wait, task);
      return kWouldSleep;
    }
    finish_wait(task);
    wake_writer = slot_rule ? false : p.full();
    wake_next_reader = true;
  }

  for (;;) {
    unsigned head = p.head;
    unsigned tail = p.tail;
    if (head != tail) {
      PipeBuffer& buf = p.bufs[tail & mask];
      size_t chars = std::min<size_t>(buf.len, total_len);
      ret += static_cast<long>(chars);
      buf.offset += static_cast<uint32_t>(chars);
      buf.len -= static_cast<uint32_t>(chars);
      if (buf.flags & kPipeBufFlagPacket) {  // a packet is consumed whole
        total_len = chars;
        buf.len = 0;
      }
      if (!buf.len) {
        if (slot_rule) {
          const bool was_full = (head - tail) >= p.max_usage;
          if (was_full && k.tracing())
            k.step(StepKind::kFileOp, "anon_pipe_read",
                   cat("a slot of the full ", p.name, " is freed: the writers will be woken"),
                   {ref()});
          wake_writer |= was_full;
        }
        p.tail = ++tail;
      }
      if (k.tracing())
        k.step(StepKind::kFileOp, "anon_pipe_read",
               cat(bytes(chars), " read from ", p.name, "; ", bytes(p.bytes()), " left in ",
                   p.occupancy(), p.occupancy() == 1 ? " slot" : " slots"),
               {ref()});
      total_len -= chars;
      if (!total_len) break;
      if (head != tail) continue;
    }
    if (!p.writers) break;
    if (ret) break;
    if (nonblocking()) {
      ret = -kEAGAIN;
      break;
    }
    if (wake_writer) wake_up_sync_poll(k, &p.wr_wait, kEPOLLOUT | kEPOLLWRNORM, "anon_pipe_read");
    prepare_to_wait_exclusive(k, &p.rd_wait, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "anon_pipe_read",
             cat(p.name, " is empty: the blocking reader waits on rd_wait"), {ref(), task.ref()});
    return kWouldSleep;
  }
  if (p.empty()) wake_next_reader = false;
  if (wake_writer) wake_up_sync_poll(k, &p.wr_wait, kEPOLLOUT | kEPOLLWRNORM, "anon_pipe_read");
  if (wake_next_reader) wake_up_sync_poll(k, &p.rd_wait, kEPOLLIN | kEPOLLRDNORM, "anon_pipe_read");
  return ret;
}

void PipeEnd::release(KernelContext& k) {
  PipeInodeInfo& p = *pipe_;
  if (readable())
    --p.readers;
  else
    --p.writers;
  if (k.tracing())
    k.step(StepKind::kFileOp, "pipe_release",
           cat(label, " released: ", p.readers, " readers and ", p.writers, " writers left"),
           {ref()});
  // Last reader or last writer gone while the other side lives: wake everybody on both queues.
  if (!p.readers != !p.writers) {
    wake_up_all(k, &p.rd_wait, "pipe_release");
    wake_up_all(k, &p.wr_wait, "pipe_release");
  }
  --p.files;
}

long PipeEnd::get_size() const {
  return static_cast<long>(pipe_->max_usage) * kPageSize;
}

long PipeEnd::set_size(KernelContext& k, unsigned arg) {
  PipeInodeInfo& p = *pipe_;
  // round_pipe_size: a page at least, a power of two, nothing above 2 GiB (0: EINVAL below).
  const uint64_t size = arg > (1u << 31) ? 0
                        : arg < kPageSize
                            ? kPageSize
                            : uint64_t{1} << (64 - __builtin_clzll(uint64_t{arg} - 1));
  const uint64_t nr_slots = size / kPageSize;
  if (!nr_slots) {
    if (k.tracing())
      k.step(StepKind::kCheck, "pipe_set_size",
             cat(arg, " bytes round to no pipe size (at most 2 GiB)"), {ref()});
    return -kEINVAL;
  }
  // Growing beyond fs.pipe-max-size needs CAP_SYS_RESOURCE; shrinking is always allowed. (The
  // per-user soft and hard limits of pipe pages are not modelled.)
  if (nr_slots > p.max_usage && size > k.profile().pipe_max_size &&
      !k.profile().pipe_resize_capable) {
    if (k.tracing())
      k.step(StepKind::kCheck, "pipe_set_size",
             cat(size, " bytes is above fs.pipe-max-size (", k.profile().pipe_max_size,
                 ") and the process lacks CAP_SYS_RESOURCE"),
             {ref()});
    return -kEPERM;
  }
  // pipe_resize_ring: kcalloc of the new ring (struct pipe_buffer is 40 bytes; kmalloc gives at
  // most 4 MiB), then the data must fit in the new number of slots.
  if (nr_slots * 40 > (uint64_t{4} << 20)) return -kENOMEM;
  const unsigned n = p.occupancy();
  if (nr_slots < n) {
    if (k.tracing())
      k.step(StepKind::kCheck, "pipe_resize_ring",
             cat(p.name, " holds ", n, " slots of data: they do not fit in ", nr_slots), {ref()});
    return -kEBUSY;
  }
  // The ring starts again at slot 0: head = the slots in use, tail = 0.
  std::vector<PipeBuffer> bufs(nr_slots);
  for (unsigned i = 0; i < n; ++i)
    bufs[i] = p.bufs[(p.tail + i) & (p.ring_size - 1)];
  p.bufs = std::move(bufs);
  p.ring_size = static_cast<unsigned>(nr_slots);
  p.max_usage = static_cast<unsigned>(nr_slots);
  p.tail = 0;
  p.head = n;
  if (k.tracing())
    k.step(StepKind::kFileOp, "pipe_resize_ring",
           cat(p.name, " now has a ring of ", nr_slots, nr_slots == 1 ? " slot" : " slots", " (",
               size, " bytes); ", n, " in use"),
           {ref()});
  // "This might have made more room for writers": wake_up_interruptible, key 0 — every epoll
  // entry on wr_wait is called, whatever it watches, and one sleeping writer.
  wake_up(k, &p.wr_wait, "pipe_resize_ring");
  return static_cast<long>(p.max_usage) * kPageSize;
}

void PipeEnd::describe(FileView& view) const {
  const PipeInodeInfo& p = *pipe_;
  view.capacity = p.max_usage;
  for (unsigned t = p.tail; t != p.head; ++t)
    view.chunks.push_back(p.bufs[t & (p.ring_size - 1)].len);
  view.peer_readers = p.readers;
  view.peer_writers = p.writers;
  view.detail = cat(bytes(p.bytes()), " in ", p.occupancy(), " of ", p.max_usage, " slots",
                    p.poll_usage ? ", poll_usage" : "");
}

}  // namespace epollscope::sim
