// SPDX-License-Identifier: GPL-2.0-only
// sim/tcp.h — TCP over loopback (net/ipv4/tcp.c, tcp_input.c, tcp_output.c, af_inet.c,
// inet_connection_sock.c and net/core/stream.c of Linux 6.18), as far as epoll can see it.
//
// Objects. A TcpSock is the struct sock (with its tcp_sock): state, sk_shutdown, sk_err, the
// SOCK_DONE and SOCK_NOSPACE flags, the send queue with its sk_wmem_queued charge, the receive
// queue, and the sequence counters below. A TcpSocket is the file (struct socket) with the one wait
// queue tcp_poll registers on ("sk_wq"). A listener's accepted-but-not-yet-accept()ed children
// are socks without a file; close() orphans a sock (no file, no wake-ups) that may live on to
// finish its connection (FIN_WAIT1/2 answering with RST), kept by TcpNet like the kernel's
// established hash keeps it.
//
// The wire. TcpNet is the loopback device and its softirq: every segment a sock sends (SYN,
// data, ACK, FIN, RST) goes into a FIFO that is processed to the end before the socket call that
// sent it returns — the deterministic version of "the live backend waits until the network is
// idle". So the order of wake-ups within one call is the kernel's: the receiver's sk_data_ready
// for the data first, then (when the receiver's ACK comes back) the sender's write space.
//
// Wake-ups, exactly as the kernel issues them (all on the sock's one queue):
//   data segment queued            → sk_data_ready = sock_def_readable, IN|PRI|RDNORM|RDBAND
//                                    (sync, one exclusive waiter), per segment, even if data is
//                                    already unread: edge-triggered readers hear every segment;
//   ACK frees send space           → tcp_check_space: only if SOCK_NOSPACE is set (a send ran out
//                                    of sk_sndbuf, or tcp_poll found the socket unwritable) →
//                                    sk_stream_write_space: once writable again (free space at
//                                    least half of what is queued) clear SOCK_NOSPACE and wake
//                                    OUT|WRNORM|WRBAND. Ordinary ACKs never wake the sender;
//   FIN received, connection       → sk_state_change = sock_def_wakeup, key 0, every waiter;
//   established or done, shutdown()
//   RST received                   → tcp_done_with_error: sk_state_change (key 0) from
//                                    tcp_done, then sk_error_report (key EPOLLERR);
//   connection queued on listener  → the listener's sk_data_ready, once per connection.
//
// What is exact: poll masks (tcp_poll, inet_csk_listen_poll), return values and errnos
// (tcp_sendmsg_locked with sk_stream_wait_connect / sk_stream_error, tcp_recvmsg_locked,
// inet_shutdown, inet_csk_accept), the state machine of close/shutdown/FIN/RST, the backlog rule
// (listen(N) queues N+1 connections; further SYNs are dropped and those clients stay SYN_SENT),
// and who is woken with which key.
//
// What is an approximation (byte counts depend on autotuning the model does not reproduce):
//   - the send queue is cut into skbs of one MSS (client 32741, server 32768 bytes, as measured),
//     each charged len + 576 bytes (SKB_TRUESIZE) to sk_wmem_queued; a new skb needs
//     sk_wmem_queued < sk_sndbuf; sk_sndbuf is 3939840 once connected and jumps to tcp_wmem[2]
//     (4194304) the first time tcp_new_space runs, unless SO_SNDBUF locked it;
//   - the receive window is sk_rcvbuf (131072) minus the unread bytes; the receiver advertises it
//     in each ACK, never shrinks its right edge, and advertises 0 while less than one MSS is free;
//     a segment is sent only if it fits whole;
//   - ACKs: the first segment a receiver gets during a socket call is acknowledged at once (quick
//     ACK), later ones wait for the reader (tcp_cleanup_rbuf sends the owed ACK, or a window
//     update once the window can at least double); the delayed-ACK timer is not modelled;
//   - Nagle with Minshall's rule: a segment shorter than the MSS waits while an earlier short
//     segment is unacknowledged (TCP_NODELAY is not modelled).
//   - a FIN is acknowledged at once (the kernel may delay that ACK too).
// With these rules the probes' events come out as measured: a 65536-byte write leaves its last
// short segment unacknowledged, so a following 10-byte write waits until the reader reads [B4]; a
// 200000-byte write fills the window and a 5-byte read does not reopen it [B4]. The counts differ
// a little: an idle reader's queue takes 131072 bytes (kernel 127973..128512), 65536-byte writes
// are accepted up to 3994510 bytes (kernel 4005888), write(10000000) returns 3896179 (kernel
// 3919467); with SO_SNDBUF 4096 the writer gets 163705 bytes out before EAGAIN (kernel 80357).
// Not modelled: urgent data (MSG_OOB), SYN retransmission (a dropped SYN is never retried, and
// connect never sleeps, even on a blocking socket), the TIME_WAIT and FIN_WAIT2 timers (their
// effect on the socket — TCP_CLOSE — is immediate), keepalive, retransmission, congestion
// control, SO_LINGER, TCP_NODELAY, TCP_CORK, SO_RCVBUF.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/file.h"
#include "sim/wait.h"

