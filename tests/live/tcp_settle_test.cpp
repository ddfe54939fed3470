// SPDX-License-Identifier: GPL-2.0-only
// live/tcp_settle: what the live side waits for after a TCP call, asked of the real kernel. Data
// that reached a peer of the scenario and waits only for that peer's delayed ACK is not waited
// for (the model keeps that timer on its virtual clock; waiting would let the kernel's fire while
// the model's clock stands still: fuzz seed 2 case 275); it still counts as a pending timer for
// sleeps.
#include "live/tcp_settle.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "live/real_calls.h"

namespace epollscope::live {
namespace {

class TcpSettleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    l_ = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(l_, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(l_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(l_, 4), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(getsockname(l_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    c_ = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(c_, 0);
    ASSERT_EQ(connect(c_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    s_ = accept4(l_, nullptr, nullptr, SOCK_NONBLOCK);
    ASSERT_GE(s_, 0);
  }
  void TearDown() override {
    for (int fd : {c_, s_, l_})
      if (fd >= 0) close(fd);
  }
  // c sends a byte, s replies at once (tcp_event_data_sent: pingpong mode), c sends more: s
  // delays the ACK of it (40 ms).
  void make_s_delay_its_ack() {
    char buf[4096] = {};
    ASSERT_EQ(write(c_, buf, 1), 1);
    ASSERT_EQ(write(s_, buf, sizeof buf), static_cast<ssize_t>(sizeof buf));
    ASSERT_EQ(write(c_, buf, sizeof buf), static_cast<ssize_t>(sizeof buf));
  }
  uint32_t unacked(int fd) {
    tcp_info info{};
    socklen_t len = sizeof info;
    EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
    return info.tcpi_unacked;
  }
  int l_ = -1, c_ = -1, s_ = -1;
};

TEST_F(TcpSettleTest, DataThatArrivedAndWaitsForADelayedAckIsNotInFlight) {
  make_s_delay_its_ack();
  RealFds fds;
  fds.note_tcp(c_, true);
  fds.note_tcp(s_, true);
  const TcpInFlight f = tcp_in_flight(fds);
  EXPECT_FALSE(f.fin_ack);
  EXPECT_FALSE(f.data_on_its_way);
  EXPECT_FALSE(f.data_to_outside);
  // (The ACK is owed unless 40 ms passed since the write, on a machine that stalled.)
  if (unacked(c_) > 0) {
    EXPECT_TRUE(tcp_timer_pending(fds));
  }
}

TEST_F(TcpSettleTest, UnacknowledgedDataToAPeerOutsideTheTableCounts) {
  make_s_delay_its_ack();
  RealFds fds;
  fds.note_tcp(c_, true);  // s is not the scenario's: nothing says whether the data arrived
  const TcpInFlight f = tcp_in_flight(fds);
  EXPECT_FALSE(f.fin_ack);
  EXPECT_FALSE(f.data_on_its_way);
  EXPECT_EQ(f.data_to_outside, unacked(c_) > 0);
}

TEST_F(TcpSettleTest, AFinWhoseAckIsOwedIsInFlight) {
  make_s_delay_its_ack();
  RealFds fds;
  fds.note_tcp(c_, true);
  fds.note_tcp(s_, true);
  // s got data and is in pingpong mode: the ACK of c's FIN is delayed too (tcp_fin).
  ASSERT_EQ(shutdown(c_, SHUT_WR), 0);
  const TcpInFlight f = tcp_in_flight(fds);
  tcp_info info{};
  socklen_t len = sizeof info;
  ASSERT_EQ(getsockopt(c_, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
  EXPECT_EQ(f.fin_ack, info.tcpi_unacked > 0);
  // settle_tcp waits for it (the model acknowledges it before the next statement).
  settle_tcp(fds, 0);
  EXPECT_EQ(unacked(c_), 0u);
  EXPECT_FALSE(tcp_in_flight(fds).fin_ack);
}

TEST_F(TcpSettleTest, AClosedOrForeignFdIsSkipped) {
  RealFds fds;
  fds.note_tcp(l_, true);  // a listener: its tcpi_unacked is its accept queue
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  fds.note_tcp(p[0], true);  // not a socket
  fds.note_tcp(999, true);   // not open
  const TcpInFlight f = tcp_in_flight(fds);
  EXPECT_FALSE(f.fin_ack || f.data_on_its_way || f.data_to_outside);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace epollscope::live
