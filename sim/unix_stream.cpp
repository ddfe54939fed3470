// SPDX-License-Identifier: GPL-2.0-only
// sim/unix_stream.cpp — unix_stream_sendmsg, unix_stream_read_generic, unix_poll, unix_shutdown,
// unix_release_sock and unix_write_space of Linux 6.18, with the net/core/sock.c callbacks they
// call (sock_def_readable, sock_def_wakeup, sock_def_error_report, sock_wfree).
//
// [SECTION] net/core/sock.c
// [SECTION] skb sizes
// [SECTION] sock_wfree and unix_write_space
// [SECTION] the socket file: creation, poll, describe
// [SECTION] unix_stream_sendmsg
// [SECTION] unix_stream_read_generic
// [SECTION] shutdown, setsockopt, close
#include "sim/unix_stream.h"

#include <algorithm>

#include "sim/context.h"
#include "sim/file_table.h"
#include "sim/snapshot.h"
#include "sim/strings.h"
#include "sim/task.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] net/core/sock.c
// ---------------------------------------------------------------------------------------------

std::string shutdown_bits_name(uint8_t shutdown) {
  switch (shutdown & kShutdownMask) {
    case kRcvShutdown:
      return "RCV";
    case kSendShutdown:
      return "SEND";
    case kShutdownMask:
      return "RCV|SEND";
  }
  return "none";
}

// Every callback first asks skwq_has_sleeper(): a sock without a file (orphaned, or not yet
// accepted) or with an empty queue wakes nobody.
void sock_def_readable(KernelContext& k, WaitQueueHead* sk_wq) {
  if (!sk_wq || !waitqueue_active(sk_wq)) return;
  wake_up_sync_poll(k, sk_wq, kEPOLLIN | kEPOLLPRI | kEPOLLRDNORM | kEPOLLRDBAND,
                    "sock_def_readable");
}

void sock_def_wakeup(KernelContext& k, WaitQueueHead* sk_wq) {
  if (!sk_wq || !waitqueue_active(sk_wq)) return;
  wake_up_all(k, sk_wq, "sock_def_wakeup");
}

void sock_def_error_report(KernelContext& k, WaitQueueHead* sk_wq) {
  if (!sk_wq || !waitqueue_active(sk_wq)) return;
  wake_up_poll(k, sk_wq, kEPOLLERR, "sock_def_error_report");
}

void sock_prepare_to_wait(WaitQueueHead* sk_wq, Task& task) {
  task.wait.private_data = &task;
  task.wait.func = autoremove_wake_function;
  if (list_empty(&task.wait.entry)) add_wait_queue(sk_wq, &task.wait);
  task.waiting_on = sk_wq;
}

int sock_sndbuf_from_user(int v) {
  // sock_setsockopt: the value is taken as u32, capped at wmem_max, then doubled for overhead.
  const uint32_t val = std::min<uint32_t>(static_cast<uint32_t>(v), kSysctlWmemMax);
  return std::max<int>(static_cast<int>(val) * 2, kSockMinSndbuf);
}

int sock_rcvbuf_from_user(int v) {
  // __sock_set_rcvbuf: as SO_SNDBUF, with rmem_max and SOCK_MIN_RCVBUF.
  const uint32_t val = std::min<uint32_t>(static_cast<uint32_t>(v), kSysctlRmemMax);
  return std::max<int>(static_cast<int>(val) * 2, kSockMinRcvbuf);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] skb sizes
// ---------------------------------------------------------------------------------------------

namespace {

constexpr uint32_t kPage = 4096;
constexpr uint32_t kSkbMaxHead0 = 3776;      // SKB_MAX_HEAD(0): what fits in a page-sized head
constexpr uint32_t kUnixSkbFragsSz = 32768;  // UNIX_SKB_FRAGS_SZ
constexpr uint32_t kSkbHeadOverhead = 320;   // skb_shared_info, aligned
constexpr uint32_t kSkbStructSize = 256;     // struct sk_buff, aligned

uint32_t page_align(uint32_t x) {
  return (x + kPage - 1) & ~(kPage - 1);
}

// The kmalloc'ed head buffer of an skb with `x` bytes in its head.
uint32_t skb_head_size(uint32_t x) {
  uint32_t need = ((x + 63) & ~63u) + kSkbHeadOverhead;
  uint32_t size = 512;
  while (size < need)
    size <<= 1;
  return size;
}

}  // namespace

