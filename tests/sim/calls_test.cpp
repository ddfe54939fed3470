// SPDX-License-Identifier: GPL-2.0-only
// The call table (sim/script/calls.h): one entry per CallId in order, names that find their
// entries, and argument placement that leaves out exactly the optional arguments.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "sim/script/calls.h"

namespace epollscope::sim::script {
namespace {

TEST(CallTable, HasOneEntryPerIdInIdOrderWithUniqueNames) {
  const auto& calls = all_calls();
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(kCallCount));
  std::set<std::string> names;
  for (int i = 0; i < kCallCount; ++i) {
    const CallSpec& spec = calls[static_cast<std::size_t>(i)];
    EXPECT_EQ(static_cast<int>(spec.id), i) << spec.name;
    EXPECT_TRUE(names.insert(spec.name).second) << "two calls named " << spec.name;
    EXPECT_EQ(&call_spec(spec.id), &spec);
    EXPECT_EQ(find_call(spec.name), &spec);
    EXPECT_EQ(std::string(call_name(spec.id)), spec.name);
    // The usage line starts with the call (after an optional "name = ").
    EXPECT_NE(std::string(spec.usage).find(std::string(spec.name) + "("), std::string::npos)
        << spec.usage;
    if (spec.timeout_arg >= 0) {
      EXPECT_LT(static_cast<std::size_t>(spec.timeout_arg), spec.args.size()) << spec.name;
    }
    for (const ArgSpec& a : spec.args) {
      if (a.fallback_from_arg >= 0) {
        EXPECT_TRUE(a.optional) << spec.name << " " << a.name;
      }
    }
  }
  EXPECT_EQ(find_call("epoll_pwait3"), nullptr);
}

TEST(CallTable, AUsageThatAssignsANameIsACallThatReturnsAnFd) {
  int assigning = 0;
  for (const auto& spec : all_calls())
    if (std::string(spec.usage).find(" = ") != std::string::npos) {
      EXPECT_EQ(spec.result, ResultKind::kFd) << spec.usage;
      ++assigning;
    }
  EXPECT_GE(assigning, 8);
}

TEST(CallTable, PlacesWrittenArgumentsAndLeavesOutOptionalOnes) {
  const CallSpec& wait = call_spec(CallId::kEpollWait);
  EXPECT_EQ(required_arguments(wait), 3u);
  // epoll_wait(ep, 8, 0): the buffer is left out where it stands.
  EXPECT_EQ(place_arguments(wait, 3), (std::vector<int>{0, -1, 1, 2}));
  EXPECT_EQ(place_arguments(wait, 4), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(place_arguments(wait, 2));
  EXPECT_FALSE(place_arguments(wait, 5));
  // epoll_ctl(ep, op, fd, events): data is left out at the end; its fallback is the fd.
  const CallSpec& ctl = call_spec(CallId::kEpollCtl);
  EXPECT_EQ(place_arguments(ctl, 4), (std::vector<int>{0, 1, 2, 3, -1}));
  EXPECT_EQ(ctl.args[4].fallback_from_arg, 2);
  const CallSpec& listen = call_spec(CallId::kTcpListen);
  EXPECT_EQ(place_arguments(listen, 0), (std::vector<int>{-1}));
  EXPECT_EQ(listen.args[0].fallback, 128);
  EXPECT_FALSE(place_arguments(call_spec(CallId::kOpenRegular), 1));
}

}  // namespace
}  // namespace epollscope::sim::script
