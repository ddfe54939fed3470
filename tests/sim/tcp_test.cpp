// SPDX-License-Identifier: GPL-2.0-only
// tests/sim/tcp_test.cpp — TCP over loopback: TCP-T1, TCP-T2 and L1 of docs/kernel-notes.md and
// the probes B1, B2 and B4..B8 of this machine's kernel (kernel-notes C6). The tests named T1...
// and T2... here are TCP-T1 and TCP-T2, not the ready-list T1 and T2. Where the probes print byte
// counts that depend on autotuning (the receive window, when exactly EPOLLOUT comes back during a
// drain), the tests check the behaviour the counts show, not the counts; see sim/tcp.h for the
// approximations.
#include <string>
#include <vector>

#include "model_fixture.h"
#include "sim/tcp.h"

namespace epollscope::sim::testing {
namespace {

class TcpTest : public ProbeTest {
 protected:
  int listen(int backlog = 128, int flags = kSOCK_NONBLOCK) {
    SysResult r = checked(k.tcp_listen(main(), backlog, flags));
    EXPECT_GE(r.ret, 0);
    return static_cast<int>(r.ret);
  }
  // The probes' cconnect(): socket + non-blocking connect (EINPROGRESS is hidden).
  int connect(int l, int flags = kSOCK_NONBLOCK) {
    SysResult r = checked(k.tcp_connect(main(), l, flags));
    EXPECT_GE(r.ret, 0) << errno_name(r.err);
    return static_cast<int>(r.ret);
  }
  long accept(int l, int flags = kSOCK_NONBLOCK) {
    return ret(checked(k.accept4(main(), l, flags)));
  }
  // The probes' mkpair(): client connects, server accepts.
  std::pair<int, int> mkpair(int l) {
    int c = connect(l);
    long s = accept(l);
    EXPECT_GE(s, 0);
    return {c, static_cast<int>(s)};
  }
  long shutdown(int fd, int how) { return ret(checked(k.shutdown(main(), fd, how))); }
  long set_sndbuf(int fd, int v) { return ret(checked(k.set_sndbuf(main(), fd, v))); }
  const TcpSock& sock(int fd) {
    File* f = k.file_at(fd);
    EXPECT_TRUE(f && f->kind == FileKind::kTcp) << "fd " << fd;
    return static_cast<TcpSocket*>(f)->sock();
  }
  TcpState state(int fd) { return sock(fd).state; }                        // tcpi_state
  uint64_t inq(int fd) { return sock(fd).unread_bytes(); }                 // SIOCINQ
  uint64_t outq(int fd) { return sock(fd).write_seq - sock(fd).snd_una; }  // SIOCOUTQ
  // getsockopt(SO_ERROR): reads sk_err and clears it.
  int so_error(int fd) {
    int e = static_cast<TcpSocket*>(k.file_at(fd))->take_so_error(k.context());
    expect_invariants();
    return e;
  }
  // The probes' evs() and nev(): the first event's mask / the number of events of a non-blocking
  // epoll_wait.
  poll_t evs(int ep) {
    SysResult r = checked(k.epoll_wait(main(), ep, 4, 0));
    return r.events.empty() ? 0 : r.events.front().events;
  }
  long nev(int ep) { return ret(checked(k.epoll_wait(main(), ep, 4, 0))); }
  // Reads until EAGAIN or end of file; the bytes read.
  long drain_all(int fd, std::size_t chunk = 65536) {
    long total = 0;
    for (long r; (r = read(fd, chunk)) > 0;)
      total += r;
    return total;
  }
};

// ---------------------------------------------------------------------------------------------
// [SECTION] raw masks: kernel-notes TCP-T1, B6 and B8
// ---------------------------------------------------------------------------------------------

TEST_F(TcpTest, T1RawMasks) {
  int l = listen();
  EXPECT_EQ(raw_mask(l), "0");  // [TCP-T1] TCP listener, no pending connection
  int c = connect(l);
  EXPECT_EQ(raw_mask(l), "IN|RDNORM");  // [TCP-T1] TCP listener, 1 connection in accept queue
  long s = accept(l);
  ASSERT_GE(s, 0);
  EXPECT_EQ(raw_mask(c), "OUT|WRNORM");  // [TCP-T1] client connected, idle
  EXPECT_EQ(write(s, 5), 5);
  EXPECT_EQ(raw_mask(c), "IN|OUT|RDNORM|WRNORM");  // [TCP-T1] server sent 5 bytes
  EXPECT_EQ(shutdown(s, kSHUT_WR), 0);
  EXPECT_EQ(raw_mask(c), "IN|OUT|RDNORM|WRNORM|RDHUP");  // [TCP-T1] server shutdown(SHUT_WR) (FIN)
  EXPECT_EQ(read(c, 10), 5);
  EXPECT_EQ(raw_mask(c), "IN|OUT|RDNORM|WRNORM|RDHUP");  // [TCP-T1] data consumed
  EXPECT_EQ(shutdown(c, kSHUT_WR), 0);
  EXPECT_EQ(raw_mask(c), "IN|OUT|HUP|RDNORM|WRNORM|RDHUP");  // [TCP-T1] client also SHUT_WR
  EXPECT_EQ(close(c), 0);
  EXPECT_EQ(close(static_cast<int>(s)), 0);

  auto [c2, s2] = mkpair(l);
  EXPECT_EQ(write(c2, 3), 3);
  EXPECT_EQ(close(s2), 0);
  // [TCP-T1] server closed with unread data (RST)
  EXPECT_EQ(raw_mask(c2), "IN|OUT|ERR|HUP|RDNORM|WRNORM|RDHUP");
  EXPECT_EQ(so_error(c2), kECONNRESET);                       // [TCP-T1] SO_ERROR=ECONNRESET
  EXPECT_EQ(raw_mask(c2), "IN|OUT|HUP|RDNORM|WRNORM|RDHUP");  // [TCP-T1] ...after SO_ERROR read
  EXPECT_EQ(close(c2), 0);

  auto [c3, s3] = mkpair(l);
  EXPECT_EQ(close(s3), 0);
  EXPECT_EQ(raw_mask(c3), "IN|OUT|RDNORM|WRNORM|RDHUP");  // [TCP-T1] server closed cleanly (FIN)
  EXPECT_EQ(write(c3, 1), 1);
  // [TCP-T1] client wrote after peer close -> RST back
  EXPECT_EQ(raw_mask(c3), "IN|OUT|ERR|HUP|RDNORM|WRNORM|RDHUP");
  EXPECT_EQ(close(c3), 0);

  // [TCP-T1] "nonblocking connect to closed port ... after refused connect": the port of a listener
  // that was shut down is closed; the socket comes back with the refusal pending.
  int dead = listen();
  EXPECT_EQ(shutdown(dead, kSHUT_RDWR), 0);
  int refused = connect(dead);
  EXPECT_EQ(raw_mask(refused), "IN|OUT|ERR|HUP|RDNORM|WRNORM|RDHUP");
  EXPECT_EQ(so_error(refused), kECONNREFUSED);
}

TEST_F(TcpTest, B6ConnectIsEstablishedAtOnce) {
  // "nonblocking connect() = -1 EINPROGRESS ; immediately: SO_ERROR=0 tcpi_state=1 poll
  // revents=0x104 ; accept() without sleep = 5 ok"
  int l = listen();
  int c = connect(l);
  EXPECT_EQ(so_error(c), 0);
  EXPECT_EQ(state(c), TcpState::kEstablished);
  EXPECT_EQ(raw_mask(c), mask_to_string(0x104));
  EXPECT_GE(accept(l), 0);
  EXPECT_EQ(sock(c).sndbuf, kTcpConnectedSndbuf);  // B1: client SO_SNDBUF=3939840 after connect
  EXPECT_EQ(sock(l).sndbuf, kTcpWmemDefault);      // B1: listener SO_SNDBUF=16384
}

TEST_F(TcpTest, B8ShutdownCloseAndResetMatrix) {
  int l = listen();
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(raw_mask(c), mask_to_string(0x104));  // connected idle (client)
    EXPECT_EQ(raw_mask(s), mask_to_string(0x104));  // connected idle (server)
    EXPECT_EQ(write(c, 3), 3);
    EXPECT_EQ(raw_mask(s), mask_to_string(0x145));  // server with 3B unread
    EXPECT_EQ(read(s, 10), 3);
    EXPECT_EQ(close(c), 0);
    EXPECT_EQ(close(s), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(shutdown(s, kSHUT_WR), 0);
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2145));  // client after peer shutdown(SHUT_WR)
    EXPECT_EQ(raw_mask(s), mask_to_string(0x104));   // server after own shutdown(SHUT_WR)
    EXPECT_EQ(read(c, 10), 0);                       // client read after peer SHUT_WR
    EXPECT_EQ(write(s, 1), -kEPIPE);                 // server write after own SHUT_WR
    EXPECT_EQ(close(c), 0);
    EXPECT_EQ(close(s), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(shutdown(c, kSHUT_RD), 0);
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2145));  // client after own shutdown(SHUT_RD)
    EXPECT_EQ(raw_mask(s), mask_to_string(0x104));   // server (peer did SHUT_RD)
    EXPECT_EQ(read(c, 10), 0);                       // client read after own SHUT_RD
    EXPECT_EQ(write(s, 5), 5);                       // server write to peer that did SHUT_RD
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2145));  // client after data arrives post-SHUT_RD
    EXPECT_EQ(inq(c), 5u);                           // client SIOCINQ=5
    EXPECT_EQ(read(c, 10), 5);  // client read after own SHUT_RD with data queued
    EXPECT_EQ(close(c), 0);
    EXPECT_EQ(close(s), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(shutdown(c, kSHUT_RDWR), 0);
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // client after own shutdown(SHUT_RDWR)
    EXPECT_EQ(raw_mask(s), mask_to_string(0x2145));  // server after peer SHUT_RDWR
    EXPECT_EQ(close(c), 0);
    EXPECT_EQ(close(s), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(close(s), 0);
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2145));  // client after peer close(), nothing unread
    EXPECT_EQ(read(c, 10), 0);                       // client read
    EXPECT_EQ(write(c, 1), 1);                       // client write #1 to closed peer
    EXPECT_EQ(raw_mask(c), mask_to_string(0x215d));  // client after write #1 (peer answered RST)
    EXPECT_EQ(so_error(c), kEPIPE);                  // SO_ERROR now = 32
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // client after SO_ERROR read
    EXPECT_EQ(write(c, 1), -kEPIPE);                 // client write #2
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // client after write #2
    EXPECT_EQ(read(c, 10), 0);                       // client read
    EXPECT_EQ(close(c), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(close(s), 0);
    EXPECT_EQ(write(c, 1), 1);  // [variant] client write #1 to closed peer
    EXPECT_EQ(read(c, 10), 0);  // [variant] client read after RST (SO_ERROR not fetched): FIN seen
    EXPECT_EQ(raw_mask(c), mask_to_string(0x215d));  // [variant] the read left ERR in place
    EXPECT_EQ(read(c, 10), 0);                       // [variant] client read again
    EXPECT_EQ(write(c, 1), -kEPIPE);                 // [variant] client write: reports, clears
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // [variant] client after that write
    EXPECT_EQ(close(c), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(write(c, 3), 3);
    EXPECT_EQ(close(s), 0);
    // client after peer close() with 3B unread at peer (RST)
    EXPECT_EQ(raw_mask(c), mask_to_string(0x215d));
    EXPECT_EQ(read(c, 10), -kECONNRESET);            // client read after RST
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // client after that read
    EXPECT_EQ(read(c, 10), 0);                       // client read again
    EXPECT_EQ(write(c, 1), -kEPIPE);                 // client write after RST
    EXPECT_EQ(raw_mask(c), mask_to_string(0x2155));  // client after that write
    EXPECT_EQ(close(c), 0);
  }
  {
    auto [c, s] = mkpair(l);
    EXPECT_EQ(write(c, 3), 3);
    EXPECT_EQ(write(s, 2), 2);
    EXPECT_EQ(close(s), 0);
    // client (2B unread) after peer close w/ unread (RST)
    EXPECT_EQ(raw_mask(c), mask_to_string(0x215d));
    EXPECT_EQ(inq(c), 2u);                           // client SIOCINQ=2
    EXPECT_EQ(read(c, 10), 2);                       // the 2B were queued before the RST
    EXPECT_EQ(raw_mask(c), mask_to_string(0x215d));  // client after that read
    EXPECT_EQ(read(c, 10), -kECONNRESET);            // client read again
    EXPECT_EQ(close(c), 0);
  }
}

