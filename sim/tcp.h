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
// data, ACK, FIN, RST) goes into a FIFO, and the softirq runs where the kernel's does: at the
// local_bh_enable that ends dev_queue_xmit, inside the function that sent (tcp_write_xmit,
// tcp_send_ack, tcp_send_active_reset, tcp_connect), processing the FIFO to the end, including
// what its deliveries send. A call holds its own socket (lock_sock): segments for it wait in its
// backlog until release_sock, after the rest of the call. So the order of wake-ups within one
// call is the kernel's: the peer's first (its sk_data_ready for data, its sk_state_change for a
// FIN, its reset), then the caller's own (inet_shutdown's sk_state_change), then the caller's
// reactions to what the peer answered (the ACK that frees space or finishes a close, a RST).
//
// Timers. The delayed-ACK timer is a kernel timer on the virtual clock; the one of a FIN's
// receiver (pingpong mode) fires early, when the statement settles (see the approximations).
// tcp_connect's retransmission timer is a kernel timer on the scheduler's virtual clock:
// a SYN dropped on a full accept queue is sent again after 1, 1, 1, 1, 1, 2, 4, 8, 16 and 32 s
// (tcp_syn_linear_timeouts, then doubling), and the connect fails with ETIMEDOUT 64 s after the
// tenth retransmission (tcp_syn_retries + tcp_syn_linear_timeouts).
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
// (listen(N) queues N+1 connections; further SYNs are dropped and those clients stay SYN_SENT
// until a retransmission gets in), who is woken with which key, and in which order within one
// call (see "The wire") [TCP-O1..O3, TCP-S1].
//
// What is an approximation (byte counts depend on autotuning the model does not reproduce):
//   - the send queue is cut into skbs of one MSS (client 32741, server 32768 bytes, as measured),
//     each charged len + 576 bytes (SKB_TRUESIZE) to sk_wmem_queued; a new skb needs
//     sk_wmem_queued < sk_sndbuf; sk_sndbuf is 3939840 once connected (exact: BBR's
//     sndbuf_expand 3 x TCP_INIT_CWND 10 x per_mss 131328, tcp_sndbuf_expand) and jumps to
//     tcp_wmem[2] (4194304) the first time tcp_new_space runs, unless SO_SNDBUF locked it;
//   - the receive window is sk_rcvbuf (131072) minus the unread bytes; the receiver advertises it
//     in each ACK, never shrinks its right edge, and advertises 0 while less than one MSS is free;
//     a segment is sent only if it fits whole;
//   - ACKs: the first segment a receiver gets during a socket call is acknowledged at once (quick
//     ACK), later ones wait for the reader (tcp_cleanup_rbuf sends the owed ACK, or a window
//     update once the window can at least double) or the delayed-ACK timer (40 ms on the virtual
//     clock). In pingpong mode (the receiver replied with data less than 40 ms after data
//     arrived: tcp_event_data_sent) no ACK is quick: the timer sends it, unless more than one
//     full segment is unacknowledged and the window's right edge advances, or the reader reads
//     after two short segments (ICSK_ACK_PUSHED2), or the receiver sends a segment first; the
//     timer leaves pingpong mode.
//     Every data segment or FIN carries the ACK its sender owes (TcpPacket::has_ack): the peer
//     takes the ACK, queues the data, then sends what the ACK let go (tcp_data_snd_check), which
//     carries the ACK of that data in turn;
//   - Nagle with Minshall's rule: a segment shorter than the MSS waits while an earlier short
//     segment is unacknowledged, unless TCP_NODELAY (tp->nonagle's TCP_NAGLE_OFF) or urgent
//     mode; a cork (TCP_CORK, or MSG_MORE for one push: TCP_NAGLE_CORK) holds it even with nothing
//     in flight, and then the probe timer (200 ms on the virtual clock, tcp_check_probe_timer →
//     tcp_write_wakeup) sends it [O3]; the kernel's timer runs from icsk_rto, a little above 200
//     ms;
//   - SO_RCVBUF sets sk_rcvbuf and the window follows it with the rules above, which are only an
//     approximation of tcp_select_window for small buffers; an accepted socket inherits the
//     listener's sk_rcvbuf, and its sk_sndbuf with SOCK_SNDBUF_LOCK (sk_clone_lock).
//   - a FIN received in ESTABLISHED puts the receiver in pingpong mode (tcp_fin), and its ACK is
//     delayed (tcp_send_delayed_ack: 40 ms once data has arrived, else the next jiffy) unless more
//     than one MSS is unacknowledged or the receiver sends a segment first, which carries it;
//     the live side waits for that ACK after every statement, so when the statement's woken
//     threads have run the model runs its clock to that timer's expiry, firing every timer due
//     before it on the way (TcpNet::settle_delayed_acks), before the next statement.
// Where a count depends on these approximations the read/write marks it (IoRequest::approximate,
// then SysResult::approximate), and `check` reports a difference in it apart from divergences:
//   - a write/send stopped by the send buffer (short count or EAGAIN): the kernel's skbs follow
//     size_goal (32741 bytes until the first ACK is processed from the backlog by
//     sk_flush_backlog, then 47616 = half the 95232-byte window), not one fixed MSS;
//   - a read while the peer holds data back or kTcpExactWindowBelow bytes or more are in flight
//     towards the reader (the kernel's window: 32741 + 95232 = 127973 bytes, in 1024-byte units);
//   - after either, every count on that connection (approx_counts on both socks).
// Below kTcpExactWindowBelow in flight, counts are exact [TCP-B9].
// With these rules the probes' events come out as measured: a 65536-byte write leaves its last
// short segment unacknowledged, so a following 10-byte write waits until the reader reads [B4]; a
// 200000-byte write fills the window and a 5-byte read does not reopen it [B4]. The counts differ
// a little: an idle reader's queue takes 131072 bytes (kernel 127973..128512), 65536-byte writes
// are accepted up to 3994510 bytes (kernel 4005888), write(10000000) returns 3896179 (kernel
// 3919467); with SO_SNDBUF 4096 the writer gets 163705 bytes out before EAGAIN (kernel 80357).
// Urgent data [O2]: MSG_OOB sets snd_up (tcp_mark_urg); segments before it carry the urgent
// pointer (or seq + 0xFFFF); the receiver's tcp_check_urg / tcp_urg keep urg_data and urg_seq;
// tcp_poll's PRI and its "one byte more" for IN at the mark; tcp_recvmsg stops at the mark and
// steps over the urgent byte; tcp_recv_urg. MSG_WAITALL: a blocking reader waits for the count.
// Not modelled: SO_OOBINLINE, SIGURG, a blocking connect (connect never sleeps, even on a blocking
// socket), SYN-ACK retransmission (no half-open connection on loopback), the TIME_WAIT and
// FIN_WAIT2 timers (their effect on the socket — TCP_CLOSE — is immediate), keepalive, data
// retransmission, congestion control, SO_LINGER, autocorking (tcp_should_autocork: loopback
// completes transmissions at once).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
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
// Below this many bytes unread, a receiver's queue holds what the model says (the kernel's first
// window took 127973 bytes of a 131072-byte write client → server, 128000 server → client):
// reads are exact. At or above it, or while the sender holds data back, counts are approximate.
inline constexpr uint64_t kTcpExactWindowBelow = 127973;
inline constexpr int64_t kTcpTimeoutInitNs = 1000000000;  // TCP_TIMEOUT_INIT: the SYN's first RTO
inline constexpr int kTcpSynRetries = 6;                  // net.ipv4.tcp_syn_retries
inline constexpr int kTcpSynLinearTimeouts = 4;           // net.ipv4.tcp_syn_linear_timeouts

