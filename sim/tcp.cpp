// SPDX-License-Identifier: GPL-2.0-only
// sim/tcp.cpp — the TCP paths epoll sees, after Linux 6.18: tcp_poll, tcp_sendmsg_locked,
// tcp_recvmsg_locked, tcp_cleanup_rbuf, inet_shutdown, tcp_close, tcp_disconnect,
// inet_csk_accept, inet_csk_listen_stop, and on the receiving side of the loopback wire
// tcp_data_queue, tcp_ack, tcp_fin, tcp_reset / tcp_done_with_error, tcp_check_space and
// sk_stream_write_space. See tcp.h for what is exact and what is approximate.
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
  return free >= sk.mss ? free : 0;
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

TcpPacket packet_to_peer(TcpSock& sk, TcpPacket::Kind kind) {
  TcpPacket p;
  p.kind = kind;
  p.from = sk.weak_from_this();
  p.to = sk.peer;
  return p;
}

// __tcp_send_ack: acknowledge everything received and advertise the window. The right edge of
// the window never moves back.
void tcp_send_ack(KernelContext& k, TcpNet& net, TcpSock& sk) {
  if (sk.state == TcpState::kClose) return;
  sk.rcv_wnd_end = std::max(sk.rcv_wnd_end, sk.rcv_nxt + tcp_free_window(sk));
  sk.rcv_wup = sk.rcv_nxt;
  TcpPacket p = packet_to_peer(sk, TcpPacket::Kind::kAck);
  p.ack = sk.rcv_nxt;
  p.window_end = sk.rcv_wnd_end;
  p.ack_fin = sk.fin_received;
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_send_ack",
           cat(sk.name, " acknowledges ", bytes(sk.rcv_nxt), sk.fin_received ? " and the FIN" : "",
               " and lets its peer send up to byte ", sk.rcv_wnd_end),
           refs(sk));
  net.send(std::move(p));
}

void tcp_send_active_reset(KernelContext& k, TcpNet& net, TcpSock& sk) {
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_send_active_reset", cat(sk.name, " sends a RST to its peer"),
           refs(sk));
  net.send(packet_to_peer(sk, TcpPacket::Kind::kRst));
}