// The RST is delivered as sk_state_change (key 0, from tcp_done) and sk_error_report (key ERR):
// both match every armed item, even one that asked for nothing but the implied ERR|HUP.
TEST_F(TcpTest, ResetWakesEveryArmedItem) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, c, kEPOLLET, 7), 0);
  EXPECT_EQ(write(c, 3), 3);
  EXPECT_EQ(wait(ep), "");
  EXPECT_EQ(close(s), 0);
  EXPECT_EQ(wait(ep), "(7:ERR|HUP)");
  EXPECT_EQ(wait(ep), "");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] edge-triggered re-triggers: kernel-notes TCP-T2, L1, B4 and B5
// ---------------------------------------------------------------------------------------------

TEST_F(TcpTest, T2EdgeTriggeredRetrigger) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, c, kEPOLLIN | kEPOLLOUT | kEPOLLRDHUP | kEPOLLET, 0), 0);
  EXPECT_EQ(wait(ep), "(0:OUT)");  // [TCP-T2] client IN|OUT|RDHUP|ET fresh
  EXPECT_EQ(write(s, 1), 1);
  EXPECT_EQ(wait(ep), "(0:IN|OUT)");  // [TCP-T2] server sends 1
  EXPECT_EQ(write(s, 1), 1);
  EXPECT_EQ(wait(ep), "(0:IN|OUT)");  // [TCP-T2] server sends 1 more (unread)
  EXPECT_EQ(write(c, 1), 1);
  EXPECT_EQ(read(s, 10), 1);
  EXPECT_EQ(wait(ep), "");  // [TCP-T2] client sends, server reads (ACK)
  EXPECT_EQ(read(c, 1), 1);
  EXPECT_EQ(wait(ep), "");  // [TCP-T2] client reads 1 of 2
  EXPECT_EQ(shutdown(s, kSHUT_WR), 0);
  EXPECT_EQ(wait(ep), "(0:IN|OUT|RDHUP)");  // [TCP-T2] server SHUT_WR
}