uint32_t unix_skb_truesize(uint32_t len) {
  if (len <= kSkbMaxHead0) return kSkbStructSize + skb_head_size(len);
  const uint32_t data_len = std::min(len, page_align(len - kSkbMaxHead0));
  return kSkbStructSize + skb_head_size(len - data_len) + page_align(data_len);
}

uint32_t unix_stream_max_skb(int sndbuf) {
  // "Keep two messages in the pipe so it schedules better", and no skb above an order-0 head plus
  // UNIX_SKB_FRAGS_SZ of pages.
  const long half = (sndbuf >> 1) - 64;
  return static_cast<uint32_t>(std::min<long>(half, kSkbMaxHead0 + kUnixSkbFragsSz));
}

uint64_t UnixSock::unread_bytes() const {
  uint64_t n = 0;
  for (const UnixSkb& skb : receive_queue)
    n += skb.unread();
  return n;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] sock_wfree and unix_write_space
// ---------------------------------------------------------------------------------------------

namespace {

// unix_writable: the refcount sk_wmem_alloc (bias 1 + charged truesizes, + `held` while
// sock_wfree keeps one unit for itself) may be at most a quarter of sk_sndbuf.
bool unix_writable(const UnixSock& sk, long held) {
  return ((1 + sk.wmem_alloc + held) << 2) <= sk.sndbuf;
}

void unix_write_space(KernelContext& k, UnixSock& sk, long held) {
  if (!unix_writable(sk, held)) {
    if (k.tracing() && sk.sk_wq)
      k.step(StepKind::kFileOp, "unix_write_space",
             cat(sk.name, " still has ", bytes(sk.wmem_alloc),
                 " of skbs in flight, more than a quarter of sk_sndbuf ", sk.sndbuf,
                 ": not writable, no wake-up"));
    return;
  }
  if (!sk.sk_wq || !waitqueue_active(sk.sk_wq)) return;
  wake_up_sync_poll(k, sk.sk_wq, kEPOLLOUT | kEPOLLWRNORM | kEPOLLWRBAND, "unix_write_space");
}

// consume_skb → skb->destructor = sock_wfree on the sending sock.
void unix_skb_free(KernelContext& k, UnixSkb skb, const char* why) {
  UnixSock& owner = *skb.owner;
  owner.wmem_alloc -= skb.truesize;
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_wfree",
           cat("an skb of ", bytes(skb.len), " is freed (", why, "); its sender ", owner.name,
               " gets back ", skb.truesize, " bytes of sk_wmem_alloc, ", owner.wmem_alloc,
               " still charged"));
  // sock_wfree keeps one unit of sk_wmem_alloc until sk_write_space has run.
  unix_write_space(k, owner, 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] the socket file: creation, poll, describe
// ---------------------------------------------------------------------------------------------

UnixStreamSocket::UnixStreamSocket(KernelContext& k, std::shared_ptr<UnixSock> sk, int flags)
    : File(k, FileKind::kUnixStream, kO_RDWR | (flags & kO_NONBLOCK), sk->name),
      sk_(std::move(sk)) {
  init_waitqueue_head(k, &wq_, "sk_wq", ref(), label);
  sk_->sk_wq = &wq_;
  sk_->file_id = id;
}

std::pair<File*, File*> create_unix_stream_pair(KernelContext& k, FileTable& files, int flags) {
  const std::string pair = k.new_label("socketpair");
  auto sk0 = std::make_shared<UnixSock>();
  auto sk1 = std::make_shared<UnixSock>();
  sk0->name = pair + " sv[0]";
  sk1->name = pair + " sv[1]";
  sk0->peer = sk1;  // unix_socketpair → unix_peer(ska) = skb, unix_peer(skb) = ska
  sk1->peer = sk0;
  File* a = files.make_file<UnixStreamSocket>(sk0, flags);
  File* b = files.make_file<UnixStreamSocket>(sk1, flags);
  if (k.tracing())
    k.step(StepKind::kFileOp, "unix_socketpair",
           cat(pair,
               ": two connected AF_UNIX stream sockets, each with its own "
               "sk_wq and a send buffer (sk_sndbuf) of ",
               kSysctlWmemDefault, " bytes"),
           {a->ref(), b->ref()});
  return {a, b};
}

poll_t UnixStreamSocket::mask() const {
  const UnixSock& sk = *sk_;
  poll_t m = 0;
  if (sk.err) m |= kEPOLLERR;
  if (sk.shutdown == kShutdownMask) m |= kEPOLLHUP;
  if (sk.shutdown & kRcvShutdown) m |= kEPOLLRDHUP | kEPOLLIN | kEPOLLRDNORM;
  if (!sk.receive_queue.empty()) m |= kEPOLLIN | kEPOLLRDNORM;
  if (sk.oob_pending) m |= kEPOLLPRI;
  // A socketpair end stays TCP_ESTABLISHED while its file lives, so no HUP for TCP_CLOSE, and
  // writability is reported even when the peer is gone ("this prevents stuck sockets").
  if (unix_writable(sk, 0)) m |= kEPOLLOUT | kEPOLLWRNORM | kEPOLLWRBAND;
  return m;
}

poll_t UnixStreamSocket::poll(KernelContext& k, PollTable* pt) {
  poll_wait(k, this, &wq_, pt);  // sock_poll_wait
  return mask();
}

poll_t UnixStreamSocket::peek_poll() const {
  return mask();
}

void UnixStreamSocket::describe(FileView& view) const {
  const UnixSock& sk = *sk_;
  for (const UnixSkb& skb : sk.receive_queue)
    view.chunks.push_back(skb.unread());
  view.peer = sk.peer ? sk.peer->file_id : 0;
  std::string d = cat(bytes(sk.unread_bytes()), " to read in ", sk.receive_queue.size(),
                      sk.receive_queue.size() == 1 ? " skb" : " skbs", "; ", sk.wmem_alloc,
                      " of sk_sndbuf ", sk.sndbuf, " charged for skbs sent (sk_wmem_alloc)");
  if (sk.shutdown) d += cat("; shutdown ", shutdown_bits_name(sk.shutdown));
  if (sk.err) d += cat("; sk_err ", errno_name(sk.err));
  if (sk.peer && sk.peer->dead) d += "; peer closed";
  view.detail = std::move(d);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] unix_stream_sendmsg
// ---------------------------------------------------------------------------------------------

long UnixStreamSocket::write(KernelContext& k, Task& task, IoRequest& io) {
  UnixSock& sk = *sk_;
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  // MSG_OOB: the last byte goes alone, after the others (queue_oob); there must be one.
  const bool oob = io.flags & kMSG_OOB;
  const size_t len = oob && io.count ? io.count - 1 : io.count;
  long sent = 0;
  if (io.resumed) {
    finish_wait(task);
    sent = io.done;
  } else {
    if (oob && io.count == 0) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "unix_stream_sendmsg",
               cat(sk.name, ": MSG_OOB without a byte to send: EOPNOTSUPP"), {ref()});
      return -kEOPNOTSUPP;
    }
    if (!sk.peer) return -kENOTCONN;
    if (sk.shutdown & kSendShutdown) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "unix_stream_sendmsg",
               cat(sk.name, " has shut down sending: EPIPE"), {ref()});
      return -kEPIPE;
    }
  }
  UnixSock& other = *sk.peer;
  long err = 0;
  while (static_cast<size_t>(sent) < len) {
    const uint32_t size =
        static_cast<uint32_t>(std::min<size_t>(len - sent, unix_stream_max_skb(sk.sndbuf)));
    // sock_alloc_send_pskb: pending error, shutdown, then room in the send buffer.
    if (sk.err) {
      err = -take_so_error(k);
      break;
    }
    if (sk.shutdown & kSendShutdown) {
      err = -kEPIPE;
      break;
    }
    if (sk.wmem_alloc >= sk.sndbuf) {
      if (nonblock) {
        if (k.tracing())
          k.step(StepKind::kFileOp, "sock_alloc_send_pskb",
                 cat(sk.name, " has ", sk.wmem_alloc,
                     " bytes of skbs in flight, not below "
                     "sk_sndbuf ",
                     sk.sndbuf, ": no new skb",
                     sent ? cat(", the write returns the ", sent, " bytes already queued")
                          : std::string(", EAGAIN")),
                 {ref()});
        err = -kEAGAIN;
        break;
      }
      io.done = sent;
      sock_prepare_to_wait(&wq_, task);
      if (k.tracing())
        k.step(
            StepKind::kFileOp, "sock_wait_for_wmem",
            cat(sk.name, "'s send buffer is full: the blocking writer sleeps on its sk_wq after ",
                sent, " bytes"),
            {ref(), task.ref()});
      return kWouldSleep;
    }
    UnixSkb skb{size, 0, unix_skb_truesize(size), sk_};
    sk.wmem_alloc += skb.truesize;
    if (other.dead || (other.shutdown & kRcvShutdown)) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "unix_stream_sendmsg",
               cat(other.name, other.dead ? " is closed" : " has shut down receiving",
                   ": the skb is dropped, EPIPE"),
               {ref()});
      unix_skb_free(k, std::move(skb), "never delivered");
      err = -kEPIPE;
      break;
    }
    other.inq_len += skb.len;
    other.receive_queue.push_back(std::move(skb));
    if (k.tracing())
      k.step(StepKind::kFileOp, "unix_stream_sendmsg",
             cat("an skb of ", bytes(size), " (truesize ", other.receive_queue.back().truesize,
                 ") joins the receive queue of ", other.name, "; ", sk.name,
                 "'s sk_wmem_alloc is now ", sk.wmem_alloc),
             {ref()});
    sock_def_readable(k, other.sk_wq);  // other->sk_data_ready
    sent += size;
  }
  if (oob && !err && static_cast<size_t>(sent) == len) {
    const long r = queue_oob(k, task, io, sent);
    if (r == kWouldSleep) return r;
    if (r < 0)
      err = r;
    else
      ++sent;
  }
  return sent ? sent : err;
}