namespace epollscope::sim {

class FileTable;
class TcpNet;

// include/net/tcp_states.h
enum class TcpState : uint8_t {
  kEstablished = 1,
  kSynSent,
  kSynRecv,
  kFinWait1,
  kFinWait2,
  kTimeWait,
  kClose,
  kCloseWait,
  kLastAck,
  kListen,
  kClosing,
};
const char* tcp_state_name(TcpState s);

inline constexpr int kTcpWmemDefault = 16384;        // tcp_wmem[1]: sk_sndbuf of a new socket
inline constexpr int kTcpWmemMax = 4194304;          // tcp_wmem[2]: where send autotuning stops
inline constexpr int kTcpRmemDefault = 131072;       // tcp_rmem[1]: sk_rcvbuf
inline constexpr int kTcpConnectedSndbuf = 3939840;  // sk_sndbuf once connected (measured)
inline constexpr uint32_t kTcpMssClient = 32741;     // TCP_MAXSEG of the connecting side
inline constexpr uint32_t kTcpMssServer = 32768;     // TCP_MAXSEG of the accepted side
inline constexpr uint32_t kTcpSkbOverhead = 576;     // SKB_TRUESIZE() - data, per skb
inline constexpr int kSomaxconn = 4096;              // net.core.somaxconn

// One skb of received data.
struct TcpRxSegment {
  uint32_t len = 0;
  uint32_t copied = 0;  // read by the application (copied_seq inside this skb)
  uint32_t unread() const { return len - copied; }
};

// One skb of the send side: unsent (write queue) or sent and not yet acknowledged (rtx queue).
struct TcpTxSkb {
  uint64_t end_seq = 0;  // sequence (byte count) just past its last byte
  uint32_t len = 0;
  uint32_t truesize = 0;
};

// struct sock + struct tcp_sock (+ the listener's accept queue). Sequence numbers are byte
// counts from 0; SYN and FIN take no sequence space here.
struct TcpSock : std::enable_shared_from_this<TcpSock> {
  std::string name;                // "tcp conn#7 client", for trace sentences
  std::string conn;                // "tcp conn#7": the connection, shared by client and server
  WaitQueueHead* sk_wq = nullptr;  // the socket file's queue; nullptr without a file
  uint32_t file_id = 0;
  TcpState state = TcpState::kClose;
  uint8_t shutdown = 0;        // sk_shutdown
  int err = 0;                 // sk_err
  bool dead = false;           // SOCK_DEAD: orphaned by close(), or forgotten by its listener
  bool done = false;           // SOCK_DONE: the peer's FIN arrived
  bool nospace = false;        // SOCK_NOSPACE (a flag of struct socket)
  bool sndbuf_locked = false;  // SOCK_SNDBUF_LOCK: SO_SNDBUF was set, no autotuning
  bool owned = false;          // lock_sock: its segments wait in the backlog for release_sock
  int sndbuf = kTcpWmemDefault;
  int rcvbuf = kTcpRmemDefault;
  uint32_t mss = kTcpMssClient;
  std::weak_ptr<TcpSock> peer;  // the other end of the connection
  // An accepted connection: the listener whose address (and port) it shares. A connect to its
  // address reaches that listener, as long as it listens.
  std::weak_ptr<TcpSock> listener;

  // send side
  uint64_t write_seq = 0;    // bytes accepted from the application
  uint64_t snd_nxt = 0;      // bytes sent
  uint64_t snd_una = 0;      // bytes acknowledged
  uint64_t snd_wnd_end = 0;  // right edge of the peer's advertised window
  uint64_t snd_sml = 0;      // end of the last segment shorter than the MSS (Minshall)
  std::deque<TcpTxSkb> send_queue;
  long wmem_queued = 0;     // sk_wmem_queued
  bool fin_queued = false;  // tcp_send_fin: a FIN follows the data
  bool fin_sent = false;
  bool fin_acked = false;

