// SPDX-License-Identifier: GPL-2.0-only
// Nested epoll: an epoll watched by another epoll (docs/kernel-notes.md C2.11, C3.5), the loop and
// depth checks (ep_loop_check) and the wake-up path limits (reverse_path_check): the t_nested
// probe (kernel-notes N1 to N9), the pruning of stale items when an epoll is polled, and the
// kernel-profile difference of 6.17 for chains built top-down.
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class NestedTest : public CallProbeTest {
 protected:
  explicit NestedTest(const KernelProfile& profile = KernelProfile::default_profile())
      : CallProbeTest(profile) {}

  std::vector<int> epolls(int n) {
    std::vector<int> e;
    for (int i = 0; i < n; ++i)
      e.push_back(epoll());
    return e;
  }
};

TEST_F(NestedTest, N1OuterEdgeTriggeredOnInnerLevelTriggered) {
  int inner = epoll();
  int outer = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(inner, r, kEPOLLIN, 7), 0);
  EXPECT_EQ(poll_fd(inner), 0u);  // [N1] poll(inner) empty: revents=0
  EXPECT_EQ(add(outer, inner, kEPOLLIN | kEPOLLET, 100), 0);
  EXPECT_EQ(wait(outer), "");  // outer(ET on inner) fresh
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(mask_to_string(poll_fd(inner)), "IN|RDNORM");  // poll(inner) ready
  EXPECT_EQ(wait(outer), "(100:IN)");                      // pipe written -> outer
  EXPECT_EQ(wait(outer), "");                              // outer again (ET)
  // Every inner callback wakes inner's poll_wait, even with the pipe item already queued.
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(outer), "(100:IN)");  // 2nd write -> inner callback -> outer ET again
  EXPECT_EQ(wait(inner), "(7:IN)");    // inner itself still reports (not consumed)
  drain(r);
  EXPECT_EQ(mod(outer, inner, kEPOLLIN | kEPOLLET, 100), 0);
  EXPECT_EQ(wait(outer), "");  // pipe drained, MOD outer item: inner polls empty
}

TEST_F(NestedTest, N1InnerEdgeTriggeredOuterLevelTriggered) {
  int inner = epoll();
  int outer = epoll();
  auto [r, w] = pipe();
  (void)r;
  EXPECT_EQ(add(inner, r, kEPOLLIN | kEPOLLET, 7), 0);
  EXPECT_EQ(add(outer, inner, kEPOLLIN, 100), 0);
  EXPECT_EQ(write(w, 1), 1);
  EXPECT_EQ(wait(outer), "(100:IN)");  // [N1] inner ET item ready; outer LT
  EXPECT_EQ(wait(outer), "(100:IN)");  // C2.11: polling inner does not consume its ET event
  EXPECT_EQ(wait(inner), "(7:IN)");    // inner consumes its ET event
  EXPECT_EQ(wait(outer), "");          // outer LT now (inner rdllist empty)
}

TEST_F(NestedTest, PollingAnInnerEpollDropsStaleItemsInFrontOfTheFirstReadyOne) {
  // C2.11 / C3.5: __ep_eventpoll_poll unlinks the queued items that poll 0 until it finds a ready
  // one; the items after it are not looked at.
  int inner = epoll();
  int outer = epoll();
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  auto [r3, w3] = pipe();
  auto [r4, w4] = pipe();
  EXPECT_EQ(add(inner, r1, kEPOLLIN, 1), 0);
  EXPECT_EQ(add(inner, r2, kEPOLLIN, 2), 0);
  EXPECT_EQ(add(inner, r3, kEPOLLIN, 3), 0);
  EXPECT_EQ(add(inner, r4, kEPOLLIN, 4), 0);
  EXPECT_EQ(write(w1, 1), 1);
  EXPECT_EQ(write(w2, 1), 1);
  EXPECT_EQ(write(w3, 1), 1);
  EXPECT_EQ(write(w4, 1), 1);
  drain(r1);
  drain(r2);
  drain(r4);
  EXPECT_EQ(rdllist(inner), "1 2 3 4");
  // The outer's ADD polls the inner: 1 and 2 are dropped, 3 is ready, 4 is not looked at.
  EXPECT_EQ(add(outer, inner, kEPOLLIN, 100), 0);
  EXPECT_EQ(rdllist(inner), "3 4");
  EXPECT_EQ(rdllist(outer), "100");
  // Same through poll(2) and through the outer's harvest.
  drain(r3);
  EXPECT_EQ(write(w1, 1), 1);
  EXPECT_EQ(rdllist(inner), "3 4 1");
  EXPECT_EQ(mask_to_string(poll_fd(inner)), "IN|RDNORM");
  EXPECT_EQ(rdllist(inner), "1");
  drain(r1);
  EXPECT_EQ(wait(outer), "");
  EXPECT_EQ(rdllist(inner), "");
  EXPECT_EQ(rdllist(outer), "");
}

