// SPDX-License-Identifier: GPL-2.0-only
// examples/loadgen.h — the load that drives the example echo servers: N clients connect to
// 127.0.0.1:PORT (loopback only, never another address), each makes M round trips of K bytes and
// checks every echoed byte, then ends its connection in one of three ways. At most C clients are
// connected at a time. One thread drives them all with poll(); a hard deadline bounds the run.
//
//   client i:  connect ─► (send K bytes ─► receive K bytes, compared byte for byte) × M ─► ending
//   endings:   close      close() after the last echo
//              half-close shutdown(SHUT_WR), then read until EOF (the server closes its side)
//              reset      SO_LINGER {1, 0}, then close(): the kernel sends RST, not FIN
//
// The bytes of round trip r of client i are a function of (i, r, offset), so a byte echoed from
// another connection or another round trip is caught, not only a wrong length.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace epollscope::examples {

enum class Ending { kClose, kHalfClose, kReset };
const char* ending_name(Ending e);

struct LoadOptions {
  int port = 0;            // on 127.0.0.1
  int clients = 32;        // N: connections made in all
  int round_trips = 10;    // M: per connection
  std::size_t bytes = 64;  // K: per round trip
  int concurrency = 8;     // C: connections open at once
  // Client i ends with endings[i % size].
  std::vector<Ending> endings{Ending::kClose, Ending::kHalfClose, Ending::kReset};
  int receive_buffer = 0;    // SO_RCVBUF of each client (0: the default)
  bool lazy_reader = false;  // a client reads only once the round trip is sent (or its
                             // send is stuck for 100 ms): with K larger than the socket
                             // buffers, the server's writes fall short, it waits for EPOLLOUT
  std::chrono::milliseconds deadline{10000};  // the whole run; then it stops with an error
};

struct LoadStats {
  long connections = 0;  // clients that finished every round trip and their ending
  long round_trips = 0;  // round trips whose echo came back complete and correct
  long bytes = 0;        // echoed bytes checked
  long errors = 0;       // clients that failed (refused, wrong byte, early EOF, deadline, ...)
  long by_ending[3] = {0, 0, 0};  // finished connections per Ending
  bool timed_out = false;         // the deadline ended the run
  double elapsed_s = 0;
  double requests_per_s = 0;          // round_trips / elapsed_s
  std::vector<std::string> messages;  // the first few errors, said in words
  bool ok() const { return errors == 0 && !timed_out; }
};

// Runs the load; never takes (much) longer than options.deadline. Invalid options (no port, a
// count below 1) are errors in the stats, not exceptions.
LoadStats run_load(const LoadOptions& options);

// One line: "connections 48 (close 16, half-close 16, reset 16), round trips 480, ... req/s".
std::string describe(const LoadStats& stats);

}  // namespace epollscope::examples
