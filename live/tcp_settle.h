// SPDX-License-Identifier: GPL-2.0-only
// live/tcp_settle.h — waiting for loopback TCP to settle after a call, by asking the kernel.
//
// On loopback almost everything a TCP call sets off is done before the call returns: the segment
// is handed to the loopback device, and the receiver's softirq runs when the sender re-enables
// bottom halves (local_bh_enable), still inside the syscall; its ACK comes back the same way. Only
// a softirq that ran out of its budget is left to ksoftirqd, to run a moment later. What else is
// not done by then waits for a timer: an ACK the receiver delays (the delayed-ACK timer, a jiffy
// to 40 ms and more), which no fixed wait settles either; the model runs its clock to the one a
// FIN's receiver owes when the statement settles (firing the timers due before it, as the kernel
// does while this side waits), and the one of data on its virtual clock (sim/tcp.h).
// (A handshake is done inside connect; a socket left in SYN_SENT had its SYN dropped by a full
// accept queue, and retries only after a second.) So the wait lasts while a TCP socket of the
// scenario has a FIN not yet acknowledged
// (TCP_INFO: its state, tcpi_unacked), which the model has acknowledged by then — 1 s at most,
// longer than the delayed-ACK timer — or data not yet acknowledged that has not reached its peer
// — `max_us` at most. When the peer is a socket of the scenario too (found by its addresses), its
// tcpi_bytes_received says whether the sender's tcpi_bytes_sent have arrived; otherwise the data
// counts as on its way while a ksoftirqd is runnable. Data that has arrived and is not
// acknowledged is data whose ACK the peer delays (until its reader reads or its delayed-ACK timer
// fires, as the model has it): nothing to wait for; tcp_timer_pending counts that timer. (Waiting
// for it would let the kernel's delayed-ACK timer fire while the model's clock stands still: the
// fuzzer's two workers keep a ksoftirqd busy often enough for that, fuzz seed 2 case 275.)
#pragma once

#include <cstdint>

#include "live/real_calls.h"

namespace epollscope::live {

// What settle_tcp waits for, as the kernel shows it now (same fd rules as settle_tcp):
//   fin_ack: a FIN sent and not acknowledged (its ACK may be delayed by the peer);
//   data_on_its_way: data sent that the peer, a socket of the scenario, has not received yet;
//   data_to_outside: data not acknowledged whose peer is not in the scenario's fd table.
// Data that reached a peer of the scenario and waits for its delayed ACK is none of them.
struct TcpInFlight {
  bool fin_ack = false;
  bool data_on_its_way = false;
  bool data_to_outside = false;
};
TcpInFlight tcp_in_flight(const RealFds& fds, int pidfd = -1);

// Returns how long it waited, in microseconds. Opens (and closes again) /proc files: in a process
// whose fd table is the scenario's, call it only between calls. `pidfd`: -1 when the fds are in
// this thread's fd table; else a pidfd of the process whose (leader's) table they are in, from
// which each socket is borrowed for a moment (pidfd_getfd).
int64_t settle_tcp(const RealFds& fds, int64_t max_us, int pidfd = -1);

// Whether a kernel timer that the model keeps on its virtual clock is armed on a TCP socket of the
// scenario: the SYN retransmission of a socket in SYN_SENT, the probe timer of data held back
// with nothing in flight, or the delayed-ACK timer of a receiver that owes the ACK of data (seen
// from the sender: data sent and not acknowledged). Only the wall clock makes those fire. (The
// delayed ACK of a FIN is never pending between statements: settle_tcp waits for it, and the
// model fires it then, TcpNet::settle_delayed_acks.) Same fd rules as settle_tcp.
bool tcp_timer_pending(const RealFds& fds, int pidfd = -1);

}  // namespace epollscope::live
