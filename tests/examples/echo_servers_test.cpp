// SPDX-License-Identifier: GPL-2.0-only
// tests/examples/echo_servers_test.cpp — the example echo servers (examples/), untraced, driven by
// the load generator on loopback: every echo correct with every ending (close, half-close, reset),
// a clean exit 0 by --exit-after and by SIGINT / SIGTERM, and bad input refused. Each server is
// killed with its process group if a test fails (ServerProcess), so none is left running.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "examples/loadgen.h"
#include "examples/server_process.h"

namespace epollscope::examples {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kStartTimeout{5000};
constexpr milliseconds kExitTimeout{10000};

struct Server {
  const char* name;
  std::vector<std::string> argv;  // without --port / --exit-after
  bool counts_epollout_waits;     // says "N writes waited for EPOLLOUT" on stderr at its end
};

std::vector<Server> servers() {
  std::vector<Server> list = {
      {"et", {EPOLLSCOPE_ECHO_SERVER}, true},
      {"lt", {EPOLLSCOPE_ECHO_SERVER, "--lt"}, true},
      {"mt_exclusive", {EPOLLSCOPE_ECHO_SERVER_MT, "--threads", "4"}, true},
  };
  if (std::string(EPOLLSCOPE_PYTHON3).find("NOTFOUND") == std::string::npos)
    list.push_back({"asyncio", {EPOLLSCOPE_PYTHON3, EPOLLSCOPE_ECHO_ASYNCIO}, false});
  return list;
}

std::vector<std::string> with(std::vector<std::string> argv, std::vector<std::string> more) {
  argv.insert(argv.end(), more.begin(), more.end());
  return argv;
}

std::string explain(const LoadStats& stats) {
  std::string text = describe(stats);
  for (const std::string& m : stats.messages)
    text += "\n  " + m;
  return text;
}

class EchoServers : public testing::TestWithParam<Server> {};

// Dozens of clients, every ending, then a few with round trips larger than the socket buffers,
// read lazily: the server's writes fall short and it must wait for EPOLLOUT without losing a byte.
TEST_P(EchoServers, EchoesEveryByteWithEveryEndingAndExitsAfterN) {
  const Server& s = GetParam();
  LoadOptions many;
  many.clients = 48;
  many.round_trips = 20;
  many.bytes = 1500;
  many.concurrency = 12;
  LoadOptions big;
  big.clients = 3;
  big.round_trips = 1;
  big.bytes = 8 << 20;
  big.concurrency = 3;
  big.lazy_reader = true;
  big.receive_buffer = 4096;
  const long total = many.clients + big.clients;

  ServerProcess server;
  std::string error;
  ASSERT_TRUE(
      server.start(with(s.argv, {"--exit-after", std::to_string(total)}), kStartTimeout, &error))
      << error;
  many.port = big.port = server.port();

  const LoadStats a = run_load(many);
  EXPECT_TRUE(a.ok()) << explain(a);
  EXPECT_EQ(a.connections, 48);
  EXPECT_EQ(a.by_ending[0], 16);
  EXPECT_EQ(a.by_ending[1], 16);
  EXPECT_EQ(a.by_ending[2], 16);
  EXPECT_EQ(a.round_trips, 48 * 20);
  EXPECT_EQ(a.bytes, 48L * 20 * 1500);

  const LoadStats b = run_load(big);
  EXPECT_TRUE(b.ok()) << explain(b);
  EXPECT_EQ(b.bytes, 3L * (8 << 20));

  const int status = server.wait_exit(kExitTimeout);
  EXPECT_EQ(describe_wait_status(status), "exited 0") << server.stderr_text();
  const std::string err = server.stderr_text();
  EXPECT_NE(err.find(std::to_string(total) + " connections closed"), std::string::npos) << err;
  if (s.counts_epollout_waits) {
    EXPECT_EQ(err.find(" 0 writes waited for EPOLLOUT"), std::string::npos) << err;
  }
}

TEST_P(EchoServers, StopsCleanlyOnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    ServerProcess server;
    std::string error;
    ASSERT_TRUE(server.start(GetParam().argv, kStartTimeout, &error)) << error;
    LoadOptions one;
    one.port = server.port();
    one.clients = 3;
    EXPECT_TRUE(run_load(one).ok());
    server.signal(sig);
    EXPECT_EQ(describe_wait_status(server.wait_exit(kExitTimeout)), "exited 0")
        << strsignal(sig) << ": " << server.stderr_text();
  }
}