// queue_oob: the urgent byte in an skb of its own (sock_alloc_send_skb, so it needs room in the
// send buffer like any skb), which becomes the peer's u->oob_skb.
long UnixStreamSocket::queue_oob(KernelContext& k, Task& task, IoRequest& io, long sent) {
  UnixSock& sk = *sk_;
  UnixSock& other = *sk.peer;
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  if (sk.err) return -take_so_error(k);
  if (sk.shutdown & kSendShutdown) return -kEPIPE;
  if (sk.wmem_alloc >= sk.sndbuf) {
    if (nonblock) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "sock_alloc_send_skb",
               cat(sk.name, "'s send buffer is full: no skb for the MSG_OOB byte, EAGAIN"),
               {ref()});
      return -kEAGAIN;
    }
    io.done = sent;
    sock_prepare_to_wait(&wq_, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "sock_wait_for_wmem",
             cat(sk.name,
                 "'s send buffer is full: the blocking writer sleeps before its MSG_OOB byte"),
             {ref(), task.ref()});
    return kWouldSleep;
  }
  UnixSkb skb{1, 0, unix_skb_truesize(1), sk_};
  sk.wmem_alloc += skb.truesize;
  if (other.dead || (other.shutdown & kRcvShutdown)) {
    unix_skb_free(k, std::move(skb), "never delivered");
    return -kEPIPE;
  }
  for (UnixSkb& queued : other.receive_queue)
    queued.oob = false;  // the earlier urgent byte, if any, is ordinary data from now on
  skb.oob = true;
  other.oob_pending = true;
  other.inq_len += skb.len;
  other.receive_queue.push_back(std::move(skb));
  if (k.tracing())
    k.step(StepKind::kFileOp, "queue_oob",
           cat("the MSG_OOB byte joins the receive queue of ", other.name,
               " in an skb of its own and becomes its oob_skb (EPOLLPRI); ", sk.name,
               "'s sk_wmem_alloc is now ", sk.wmem_alloc),
           {ref()});
  sock_def_readable(k, other.sk_wq);  // other->sk_data_ready
  return 0;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] unix_stream_read_generic