TEST_F(TcpTest, T2EpolloutOnlyAfterEagain) {
  int l = listen();
  auto [c, s] = mkpair(l);
  EXPECT_EQ(set_sndbuf(c, 4096), 0);
  int ep = epoll();
  EXPECT_EQ(add(ep, c, kEPOLLOUT | kEPOLLET, 0), 0);
  EXPECT_EQ(wait(ep), "(0:OUT)");  // [TCP-T2] client OUT|ET fresh
  long total = 0, r;
  while ((r = write(c, 300000)) > 0)
    total += r;
  EXPECT_EQ(r, -kEAGAIN);  // [TCP-T2] client wrote 80357 bytes until EAGAIN (count: see tcp.h)
  EXPECT_GT(total, 0);
  EXPECT_EQ(wait(ep), "");         // [TCP-T2] after EAGAIN
  EXPECT_EQ(drain_all(s), total);  // [TCP-T2] server drained all of it
  EXPECT_EQ(wait(ep), "(0:OUT)");  // [TCP-T2] after peer drained (SOCK_NOSPACE path)
  EXPECT_EQ(wait(ep), "");
}

TEST_F(TcpTest, L1ListenerEdgeTriggered) {
  int l = listen();
  int ep = epoll();
  EXPECT_EQ(add(ep, l, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "");  // [L1] no connections
  connect(l);
  EXPECT_EQ(wait(ep), "(1:IN)");  // [L1] 1st connection queued
  connect(l);
  EXPECT_EQ(wait(ep), "(1:IN)");  // [L1] 2nd connection queued (1st not accepted)
  EXPECT_GE(accept(l), 0);
  EXPECT_EQ(wait(ep), "");  // [L1] accept one (one left)
  EXPECT_GE(accept(l), 0);  // [L1] accepts: 1 1 -1(errno=EAGAIN)
  EXPECT_EQ(accept(l), -kEAGAIN);
  EXPECT_EQ(shutdown(l, kSHUT_RDWR), 0);
  EXPECT_EQ(wait(ep), "(1:HUP)");  // [L1] listener shutdown(SHUT_RDWR)
  // tcp_disconnect left it in TCP_CLOSE with no shutdown bits, the state of a fresh socket that
  // never connected: [TCP-T1] "fresh unconnected TCP socket OUT|HUP|WRNORM".
  EXPECT_EQ(raw_mask(l), "OUT|HUP|WRNORM");
}

// B4: the server's IN|ET item, a first write of S bytes, a second write of 10 bytes while
// the first is unread, then the server reads 5 bytes.
TEST_F(TcpTest, B4DeliveryWaitsForTheWindowAndNagle) {
  struct Row {
    int size;
    long second_events;  // events after the 10-byte write (then 0)
    long read_events;    // events after read(5)
  };
  for (Row row : {Row{1, 1, 0}, Row{1000, 1, 0}, Row{65536, 0, 1}, Row{200000, 0, 0}}) {
    SCOPED_TRACE(cat("S=", row.size));
    int l = listen();
    auto [c, s] = mkpair(l);
    int ep = epoll();
    EXPECT_EQ(add(ep, s, kEPOLLIN | kEPOLLET, 0), 0);
    EXPECT_EQ(evs(ep), 0u);  // before write ET=0
    EXPECT_EQ(write(c, row.size), row.size);
    EXPECT_EQ(nev(ep), 1);  // events harvested: 1 then 0
    EXPECT_EQ(nev(ep), 0);
    const uint64_t first = inq(s);
    if (row.size <= 65536)
      EXPECT_EQ(first, static_cast<uint64_t>(row.size));  // SIOCINQ=S
    else
      EXPECT_LT(first, static_cast<uint64_t>(row.size));  // SIOCINQ=127973: window-limited
    EXPECT_EQ(write(c, 10), 10);
    EXPECT_EQ(nev(ep), row.second_events);  // second write(10) while unread
    EXPECT_EQ(nev(ep), 0);
    EXPECT_EQ(inq(s), first + (row.second_events ? 10 : 0));
    EXPECT_EQ(read(s, 5), 5);
    EXPECT_EQ(nev(ep), row.read_events);  // server partial read(5)
    EXPECT_EQ(inq(s), first + (row.second_events || row.read_events ? 10 : 0) - 5);
    for (int fd : {ep, c, s, l})
      EXPECT_EQ(close(fd), 0);
  }
}

TEST_F(TcpTest, B5OneEpolloutPerEagainEpisode) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, c, kEPOLLOUT | kEPOLLET, 0), 0);
  EXPECT_EQ(evs(ep), kEPOLLOUT);  // B5 initial client ET events: 4 then 0
  EXPECT_EQ(evs(ep), 0u);
  long total = 0, r;
  while ((r = write(c, 65536)) > 0)
    total += r;
  EXPECT_EQ(r, -kEAGAIN);
  EXPECT_EQ(evs(ep), 0u);                          // client event after fill: 0
  EXPECT_EQ(sock(c).sndbuf, kTcpConnectedSndbuf);  // sndbuf=3939840 at EAGAIN
  EXPECT_EQ(read(s, 1000), 1000);
  EXPECT_EQ(evs(ep), 0u);  // server read(1000) -> client ET=0
  long drained = 1000;
  poll_t e = 0;
  while (drained < total && !(e = evs(ep))) {
    long got = read(s, 4096);
    ASSERT_GT(got, 0);
    drained += got;
  }
  EXPECT_EQ(e, kEPOLLOUT);  // first client EPOLLOUT (ET=4) during the drain
  EXPECT_LT(drained, total);
  EXPECT_EQ(sock(c).sndbuf, kTcpWmemMax);  // sndbuf=4194304 at the event
  EXPECT_EQ(write(c, 65536), 65536);       // write(65536) then = 65536
  total += 65536;
  int further = 0;
  for (long got; (got = read(s, 65536)) > 0;) {
    drained += got;
    if (evs(ep)) ++further;
  }
  EXPECT_EQ(drained, total);  // total read 4071424 of 4071424
  EXPECT_EQ(further, 0);      // further client ET events during that drain: 0
  EXPECT_EQ(outq(c), 0u);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] buffers and the accept queue: kernel-notes B2 and B7
