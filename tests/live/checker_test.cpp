// The checker runs a scenario on the model and on the kernel and reports every disagreement and
// every expectation that does not hold. A model of an older kernel (5.10) run against this kernel
// must diverge exactly where the pipe rule changed.
#include <gtest/gtest.h>

#include <variant>

#include "live/calibrate.h"
#include "live/checker.h"
#include "sim/script/parser.h"

namespace epollscope::live {
namespace {

sim::script::Scenario parse(const std::string& text) {
  auto r = sim::script::parse_scenario(text, "inline.scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&r)) ADD_FAILURE() << e->format();
  return std::get<sim::script::Scenario>(r);
}

const char* kEtPipe = R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)                 => 2048
epoll_wait(ep, 8, 0)           => [r: EPOLLIN]
read(r, 1024)                  => 1024
epoll_wait(ep, 8, 0)           => []
write(w, 10)                   => 10
epoll_wait(ep, 8, 0)           => [r: EPOLLIN]
)";

TEST(Checker, ModelAndKernelAgreeOnThePipeExample) {
  sim::script::Scenario sc = parse(kEtPipe);
  ScenarioReport r = check_scenario(sc, CheckOptions{});
  EXPECT_TRUE(r.ok()) << r.error << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_EQ(r.calls, 9);
  EXPECT_EQ(r.divergences, 0);
  EXPECT_EQ(r.failed_expectations, 0);
}

TEST(Checker, AWrongExpectationFailsOnBothSides) {
  sim::script::Scenario sc = parse("pipe2(r, w, O_NONBLOCK)\nread(r, 10) => 0\n");
  ScenarioReport r = check_scenario(sc, CheckOptions{});
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
  CheckOptions options;
  options.profile = sim::KernelProfile::by_name("5.10");
  ScenarioReport r = check_scenario(sc, options);
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
  ScenarioReport r = check_scenario(sc, CheckOptions{});
  EXPECT_TRUE(r.ok()) << (r.messages.empty() ? r.error : r.messages[0]);
}

TEST(Calibration, ThisKernelFollowsTheDefaultProfile) {
  Calibration c = calibrate();
  EXPECT_TRUE(c.error.empty()) << c.error;
  ASSERT_NE(c.profile, nullptr);
  EXPECT_EQ(c.profile->name, "6.18") << "this machine's kernel is expected to be 6.17 or later";
  EXPECT_TRUE(c.exact);
  EXPECT_EQ(c.findings.size(), 3u);
}

}  // namespace
}  // namespace epollscope::live
