// SPDX-License-Identifier: GPL-2.0-only
// sim/unix_stream.h — net/unix/af_unix.c of Linux 6.18: AF_UNIX SOCK_STREAM socket pairs, and the
// net/core/sock.c callbacks that both socket models (this one and sim/tcp.h) wake their queues
// with.
//
// A socketpair is two struct socks joined by unix_peer(). Each end is a file (struct socket) with
// ONE wait queue, sock->wq.wait ("sk_wq"): unix_poll registers there, and every wake-up of that
// end goes there, whatever its direction. The sock points at it through sk_wq until close
// orphans the sock (sock_orphan sets sk_wq = NULL), after which wake-ups for it go nowhere.
//
// Data. A write of S bytes is cut into skbs of at most MAXSEG = min(sk_sndbuf/2 - 64, 36544)
// bytes (full pieces, then the rest), and each skb is queued on the PEER's receive queue at once,
// charged to the SENDER: the sender's sk_wmem_alloc grows by the skb's truesize. Before each skb
// the sender needs sk_wmem_alloc < sk_sndbuf (sock_alloc_send_pskb), else EAGAIN, or the partial
// count when some skbs of this write already went in. Every skb queued calls the receiver's
// sk_data_ready = sock_def_readable: key IN|PRI|RDNORM|RDBAND, even if data is already unread,
// so edge-triggered readers hear about every send.
//
// A read runs across skb boundaries; an skb is freed only when it is consumed whole. Each free
// runs sock_wfree on the skb's owner (the sender): its sk_wmem_alloc shrinks, then
// unix_write_space wakes the sender's queue with key OUT|WRNORM|WRBAND if the sender is writable
// (4 * (charged bytes + 1) <= sk_sndbuf: sk_wmem_alloc is a refcount with a bias of 1) — even if
// the sender never waited for room, so an edge-triggered writer hears about every fully consumed
// skb. A blocking reader or writer sleeps on sk_wq as a non-exclusive waiter until then.
//
// shutdown(how) sets the caller's sk_shutdown bits and the mirrored bits on the peer, and wakes
// BOTH queues with key 0 and every waiter (sk_state_change = sock_def_wakeup). close()
// (unix_release_sock) gives the peer SHUTDOWN_MASK and, if the closer left unread data in its own
// receive queue, sk_err = ECONNRESET; wakes the peer (key 0); then frees the closer's receive
// queue — those skbs were charged to the peer, so the peer's unix_write_space runs once per skb.
//
// poll (unix_poll): ERR if sk_err; HUP if both directions are shut; IN|RDNORM|RDHUP if reading
// is shut; IN|RDNORM if the receive queue is not empty; OUT|WRNORM|WRBAND if writable — also
// after the peer is gone, so a writer is never stuck.
//
// MSG_OOB (CONFIG_AF_UNIX_OOB). send(fd, S bytes, MSG_OOB) queues S-1 bytes as usual, then the
// last byte alone in its own skb (queue_oob), which becomes the receiver's u->oob_skb (replacing
// an earlier one, whose byte turns into ordinary data), and calls sk_data_ready once more. A
// 0-byte MSG_OOB send is EOPNOTSUPP. unix_poll adds EPOLLPRI while u->oob_skb is set. A read
// stops before the oob skb once it has copied something (manage_oob); a read that starts at it
// drops it (kfree_skb → sock_wfree) and goes on. recv(MSG_OOB) (unix_stream_recv_urg) returns that
// byte without unlinking its skb: the empty skb stays queued — so poll still says IN — until the
// next read unlinks it; no oob skb: EINVAL, never EAGAIN. MSG_WAITALL makes a blocking read wait
// for the whole count (target = size, sock_rcvlowat); MSG_MORE is ignored.
//
// Not modelled: SCM_RIGHTS and SO_PASSCRED (the short reads they cause), SO_OOBINLINE,
// sk_peek_offset, datagram and seqpacket
// sockets, listening/connecting AF_UNIX sockets (socketpair only), SIGPIPE (ignored, as by the
// live backend: the model returns EPIPE).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sim/file.h"
#include "sim/wait.h"

