// SPDX-License-Identifier: GPL-2.0-only
// The seed's example: 2 KB written into a pipe, 1 KB read, epoll_wait again. Level-triggered
// reports the pipe again, edge-triggered does not (docs/kernel-notes.md P2 and C2.8).
#include "model_fixture.h"

namespace epollscope::sim::testing {
namespace {

class PipeExample : public ModelTest {};

TEST_F(PipeExample, LevelTriggeredReportsTheRestAgain) {
  int ep = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(ep, 3);
  EXPECT_EQ(r, 4);
  EXPECT_EQ(w, 5);
  EXPECT_EQ(add(ep, r, kEPOLLIN, r), 0);
  EXPECT_EQ(wait(ep, 8), "");
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep, 8), "(4:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep, 8), "(4:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep, 8), "");
}

TEST_F(PipeExample, EdgeTriggeredStaysSilentUntilTheNextWrite) {
  int ep = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, r), 0);
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep, 8), "(4:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  EXPECT_EQ(wait(ep, 8), "");
  // A write into the non-empty pipe wakes the reader again (poll_usage, 5.15+).
  EXPECT_EQ(write(w, 10), 10);
  EXPECT_EQ(wait(ep, 8), "(4:IN)");
}

TEST_F(PipeExample, EdgeTriggeredWaitForEverBlocks) {
  int ep = epoll();
  auto [r, w] = pipe();
  EXPECT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, r), 0);
  EXPECT_EQ(write(w, 2048), 2048);
  EXPECT_EQ(wait(ep, 8, -1), "(4:IN)");
  EXPECT_EQ(read(r, 1024), 1024);
  SysResult blocked = checked(k.epoll_wait(main(), ep, 8, -1));
  EXPECT_TRUE(blocked.blocked);
  EXPECT_FALSE(k.next_timer().has_value());
  EXPECT_TRUE(k.take_completions().empty());
}

}  // namespace
}  // namespace epollscope::sim::testing
