// SPDX-License-Identifier: GPL-2.0-only
// tests/trace/record_test.cpp — `epollscope trace --record FILE.scn`: a traced program written as
// a scenario, then replayed by `epollscope check` on the model and on this kernel. The round
// trip must come back clean (0 divergences, 0 failed expectations), and the recording must hold
// what the program did: its calls with the kernel's answers, its clients as scenario peers.
// Every run is bounded in time (loopback only).
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "examples/loadgen.h"
#include "examples/server_process.h"
#include "sim/script/parser.h"
#include "tests/trace/subprocess.h"
#include "tests/trace/summary.h"
#include "trace/record.h"

namespace {

using epollscope::tests::Command;
using epollscope::tests::run_command;

const std::string kEpollscope = EPOLLSCOPE_BIN;
const std::string kProgs = TRACE_PROGS_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// LeakSanitizer cannot run in a traced process: the sanitizer build leaves it off there.
void no_leak_checks_under_ptrace() {
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options = std::string(asan ? asan : "") + ":detect_leaks=0";
  setenv("ASAN_OPTIONS", options.c_str(), 1);
}

// `epollscope check FILE`: its last line must say 0 divergences and 0 failed expectations.
void expect_checks_clean(const std::string& path) {
  const Command c = run_command({kEpollscope, "check", path}, std::chrono::seconds(60));
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output << "\n--- the recording ---\n" << read_file(path);
  EXPECT_NE(c.output.find(": 0 divergences, 0 failed expectations"), std::string::npos)
      << c.output << "\n--- the recording ---\n"
      << read_file(path);
}

// The echo server traced with --record under `clients` clients, one at a time, each with
// `round_trips` round trips of 1200 bytes and the given endings. Returns the recording.
std::string record_server(const std::vector<std::string>& program, int clients, int round_trips,
                          std::vector<epollscope::examples::Ending> endings,
                          const std::string& path) {
  no_leak_checks_under_ptrace();
  std::remove(path.c_str());
  std::vector<std::string> argv = {kEpollscope, "trace", "--quiet", "--record", path, "--"};
  argv.insert(argv.end(), program.begin(), program.end());
  argv.push_back("--exit-after");
  argv.push_back(std::to_string(clients));
  epollscope::examples::ServerProcess server;
  std::string error;
  EXPECT_TRUE(server.start(argv, std::chrono::milliseconds(20000), &error)) << error;
  if (!error.empty()) return {};
  epollscope::examples::LoadOptions load;
  load.port = server.port();
  load.clients = clients;
  load.round_trips = round_trips;
  load.bytes = 1200;
  load.concurrency = 1;
  load.endings = std::move(endings);
  load.deadline = std::chrono::milliseconds(30000);
  const auto stats = epollscope::examples::run_load(load);
  EXPECT_TRUE(stats.ok()) << epollscope::examples::describe(stats);
  const int status = server.wait_exit(std::chrono::milliseconds(30000));
  const std::string err = server.stderr_text();
  EXPECT_EQ(epollscope::examples::describe_wait_status(status), "exited 0") << err;
  EXPECT_NE(err.find("the program exited with status 0"), std::string::npos) << err;
  EXPECT_NE(err.find("wrote " + path), std::string::npos) << err;
  EXPECT_EQ(err.find("--record:"), std::string::npos) << err;  // nothing unreplayable said
  const auto summary = epollscope::tests::trace_summary(err, false);
  EXPECT_TRUE(summary && summary->divergences == 0) << err;
  return read_file(path);
}

std::string record_echo_server(bool lt, int clients, int round_trips,
                               std::vector<epollscope::examples::Ending> endings,
                               const std::string& path) {
  std::vector<std::string> program = {EPOLLSCOPE_ECHO_SERVER};
  if (lt) program.push_back("--lt");
  return record_server(program, clients, round_trips, std::move(endings), path);
}

using epollscope::examples::Ending;

// The edge-triggered echo server: clients connect, send, half-close or close. The recording
// has the server's calls in thread srv and each client as a peer, and replays clean.
TEST(Record, EchoServerRoundTripChecksClean) {
  const std::string path = ::testing::TempDir() + "/record-echo-et.scn";
  const std::string scn =
      record_echo_server(false, 4, 3, {Ending::kClose, Ending::kHalfClose}, path);
  ASSERT_FALSE(scn.empty());
  // The listener and the first sleep: woken by the first client's connection.
  EXPECT_NE(scn.find("srv: l = tcp_listen("), std::string::npos) << scn;
  EXPECT_NE(scn.find("srv: epoll_ctl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLET) => 0"),
            std::string::npos)
      << scn;
  // Every harvest has the kernel's answer: on the call, or, when the server slept in it, on the
  // `srv => [...]` line after the client's statement that woke it (under the tracer the clients
  // are often quicker than the server, which then finds their requests without sleeping).
  // (Accepted fds are named by the program's numbers: s6, or s7 when it inherited one more fd.)
  EXPECT_GE(count(scn, "srv: epoll_wait(ep, 64, -1) => [") + count(scn, "\nsrv => ["), 4 * 2)
      << scn;
  EXPECT_EQ(count(scn, "srv: epoll_wait(ep, 64, -1) => blocks\n"), count(scn, "\nsrv => [")) << scn;
  EXPECT_GE(count(scn, " = accept4(l, 0)\n"), 4) << scn;
  // Every client is a peer: it connects, writes its 1200-byte requests, ends, and is closed.
  EXPECT_EQ(count(scn, " = tcp_connect(l)\n"), 4) << scn;
  for (const char* c : {"c1", "c2", "c3", "c4"}) {
    EXPECT_NE(scn.find(std::string("write(") + c + ", 1200)\n"), std::string::npos) << c << scn;
    EXPECT_NE(scn.find(std::string("close(") + c + ")\n"), std::string::npos) << c << scn;
  }
  EXPECT_GE(count(scn, "shutdown(c"), 2) << scn;  // the half-closes, and the closes' FINs
  // The server's reads and writes of each request, with the kernel's counts.
  EXPECT_GE(count(scn, "srv: read(s"), 4 * 3) << scn;
  EXPECT_GE(count(scn, ", 16384) => 1200\n"), 4 * 3) << scn;
  EXPECT_GE(count(scn, ", 1200) => 1200\n"), 4 * 3) << scn;  // the echoes
  // The harvests carry the kernel's answers; edge-triggered, the server accepts until EAGAIN
  // (whether a FIN or the next request came before a harvest or a read is the clients' timing).
  EXPECT_NE(scn.find("srv: epoll_wait(ep, 64, -1) => [s"), std::string::npos) << scn;
  EXPECT_GE(count(scn, "srv: accept4(l, 0) => -1 EAGAIN\n"), 4) << scn;
  EXPECT_GE(count(scn, ", 16384) => 0\n"), 4) << scn;  // the end of each stream
  EXPECT_EQ(scn.find("NOT REPLAYABLE"), std::string::npos) << scn;
  expect_checks_clean(path);
  std::remove(path.c_str());
}

// Its level-triggered twin, with every ending (a reset is a peer closing with bytes unread).
TEST(Record, LevelTriggeredEchoServerChecksClean) {
  const std::string path = ::testing::TempDir() + "/record-echo-lt.scn";
  const std::string scn =
      record_echo_server(true, 3, 3, {Ending::kClose, Ending::kHalfClose, Ending::kReset}, path);
  ASSERT_FALSE(scn.empty());
  EXPECT_NE(scn.find("srv: epoll_ctl(ep, EPOLL_CTL_ADD, l, EPOLLIN) => 0"), std::string::npos)
      << scn;
  EXPECT_NE(scn.find("EPOLLIN | EPOLLRDHUP) => 0"), std::string::npos) << scn;
  EXPECT_EQ(scn.find("EPOLLET"), std::string::npos) << scn;
  EXPECT_EQ(count(scn, " = tcp_connect(l)\n"), 3) << scn;
  // The third client resets: the server sees EPOLLERR and reads ECONNRESET.
  EXPECT_NE(scn.find("closing it with bytes unread sends RST\nclose(c3)\n"), std::string::npos)
      << scn;
  EXPECT_NE(scn.find("EPOLLIN|EPOLLERR|EPOLLHUP|EPOLLRDHUP]"), std::string::npos) << scn;
  EXPECT_NE(scn.find(", 16384) => -1 ECONNRESET\n"), std::string::npos) << scn;
  expect_checks_clean(path);
  std::remove(path.c_str());
}

// The asyncio server (level-triggered, data = fd, a socketpair to wake its loop): the
// interpreter's start (files it opens, children it runs for its pipes) is left out and said.
TEST(Record, AsyncioServerChecksClean) {
  if (std::string(EPOLLSCOPE_PYTHON3).find("NOTFOUND") != std::string::npos)
    GTEST_SKIP() << "no python3";
  const std::string path = ::testing::TempDir() + "/record-asyncio.scn";
  const std::string scn = record_server({EPOLLSCOPE_PYTHON3, EPOLLSCOPE_ECHO_ASYNCIO}, 3, 3,
                                        {Ending::kClose, Ending::kHalfClose, Ending::kReset}, path);
  ASSERT_FALSE(scn.empty());
  EXPECT_NE(scn.find(": socketpair(u"), std::string::npos) << scn;
  EXPECT_NE(scn.find(" = tcp_listen(100)\n"), std::string::npos) << scn;
  EXPECT_EQ(count(scn, " = tcp_connect(l)\n"), 3) << scn;
  EXPECT_GE(count(scn, ", 262144) => 1200\n"), 3 * 3) << scn;  // its recv of each request
  EXPECT_NE(scn.find("-- left out: the scenario language has no openat"), std::string::npos);
  EXPECT_EQ(scn.find("NOT REPLAYABLE"), std::string::npos) << scn;
  expect_checks_clean(path);
  std::remove(path.c_str());
}

// A program without peers: the seed's pipe lesson. Its timeout that expires is a sleep of the
// scenario's clock while its thread sleeps.
TEST(Record, PipeProgramRoundTripChecksClean) {
  const std::string path = ::testing::TempDir() + "/record-pipe.scn";
  std::remove(path.c_str());
  const Command c = run_command(
      {kEpollscope, "trace", "--quiet", "--record", path, "--", kProgs + "/trace-pipe-et"},
      std::chrono::seconds(30));
  ASSERT_FALSE(c.timed_out) << c.output;
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("wrote " + path + " ("), std::string::npos) << c.output;
  const std::string scn = read_file(path);
  for (const char* line : {
           "srv: ep = epoll_create1(0)\n",
           "srv: pipe2(p4, p5, 0)\n",
           "srv: epoll_ctl(ep, EPOLL_CTL_ADD, p4, EPOLLIN | EPOLLET) => 0\n",
           "srv: write(p5, 2048) => 2048\n",
           "srv: epoll_wait(ep, 8, 1000) => [p4: EPOLLIN]\n",
           "srv: read(p4, 1024) => 1024\n",
           "srv: epoll_wait(ep, 8, 0) => []\n",
           "srv: epoll_wait(ep, 8, 20) => blocks\nsleep(20)\nsrv => []\n",
           "srv: epoll_ctl(ep, EPOLL_CTL_ADD, p4, EPOLLIN | EPOLLET) => -1 EEXIST\n",
           "srv: epoll_wait(999, 8, 0) => -1 EBADF\n",
           "srv: close(p5) => 0\n",
           "srv: epoll_wait(ep, 8, 0) => [p4: EPOLLIN|EPOLLHUP]\n",
       })
    EXPECT_NE(scn.find(line), std::string::npos) << line << scn;
  // The program's own output is not the scenario's: said, left out.
  EXPECT_NE(scn.find("// srv: write(1, 14) = 14   -- left out"), std::string::npos) << scn;
  expect_checks_clean(path);
  std::remove(path.c_str());
}

