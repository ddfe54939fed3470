// SPDX-License-Identifier: GPL-2.0-only
// gui/app/kernel_excerpts_net.cpp — the code pane's excerpts (gui/app/kernel_source.h) of the
// kernel's sockets: AF_UNIX stream sockets and TCP. As in kernel_excerpts.cpp, each is the
// kernel's text from the function's first line on, a tab written as two spaces, with the number of
// that line in its file, counted in the file itself; where each file comes from: source_origin.
//
// [SECTION] net/unix/af_unix.c
// [SECTION] net/ipv4/tcp_timer.c
// [SECTION] net/ipv4/af_inet.c
// [SECTION] net/ipv4/tcp_ipv4.c
// [SECTION] net/ipv4/inet_connection_sock.c
// [SECTION] net/ipv4/tcp_output.c
// [SECTION] net/core/sock.c
// [SECTION] net/ipv4/tcp.c
// [SECTION] net/ipv4/tcp_input.c
// [SECTION] include/net/sock.h
#include "gui/app/kernel_source.h"

namespace epollscope::app {
namespace {

constexpr std::string_view kAfUnix = "net/unix/af_unix.c";
constexpr std::string_view kTcpTimer = "net/ipv4/tcp_timer.c";
constexpr std::string_view kAfInet = "net/ipv4/af_inet.c";
constexpr std::string_view kTcpIpv4 = "net/ipv4/tcp_ipv4.c";
constexpr std::string_view kInetCsk = "net/ipv4/inet_connection_sock.c";
constexpr std::string_view kTcpOutput = "net/ipv4/tcp_output.c";
constexpr std::string_view kSock = "net/core/sock.c";
constexpr std::string_view kTcp = "net/ipv4/tcp.c";
constexpr std::string_view kTcpInput = "net/ipv4/tcp_input.c";
constexpr std::string_view kSockH = "include/net/sock.h";
constexpr std::string_view kRestLeftOut = "the rest of the function is left out";

}  // namespace

// ---------------------------------------------------------------------------------------------
// [SECTION] net/unix/af_unix.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_af_unix() {
  return {
      {"unix_write_space",
       kAfUnix,
       597,
       R"(static void unix_write_space(struct sock *sk)
{
  struct socket_wq *wq;

  rcu_read_lock();
  if (unix_writable(sk, READ_ONCE(sk->sk_state))) {
    wq = rcu_dereference(sk->sk_wq);
    if (skwq_has_sleeper(wq))
      wake_up_interruptible_sync_poll(&wq->wait,
        EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
    sk_wake_async_rcu(sk, SOCK_WAKE_SPACE, POLL_OUT);
  }
  rcu_read_unlock();
})",
       {{"not writable", "if (unix_writable(sk, READ_ONCE(sk->sk_state))) {"},
        {"", "wake_up_interruptible_sync_poll(&wq->wait,"}}},
      {"unix_release_sock",
       kAfUnix,
       665,
       R"(static void unix_release_sock(struct sock *sk, int embrion)
{
  struct unix_sock *u = unix_sk(sk);
  struct sock *skpair;
  struct sk_buff *skb;
  struct path path;
  int state;

  unix_remove_socket(sock_net(sk), sk);
  unix_remove_bsd_socket(sk);

  /* Clear state */
  unix_state_lock(sk);
  sock_orphan(sk);
  WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
  path       = u->path;
  u->path.dentry = NULL;
  u->path.mnt = NULL;
  state = sk->sk_state;
  WRITE_ONCE(sk->sk_state, TCP_CLOSE);

  skpair = unix_peer(sk);
  unix_peer(sk) = NULL;

  unix_state_unlock(sk);

#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
  u->oob_skb = NULL;
#endif

  wake_up_interruptible_all(&u->peer_wait);

  if (skpair != NULL) {
    if (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET) {
      struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
      if (skb && !unix_skb_len(skb))
        skb = skb_peek_next(skb, &sk->sk_receive_queue);
#endif
      unix_state_lock(skpair);
      /* No more writes */
      WRITE_ONCE(skpair->sk_shutdown, SHUTDOWN_MASK);
      if (skb || embrion)
        WRITE_ONCE(skpair->sk_err, ECONNRESET);
      unix_state_unlock(skpair);
      skpair->sk_state_change(skpair);
      sk_wake_async(skpair, SOCK_WAKE_WAITD, POLL_HUP);
    }

    unix_dgram_peer_wake_disconnect(sk, skpair);
    sock_put(skpair); /* It may now die */
  }

  /* Try to flush out this socket. Throw out buffers at least */

  while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) {
    if (state == TCP_LISTEN)
      unix_release_sock(skb->sk, 1);

    /* passed fds are erased in the woke kfree_skb hook */
    kfree_skb_reason(skb, SKB_DROP_REASON_SOCKET_CLOSE);
  }

  if (path.dentry)
    path_put(&path);

  sock_put(sk);

  /* ---- Socket is dead now and most probably destroyed ---- */

  /*
   * Fixme: BSD difference: In BSD all sockets connected to us get
   *    ECONNRESET and we die on the woke spot. In Linux we behave
   *    like files and pipes do and wait for the woke last
   *    dereference.
   *
   * Can't we simply set sock->err?
   *
   *    What the woke above comment does talk about? --ANK(980817)
   */

  if (READ_ONCE(unix_tot_inflight))
    unix_gc();    /* Garbage collect fds */
})",
       {{"sk_err", "WRITE_ONCE(skpair->sk_err, ECONNRESET);"},
        {"the peer", "WRITE_ONCE(skpair->sk_shutdown, SHUTDOWN_MASK);"},
        {"", "WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);"}}},
      {"unix_socketpair",
       kAfUnix,
       1830,
       R"(static int unix_socketpair(struct socket *socka, struct socket *sockb)
{
  struct unix_peercred ska_peercred = {}, skb_peercred = {};
  struct sock *ska = socka->sk, *skb = sockb->sk;
  int err;

  err = prepare_peercred(&ska_peercred);
  if (err)
    return err;

  err = prepare_peercred(&skb_peercred);
  if (err) {
    drop_peercred(&ska_peercred);
    return err;
  }

  /* Join our sockets back to back */
  sock_hold(ska);
  sock_hold(skb);
  unix_peer(ska) = skb;
  unix_peer(skb) = ska;
  init_peercred(ska, &ska_peercred);
  init_peercred(skb, &skb_peercred);

  ska->sk_state = TCP_ESTABLISHED;
  skb->sk_state = TCP_ESTABLISHED;
  socka->state  = SS_CONNECTED;
  sockb->state  = SS_CONNECTED;
  return 0;
})",
       {{"", "unix_peer(ska) = skb;"}}},
      {"unix_stream_sendmsg",
       kAfUnix,
       2393,
       R"(static int unix_stream_sendmsg(struct socket *sock, struct msghdr *msg,
             size_t len)
{
  struct sock *sk = sock->sk;
  struct sk_buff *skb = NULL;
  struct sock *other = NULL;
  struct unix_sock *otheru;
  struct scm_cookie scm;
  bool fds_sent = false;
  int err, sent = 0;

  err = scm_send(sock, msg, &scm, false);
  if (err < 0)
    return err;

  wait_for_unix_gc(scm.fp);

  if (msg->msg_flags & MSG_OOB) {
    err = -EOPNOTSUPP;
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
    if (len)
      len--;
    else
#endif
      goto out_err;
  }

  if (msg->msg_namelen) {
    err = READ_ONCE(sk->sk_state) == TCP_ESTABLISHED ? -EISCONN : -EOPNOTSUPP;
    goto out_err;
  }

  other = unix_peer(sk);
  if (!other) {
    err = -ENOTCONN;
    goto out_err;
  }

  otheru = unix_sk(other);

  if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
    goto out_pipe;

  while (sent < len) {
    int size = len - sent;
    int data_len;

    if (unlikely(msg->msg_flags & MSG_SPLICE_PAGES)) {
      skb = sock_alloc_send_pskb(sk, 0, 0,
               msg->msg_flags & MSG_DONTWAIT,
               &err, 0);
    } else {
      /* Keep two messages in the woke pipe so it schedules better */
      size = min_t(int, size, (READ_ONCE(sk->sk_sndbuf) >> 1) - 64);

      /* allow fallback to order-0 allocations */
      size = min_t(int, size, SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ);

      data_len = max_t(int, 0, size - SKB_MAX_HEAD(0));

      data_len = min_t(size_t, size, PAGE_ALIGN(data_len));

      skb = sock_alloc_send_pskb(sk, size - data_len, data_len,
               msg->msg_flags & MSG_DONTWAIT, &err,
               get_order(UNIX_SKB_FRAGS_SZ));
    }
    if (!skb)
      goto out_err;

    /* Only send the woke fds in the woke first buffer */
    err = unix_scm_to_skb(&scm, skb, !fds_sent);
    if (err < 0)
      goto out_free;

    fds_sent = true;

    err = unix_maybe_add_creds(skb, sk, other);
    if (err)
      goto out_free;

    if (unlikely(msg->msg_flags & MSG_SPLICE_PAGES)) {
      skb->ip_summed = CHECKSUM_UNNECESSARY;
      err = skb_splice_from_iter(skb, &msg->msg_iter, size);
      if (err < 0)
        goto out_free;

      size = err;
      refcount_add(size, &sk->sk_wmem_alloc);
    } else {
      skb_put(skb, size - data_len);
      skb->data_len = data_len;
      skb->len = size;
      err = skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, size);
      if (err)
        goto out_free;
    }

    unix_state_lock(other);

    if (sock_flag(other, SOCK_DEAD) ||
        (other->sk_shutdown & RCV_SHUTDOWN))
      goto out_pipe_unlock;

    if (UNIXCB(skb).fp && !other->sk_scm_rights) {
      unix_state_unlock(other);
      err = -EPERM;
      goto out_free;
    }

    scm_stat_add(other, skb);

    spin_lock(&other->sk_receive_queue.lock);
    WRITE_ONCE(otheru->inq_len, otheru->inq_len + skb->len);
    __skb_queue_tail(&other->sk_receive_queue, skb);
    spin_unlock(&other->sk_receive_queue.lock);

    unix_state_unlock(other);
    other->sk_data_ready(other);
    sent += size;
  }