// tcp_write_xmit: send queued data in segments of at most one MSS while each fits in the peer's
// window, holding back a short segment while an earlier short one is unacknowledged (Nagle,
// Minshall's variant) unless `push` (TCP_NAGLE_PUSH); then the FIN once all data is out.
void tcp_write_xmit(KernelContext& k, TcpNet& net, TcpSock& sk, bool push) {
  if (sk.state == TcpState::kSynSent || sk.state == TcpState::kClose ||
      sk.state == TcpState::kListen)
    return;
  uint64_t sent_bytes = 0;
  int segments = 0;
  const char* held = nullptr;
  for (const TcpTxSkb& skb : sk.send_queue) {
    if (skb.end_seq <= sk.snd_nxt) continue;
    const uint64_t seg = std::min<uint64_t>(sk.mss, skb.end_seq - sk.snd_nxt);
    if (sk.snd_nxt + seg > sk.snd_wnd_end) {
      held = "the peer's receive window is full";
      break;
    }
    // tcp_nagle_test: a FIN rides on the last skb and is never held.
    const bool carries_fin = sk.fin_queued && skb.end_seq == sk.write_seq;
    if (seg < sk.mss && !push && !carries_fin && sk.snd_sml > sk.snd_una) {
      held = "Nagle: an earlier short segment is not acknowledged yet";
      break;
    }
    sk.snd_nxt += seg;
    if (seg < sk.mss) sk.snd_sml = sk.snd_nxt;
    TcpPacket p = packet_to_peer(sk, TcpPacket::Kind::kData);
    p.len = static_cast<uint32_t>(seg);
    net.send(std::move(p));
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
  if (sk.fin_queued && !sk.fin_sent && sk.snd_nxt == sk.write_seq) {
    sk.fin_sent = true;
    if (k.tracing())
      k.step(StepKind::kFileOp, "tcp_write_xmit", cat(sk.name, " sends its FIN"), refs(sk));
    net.send(packet_to_peer(sk, TcpPacket::Kind::kFin));
  }
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

// inet_csk_listen_stop → inet_child_forget: every connection nobody accepted is reset. Each child
// is forgotten between local_bh_disable and local_bh_enable, and at local_bh_enable the loopback
// softirq delivers its RST: the client is woken before the listener's own wake-ups that follow.
void inet_csk_listen_stop(KernelContext& k, TcpNet& net, TcpSock& sk) {
  while (!sk.accept_queue.empty()) {
    std::shared_ptr<TcpSock> child = std::move(sk.accept_queue.front());
    sk.accept_queue.pop_front();
    if (k.tracing())
      k.step(StepKind::kFileOp, "inet_csk_listen_stop",
             cat(child->name, " was never accepted: it is reset and forgotten"), refs(sk));
    tcp_disconnect(k, net, *child);
    child->dead = true;
    net.run(k);  // local_bh_enable
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
  child->sndbuf = kTcpConnectedSndbuf;
  child->state = TcpState::kEstablished;
  child->peer = client.weak_from_this();
  child->listener = listener.weak_from_this();
  child->snd_wnd_end = static_cast<uint64_t>(client.rcvbuf);
  child->rcv_wnd_end = static_cast<uint64_t>(child->rcvbuf);
  client.peer = child;
  client.snd_wnd_end = static_cast<uint64_t>(child->rcvbuf);
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

// tcp_data_queue (+ the RST rule of tcp_rcv_state_process for data after shutdown(SHUT_RD) or
// close() in FIN_WAIT1/2), then __tcp_ack_snd_check.
void tcp_rcv_data(KernelContext& k, TcpNet& net, TcpSock& sk, TcpSock* sender, uint32_t len) {
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
  if (!sk.dead) sock_def_readable(k, sk.sk_wq);  // tcp_data_ready → sk_data_ready
  if (sk.quick_ack_call != k.call_number()) {
    sk.quick_ack_call = k.call_number();
    tcp_send_ack(k, net, sk);
  } else if (k.tracing()) {
    k.step(StepKind::kFileOp, "__tcp_ack_snd_check",
           cat(sk.name, " delays its ACK: it already acknowledged at once in this call"), refs(sk));
  }
}

// tcp_ack: free what is acknowledged, move the window, finish a close, send more, and tell a
// sender that ran out of room (tcp_data_snd_check → tcp_push_pending_frames + tcp_check_space).
void tcp_ack(KernelContext& k, TcpNet& net, TcpSock& sk, const TcpPacket& p) {
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
  sk.snd_wnd_end = std::max(sk.snd_wnd_end, p.window_end);
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
        return;
      default:
        break;
    }
  }
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
  switch (sk.state) {
    case TcpState::kSynRecv:
    case TcpState::kEstablished:
      tcp_set_state(k, sk, TcpState::kCloseWait);
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
  // The model acknowledges a FIN at once (the kernel may delay it by the delayed-ACK timer).
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
      tcp_rcv_data(k, *this, *to, from.get(), p.len);
      break;
    case TcpPacket::Kind::kAck:
      tcp_ack(k, *this, *to, p);
      break;
    case TcpPacket::Kind::kFin:
      tcp_fin(k, *this, *to);
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
    const std::shared_ptr<TcpSock> to = p.to.lock();
    if (to && to->owned)
      backlog_.push_back(std::move(p));  // tcp_v4_rcv: sock_owned_by_user → tcp_add_backlog
    else
      deliver(k, p);
  }
  running_ = false;
}

void TcpNet::release(KernelContext& k, TcpSock& sk) {
  sk.owned = false;
  // __release_sock: the backlog's segments, in their order, then whatever they sent.
  std::deque<TcpPacket> mine;
  for (auto it = backlog_.begin(); it != backlog_.end();) {
    if (it->to.lock().get() == &sk) {
      mine.push_back(std::move(*it));
      it = backlog_.erase(it);
    } else {
      ++it;
    }
  }
  for (TcpPacket& p : mine)
    wire_.push_front(std::move(p));
  // Kept in order: the first of `mine` ends up at the front after pushing in reverse.
  std::reverse(wire_.begin(), wire_.begin() + static_cast<long>(mine.size()));
  run(k);
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
    if (sk.unread_bytes() > 0) m |= kEPOLLIN | kEPOLLRDNORM;
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
    net.run(k);
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
          if (k.tracing())
            k.step(StepKind::kFileOp, "tcp_sendmsg",
                   cat(sk.name, " has ", sk.wmem_queued, " bytes queued, not below sk_sndbuf ",
                       sk.sndbuf, ": no new skb, SOCK_NOSPACE is set"),
                   {ref()});
          if (copied) tcp_write_xmit(k, net, sk, true);  // tcp_push(..., TCP_NAGLE_PUSH)
          if (!nonblock)
            return sleep("sk_stream_wait_memory",
                         cat(sk.name, "'s send buffer is full: the blocking writer sleeps after ",
                             copied, " bytes"));
          err = -kEAGAIN;
          break;
        }
        sk.send_queue.push_back(TcpTxSkb{sk.write_seq, 0, kTcpSkbOverhead});
        sk.wmem_queued += kTcpSkbOverhead;
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
  if (copied) {
    tcp_write_xmit(k, net, sk, false);  // tcp_push with the socket's Nagle setting
    net.run(k);
    return copied;
  }
  // sk_stream_error: a broken pipe reports the pending error if there is one.
  if (err == -kEPIPE) {
    if (int pending = take_so_error(k)) err = -pending;
  }
  // "make sure we wake any epoll edge trigger waiter"
  if (err == -kEAGAIN && sk.send_queue.empty()) sk_stream_write_space(k, sk);
  net.run(k);
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

long TcpSocket::read(KernelContext& k, Task& task, IoRequest& io) {
  // sock_read_iter: an empty read returns before recvmsg. recv(fd, 0) gets there, with a target
  // of 1 byte it cannot meet: EAGAIN on an empty socket, 0 when data or the end is there.
  if (io.count == 0 && !io.recvmsg) return 0;
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
  if (sk.state == TcpState::kListen) return -kENOTCONN;
  const bool nonblock = nonblocking() || (io.flags & kMSG_DONTWAIT);
  const bool peek = io.flags & kMSG_PEEK;
  if (io.resumed) finish_wait(task);
  size_t size = io.count;
  long copied = 0;
  size_t peek_index = 0;
  // tcp_recvmsg_locked's do { } while (len > 0): the queue is looked at once even for 0 bytes.
  do {
    TcpRxSegment* seg = nullptr;
    if (peek ? peek_index < sk.receive_queue.size() : !sk.receive_queue.empty())
      seg = &sk.receive_queue[peek ? peek_index : 0];
    if (seg) {
      const uint32_t used = static_cast<uint32_t>(std::min<size_t>(seg->unread(), size));
      copied += used;
      size -= used;
      if (peek) {
        ++peek_index;
      } else {
        seg->copied += used;
        sk.copied_seq += used;
        if (!seg->unread()) sk.receive_queue.pop_front();
      }
      continue;
    }
    if (copied) break;  // copied >= target
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
    sock_prepare_to_wait(&wq_, task);
    if (k.tracing())
      k.step(StepKind::kFileOp, "sk_wait_data",
             cat(sk.name, " has nothing to read: the blocking reader sleeps"), {ref(), task.ref()});
    return kWouldSleep;
  } while (size);
  if (k.tracing() && copied > 0)
    k.step(StepKind::kFileOp, "tcp_recvmsg",
           cat(bytes(copied), peek ? " peeked at on " : " read from ", sk.name, "; ",
               bytes(sk.unread_bytes()), " left"),
           {ref()});
  tcp_cleanup_rbuf(k, net, sk, copied);
  net.run(k);
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
  long err = 0;
  // inet_shutdown holds the socket (lock_sock): what the peer answers waits in its backlog.
  sk.owned = true;
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
          tcp_close_state(k, sk)) {
        tcp_send_fin(k, net, sk);
        // The FIN reaches the peer in the loopback softirq at the transmit's local_bh_enable,
        // before this socket's own wake-up below; the peer's ACK waits in the backlog.
        net.run(k);
      }
      break;
  }
  sock_def_wakeup(k, sk.sk_wq);  // "Wake up anyone sleeping in poll."
  net.release(k, sk);            // release_sock
  return err;
}

