// SPDX-License-Identifier: GPL-2.0-only
// sim/tcp.cpp — the TCP paths epoll sees, after Linux 6.18: tcp_poll, tcp_sendmsg_locked,
// tcp_recvmsg_locked, tcp_cleanup_rbuf, inet_shutdown, tcp_close, tcp_disconnect,
// inet_csk_accept, inet_csk_listen_stop, and on the receiving side of the loopback wire
// tcp_data_queue, tcp_ack, tcp_fin, tcp_reset / tcp_done_with_error, tcp_check_space and
// sk_stream_write_space; urgent data (tcp_mark_urg, tcp_check_urg, tcp_urg, tcp_recv_urg), the
// cork and Nagle settings (tcp_nagle_test, __tcp_sock_set_cork / _nodelay) and the probe timer
// that sends held data (tcp_check_probe_timer, tcp_write_wakeup). See tcp.h for what is exact and
// what is approximate.
//
// [SECTION] names and small predicates
// [SECTION] state changes and the callbacks they fire
// [SECTION] sending: tcp_write_xmit, ACK, FIN, RST
// [SECTION] receiving: the loopback softirq
// [SECTION] the socket file: poll, describe
// [SECTION] tcp_sendmsg
// [SECTION] tcp_recvmsg
// [SECTION] shutdown, setsockopt, close
// [SECTION] TcpNet: listen, connect, accept
#include "sim/tcp.h"

#include <algorithm>

#include "sim/context.h"
#include "sim/file_table.h"
#include "sim/sched.h"
#include "sim/snapshot.h"
#include "sim/strings.h"
#include "sim/task.h"
#include "sim/unix_stream.h"

namespace epollscope::sim {

// ---------------------------------------------------------------------------------------------
// [SECTION] names and small predicates
// ---------------------------------------------------------------------------------------------

const char* tcp_state_name(TcpState s) {
  switch (s) {
    case TcpState::kEstablished:
      return "ESTABLISHED";
    case TcpState::kSynSent:
      return "SYN_SENT";
    case TcpState::kSynRecv:
      return "SYN_RECV";
    case TcpState::kFinWait1:
      return "FIN_WAIT1";
    case TcpState::kFinWait2:
      return "FIN_WAIT2";
    case TcpState::kTimeWait:
      return "TIME_WAIT";
    case TcpState::kClose:
      return "CLOSE";
    case TcpState::kCloseWait:
      return "CLOSE_WAIT";
    case TcpState::kLastAck:
      return "LAST_ACK";
    case TcpState::kListen:
      return "LISTEN";
    case TcpState::kClosing:
      return "CLOSING";
  }
  return "?";
}

namespace {

// The file a sock belongs to, for the trace's highlighted objects.
std::vector<ObjRef> refs(const TcpSock& sk) {
  if (!sk.file_id) return {};
  return {ObjRef{ObjKind::kFile, sk.file_id}};
}

// __sk_stream_is_writeable(sk, 1): room for more, and the free space is at least half of what is
// queued (sk_stream_wspace >= sk_stream_min_wspace).
bool sk_stream_is_writeable(const TcpSock& sk) {
  return sk.wmem_queued < sk.sndbuf && (sk.sndbuf - sk.wmem_queued) >= (sk.wmem_queued >> 1);
}

// The window a receiver can offer: its free buffer, or nothing while less than one MSS is free
// (receiver-side silly window avoidance, __tcp_select_window).
uint64_t tcp_free_window(const TcpSock& sk) {
  const uint64_t unread = sk.unread_bytes();
  const uint64_t free = unread < static_cast<uint64_t>(sk.rcvbuf) ? sk.rcvbuf - unread : 0;
  // __tcp_select_window: the MSS counts as at most the whole buffer (a small SO_RCVBUF).
  return free >= std::min<uint64_t>(sk.mss, static_cast<uint64_t>(sk.rcvbuf)) ? free : 0;
}

bool tcp_need_reset(TcpState s) {
  return s == TcpState::kEstablished || s == TcpState::kCloseWait || s == TcpState::kFinWait1 ||
         s == TcpState::kFinWait2 || s == TcpState::kSynRecv;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] state changes and the callbacks they fire
// ---------------------------------------------------------------------------------------------

void tcp_set_state(KernelContext& k, TcpSock& sk, TcpState state) {
  if (sk.state == state) return;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_set_state",
           cat(sk.name, " goes from ", tcp_state_name(sk.state), " to ", tcp_state_name(state)),
           refs(sk));
  // Connected, reset or closed: the SYN's retransmission timer is stopped (tcp_ack's
  // tcp_clean_rtx_queue, tcp_clear_xmit_timers).
  if (sk.state == TcpState::kSynSent && sk.rtx_timer) {
    k.sched().del_timer(sk.rtx_timer);
    sk.rtx_timer = 0;
  }
  sk.state = state;
}

// sk_stream_write_space: the sender is writable again → clear SOCK_NOSPACE and wake OUT.
void sk_stream_write_space(KernelContext& k, TcpSock& sk) {
  if (!sk.sk_wq) return;  // no struct socket any more
  if (!sk_stream_is_writeable(sk)) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "sk_stream_write_space",
             cat(sk.name, " still has ", sk.wmem_queued, " bytes queued of sk_sndbuf ", sk.sndbuf,
                 ": less than half of that is free, so no wake-up yet"),
             refs(sk));
    return;
  }
  sk.nospace = false;
  if (k.tracing())
    k.step(StepKind::kFileOp, "sk_stream_write_space",
           cat(sk.name, " is writable again (", sk.wmem_queued, " of ", sk.sndbuf,
               " bytes queued): SOCK_NOSPACE is cleared and the writers are woken"),
           refs(sk));
  if (waitqueue_active(sk.sk_wq))
    wake_up_poll(k, sk.sk_wq, kEPOLLOUT | kEPOLLWRNORM | kEPOLLWRBAND, "sk_stream_write_space");
}

// tcp_check_space → tcp_new_space: only a sender that ran out of room hears about freed space.
void tcp_check_space(KernelContext& k, TcpSock& sk) {
  if (!sk.sk_wq || !sk.nospace) return;
  // tcp_sndbuf_expand: an unlocked send buffer grows to tcp_wmem[2] under load.
  if (!sk.sndbuf_locked && sk.sndbuf < kTcpWmemMax) {
    sk.sndbuf = kTcpWmemMax;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_sndbuf_expand",
             cat(sk.name, "'s sk_sndbuf grows to tcp_wmem[2] = ", kTcpWmemMax), refs(sk));
  }
  sk_stream_write_space(k, sk);
}

// tcp_done: the connection is over; a sock with a file tells its waiters.
void tcp_done(KernelContext& k, TcpNet& net, TcpSock& sk) {
  tcp_set_state(k, sk, TcpState::kClose);
  sk.shutdown = kShutdownMask;
  if (!sk.dead)
    sock_def_wakeup(k, sk.sk_wq);  // sk->sk_state_change(sk)
  else
    net.forget_orphan(&sk);  // inet_csk_destroy_sock
}

void tcp_write_queue_purge(TcpSock& sk) {
  sk.send_queue.clear();
  sk.wmem_queued = 0;
  sk.snd_nxt = sk.snd_una = sk.write_seq;
}

// tcp_done_with_error: sk_err first, then tcp_done's state change, then the error report.
void tcp_done_with_error(KernelContext& k, TcpNet& net, TcpSock& sk, int err) {
  sk.err = err;
  tcp_write_queue_purge(sk);
  const bool dead = sk.dead;
  tcp_done(k, net, sk);
  if (!dead) sock_def_error_report(k, sk.sk_wq);  // sk_error_report
}

// tcp_reset: a RST arrived. "We want the right error as BSD sees it (and indeed as we do)."
void tcp_reset(KernelContext& k, TcpNet& net, TcpSock& sk) {
  int err = kECONNRESET;
  switch (sk.state) {
    case TcpState::kSynSent:
      err = kECONNREFUSED;
      break;
    case TcpState::kCloseWait:
      err = kEPIPE;
      break;
    case TcpState::kClose:
      return;
    default:
      break;
  }
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_reset",
           cat(sk.name, " receives a RST in ", tcp_state_name(sk.state),
               ": sk_err = ", errno_name(err), ", the send queue is thrown away"),
           refs(sk));
  tcp_done_with_error(k, net, sk, err);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] sending: tcp_write_xmit, ACK, FIN, RST
// ---------------------------------------------------------------------------------------------

// Byte counts on this connection depend, from now on, on the accounting sim/tcp.h lists as
// approximate.
void mark_counts_approximate(TcpSock& sk) {
  sk.approx_counts = true;
  if (std::shared_ptr<TcpSock> peer = sk.peer.lock()) peer->approx_counts = true;
}

TcpPacket packet_to_peer(TcpSock& sk, TcpPacket::Kind kind) {
  TcpPacket p;
  p.kind = kind;
  p.from = sk.weak_from_this();
  p.to = sk.peer;
  return p;
}