// ---------------------------------------------------------------------------------------------

TEST_F(TcpTest, B2FillWithAnIdleReader) {
  // "total accepted by write() before EAGAIN 4005888 = 61 x 65536 + 8192", "128512 bytes reached
  // the reader's queue and 3877376 stayed in the sender's queue". The model's counts follow from
  // its approximations; they must land within 5% of the measured ones.
  int l = listen();
  auto [c, s] = mkpair(l);
  long total = 0, r;
  while ((r = write(c, 65536)) > 0)
    total += r;
  EXPECT_EQ(r, -kEAGAIN);
  EXPECT_NEAR(static_cast<double>(total), 4005888.0, 4005888.0 * 0.05);
  EXPECT_NEAR(static_cast<double>(inq(s)), 128512.0, 128512.0 * 0.05);
  // Every byte accepted is either not sent yet or unread at the receiver.
  EXPECT_EQ(sock(c).write_seq - sock(c).snd_nxt + inq(s), static_cast<uint64_t>(total));
  EXPECT_LE(inq(s), static_cast<uint64_t>(kTcpRmemDefault));
  EXPECT_GE(sock(c).wmem_queued, sock(c).sndbuf);  // the last skb went over the limit
  EXPECT_EQ(write(c, 1), -kEAGAIN);                // extra write(1) = -1 EAGAIN
}