long TcpSocket::set_sndbuf(KernelContext& k, int v) {
  TcpSock& sk = *sk_;
  sk.sndbuf = sock_sndbuf_from_user(v);
  sk.sndbuf_locked = true;
  if (k.tracing())
    k.step(StepKind::kFileOp, "sock_setsockopt",
           cat(sk.name, ": SO_SNDBUF ", v, " sets sk_sndbuf to ", sk.sndbuf,
               " and stops its autotuning"),
           {ref()});
  sk_stream_write_space(k, sk);  // sk->sk_write_space(sk)
  return 0;
}

void TcpSocket::release(KernelContext& k) {
  TcpSock& sk = *sk_;
  TcpNet& net = net_;
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
  // sock_orphan: no file, no wake-ups; the sock lives on only to finish its connection.
  sk.dead = true;
  sk.sk_wq = nullptr;
  sk.file_id = 0;
  if (sk.state != TcpState::kClose) net.keep_orphan(sk_);
  if (k.tracing())
    k.step(StepKind::kFileOp, "tcp_close",
           cat(sk.name, " is orphaned in ", tcp_state_name(sk.state)), {ref()});
  net.run(k);
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
  // tcp_connect asks for the address getsockname gives: an accepted socket's is its listener's,
  // and the SYN is for whoever listens there (__inet_lookup_listener), not for the socket itself.
  const std::shared_ptr<TcpSock>& at = target.sock_ptr();
  syn.to = at->listener.expired() ? std::weak_ptr<TcpSock>(at) : at->listener;
  send(std::move(syn));
  run(k);
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