TEST_F(NestedTest, N2Loops) {
  int a = epoll();
  int b = epoll();
  int c = epoll();
  // [N2]
  EXPECT_EQ(add(a, a, kEPOLLIN, 0), -kEINVAL);
  EXPECT_EQ(add(a, b, kEPOLLIN, 0), 0);
  EXPECT_EQ(add(b, a, kEPOLLIN, 0), -kELOOP);
  EXPECT_EQ(add(b, c, kEPOLLIN, 0), 0);
  EXPECT_EQ(add(c, a, kEPOLLIN, 0), -kELOOP);
  EXPECT_EQ(add(a, c, kEPOLLIN, 0), 0);  // diamond a→b→c + a→c is allowed
  EXPECT_EQ(add(a, b, kEPOLLIN, 0), -kEEXIST);
  EXPECT_EQ(add(c, b, kEPOLLIN, 0), -kELOOP);
  EXPECT_EQ(k.epoll_watches(), 3);
}

TEST_F(NestedTest, N3DepthLimitChainBuiltTopDown) {
  std::vector<int> e = epolls(8);
  // [N3] add(e[i], e[i+1], EPOLLIN, i) for i = 0..6
  const long expected[7] = {0, 0, 0, 0, -kELOOP, 0, 0};
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), expected[i]) << i;
}

TEST_F(NestedTest, N4DepthLimitChainBuiltBottomUp) {
  std::vector<int> e = epolls(8);
  // [N4] add(e[i], e[i+1], EPOLLIN, i) for i = 6..0
  const long expected[7] = {0, 0, -kELOOP, 0, 0, 0, 0};
  for (int i = 6; i >= 0; --i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), expected[i]) << i;
}

TEST_F(NestedTest, N5DepthLimitChainJoinedInTheMiddle) {
  std::vector<int> e = epolls(6);
  // [N5]
  EXPECT_EQ(add(e[0], e[1], kEPOLLIN, 0), 0);
  EXPECT_EQ(add(e[1], e[2], kEPOLLIN, 0), 0);
  EXPECT_EQ(add(e[3], e[4], kEPOLLIN, 0), 0);
  EXPECT_EQ(add(e[4], e[5], kEPOLLIN, 0), 0);
  EXPECT_EQ(add(e[2], e[3], kEPOLLIN, 0), -kELOOP);
  EXPECT_EQ(add(e[4], e[5], kEPOLLIN, 0), -kEEXIST);
}

TEST_F(NestedTest, N6NonEpollLeafDoesNotCount) {
  std::vector<int> e = epolls(5);
  auto [p0, p1] = pipe();
  // [N6] add(e[4], p[0]) then add(e3, e4) ... add(e0, e1): all succeed.
  EXPECT_EQ(add(e[4], p0, kEPOLLIN, 0), 0);
  for (int i = 3; i >= 0; --i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), 0) << i;
  // The pipe's event climbs all five levels.
  EXPECT_EQ(write(p1, 1), 1);
  EXPECT_EQ(wait(e[0]), "(0:IN)");
}

