// SPDX-License-Identifier: GPL-2.0-only
// `t2: call(...) during ep_send_events(ep, n)` (docs/scenario-language.md, "Another CPU"): the
// call is made inside the next harvest of ep, after n items. The library's ovflist scenario
// (scenarios/02-ovflist-wakeup-during-harvest.scn) must really take the ovflist path: the wake-up
// parks the item on ovflist while the scan runs, and ep_done_scan splices it back to the head of
// rdllist. Such a scenario runs on the model alone, even when a kernel is given.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "driver/driver.h"
#include "driver/scenario_files.h"
#include "sim/script/parser.h"
#include "tests/driver/et_pipe.h"

namespace epollscope::driver {
namespace {

sim::script::Scenario library_scenario(const std::string& name) {
  auto loaded = load_scenario(std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + name);
  if (auto* e = std::get_if<sim::script::ParseError>(&loaded)) {
    ADD_FAILURE() << e->format();
    return {};
  }
  return std::get<sim::script::Scenario>(std::move(loaded));
}

// The fd numbers of an epoll's ready list in a snapshot.
std::string fds(const sim::Snapshot& s, const std::vector<uint32_t>& items) {
  std::string out;
  for (uint32_t id : items)
    if (const sim::EpItemView* i = s.item(id))
      out += (out.empty() ? "" : " ") + std::to_string(i->fd);
  return out;
}

// Where `needle` first occurs in the text of the steps [from, to), as a step index; `to` if never.
std::size_t find_step(const sim::Recorder& rec, std::size_t from, std::size_t to,
                      const std::string& function, const std::string& needle) {
  for (std::size_t i = from; i < to; ++i)
    if (rec.steps()[i].function == function &&
        rec.steps()[i].text.find(needle) != std::string::npos)
      return i;
  return to;
}

TEST(OvflistScenario, AWakeUpDuringTheHarvestGoesThroughOvflistAndIsSplicedBack) {
  RunOptions options;
  bool kernel_made = false;
  options.kernel = [&kernel_made]() -> std::unique_ptr<Backend> {
    kernel_made = true;
    return nullptr;
  };
  ScenarioRun run(library_scenario("02-ovflist-wakeup-during-harvest.scn"), options);
  EXPECT_FALSE(kernel_made);  // model only: the kernel is not even started
  EXPECT_NE(
      run.note().find("model only: line 27 makes a call on another CPU during ep_send_events"),
      std::string::npos)
      << run.note();
  run.run_all();
  ASSERT_TRUE(run.ok()) << run.error() << " failed: " << run.failed_expectations();
  const sim::Recorder& rec = run.recorder();
  const auto& st = run.statements();
  ASSERT_EQ(st.size(), 19u);
  // ep = 3, ra/wa = 4/5, rb/wb = 6/7.
  const StatementRun& arm = st[6];  // t2: write(wb, 1) during ep_send_events(ep, 1)
  EXPECT_EQ(arm.result.statement->loc.line, 27);
  EXPECT_TRUE(arm.result.backends[0].outcome.blocked);  // t2 waits for the harvest
  EXPECT_EQ(arm.first_step, arm.end_step);              // nothing ran yet
  EXPECT_TRUE(rec.latest().epolls[0]->ovflist.empty());

  const StatementRun& harvest = st[7];  // epoll_wait(ep, 8, 0) => [ra: EPOLLIN]
  ASSERT_EQ(harvest.result.backends[0].completions.size(), 1u);  // t2's write, made inside it
  EXPECT_EQ(harvest.result.backends[0].completions[0].thread, "t2");
  EXPECT_EQ(harvest.result.backends[0].completions[0].outcome.ret, 1);
  const std::size_t b = harvest.first_step, e = harvest.end_step;
  const std::size_t start = find_step(rec, b, e, "ep_start_scan", "ovflist becomes active");
  const std::size_t reported = find_step(rec, b, e, "ep_send_events", "goes back to the tail");
  const std::size_t meanwhile = find_step(rec, b, e, "ep_send_events", "on another CPU");
  const std::size_t pushed = find_step(rec, b, e, "ep_poll_callback", "is pushed on ovflist");
  const std::size_t spliced =
      find_step(rec, b, e, "ep_done_scan", "moves from ovflist to the head of rdllist");
  ASSERT_LT(start, e);
  ASSERT_LT(reported, e);
  ASSERT_LT(meanwhile, e);
  ASSERT_LT(pushed, e);
  ASSERT_LT(spliced, e);
  EXPECT_LT(start, reported);
  EXPECT_LT(reported, meanwhile);
  EXPECT_LT(meanwhile, pushed);
  EXPECT_LT(pushed, spliced);
  EXPECT_NE(rec.steps()[pushed].text.find("fd 6"), std::string::npos) << rec.steps()[pushed].text;
  EXPECT_NE(rec.steps()[spliced].text.find("fd 6"), std::string::npos) << rec.steps()[spliced].text;
  // Between the push and the splice, rb (fd 6) is on ovflist and not on rdllist, where the LT ra
  // (fd 4) went back; after the splice rb is at the head.
  {
    const sim::Snapshot& during = rec.snapshots()[pushed];
    const sim::EventPollView& ep = *during.epolls[0];
    EXPECT_TRUE(ep.scanning);
    EXPECT_EQ(fds(during, ep.ovflist), "6");
    EXPECT_EQ(fds(during, ep.rdllist), "4");
  }
  {
    const sim::Snapshot& after = run.snapshot_after(e);
    const sim::EventPollView& ep = *after.epolls[0];
    EXPECT_FALSE(ep.scanning);
    EXPECT_TRUE(ep.ovflist.empty());
    EXPECT_EQ(fds(after, ep.rdllist), "6 4");
  }
  // The next harvest reports rb before ra; the ET part reports rc twice, then nothing.
  EXPECT_EQ(st[9].result.backends[0].outcome.events.size(), 2u);
  EXPECT_EQ(st[9].result.backends[0].outcome.events[0].data, 6u);
  EXPECT_EQ(find_step(rec, st[15].first_step, st[15].end_step, "ep_poll_callback",
                      "is pushed on ovflist") < st[15].end_step,
            true);
  EXPECT_EQ(st[17].result.backends[0].outcome.events.size(), 1u);
  EXPECT_EQ(st[18].result.backends[0].outcome.ret, 0);
}

TEST(OvflistScenario, TheThreadIsBusyUntilTheHarvestAndAnEpollIsRequired) {
  // Before the harvest the thread cannot make another call.
  ScenarioRun busy(test::parse_inline("ep = epoll_create1(0)\npipe2(r, w, O_NONBLOCK)\n"
                                      "t2: write(w, 1) during ep_send_events(ep)\nt2 => blocks\n"
                                      "t2: write(w, 1)\n"),
                   RunOptions{});
  busy.run_all();
  EXPECT_NE(busy.error().find("thread t2 is still sleeping in write"), std::string::npos)
      << busy.error();
  // A name that is no epoll is a runtime error naming it.
  ScenarioRun not_epoll(
      test::parse_inline("pipe2(r, w, O_NONBLOCK)\nt2: write(w, 1) during ep_send_events(r)\n"),
      RunOptions{});
  not_epoll.run_all();
  EXPECT_NE(not_epoll.error().find("'r' is not an epoll"), std::string::npos) << not_epoll.error();
  // Fewer items than n in a harvest: the call waits for a later one.
  ScenarioRun later(test::parse_inline("ep = epoll_create1(0)\npipe2(r, w, O_NONBLOCK)\n"
                                       "pipe2(r2, w2, O_NONBLOCK)\n"
                                       "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN) => 0\n"
                                       "write(w, 1) => 1\n"
                                       "t2: write(w2, 1) during ep_send_events(ep, 2)\n"
                                       "epoll_wait(ep, 8, 0) => [r: EPOLLIN]\nt2 => blocks\n"
                                       "epoll_wait(ep, 8, 0) => [r: EPOLLIN]\nt2 => 1\n"),
                    RunOptions{});
  later.run_all();
  EXPECT_TRUE(later.ok()) << later.error() << " failed: " << later.failed_expectations();
}

}  // namespace
}  // namespace epollscope::driver
