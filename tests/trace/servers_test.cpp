// SPDX-License-Identifier: GPL-2.0-only
// tests/trace/servers_test.cpp — the example echo servers (examples/) run under `epollscope
// trace`, driven by the load generator on loopback with every ending (close, half-close, reset):
// the program still echoes every byte and exits 0 (tracing changes nothing it sees), and the
// model agrees with the kernel at every call (the summary's divergences), the multi-threaded
// server with EPOLLEXCLUSIVE included (which thread an exclusive wake-up reached is the kernel's
// answer's: README "A divergence, exactly"), within the bounds below, which README "What is not
// exact yet" explains.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "examples/loadgen.h"
#include "examples/server_process.h"
#include "tests/trace/summary.h"

namespace {

using epollscope::examples::describe;
using epollscope::examples::describe_wait_status;
using epollscope::examples::LoadOptions;
using epollscope::examples::run_load;
using epollscope::examples::ServerProcess;

struct Traced {
  const char* name;
  std::vector<std::string> server;  // the program and its arguments, without --exit-after
  // One client at a time, the mirror disagrees at most this often (0: at every call it agrees).
  // The multi-threaded server's exclusive wake-ups are decided by the kernel's answer (README
  // "A divergence, exactly"); one run in about 115 still had one divergence (a connection event
  // while the model's thread still slept), so one is allowed there and the README says so.
  int exact_allowed;
  // Three at a time, it disagrees at most once in this many epoll calls (0: not bounded).
  int bounded_one_in;
};

std::vector<Traced> traced_servers() {
  std::vector<Traced> list = {
      {"et", {EPOLLSCOPE_ECHO_SERVER}, 0, 50},
      {"lt", {EPOLLSCOPE_ECHO_SERVER, "--lt"}, 0, 50},
      // Three at a time: 13 divergences in 1,322 epoll calls over ten runs, at most 4 in a run.
      {"mt_exclusive", {EPOLLSCOPE_ECHO_SERVER_MT, "--threads", "4"}, 1, 20},
  };
  if (std::string(EPOLLSCOPE_PYTHON3).find("NOTFOUND") == std::string::npos)
    list.push_back({"asyncio", {EPOLLSCOPE_PYTHON3, EPOLLSCOPE_ECHO_ASYNCIO}, 0, 50});
  return list;
}

class TracedServers : public testing::TestWithParam<Traced> {};

// Runs the server traced under `concurrency` clients at a time; returns the summary's
// divergences and epoll calls (-1 when the run failed an expectation).
std::pair<long, long> traced_run(const Traced& s, int concurrency) {
  LoadOptions load;
  load.clients = 36;
  load.round_trips = 8;
  load.bytes = 1200;
  load.concurrency = concurrency;
  load.deadline = std::chrono::milliseconds(30000);
  std::vector<std::string> argv = {EPOLLSCOPE_BIN, "trace", "--quiet", "--context", "20", "--"};
  argv.insert(argv.end(), s.server.begin(), s.server.end());
  argv.push_back("--exit-after");
  argv.push_back(std::to_string(load.clients));

  // LeakSanitizer cannot run in a traced process (it uses ptrace itself): in the sanitizer build
  // the traced server leaves leak checking off.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = std::string(asan ? asan : "") + ":detect_leaks=0";
  setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
  ServerProcess server;
  std::string error;
  EXPECT_TRUE(server.start(argv, std::chrono::milliseconds(20000), &error)) << error;
  if (!error.empty()) return {-1, -1};
  load.port = server.port();
  const auto stats = run_load(load);
  EXPECT_TRUE(stats.ok()) << describe(stats);
  EXPECT_EQ(stats.round_trips, 36 * 8);
  const int status = server.wait_exit(std::chrono::milliseconds(30000));
  const std::string err = server.stderr_text();
  // The program itself exited 0; epollscope's status is 0 only without divergences.
  EXPECT_NE(err.find("the program exited with status 0"), std::string::npos) << err;
  const auto m = epollscope::tests::trace_summary(err, false);
  EXPECT_TRUE(m) << err;
  if (!m) return {-1, -1};
  EXPECT_GE(m->epoll_calls, 10) << err;  // epoll calls mirrored
  EXPECT_GE(m->wakeups, 36) << err;      // at least a wake-up per connection, from the observer
  EXPECT_EQ(describe_wait_status(status), m->divergences == 0 ? "exited 0" : "exited 1") << err;
  if (m->divergences > 0) std::cerr << err;
  return {m->divergences, m->epoll_calls};
}

// One client at a time: every wake-up has a window of its own, and the model must agree at
// every call.
TEST_P(TracedServers, OneClientAtATimeTheModelAgreesAtEveryCall) {
  const auto [divergences, epoll_calls] = traced_run(GetParam(), 1);
  EXPECT_LE(divergences, GetParam().exact_allowed);
  EXPECT_GT(epoll_calls, 0);
}

// Three at a time: wake-ups race harvests. The rules of README "Tracing real programs" decide
// most of them; what they cannot (measured there) stays under one epoll call in fifty.
TEST_P(TracedServers, ThreeClientsAtATimeEchoUnderTrace) {
  const auto [divergences, epoll_calls] = traced_run(GetParam(), 3);
  ASSERT_GT(epoll_calls, 0);
  const long one_in = GetParam().bounded_one_in;
  EXPECT_LE(divergences * one_in, epoll_calls) << divergences << " divergences in " << epoll_calls;
}

INSTANTIATE_TEST_SUITE_P(Examples, TracedServers, testing::ValuesIn(traced_servers()),
                         [](const testing::TestParamInfo<Traced>& p) { return p.param.name; });

}  // namespace