// __tcp_send_ack: acknowledge everything received and advertise the window. The right edge of
// the window never moves back.
// tcp_event_ack_sent: an ACK went out, so the one owed is paid: the delayed-ACK timer stops.
void tcp_event_ack_sent(KernelContext& k, TcpSock& sk) {
  sk.pushed = 0;  // icsk_ack.pending = 0
  if (!sk.dack_timer) return;
  k.sched().del_timer(sk.dack_timer);
  sk.dack_timer = 0;
}

TcpPacket tcp_ack_packet(TcpSock& sk) {
  sk.rcv_wnd_end = std::max(sk.rcv_wnd_end, sk.rcv_nxt + tcp_free_window(sk));
  sk.rcv_wup = sk.rcv_nxt;
  TcpPacket p = packet_to_peer(sk, TcpPacket::Kind::kAck);
  p.ack = sk.rcv_nxt;
  p.window_end = sk.rcv_wnd_end;
  p.ack_fin = sk.fin_received;
  return p;
}

void tcp_send_ack(KernelContext& k, TcpNet& net, TcpSock& sk) {
  if (sk.state == TcpState::kClose) return;
  TcpPacket p = tcp_ack_packet(sk);
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_send_ack",
           cat(sk.name, " acknowledges ", bytes(sk.rcv_nxt), sk.fin_received ? " and the FIN" : "",
               " and lets its peer send up to byte ", sk.rcv_wnd_end),
           refs(sk));
  tcp_event_ack_sent(k, sk);
  net.send(std::move(p));
  net.run(k);
}

// tcp_transmit_skb: every segment carries the ACK field, so a data segment or FIN sent while an
// ACK is owed pays it (the peer's tcp_ack runs before it queues the segment's data or FIN).
void tcp_ack_rides_along(KernelContext& k, TcpSock& sk, TcpPacket& p) {
  if (!sk.dack_timer && sk.rcv_nxt == sk.rcv_wup) return;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_event_ack_sent",
           cat(sk.name, "'s segment carries the ACK it owed",
               sk.dack_timer ? ": the delayed-ACK timer stops" : ""),
           refs(sk));
  tcp_event_ack_sent(k, sk);
  const TcpPacket a = tcp_ack_packet(sk);
  p.has_ack = true;
  p.ack = a.ack;
  p.window_end = a.window_end;
  p.ack_fin = a.ack_fin;
}

void tcp_send_active_reset(KernelContext& k, TcpNet& net, TcpSock& sk) {
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_send_active_reset", cat(sk.name, " sends a RST to its peer"),
           refs(sk));
  net.send(packet_to_peer(sk, TcpPacket::Kind::kRst));
  net.run(k);
}

void tcp_probe_timer(KernelContext& k, TcpNet& net, const std::weak_ptr<TcpSock>& weak,
                     int64_t expires);

// tcp_check_probe_timer: held data with nothing in flight (no ACK will come to push it) arms
// ICSK_TIME_PROBE0, whose tcp_write_wakeup sends it anyway.
void tcp_check_probe_timer(KernelContext& k, TcpNet& net, TcpSock& sk) {
  if (sk.snd_nxt != sk.snd_una || sk.write_seq == sk.snd_nxt || sk.probe0_timer) return;
  const int64_t expires = k.sched().now_ns() + kTcpProbe0Ns;
  sk.probe0_timer = expires;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_check_probe_timer",
           cat(sk.name, " holds ", bytes(sk.write_seq - sk.snd_nxt),
               " with nothing in flight: the zero-window probe timer is armed for 200 ms"),
           refs(sk));
  std::weak_ptr<TcpSock> weak = sk.weak_from_this();
  k.sched().add_timer(expires,
                      [&k, &net, weak, expires] { tcp_probe_timer(k, net, weak, expires); });
}

// tcp_current_mss → tcp_sync_mss → tcp_bound_to_half_wnd: a segment is at most half the largest
// window the peer ever advertised (all of it below TCP_MSS_DEFAULT), so that a small receive
// buffer still gets data in pieces (fuzz seed 539 case 400: SO_RCVBUF 2304).
uint32_t tcp_send_mss(const TcpSock& sk) {
  const uint64_t cutoff = sk.max_window > 536 ? sk.max_window / 2 : sk.max_window;
  if (cutoff && sk.mss > cutoff) return static_cast<uint32_t>(std::max<uint64_t>(cutoff, 68 - 32));
  return sk.mss;
}

// The window the peer advertised, with tp->max_window (tcp_ack_update_window).
void tcp_update_window(TcpSock& sk, uint64_t window_end) {
  sk.snd_wnd_end = std::max(sk.snd_wnd_end, window_end);
  sk.max_window = std::max(sk.max_window, sk.snd_wnd_end - std::min(sk.snd_wnd_end, sk.snd_una));
}

// tcp_transmit_skb for `seg` bytes from snd_nxt. In urgent mode a segment before snd_up carries
// the urgent pointer, or seq + 0xFFFF when snd_up is further than that.
void tcp_transmit_data(KernelContext& k, TcpNet& net, TcpSock& sk, uint64_t seg) {
  // tcp_event_data_sent: a reply less than ato after data arrived makes the sock interactive.
  if (!sk.pingpong && sk.lrcvtime && k.sched().now_ns() - *sk.lrcvtime < kTcpAtoMinNs) {
    sk.pingpong = true;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_event_data_sent",
             cat(sk.name,
                 " sends data less than 40 ms (ato) after data arrived: pingpong mode, "
                 "its ACKs are delayed from now on"),
             refs(sk));
  }
  TcpPacket p = packet_to_peer(sk, TcpPacket::Kind::kData);
  tcp_ack_rides_along(k, sk, p);
  p.len = static_cast<uint32_t>(seg);
  if (sk.urg_mode() && sk.snd_nxt < sk.snd_up)
    p.urg_up = sk.snd_up < sk.snd_nxt + 0x10000 ? sk.snd_up : sk.snd_nxt + 0xFFFF;
  sk.snd_nxt += seg;
  if (seg < tcp_send_mss(sk)) sk.snd_sml = sk.snd_nxt;
  sk.probe0_timer.reset();  // tcp_event_new_data_sent → tcp_rearm_rto takes the timer over
  net.send(std::move(p));
}

// tcp_probe_timer → tcp_send_probe0 → tcp_write_wakeup: data still held with nothing in flight
// goes out, one segment as large as the window allows, cork or not.
void tcp_probe_timer(KernelContext& k, TcpNet& net, const std::weak_ptr<TcpSock>& weak,
                     int64_t expires) {
  std::shared_ptr<TcpSock> sk = weak.lock();
  if (!sk || sk->probe0_timer != expires) return;  // deleted or re-armed since
  sk->probe0_timer.reset();
  if (sk->snd_nxt != sk->snd_una || sk->write_seq == sk->snd_nxt) return;
  if (sk->state != TcpState::kEstablished && sk->state != TcpState::kCloseWait &&
      sk->state != TcpState::kFinWait1 && sk->state != TcpState::kClosing &&
      sk->state != TcpState::kLastAck)
    return;
  const uint64_t window = sk->snd_wnd_end > sk->snd_nxt ? sk->snd_wnd_end - sk->snd_nxt : 0;
  const uint64_t seg = std::min<uint64_t>({tcp_send_mss(*sk), sk->write_seq - sk->snd_nxt, window});
  if (k.tracing())
    k.step(
        StepKind::kFileOp, "tcp_write_wakeup",
        seg ? cat("the probe timer of ", sk->name, " fires: it sends the ", bytes(seg), " it held")
            : cat("the probe timer of ", sk->name, " fires: the window is closed"),
        refs(*sk));
  // The rest, if any, follows by tcp_write_xmit when this segment's ACK comes back. A closed
  // window is not probed again: the model's receiver announces every reopening itself (the
  // kernel would probe on, backing off up to TCP_RTO_MAX).
  if (seg) tcp_transmit_data(k, net, *sk, seg);
  net.run(k);
}