// ---------------------------------------------------------------------------------------------

namespace {

// Unlinks receive_queue[at] and frees it (consume_skb / kfree_skb → sock_wfree on its sender).
void unix_unlink_skb(KernelContext& k, UnixSock& sk, size_t at, const char* why) {
  UnixSkb skb = std::move(sk.receive_queue[at]);
  sk.receive_queue.erase(sk.receive_queue.begin() + static_cast<std::ptrdiff_t>(at));
  unix_skb_free(k, std::move(skb), why);
}

}  // namespace

// manage_oob: what the read loop may take at receive_queue[at]. Empty skbs (an urgent byte read
// by recv(MSG_OOB)) are unlinked or stepped over; the oob skb ends a read that copied something,
// and is dropped (or stepped over by MSG_PEEK) by one that did not. nullopt: nothing to take.
std::optional<size_t> UnixStreamSocket::manage_oob(KernelContext& k, size_t at, bool peek,
                                                   long copied) {
  UnixSock& sk = *sk_;
  if (sk.receive_queue[at].unread() && !sk.receive_queue[at].oob) return at;
  if (!sk.receive_queue[at].unread()) {
    // An empty skb (its urgent byte read with MSG_OOB) ends a read that copied something only
    // while no newer urgent byte is pending; with one, the read steps over it up to the new mark.
    if (copied && !sk.oob_pending) return std::nullopt;
    if (peek)
      ++at;
    else
      unix_unlink_skb(k, sk, at, "its urgent byte was read with MSG_OOB");
    if (at >= sk.receive_queue.size()) return std::nullopt;
  }
  UnixSkb& skb = sk.receive_queue[at];
  if (!skb.oob) return at;
  if (copied) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "manage_oob",
             cat(sk.name, ": the read stops at the MSG_OOB byte (the urgent mark)"), {ref()});
    return std::nullopt;
  }
  if (peek) return at + 1 < sk.receive_queue.size() ? std::optional<size_t>(at + 1) : std::nullopt;
  // Not SO_OOBINLINE: the urgent byte nobody read with MSG_OOB is thrown away. This kernel does
  // not take it off u->inq_len: FIONREAD counts it from now on [O1].
  skb.oob = false;
  sk.oob_pending = false;
  if (k.tracing())
    k.step(StepKind::kFileOp, "manage_oob",
           cat(sk.name, ": the read starts at the MSG_OOB byte, which is dropped unread"), {ref()});
  unix_unlink_skb(k, sk, at, "its urgent byte was skipped");
  return sk.receive_queue.empty() ? std::nullopt : std::optional<size_t>(0);
}