// Threads: two sleep in epoll_wait and are woken by the main thread's eventfd writes, a third
// reads a pipe.
TEST(Record, ThreadsRoundTripChecksClean) {
  const std::string path = ::testing::TempDir() + "/record-threads.scn";
  std::remove(path.c_str());
  const Command c = run_command(
      {kEpollscope, "trace", "--quiet", "--record", path, "--", kProgs + "/trace-threads"},
      std::chrono::seconds(30));
  ASSERT_FALSE(c.timed_out) << c.output;
  ASSERT_EQ(c.status, 0) << c.output;
  const std::string scn = read_file(path);
  EXPECT_NE(scn.find("t2: epoll_wait(ep, 4, 5000) => blocks\nsrv: eventfd_write(e4, 1) => 0\n"
                     "t2 => [e4: EPOLLIN]\n"),
            std::string::npos)
      << scn;
  EXPECT_NE(scn.find("t2: eventfd_read(e4) => 1\n"), std::string::npos) << scn;
  EXPECT_NE(scn.find(": read(p5, 16) => 5\n"), std::string::npos) << scn;
  expect_checks_clean(path);
  std::remove(path.c_str());
}

// A timerfd cannot be made by a scenario: its calls are left out, and the epoll that watches it
// makes the rest unreplayable, said in the file's header (with the line) and on stderr.
TEST(Record, WhatCannotBeReplayedIsSaid) {
  const std::string path = ::testing::TempDir() + "/record-timerfd.scn";
  std::remove(path.c_str());
  const Command c = run_command(
      {kEpollscope, "trace", "--quiet", "--record", path, "--", kProgs + "/trace-timerfd"},
      std::chrono::seconds(30));
  ASSERT_FALSE(c.timed_out) << c.output;
  EXPECT_EQ(c.status, 0) << c.output;  // the trace itself agreed at every call
  EXPECT_NE(c.output.find("epollscope trace: --record: the recording cannot be replayed as a "
                          "whole: epoll ep watches fd 4 (a file from timerfd_create)"),
            std::string::npos)
      << c.output;
  const std::string scn = read_file(path);
  EXPECT_NE(scn.find("// NOT REPLAYABLE from line "), std::string::npos) << scn;
  EXPECT_NE(scn.find("// srv: timerfd_create() = 4   -- left out"), std::string::npos) << scn;
  EXPECT_NE(scn.find("// wake-up of fd 4 (a file from timerfd_create): EPOLLIN -- left out"),
            std::string::npos)
      << scn;
  // The line the header names is the one that says so.
  const std::size_t at = scn.find("// NOT REPLAYABLE from line ") + 28;
  const int line = std::stoi(scn.substr(at));
  std::istringstream lines(scn);
  std::string text;
  for (int i = 0; i < line && std::getline(lines, text); ++i) {
  }
  EXPECT_EQ(text.rfind("// NOT REPLAYABLE from here: epoll ep watches fd 4", 0), 0u) << text;
  std::remove(path.c_str());
}