TEST_P(EchoServers, PortInUseIsAClearErrorAndExitNonZero) {
  ServerProcess first;
  std::string error;
  ASSERT_TRUE(first.start(GetParam().argv, kStartTimeout, &error)) << error;
  const std::string port = std::to_string(first.port());
  ServerProcess second;
  EXPECT_FALSE(second.start(with(GetParam().argv, {"--port", port}), kStartTimeout, &error));
  EXPECT_NE(error.find("cannot bind 127.0.0.1:" + port + ": Address already in use"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("exited 1"), std::string::npos) << error;
}

TEST_P(EchoServers, UnknownFlagPrintsTheUsageAndExits2) {
  ServerProcess server;
  std::string error;
  EXPECT_FALSE(server.start(with(GetParam().argv, {"--no-such-flag"}), kStartTimeout, &error));
  EXPECT_NE(error.find("exited 2"), std::string::npos) << error;
  EXPECT_NE(error.find("usage: "), std::string::npos) << error;
  EXPECT_NE(error.find("--exit-after"), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(Examples, EchoServers, testing::ValuesIn(servers()),
                         [](const testing::TestParamInfo<Server>& info) {
                           return std::string(info.param.name);
                         });

// --- the load generator itself ---------------------------------------------------------------

// A listening socket on an ephemeral loopback port, owned by the test.
struct Listener {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  Listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 && listen(fd, 64) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
};

TEST(LoadGenerator, RefusedConnectionsAreErrorsNotHangs) {
  int port;
  {
    Listener gone;  // a port that was free a moment ago, and is closed again
    port = gone.port;
  }
  LoadOptions o;
  o.port = port;
  o.clients = 5;
  const LoadStats stats = run_load(o);
  EXPECT_EQ(stats.errors, 5);
  EXPECT_EQ(stats.connections, 0);
  ASSERT_FALSE(stats.messages.empty());
  EXPECT_NE(stats.messages[0].find("Connection refused"), std::string::npos) << explain(stats);
}

TEST(LoadGenerator, ASilentServerEndsAtTheDeadline) {
  Listener silent;  // connections complete in the backlog; nobody ever reads or answers
  ASSERT_GT(silent.port, 0);
  LoadOptions o;
  o.port = silent.port;
  o.clients = 4;
  o.deadline = milliseconds(300);
  const LoadStats stats = run_load(o);
  EXPECT_TRUE(stats.timed_out);
  EXPECT_EQ(stats.errors, 4);
  EXPECT_LT(stats.elapsed_s, 5.0);
}

TEST(LoadGenerator, AWrongEchoedByteIsCaught) {
  Listener l;
  ASSERT_GT(l.port, 0);
  // An echo server that flips one bit of the 100th byte.
  std::thread corrupt([&] {
    const int c = accept(l.fd, nullptr, nullptr);
    char buffer[4096];
    std::size_t total = 0;
    while (total < 1000) {
      const ssize_t n = read(c, buffer, sizeof buffer);
      if (n <= 0) break;
      if (total <= 99 && 99 < total + static_cast<std::size_t>(n)) buffer[99 - total] ^= 1;
      total += static_cast<std::size_t>(n);
      if (write(c, buffer, static_cast<std::size_t>(n)) != n) break;
    }
    close(c);
  });
  LoadOptions o;
  o.port = l.port;
  o.clients = 1;
  o.round_trips = 1;
  o.bytes = 1000;
  o.deadline = milliseconds(5000);
  const LoadStats stats = run_load(o);
  corrupt.join();
  EXPECT_EQ(stats.errors, 1);
  EXPECT_EQ(stats.round_trips, 0);
  ASSERT_FALSE(stats.messages.empty());
  EXPECT_NE(stats.messages[0].find("echoed byte 99 is"), std::string::npos) << explain(stats);
}

TEST(LoadGenerator, BadOptionsAreErrors) {
  LoadOptions o;  // no port
  const LoadStats stats = run_load(o);
  EXPECT_FALSE(stats.ok());
  ASSERT_FALSE(stats.messages.empty());
  EXPECT_NE(stats.messages[0].find("port"), std::string::npos);
}

}  // namespace
}  // namespace epollscope::examples