// unix_stream_recv_urg: recv(MSG_OOB) copies the urgent byte; its skb stays queued, empty.
long UnixStreamSocket::recv_urg(KernelContext& k, IoRequest& io) {
  UnixSock& sk = *sk_;
  if (!sk.oob_pending) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "unix_stream_recv_urg",
             cat(sk.name, " has no MSG_OOB byte: EINVAL"), {ref()});
    return -kEINVAL;
  }
  size_t at = 0;
  while (!sk.receive_queue[at].oob)
    ++at;
  const bool peek = io.flags & kMSG_PEEK;
  bool empty_before = false;
  if (!peek) {
    sk.receive_queue[at].oob = false;
    sk.oob_pending = false;
    sk.receive_queue[at].consumed += 1;
    sk.inq_len -= 1;
    empty_before = at > 0 && !sk.receive_queue[at - 1].unread();
  }
  if (k.tracing())
    k.step(StepKind::kFileOp, "unix_stream_recv_urg",
           cat(sk.name, ": the MSG_OOB byte is ", peek ? "peeked at" : "read",
               peek ? "" : "; its empty skb stays on the receive queue"),
           {ref()});
  if (empty_before) unix_unlink_skb(k, sk, at - 1, "an empty skb before the urgent byte");
  return 1;
}