  // receive side
  std::deque<TcpRxSegment> receive_queue;
  uint64_t rcv_nxt = 0;         // bytes received
  uint64_t copied_seq = 0;      // bytes read
  uint64_t rcv_wup = 0;         // rcv_nxt when we last sent an ACK
  uint64_t rcv_wnd_end = 0;     // right edge of the window we advertised
  uint32_t quick_ack_call = 0;  // the socket call in which we last acknowledged at once
  bool fin_received = false;

  // listener
  int max_ack_backlog = 0;
  std::deque<std::shared_ptr<TcpSock>> accept_queue;

  uint64_t unread_bytes() const { return rcv_nxt - copied_seq; }
};

class TcpSocket final : public File {
 public:
  // `net` is the network the socket lives in (sock_net); it outlives the socket.
  TcpSocket(KernelContext& k, TcpNet& net, std::shared_ptr<TcpSock> sk, int flags);

  poll_t poll(KernelContext& k, PollTable* pt) override;  // tcp_poll
  poll_t peek_poll() const override;
  long read(KernelContext& k, Task& task, IoRequest& io) override;   // tcp_recvmsg
  long write(KernelContext& k, Task& task, IoRequest& io) override;  // tcp_sendmsg
  void release(KernelContext& k) override;                           // inet_release → tcp_close
  std::vector<const WaitQueueHead*> wait_queues() const override { return {&wq_}; }
  void describe(FileView& view) const override;

  long shutdown(KernelContext& k, int how);  // inet_shutdown
  long set_sndbuf(KernelContext& k, int v);  // setsockopt(SOL_SOCKET, SO_SNDBUF, v)
  // getsockopt(SO_ERROR): sock_error() — returns sk_err and clears it.
  int take_so_error(KernelContext& k);

  const TcpSock& sock() const { return *sk_; }
  const std::shared_ptr<TcpSock>& sock_ptr() const { return sk_; }
  WaitQueueHead* queue() { return &wq_; }

 private:
  poll_t mask() const;
  TcpNet& net_;
  std::shared_ptr<TcpSock> sk_;
  WaitQueueHead wq_;  // sock->wq.wait
};

// A segment on the loopback wire.
struct TcpPacket {
  enum class Kind : uint8_t { kSyn, kData, kAck, kFin, kRst };
  Kind kind = Kind::kAck;
  std::weak_ptr<TcpSock> from;
  std::weak_ptr<TcpSock> to;
  uint32_t len = 0;         // kData: payload bytes
  uint64_t ack = 0;         // kAck: bytes acknowledged
  uint64_t window_end = 0;  // kAck: right edge of the sender's receive window
  bool ack_fin = false;     // kAck: also acknowledges the FIN
};

// The loopback network of the simulated machine: the sockets' constructors, and the wire.
class TcpNet {
 public:
  // socket + bind 127.0.0.1:0 + listen(backlog).
  File* listen(KernelContext& k, FileTable& files, int backlog, int flags);
  // socket + non-blocking connect to the listener's port; the handshake runs at once, so the
  // socket comes back connected, or refused (sk_err ECONNREFUSED), or in SYN_SENT when the
  // listener's accept queue is full.
  File* connect(KernelContext& k, FileTable& files, File* listener, int flags);
  // inet_accept. Returns the new socket file, or nullptr with *err = -errno, or nullptr with
  // *err = kWouldSleep when a blocking listener has nothing queued (the task is queued on it).
  File* accept(KernelContext& k, FileTable& files, Task& task, File* listener, int flags,
               long* err);
  long shutdown(KernelContext& k, File* sock, int how);

  // Puts a segment on the wire.
  void send(TcpPacket packet) { wire_.push_back(std::move(packet)); }
  // The loopback softirq: delivers every segment on the wire, including those its deliveries send;
  // a segment for a socket its owner holds (TcpSock::owned) goes to the backlog.
  void run(KernelContext& k);
  // release_sock: the socket's backlog is processed, then the wire.
  void release(KernelContext& k, TcpSock& sk);
  // A closed sock that still has a connection to finish, kept until it reaches TCP_CLOSE.
  void keep_orphan(std::shared_ptr<TcpSock> sk) { orphans_.push_back(std::move(sk)); }
  void forget_orphan(const TcpSock* sk);

 private:
  void deliver(KernelContext& k, TcpPacket& p);
  std::deque<TcpPacket> wire_;
  std::deque<TcpPacket> backlog_;  // segments for owned sockets (sk_add_backlog)
  std::vector<std::shared_ptr<TcpSock>> orphans_;
  bool running_ = false;
};

}  // namespace epollscope::sim
