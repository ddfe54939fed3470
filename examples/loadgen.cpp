// SPDX-License-Identifier: GPL-2.0-only
// examples/loadgen.cpp — the load generator (loadgen.h): one thread, poll() over the open clients,
// each a small state machine: connecting ─► echoing (round trip after round trip) ─► its ending.
#include "examples/loadgen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace epollscope::examples {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxMessages = 8;
constexpr auto kLazyPatience = std::chrono::milliseconds(100);

// Byte `offset` of round trip `round` of client `client`: a mix of the three (splitmix64's
// finaliser), so that bytes from another client or round trip differ.
std::uint8_t pattern(int client, int round, std::size_t offset) {
  std::uint64_t x = (static_cast<std::uint64_t>(client) << 40) ^
                    (static_cast<std::uint64_t>(round) << 24) ^ offset;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<std::uint8_t>(x);
}

enum class Phase { kConnecting, kEchoing, kDraining, kDone };

struct Client {
  int index = 0;
  int fd = -1;
  Ending ending = Ending::kClose;
  Phase phase = Phase::kConnecting;
  int round = 0;
  std::size_t sent = 0, received = 0;
  Clock::time_point stalled_since{};  // lazy reader: when its send last fell short (or never)
  std::vector<std::uint8_t> message;  // this round trip's bytes
};

class Run {
 public:
  explicit Run(const LoadOptions& o) : o_(o) {}

