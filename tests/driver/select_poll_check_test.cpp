// SPDX-License-Identifier: GPL-2.0-only
// poll and select through the driver, on the model and on this machine's kernel (the live child):
// the library's 16-*.scn scenarios (one workload under select, poll, epoll LT and ET; select beyond
// FD_SETSIZE; poll of an epoll fd; POLLNVAL and the errnos; 1,000 sockets under poll, 100 all
// active under poll and epoll — the 1,000 under epoll take seconds and are left to
// scenarios.check_library) agree call by call with every expectation holding, `all r` passes the
// same fds on both sides, and a wrong expectation of a poll or select fails on both sides.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

#include "driver/driver.h"
#include "driver/scenario_files.h"
#include "live/live_backend.h"
#include "sim/script/parser.h"

namespace epollscope::driver {
namespace {

RunOptions on_this_kernel() {
  RunOptions o;
  o.profile = sim::KernelProfile::by_name("6.18");
  o.kernel = [] { return std::make_unique<live::LiveBackend>(); };
  return o;
}

sim::script::Scenario load(const std::string& name) {
  auto loaded = load_scenario(std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + name);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    ADD_FAILURE() << e->format();
    return {};
  }
  return std::get<sim::script::Scenario>(loaded);
}

class LibraryScenario : public ::testing::TestWithParam<const char*> {};

TEST_P(LibraryScenario, AgreesWithTheKernel) {
  sim::script::Scenario sc = load(GetParam());
  ASSERT_FALSE(sc.statements.empty());
  CheckReport r = check_scenario(sc, on_this_kernel());
  EXPECT_TRUE(r.ok()) << r.error << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_GT(r.calls, 5);
  EXPECT_EQ(r.divergences, 0) << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_EQ(r.failed_expectations, 0) << (r.messages.empty() ? "" : r.messages[0]);
}

INSTANTIATE_TEST_SUITE_P(
    SelectPoll, LibraryScenario,
    ::testing::Values("16-same-workload-select.scn", "16-same-workload-poll.scn",
                      "16-same-workload-epoll-lt.scn", "16-same-workload-epoll-et.scn",
                      "16-select-beyond-fd-setsize.scn", "16-poll-an-epoll-fd.scn",
                      "16-pollnval-and-errors.scn", "16-poll-vs-epoll-1000-poll.scn",
                      "16-all-active-poll.scn", "16-all-active-epoll.scn"));

sim::script::Scenario parse(const std::string& text) {
  auto r = sim::script::parse_scenario(text, "inline.scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&r)) {
    ADD_FAILURE() << e->format();
    return {};
  }
  return std::get<sim::script::Scenario>(r);
}

// `all a` passes every fd a was bound to, in order of binding, on the model and on the kernel
// alike: the three read ends 3, 5, 7 (each written), and not the pair whose socketpair failed
// (EMFILE: RLIMIT_NOFILE 9 leaves fds 0 to 8); a closed one gives POLLNVAL. The expectations name
// the fds by number, so the order is checked too.
TEST(SelectPollCheck, AllPassesEveryBindingOnBothSides) {
  CheckReport r =
      check_scenario(parse("setrlimit_nofile(9) => 0\n"
                           "repeat 4\n"
                           "socketpair(a, b)\n"
                           "write(b, 1)\n"
                           "end\n"
                           "poll([all a: POLLIN], 0) => [3: POLLIN, 5: POLLIN, 7: POLLIN]\n"
                           "select(9, [all a], [all b], [], 0) => 6\n"
                           "close(5) => 0\n"
                           "poll([all a: POLLIN, b: POLLOUT], 0) => "
                           "[3: POLLIN, 5: POLLNVAL, 7: POLLIN, 8: POLLOUT]\n"
                           "select(9, [all a], [], [], 0) => -1 EBADF\n"),
                     on_this_kernel());
  EXPECT_TRUE(r.ok()) << r.error << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_EQ(r.divergences, 0) << (r.messages.empty() ? "" : r.messages[0]);
  EXPECT_EQ(r.failed_expectations, 0) << (r.messages.empty() ? "" : r.messages[0]);
}

TEST(SelectPollCheck, AWrongExpectationFailsOnBothSides) {
  // Asked POLLIN, a pipe with data says POLLIN alone: expecting POLLRDNORM too fails on the model
  // and on the kernel, which agree with each other.
  CheckReport r = check_scenario(parse("pipe2(r, w, O_NONBLOCK)\n"
                                       "write(w, 1) => 1\n"
                                       "poll([r: POLLIN], 0) => [r: POLLIN|POLLRDNORM]\n"
                                       "select(8, [r], [r], [], 0) => [r: readfds|writefds]\n"),
                                 on_this_kernel());
  EXPECT_EQ(r.divergences, 0);
  EXPECT_EQ(r.failed_expectations, 4);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_NE(r.messages[0].find("expected [r: POLLIN|POLLRDNORM], model gave 1 [3: POLLIN]"),
            std::string::npos)
      << r.messages[0];
  EXPECT_NE(r.messages[2].find("model gave 1 [3: readfds]"), std::string::npos) << r.messages[2];
}

}  // namespace
}  // namespace epollscope::driver