// tcp_write_xmit: send queued data in segments of at most one MSS while each fits in the peer's
// window, holding back a short segment (tcp_nagle_test) while an earlier short one is
// unacknowledged (Nagle, Minshall's variant; not with TCP_NODELAY) or while corked (TCP_CORK, or
// MSG_MORE for this send), unless `push` (TCP_NAGLE_PUSH) or in urgent mode; then the FIN once all
// data is out. Data left over with nothing in flight arms the probe timer
// (__tcp_push_pending_frames → tcp_check_probe_timer).
void tcp_write_xmit(KernelContext& k, TcpNet& net, TcpSock& sk, bool push, bool more = false) {
  if (sk.state == TcpState::kSynSent || sk.state == TcpState::kClose ||
      sk.state == TcpState::kListen)
    return;
  const int nonagle = push ? kTcpNaglePush : sk.nonagle | (more ? kTcpNagleCork : 0);
  uint64_t sent_bytes = 0;
  int segments = 0;
  const char* held = nullptr;
  const uint64_t mss_now = tcp_send_mss(sk);
  for (const TcpTxSkb& skb : sk.send_queue) {
    if (skb.end_seq <= sk.snd_nxt) continue;
    const uint64_t seg = std::min<uint64_t>(mss_now, skb.end_seq - sk.snd_nxt);
    if (sk.snd_nxt + seg > sk.snd_wnd_end) {
      held = "the peer's receive window is full";
      break;
    }
    // tcp_nagle_test: a FIN rides on the last skb and is never held.
    const bool carries_fin = sk.fin_queued && skb.end_seq == sk.write_seq;
    if (seg < mss_now && !(nonagle & kTcpNaglePush) && !carries_fin && !sk.urg_mode()) {
      if (nonagle & kTcpNagleCork) {
        held = "corked (TCP_CORK or MSG_MORE): a short segment waits for more";
        break;
      }
      if (!nonagle && sk.snd_sml > sk.snd_una) {
        held = "Nagle: an earlier short segment is not acknowledged yet";
        break;
      }
    }
    tcp_transmit_data(k, net, sk, seg);
    sent_bytes += seg;
    ++segments;
  }
  if (k.tracing() && (segments || held))
    k.step(StepKind::kFileOp, "tcp_write_xmit",
           cat(sk.name,
               segments ? cat(" sends ", bytes(sent_bytes), " in ", segments,
                              segments == 1 ? " segment" : " segments")
                        : std::string(" sends nothing"),
               held ? cat("; ", sk.write_seq - sk.snd_nxt, " bytes wait: ", held) : std::string()),
           refs(sk));
  if (held) tcp_check_probe_timer(k, net, sk);
  if (sk.fin_queued && !sk.fin_sent && sk.snd_nxt == sk.write_seq) {
    sk.fin_sent = true;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_write_xmit", cat(sk.name, " sends its FIN"), refs(sk));
    TcpPacket fin = packet_to_peer(sk, TcpPacket::Kind::kFin);
    tcp_ack_rides_along(k, sk, fin);
    net.send(std::move(fin));
  }
  net.run(k);
}

// tcp_send_fin: the FIN is queued behind the data and pushed out at once if nothing waits.
void tcp_send_fin(KernelContext& k, TcpNet& net, TcpSock& sk) {
  sk.fin_queued = true;
  tcp_write_xmit(k, net, sk, true);
}

// tcp_close_state: the state after close()/shutdown(SHUT_WR); true if a FIN must be sent.
bool tcp_close_state(KernelContext& k, TcpSock& sk) {
  TcpState next = sk.state;
  bool fin = false;
  switch (sk.state) {
    case TcpState::kEstablished:
    case TcpState::kSynRecv:
      next = TcpState::kFinWait1;
      fin = true;
      break;
    case TcpState::kCloseWait:
      next = TcpState::kLastAck;
      fin = true;
      break;
    case TcpState::kSynSent:
    case TcpState::kTimeWait:
    case TcpState::kListen:
      next = TcpState::kClose;
      break;
    default:
      break;
  }
  tcp_set_state(k, sk, next);
  return fin;
}

// tcp_disconnect: abort. A listener drops its queued connections, a connection is reset.
void inet_csk_listen_stop(KernelContext& k, TcpNet& net, TcpSock& sk);

void tcp_disconnect(KernelContext& k, TcpNet& net, TcpSock& sk) {
  const TcpState old = sk.state;
  tcp_set_state(k, sk, TcpState::kClose);
  if (old == TcpState::kListen) {
    inet_csk_listen_stop(k, net, sk);
  } else if (tcp_need_reset(old) || (sk.snd_nxt != sk.write_seq &&
                                     (old == TcpState::kClosing || old == TcpState::kLastAck))) {
    tcp_send_active_reset(k, net, sk);
    sk.err = kECONNRESET;
  } else if (old == TcpState::kSynSent) {
    sk.err = kECONNRESET;
  }
  sk.receive_queue.clear();
  sk.copied_seq = sk.rcv_nxt;
  tcp_write_queue_purge(sk);
  sk.shutdown = 0;
  sk.done = false;
  sock_def_error_report(k, sk.sk_wq);  // sk_error_report
}

// inet_csk_listen_stop → inet_child_forget: every connection nobody accepted is reset.
void inet_csk_listen_stop(KernelContext& k, TcpNet& net, TcpSock& sk) {
  while (!sk.accept_queue.empty()) {
    std::shared_ptr<TcpSock> child = std::move(sk.accept_queue.front());
    sk.accept_queue.pop_front();
    if (k.tracing())
      k.step(StepKind::kFileOp, "inet_csk_listen_stop",
             cat(child->name, " was never accepted: it is reset and forgotten"), refs(sk));
    tcp_disconnect(k, net, *child);
    child->dead = true;
  }
}

// ---------------------------------------------------------------------------------------------
// [SECTION] receiving: the loopback softirq
// ---------------------------------------------------------------------------------------------

// The three-way handshake, all at once on loopback (tcp_conn_request,
// tcp_rcv_synsent_state_process, tcp_check_req → inet_csk_complete_hashdance).
void tcp_conn_request(KernelContext& k, TcpSock& listener, TcpSock& client) {
  // sk_acceptq_is_full: sk_ack_backlog > sk_max_ack_backlog.
  if (static_cast<int>(listener.accept_queue.size()) > listener.max_ack_backlog) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_conn_request",
             cat(listener.name, "'s accept queue is full (", listener.accept_queue.size(),
                 " connections, backlog ", listener.max_ack_backlog, "): the SYN of ", client.name,
                 " is dropped and it stays in SYN_SENT"),
             refs(listener));
    return;
  }
  auto child = std::make_shared<TcpSock>();
  child->conn = client.conn;
  child->name = client.conn + " server";
  child->mss = kTcpMssServer;
  // sk_clone_lock copies the listener's sock: sk_rcvbuf, sk_sndbuf and the SOCK_*BUF_LOCK bits
  // that SO_RCVBUF / SO_SNDBUF set on it; tcp_init_buffer_space then grows sk_sndbuf unless it
  // is locked. The SYN-ACK offers a window from the inherited sk_rcvbuf (tcp_openreq_init_rwin).
  child->rcvbuf = listener.rcvbuf;
  // tp->nonagle is copied too (tcp_create_openreq_child leaves it): TCP_NODELAY and TCP_CORK set
  // on the listener hold for the connections it accepts.
  child->nonagle = listener.nonagle;
  child->sndbuf_locked = listener.sndbuf_locked;
  child->sndbuf = listener.sndbuf_locked ? listener.sndbuf : kTcpConnectedSndbuf;
  child->state = TcpState::kEstablished;
  child->peer = client.weak_from_this();
  child->port_owner = listener.weak_from_this();
  tcp_update_window(*child, static_cast<uint64_t>(client.rcvbuf));
  child->rcv_wnd_end = static_cast<uint64_t>(child->rcvbuf);
  client.peer = child;
  tcp_update_window(client, static_cast<uint64_t>(child->rcvbuf));
  client.rcv_wnd_end = static_cast<uint64_t>(client.rcvbuf);
  if (!client.sndbuf_locked) client.sndbuf = kTcpConnectedSndbuf;  // tcp_init_buffer_space
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_conn_request",
           cat("SYN, SYN-ACK, ACK on loopback: ", client.name, " is connected to ", child->name,
               ", a new socket that waits in ", listener.name, "'s accept queue"),
           refs(client));
  tcp_set_state(k, client, TcpState::kEstablished);
  sock_def_wakeup(k, client.sk_wq);  // tcp_finish_connect → sk_state_change
  listener.accept_queue.push_back(std::move(child));
  sock_def_readable(k, listener.sk_wq);  // the listener's sk_data_ready
}

// tcp_check_urg + tcp_urg: a segment with the URG flag, before its data is queued. A newer
// urgent pointer replaces the old one; if the reader stands at the old urgent byte it is skipped
// (copied_seq++). The byte itself makes urg_data VALID (EPOLLPRI) and calls sk_data_ready.
void tcp_urg(KernelContext& k, TcpSock& sk, uint64_t urg_up, uint32_t len) {
  const uint64_t ptr = urg_up - 1;  // not tcp_stdurg: the pointer is one past the urgent byte
  if (sk.copied_seq <= ptr && ptr >= sk.rcv_nxt &&
      (sk.urg_data == TcpUrg::kNone || ptr > sk.urg_seq)) {
    if (sk.urg_seq == sk.copied_seq && sk.urg_data != TcpUrg::kNone &&
        sk.copied_seq != sk.rcv_nxt) {
      ++sk.copied_seq;
      TcpRxSegment& head = sk.receive_queue.front();
      ++head.copied;
      if (!head.unread()) sk.receive_queue.pop_front();
      if (k.tracing())
        k.step(StepKind::kFileOp, "tcp_check_urg",
               cat(sk.name, ": the reader stands at the old urgent byte, which is skipped"),
               refs(sk));
    }
    sk.urg_data = TcpUrg::kNotYet;
    sk.urg_seq = ptr;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_check_urg",
             cat(sk.name, " gets a new urgent pointer, at byte ", ptr, " (sk_send_sigurg)"),
             refs(sk));
  }
  if (sk.urg_data == TcpUrg::kNotYet && sk.urg_seq >= sk.rcv_nxt && sk.urg_seq < sk.rcv_nxt + len) {
    sk.urg_data = TcpUrg::kValid;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_urg",
             cat("the urgent byte arrives at ", sk.name, ": urg_data is TCP_URG_VALID (EPOLLPRI)"),
             refs(sk));
    if (!sk.dead) sock_def_readable(k, sk.sk_wq);  // sk->sk_data_ready(sk)
  }
}