long UnixStreamSocket::read(KernelContext& k, Task& task, IoRequest& io) {
  // sock_read_iter: an empty read returns before recvmsg. recv(fd, 0) gets there, with a target
  // of 1 byte it cannot meet: EAGAIN on an empty socket, 0 when data or the end is there.
  if (io.count == 0 && !io.recvmsg) return 0;
  if (io.flags & kMSG_OOB) return recv_urg(k, io);
  UnixSock& sk = *sk_;
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  const bool peek = io.flags & kMSG_PEEK;
  // sock_rcvlowat: MSG_WAITALL waits for the whole count, else for 1 byte.
  const size_t target = (io.flags & kMSG_WAITALL) && io.count ? io.count : 1;
  long copied = 0;
  if (io.resumed) {
    finish_wait(task);
    copied = io.done;
  }
  size_t size = io.count - static_cast<size_t>(copied);
  long err = 0;
  size_t peek_index = 0;
  for (;;) {
    std::optional<size_t> at;
    if (peek ? peek_index < sk.receive_queue.size() : !sk.receive_queue.empty()) {
      at = manage_oob(k, peek ? peek_index : 0, peek, copied);
      if (!at && copied) break;
    }
    if (!at) {
      if (static_cast<size_t>(copied) >= target) break;
      // "POSIX 1003.1g mandates this order": pending error, then end of data, then wait.
      if (sk.err) {
        err = -take_so_error(k);
        break;
      }
      if (sk.shutdown & kRcvShutdown) {
        if (k.tracing())
          k.step(StepKind::kFileOp, "unix_stream_read_generic",
                 cat(sk.name, " is empty and shut for reading: end of file"), {ref()});
        break;
      }
      if (nonblock) {
        err = -kEAGAIN;
        break;
      }
      io.done = copied;
      sock_prepare_to_wait(&wq_, task);
      if (k.tracing())
        k.step(StepKind::kFileOp, "unix_stream_data_wait",
               cat(sk.name,
                   copied ? cat(" has given ", bytes(copied), " of the ", io.count,
                                " MSG_WAITALL asks for")
                          : std::string(" is empty"),
                   ": the blocking reader sleeps on its sk_wq"),
               {ref(), task.ref()});
      return kWouldSleep;
    }
    UnixSkb* skb = &sk.receive_queue[*at];
    const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(skb->unread(), size));
    copied += chunk;
    size -= chunk;
    if (peek) {
      // MSG_PEEK goes on to the next skb, and ends at the last one: no waiting, no error, even
      // short of a MSG_WAITALL target.
      peek_index = *at + 1;
      if (peek_index >= sk.receive_queue.size()) break;
    } else {
      skb->consumed += chunk;
      sk.inq_len -= chunk;
      if (k.tracing())
        k.step(StepKind::kFileOp, "unix_stream_read_generic",
               cat(bytes(chunk), " read from an skb of ", bytes(skb->len), " on ", sk.name,
                   skb->unread() ? cat(", ", skb->unread(), " left in it") : ", now empty"),
               {ref()});
      if (skb->unread()) break;
      unix_unlink_skb(k, sk, *at, "read to the end");
    }
    if (!size) break;
  }
  return copied ? copied : err;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] shutdown, setsockopt, close
// ---------------------------------------------------------------------------------------------

int sock_error(KernelContext& k, int& sk_err, const std::string& sock, ObjRef file) {
  const int err = sk_err;
  if (!err) return 0;
  sk_err = 0;
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_error",
           cat(sock, ": the pending error ", errno_name(err), " is reported and cleared"), {file});
  return err;
}

int UnixStreamSocket::take_so_error(KernelContext& k) {
  return sock_error(k, sk_->err, sk_->name, ref());
}

