// SPDX-License-Identifier: GPL-2.0-only
// Checking a scenario runs it on the model and on this machine's kernel (the live child) and
// reports every disagreement and every expectation that does not hold. A model of an older kernel
// (5.10) run against this kernel must diverge exactly where the pipe rule changed. A scenario that
// would make the checker wait longer than the bound is refused naming its line; a live child that
// dies ends only its own scenario.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <variant>

#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "driver/driver.h"
#include "live/calibrate.h"
#include "live/live_backend.h"
#include "sim/script/parser.h"
#include "tests/driver/et_pipe.h"
#include "tests/live/processes.h"

namespace epollscope::live {
namespace {

using driver::check_scenario;
using driver::CheckReport;

driver::RunOptions on_this_kernel(const char* profile = "6.18") {
  driver::RunOptions o;
  o.profile = sim::KernelProfile::by_name(profile);
  o.kernel = [] { return std::make_unique<LiveBackend>(); };
  return o;
}

using test::kEtPipe;
const auto parse = test::parse_inline;

TEST(Checker, ModelAndKernelAgreeOnThePipeExample) {
  sim::script::Scenario sc = parse(kEtPipe);
  CheckReport r = check_scenario(sc, on_this_kernel());
  EXPECT_TRUE(r.ok()) << r.error << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_EQ(r.calls, 9);
  EXPECT_EQ(r.divergences, 0);
  EXPECT_EQ(r.failed_expectations, 0);
}

TEST(Checker, AWrongExpectationFailsOnBothSides) {
  sim::script::Scenario sc = parse("pipe2(r, w, O_NONBLOCK)\nread(r, 10) => 0\n");
  CheckReport r = check_scenario(sc, on_this_kernel());
  EXPECT_EQ(r.divergences, 0);
  EXPECT_EQ(r.failed_expectations, 2);  // the model and the kernel both say -1 EAGAIN
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[0].find("inline.scn:2: read(r, 10) => 0"), std::string::npos)
      << r.messages[0];
  EXPECT_NE(r.messages[0].find("expected 0, model gave -1 EAGAIN"), std::string::npos)
      << r.messages[0];
}

TEST(Checker, AModelOfAnOlderKernelDivergesWhereThePipeRuleChanged) {
  // Under 5.5-5.13 a write into a non-empty pipe does not wake the reader: the model of 5.10 says
  // [] at the last epoll_wait, this kernel says [r: EPOLLIN].
  sim::script::Scenario sc = parse(kEtPipe);
  CheckReport r = check_scenario(sc, on_this_kernel("5.10"));
  EXPECT_EQ(r.divergences, 1);
  EXPECT_EQ(r.failed_expectations, 1);  // the model fails the last expectation
  bool found = false;
  for (const auto& m : r.messages)
    found |= m.find("inline.scn:9: epoll_wait(ep, 8, 0)") != std::string::npos &&
             m.find("divergence: model 0 []; kernel 1 [4: EPOLLIN]") != std::string::npos;
  EXPECT_TRUE(found) << (r.messages.empty() ? std::string("no messages") : r.messages[0]);
}

TEST(Checker, TheKernelTreeOrderIsTaughtToTheModel) {
  // Files registered in an order unrelated to their creation: fdinfo is compared in rbtree order
  // after every epoll_ctl, so a model that built its tree in another key order would diverge.
  sim::script::Scenario sc = parse(R"(ep = epoll_create1(0)
pipe2(a, b, O_NONBLOCK)
pipe2(c, d, O_NONBLOCK)
efd = eventfd(0, EFD_NONBLOCK)
socketpair(s1, s2)
epoll_ctl(ep, EPOLL_CTL_ADD, s2, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, c, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, d, EPOLLOUT)
epoll_ctl(ep, EPOLL_CTL_DEL, c, 0)
epoll_ctl(ep, EPOLL_CTL_ADD, s1, EPOLLIN)
)");
  CheckReport r = check_scenario(sc, on_this_kernel());
  EXPECT_TRUE(r.ok()) << (r.messages.empty() ? r.error : r.messages[0]);
}

TEST(Checker, AScenarioThatWouldWaitTooLongIsRefusedNamingItsLine) {
  CheckReport r = check_scenario(parse("ep = epoll_create1(0)\nsleep(20000)\n"), on_this_kernel());
  EXPECT_EQ(r.calls, 0);  // refused before any call
  EXPECT_EQ(r.error,
            "inline.scn:2:7: sleep(20000) waits 20000 ms; on the real kernel a call may wait at "
            "most 10000 ms (the model alone runs any wait)");
  r = check_scenario(parse("ep = epoll_create1(0)\nt1: epoll_wait(ep, 8, 2000000000) => blocks\n"
                           "epoll_wait(ep, 8, 2000000000)\n"),
                     on_this_kernel());
  EXPECT_EQ(r.calls, 0);
  EXPECT_NE(r.error.find("inline.scn:3:19: epoll_wait(ep, 8, 2000000000) waits 2000000000 ms"),
            std::string::npos)
      << r.error;
  // Time that cannot pass does not pass; the model's time is virtual, so it runs any wait.
  r = check_scenario(parse("sleep(-20000)\nsleep(100)\n"), on_this_kernel());
  EXPECT_TRUE(r.ok()) << r.error;
  driver::RunOptions model_only;
  r = check_scenario(parse("ep = epoll_create1(0)\nsleep(20000)\nepoll_wait(ep, 8, 2000000000) => "
                           "[]\n"),
                     model_only);
  EXPECT_TRUE(r.ok()) << r.error;
}

using test::child_processes;

TEST(Checker, ALiveChildKilledMidScenarioEndsOnlyThatScenario) {
  std::thread killer([] {
    // Kills the child of the first scenario while it runs its loop (time is virtual on the
    // kernel's side too: a sleep would take no time).
    for (int i = 0; i < 10000 && child_processes().empty(); ++i)
      usleep(1000);
    usleep(100000);
    for (pid_t pid : child_processes())
      kill(pid, SIGKILL);
  });
  CheckReport r = check_scenario(
      parse("ep = epoll_create1(0)\nrepeat 50000\nepoll_wait(ep, 8, 0)\nend\n"), on_this_kernel());
  killer.join();
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("inline.scn:3: epoll_wait(ep, 8, 0)\n    the real kernel could not be "
                         "asked: the live child was killed by signal 9 (SIGKILL)"),
            std::string::npos)
      << r.error;
  EXPECT_EQ(child_processes().size(), 0u);
  r = check_scenario(parse(kEtPipe), on_this_kernel());
  EXPECT_TRUE(r.ok()) << r.error;
}

