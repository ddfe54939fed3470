// SPDX-License-Identifier: GPL-2.0-only
// Kernel profiles are chosen by name, and each one is a kernel the model behaves as: the model's
// answers to two probes follow each profile's settings, and no two profiles answer alike. (The
// behaviours themselves are tested where they happen: pipe_test, nested_test.)
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "sim/kernel.h"
#include "sim/profile.h"

namespace epollscope::sim {
namespace {

// Does a write into a pipe that is not empty wake an edge-triggered reader again (5.15)?
bool write_into_nonempty_pipe_wakes(const KernelProfile& profile) {
  Kernel k(profile);
  Task& t = k.main_task();
  const int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
  const SysResult p = k.pipe2(t, kO_NONBLOCK);
  EXPECT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, p.fds[0], EpollEvent{kEPOLLIN | kEPOLLET, 0}).ret,
            0);
  EXPECT_EQ(k.write(t, p.fds[1], 10).ret, 10);
  EXPECT_EQ(k.epoll_wait(t, ep, 8, 0).ret, 1);  // the first write always wakes it
  EXPECT_EQ(k.write(t, p.fds[1], 10).ret, 10);
  return k.epoll_wait(t, ep, 8, 0).ret == 1;
}

// Is the fifth link of a chain of epolls built top-down refused with ELOOP (6.17)?
bool fifth_link_built_top_down_is_refused(const KernelProfile& profile) {
  Kernel k(profile);
  Task& t = k.main_task();
  int e[6];
  for (int& fd : e)
    fd = static_cast<int>(k.epoll_create1(t, 0).ret);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(k.epoll_ctl(t, e[i], kEPOLL_CTL_ADD, e[i + 1], EpollEvent{kEPOLLIN, 0}).ret, 0);
  const SysResult r = k.epoll_ctl(t, e[4], kEPOLL_CTL_ADD, e[5], EpollEvent{kEPOLLIN, 0});
  return r.ret == -1 && r.err == kELOOP;
}

TEST(Profile, ByNameFindsEachProfileAndRejectsUnknownNames) {
  ASSERT_GE(KernelProfile::all().size(), 3u);
  for (const auto& p : KernelProfile::all()) {
    EXPECT_EQ(KernelProfile::by_name(p.name), &p);
    EXPECT_FALSE(p.description.empty());
  }
  EXPECT_EQ(KernelProfile::by_name("2.6"), nullptr);
  EXPECT_EQ(KernelProfile::by_name(""), nullptr);
  EXPECT_EQ(KernelProfile::by_name(KernelProfile::default_profile().name),
            &KernelProfile::default_profile());
}

TEST(Profile, TheModelBehavesAsEachProfileSaysAndNoTwoProfilesAlike) {
  std::set<std::pair<bool, bool>> seen;
  for (const auto& p : KernelProfile::all()) {
    const bool wakes = write_into_nonempty_pipe_wakes(p);
    const bool refused = fifth_link_built_top_down_is_refused(p);
    EXPECT_EQ(wakes, p.pipe_write_wake == PipeWriteWake::kWasEmptyOrPollUsage) << p.name;
    EXPECT_EQ(refused, p.loop_check == LoopCheckDepth::kBothDirections) << p.name;
    seen.insert({wakes, refused});
  }
  EXPECT_EQ(seen.size(), KernelProfile::all().size()) << "two profiles behave alike";
  // The default is the newest kernel: both changes are in it.
  EXPECT_TRUE(write_into_nonempty_pipe_wakes(KernelProfile::default_profile()));
  EXPECT_TRUE(fifth_link_built_top_down_is_refused(KernelProfile::default_profile()));
}

}  // namespace
}  // namespace epollscope::sim
