// SPDX-License-Identifier: GPL-2.0-only
// One million items added to one epoll and removed again: nothing leaks (the epitem and
// eppoll_entry caches are empty, the user's watch count is back to 0) and every invariant holds.
// Under the sanitizer build LeakSanitizer checks the process as a whole as well.
#include <gtest/gtest.h>

#include "sim/invariants.h"
#include "sim/kernel.h"

namespace epollscope::sim {
namespace {

TEST(Scale, OneMillionItemsAddedAndRemovedLeaveNothingBehind) {
  constexpr long kItems = 1000000;
  Kernel k;  // no trace sink: tracing off, as in the benchmarks
  Task& t = k.main_task();
  ASSERT_EQ(k.setrlimit_nofile(t, kItems + 16).ret, 0);
  const int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
  std::vector<int> fds(kItems);
  for (long i = 0; i < kItems; ++i)
    fds[i] = static_cast<int>(k.eventfd2(t, 0, kEFD_NONBLOCK).ret);
  ASSERT_EQ(fds.back(), kItems + 3);  // 0,1,2 are the standard streams, 3 is the epoll
  for (long i = 0; i < kItems; ++i)
    ASSERT_EQ(
        k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, fds[i], EpollEvent{kEPOLLIN, static_cast<uint64_t>(i)})
            .ret,
        0);
  EXPECT_EQ(k.epitems_in_use(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(k.eppoll_entries_in_use(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(k.epoll_watches(), kItems);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");

  // Half removed with EPOLL_CTL_DEL, half by closing the eventfds (eventpoll_release_file).
  for (long i = 0; i < kItems; i += 2)
    ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_DEL, fds[i], std::nullopt).ret, 0);
  for (long i = 1; i < kItems; i += 2)
    ASSERT_EQ(k.close(t, fds[i]).ret, 0);
  EXPECT_EQ(k.epitems_in_use(), 0u);
  EXPECT_EQ(k.eppoll_entries_in_use(), 0u);
  EXPECT_EQ(k.epoll_watches(), 0);
  EXPECT_EQ(check_invariants(k, InvariantLevel::kBetweenCalls), "");
}

}  // namespace
}  // namespace epollscope::sim
