// SPDX-License-Identifier: GPL-2.0-only
// The live backend performs real syscalls in a child whose fd table holds only 0, 1 and 2, reports
// calls that sleep as blocked, their later completions, and the kernel's fdinfo. It survives its
// child dying at any moment and says how it died, bounds every wait, lets no count decide what the
// child allocates, and finds the child only beside the program.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "driver/driver.h"
#include "live/live_backend.h"
#include "sim/uapi.h"

namespace epollscope::live {
namespace {

using driver::Outcome;
using driver::ResolvedCall;

// The call of that name with these arguments (every argument of its spec given).
ResolvedCall call(const std::string& thread, const std::string& name, std::vector<int64_t> values,
                  std::vector<bool> nulls = {}) {
  const sim::script::CallSpec* spec = sim::script::find_call(name);
  EXPECT_NE(spec, nullptr) << name;
  EXPECT_EQ(values.size(), spec->args.size()) << name;
  ResolvedCall c;
  c.thread = thread;
  c.call = spec->id;
  c.values = std::move(values);
  c.is_null = nulls.empty() ? std::vector<bool>(c.values.size(), false) : std::move(nulls);
  return c;
}

// What a scenario sees the call return (the runner applies the same rules).
Outcome perform(LiveBackend& k, const ResolvedCall& c) {
  return driver::normalise(c.call, k.perform(c));
}

TEST(LiveBackend, FdsAreNumberedFromThreeAndFdinfoShowsTheStoredMask) {
  LiveBackend k;
  std::string error;
  ASSERT_TRUE(k.start(&error)) << error;
  Outcome ep = perform(k, call("main", "epoll_create1", {0}));
  EXPECT_EQ(ep.ret, 3);  // the child's only open fds are 0, 1 and 2
  Outcome p = perform(k, call("main", "pipe2", {0, 0, sim::kO_NONBLOCK}));
  EXPECT_EQ(p.ret, 0);
  EXPECT_EQ(p.new_fds, (std::vector<int>{4, 5}));
  Outcome add =
      perform(k, call("main", "epoll_ctl", {3, sim::kEPOLL_CTL_ADD, 4, sim::kEPOLLIN, 77}));
  EXPECT_EQ(add.ret, 0);
  auto info = k.fdinfo(3);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].tfd, 4);
  EXPECT_EQ(info[0].events,
            sim::kEPOLLIN | sim::kEPOLLERR | sim::kEPOLLHUP);  // ERR|HUP added by ADD
  EXPECT_EQ(info[0].data, 77u);
  Outcome again =
      perform(k, call("main", "epoll_ctl", {3, sim::kEPOLL_CTL_ADD, 4, sim::kEPOLLIN, 77}));
  EXPECT_EQ(again.ret, -1);
  EXPECT_EQ(again.err, sim::kEEXIST);
  k.stop();
}

TEST(LiveBackend, ASleepingCallIsReportedBlockedThenItsCompletion) {
  LiveBackend k;
  std::string error;
  ASSERT_TRUE(k.start(&error)) << error;
  perform(k, call("main", "epoll_create1", {0}));
  perform(k, call("main", "eventfd", {0, sim::kEFD_NONBLOCK}));
  perform(k,
          call("main", "epoll_ctl", {3, sim::kEPOLL_CTL_ADD, 4, sim::kEPOLLIN | sim::kEPOLLET, 4}));
  Outcome w = perform(k, call("t1", "epoll_wait", {3, 0, 4, -1}));
  EXPECT_TRUE(w.blocked);
  EXPECT_TRUE(k.take_completions().empty());
  Outcome wr = perform(k, call("main", "eventfd_write", {4, 1}));
  EXPECT_EQ(wr.ret, 0);
  auto done = k.take_completions();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].thread, "t1");
  EXPECT_EQ(done[0].result.ret, 1);
  ASSERT_EQ(done[0].result.events.size(), 1u);
  EXPECT_EQ(done[0].result.events[0].events, sim::kEPOLLIN);
  EXPECT_EQ(done[0].result.events[0].data, 4u);
  k.stop();
}

TEST(LiveBackend, AMissingChildIsAClearError) {
  LiveOptions options;
  options.child_path = "/nonexistent/epollscope-live-child";
  LiveBackend k(options);
  std::string error;
  EXPECT_FALSE(k.start(&error));
  EXPECT_NE(error.find("cannot start the live child"), std::string::npos) << error;
}

// What a LiveBackendError thrown by `f` says ("" if none was thrown).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const LiveBackendError& e) {
    return e.what();
  }
  return "";
}

TEST(LiveBackend, AChildKilledBetweenCallsIsAnErrorNotTheEndOfThisProcess) {
  LiveBackend k;
  std::string error;
  ASSERT_TRUE(k.start(&error)) << error;
  EXPECT_EQ(perform(k, call("main", "epoll_create1", {0})).ret, 3);
  ASSERT_EQ(kill(k.pid(), SIGKILL), 0);
  usleep(100000);  // dead, not yet waited for: the next request finds no reader (no SIGPIPE)
  const std::string why = error_of([&] { perform(k, call("main", "eventfd", {0, 0})); });
  EXPECT_NE(why.find("the live child was killed by signal 9 (SIGKILL)"), std::string::npos) << why;
  EXPECT_EQ(k.pid(), -1);
  // A fresh child, a fresh fd table.
  ASSERT_TRUE(k.start(&error)) << error;
  EXPECT_EQ(perform(k, call("main", "epoll_create1", {0})).ret, 3);
}