namespace epollscope::sim {

class FileTable;

// ---------------------------------------------------------------------------------------------
// [SECTION] net/core/sock.c pieces shared by the socket models
// ---------------------------------------------------------------------------------------------

// sk_shutdown bits (include/net/sock.h).
inline constexpr uint8_t kRcvShutdown = 1;
inline constexpr uint8_t kSendShutdown = 2;
inline constexpr uint8_t kShutdownMask = 3;

inline constexpr int kSockMinSndbuf = 4608;        // SOCK_MIN_SNDBUF on x86-64
inline constexpr int kSysctlWmemMax = 4194304;     // net.core.wmem_max on the project's machines
inline constexpr int kSysctlWmemDefault = 212992;  // net.core.wmem_default (AF_UNIX sk_sndbuf)
inline constexpr int kSockMinRcvbuf = 2304;        // SOCK_MIN_RCVBUF on x86-64
inline constexpr int kSysctlRmemMax = 4194304;     // net.core.rmem_max on the project's machines
inline constexpr int kSysctlRmemDefault = 212992;  // net.core.rmem_default (AF_UNIX sk_rcvbuf)

// "RCV|SEND" for sk_shutdown bits, "none" for 0.
std::string shutdown_bits_name(uint8_t shutdown);

// sock_def_readable: sk_data_ready of both models. `sk_wq` is nullptr for an orphaned sock.
void sock_def_readable(KernelContext& k, WaitQueueHead* sk_wq);
// sock_def_wakeup: sk_state_change, key 0, every waiter.
void sock_def_wakeup(KernelContext& k, WaitQueueHead* sk_wq);
// sock_def_error_report: sk_error_report, key EPOLLERR.
void sock_def_error_report(KernelContext& k, WaitQueueHead* sk_wq);
// prepare_to_wait(sk_sleep(sk)): a blocking socket call sleeps as a non-exclusive waiter at the
// head of the socket's queue (unix_stream_data_wait, sock_wait_for_wmem, sk_wait_data).
void sock_prepare_to_wait(WaitQueueHead* sk_wq, Task& task);
// sock_error: the pending sk_err, reported once and cleared (0 if none). `sock` names the socket
// in the trace.
int sock_error(KernelContext& k, int& sk_err, const std::string& sock, ObjRef file);
// The new sk_sndbuf of setsockopt(SO_SNDBUF, v): 2 * min(v, wmem_max), at least SOCK_MIN_SNDBUF.
int sock_sndbuf_from_user(int v);
// The new sk_rcvbuf of setsockopt(SO_RCVBUF, v): 2 * min(v, rmem_max), at least SOCK_MIN_RCVBUF.
int sock_rcvbuf_from_user(int v);

// ---------------------------------------------------------------------------------------------
// [SECTION] AF_UNIX stream
// ---------------------------------------------------------------------------------------------

// skb->truesize of a unix stream skb carrying `len` bytes (head buffer + page fragments).
uint32_t unix_skb_truesize(uint32_t len);
// The largest skb unix_stream_sendmsg builds for a socket with this sk_sndbuf.
uint32_t unix_stream_max_skb(int sndbuf);

struct UnixSock;

// One sk_buff on a receive queue.
struct UnixSkb {
  uint32_t len = 0;                 // skb->len
  uint32_t consumed = 0;            // UNIXCB(skb).consumed: bytes already read
  uint32_t truesize = 0;            // charged to owner->wmem_alloc until the skb is freed
  std::shared_ptr<UnixSock> owner;  // skb->sk: the sending sock (sock_wfree runs on it)
  bool oob = false;                 // this is the receiver's u->oob_skb (MSG_OOB's byte)
  uint32_t unread() const { return len - consumed; }  // unix_skb_len
};

// struct unix_sock with its struct sock.
struct UnixSock {
  std::string name;                 // "socketpair#4 sv[0]", for trace sentences
  WaitQueueHead* sk_wq = nullptr;   // the socket file's queue; nullptr once orphaned
  uint8_t shutdown = 0;             // sk_shutdown
  int err = 0;                      // sk_err (positive errno)
  bool dead = false;                // SOCK_DEAD: released by close()
  long wmem_alloc = 0;              // truesizes of our skbs not yet freed (sk_wmem_alloc - 1)
  int sndbuf = kSysctlWmemDefault;  // sk_sndbuf
  int rcvbuf = kSysctlRmemDefault;  // sk_rcvbuf: not a limit for a stream socket's receiver
  std::deque<UnixSkb> receive_queue;
  bool oob_pending = false;  // u->oob_skb != NULL: one skb of receive_queue has `oob` set
  // u->inq_len, what FIONREAD (unix_inq_len) answers: the bytes queued, less those read. On this
  // kernel an urgent byte that manage_oob drops unread stays counted [O1].
  uint64_t inq_len = 0;
  std::shared_ptr<UnixSock> peer;  // unix_peer(sk); cleared when this end is released
  uint32_t file_id = 0;            // the socket file, 0 once released

  uint64_t unread_bytes() const;
};

class UnixStreamSocket final : public File {
 public:
  UnixStreamSocket(KernelContext& k, std::shared_ptr<UnixSock> sk, int flags);

  poll_t poll(KernelContext& k, PollTable* pt) override;  // unix_poll
  poll_t peek_poll() const override;
  long read(KernelContext& k, Task& task, IoRequest& io) override;   // unix_stream_recvmsg
  long write(KernelContext& k, Task& task, IoRequest& io) override;  // unix_stream_sendmsg
  void release(KernelContext& k) override;  // unix_release → unix_release_sock
  std::vector<const WaitQueueHead*> wait_queues() const override { return {&wq_}; }
  void describe(FileView& view) const override;

  long shutdown(KernelContext& k, int how);  // unix_shutdown
  long set_sndbuf(KernelContext& k, int v);  // setsockopt(SOL_SOCKET, SO_SNDBUF, v)
  long set_rcvbuf(KernelContext& k, int v);  // setsockopt(SOL_SOCKET, SO_RCVBUF, v)
  // getsockopt(SO_ERROR): sock_error() — returns sk_err and clears it.
  int take_so_error(KernelContext& k);

  const UnixSock& sock() const { return *sk_; }

 private:
  poll_t mask() const;
  long queue_oob(KernelContext& k, Task& task, IoRequest& io, long sent);
  long recv_urg(KernelContext& k, IoRequest& io);  // unix_stream_recv_urg
  std::optional<size_t> manage_oob(KernelContext& k, size_t at, bool peek, long copied);
  std::shared_ptr<UnixSock> sk_;
  WaitQueueHead wq_;  // sock->wq.wait
};

// unix_socketpair: two connected sockets, not yet in the fd table.
std::pair<File*, File*> create_unix_stream_pair(KernelContext& k, FileTable& files, int flags);

}  // namespace epollscope::sim