TEST_F(TcpTest, B7BacklogAcceptsNPlusOne) {
  for (int n : {0, 1, 4}) {
    SCOPED_TRACE(cat("listen(N=", n, ")"));
    int l = listen(n);
    std::vector<int> clients;
    for (int i = 0; i < n + 5; ++i)
      clients.push_back(connect(l));
    for (int i = 0; i < n + 5; ++i)  // ESTABLISHED for the first N+1, then SYN_SENT
      EXPECT_EQ(state(clients[i]), i <= n ? TcpState::kEstablished : TcpState::kSynSent) << i;
    int accepted = 0;
    for (long a; (a = accept(l, 0)) >= 0; ++accepted)
      EXPECT_EQ(close(static_cast<int>(a)), 0);
    EXPECT_EQ(accepted, n + 1);
    EXPECT_EQ(accept(l), -kEAGAIN);
    for (int i = 0; i < n + 5; ++i)  // "client states after accepts": CLOSE_WAIT, then SYN_SENT
      EXPECT_EQ(state(clients[i]), i <= n ? TcpState::kCloseWait : TcpState::kSynSent) << i;
    EXPECT_EQ(raw_mask(clients[n + 1]), "0");  // a SYN_SENT socket is neither readable nor writable
    EXPECT_EQ(write(clients[n + 1], 1), -kEAGAIN);  // sk_stream_wait_connect, non-blocking
    for (int fd : clients)
      EXPECT_EQ(close(fd), 0);
    EXPECT_EQ(close(l), 0);
  }
}

TEST_F(TcpTest, ErrnosOfTheSocketCalls) {
  int l = listen();
  EXPECT_EQ(read(l, 10), -kENOTCONN);   // tcp_recvmsg on a listener
  EXPECT_EQ(write(l, 10), -kEPIPE);     // sk_stream_wait_connect: not connecting
  EXPECT_EQ(shutdown(l, 7), -kEINVAL);  // inet_shutdown: how out of range
  auto [c, s] = mkpair(l);
  EXPECT_EQ(accept(c), -kEINVAL);  // inet_csk_accept: not listening
  EXPECT_EQ(read(c, 10), -kEAGAIN);
  auto [p0, p1] = pipe();
  EXPECT_EQ(accept(p0), -kENOTSOCK);
  EXPECT_EQ(ret(checked(k.tcp_connect(main(), p0, kSOCK_NONBLOCK))), -kENOTSOCK);
  EXPECT_EQ(ret(checked(k.recv(main(), p0, 1, 0))), -kENOTSOCK);
  // connect() to the client's (ephemeral) port: nobody listens there.
  int refused = connect(c);
  EXPECT_EQ(so_error(refused), kECONNREFUSED);
  EXPECT_EQ(shutdown(refused, kSHUT_RD), -kENOTCONN);  // inet_shutdown on TCP_CLOSE
  EXPECT_EQ(close(p1), 0);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] blocking calls
// ---------------------------------------------------------------------------------------------

TEST_F(TcpTest, BlockingAcceptAndReadSleepOnTheSocketQueue) {
  int l = listen(128, 0);
  Task& acceptor = k.create_task("acceptor");
  SysResult a = checked(k.accept4(acceptor, l, kSOCK_NONBLOCK));
  EXPECT_TRUE(a.blocked);
  int c = connect(l);  // the listener's sk_data_ready wakes the acceptor
  std::vector<Completion> done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  ASSERT_GE(done[0].result.ret, 0);
  const int s = static_cast<int>(done[0].result.ret);
  EXPECT_EQ(state(s), TcpState::kEstablished);

  int c2 = connect(l, 0);  // a blocking client: its reads sleep
  Task& reader = k.create_task("reader");
  EXPECT_TRUE(checked(k.read(reader, c2, 100)).blocked);
  long s2 = accept(l);
  ASSERT_GE(s2, 0);
  EXPECT_EQ(write(static_cast<int>(s2), 9), 9);
  done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 9);
  EXPECT_EQ(write(c, 1), 1);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] the order of wake-ups inside one call: kernel-notes TCP-O1..TCP-O3
// ---------------------------------------------------------------------------------------------