// The profile the probes find agrees with the kernel's version, whatever kernel runs the tests:
// 6.17 and later behave as 6.18, 5.15 to 6.13 as 6.13, 5.5 to 5.14 as 5.10 (sim/profile.h names
// the commits); 6.14 to 6.16 match no profile exactly.
TEST(Calibration, FindsTheProfileOfThisKernelsVersion) {
  utsname u{};
  ASSERT_EQ(uname(&u), 0);
  int major = 0, minor = 0;
  ASSERT_EQ(std::sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  const int v = major * 100 + minor;
  const char* expected = v >= 617   ? "6.18"
                         : v >= 614 ? nullptr
                         : v >= 515 ? "6.13"
                         : v >= 505 ? "5.10"
                                    : nullptr;
  Calibration c = calibrate();
  EXPECT_TRUE(c.error.empty()) << c.error;
  ASSERT_NE(c.profile, nullptr);
  // Three version probes, then two facts of this machine the model is handed: the errno of
  // pipe2(O_NOTIFICATION_PIPE) and whether a pipe may grow above fs.pipe-max-size.
  EXPECT_EQ(c.findings.size(), 5u);
  int p[2];
  const int notification_errno = pipe2(p, O_EXCL) == 0 ? 0 : errno;
  if (notification_errno == 0) {
    close(p[0]);
    close(p[1]);
  }
  EXPECT_EQ(c.profile->notification_pipe_errno, notification_errno);
  if (!expected) {
    EXPECT_FALSE(c.exact) << "Linux " << u.release << " matches no profile exactly";
    return;
  }
  EXPECT_EQ(c.profile->name, expected) << "Linux " << u.release;
  EXPECT_TRUE(c.exact);
}

}  // namespace
}  // namespace epollscope::live