// __tcp_ack_snd_check's first rule: more than one full segment received since the last ACK, and
// the right edge of the window it would offer is at least where the last one was
// (__tcp_select_window >= rcv_wnd): unread data that keeps the window from advancing waits.
bool tcp_more_than_one_frame(const TcpSock& sk) {
  const uint64_t last_window = sk.rcv_wnd_end > sk.rcv_wup ? sk.rcv_wnd_end - sk.rcv_wup : 0;
  return sk.rcv_nxt - sk.rcv_wup > sk.rcv_mss && tcp_free_window(sk) >= last_window;
}

// tcp_data_queue (+ the RST rule of tcp_rcv_state_process for data after shutdown(SHUT_RD) or
// close() in FIN_WAIT1/2); for a segment that carried an ACK, tcp_data_snd_check (what the ACK
// lets go, which carries the ACK of this data); then __tcp_ack_snd_check.
void tcp_rcv_data(KernelContext& k, TcpNet& net, TcpSock& sk, TcpSock* sender, uint32_t len,
                  uint64_t urg_up, bool data_snd_check) {
  if (urg_up) tcp_urg(k, sk, urg_up, len);
  const bool closing = sk.state == TcpState::kFinWait1 || sk.state == TcpState::kFinWait2 ||
                       sk.state == TcpState::kClosing || sk.state == TcpState::kLastAck;
  if (closing && (sk.shutdown & kRcvShutdown)) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_rcv_state_process",
             cat(bytes(len), " arrive at ", sk.name,
                 ", which will never read again: it resets the connection"),
             refs(sk));
    tcp_reset(k, net, sk);
    if (sender) {
      TcpPacket rst;
      rst.kind = TcpPacket::Kind::kRst;
      rst.from = sk.weak_from_this();
      rst.to = sender->weak_from_this();
      net.send(std::move(rst));
    }
    return;
  }
  sk.receive_queue.push_back(TcpRxSegment{len, 0});
  sk.rcv_nxt += len;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_data_queue",
           cat(bytes(len), " arrive at ", sk.name, "; ", bytes(sk.unread_bytes()), " unread"),
           refs(sk));
  // tcp_event_data_recv / tcp_measure_rcv_mss
  sk.lrcvtime = k.sched().now_ns();
  if (len >= sk.rcv_mss)
    sk.rcv_mss = len;
  else
    sk.pushed = std::min(sk.pushed + 1, 2);
  if (!sk.dead) sock_def_readable(k, sk.sk_wq);  // tcp_data_ready → sk_data_ready
  if (data_snd_check) {
    tcp_write_xmit(k, net, sk, false, false);
    tcp_check_space(k, sk);
    if (sk.rcv_nxt == sk.rcv_wup) return;  // a segment sent just now acknowledged it
  }
  if (sk.pingpong) {
    // __tcp_ack_snd_check: no quick ACK in pingpong mode; at once only past one full segment.
    if (tcp_more_than_one_frame(sk))
      tcp_send_ack(k, net, sk);
    else
      net.arm_delack_timer(k, sk);
    return;
  }
  if (sk.quick_ack_call != k.call_number()) {
    sk.quick_ack_call = k.call_number();
    tcp_send_ack(k, net, sk);
  } else {
    if (k.tracing())
      k.step(StepKind::kFileOp, "__tcp_ack_snd_check",
             cat(sk.name, " delays its ACK: it already acknowledged at once in this call"),
             refs(sk));
    net.arm_delack_timer(k, sk);
  }
}

// tcp_ack: free what is acknowledged, move the window, finish a close, send more, and tell a
// sender that ran out of room (tcp_data_snd_check → tcp_push_pending_frames + tcp_check_space).
// The ACK part of a segment: free what is acknowledged, move the window, finish a close. False
// when the sock is done.
bool tcp_ack_core(KernelContext& k, TcpNet& net, TcpSock& sk, const TcpPacket& p) {
  if (p.ack > sk.snd_una) {
    sk.snd_una = std::min(p.ack, sk.snd_nxt);
    long freed = 0;
    while (!sk.send_queue.empty() && sk.send_queue.front().end_seq <= sk.snd_una) {
      freed += sk.send_queue.front().truesize;
      sk.send_queue.pop_front();
    }
    sk.wmem_queued -= freed;
    if (k.tracing() && freed)
      k.step(StepKind::kFileOp, "tcp_clean_rtx_queue",
             cat(sk.name, ": acknowledged data frees ", freed, " bytes; sk_wmem_queued is now ",
                 sk.wmem_queued),
             refs(sk));
  }
  tcp_update_window(sk, p.window_end);
  if (p.ack_fin && sk.fin_sent && !sk.fin_acked) {
    sk.fin_acked = true;
    switch (sk.state) {
      case TcpState::kFinWait1:
        tcp_set_state(k, sk, TcpState::kFinWait2);
        if (!sk.dead) sock_def_wakeup(k, sk.sk_wq);  // "Wake up lingering close()"
        break;
      case TcpState::kClosing:
      case TcpState::kLastAck:
        tcp_done(k, net, sk);  // via TIME_WAIT for CLOSING; its timer is not modelled
        return false;
      default:
        break;
    }
  }
  return true;
}

void tcp_ack(KernelContext& k, TcpNet& net, TcpSock& sk, const TcpPacket& p) {
  if (!tcp_ack_core(k, net, sk, p)) return;
  tcp_write_xmit(k, net, sk, false);
  tcp_check_space(k, sk);
}

// tcp_fin: the peer will send no more.
void tcp_fin(KernelContext& k, TcpNet& net, TcpSock& sk) {
  sk.fin_received = true;
  sk.shutdown |= kRcvShutdown;
  sk.done = true;  // SOCK_DONE
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_fin",
           cat(sk.name, " receives a FIN: reading will end after ", bytes(sk.unread_bytes()),
               " (RCV_SHUTDOWN, SOCK_DONE)"),
           refs(sk));
  bool pingpong = false;
  switch (sk.state) {
    case TcpState::kSynRecv:
    case TcpState::kEstablished:
      tcp_set_state(k, sk, TcpState::kCloseWait);
      pingpong = true;  // inet_csk_enter_pingpong_mode: no more quick ACKs
      sk.pingpong = true;
      break;
    case TcpState::kFinWait1:
      tcp_set_state(k, sk, TcpState::kClosing);  // simultaneous close
      break;
    case TcpState::kFinWait2:
      tcp_send_ack(k, net, sk);
      tcp_done(k, net, sk);  // tcp_time_wait: the TIME_WAIT minisock takes over
      break;
    default:
      break;
  }
  if (!sk.dead) sock_def_wakeup(k, sk.sk_wq);  // sk->sk_state_change(sk)
  // __tcp_ack_snd_check: in pingpong mode the ACK waits for the delayed-ACK timer, unless more
  // than one full segment is unacknowledged.
  if (pingpong && !tcp_more_than_one_frame(sk)) {
    net.arm_delack_timer(k, sk);
    return;
  }
  tcp_send_ack(k, net, sk);
}

}  // namespace

void TcpNet::forget_orphan(const TcpSock* sk) {
  std::erase_if(orphans_, [sk](const std::shared_ptr<TcpSock>& o) { return o.get() == sk; });
}

void TcpNet::deliver(KernelContext& k, TcpPacket& p) {
  std::shared_ptr<TcpSock> to = p.to.lock();
  std::shared_ptr<TcpSock> from = p.from.lock();
  // A closed sock is unhashed: its segments find nobody, and nobody answers with a RST.
  if (!to || to->state == TcpState::kClose) {
    if (p.kind == TcpPacket::Kind::kRst || !from) return;
    if (k.tracing())
      k.step(
          StepKind::kFileOp, "tcp_v4_send_reset",
          cat("no socket takes the segment ", from->name, " sent: the loopback answers with a RST"),
          refs(*from));
    TcpPacket rst;
    rst.kind = TcpPacket::Kind::kRst;
    rst.to = from;
    send(std::move(rst));
    return;
  }
  // tcp_v4_rcv: the socket a call holds (sock_owned_by_user) gets the segment later, in
  // release_sock, after the rest of that call.
  if (to.get() == owner_) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_add_backlog",
             cat(to->name, " is held by the socket call: the segment waits in its backlog"),
             refs(*to));
    backlog_.push_back(std::move(p));
    return;
  }
  process(k, p);
}