// tp->urg_data: TCP_URG_NOTYET (the pointer came, the byte did not), TCP_URG_VALID (the byte is
// here, EPOLLPRI), TCP_URG_READ (recv(MSG_OOB) took it).
enum class TcpUrg : uint8_t { kNone, kNotYet, kValid, kRead };

inline constexpr int kTcpNagleOff = 1;   // TCP_NAGLE_OFF: TCP_NODELAY
inline constexpr int kTcpNagleCork = 2;  // TCP_NAGLE_CORK: TCP_CORK, or MSG_MORE for one send
inline constexpr int kTcpNaglePush = 4;  // TCP_NAGLE_PUSH
inline constexpr int64_t kTcpProbe0Ns = 200'000'000;  // tcp_probe0_base: TCP_RTO_MIN on loopback
// tcp_send_delayed_ack's timeout: icsk_ack.ato, TCP_ATO_MIN (40 ms) once data has arrived; 0
// before, which fires at the next jiffy (4 ms at HZ 250). Data sent less than ato after data
// arrived is a reply: pingpong mode (tcp_event_data_sent).
inline constexpr int64_t kTcpAtoMinNs = 40'000'000;
inline constexpr int64_t kTcpJiffyNs = 4'000'000;

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
  // The connection's byte counts are approximate from now on (set on both ends): a send stopped
  // by the send buffer, or a read while the peer had data held back (window): see the header.
  bool approx_counts = false;
  int sndbuf = kTcpWmemDefault;
  int rcvbuf = kTcpRmemDefault;
  uint32_t mss = kTcpMssClient;
  std::weak_ptr<TcpSock> peer;        // the other end of the connection
  std::weak_ptr<TcpSock> port_owner;  // an accepted sock: the listener whose port it shares

  // send side
  uint64_t write_seq = 0;    // bytes accepted from the application
  uint64_t snd_nxt = 0;      // bytes sent
  uint64_t snd_una = 0;      // bytes acknowledged
  uint64_t snd_wnd_end = 0;  // right edge of the peer's advertised window
  uint64_t max_window = 0;   // the largest window the peer advertised (tp->max_window)
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
  // Delayed ACKs (icsk_ack). pingpong: the sock replied with data within ato of the data it
  // received (tcp_event_data_sent), or got a FIN in ESTABLISHED (tcp_fin): no more quick ACKs,
  // received data waits for the delayed-ACK timer. lrcvtime: when data last arrived (virtual ns);
  // rcv_mss: the largest segment seen (TCP_MSS_DEFAULT at first); pushed: segments shorter than
  // rcv_mss since the last ACK (ICSK_ACK_PUSHED, PUSHED2 from 2).
  bool pingpong = false;
  std::optional<int64_t> lrcvtime;
  uint32_t rcv_mss = 536;
  int pushed = 0;

  // the retransmission timer (ICSK_TIME_RETRANS), armed while a SYN is unanswered
  uint64_t rtx_timer = 0;              // Scheduler timer id, 0 when not armed
  int64_t rto_ns = kTcpTimeoutInitNs;  // icsk_rto
  int retransmits = 0;                 // icsk_retransmits (= total_rto for a SYN)
  std::weak_ptr<TcpSock> syn_target;   // the listener the SYN goes to (its port)
  // the delayed-ACK timer (ICSK_TIME_DACK), armed while the ACK of a FIN received in ESTABLISHED
  // is owed (tcp_fin entered pingpong mode, so __tcp_ack_snd_check delays it)
  uint64_t dack_timer = 0;  // Scheduler timer id, 0 when not armed

  // listener
  int max_ack_backlog = 0;
  std::deque<std::shared_ptr<TcpSock>> accept_queue;

  // urgent data (MSG_OOB) and what holds partial segments back
  uint64_t snd_up = 0;                  // tcp_mark_urg: write_seq after the last MSG_OOB send
  TcpUrg urg_data = TcpUrg::kNone;      // tp->urg_data: the state of the urgent byte we received
  uint64_t urg_seq = 0;                 // tp->urg_seq: the urgent byte's sequence number
  int nonagle = 0;                      // tp->nonagle: kTcpNagleOff (TCP_NODELAY) | kTcpNagleCork
  std::optional<int64_t> probe0_timer;  // ICSK_TIME_PROBE0: when held data is sent anyway (ns)

  uint64_t unread_bytes() const { return rcv_nxt - copied_seq; }
  // tcp_urg_mode (snd_up != snd_una; tcp_ack moves snd_up along with snd_una once passed)
  bool urg_mode() const { return snd_up > snd_una; }
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

  long shutdown(KernelContext& k, int how);     // inet_shutdown
  long set_sndbuf(KernelContext& k, int v);     // setsockopt(SOL_SOCKET, SO_SNDBUF, v)
  long set_rcvbuf(KernelContext& k, int v);     // setsockopt(SOL_SOCKET, SO_RCVBUF, v)
  long set_nodelay(KernelContext& k, bool on);  // __tcp_sock_set_nodelay
  long set_cork(KernelContext& k, bool on);     // __tcp_sock_set_cork
  // getsockopt(SO_ERROR): sock_error() — returns sk_err and clears it.
  int take_so_error(KernelContext& k);

  const TcpSock& sock() const { return *sk_; }
  const std::shared_ptr<TcpSock>& sock_ptr() const { return sk_; }
  WaitQueueHead* queue() { return &wq_; }

 private:
  poll_t mask() const;
  long recv_urg(KernelContext& k, IoRequest& io);  // tcp_recv_urg
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
  bool has_ack = false;     // kData, kFin: the segment also carries the ACK below
  uint64_t ack = 0;         // kAck: bytes acknowledged
  uint64_t window_end = 0;  // kAck: right edge of the sender's receive window
  bool ack_fin = false;     // kAck: also acknowledges the FIN
  uint64_t urg_up = 0;      // kData with URG: the urgent pointer (sequence after the urgent byte)
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
  // The loopback softirq: delivers every segment on the wire, including those its deliveries send.
  // Called where a socket call transmits (dev_queue_xmit's local_bh_enable runs the softirq that
  // loopback_xmit's netif_rx raised), so the receiver's wake-ups come before the rest of the
  // sender's call; inside the softirq it does nothing (the running loop takes the new segments).
  // A segment for the socket the call holds (lock_sock) waits in that socket's backlog.
  void run(KernelContext& k);
  // lock_sock: the socket call holds `sk` (sock_owned_by_user); returns the previous holder.
  TcpSock* lock_sock(TcpSock* sk) {
    TcpSock* old = owner_;
    owner_ = sk;
    return old;
  }
  // release_sock: __release_sock processes the holder's backlog (what it sends runs the softirq
  // at once; what comes back for it waits in the backlog again), then `previous` holds.
  void release_sock(KernelContext& k, TcpSock* previous);
  // tcp_connect's retransmission timer (tcp_retransmit_timer for a SYN_SENT socket).
  void arm_syn_timer(KernelContext& k, TcpSock& sk);
  // tcp_send_delayed_ack: the owed ACK of a FIN waits for the delayed-ACK timer.
  void arm_delack_timer(KernelContext& k, TcpSock& sk);
  // The delayed ACKs of FINs still owed fire before the next statement: the live side waits for
  // them after every statement (live/tcp_settle.h: no FIN is left unacknowledged), so the clock
  // runs to the last one's expiry, and every timer due before it fires first, in order, as on
  // the kernel while the live side waits (the delayed ACK of data, a probe, a sleeper's
  // timeout). Returns whether one fired.
  bool settle_delayed_acks(KernelContext& k);
  void clear_xmit_timers(KernelContext& k, TcpSock& sk);
  // A closed sock that still has a connection to finish, kept until it reaches TCP_CLOSE.
  void keep_orphan(std::shared_ptr<TcpSock> sk) { orphans_.push_back(std::move(sk)); }
  void forget_orphan(const TcpSock* sk);

 private:
  void deliver(KernelContext& k, TcpPacket& p);
  void process(KernelContext& k, TcpPacket& p);  // tcp_v4_do_rcv
  void syn_retransmit_timer(KernelContext& k, TcpSock& sk);
  void delack_timer(KernelContext& k, TcpSock& sk);   // tcp_delack_timer_handler
  std::vector<std::weak_ptr<TcpSock>> delayed_acks_;  // socks whose dack_timer may be armed
  bool settling_ = false;  // settle_delayed_acks runs the clock (for the timers' trace text)
  std::deque<TcpPacket> wire_;
  TcpSock* owner_ = nullptr;       // the socket the current call holds
  std::deque<TcpPacket> backlog_;  // the owner's sk_backlog
  std::vector<std::shared_ptr<TcpSock>> orphans_;
  bool running_ = false;
};

}  // namespace epollscope::sim