TEST_F(NestedTest, N7ReversePathLimitOfOneFileThroughOneEpoll) {
  // [N7] pipe in E, E added to 600 fresh epolls: #1..#500 OK, #501.. EINVAL (paths through two
  // epolls are limited to 500).
  int e = epoll();
  auto [p0, p1] = pipe();
  (void)p1;
  EXPECT_EQ(add(e, p0, kEPOLLIN, 0), 0);
  int ok = 0, failed = 0, first_failure = 0;
  for (int i = 1; i <= 600; ++i) {
    int o = epoll();
    long r = add(o, e, kEPOLLIN, 0);
    if (r == 0) {
      ++ok;
    } else {
      EXPECT_EQ(r, -kEINVAL) << "add #" << i;
      if (!failed) first_failure = i;
      ++failed;
    }
  }
  EXPECT_EQ(ok, 500);
  EXPECT_EQ(failed, 100);
  EXPECT_EQ(first_failure, 501);
  // The refused items were removed again.
  EXPECT_EQ(k.epoll_watches(), 501);
}

TEST_F(NestedTest, N8ReversePathLimitWhenAFileIsAddedIntoANestedEpoll) {
  // C2.11 and N8: the check counts the paths of each newly reachable plain file, so 501 outers
  // of an E that is still empty are accepted, and the pipe added afterwards is refused.
  int e = epoll();
  std::vector<int> outers;
  for (int i = 0; i < 501; ++i) {
    outers.push_back(epoll());
    ASSERT_EQ(add(outers.back(), e, kEPOLLIN, 0), 0) << i;
  }
  auto [p0, p1] = pipe();
  (void)p1;
  EXPECT_EQ(add(e, p0, kEPOLLIN, 0), -kEINVAL);
  EXPECT_EQ(fdinfo(e), "");
  // [N8] with 500 outers watching E, add(E, p[0]) = 0.
  EXPECT_EQ(close(outers.back()), 0);
  EXPECT_EQ(add(e, p0, kEPOLLIN, 0), 0);
}

TEST_F(NestedTest, N9OneFileInTwoThousandEpolls) {
  // [N9] one pipe added to 2000 separate epolls: ok=2000 (paths through one epoll are unlimited).
  EXPECT_EQ(ret(checked(k.setrlimit_nofile(main(), 4096))), 0);
  auto [p0, p1] = pipe();
  (void)p1;
  int ok = 0;
  for (int i = 0; i < 2000; ++i) {
    int o = epoll();
    if (add(o, p0, kEPOLLIN, 0) == 0) ++ok;
  }
  EXPECT_EQ(ok, 2000);
}

// Before 6.17 (f2e467a48287) ep_loop_check looked only below the added epoll, so a chain built
// top-down was never refused (kernel-notes C0.1 and C2.11).
class NestedTest613 : public NestedTest {
 protected:
  NestedTest613() : NestedTest(profile_named("6.13")) {}
};

TEST_F(NestedTest613, N3ChainBuiltTopDownIsNotLimited) {
  std::vector<int> e = epolls(8);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), 0) << i;
}

TEST_F(NestedTest, N3FifthLinkDependsOnTheProfile) {
  // The same five-link chain: ELOOP on 6.18 (this fixture), accepted on 6.13.
  std::vector<int> e = epolls(6);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), 0) << i;
  EXPECT_EQ(add(e[4], e[5], kEPOLLIN, 4), -kELOOP);
}

TEST_F(NestedTest613, N3FifthLinkDependsOnTheProfile) {
  std::vector<int> e = epolls(6);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(add(e[i], e[i + 1], kEPOLLIN, i), 0) << i;
  EXPECT_EQ(add(e[4], e[5], kEPOLLIN, 4), 0);
}

TEST_F(NestedTest613, LoopsAreStillRefused) {
  int a = epoll();
  int b = epoll();
  int c = epoll();
  EXPECT_EQ(add(a, b, kEPOLLIN, 0), 0);
  EXPECT_EQ(add(b, c, kEPOLLIN, 0), 0);
  EXPECT_EQ(add(c, a, kEPOLLIN, 0), -kELOOP);
}

}  // namespace
}  // namespace epollscope::sim::testing