void TcpNet::process(KernelContext& k, TcpPacket& p) {
  std::shared_ptr<TcpSock> to = p.to.lock();
  std::shared_ptr<TcpSock> from = p.from.lock();
  switch (p.kind) {
    case TcpPacket::Kind::kSyn:
      if (to->state != TcpState::kListen) {
        TcpPacket rst;
        rst.kind = TcpPacket::Kind::kRst;
        rst.to = from;
        if (k.tracing())
          k.step(StepKind::kFileOp, "tcp_v4_send_reset",
                 cat(to->name, " is not listening: the SYN is answered with a RST"), refs(*to));
        send(std::move(rst));
      } else if (from) {
        tcp_conn_request(k, *to, *from);
      }
      break;
    case TcpPacket::Kind::kData:
      if (p.has_ack && !tcp_ack_core(k, *this, *to, p)) break;
      tcp_rcv_data(k, *this, *to, from.get(), p.len, p.urg_up, p.has_ack);
      break;
    case TcpPacket::Kind::kAck:
      tcp_ack(k, *this, *to, p);
      break;
    case TcpPacket::Kind::kFin:
      if (p.has_ack && !tcp_ack_core(k, *this, *to, p)) break;
      tcp_fin(k, *this, *to);
      if (p.has_ack && to->state != TcpState::kClose) {  // tcp_data_snd_check
        tcp_write_xmit(k, *this, *to, false);
        tcp_check_space(k, *to);
      }
      break;
    case TcpPacket::Kind::kRst:
      tcp_reset(k, *this, *to);
      break;
  }
}

void TcpNet::run(KernelContext& k) {
  if (running_) return;
  running_ = true;
  while (!wire_.empty()) {
    TcpPacket p = std::move(wire_.front());
    wire_.pop_front();
    deliver(k, p);
  }
  running_ = false;
}

void TcpNet::release_sock(KernelContext& k, TcpSock* previous) {
  // __release_sock: the backlog is processed with the socket still held, so what its processing
  // sends runs the softirq at once and what comes back for it joins the backlog again.
  while (!backlog_.empty()) {
    TcpPacket p = std::move(backlog_.front());
    backlog_.pop_front();
    std::shared_ptr<TcpSock> to = p.to.lock();
    // tcp_rcv_state_process discards what reaches a socket that has closed meanwhile.
    if (to && to->state != TcpState::kClose) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "__release_sock",
               cat(to->name, " takes a segment from its backlog"), refs(*to));
      process(k, p);
    }
    run(k);
  }
  owner_ = previous;
}

// tcp_connect arms the retransmission timer with TCP_TIMEOUT_INIT; the SYN-ACK stops it. On
// loopback the handshake finishes inside the connect call, so only a dropped SYN leaves it armed.
void TcpNet::arm_syn_timer(KernelContext& k, TcpSock& sk) {
  std::weak_ptr<TcpSock> weak = sk.weak_from_this();
  sk.rtx_timer = k.sched().add_timer(k.sched().now_ns() + sk.rto_ns, [this, &k, weak] {
    if (std::shared_ptr<TcpSock> s = weak.lock()) syn_retransmit_timer(k, *s);
  });
}

// tcp_send_delayed_ack: the timeout is icsk_ack.ato (TCP_ATO_MIN once data has arrived, 0 before:
// the next jiffy), bounded by TCP_DELACK_MAX.
void TcpNet::arm_delack_timer(KernelContext& k, TcpSock& sk) {
  if (sk.dack_timer) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_send_delayed_ack",
             cat(sk.name, sk.pingpong ? " is in pingpong mode: " : ": ",
                 "the delayed-ACK timer is already armed"),
             refs(sk));
    return;
  }
  const int64_t ato = sk.rcv_nxt ? kTcpAtoMinNs : kTcpJiffyNs;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_send_delayed_ack",
           cat(sk.name, sk.pingpong ? " is in pingpong mode: the ACK " : ": the ACK ",
               sk.fin_received ? std::string("of the FIN")
                               : cat("of ", bytes(sk.rcv_nxt - sk.rcv_wup)),
               " waits for the delayed-ACK timer (", ato / 1000000, " ms)"),
           refs(sk));
  std::weak_ptr<TcpSock> weak = sk.weak_from_this();
  sk.dack_timer = k.sched().add_timer(k.sched().now_ns() + ato, [this, &k, weak] {
    if (std::shared_ptr<TcpSock> s = weak.lock()) delack_timer(k, *s);
  });
  std::erase_if(delayed_acks_, [](const std::weak_ptr<TcpSock>& w) { return w.expired(); });
  delayed_acks_.push_back(std::move(weak));
}

// tcp_delack_timer → tcp_delack_timer_handler: the missed delayed ACK leaves pingpong mode
// (inet_csk_exit_pingpong_mode) and is sent.
void TcpNet::delack_timer(KernelContext& k, TcpSock& sk) {
  sk.dack_timer = 0;
  if (sk.state == TcpState::kClose) return;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_delack_timer_handler",
           cat("the delayed-ACK timer of ", sk.name, " fires",
               settling_ ? " (before the next statement: the live side waits for the ACK of a FIN)"
                         : "",
               sk.pingpong ? ": it leaves pingpong mode and sends the ACK" : ": it sends the ACK"),
           refs(sk));
  sk.pingpong = false;  // inet_csk_exit_pingpong_mode
  tcp_send_ack(k, *this, sk);
  run(k);
}

bool TcpNet::settle_delayed_acks(KernelContext& k) {
  // The delayed ACK of data fires on the virtual clock only: the live side waits for no ACK of
  // data (its timer runs on the wall clock, as the sleeps do while it is armed). The ACK of a
  // FIN is waited for, as long as its timer runs.
  std::optional<int64_t> until;
  std::erase_if(delayed_acks_, [](const std::weak_ptr<TcpSock>& w) { return w.expired(); });
  for (const std::weak_ptr<TcpSock>& weak : delayed_acks_) {
    std::shared_ptr<TcpSock> sk = weak.lock();
    if (!sk || !sk->dack_timer || !sk->fin_received) continue;
    if (std::optional<int64_t> at = k.sched().timer_expires(sk->dack_timer))
      until = std::max(until.value_or(*at), *at);
  }
  if (!until) return false;
  settling_ = true;
  k.sched().advance_clock_to(*until);
  settling_ = false;
  return true;
}

// tcp_write_timer → tcp_retransmit_timer for a SYN_SENT socket: tcp_write_timeout gives up after
// tcp_syn_retries + tcp_syn_linear_timeouts retransmissions (tcp_write_err: ETIMEDOUT); otherwise
// the SYN is sent again and the timer re-armed: the same RTO for the first
// tcp_syn_linear_timeouts retransmissions, then doubling (1, 1, 1, 1, 1, 2, 4, ... s apart).
void TcpNet::syn_retransmit_timer(KernelContext& k, TcpSock& sk) {
  sk.rtx_timer = 0;
  if (sk.state != TcpState::kSynSent) return;
  if (sk.retransmits >= kTcpSynRetries + kTcpSynLinearTimeouts) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_write_timeout",
             cat(sk.name, "'s SYN was sent ", sk.retransmits + 1,
                 " times without an answer: the connection times out"),
             refs(sk));
    tcp_done_with_error(k, *this, sk, kETIMEDOUT);  // tcp_write_err
    run(k);
    return;
  }
  ++sk.retransmits;
  if (sk.retransmits > kTcpSynLinearTimeouts)
    sk.rto_ns = std::min<int64_t>(sk.rto_ns * 2, int64_t{120} * 1000000000);  // TCP_RTO_MAX
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_retransmit_timer",
           cat(sk.name, " got no SYN-ACK: it sends its SYN again (retransmission ", sk.retransmits,
               "); the timer is re-armed for ", sk.rto_ns / 1000000, " ms"),
           refs(sk));
  arm_syn_timer(k, sk);
  TcpPacket syn;
  syn.kind = TcpPacket::Kind::kSyn;
  syn.from = sk.weak_from_this();
  syn.to = sk.syn_target;
  send(std::move(syn));
  run(k);  // the timer softirq is followed by the NET_RX softirq it raised
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the socket file: poll, describe
// ---------------------------------------------------------------------------------------------

TcpSocket::TcpSocket(KernelContext& k, TcpNet& net, std::shared_ptr<TcpSock> sk, int flags)
    : File(k, FileKind::kTcp, kO_RDWR | (flags & kO_NONBLOCK), sk->name),
      net_(net),
      sk_(std::move(sk)) {
  init_waitqueue_head(k, &wq_, "sk_wq", ref(), label);
  sk_->sk_wq = &wq_;  // sock_graft
  sk_->file_id = id;
}