TEST(Record, FileThatCannotBeWrittenStopsBeforeTheProgram) {
  const Command c = run_command(
      {kEpollscope, "trace", "--record", "/nonexistent-dir/x.scn", "--", kProgs + "/trace-pipe-et"},
      std::chrono::seconds(30));
  ASSERT_FALSE(c.timed_out);
  EXPECT_EQ(c.status, 2) << c.output;
  EXPECT_NE(c.output.find("cannot write /nonexistent-dir/x.scn"), std::string::npos) << c.output;
  // The program never ran: it prints its results, and nothing was traced.
  EXPECT_EQ(c.output.find("1 0 0 -1 -1 1"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("traced "), std::string::npos) << c.output;
}

// A program that cannot be started leaves no recording behind.
TEST(Record, NoRecordingWhenTheProgramDoesNotStart) {
  const std::string path = ::testing::TempDir() + "/record-none.scn";
  std::remove(path.c_str());
  const Command c =
      run_command({kEpollscope, "trace", "--record", path, "--", "/nonexistent/program"},
                  std::chrono::seconds(30));
  EXPECT_EQ(c.status, 127) << c.output;
  EXPECT_NE(c.output.find("/nonexistent/program: No such file or directory"), std::string::npos)
      << c.output;
  std::ifstream in(path);
  EXPECT_FALSE(in.good()) << path << " was left behind";
}

TEST(Record, RefusedWithAttach) {
  const std::string path = ::testing::TempDir() + "/record-attach.scn";
  const Command c =
      run_command({kEpollscope, "trace", "--record", path, "-p", "1"}, std::chrono::seconds(10));
  EXPECT_EQ(c.status, 2) << c.output;
  EXPECT_NE(c.output.find("--record needs the program from its start"), std::string::npos)
      << c.output;
}

// The recording is bounded: past its limit it stops and says so, and what it holds still parses.
TEST(Record, StopsAtItsLimitAndSaysSo) {
  epollscope::trace::ScenarioRecorder rec("prog \"x\"\n", 5);
  rec.start(100);
  for (int i = 0; i < 10; ++i) {
    epollscope::trace::SyscallStop s;
    s.tid = s.tgid = 100;
    s.nr = SYS_eventfd2;
    s.ret = 3 + i;
    rec.call(s, nullptr);
  }
  EXPECT_EQ(rec.statements(), 5u);
  EXPECT_TRUE(rec.full());
  const std::string text = rec.text();
  EXPECT_NE(text.find("// STOPPED after 5 statements (at most 5 statements"), std::string::npos)
      << text;
  EXPECT_EQ(count(text, " = eventfd(0, 0)\n"), 5) << text;
  ASSERT_EQ(rec.problems().size(), 1u);
  EXPECT_NE(rec.problems()[0].find("stopped after 5 statements"), std::string::npos);
  const auto parsed = epollscope::sim::script::parse_scenario(text, "limit.scn");
  ASSERT_TRUE(std::holds_alternative<epollscope::sim::script::Scenario>(parsed)) << text;
  EXPECT_EQ(std::get<epollscope::sim::script::Scenario>(parsed).title, "recorded: prog \"x\"?");
}

// ... and below the 4 MiB a scenario file may have: a budget of bytes stops it too.
TEST(Record, StopsAtItsByteBudget) {
  epollscope::trace::ScenarioRecorder rec("prog", 100000, 2000);
  rec.start(100);
  for (int i = 0; i < 1000; ++i) {
    epollscope::trace::SyscallStop s;
    s.tid = s.tgid = 100;
    s.nr = SYS_eventfd2;
    s.ret = 3 + i;
    rec.call(s, nullptr);
  }
  EXPECT_TRUE(rec.full());
  EXPECT_GT(rec.statements(), 20u);
  EXPECT_LT(rec.statements(), 100u);
  const std::string text = rec.text();
  EXPECT_LT(text.size(), 2000u + 2048u) << text;  // the budget and the header
  EXPECT_NE(text.find("// STOPPED here"), std::string::npos) << text;
}

}  // namespace