// The FIN (or RST) a call sends is processed by the peer inside the call, before the caller's own
// state change; what the peer answers waits in the caller's backlog until release_sock.
TEST_F(TcpTest, O1ShutdownWakesThePeerFirst) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, s, kEPOLLOUT | kEPOLLET, 1), 0);
  EXPECT_EQ(add(ep, c, kEPOLLIN | kEPOLLRDHUP, 2), 0);
  EXPECT_EQ(wait(ep), "(1:OUT)");
  EXPECT_EQ(shutdown(s, kSHUT_WR), 0);
  EXPECT_EQ(wait(ep), "(2:IN|RDHUP) (1:OUT)");  // [TCP-O1]
  EXPECT_EQ(state(c), TcpState::kCloseWait);
  // c is in pingpong mode: the ACK of the FIN waits for its delayed-ACK timer, which fires when
  // the statement settles.
  EXPECT_EQ(state(s), TcpState::kFinWait1);
  k.settle();
  EXPECT_EQ(state(s), TcpState::kFinWait2);
}

// tcp_event_data_sent: a reply less than ato (40 ms) after data arrived puts the sock in pingpong
// mode; the data it receives then waits for the delayed-ACK timer (40 ms, on the virtual clock),
// so the sender's next short segment is held by Nagle until that ACK; the timer leaves pingpong
// mode. (Fuzz seed 410 case 191: tests/fuzz-regressions.)
TEST_F(TcpTest, ReplyEntersPingpongAndDelaysTheAck) {
  constexpr int64_t kMsNs = 1000000;
  int l = listen();
  auto [c, s] = mkpair(l);
  EXPECT_EQ(write(c, 4096), 4096);
  EXPECT_FALSE(sock(s).pingpong);
  EXPECT_EQ(write(s, 3), 3);
  EXPECT_TRUE(sock(s).pingpong);
  EXPECT_EQ(write(c, 100), 100);
  EXPECT_EQ(write(c, 54), 54);
  EXPECT_EQ(inq(s), 4196u);  // the 54 bytes wait for the ACK of the 100
  k.advance_clock_to(k.now_ns() + 39 * kMsNs);
  EXPECT_EQ(inq(s), 4196u);
  k.advance_clock_to(k.now_ns() + 1 * kMsNs);
  EXPECT_EQ(inq(s), 4250u);
  EXPECT_FALSE(sock(s).pingpong);
}

// settle: the live side waits for a FIN's delayed ACK (up to 40 ms of real time), and the kernel
// fires every timer due meanwhile; the model runs its clock to the FIN's timer, so the delayed
// ACK of another connection's data (armed first) fires before it and lets Nagle's held segment
// go. (Fuzz seed 421 case 298: tests/fuzz-regressions.)
TEST_F(TcpTest, SettleRunsTheClockToTheFinsDelayedAck) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int l2 = listen();
  auto [c2, s2] = mkpair(l2);
  EXPECT_EQ(write(c2, 10), 10);
  EXPECT_EQ(write(c, 4096), 4096);
  EXPECT_EQ(write(s, 3), 3);
  EXPECT_EQ(write(c, 100), 100);
  EXPECT_EQ(write(c, 54), 54);
  EXPECT_EQ(inq(s), 4196u);
  const int64_t before = k.now_ns();
  EXPECT_EQ(shutdown(c2, kSHUT_WR), 0);
  EXPECT_EQ(state(c2), TcpState::kFinWait1);  // s2 delays the FIN's ACK (pingpong after tcp_fin)
  EXPECT_EQ(inq(s), 4196u);
  k.settle();
  EXPECT_EQ(state(c2), TcpState::kFinWait2);
  EXPECT_EQ(inq(s), 4250u);
  EXPECT_EQ(k.now_ns() - before, kTcpAtoMinNs);
  // Nothing owed: settling again lets no time pass.
  k.settle();
  EXPECT_EQ(k.now_ns() - before, kTcpAtoMinNs);
}

// sk_clone_lock: an accepted socket inherits the listener's SO_RCVBUF, and its SO_SNDBUF with the
// lock (tcp_init_buffer_space grows only an unlocked sk_sndbuf); a window too small for the
// client's segment keeps the client's FIN queued behind it, so the server stays ESTABLISHED and
// the RST for its data gives ECONNRESET. (Fuzz seed 2 case 368: tests/fuzz-regressions.)
TEST_F(TcpTest, AcceptedSocketInheritsTheListenersBuffers) {
  int l = listen();
  EXPECT_EQ(ret(checked(k.setsockopt(main(), l, kSOL_SOCKET, kSO_RCVBUF, 1))), 0);
  EXPECT_EQ(set_sndbuf(l, 4096), 0);
  auto [c, s] = mkpair(l);
  EXPECT_EQ(sock(s).rcvbuf, 2304);
  EXPECT_EQ(sock(s).sndbuf, 8192);
  EXPECT_TRUE(sock(s).sndbuf_locked);
  EXPECT_EQ(sock(c).rcvbuf, kTcpRmemDefault);
  EXPECT_EQ(write(c, 4096), 4096);
  EXPECT_EQ(close(c), 0);
  EXPECT_EQ(state(s), TcpState::kEstablished);  // the FIN waits behind the data
  EXPECT_EQ(write(s, 4096), 4096);
  EXPECT_EQ(so_error(s), kECONNRESET);
}