poll_t TcpSocket::mask() const {
  const TcpSock& sk = *sk_;
  // inet_csk_listen_poll
  if (sk.state == TcpState::kListen) return sk.accept_queue.empty() ? 0 : kEPOLLIN | kEPOLLRDNORM;
  poll_t m = 0;
  if (sk.shutdown == kShutdownMask || sk.state == TcpState::kClose) m |= kEPOLLHUP;
  if (sk.shutdown & kRcvShutdown) m |= kEPOLLIN | kEPOLLRDNORM | kEPOLLRDHUP;
  // Connected (a SYN_SENT socket is neither readable nor writable yet).
  if (sk.state != TcpState::kSynSent) {
    // tcp_stream_is_readable: a reader standing at the urgent byte needs one byte more.
    const uint64_t target = sk.urg_data != TcpUrg::kNone && sk.urg_seq == sk.copied_seq ? 2 : 1;
    if (sk.unread_bytes() >= target) m |= kEPOLLIN | kEPOLLRDNORM;
    if (sk.urg_data == TcpUrg::kValid) m |= kEPOLLPRI;
    if (!(sk.shutdown & kSendShutdown)) {
      if (sk_stream_is_writeable(sk)) m |= kEPOLLOUT | kEPOLLWRNORM;
    } else {
      m |= kEPOLLOUT | kEPOLLWRNORM;
    }
  }
  if (sk.err) m |= kEPOLLERR;
  return m;
}

poll_t TcpSocket::poll(KernelContext& k, PollTable* pt) {
  poll_wait(k, this, &wq_, pt);  // sock_poll_wait
  TcpSock& sk = *sk_;
  // "send SIGIO later": a poll that finds no room arms SOCK_NOSPACE, so the ACK that frees room
  // wakes the writer.
  if (sk.state != TcpState::kListen && sk.state != TcpState::kSynSent &&
      !(sk.shutdown & kSendShutdown) && !sk_stream_is_writeable(sk) && !sk.nospace) {
    sk.nospace = true;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_poll",
             cat(sk.name, " is not writable: SOCK_NOSPACE is set, so freed space will wake it"),
             {ref()});
  }
  return mask();
}

poll_t TcpSocket::peek_poll() const {
  return mask();
}

void TcpSocket::describe(FileView& view) const {
  const TcpSock& sk = *sk_;
  if (std::shared_ptr<TcpSock> peer = sk.peer.lock()) view.peer = peer->file_id;
  if (sk.state == TcpState::kListen) {
    view.detail = cat("LISTEN, backlog ", sk.max_ack_backlog, ": ", sk.accept_queue.size(),
                      sk.accept_queue.size() == 1 ? " connection" : " connections",
                      " waiting to be accepted");
    return;
  }
  for (const TcpRxSegment& seg : sk.receive_queue)
    view.chunks.push_back(seg.unread());
  std::string d = cat(tcp_state_name(sk.state), "; ", bytes(sk.unread_bytes()), " to read; ",
                      sk.write_seq - sk.snd_nxt, " unsent and ", sk.snd_nxt - sk.snd_una,
                      " unacknowledged bytes (sk_wmem_queued ", sk.wmem_queued, " of sk_sndbuf ",
                      sk.sndbuf, ")");
  if (sk.shutdown) d += cat("; shutdown ", shutdown_bits_name(sk.shutdown));
  if (sk.err) d += cat("; sk_err ", errno_name(sk.err));
  if (sk.nospace) d += "; SOCK_NOSPACE";
  view.detail = std::move(d);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] tcp_sendmsg
// ---------------------------------------------------------------------------------------------

int TcpSocket::take_so_error(KernelContext& k) {
  return sock_error(k, sk_->err, sk_->name, ref());
}

long TcpSocket::write(KernelContext& k, Task& task, IoRequest& io) {
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  TcpSock* const holder = net.lock_sock(&sk);  // lock_sock
  long copied = 0;
  if (io.resumed) {
    finish_wait(task);
    copied = io.done;
  }
  long err = 0;
  auto sleep = [&](const char* function, std::string why) {
    io.done = copied;
    sock_prepare_to_wait(&wq_, task);
    if (k.tracing()) k.step(StepKind::kFileOp, function, std::move(why), {ref(), task.ref()});
    net.release_sock(k, holder);  // sk_wait_event releases the socket while it sleeps
    return kWouldSleep;
  };

  // Wait for a connection to finish (sk_stream_wait_connect).
  if (!copied && sk.state != TcpState::kEstablished && sk.state != TcpState::kCloseWait) {
    if (sk.err) {
      err = -take_so_error(k);
    } else if (sk.state != TcpState::kSynSent && sk.state != TcpState::kSynRecv) {
      err = -kEPIPE;
    } else if (nonblock) {
      err = -kEAGAIN;
    } else {
      return sleep("sk_stream_wait_connect",
                   cat(sk.name, " is not connected yet: the blocking writer sleeps"));
    }
  } else if (sk.err || (sk.shutdown & kSendShutdown)) {
    err = -kEPIPE;
  } else {
    const uint64_t start_seq = sk.write_seq;
    while (static_cast<size_t>(copied) < io.count) {
      // Append to the last unsent skb if it has room, else start a new one (needs room).
      TcpTxSkb* tail = nullptr;
      if (!sk.send_queue.empty()) {
        TcpTxSkb& last = sk.send_queue.back();
        if (last.end_seq - last.len >= sk.snd_nxt && last.len < sk.mss) tail = &last;
      }
      if (!tail) {
        if (sk.wmem_queued >= sk.sndbuf) {  // !sk_stream_memory_free → wait_for_space
          sk.nospace = true;
          mark_counts_approximate(sk);
          if (k.tracing())
            k.step(StepKind::kFileOp, "tcp_sendmsg",
                   cat(sk.name, " has ", sk.wmem_queued, " bytes queued, not below sk_sndbuf ",
                       sk.sndbuf, ": no new skb, SOCK_NOSPACE is set"),
                   {ref()});
          if (copied) {
            if (io.flags & kMSG_OOB) sk.snd_up = sk.write_seq;  // tcp_mark_urg
            tcp_write_xmit(k, net, sk, true);                   // tcp_push(..., TCP_NAGLE_PUSH)
          }
          if (!nonblock)
            return sleep("sk_stream_wait_memory",
                         cat(sk.name, "'s send buffer is full: the blocking writer sleeps after ",
                             copied, " bytes"));
          err = -kEAGAIN;
          break;
        }
        sk.send_queue.push_back(TcpTxSkb{sk.write_seq, 0, kTcpSkbOverhead});
        sk.wmem_queued += kTcpSkbOverhead;
        sk.nonagle &= ~kTcpNaglePush;  // skb_entail
        tail = &sk.send_queue.back();
      }
      const uint32_t copy =
          static_cast<uint32_t>(std::min<size_t>(sk.mss - tail->len, io.count - copied));
      tail->len += copy;
      tail->end_seq += copy;
      tail->truesize += copy;
      sk.wmem_queued += copy;
      sk.write_seq += copy;
      copied += copy;
    }
    if (k.tracing() && sk.write_seq > start_seq)
      k.step(StepKind::kFileOp, "tcp_sendmsg",
             cat(bytes(sk.write_seq - start_seq), " join the send queue of ", sk.name,
                 "; sk_wmem_queued is now ", sk.wmem_queued, " of sk_sndbuf ", sk.sndbuf),
             {ref()});
  }
  io.approximate = sk.approx_counts;
  if (copied) {
    // tcp_push: MSG_OOB marks the urgent byte (tcp_mark_urg), MSG_MORE corks this push.
    if (io.flags & kMSG_OOB) {
      sk.snd_up = sk.write_seq;
      if (k.tracing())
        k.step(StepKind::kFileOp, "tcp_mark_urg",
               cat(sk.name, ": MSG_OOB makes byte ", sk.snd_up - 1,
                   " urgent; snd_up = write_seq, urgent mode until it is acknowledged"),
               {ref()});
    }
    tcp_write_xmit(k, net, sk, false, io.flags & kMSG_MORE);
    net.release_sock(k, holder);
    return copied;
  }
  // sk_stream_error: a broken pipe reports the pending error if there is one.
  if (err == -kEPIPE) {
    if (int pending = take_so_error(k)) err = -pending;
  }
  // "make sure we wake any epoll edge trigger waiter", when tcp_rtx_and_write_queues_empty: not
  // in SYN_SENT, where the SYN waits in tcp_rtx_queue for its SYN-ACK (tcp_connect_queue_skb).
  if (err == -kEAGAIN && sk.send_queue.empty() && sk.state != TcpState::kSynSent)
    sk_stream_write_space(k, sk);
  net.release_sock(k, holder);
  return err;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] tcp_recvmsg
// ---------------------------------------------------------------------------------------------

