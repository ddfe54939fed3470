// SPDX-License-Identifier: GPL-2.0-only
// The live backend performs real syscalls in a child whose fd table holds only 0, 1 and 2, reports
// calls that sleep as blocked, their later completions, and the kernel's fdinfo.
#include <gtest/gtest.h>

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