// tcp_bound_to_half_wnd: a segment is at most half the largest window the peer advertised, so a
// small receive buffer takes data in pieces (the model had sent nothing: fuzz seed 539 case 400).
TEST_F(TcpTest, SegmentsAreBoundToHalfTheLargestWindow) {
  int l = listen();
  EXPECT_EQ(ret(checked(k.setsockopt(main(), l, kSOL_SOCKET, kSO_RCVBUF, 1))), 0);
  auto [c, s] = mkpair(l);
  EXPECT_EQ(sock(c).max_window, 2304u);
  EXPECT_EQ(write(c, 4096), 4096);
  EXPECT_GT(inq(s), 0u);
  EXPECT_LE(inq(s), 2304u);
  EXPECT_EQ(inq(s) % 1152, 0u);  // whole segments of half the window
  // A default window (131072) leaves the MSS as it is.
  int l2 = listen();
  auto [c2, s2] = mkpair(l2);
  EXPECT_EQ(write(c2, 40000), 40000);
  EXPECT_EQ(inq(s2), 40000u);
  EXPECT_EQ(sock(c2).max_window, static_cast<uint64_t>(kTcpRmemDefault));
}

// The delayed ACK of a FIN on the virtual clock: the next jiffy (4 ms) while the receiver has
// had no data (icsk_ack.ato 0), TCP_ATO_MIN (40 ms) once it has; a segment the receiver sends
// first carries it. (Fuzz seed 9 case 13: tests/fuzz-regressions.)
TEST_F(TcpTest, FinAckIsDelayedInPingpongMode) {
  constexpr int64_t kMsNs = 1000000;
  int l = listen();
  auto [c, s] = mkpair(l);
  EXPECT_EQ(shutdown(c, kSHUT_WR), 0);
  EXPECT_EQ(state(s), TcpState::kCloseWait);
  EXPECT_EQ(state(c), TcpState::kFinWait1);
  k.advance_clock_to(k.now_ns() + 3 * kMsNs);
  EXPECT_EQ(state(c), TcpState::kFinWait1);
  k.advance_clock_to(k.now_ns() + 1 * kMsNs);
  EXPECT_EQ(state(c), TcpState::kFinWait2);

  auto [c2, s2] = mkpair(l);
  EXPECT_EQ(write(c2, 10), 10);
  EXPECT_EQ(shutdown(c2, kSHUT_WR), 0);
  k.advance_clock_to(k.now_ns() + 39 * kMsNs);
  EXPECT_EQ(state(c2), TcpState::kFinWait1);
  k.advance_clock_to(k.now_ns() + 1 * kMsNs);
  EXPECT_EQ(state(c2), TcpState::kFinWait2);

  auto [c3, s3] = mkpair(l);
  EXPECT_EQ(shutdown(c3, kSHUT_WR), 0);
  EXPECT_EQ(state(c3), TcpState::kFinWait1);
  EXPECT_EQ(write(s3, 10), 10);  // the data segment carries the ACK
  EXPECT_EQ(state(c3), TcpState::kFinWait2);
}

TEST_F(TcpTest, O2ListenerStopResetsItsQueueBeforeItsOwnWakeUps) {
  int l = listen();
  int c1 = connect(l);
  int c2 = connect(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, l, kEPOLLIN | kEPOLLET, 9), 0);
  EXPECT_EQ(add(ep, c2, kEPOLLIN | kEPOLLET, 2), 0);
  EXPECT_EQ(add(ep, c1, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(wait(ep), "(9:IN)");
  EXPECT_EQ(shutdown(l, kSHUT_RDWR), 0);
  EXPECT_EQ(wait(ep), "(1:IN|ERR|HUP) (2:IN|ERR|HUP) (9:HUP)");  // [TCP-O2]
}

TEST_F(TcpTest, O3TheResettingSocketIsWokenBeforeTheOneTheRstReaches) {
  int l = listen();
  auto [c, s] = mkpair(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, c, kEPOLLIN | kEPOLLET, 1), 0);
  EXPECT_EQ(add(ep, s, kEPOLLIN | kEPOLLET, 2), 0);
  EXPECT_EQ(shutdown(s, kSHUT_RDWR), 0);
  EXPECT_EQ(wait(ep), "(1:IN) (2:IN|HUP)");
  EXPECT_EQ(write(c, 4), 4);
  EXPECT_EQ(wait(ep), "(2:IN|ERR|HUP) (1:IN|ERR|HUP)");  // [TCP-O3]
  EXPECT_EQ(so_error(c), kEPIPE);                        // the RST reached c in CLOSE_WAIT
  EXPECT_EQ(so_error(s), kECONNRESET);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] SYN retransmission: kernel-notes TCP-S1
// ---------------------------------------------------------------------------------------------

constexpr int64_t kMs = 1000000;