namespace {

// tcp_cleanup_rbuf: send the ACK the reader owes, or a window update once the window can at
// least double.
void tcp_cleanup_rbuf(KernelContext& k, TcpNet& net, TcpSock& sk, long copied) {
  bool time_to_ack = sk.rcv_nxt > sk.rcv_wup;
  // In pingpong mode the owed ACK waits for its timer, unless more than one full segment is
  // unacknowledged or a read took data after two short segments (ICSK_ACK_PUSHED2).
  if (time_to_ack && sk.pingpong && sk.dack_timer)
    time_to_ack = sk.rcv_nxt - sk.rcv_wup > sk.rcv_mss || (copied > 0 && sk.pushed >= 2);
  if (!time_to_ack && copied > 0 && !(sk.shutdown & kRcvShutdown)) {
    const uint64_t window_now = sk.rcv_wnd_end > sk.rcv_nxt ? sk.rcv_wnd_end - sk.rcv_nxt : 0;
    if (2 * window_now <= static_cast<uint64_t>(sk.rcvbuf)) {
      const uint64_t new_window = tcp_free_window(sk);
      if (new_window && new_window >= 2 * window_now) time_to_ack = true;
    }
  }
  if (time_to_ack) tcp_send_ack(k, net, sk);
}

}  // namespace

// tcp_recv_urg: recv(MSG_OOB) never blocks; the urgent byte is read once (TCP_URG_READ).
long TcpSocket::recv_urg(KernelContext& k, IoRequest& io) {
  TcpSock& sk = *sk_;
  if (sk.urg_data == TcpUrg::kNone || sk.urg_data == TcpUrg::kRead) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_recv_urg",
             cat(sk.name,
                 sk.urg_data == TcpUrg::kRead ? ": the urgent byte was already read"
                                              : " has no urgent data",
                 ": EINVAL"),
             {ref()});
    return -kEINVAL;
  }
  if (sk.state == TcpState::kClose && !sk.done) return -kENOTCONN;
  if (sk.urg_data == TcpUrg::kValid) {
    if (!(io.flags & kMSG_PEEK)) sk.urg_data = TcpUrg::kRead;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_recv_urg",
             cat(sk.name, ": the urgent byte is ",
                 io.flags & kMSG_PEEK ? "peeked at" : "read (TCP_URG_READ, no more EPOLLPRI)",
                 "; it stays in the stream, where ordinary reads skip it"),
             {ref()});
    return io.count > 0 ? 1 : 0;
  }
  if (sk.state == TcpState::kClose || (sk.shutdown & kRcvShutdown)) return 0;
  return -kEAGAIN;
}

long TcpSocket::read(KernelContext& k, Task& task, IoRequest& io) {
  // sock_read_iter: an empty read returns before recvmsg. recv(fd, 0) gets there, with a target
  // of 1 byte it cannot meet: EAGAIN on an empty socket, 0 when data or the end is there.
  if (io.count == 0 && !io.recvmsg) return 0;
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
  if (sk.state == TcpState::kListen) return -kENOTCONN;
  if (io.flags & kMSG_OOB) return recv_urg(k, io);
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  const bool peek = io.flags & kMSG_PEEK;
  // sock_rcvlowat: MSG_WAITALL waits for the whole count, else for 1 byte.
  const size_t target = (io.flags & kMSG_WAITALL) && io.count ? io.count : 1;
  TcpSock* const holder = net.lock_sock(&sk);  // lock_sock
  // How much has arrived depends on the window the model approximates once the data in flight
  // towards this socket reaches what the kernel's first window holds, or while the peer holds
  // data back for the window.
  if (std::shared_ptr<TcpSock> peer = sk.peer.lock())
    if (peer->write_seq > peer->snd_nxt ||
        sk.unread_bytes() + (peer->write_seq - peer->snd_nxt) >= kTcpExactWindowBelow)
      mark_counts_approximate(sk);
  io.approximate = sk.approx_counts;
  long copied = 0;
  if (io.resumed) {
    finish_wait(task);
    copied = io.done;
  }
  size_t size = io.count - static_cast<size_t>(copied);
  // The sequence the loop reads at: copied_seq, or a private peek_seq for MSG_PEEK.
  uint64_t seq = sk.copied_seq;
  std::size_t at = 0;     // the skb the loop stands in...
  uint64_t at_start = 0;  // ... and the sequence of its first byte
  // tcp_recvmsg_locked's do { } while (len > 0): the queue is looked at once even for 0 bytes.
  do {
    // "Are we at urgent data? Stop if we have read anything."
    if (sk.urg_data != TcpUrg::kNone && sk.urg_seq == seq && copied) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "tcp_recvmsg",
               cat(sk.name, ": the read stops at the urgent mark"), {ref()});
      break;
    }
    // The skb that holds `seq`: the head without MSG_PEEK; a peek walks on from where it was
    // (the queue does not change under it).
    if (!peek || at == 0) {
      at = 0;
      at_start = sk.copied_seq - (sk.receive_queue.empty() ? 0 : sk.receive_queue.front().copied);
    }
    while (at < sk.receive_queue.size() && seq >= at_start + sk.receive_queue[at].len)
      at_start += sk.receive_queue[at++].len;
    TcpRxSegment* seg = at < sk.receive_queue.size() ? &sk.receive_queue[at] : nullptr;
    uint64_t offset = seg ? seq - at_start : 0;
    if (seg) {
      uint64_t used = std::min<uint64_t>(seg->len - offset, size);
      bool skip_copy = false;
      if (sk.urg_data != TcpUrg::kNone && sk.urg_seq >= seq && sk.urg_seq - seq < used) {
        if (sk.urg_seq == seq) {
          // Not SO_OOBINLINE: the urgent byte is stepped over.
          ++seq;
          ++offset;
          --used;
          skip_copy = used == 0;
        } else {
          used = sk.urg_seq - seq;
        }
      }
      if (!skip_copy) {
        seq += used;
        copied += static_cast<long>(used);
        size -= used;
      }
      if (!peek) {
        seg->copied = static_cast<uint32_t>(offset + (skip_copy ? 0 : used));
        sk.copied_seq = seq;
        if (!seg->unread()) sk.receive_queue.pop_front();
      }
      if (sk.urg_data != TcpUrg::kNone && sk.copied_seq > sk.urg_seq) sk.urg_data = TcpUrg::kNone;
      continue;
    }
    if (static_cast<size_t>(copied) >= target) break;
    if (copied) {
      if (nonblock || sk.err || sk.state == TcpState::kClose || (sk.shutdown & kRcvShutdown)) break;
    } else {
      // Nothing read yet: end of stream, a pending error, shutdown, or wait.
      if (sk.done) break;
      if (sk.err) {
        copied = -take_so_error(k);
        break;
      }
      if (sk.shutdown & kRcvShutdown) break;
      if (sk.state == TcpState::kClose) {
        copied = -kENOTCONN;
        break;
      }
      if (nonblock) {
        copied = -kEAGAIN;
        break;
      }
    }
    if (copied) tcp_cleanup_rbuf(k, net, sk, copied);
    io.done = copied;
    sock_prepare_to_wait(&wq_, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "sk_wait_data",
             cat(sk.name,
                 copied ? cat(" has given ", bytes(copied), " of the ", io.count,
                              " MSG_WAITALL asks for")
                        : std::string(" has nothing to read"),
                 ": the blocking reader sleeps"),
             {ref(), task.ref()});
    net.release_sock(k, holder);  // sk_wait_event releases the socket while it sleeps
    return kWouldSleep;
  } while (size);
  if (k.tracing() && copied > 0)
    k.step(StepKind::kFileOp, "tcp_recvmsg",
           cat(bytes(copied), peek ? " peeked at on " : " read from ", sk.name, "; ",
               bytes(sk.unread_bytes()), " left"),
           {ref()});
  tcp_cleanup_rbuf(k, net, sk, copied);
  net.release_sock(k, holder);
  return copied;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] shutdown, setsockopt, close
// ---------------------------------------------------------------------------------------------

long TcpSocket::shutdown(KernelContext& k, int how) {
  // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN, SHUT_RDWR → both; anything else EINVAL.
  if (how < kSHUT_RD || how > kSHUT_RDWR) return -kEINVAL;
  const uint8_t mode = static_cast<uint8_t>(how + 1);
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
  TcpSock* const holder = net.lock_sock(&sk);  // lock_sock
  long err = 0;
  switch (sk.state) {
    case TcpState::kListen:
      if (!(mode & kRcvShutdown)) break;
      [[fallthrough]];
    case TcpState::kSynSent:
      if (k.tracing())
        k.step(StepKind::kFileOp, "inet_shutdown",
               cat(sk.name, " is ", tcp_state_name(sk.state), ": shutdown disconnects it"),
               {ref()});
      tcp_disconnect(k, net, sk);
      break;
    case TcpState::kClose:
      err = -kENOTCONN;
      [[fallthrough]];
    default:
      sk.shutdown |= mode;
      if (k.tracing())
        k.step(StepKind::kFileOp, "inet_shutdown",
               cat(sk.name, " shuts down ", shutdown_bits_name(mode), "; its sk_shutdown is now ",
                   shutdown_bits_name(sk.shutdown)),
               {ref()});
      // tcp_shutdown: only the sending direction has something to tell the peer.
      if ((mode & kSendShutdown) &&
          (sk.state == TcpState::kEstablished || sk.state == TcpState::kSynSent ||
           sk.state == TcpState::kCloseWait) &&
          tcp_close_state(k, sk))
        tcp_send_fin(k, net, sk);
      break;
  }
  // "Wake up anyone sleeping in poll." The peer has already heard the FIN or RST: loopback ran
  // its softirq inside tcp_send_fin / tcp_send_active_reset. What the peer answered waits in
  // this socket's backlog until release_sock.
  sock_def_wakeup(k, sk.sk_wq);
  net.release_sock(k, holder);
  return err;
}

