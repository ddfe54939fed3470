// SPDX-License-Identifier: GPL-2.0-only
// The user's side of epoll_wait (gui/app/events_array.h): the events[] array the latest harvest
// filled, up to the position, with the script's names beside the kernel's, the untouched slots up
// to maxevents, and what it is before any epoll_wait, after an error and while a thread sleeps.
#include <gtest/gtest.h>

#include <string>

#include "gui/app/answers.h"
#include "gui/app/events_array.h"
#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {
namespace {

std::unique_ptr<Session> open(const std::string& name) {
  auto s = Session::from_file(EPOLLSCOPE_SOURCE_DIR "/scenarios/" + name, {});
  EXPECT_TRUE(s->ok()) << s->error();
  return s;
}

// The index of the statement on `line`.
std::size_t statement_on(const Session& s, int line) {
  const auto& sts = s.scenario().statements;
  for (std::size_t i = 0; i < sts.size(); ++i)
    if (sts[i].loc.line == line) return i;
  ADD_FAILURE() << "no statement on line " << line;
  return 0;
}

int line_of(const Session& s, const std::string& source_start) {
  for (const auto& st : s.scenario().statements)
    if (st.source.rfind(source_start, 0) == 0) return st.loc.line;
  ADD_FAILURE() << source_start;
  return 0;
}

TEST(EventsArray, BeforeAnyEpollWaitThereIsNone) {
  auto s = open("01-pipe-2k-1k-et.scn");
  const std::size_t first_wait = statement_on(*s, line_of(*s, "epoll_wait(epfd, 8, 0)"));
  const EventsArray a = events_array(*s, first_wait);  // every statement before it answered
  EXPECT_EQ(a.state, EventsArray::State::kNoneYet);
  EXPECT_TRUE(a.entries.empty());
}

TEST(EventsArray, TheFirstHarvestFillsOneEntryNamedBothWays) {
  auto s = open("01-pipe-2k-1k-et.scn");
  const std::size_t first_wait = statement_on(*s, line_of(*s, "epoll_wait(epfd, 8, 0)"));
  const EventsArray a = events_array(*s, first_wait + 1);
  ASSERT_EQ(a.state, EventsArray::State::kFilled);
  EXPECT_EQ(a.statement, first_wait);
  EXPECT_EQ(a.maxevents, 8);
  // The call as the program makes it: the scenario's `=> [rfd: EPOLLIN]` is not part of it (in
  // compare mode the twin keeps the original's text, whose expectation is not its own).
  EXPECT_EQ(a.call, "epoll_wait(epfd, 8, 0)");
  ASSERT_EQ(a.entries.size(), 1u);
  const EventsArray::Entry& e = a.entries[0];
  EXPECT_EQ(e.script_name, "rfd");
  EXPECT_EQ(e.mask, "EPOLLIN");
  // data is rfd's number (the first fd after stdin, stdout, stderr and the epoll: 4)
  EXPECT_EQ(e.data, 4u);
  EXPECT_NE(e.kernel_name.find("pipe"), std::string::npos) << e.kernel_name;
  EXPECT_NE(e.kernel_name.find("read"), std::string::npos) << e.kernel_name;
  EXPECT_NE(e.kernel_name.find("fd 4"), std::string::npos) << e.kernel_name;
}

TEST(EventsArray, ALaterEmptyHarvestReplacesIt) {
  auto s = open("01-pipe-2k-1k-et.scn");
  const int first = line_of(*s, "epoll_wait(epfd, 8, 0)");
  // The second epoll_wait: the first one after the `read(rfd, 1024)`.
  const std::size_t read = statement_on(*s, line_of(*s, "read(rfd, 1024)"));
  const EventsArray after_read = events_array(*s, read + 1);
  EXPECT_EQ(after_read.line, first) << "still the first harvest's array";
  const EventsArray a = events_array(*s, read + 2);
  ASSERT_EQ(a.state, EventsArray::State::kFilled);
  EXPECT_GT(a.line, first);
  EXPECT_TRUE(a.entries.empty());
  EXPECT_EQ(a.result, "0 []");
}

TEST(EventsArray, TheEchoServerNamesEachSocket) {
  auto s = open("07-et-echo-server.scn");
  const std::size_t wait = statement_on(
      *s,
      line_of(*s,
              "epoll_wait(ep, 16, 0)                                                    => [s1"));
  const EventsArray a = events_array(*s, wait + 1);
  ASSERT_EQ(a.state, EventsArray::State::kFilled);
  EXPECT_EQ(a.maxevents, 16);
  ASSERT_EQ(a.entries.size(), 2u);
  EXPECT_EQ(a.entries[0].script_name, "s1");
  EXPECT_EQ(a.entries[1].script_name, "s3");
  EXPECT_NE(a.entries[0].kernel_name, a.entries[1].kernel_name);
  EXPECT_FALSE(a.entries[0].kernel_name.empty());
}

TEST(EventsArray, AnErrnoLeavesTheArrayUntouched) {
  auto s = Session::from_text(
      "epfd = epoll_create1(0)\n"
      "epoll_wait(epfd, 0, 0) => -1 EINVAL\n",
      "inline.scn", {});
  ASSERT_TRUE(s->ok()) << s->error();
  const EventsArray a = events_array(*s, 2);
  EXPECT_EQ(a.state, EventsArray::State::kError);
  EXPECT_EQ(a.result, "-1 EINVAL");
  EXPECT_TRUE(a.entries.empty());
}

TEST(EventsArray, ASleepingThreadsArrayIsFilledWhenItWakes) {
  auto s = Session::from_text(
      "ep = epoll_create1(0)\n"
      "pipe(r, w)\n"
      "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)\n"
      "t1: epoll_wait(ep, 4, -1) => blocks\n"
      "write(w, 1) => 1\n"
      "t1 => [r: EPOLLIN]\n",
      "inline.scn", {});
  ASSERT_TRUE(s->ok()) << s->error();
  const EventsArray sleeping = events_array(*s, 4);
  EXPECT_EQ(sleeping.state, EventsArray::State::kSleeping);
  EXPECT_EQ(sleeping.thread, "t1");
  const EventsArray woken = events_array(*s, 6);
  ASSERT_EQ(woken.state, EventsArray::State::kFilled);
  EXPECT_EQ(woken.thread, "t1");
  EXPECT_EQ(woken.maxevents, 4) << "from the call t1 slept in";
  ASSERT_EQ(woken.entries.size(), 1u);
  EXPECT_EQ(woken.entries[0].script_name, "r");
}

TEST(EventsArray, TheCacheKeepsAnArrayUntilTheNextHarvest) {
  auto s = open("01-pipe-2k-1k-et.scn");
  const std::size_t first = statement_on(*s, line_of(*s, "epoll_wait(epfd, 8, 0)"));
  const std::size_t read = statement_on(*s, line_of(*s, "read(rfd, 1024)"));
  EXPECT_EQ(latest_harvest(*s, first), SIZE_MAX);
  EXPECT_EQ(latest_harvest(*s, read + 1), first);
  EventsArrayCache cache;
  const EventsArray& at_first = cache.get(*s, 1, first + 1);
  EXPECT_EQ(at_first.entries.size(), 1u);
  // The read is not a harvest: the same array, as it was.
  const EventsArray& after_read = cache.get(*s, 1, read + 1);
  EXPECT_EQ(after_read.statement, first);
  EXPECT_EQ(after_read.entries.size(), 1u);
  // The next epoll_wait fills it anew (no entry), and going back brings the first one again.
  EXPECT_TRUE(cache.get(*s, 1, read + 2).entries.empty());
  EXPECT_EQ(cache.get(*s, 1, first + 1).entries.size(), 1u);
  // Another scenario loaded (a new generation): worked out again, from that scenario.
  auto other = Session::from_text("ep = epoll_create1(0)\n", "inline.scn", {});
  EXPECT_EQ(cache.get(*other, 2, 1).state, EventsArray::State::kNoneYet);
}

TEST(StepOfStatement, AStatementWithoutStepsShowsNoPreviousCall) {
  auto s = Session::from_text(
      "ep = epoll_create1(0)\n"
      "sleep(10)\n"
      "pipe(r, w)\n",
      "inline.scn", {});
  ASSERT_TRUE(s->ok()) << s->error();
  const auto& sts = s->statements();
  ASSERT_EQ(sts.size(), 3u);
  ASSERT_EQ(sts[1].first_step, sts[1].end_step) << "sleep makes no kernel step";
  // At the sleep, the position shows the state after epoll_create1's steps...
  EXPECT_EQ(step_of_statement(*s, 1, false, sts[1].end_step), nullptr);
  // ...while at epoll_create1 itself its last step is the one shown.
  const sim::TraceStep* last = step_of_statement(*s, 0, false, sts[0].end_step);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(std::string(last->function), "syscall");
  EXPECT_EQ(step_of_statement(*s, 0, true, 0), nullptr);
  EXPECT_NE(step_of_statement(*s, 2, false, sts[2].first_step + 1), nullptr);
}

}  // namespace
}  // namespace epollscope::app