long UnixStreamSocket::shutdown(KernelContext& k, int how) {
  if (how < kSHUT_RD || how > kSHUT_RDWR) return -kEINVAL;
  // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN, SHUT_RDWR → both.
  const uint8_t mode = static_cast<uint8_t>(how + 1);
  UnixSock& sk = *sk_;
  sk.shutdown |= mode;
  if (k.tracing())
    k.step(StepKind::kFileOp, "unix_shutdown",
           cat(sk.name, " shuts down ", shutdown_bits_name(mode), "; its sk_shutdown is now ",
               shutdown_bits_name(sk.shutdown)),
           {ref()});
  sock_def_wakeup(k, sk.sk_wq);  // sk->sk_state_change(sk)
  if (std::shared_ptr<UnixSock> other = sk.peer) {
    uint8_t peer_mode = 0;
    if (mode & kRcvShutdown) peer_mode |= kSendShutdown;
    if (mode & kSendShutdown) peer_mode |= kRcvShutdown;
    other->shutdown |= peer_mode;
    if (k.tracing())
      k.step(StepKind::kFileOp, "unix_shutdown",
             cat("the peer ", other->name, " gets the mirrored ", shutdown_bits_name(peer_mode),
                 "; its sk_shutdown is now ", shutdown_bits_name(other->shutdown)),
             {ref()});
    sock_def_wakeup(k, other->sk_wq);  // other->sk_state_change(other)
  }
  return 0;
}

long UnixStreamSocket::set_sndbuf(KernelContext& k, int v) {
  UnixSock& sk = *sk_;
  sk.sndbuf = sock_sndbuf_from_user(v);
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_setsockopt",
           cat(sk.name, ": SO_SNDBUF ", v, " sets sk_sndbuf to ", sk.sndbuf), {ref()});
  // "Wake up sending tasks if we upped the value."
  unix_write_space(k, sk, 0);
  return 0;
}

long UnixStreamSocket::set_rcvbuf(KernelContext& k, int v) {
  UnixSock& sk = *sk_;
  sk.rcvbuf = sock_rcvbuf_from_user(v);
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_setsockopt",
           cat(sk.name, ": SO_RCVBUF ", v, " sets sk_rcvbuf to ", sk.rcvbuf,
               " (a stream socket's sender is limited by its own sk_sndbuf, not by this)"),
           {ref()});
  return 0;
}

void UnixStreamSocket::release(KernelContext& k) {
  UnixSock& sk = *sk_;
  // sock_orphan: SOCK_DEAD, and no more wake-ups through this file's queue.
  sk.shutdown = kShutdownMask;
  sk.dead = true;
  sk.sk_wq = nullptr;
  sk.file_id = 0;
  if (k.tracing())
    k.step(StepKind::kFileOp, "unix_release_sock",
           cat(sk.name, " is closed: both directions shut, the sock is orphaned"), {ref()});
  if (std::shared_ptr<UnixSock> skpair = std::move(sk.peer)) {
    // "Don't set -ECONNRESET for consumed OOB skb": an empty skb at the head (its urgent byte
    // read with MSG_OOB) is looked past; only an skb behind it counts as unread.
    const bool unread = sk.receive_queue.size() > 1 ||
                        (!sk.receive_queue.empty() && sk.receive_queue.front().unread());
    skpair->shutdown = kShutdownMask;  // "No more writes"
    if (unread) skpair->err = kECONNRESET;
    if (k.tracing())
      k.step(StepKind::kFileOp, "unix_release_sock",
             cat("the peer ", skpair->name, " gets sk_shutdown RCV|SEND",
                 unread ? cat(" and sk_err ECONNRESET, because ", bytes(sk.unread_bytes()),
                              " sent to ", sk.name, " were never read")
                        : std::string()),
             {ref()});
    sock_def_wakeup(k, skpair->sk_wq);  // skpair->sk_state_change(skpair)
  }
  // "Try to flush out this socket. Throw out buffers at least": each skb was charged to its
  // sender, the peer, whose write space is checked once per skb.
  while (!sk.receive_queue.empty()) {
    UnixSkb skb = std::move(sk.receive_queue.front());
    sk.receive_queue.pop_front();
    unix_skb_free(k, std::move(skb), "its reader was closed");
  }
}

}  // namespace epollscope::sim