TEST(LiveBackend, AChildKilledMidCallIsReportedKilledBySignalEveryTime) {
  // With many threads the child's socket closes a while before it can be waited for: the reason
  // must still be the signal, never "exited".
  for (int round = 0; round < 3; ++round) {
    LiveBackend k;
    std::string error;
    ASSERT_TRUE(k.start(&error)) << error;
    perform(k, call("main", "epoll_create1", {0}));
    for (int t = 0; t < 200; ++t)
      ASSERT_TRUE(perform(k, call("t" + std::to_string(t), "epoll_wait", {3, 0, 1, -1})).blocked);
    const pid_t pid = k.pid();
    std::thread killer([pid] {
      usleep(200000);
      kill(pid, SIGKILL);
    });
    // Calls until the kill ends the child (a sleep takes no real time: the clock is virtual).
    const std::string why = error_of([&] {
      for (;;)
        perform(k, call("main", "epoll_wait", {3, 0, 1, 0}));
    });
    killer.join();
    EXPECT_NE(why.find("the live child was killed by signal 9 (SIGKILL)"), std::string::npos)
        << why;
  }
}

long child_rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

TEST(LiveBackend, HugeCountsCostTheChildNoMemory) {
  LiveBackend k;
  std::string error;
  ASSERT_TRUE(k.start(&error)) << error;
  ASSERT_EQ(perform(k, call("main", "pipe2", {0, 0, sim::kO_NONBLOCK})).ret, 0);  // 3, 4
  for (const char* thread : {"main", "t1", "t2"}) {
    EXPECT_EQ(perform(k, call(thread, "write", {4, 4000000000})).ret, 65536);
    EXPECT_EQ(perform(k, call(thread, "read", {3, 4000000000})).ret, 65536);
    EXPECT_EQ(perform(k, call(thread, "write", {1, 4000000000})).ret, 2147479552);
    Outcome w = perform(k, call(thread, "write", {4, -1}));
    EXPECT_EQ(w.ret, -1);
    EXPECT_EQ(w.err, sim::kEFAULT);
    Outcome r = perform(k, call(thread, "read", {3, -1}));
    EXPECT_EQ(r.ret, -1);
    EXPECT_EQ(r.err, sim::kEFAULT);
    EXPECT_EQ(perform(k, call(thread, "write", {4, 1000000000000})).ret, 65536);
    EXPECT_EQ(perform(k, call(thread, "read", {3, 1000000000000})).ret, 65536);
  }
  ASSERT_EQ(perform(k, call("main", "epoll_create1", {0})).ret, 5);
  ASSERT_EQ(
      perform(k, call("main", "epoll_ctl", {5, sim::kEPOLL_CTL_ADD, 4, sim::kEPOLLOUT, 4})).ret, 0);
  Outcome ev = perform(k, call("main", "epoll_wait", {5, 0, sim::kEP_MAX_EVENTS, 0}));
  EXPECT_EQ(ev.ret, 1);
  const long rss = child_rss_kb(k.pid());
  EXPECT_GT(rss, 0);
  EXPECT_LT(rss, 64 * 1024) << "the child's RSS is " << rss << " kB";
}

TEST(LiveBackend, AWaitLongerThanTheBoundIsRefusedAtOnce) {
  LiveBackend k;
  std::string error;
  ASSERT_TRUE(k.start(&error)) << error;
  perform(k, call("main", "epoll_create1", {0}));
  const auto t0 = std::chrono::steady_clock::now();
  std::string why = error_of([&] { perform(k, call("main", "sleep", {2000000000})); });
  EXPECT_NE(why.find("sleep would wait 2000000000 ms; on the real kernel a call may wait at most "
                     "10000 ms"),
            std::string::npos)
      << why;
  why = error_of([&] { perform(k, call("main", "epoll_wait", {3, 0, 8, 2000000000})); });
  EXPECT_NE(why.find("at most 10000 ms"), std::string::npos) << why;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  // A thread other than main does not make the scenario wait: it is seen asleep at once.
  EXPECT_TRUE(perform(k, call("t1", "epoll_wait", {3, 0, 8, 2000000000})).blocked);
  // Time that cannot pass: none passes.
  EXPECT_EQ(perform(k, call("main", "sleep", {-20000})).ret, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(LiveBackend, TheChildIsFoundBesideTheProgramOrWhereTheEnvironmentSays) {
  const char* saved = std::getenv("EPOLLSCOPE_LIVE_CHILD");
  const std::string kept = saved ? saved : "";
  unsetenv("EPOLLSCOPE_LIVE_CHILD");
  std::string error;
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  std::string dir = self;
  dir = dir.substr(0, dir.rfind('/'));
  EXPECT_EQ(find_live_child(&error), dir + "/epollscope-live-child") << error;
  setenv("EPOLLSCOPE_LIVE_CHILD", "/nonexistent/child", 1);
  EXPECT_EQ(find_live_child(&error), "");
  EXPECT_NE(error.find("/nonexistent/child (from $EPOLLSCOPE_LIVE_CHILD) is not an executable"),
            std::string::npos)
      << error;
  if (saved)
    setenv("EPOLLSCOPE_LIVE_CHILD", kept.c_str(), 1);
  else
    unsetenv("EPOLLSCOPE_LIVE_CHILD");
}

TEST(LiveBackend, ParsesFdinfoLines) {
  auto entries = parse_fdinfo(
      "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n"
      "tfd:        4 events:       19 data:                3  pos:0 ino:b464 sdev:f\n"
      "tfd:       16 events: 9000001d data:       ffffffffff  pos:0 ino:b465 sdev:f\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].tfd, 4);
  EXPECT_EQ(entries[0].events, 0x19u);
  EXPECT_EQ(entries[0].data, 3u);
  EXPECT_EQ(entries[1].events, 0x9000001du);
  EXPECT_EQ(entries[1].data, 0xffffffffffull);
}

}  // namespace
}  // namespace epollscope::live