  LoadStats go() {
    const auto start = Clock::now();
    if (!valid()) return stats_;
    const auto deadline = start + o_.deadline;
    std::vector<Client> active;
    std::vector<pollfd> fds;
    int next = 0;
    for (;;) {
      while (static_cast<int>(active.size()) < o_.concurrency && next < o_.clients) {
        Client c;
        c.index = next++;
        c.ending = o_.endings[static_cast<std::size_t>(c.index) % o_.endings.size()];
        if (connect_client(c)) active.push_back(std::move(c));
      }
      if (active.empty()) break;

      const auto now = Clock::now();
      if (now >= deadline) {
        stats_.timed_out = true;
        const long unfinished = static_cast<long>(active.size()) + (o_.clients - next);
        stats_.errors += unfinished;
        char text[160];
        std::snprintf(text, sizeof text,
                      "the deadline of %lld ms passed with %ld clients unfinished (a server that "
                      "does not answer?)",
                      static_cast<long long>(o_.deadline.count()), unfinished);
        note(text);
        for (Client& c : active)
          close(c.fd);
        break;
      }
      fds.clear();
      for (const Client& c : active)
        fds.push_back({c.fd, events_of(c), 0});
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      const long long most = o_.lazy_reader ? static_cast<long long>(kLazyPatience.count()) : 1000;
      const int n = poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left, most)));
      if (n < 0 && errno != EINTR) {
        fail_all(active, std::string("poll: ") + std::strerror(errno));
        break;
      }
      for (std::size_t i = 0; n > 0 && i < active.size(); ++i)
        if (fds[i].revents) step(active[i], fds[i].revents);
      std::erase_if(active, [](const Client& c) { return c.phase == Phase::kDone; });
    }
    stats_.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    if (stats_.elapsed_s > 0) stats_.requests_per_s = stats_.round_trips / stats_.elapsed_s;
    return stats_;
  }

 private:
  bool valid() {
    const char* why = o_.port <= 0 || o_.port > 65535 ? "the port must be from 1 to 65535"
                      : o_.clients < 1                ? "there must be at least 1 client"
                      : o_.round_trips < 0            ? "round trips cannot be negative"
                      : o_.bytes < 1                  ? "a round trip needs at least 1 byte"
                      : o_.concurrency < 1            ? "the concurrency must be at least 1"
                      : o_.endings.empty()            ? "no ending given"
                                                      : nullptr;
    if (why) {
      stats_.errors = 1;
      note(why);
    }
    return !why;
  }

  void note(std::string text) {
    if (stats_.messages.size() < kMaxMessages) stats_.messages.push_back(std::move(text));
  }

  void fail(Client& c, const std::string& why) {
    ++stats_.errors;
    char prefix[80];
    std::snprintf(prefix, sizeof prefix, "client %d (%s, round trip %d): ", c.index,
                  ending_name(c.ending), c.round + 1);
    note(prefix + why);
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
    c.phase = Phase::kDone;
  }

  void fail_all(std::vector<Client>& active, const std::string& why) {
    for (Client& c : active)
      fail(c, why);
  }

  void finish(Client& c) {
    close(c.fd);
    c.fd = -1;
    c.phase = Phase::kDone;
    ++stats_.connections;
    ++stats_.by_ending[static_cast<int>(c.ending)];
  }

  bool connect_client(Client& c) {
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      fail(c, std::string("socket: ") + std::strerror(errno));
      return false;
    }
    if (o_.receive_buffer > 0)
      setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &o_.receive_buffer, sizeof o_.receive_buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, whatever the options say
    addr.sin_port = htons(static_cast<std::uint16_t>(o_.port));
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 &&
        errno != EINPROGRESS) {
      fail(c, std::string("connect: ") + std::strerror(errno));
      return false;
    }
    return true;
  }

  // A lazy reader whose send stalled for a while reads after all: the server may have stopped
  // reading because its own writes to us are stuck, and neither side would move again.
  static bool stalled_long(const Client& c) {
    return c.stalled_since != Clock::time_point{} &&
           Clock::now() - c.stalled_since >= kLazyPatience;
  }

  short events_of(const Client& c) const {
    switch (c.phase) {
      case Phase::kConnecting:
        return POLLOUT;
      case Phase::kEchoing:
        if (c.sent == c.message.size()) return POLLIN;
        return static_cast<short>(POLLOUT | (!o_.lazy_reader || stalled_long(c) ? POLLIN : 0));
      case Phase::kDraining:
      case Phase::kDone:
        return POLLIN;
    }
    return POLLIN;
  }

  void begin_round(Client& c) {
    c.sent = c.received = 0;
    c.stalled_since = {};
    c.message.resize(o_.bytes);
    for (std::size_t i = 0; i < o_.bytes; ++i)
      c.message[i] = pattern(c.index, c.round, i);
  }

  // After the last round trip: the client's ending.
  void end(Client& c) {
    switch (c.ending) {
      case Ending::kClose:
        finish(c);
        return;
      case Ending::kReset: {
        linger reset{1, 0};  // close() then sends RST and drops what is unsent
        if (setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) < 0)
          return fail(c, std::string("SO_LINGER: ") + std::strerror(errno));
        finish(c);
        return;
      }
      case Ending::kHalfClose:
        if (shutdown(c.fd, SHUT_WR) < 0)
          return fail(c, std::string("shutdown: ") + std::strerror(errno));
        c.phase = Phase::kDraining;
        return;
    }
  }

  void step(Client& c, short revents) {
    if (c.phase == Phase::kConnecting) {
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error) return fail(c, std::string("connect: ") + std::strerror(error));
      if (!(revents & POLLOUT)) return;
      c.phase = Phase::kEchoing;
      if (o_.round_trips == 0) return end(c);
      begin_round(c);
    }
    if (c.phase == Phase::kEchoing && c.sent < c.message.size() &&
        (revents & (POLLOUT | POLLERR))) {
      const ssize_t n =
          send(c.fd, c.message.data() + c.sent, c.message.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return fail(c, std::string("send: ") + std::strerror(errno));
      const std::size_t wanted = c.message.size() - c.sent;
      if (n > 0) c.sent += static_cast<std::size_t>(n);
      const bool stalled = n < 0 || static_cast<std::size_t>(n) < wanted;
      if (!stalled) c.stalled_since = {};
      if (stalled && c.stalled_since == Clock::time_point{}) c.stalled_since = Clock::now();
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
    std::uint8_t buffer[65536];
    while (c.phase == Phase::kEchoing || c.phase == Phase::kDraining) {
      const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        return fail(c, std::string("recv: ") + std::strerror(errno));
      }
      if (c.phase == Phase::kDraining) {
        if (n > 0) return fail(c, "bytes came after the last echo");
        return finish(c);  // EOF: the server closed its side after ours
      }
      if (n == 0) {
        char text[120];
        std::snprintf(text, sizeof text, "the server closed the connection after %zu of %zu bytes",
                      c.received, c.message.size());
        return fail(c, text);
      }
      const auto got = static_cast<std::size_t>(n);
      if (c.received + got > c.sent) return fail(c, "more bytes came back than were sent");
      const auto [wrong, expected] =
          std::mismatch(buffer, buffer + got, c.message.begin() + static_cast<long>(c.received));
      if (wrong != buffer + got) {
        char text[120];
        std::snprintf(text, sizeof text, "echoed byte %zu is 0x%02x, sent 0x%02x",
                      c.received + static_cast<std::size_t>(wrong - buffer), *wrong, *expected);
        return fail(c, text);
      }
      c.received += got;
      stats_.bytes += n;
      if (c.received < c.message.size()) continue;
      ++stats_.round_trips;
      if (++c.round == o_.round_trips) return end(c);
      begin_round(c);
      return;  // the next round trip starts with a send, when poll says there is room
    }
  }

  const LoadOptions& o_;
  LoadStats stats_;
};

}  // namespace

const char* ending_name(Ending e) {
  switch (e) {
    case Ending::kClose:
      return "close";
    case Ending::kHalfClose:
      return "half-close";
    case Ending::kReset:
      return "reset";
  }
  return "?";
}

LoadStats run_load(const LoadOptions& options) {
  return Run(options).go();
}

std::string describe(const LoadStats& s) {
  char text[320];
  std::snprintf(text, sizeof text,
                "connections %ld (close %ld, half-close %ld, reset %ld), round trips %ld, bytes "
                "%ld, errors %ld%s, %.3f s, %.1f req/s",
                s.connections, s.by_ending[0], s.by_ending[1], s.by_ending[2], s.round_trips,
                s.bytes, s.errors, s.timed_out ? " (deadline passed)" : "", s.elapsed_s,
                s.requests_per_s);
  return text;
}

}  // namespace epollscope::examples