// A SYN dropped on a full accept queue is sent again at 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s
// (tcp_syn_linear_timeouts = 4 retransmissions keep the 1 s RTO, then it doubles); the first one
// after accept() made room gets in. [TCP-S1]
TEST_F(TcpTest, S1DroppedSynGetsInAtTheNextRetransmission) {
  const int64_t instants[] = {1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000};
  int64_t previous = 0;
  for (int64_t at : instants) {
    SCOPED_TRACE(cat("retransmission at ", at, " ms"));
    const int64_t t0 = k.now_ns();
    int l = listen(0);
    int c1 = connect(l);
    int c2 = connect(l);
    ASSERT_EQ(state(c2), TcpState::kSynSent);
    int ep = epoll();
    EXPECT_EQ(add(ep, l, kEPOLLIN | kEPOLLET, 9), 0);
    EXPECT_EQ(add(ep, c2, kEPOLLIN | kEPOLLOUT | kEPOLLET, 2), 0);
    EXPECT_EQ(wait(ep), "(9:IN)");
    // Make room just after the previous retransmission (which was dropped).
    k.advance_clock_to(t0 + previous * kMs + 1);
    EXPECT_EQ(state(c2), TcpState::kSynSent);
    long s1 = accept(l);
    EXPECT_GE(s1, 0);
    k.advance_clock_to(t0 + at * kMs - 1);
    EXPECT_EQ(state(c2), TcpState::kSynSent);
    EXPECT_EQ(wait(ep), "");
    k.advance_clock_to(t0 + at * kMs);
    EXPECT_EQ(state(c2), TcpState::kEstablished);
    EXPECT_EQ(wait(ep), "(2:OUT) (9:IN)");
    EXPECT_GE(accept(l), 0);
    for (int fd : {ep, c1, c2, static_cast<int>(s1), l})
      EXPECT_EQ(close(fd), 0);
    previous = at;
  }
}

// After tcp_syn_retries + tcp_syn_linear_timeouts = 10 retransmissions, the timer that fires
// 64 s after the last one gives up: sk_err ETIMEDOUT, TCP_CLOSE (the kernel: 134 s after the
// connect, ERR|HUP|OUT, SO_ERROR 110 — its timers run a little late each time).
TEST_F(TcpTest, S1SynRetransmissionTimesOut) {
  int l = listen(0);
  connect(l);
  int c2 = connect(l);
  int ep = epoll();
  EXPECT_EQ(add(ep, c2, kEPOLLIN | kEPOLLOUT | kEPOLLET, 2), 0);
  EXPECT_EQ(wait(ep), "");
  k.advance_clock_to(131000 * kMs - 1);
  EXPECT_EQ(state(c2), TcpState::kSynSent);
  EXPECT_EQ(sock(c2).retransmits, 10);
  k.advance_clock_to(131000 * kMs);
  EXPECT_EQ(state(c2), TcpState::kClose);
  EXPECT_EQ(wait(ep), "(2:IN|OUT|ERR|HUP)");
  EXPECT_EQ(write(c2, 1), -kETIMEDOUT);
  EXPECT_FALSE(k.context().sched().next_kernel_timer().has_value());
}

// A socket closed (or shut down) in SYN_SENT stops its timer.
TEST_F(TcpTest, S1ClosingASynSentSocketStopsItsTimer) {
  int l = listen(0);
  connect(l);
  int c2 = connect(l);
  EXPECT_TRUE(k.context().sched().next_kernel_timer().has_value());
  EXPECT_EQ(shutdown(c2, kSHUT_RDWR), 0);
  EXPECT_FALSE(k.context().sched().next_kernel_timer().has_value());
  int c3 = connect(l);
  EXPECT_TRUE(k.context().sched().next_kernel_timer().has_value());
  EXPECT_EQ(close(c3), 0);
  EXPECT_FALSE(k.context().sched().next_kernel_timer().has_value());
}

// [O5] A blocking TCP reader with MSG_WAITALL sleeps until the whole count has arrived.
TEST_F(TcpTest, O5WaitallBlockingReaderWaitsForTheWholeCount) {
  const int l = listen();
  const int c = connect(l);
  const long s = accept(l, 0);
  ASSERT_GE(s, 0);
  Task& reader = k.create_task("reader");
  EXPECT_TRUE(checked(k.recv(reader, static_cast<int>(s), 10, kMSG_WAITALL)).blocked);
  EXPECT_EQ(write(c, 4), 4);
  EXPECT_TRUE(k.take_completions().empty());
  EXPECT_EQ(write(c, 6), 6);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.ret, 10);
}

// [O3] MSG_MORE holds the byte; the probe timer sends it 200 ms later on the virtual clock.
TEST_F(TcpTest, O3MsgMoreHeldUntilTheProbeTimer) {
  const int l = listen();
  auto [c, s] = mkpair(l);
  EXPECT_EQ(ret(checked(k.send(main(), c, 1, kMSG_MORE))), 1);
  EXPECT_EQ(inq(s), 0u);
  EXPECT_TRUE(sock(c).probe0_timer.has_value());
  k.advance_clock_to(k.now_ns() + 199'000'000);
  EXPECT_EQ(inq(s), 0u);
  k.advance_clock_to(k.now_ns() + 2'000'000);
  expect_invariants();
  EXPECT_EQ(inq(s), 1u);
  EXPECT_FALSE(sock(c).probe0_timer.has_value());
}

// [O2] An urgent byte alone at the reader's position: PRI without IN; a read steps over it.
TEST_F(TcpTest, O2LoneUrgentBytePollsPriOnly) {
  const int l = listen();
  auto [c, s] = mkpair(l);
  EXPECT_EQ(ret(checked(k.send(main(), c, 1, kMSG_OOB))), 1);
  EXPECT_EQ(raw_mask(s), "PRI|OUT|WRNORM");
  EXPECT_EQ(sock(s).urg_data, TcpUrg::kValid);
  EXPECT_EQ(ret(checked(k.recv(main(), s, 10, 0))), -kEAGAIN);  // the byte is stepped over
  EXPECT_EQ(sock(s).urg_data, TcpUrg::kNone);
  EXPECT_EQ(inq(s), 0u);
}

}  // namespace
}  // namespace epollscope::sim::testing