long TcpSocket::set_sndbuf(KernelContext& k, int v) {
  TcpSock& sk = *sk_;
  TcpSock* const holder = net_.lock_sock(&sk);  // lock_sock
  sk.sndbuf = sock_sndbuf_from_user(v);
  sk.sndbuf_locked = true;
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_setsockopt",
           cat(sk.name, ": SO_SNDBUF ", v, " sets sk_sndbuf to ", sk.sndbuf,
               " and stops its autotuning"),
           {ref()});
  sk_stream_write_space(k, sk);  // sk->sk_write_space(sk)
  net_.release_sock(k, holder);
  return 0;
}

long TcpSocket::set_rcvbuf(KernelContext& k, int v) {
  TcpSock& sk = *sk_;
  sk.rcvbuf = sock_rcvbuf_from_user(v);
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_setsockopt",
           cat(sk.name, ": SO_RCVBUF ", v, " sets sk_rcvbuf to ", sk.rcvbuf,
               "; the window it offers follows"),
           {ref()});
  return 0;
}

long TcpSocket::set_nodelay(KernelContext& k, bool on) {
  TcpSock& sk = *sk_;
  if (!on) {
    sk.nonagle &= ~kTcpNagleOff;
    return 0;
  }
  sk.nonagle |= kTcpNagleOff | kTcpNaglePush;
  if (k.tracing())
    k.step(StepKind::kFileOp, "__tcp_sock_set_nodelay",
           cat(sk.name, ": TCP_NODELAY, no more Nagle; what is queued is pushed out"), {ref()});
  tcp_write_xmit(k, net_, sk, false);  // tcp_push_pending_frames
  net_.run(k);
  return 0;
}

long TcpSocket::set_cork(KernelContext& k, bool on) {
  TcpSock& sk = *sk_;
  if (on) {
    sk.nonagle |= kTcpNagleCork;
    if (k.tracing())
      k.step(StepKind::kFileOp, "__tcp_sock_set_cork",
             cat(sk.name, ": TCP_CORK, short segments wait for more data"), {ref()});
    return 0;
  }
  sk.nonagle &= ~kTcpNagleCork;
  if (sk.nonagle & kTcpNagleOff) sk.nonagle |= kTcpNaglePush;
  if (k.tracing())
    k.step(StepKind::kFileOp, "__tcp_sock_set_cork",
           cat(sk.name, ": the cork is taken out; what is queued is pushed out"), {ref()});
  tcp_write_xmit(k, net_, sk, false);  // tcp_push_pending_frames
  net_.run(k);
  return 0;
}

void TcpSocket::release(KernelContext& k) {
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
  TcpSock* const holder = net.lock_sock(&sk);  // tcp_close: lock_sock
  sk.shutdown = kShutdownMask;
  if (sk.state == TcpState::kListen) {
    tcp_set_state(k, sk, TcpState::kClose);
    inet_csk_listen_stop(k, net, sk);
  } else {
    // "We need to flush the recv. buffs. We do this only on the descriptor close, not protocol
    // sourced closes, because the reader process may not have drained the data yet!"
    const uint64_t unread = sk.unread_bytes();
    sk.receive_queue.clear();
    sk.copied_seq = sk.rcv_nxt;
    if (unread) {
      if (k.tracing())
        k.step(StepKind::kFileOp, "tcp_close",
               cat(sk.name, " is closed with ", bytes(unread),
                   " never read: the connection is reset instead of closed"),
               {ref()});
      tcp_set_state(k, sk, TcpState::kClose);
      tcp_send_active_reset(k, net, sk);
    } else if (tcp_close_state(k, sk)) {
      tcp_send_fin(k, net, sk);
    }
  }
  // sock_orphan: no file, no wake-ups; the sock lives on only to finish its connection. Then
  // __release_sock takes what the peer answered (the ACK of the FIN moves it to FIN_WAIT2).
  sk.dead = true;
  sk.sk_wq = nullptr;
  sk.file_id = 0;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_close",
           cat(sk.name, " is orphaned in ", tcp_state_name(sk.state)), {ref()});
  net.release_sock(k, holder);
  if (sk.state != TcpState::kClose) net.keep_orphan(sk_);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] TcpNet: listen, connect, accept
// ---------------------------------------------------------------------------------------------

File* TcpNet::listen(KernelContext& k, FileTable& files, int backlog, int flags) {
  auto sk = std::make_shared<TcpSock>();
  sk->name = k.new_label("tcp listener");
  sk->state = TcpState::kListen;
  // __sys_listen: the backlog (as unsigned) is capped at somaxconn.
  sk->max_ack_backlog =
      static_cast<unsigned>(backlog) > static_cast<unsigned>(kSomaxconn) ? kSomaxconn : backlog;
  File* f = files.make_file<TcpSocket>(*this, sk, flags);
  if (k.tracing())
    k.step(StepKind::kFileOp, "inet_listen",
           cat(sk->name, " listens on 127.0.0.1 with backlog ", sk->max_ack_backlog, ": up to ",
               sk->max_ack_backlog + 1, " connections can wait to be accepted"),
           {f->ref()});
  return f;
}

File* TcpNet::connect(KernelContext& k, FileTable& files, File* listener, int flags) {
  auto sk = std::make_shared<TcpSock>();
  sk->conn = k.new_label("tcp conn");
  sk->name = sk->conn + " client";
  sk->state = TcpState::kSynSent;
  sk->mss = kTcpMssClient;
  File* f = files.make_file<TcpSocket>(*this, sk, flags);
  const TcpSocket& target = static_cast<const TcpSocket&>(*listener);
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_v4_connect",
           cat(sk->name, " sends a SYN to the port of ", target.label), {f->ref()});
  TcpPacket syn;
  syn.kind = TcpPacket::Kind::kSyn;
  syn.from = sk;
  syn.to = target.sock_ptr();
  // An accepted socket's port is its listener's: the SYN finds the listener while it listens
  // (__inet_lookup_listener), the established socket matches only its own 4-tuple.
  if (auto owner = target.sock().port_owner.lock(); owner && owner->state == TcpState::kListen)
    syn.to = owner;
  sk->syn_target = syn.to;
  send(std::move(syn));
  run(k);
  // The SYN was dropped (the accept queue is full): tcp_connect's retransmission timer will send
  // it again.
  if (sk->state == TcpState::kSynSent) {
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_connect",
             cat(sk->name, " waits for a SYN-ACK: its retransmission timer fires in ",
                 sk->rto_ns / 1000000, " ms"),
             {f->ref()});
    arm_syn_timer(k, *sk);
  }
  return f;
}

File* TcpNet::accept(KernelContext& k, FileTable& files, Task& task, File* listener, int flags,
                     long* err) {
  // unix_accept / inet_csk_accept: only a listening socket accepts.
  if (listener->kind != FileKind::kTcp) {
    *err = -kEINVAL;
    return nullptr;
  }
  TcpSocket& ls = static_cast<TcpSocket&>(*listener);
  const std::shared_ptr<TcpSock>& sk = ls.sock_ptr();
  if (sk->state != TcpState::kListen) {
    *err = -kEINVAL;
    return nullptr;
  }
  if (sk->accept_queue.empty()) {
    if (listener->nonblocking()) {
      *err = -kEAGAIN;
      return nullptr;
    }
    // inet_csk_wait_for_connect: an exclusive waiter, so one connection wakes one acceptor.
    prepare_to_wait_exclusive(k, ls.queue(), task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "inet_csk_wait_for_connect",
             cat(sk->name, " has no connection waiting: the blocking accept sleeps"),
             {ls.ref(), task.ref()});
    *err = kWouldSleep;
    return nullptr;
  }
  finish_wait(task);
  std::shared_ptr<TcpSock> child = std::move(sk->accept_queue.front());
  sk->accept_queue.pop_front();
  File* f = files.make_file<TcpSocket>(*this, child, flags);
  if (k.tracing())
    k.step(StepKind::kFileOp, "inet_csk_accept",
           cat(child->name, " leaves ", sk->name, "'s accept queue and gets a file; ",
               sk->accept_queue.size(), " still waiting"),
           {ls.ref(), f->ref()});
  return f;
}

long TcpNet::shutdown(KernelContext& k, File* sock, int how) {
  return static_cast<TcpSocket*>(sock)->shutdown(k, how);
}

}  // namespace epollscope::sim