#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
  if (msg->msg_flags & MSG_OOB) {
    err = queue_oob(sk, msg, other, &scm, fds_sent);
    if (err)
      goto out_err;
    sent++;
  }
#endif

  scm_destroy(&scm);

  return sent;

out_pipe_unlock:
  unix_state_unlock(other);
out_pipe:
  if (!sent && !(msg->msg_flags & MSG_NOSIGNAL))
    send_sig(SIGPIPE, current, 0);
  err = -EPIPE;
out_free:
  consume_skb(skb);
out_err:
  scm_destroy(&scm);
  return sent ? : err;
})",
       {{"EOPNOTSUPP", "err = -EOPNOTSUPP;"},
        {"shut down sending", "if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)"},
        {"dropped, EPIPE", "goto out_pipe_unlock;"},
        {"", "__skb_queue_tail(&other->sk_receive_queue, skb);"}}},
      {"unix_stream_read_generic",
       kAfUnix,
       2918,
       R"(static int unix_stream_read_generic(struct unix_stream_read_state *state,
            bool freezable)
{
  int noblock = state->flags & MSG_DONTWAIT;
  struct socket *sock = state->socket;
  struct msghdr *msg = state->msg;
  struct sock *sk = sock->sk;
  size_t size = state->size;
  int flags = state->flags;
  bool check_creds = false;
  struct scm_cookie scm;
  unsigned int last_len;
  struct unix_sock *u;
  int copied = 0;
  int err = 0;
  long timeo;
  int target;
  int skip;

  if (unlikely(READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)) {
    err = -EINVAL;
    goto out;
  }

  if (unlikely(flags & MSG_OOB)) {
    err = -EOPNOTSUPP;
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
    err = unix_stream_recv_urg(state);
#endif
    goto out;
  }

  target = sock_rcvlowat(sk, flags & MSG_WAITALL, size);
  timeo = sock_rcvtimeo(sk, noblock);

  memset(&scm, 0, sizeof(scm));

  u = unix_sk(sk);

  /* Lock the woke socket to prevent queue disordering
   * while sleeps in memcpy_tomsg
   */
  mutex_lock(&u->iolock);

  skip = max(sk_peek_offset(sk, flags), 0);

  do {
    struct sk_buff *skb, *last;
    int chunk;

redo:
    unix_state_lock(sk);
    if (sock_flag(sk, SOCK_DEAD)) {
      err = -ECONNRESET;
      goto unlock;
    }
    last = skb = skb_peek(&sk->sk_receive_queue);
    last_len = last ? last->len : 0;

again:
#if IS_ENABLED(CONFIG_AF_UNIX_OOB)
    if (skb) {
      skb = manage_oob(skb, sk, flags, copied);
      if (!skb && copied) {
        unix_state_unlock(sk);
        break;
      }
    }
#endif
    if (skb == NULL) {
      if (copied >= target)
        goto unlock;

      /*
       *  POSIX 1003.1g mandates this order.
       */

      err = sock_error(sk);
      if (err)
        goto unlock;
      if (sk->sk_shutdown & RCV_SHUTDOWN)
        goto unlock;

      unix_state_unlock(sk);
      if (!timeo) {
        err = -EAGAIN;
        break;
      }

      mutex_unlock(&u->iolock);

      timeo = unix_stream_data_wait(sk, timeo, last,
                  last_len, freezable);

      if (signal_pending(current)) {
        err = sock_intr_errno(timeo);
        scm_destroy(&scm);
        goto out;
      }

      mutex_lock(&u->iolock);
      goto redo;
unlock:
      unix_state_unlock(sk);
      break;
    }

    while (skip >= unix_skb_len(skb)) {
      skip -= unix_skb_len(skb);
      last = skb;
      last_len = skb->len;
      skb = skb_peek_next(skb, &sk->sk_receive_queue);
      if (!skb)
        goto again;
    }

    unix_state_unlock(sk);

    if (check_creds) {
      /* Never glue messages from different writers */
      if (!unix_skb_scm_eq(skb, &scm))
        break;
    } else if (unix_may_passcred(sk)) {
      /* Copy credentials */
      unix_skb_to_scm(skb, &scm);
      check_creds = true;
    }

    /* Copy address just once */
    if (msg && msg->msg_name) {
      DECLARE_SOCKADDR(struct sockaddr_un *, sunaddr, msg->msg_name);

      unix_copy_addr(msg, skb->sk);
      BPF_CGROUP_RUN_PROG_UNIX_RECVMSG_LOCK(sk, msg->msg_name,
                    &msg->msg_namelen);

      sunaddr = NULL;
    }

    chunk = min_t(unsigned int, unix_skb_len(skb) - skip, size);
    chunk = state->recv_actor(skb, skip, chunk, state);
    if (chunk < 0) {
      if (copied == 0)
        copied = -EFAULT;
      break;
    }
    copied += chunk;
    size -= chunk;

    /* Mark read part of skb as used */
    if (!(flags & MSG_PEEK)) {
      UNIXCB(skb).consumed += chunk;

      sk_peek_offset_bwd(sk, chunk);

      if (UNIXCB(skb).fp) {
        scm_stat_del(sk, skb);
        unix_detach_fds(&scm, skb);
      }

      if (unix_skb_len(skb))
        break;

      spin_lock(&sk->sk_receive_queue.lock);
      WRITE_ONCE(u->inq_len, u->inq_len - skb->len);
      __skb_unlink(skb, &sk->sk_receive_queue);
      spin_unlock(&sk->sk_receive_queue.lock);

      consume_skb(skb);

      if (scm.fp)
        break;
    } else {
      /* It is questionable, see note in unix_dgram_recvmsg.
       */
      if (UNIXCB(skb).fp)
        unix_peek_fds(&scm, skb);

      sk_peek_offset_fwd(sk, chunk);

      if (UNIXCB(skb).fp)
        break;

      skip = 0;
      last = skb;
      last_len = skb->len;
      unix_state_lock(sk);
      skb = skb_peek_next(skb, &sk->sk_receive_queue);
      if (skb)
        goto again;
      unix_state_unlock(sk);
      break;
    }
  } while (size);

  mutex_unlock(&u->iolock);
  if (msg) {
    scm_recv_unix(sock, msg, &scm, flags);

    if (READ_ONCE(u->recvmsg_inq) || msg->msg_get_inq) {
      msg->msg_inq = READ_ONCE(u->inq_len);
      put_cmsg(msg, SOL_SOCKET, SCM_INQ,
         sizeof(msg->msg_inq), &msg->msg_inq);
    }
  } else {
    scm_destroy(&scm);
  }
out:
  return copied ? : err;
})",
       {{"end of file", "if (sk->sk_shutdown & RCV_SHUTDOWN)"},
        {"signal_pending", "err = sock_intr_errno(timeo);"},
        {"now empty", "__skb_unlink(skb, &sk->sk_receive_queue);"},
        {"", "UNIXCB(skb).consumed += chunk;"}}},
      {"unix_shutdown",
       kAfUnix,
       3206,
       R"(static int unix_shutdown(struct socket *sock, int mode)
{
  struct sock *sk = sock->sk;
  struct sock *other;

  if (mode < SHUT_RD || mode > SHUT_RDWR)
    return -EINVAL;
  /* This maps:
   * SHUT_RD   (0) -> RCV_SHUTDOWN  (1)
   * SHUT_WR   (1) -> SEND_SHUTDOWN (2)
   * SHUT_RDWR (2) -> SHUTDOWN_MASK (3)
   */
  ++mode;

  unix_state_lock(sk);
  WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | mode);
  other = unix_peer(sk);
  if (other)
    sock_hold(other);
  unix_state_unlock(sk);
  sk->sk_state_change(sk);

  if (other &&
    (sk->sk_type == SOCK_STREAM || sk->sk_type == SOCK_SEQPACKET)) {

    int peer_mode = 0;
    const struct proto *prot = READ_ONCE(other->sk_prot);

    if (prot->unhash)
      prot->unhash(other);
    if (mode&RCV_SHUTDOWN)
      peer_mode |= SEND_SHUTDOWN;
    if (mode&SEND_SHUTDOWN)
      peer_mode |= RCV_SHUTDOWN;
    unix_state_lock(other);
    WRITE_ONCE(other->sk_shutdown, other->sk_shutdown | peer_mode);
    unix_state_unlock(other);
    other->sk_state_change(other);
    if (peer_mode == SHUTDOWN_MASK)
      sk_wake_async(other, SOCK_WAKE_WAITD, POLL_HUP);
    else if (peer_mode & RCV_SHUTDOWN)
      sk_wake_async(other, SOCK_WAKE_WAITD, POLL_IN);
  }
  if (other)
    sock_put(other);

  return 0;
})",
       {{"the peer", "WRITE_ONCE(other->sk_shutdown, other->sk_shutdown | peer_mode);"},
        {"", "WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | mode);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/tcp_timer.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_tcp_timer() {
  return {
      {"tcp_delack_timer_handler",
       kTcpTimer,
       307,
       R"(void tcp_delack_timer_handler(struct sock *sk)
{
  struct inet_connection_sock *icsk = inet_csk(sk);
  struct tcp_sock *tp = tcp_sk(sk);

  if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
    return;

  /* Handling the woke sack compression case */
  if (tp->compressed_ack) {
    tcp_mstamp_refresh(tp);
    tcp_sack_compress_send_ack(sk);
    return;
  }

  if (!(icsk->icsk_ack.pending & ICSK_ACK_TIMER))
    return;

  if (time_after(icsk_delack_timeout(icsk), jiffies)) {
    sk_reset_timer(sk, &icsk->icsk_delack_timer,
             icsk_delack_timeout(icsk));
    return;
  }
  icsk->icsk_ack.pending &= ~ICSK_ACK_TIMER;

  if (inet_csk_ack_scheduled(sk)) {
    if (!inet_csk_in_pingpong_mode(sk)) {
      /* Delayed ACK missed: inflate ATO. */
      icsk->icsk_ack.ato = min_t(u32, icsk->icsk_ack.ato << 1, icsk->icsk_rto);
    } else {
      /* Delayed ACK missed: leave pingpong mode and
       * deflate ATO.
       */
      inet_csk_exit_pingpong_mode(sk);
      icsk->icsk_ack.ato      = TCP_ATO_MIN;
    }
    tcp_mstamp_refresh(tp);
    tcp_send_ack(sk);
    __NET_INC_STATS(sock_net(sk), LINUX_MIB_DELAYEDACKS);
  }
})",
       {{"pingpong", "inet_csk_exit_pingpong_mode(sk);"}, {"", "tcp_send_ack(sk);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/af_inet.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_af_inet() {
  return {
      {"inet_listen",
       kAfInet,
       230,
       R"(int inet_listen(struct socket *sock, int backlog)
{
  struct sock *sk = sock->sk;
  int err = -EINVAL;

  lock_sock(sk);

  if (sock->state != SS_UNCONNECTED || sock->type != SOCK_STREAM)
    goto out;

  err = __inet_listen_sk(sk, backlog);

out:
  release_sock(sk);
  return err;
})",
       {{"", "err = __inet_listen_sk(sk, backlog);"}}},
      {"inet_shutdown",
       kAfInet,
       891,
       R"(int inet_shutdown(struct socket *sock, int how)
{
  struct sock *sk = sock->sk;
  int err = 0;

  /* This should really check to make sure
   * the woke socket is a TCP socket. (WHY AC...)
   */
  how++; /* maps 0->1 has the woke advantage of making bit 1 rcvs and
           1->2 bit 2 snds.
           2->3 */
  if ((how & ~SHUTDOWN_MASK) || !how)  /* MAXINT->0 */
    return -EINVAL;

  lock_sock(sk);
  if (sock->state == SS_CONNECTING) {
    if ((1 << sk->sk_state) &
        (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
      sock->state = SS_DISCONNECTING;
    else
      sock->state = SS_CONNECTED;
  }

  switch (sk->sk_state) {
  case TCP_CLOSE:
    err = -ENOTCONN;
    /* Hack to wake up other listeners, who can poll for
       EPOLLHUP, even on eg. unconnected UDP sockets -- RR */
    fallthrough;
  default:
    WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
    if (sk->sk_prot->shutdown)
      sk->sk_prot->shutdown(sk, how);
    break;

  /* Remaining two branches are temporary solution for missing
   * close() in multithreaded environment. It is _not_ a good idea,
   * but we have no choice until close() is repaired at VFS level.
   */
  case TCP_LISTEN:
    if (!(how & RCV_SHUTDOWN))
      break;
    fallthrough;
  case TCP_SYN_SENT:
    err = sk->sk_prot->disconnect(sk, O_NONBLOCK);
    sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
    break;
  }

  /* Wake up anyone sleeping in poll. */
  sk->sk_state_change(sk);
  release_sock(sk);
  return err;
})",
       {{"disconnects it", "err = sk->sk_prot->disconnect(sk, O_NONBLOCK);"},
        {"", "WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/tcp_ipv4.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_tcp_ipv4() {
  return {
      {"tcp_add_backlog",
       kTcpIpv4,
       2015,
       R"(bool tcp_add_backlog(struct sock *sk, struct sk_buff *skb,
         enum skb_drop_reason *reason)
{
  u32 tail_gso_size, tail_gso_segs;
  struct skb_shared_info *shinfo;
  const struct tcphdr *th;
  struct tcphdr *thtail;
  struct sk_buff *tail;
  unsigned int hdrlen;
  bool fragstolen;
  u32 gso_segs;
  u32 gso_size;
  u64 limit;
  int delta;
  int err;

  /* In case all data was pulled from skb frags (in __pskb_pull_tail()),
   * we can fix skb->truesize to its real value to avoid future drops.
   * This is valid because skb is not yet charged to the woke socket.
   * It has been noticed pure SACK packets were sometimes dropped
   * (if cooked by drivers without copybreak feature).
   */
  skb_condense(skb);

  tcp_cleanup_skb(skb);

  if (unlikely(tcp_checksum_complete(skb))) {
    bh_unlock_sock(sk);
    trace_tcp_bad_csum(skb);
    *reason = SKB_DROP_REASON_TCP_CSUM;
    __TCP_INC_STATS(sock_net(sk), TCP_MIB_CSUMERRORS);
    __TCP_INC_STATS(sock_net(sk), TCP_MIB_INERRS);
    return true;
  }

  /* Attempt coalescing to last skb in backlog, even if we are
   * above the woke limits.
   * This is okay because skb capacity is limited to MAX_SKB_FRAGS.
   */
  th = (const struct tcphdr *)skb->data;
  hdrlen = th->doff * 4;

  tail = sk->sk_backlog.tail;
  if (!tail)
    goto no_coalesce;)",
       {{"", "tail = sk->sk_backlog.tail;"}},
       kRestLeftOut},
      {"tcp_v4_connect",
       kTcpIpv4,
       222,
       R"(int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
  struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
  struct inet_timewait_death_row *tcp_death_row;
  struct inet_sock *inet = inet_sk(sk);
  struct tcp_sock *tp = tcp_sk(sk);
  struct ip_options_rcu *inet_opt;
  struct net *net = sock_net(sk);
  __be16 orig_sport, orig_dport;
  __be32 daddr, nexthop;
  struct flowi4 *fl4;
  struct rtable *rt;
  int err;

  if (addr_len < sizeof(struct sockaddr_in))
    return -EINVAL;

  if (usin->sin_family != AF_INET)
    return -EAFNOSUPPORT;

  nexthop = daddr = usin->sin_addr.s_addr;
  inet_opt = rcu_dereference_protected(inet->inet_opt,
               lockdep_sock_is_held(sk));
  if (inet_opt && inet_opt->opt.srr) {
    if (!daddr)
      return -EINVAL;
    nexthop = inet_opt->opt.faddr;
  }

  orig_sport = inet->inet_sport;
  orig_dport = usin->sin_port;
  fl4 = &inet->cork.fl.u.ip4;
  rt = ip_route_connect(fl4, nexthop, inet->inet_saddr,
            sk->sk_bound_dev_if, IPPROTO_TCP, orig_sport,
            orig_dport, sk);
  if (IS_ERR(rt)) {
    err = PTR_ERR(rt);
    if (err == -ENETUNREACH)
      IP_INC_STATS(net, IPSTATS_MIB_OUTNOROUTES);
    return err;
  }

  if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
    ip_rt_put(rt);
    return -ENETUNREACH;
  }

  if (!inet_opt || !inet_opt->opt.srr)
    daddr = fl4->daddr;

  tcp_death_row = &sock_net(sk)->ipv4.tcp_death_row;

  if (!inet->inet_saddr) {
    err = inet_bhash2_update_saddr(sk,  &fl4->saddr, AF_INET);
    if (err) {
      ip_rt_put(rt);
      return err;
    }
  } else {
    sk_rcv_saddr_set(sk, inet->inet_saddr);
  }

  if (tp->rx_opt.ts_recent_stamp && inet->inet_daddr != daddr) {
    /* Reset inherited state */
    tp->rx_opt.ts_recent     = 0;
    tp->rx_opt.ts_recent_stamp = 0;
    if (likely(!tp->repair))
      WRITE_ONCE(tp->write_seq, 0);
  }

  inet->inet_dport = usin->sin_port;
  sk_daddr_set(sk, daddr);

  inet_csk(sk)->icsk_ext_hdr_len = 0;
  if (inet_opt)
    inet_csk(sk)->icsk_ext_hdr_len = inet_opt->opt.optlen;

  tp->rx_opt.mss_clamp = TCP_MSS_DEFAULT;

  /* Socket identity is still unknown (sport may be zero).
   * However we set state to SYN-SENT and not releasing socket
   * lock select source port, enter ourselves into the woke hash tables and
   * complete initialization after this.
   */
  tcp_set_state(sk, TCP_SYN_SENT);
  err = inet_hash_connect(tcp_death_row, sk);
  if (err)
    goto failure;

  sk_set_txhash(sk);

  rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
             inet->inet_sport, inet->inet_dport, sk);
  if (IS_ERR(rt)) {
    err = PTR_ERR(rt);
    rt = NULL;
    goto failure;
  }
  tp->tcp_usec_ts = dst_tcp_usec_ts(&rt->dst);
  /* OK, now commit destination to socket.  */
  sk->sk_gso_type = SKB_GSO_TCPV4;
  sk_setup_caps(sk, &rt->dst);
  rt = NULL;

  if (likely(!tp->repair)) {
    if (!tp->write_seq)
      WRITE_ONCE(tp->write_seq,
           secure_tcp_seq(inet->inet_saddr,
              inet->inet_daddr,
              inet->inet_sport,
              usin->sin_port));
    WRITE_ONCE(tp->tsoffset,
         secure_tcp_ts_off(net, inet->inet_saddr,
               inet->inet_daddr));
  }

  atomic_set(&inet->inet_id, get_random_u16());

  if (tcp_fastopen_defer_connect(sk, &err))
    return err;
  if (err)
    goto failure;

  err = tcp_connect(sk);

  if (err)
    goto failure;

  return 0;

failure:
  /*
   * This unhashes the woke socket and releases the woke local port,
   * if necessary.
   */
  tcp_set_state(sk, TCP_CLOSE);
  inet_bhash2_reset_saddr(sk);
  ip_rt_put(rt);
  sk->sk_route_caps = 0;
  inet->inet_dport = 0;
  return err;
})",
       {{"", "err = tcp_connect(sk);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/inet_connection_sock.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_inet_connection_sock() {
  return {
      {"inet_csk_accept",
       kInetCsk,
       659,
       R"(struct sock *inet_csk_accept(struct sock *sk, struct proto_accept_arg *arg)
{
  struct inet_connection_sock *icsk = inet_csk(sk);
  struct request_sock_queue *queue = &icsk->icsk_accept_queue;
  struct request_sock *req;
  struct sock *newsk;
  int error;

  lock_sock(sk);

  /* We need to make sure that this socket is listening,
   * and that it has something pending.
   */
  error = -EINVAL;
  if (sk->sk_state != TCP_LISTEN)
    goto out_err;

  /* Find already established connection */
  if (reqsk_queue_empty(queue)) {
    long timeo = sock_rcvtimeo(sk, arg->flags & O_NONBLOCK);

    /* If this is a non blocking socket don't sleep */
    error = -EAGAIN;
    if (!timeo)
      goto out_err;

    error = inet_csk_wait_for_connect(sk, timeo);
    if (error)
      goto out_err;
  }
  req = reqsk_queue_remove(queue, sk);
  arg->is_empty = reqsk_queue_empty(queue);
  newsk = req->sk;

  if (sk->sk_protocol == IPPROTO_TCP &&
      tcp_rsk(req)->tfo_listener) {
    spin_lock_bh(&queue->fastopenq.lock);
    if (tcp_rsk(req)->tfo_listener) {
      /* We are still waiting for the woke final ACK from 3WHS
       * so can't free req now. Instead, we set req->sk to
       * NULL to signify that the woke child socket is taken
       * so reqsk_fastopen_remove() will free the woke req
       * when 3WHS finishes (or is aborted).
       */
      req->sk = NULL;
      req = NULL;
    }
    spin_unlock_bh(&queue->fastopenq.lock);
  }

out:
  release_sock(sk);
  if (newsk && mem_cgroup_sockets_enabled) {
    gfp_t gfp = GFP_KERNEL | __GFP_NOFAIL;
    int amt = 0;

    /* atomically get the woke memory usage, set and charge the
     * newsk->sk_memcg.
     */
    lock_sock(newsk);

    mem_cgroup_sk_alloc(newsk);
    if (newsk->sk_memcg) {
      /* The socket has not been accepted yet, no need
       * to look at newsk->sk_wmem_queued.
       */
      amt = sk_mem_pages(newsk->sk_forward_alloc +
             atomic_read(&newsk->sk_rmem_alloc));
    }

    if (amt)
      mem_cgroup_charge_skmem(newsk->sk_memcg, amt, gfp);
    kmem_cache_charge(newsk, gfp);

    release_sock(newsk);
  }
  if (req)
    reqsk_put(req);

  if (newsk)
    inet_init_csk_locks(newsk);

  return newsk;
out_err:
  newsk = NULL;
  req = NULL;
  arg->err = error;
  goto out;
})",
       {{"still waiting", "error = inet_csk_wait_for_connect(sk, timeo);"},
        {"", "req = reqsk_queue_remove(queue, sk);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/tcp_output.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_tcp_output() {
  return {
      {"tcp_event_data_sent",
       kTcpOutput,
       163,
       R"(static void tcp_event_data_sent(struct tcp_sock *tp,
        struct sock *sk)
{
  struct inet_connection_sock *icsk = inet_csk(sk);
  const u32 now = tcp_jiffies32;

  if (tcp_packets_in_flight(tp) == 0)
    tcp_ca_event(sk, CA_EVENT_TX_START);

  tp->lsndtime = now;

  /* If it is a reply for ato after last received
   * packet, increase pingpong count.
   */
  if ((u32)(now - icsk->icsk_ack.lrcvtime) < icsk->icsk_ack.ato)
    inet_csk_inc_pingpong_cnt(sk);
})",
       {{"", "inet_csk_inc_pingpong_cnt(sk);"}}},
      {"tcp_send_ack",
       kTcpOutput,
       4289,
       R"(void tcp_send_ack(struct sock *sk)
{
  __tcp_send_ack(sk, tcp_sk(sk)->rcv_nxt, 0);
})",
       {{"", "__tcp_send_ack(sk, tcp_sk(sk)->rcv_nxt, 0);"}}},
      {"tcp_send_delayed_ack",
       kTcpOutput,
       4194,
       R"(void tcp_send_delayed_ack(struct sock *sk)
{
  struct inet_connection_sock *icsk = inet_csk(sk);
  int ato = icsk->icsk_ack.ato;
  unsigned long timeout;

  if (ato > TCP_DELACK_MIN) {
    const struct tcp_sock *tp = tcp_sk(sk);
    int max_ato = HZ / 2;

    if (inet_csk_in_pingpong_mode(sk) ||
        (icsk->icsk_ack.pending & ICSK_ACK_PUSHED))
      max_ato = TCP_DELACK_MAX;

    /* Slow path, intersegment interval is "high". */

    /* If some rtt estimate is known, use it to bound delayed ack.
     * Do not use inet_csk(sk)->icsk_rto here, use results of rtt measurements
     * directly.
     */
    if (tp->srtt_us) {
      int rtt = max_t(int, usecs_to_jiffies(tp->srtt_us >> 3),
          TCP_DELACK_MIN);

      if (rtt < max_ato)
        max_ato = rtt;
    }

    ato = min(ato, max_ato);
  }

  ato = min_t(u32, ato, tcp_delack_max(sk));

  /* Stay within the woke limit we were given */
  timeout = jiffies + ato;

  /* Use new timeout only if there wasn't a older one earlier. */
  if (icsk->icsk_ack.pending & ICSK_ACK_TIMER) {
    /* If delack timer is about to expire, send ACK now. */
    if (time_before_eq(icsk_delack_timeout(icsk), jiffies + (ato >> 2))) {
      tcp_send_ack(sk);
      return;
    }

    if (!time_before(timeout, icsk_delack_timeout(icsk)))
      timeout = icsk_delack_timeout(icsk);
  }
  smp_store_release(&icsk->icsk_ack.pending,
        icsk->icsk_ack.pending | ICSK_ACK_SCHED | ICSK_ACK_TIMER);
  sk_reset_timer(sk, &icsk->icsk_delack_timer, timeout);
})",
       {{"already armed", "if (icsk->icsk_ack.pending & ICSK_ACK_TIMER) {"},
        {"", "sk_reset_timer(sk, &icsk->icsk_delack_timer, timeout);"}}},
      {"tcp_send_active_reset",
       kTcpOutput,
       3640,
       R"(void tcp_send_active_reset(struct sock *sk, gfp_t priority,
         enum sk_rst_reason reason)
{
  struct sk_buff *skb;

  TCP_INC_STATS(sock_net(sk), TCP_MIB_OUTRSTS);

  /* NOTE: No TCP options attached and we never retransmit this. */
  skb = alloc_skb(MAX_TCP_HEADER, priority);
  if (!skb) {
    NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTFAILED);
    return;
  }

  /* Reserve space for headers and prepare control bits. */
  skb_reserve(skb, MAX_TCP_HEADER);
  tcp_init_nondata_skb(skb, tcp_acceptable_seq(sk),
           TCPHDR_ACK | TCPHDR_RST);
  tcp_mstamp_refresh(tcp_sk(sk));
  /* Send it off. */
  if (tcp_transmit_skb(sk, skb, 0, priority))
    NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPABORTFAILED);

  /* skb of trace_tcp_send_reset() keeps the woke skb that caused RST,
   * skb here is different to the woke troublesome skb, so use NULL)",
       {{"", "TCPHDR_ACK | TCPHDR_RST);"}}},
      {"tcp_write_xmit",
       kTcpOutput,
       2740,
       R"(static bool tcp_write_xmit(struct sock *sk, unsigned int mss_now, int nonagle,
         int push_one, gfp_t gfp)
{
  struct tcp_sock *tp = tcp_sk(sk);
  struct sk_buff *skb;
  unsigned int tso_segs, sent_pkts;
  u32 cwnd_quota, max_segs;
  int result;
  bool is_cwnd_limited = false, is_rwnd_limited = false;

  sent_pkts = 0;

  tcp_mstamp_refresh(tp);
  if (!push_one) {
    /* Do MTU probing. */
    result = tcp_mtu_probe(sk);
    if (!result) {
      return false;
    } else if (result > 0) {
      sent_pkts = 1;
    }
  }

  max_segs = tcp_tso_segs(sk, mss_now);
  while ((skb = tcp_send_head(sk))) {
    unsigned int limit;
    int missing_bytes;

    if (unlikely(tp->repair) && tp->repair_queue == TCP_SEND_QUEUE) {
      /* "skb_mstamp_ns" is used as a start point for the woke retransmit timer */
      tp->tcp_wstamp_ns = tp->tcp_clock_cache;
      skb_set_delivery_time(skb, tp->tcp_wstamp_ns, SKB_CLOCK_MONOTONIC);
      list_move_tail(&skb->tcp_tsorted_anchor, &tp->tsorted_sent_queue);
      tcp_init_tso_segs(skb, mss_now);
      goto repair; /* Skip network transmission */
    }

    if (tcp_pacing_check(sk))
      break;

    cwnd_quota = tcp_cwnd_test(tp);
    if (!cwnd_quota) {
      if (push_one == 2)
        /* Force out a loss probe pkt. */
        cwnd_quota = 1;
      else
        break;
    }
    cwnd_quota = min(cwnd_quota, max_segs);
    missing_bytes = cwnd_quota * mss_now - skb->len;
    if (missing_bytes > 0)
      tcp_grow_skb(sk, skb, missing_bytes);

    tso_segs = tcp_set_skb_tso_segs(skb, mss_now);

    if (unlikely(!tcp_snd_wnd_test(tp, skb, mss_now))) {
      is_rwnd_limited = true;
      break;
    }

    if (tso_segs == 1) {
      if (unlikely(!tcp_nagle_test(tp, skb, mss_now,
                 (tcp_skb_is_last(sk, skb) ?
                  nonagle : TCP_NAGLE_PUSH))))
        break;
    } else {
      if (!push_one &&
          tcp_tso_should_defer(sk, skb, &is_cwnd_limited,
             &is_rwnd_limited, max_segs))
        break;
    })",
       {{"sends its FIN", "while ((skb = tcp_send_head(sk))) {"},
        {"receive window is full", "if (unlikely(!tcp_snd_wnd_test(tp, skb, mss_now))) {"},
        {"corked", "if (unlikely(!tcp_nagle_test(tp, skb, mss_now,"},
        {"Nagle", "if (unlikely(!tcp_nagle_test(tp, skb, mss_now,"},
        {"", "while ((skb = tcp_send_head(sk))) {"}},
       kRestLeftOut},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/core/sock.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_sock() {
  return {
      {"__release_sock",
       kSock,
       3156,
       R"(void __release_sock(struct sock *sk)
  __releases(&sk->sk_lock.slock)
  __acquires(&sk->sk_lock.slock)
{
  struct sk_buff *skb, *next;

  while ((skb = sk->sk_backlog.head) != NULL) {
    sk->sk_backlog.head = sk->sk_backlog.tail = NULL;

    spin_unlock_bh(&sk->sk_lock.slock);

    do {
      next = skb->next;
      prefetch(next);
      DEBUG_NET_WARN_ON_ONCE(skb_dst_is_noref(skb));
      skb_mark_not_on_list(skb);
      sk_backlog_rcv(sk, skb);

      cond_resched();

      skb = next;
    } while (skb != NULL);

    spin_lock_bh(&sk->sk_lock.slock);
  }

  /*
   * Doing the woke zeroing here guarantee we can not loop forever
   * while a wild producer attempts to flood us.
   */
  sk->sk_backlog.len = 0;
})",
       {{"", "sk_backlog_rcv(sk, skb);"}}},
      {"sock_alloc_send_pskb",
       kSock,
       2928,
       R"(struct sk_buff *sock_alloc_send_pskb(struct sock *sk, unsigned long header_len,
             unsigned long data_len, int noblock,
             int *errcode, int max_page_order)
{
  struct sk_buff *skb;
  long timeo;
  int err;

  timeo = sock_sndtimeo(sk, noblock);
  for (;;) {
    err = sock_error(sk);
    if (err != 0)
      goto failure;

    err = -EPIPE;
    if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
      goto failure;

    if (sk_wmem_alloc_get(sk) < READ_ONCE(sk->sk_sndbuf))
      break;

    sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
    set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
    err = -EAGAIN;
    if (!timeo)
      goto failure;
    if (signal_pending(current))
      goto interrupted;
    timeo = sock_wait_for_wmem(sk, timeo);
  }
  skb = alloc_skb_with_frags(header_len, data_len, max_page_order,
           errcode, sk->sk_allocation);
  if (skb)
    skb_set_owner_w(skb, sk);
  return skb;

interrupted:
  err = sock_intr_errno(timeo);
failure:
  *errcode = err;
  return NULL;
})",
       {{"signal_pending", "goto interrupted;"},
        {"no new skb", "err = -EAGAIN;"},
        {"", "if (sk_wmem_alloc_get(sk) < READ_ONCE(sk->sk_sndbuf))"}}},
      {"sock_wfree",
       kSock,
       2643,
       R"(void sock_wfree(struct sk_buff *skb)
{
  struct sock *sk = skb->sk;
  unsigned int len = skb->truesize;
  bool free;

  if (!sock_flag(sk, SOCK_USE_WRITE_QUEUE)) {
    if (sock_flag(sk, SOCK_RCU_FREE) &&
        sk->sk_write_space == sock_def_write_space) {
      rcu_read_lock();
      free = refcount_sub_and_test(len, &sk->sk_wmem_alloc);
      sock_def_write_space_wfree(sk);
      rcu_read_unlock();
      if (unlikely(free))
        __sk_free(sk);
      return;
    }

    /*
     * Keep a reference on sk_wmem_alloc, this will be released
     * after sk_write_space() call
     */
    WARN_ON(refcount_sub_and_test(len - 1, &sk->sk_wmem_alloc));
    sk->sk_write_space(sk);
    len = 1;
  }
  /*
   * if sk_wmem_alloc reaches 0, we must finish what sk_free()
   * could not do because of in-flight packets
   */
  if (refcount_sub_and_test(len, &sk->sk_wmem_alloc))
    __sk_free(sk);
})",
       {{"", "WARN_ON(refcount_sub_and_test(len - 1, &sk->sk_wmem_alloc));"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/tcp.c
// ---------------------------------------------------------------------------------------------

// tcp_sendmsg, tcp_recvmsg and tcp_close take the socket's lock and call the function that does the
// work (tcp_sendmsg_locked, tcp_recvmsg_locked, __tcp_close), a few hundred lines each: the excerpt
// is the entry point with that call highlighted, and its note says where the work is.
std::vector<SourceExcerpt> excerpts_tcp() {
  return {
      {"tcp_close",
       kTcp,
       3271,
       R"(void tcp_close(struct sock *sk, long timeout)
{
  lock_sock(sk);
  __tcp_close(sk, timeout);
  release_sock(sk);
  if (!sk->sk_net_refcnt)
    inet_csk_clear_xmit_timers_sync(sk);
  sock_put(sk);
})",
       {{"", "__tcp_close(sk, timeout);"}},
       "the steps are in __tcp_close, line 3100, which is left out"},
      {"tcp_recvmsg",
       kTcp,
       2890,
       R"(int tcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len, int flags,
    int *addr_len)
{
  int cmsg_flags = 0, ret;
  struct scm_timestamping_internal tss;

  if (unlikely(flags & MSG_ERRQUEUE))
    return inet_recv_error(sk, msg, len, addr_len);

  if (sk_can_busy_loop(sk) &&
      skb_queue_empty_lockless(&sk->sk_receive_queue) &&
      sk->sk_state == TCP_ESTABLISHED)
    sk_busy_loop(sk, flags & MSG_DONTWAIT);

  lock_sock(sk);
  ret = tcp_recvmsg_locked(sk, msg, len, flags, &tss, &cmsg_flags);
  release_sock(sk);

  if ((cmsg_flags || msg->msg_get_inq) && ret >= 0) {
    if (cmsg_flags & TCP_CMSG_TS)
      tcp_recv_timestamp(msg, sk, &tss);
    if (msg->msg_get_inq) {
      msg->msg_inq = tcp_inq_hint(sk);
      if (cmsg_flags & TCP_CMSG_INQ)
        put_cmsg(msg, SOL_TCP, TCP_CM_INQ,
           sizeof(msg->msg_inq), &msg->msg_inq);
    }
  }
  return ret;
})",
       {{"", "ret = tcp_recvmsg_locked(sk, msg, len, flags, &tss, &cmsg_flags);"}},
       "the steps are in tcp_recvmsg_locked, line 2610, which is left out"},
      {"tcp_sendmsg",
       kTcp,
       1388,
       R"(int tcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size)
{
  int ret;

  lock_sock(sk);
  ret = tcp_sendmsg_locked(sk, msg, size);
  release_sock(sk);

  return ret;
})",
       {{"", "ret = tcp_sendmsg_locked(sk, msg, size);"}},
       "the steps are in tcp_sendmsg_locked, line 1058, which is left out"},
      {"tcp_set_state",
       kTcp,
       2922,
       R"(void tcp_set_state(struct sock *sk, int state)
{
  int oldstate = sk->sk_state;

  /* We defined a new enum for TCP states that are exported in BPF
   * so as not force the woke internal TCP states to be frozen. The
   * following checks will detect if an internal state value ever
   * differs from the woke BPF value. If this ever happens, then we will
   * need to remap the woke internal value to the woke BPF value before calling
   * tcp_call_bpf_2arg.
   */
  BUILD_BUG_ON((int)BPF_TCP_ESTABLISHED != (int)TCP_ESTABLISHED);
  BUILD_BUG_ON((int)BPF_TCP_SYN_SENT != (int)TCP_SYN_SENT);
  BUILD_BUG_ON((int)BPF_TCP_SYN_RECV != (int)TCP_SYN_RECV);
  BUILD_BUG_ON((int)BPF_TCP_FIN_WAIT1 != (int)TCP_FIN_WAIT1);
  BUILD_BUG_ON((int)BPF_TCP_FIN_WAIT2 != (int)TCP_FIN_WAIT2);
  BUILD_BUG_ON((int)BPF_TCP_TIME_WAIT != (int)TCP_TIME_WAIT);
  BUILD_BUG_ON((int)BPF_TCP_CLOSE != (int)TCP_CLOSE);
  BUILD_BUG_ON((int)BPF_TCP_CLOSE_WAIT != (int)TCP_CLOSE_WAIT);
  BUILD_BUG_ON((int)BPF_TCP_LAST_ACK != (int)TCP_LAST_ACK);
  BUILD_BUG_ON((int)BPF_TCP_LISTEN != (int)TCP_LISTEN);
  BUILD_BUG_ON((int)BPF_TCP_CLOSING != (int)TCP_CLOSING);
  BUILD_BUG_ON((int)BPF_TCP_NEW_SYN_RECV != (int)TCP_NEW_SYN_RECV);
  BUILD_BUG_ON((int)BPF_TCP_BOUND_INACTIVE != (int)TCP_BOUND_INACTIVE);
  BUILD_BUG_ON((int)BPF_TCP_MAX_STATES != (int)TCP_MAX_STATES);

  /* bpf uapi header bpf.h defines an anonymous enum with values
   * BPF_TCP_* used by bpf programs. Currently gcc built vmlinux
   * is able to emit this enum in DWARF due to the woke above BUILD_BUG_ON.
   * But clang built vmlinux does not have this enum in DWARF
   * since clang removes the woke above code before generating IR/debuginfo.
   * Let us explicitly emit the woke type debuginfo to ensure the
   * above-mentioned anonymous enum in the woke vmlinux DWARF and hence BTF
   * regardless of which compiler is used.
   */
  BTF_TYPE_EMIT_ENUM(BPF_TCP_ESTABLISHED);

  if (BPF_SOCK_OPS_TEST_FLAG(tcp_sk(sk), BPF_SOCK_OPS_STATE_CB_FLAG))
    tcp_call_bpf_2arg(sk, BPF_SOCK_OPS_STATE_CB, oldstate, state);

  switch (state) {
  case TCP_ESTABLISHED:
    if (oldstate != TCP_ESTABLISHED)
      TCP_INC_STATS(sock_net(sk), TCP_MIB_CURRESTAB);
    break;
  case TCP_CLOSE_WAIT:
    if (oldstate == TCP_SYN_RECV)
      TCP_INC_STATS(sock_net(sk), TCP_MIB_CURRESTAB);
    break;

  case TCP_CLOSE:
    if (oldstate == TCP_CLOSE_WAIT || oldstate == TCP_ESTABLISHED)
      TCP_INC_STATS(sock_net(sk), TCP_MIB_ESTABRESETS);

    sk->sk_prot->unhash(sk);
    if (inet_csk(sk)->icsk_bind_hash &&
        !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
      inet_put_port(sk);
    fallthrough;
  default:
    if (oldstate == TCP_ESTABLISHED || oldstate == TCP_CLOSE_WAIT)
      TCP_DEC_STATS(sock_net(sk), TCP_MIB_CURRESTAB);
  }

  /* Change state AFTER socket is unhashed to avoid closed
   * socket sitting in hash tables.
   */
  inet_sk_state_store(sk, state);
})",
       {{"to ESTABLISHED", "case TCP_ESTABLISHED:"},
        {"to CLOSE_WAIT", "case TCP_CLOSE_WAIT:"},
        {"to CLOSE", "case TCP_CLOSE:"},
        {"", "inet_sk_state_store(sk, state);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] net/ipv4/tcp_input.c
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_tcp_input() {
  return {
      {"tcp_clean_rtx_queue",
       kTcpInput,
       3225,
       R"(static int tcp_clean_rtx_queue(struct sock *sk, const struct sk_buff *ack_skb,
             u32 prior_fack, u32 prior_snd_una,
             struct tcp_sacktag_state *sack, bool ece_ack)
{
  const struct inet_connection_sock *icsk = inet_csk(sk);
  u64 first_ackt, last_ackt;
  struct tcp_sock *tp = tcp_sk(sk);
  u32 prior_sacked = tp->sacked_out;
  u32 reord = tp->snd_nxt; /* lowest acked un-retx un-sacked seq */
  struct sk_buff *skb, *next;
  bool fully_acked = true;
  long sack_rtt_us = -1L;
  long seq_rtt_us = -1L;
  long ca_rtt_us = -1L;
  u32 pkts_acked = 0;
  bool rtt_update;
  int flag = 0;

  first_ackt = 0;

  for (skb = skb_rb_first(&sk->tcp_rtx_queue); skb; skb = next) {
    struct tcp_skb_cb *scb = TCP_SKB_CB(skb);
    const u32 start_seq = scb->seq;
    u8 sacked = scb->sacked;
    u32 acked_pcount;

    /* Determine how many packets and what bytes were acked, tso and else */
    if (after(scb->end_seq, tp->snd_una)) {
      if (tcp_skb_pcount(skb) == 1 ||
          !after(tp->snd_una, scb->seq))
        break;

      acked_pcount = tcp_tso_acked(sk, skb);
      if (!acked_pcount)
        break;
      fully_acked = false;
    } else {
      acked_pcount = tcp_skb_pcount(skb);
    }

    if (unlikely(sacked & TCPCB_RETRANS)) {
      if (sacked & TCPCB_SACKED_RETRANS)
        tp->retrans_out -= acked_pcount;
      flag |= FLAG_RETRANS_DATA_ACKED;
    } else if (!(sacked & TCPCB_SACKED_ACKED)) {
      last_ackt = tcp_skb_timestamp_us(skb);
      WARN_ON_ONCE(last_ackt == 0);
      if (!first_ackt)
        first_ackt = last_ackt;

      if (before(start_seq, reord))
        reord = start_seq;
      if (!after(scb->end_seq, tp->high_seq))
        flag |= FLAG_ORIG_SACK_ACKED;
    }

    if (sacked & TCPCB_SACKED_ACKED) {
      tp->sacked_out -= acked_pcount;
    } else if (tcp_is_sack(tp)) {
      tcp_count_delivered(tp, acked_pcount, ece_ack);
      if (!tcp_skb_spurious_retrans(tp, skb))
        tcp_rack_advance(tp, sacked, scb->end_seq,
             tcp_skb_timestamp_us(skb));
    }
    if (sacked & TCPCB_LOST)
      tp->lost_out -= acked_pcount;

    tp->packets_out -= acked_pcount;
    pkts_acked += acked_pcount;
    tcp_rate_skb_delivered(sk, skb, sack->rate);

    /* Initial outgoing SYN's get put onto the woke write_queue
     * just like anything else we transmit.  It is not
     * true data, and if we misinform our callers that
     * this ACK acks real data, we will erroneously exit
     * connection startup slow start one packet too
     * quickly.  This is severely frowned upon behavior.
     */
    if (likely(!(scb->tcp_flags & TCPHDR_SYN))) {
      flag |= FLAG_DATA_ACKED;
    } else {
      flag |= FLAG_SYN_ACKED;
      tp->retrans_stamp = 0;
    }

    if (!fully_acked)
      break;

    tcp_ack_tstamp(sk, skb, ack_skb, prior_snd_una);

    next = skb_rb_next(skb);
    if (unlikely(skb == tp->retransmit_skb_hint))
      tp->retransmit_skb_hint = NULL;
    tcp_highest_sack_replace(sk, skb, next);
    tcp_rtx_queue_unlink_and_free(skb, sk);
  })",
       {{"", "tcp_rtx_queue_unlink_and_free(skb, sk);"}},
       kRestLeftOut},
      {"tcp_conn_request",
       kTcpInput,
       7128,
       R"(int tcp_conn_request(struct request_sock_ops *rsk_ops,
         const struct tcp_request_sock_ops *af_ops,
         struct sock *sk, struct sk_buff *skb)
{
  struct tcp_fastopen_cookie foc = { .len = -1 };
  struct tcp_options_received tmp_opt;
  struct tcp_sock *tp = tcp_sk(sk);
  struct net *net = sock_net(sk);
  struct sock *fastopen_sk = NULL;
  struct request_sock *req;
  bool want_cookie = false;
  struct dst_entry *dst;
  struct flowi fl;
  u8 syncookies;
  u32 isn;

#ifdef CONFIG_TCP_AO
  const struct tcp_ao_hdr *aoh;
#endif

  isn = __this_cpu_read(tcp_tw_isn);
  if (isn) {
    /* TW buckets are converted to open requests without
     * limitations, they conserve resources and peer is
     * evidently real one.
     */
    __this_cpu_write(tcp_tw_isn, 0);
  } else {
    syncookies = READ_ONCE(net->ipv4.sysctl_tcp_syncookies);

    if (syncookies == 2 || inet_csk_reqsk_queue_is_full(sk)) {
      want_cookie = tcp_syn_flood_action(sk,
                 rsk_ops->slab_name);
      if (!want_cookie)
        goto drop;
    }
  }

  if (sk_acceptq_is_full(sk)) {
    NET_INC_STATS(sock_net(sk), LINUX_MIB_LISTENOVERFLOWS);
    goto drop;
  }

  req = inet_reqsk_alloc(rsk_ops, sk, !want_cookie);
  if (!req)
    goto drop;)",
       {{"accept queue is full", "if (sk_acceptq_is_full(sk)) {"},
        {"", "req = inet_reqsk_alloc(rsk_ops, sk, !want_cookie);"}},
       kRestLeftOut},
      {"tcp_data_queue",
       kTcpInput,
       5144,
       R"(static void tcp_data_queue(struct sock *sk, struct sk_buff *skb)
{
  struct tcp_sock *tp = tcp_sk(sk);
  enum skb_drop_reason reason;
  bool fragstolen;
  int eaten;

  /* If a subflow has been reset, the woke packet should not continue
   * to be processed, drop the woke packet.
   */
  if (sk_is_mptcp(sk) && !mptcp_incoming_options(sk, skb)) {
    __kfree_skb(skb);
    return;
  }

  if (TCP_SKB_CB(skb)->seq == TCP_SKB_CB(skb)->end_seq) {
    __kfree_skb(skb);
    return;
  }
  tcp_cleanup_skb(skb);
  __skb_pull(skb, tcp_hdr(skb)->doff * 4);

  reason = SKB_DROP_REASON_NOT_SPECIFIED;
  tp->rx_opt.dsack = 0;

  /*  Queue data for delivery to the woke user.
   *  Packets in sequence go to the woke receive queue.
   *  Out of sequence packets to the woke out_of_order_queue.
   */
  if (TCP_SKB_CB(skb)->seq == tp->rcv_nxt) {
    if (tcp_receive_window(tp) == 0) {
      /* Some stacks are known to send bare FIN packets
       * in a loop even if we send RWIN 0 in our ACK.
       * Accepting this FIN does not hurt memory pressure
       * because the woke FIN flag will simply be merged to the
       * receive queue tail skb in most cases.
       */
      if (!skb->len &&
          (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN))
        goto queue_and_out;

      reason = SKB_DROP_REASON_TCP_ZEROWINDOW;
      NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPZEROWINDOWDROP);
      goto out_of_window;
    }

    /* Ok. In sequence. In window. */
queue_and_out:
    if (tcp_try_rmem_schedule(sk, skb, skb->truesize)) {
      /* TODO: maybe ratelimit these WIN 0 ACK ? */
      inet_csk(sk)->icsk_ack.pending |=
          (ICSK_ACK_NOMEM | ICSK_ACK_NOW);
      inet_csk_schedule_ack(sk);
      sk->sk_data_ready(sk);

      if (skb_queue_len(&sk->sk_receive_queue) && skb->len) {
        reason = SKB_DROP_REASON_PROTO_MEM;
        NET_INC_STATS(sock_net(sk), LINUX_MIB_TCPRCVQDROP);
        goto drop;
      }
      sk_forced_mem_schedule(sk, skb->truesize);
    }

    eaten = tcp_queue_rcv(sk, skb, &fragstolen);
    if (skb->len)
      tcp_event_data_recv(sk, skb);
    if (TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN)
      tcp_fin(sk);

    if (!RB_EMPTY_ROOT(&tp->out_of_order_queue)) {
      tcp_ofo_queue(sk);

      /* RFC5681. 4.2. SHOULD send immediate ACK, when
       * gap in queue is filled.
       */
      if (RB_EMPTY_ROOT(&tp->out_of_order_queue))
        inet_csk(sk)->icsk_ack.pending |= ICSK_ACK_NOW;
    }

    if (tp->rx_opt.num_sacks)
      tcp_sack_remove(tp);

    tcp_fast_path_check(sk);

    if (eaten > 0)
      kfree_skb_partial(skb, fragstolen);
    if (!sock_flag(sk, SOCK_DEAD))
      tcp_data_ready(sk);
    return;
  })",
       {{"", "eaten = tcp_queue_rcv(sk, skb, &fragstolen);"}},
       kRestLeftOut},
      {"tcp_fin",
       kTcpInput,
       4472,
       R"(void tcp_fin(struct sock *sk)
{
  struct tcp_sock *tp = tcp_sk(sk);

  inet_csk_schedule_ack(sk);

  WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
  sock_set_flag(sk, SOCK_DONE);

  switch (sk->sk_state) {
  case TCP_SYN_RECV:
  case TCP_ESTABLISHED:
    /* Move to CLOSE_WAIT */
    tcp_set_state(sk, TCP_CLOSE_WAIT);
    inet_csk_enter_pingpong_mode(sk);
    break;

  case TCP_CLOSE_WAIT:
  case TCP_CLOSING:
    /* Received a retransmission of the woke FIN, do
     * nothing.
     */
    break;
  case TCP_LAST_ACK:
    /* RFC793: Remain in the woke LAST-ACK state. */
    break;

  case TCP_FIN_WAIT1:
    /* This case occurs when a simultaneous close
     * happens, we must ack the woke received FIN and
     * enter the woke CLOSING state.
     */
    tcp_send_ack(sk);
    tcp_set_state(sk, TCP_CLOSING);
    break;
  case TCP_FIN_WAIT2:
    /* Received a FIN -- send ACK and enter TIME_WAIT. */
    tcp_send_ack(sk);
    tcp_time_wait(sk, TCP_TIME_WAIT, 0);
    break;
  default:
    /* Only TCP_LISTEN and TCP_CLOSE are left, in these
     * cases we should never reach this piece of code.
     */
    pr_err("%s: Impossible, sk->sk_state=%d\n",
           __func__, sk->sk_state);
    break;
  }

  /* It _is_ possible, that we have something out-of-order _after_ FIN.
   * Probably, we should reset in this case. For now drop them.
   */
  skb_rbtree_purge(&tp->out_of_order_queue);
  if (tcp_is_sack(tp))
    tcp_sack_reset(&tp->rx_opt);

  if (!sock_flag(sk, SOCK_DEAD)) {
    sk->sk_state_change(sk);

    /* Do not send POLL_HUP for half duplex close. */
    if (sk->sk_shutdown == SHUTDOWN_MASK ||
        sk->sk_state == TCP_CLOSE)
      sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
    else
      sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
  }
})",
       {{"", "WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);"}}},
      {"tcp_reset",
       kTcpInput,
       4430,
       R"(void tcp_reset(struct sock *sk, struct sk_buff *skb)
{
  int err;

  trace_tcp_receive_reset(sk);

  /* mptcp can't tell us to ignore reset pkts,
   * so just ignore the woke return value of mptcp_incoming_options().
   */
  if (sk_is_mptcp(sk))
    mptcp_incoming_options(sk, skb);

  /* We want the woke right error as BSD sees it (and indeed as we do). */
  switch (sk->sk_state) {
  case TCP_SYN_SENT:
    err = ECONNREFUSED;
    break;
  case TCP_CLOSE_WAIT:
    err = EPIPE;
    break;
  case TCP_CLOSE:
    return;
  default:
    err = ECONNRESET;
  }
  tcp_done_with_error(sk, err);
})",
       {{"in SYN_SENT", "err = ECONNREFUSED;"},
        {"in CLOSE_WAIT", "err = EPIPE;"},
        {"", "tcp_done_with_error(sk, err);"}}},
  };
}

// ---------------------------------------------------------------------------------------------
// [SECTION] include/net/sock.h
// ---------------------------------------------------------------------------------------------

std::vector<SourceExcerpt> excerpts_sock_h() {
  return {
      {"sock_error",
       kSockH,
       2474,
       R"(static inline int sock_error(struct sock *sk)
{
  int err;

  /* Avoid an atomic operation for the woke common case.
   * This is racy since another cpu/thread can change sk_err under us.
   */
  if (likely(data_race(!sk->sk_err)))
    return 0;

  err = xchg(&sk->sk_err, 0);
  return -err;
})",
       {{"", "err = xchg(&sk->sk_err, 0);"}}},
  };
}

}  // namespace epollscope::app
