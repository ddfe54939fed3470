// SPDX-License-Identifier: GPL-2.0-only
// Snapshots: plain views of the model after a step, sharing every unchanged view with the previous
// snapshot, and a Recorder that keeps one per step.
#include <gtest/gtest.h>

#include "model_fixture.h"
#include "sim/recorder.h"
#include "sim/snapshot.h"

namespace epollscope::sim::testing {
namespace {

class SnapshotTest : public ModelTest {};

TEST_F(SnapshotTest, ViewsShowTreeReadyListAndQueues) {
  int ep = epoll();
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  ASSERT_EQ(add(ep, r1, kEPOLLIN, 1), 0);
  ASSERT_EQ(add(ep, r2, kEPOLLIN | kEPOLLET, 2), 0);
  ASSERT_EQ(write(w2, 1), 1);
  Snapshot s = take_snapshot(k, nullptr);
  ASSERT_EQ(s.epolls.size(), 1u);
  const EventPollView& e = *s.epolls[0];
  ASSERT_EQ(e.rbr.size(), 2u);
  ASSERT_EQ(e.rdllist.size(), 1u);
  const EpItemView* queued = s.item(e.rdllist[0]);
  ASSERT_NE(queued, nullptr);
  EXPECT_EQ(queued->fd, r2);
  EXPECT_EQ(queued->where, EpItemView::Where::kRdllist);
  EXPECT_EQ(queued->events, kEPOLLIN | kEPOLLERR | kEPOLLHUP | kEPOLLET);
  EXPECT_EQ(queued->ready, kEPOLLIN);
  // Two nodes: a black root and a red child.
  const EpItemView* root = s.item(e.root);
  ASSERT_NE(root, nullptr);
  EXPECT_FALSE(root->red);
  const EpItemView* child = s.item(root->left ? root->left : root->right);
  ASSERT_NE(child, nullptr);
  EXPECT_TRUE(child->red);
  EXPECT_EQ(child->parent, root->id);
  // The read end's rd_wait holds the item's eppoll_entry.
  const FileView* rf = s.file_of_fd(r2);
  ASSERT_NE(rf, nullptr);
  ASSERT_EQ(rf->queues.size(), 1u);
  ASSERT_EQ(rf->queues[0].entries.size(), 1u);
  EXPECT_EQ(rf->queues[0].entries[0].id, queued->id);
  EXPECT_EQ(rf->mask, kEPOLLIN | kEPOLLRDNORM);
  EXPECT_EQ(rf->chunks, std::vector<uint32_t>{1});
}

TEST_F(SnapshotTest, UnchangedViewsAreShared) {
  int ep = epoll();
  auto [r1, w1] = pipe();
  auto [r2, w2] = pipe();
  ASSERT_EQ(add(ep, r1, kEPOLLIN, 1), 0);
  ASSERT_EQ(add(ep, r2, kEPOLLIN, 2), 0);
  Snapshot before = take_snapshot(k, nullptr);
  ASSERT_EQ(write(w2, 10), 10);  // touches pipe 2 and the ready list, not pipe 1
  Snapshot after = take_snapshot(k, &before);
  EXPECT_EQ(after.file_of_fd(r1), before.file_of_fd(r1));  // same object: shared
  EXPECT_EQ(after.file_of_fd(w1), before.file_of_fd(w1));
  EXPECT_NE(after.file_of_fd(r2), before.file_of_fd(r2));    // buffer changed
  EXPECT_NE(after.epolls[0].get(), before.epolls[0].get());  // rdllist changed
  EXPECT_EQ(after.fds, before.fds);
  EXPECT_LT(snapshot_unshared_bytes(after, &before), snapshot_unshared_bytes(after, nullptr));
}

TEST_F(SnapshotTest, RecorderKeepsOneSnapshotPerStepAndStepsBackInTime) {
  int ep = epoll();
  auto [r, w] = pipe();
  ASSERT_EQ(add(ep, r, kEPOLLIN | kEPOLLET, r), 0);
  InvariantCheckingSink invariants(k);
  Recorder rec(k, true, &invariants);
  k.set_trace_sink(&rec);
  ASSERT_EQ(k.write(main(), w, 2048).ret, 2048);
  ASSERT_EQ(k.epoll_wait(main(), ep, 8, 0).ret, 1);
  ASSERT_EQ(rec.snapshots().size(), rec.steps().size());
  // Find the step where the callback queued the item and the one where the harvest took it off.
  std::size_t queued = rec.size(), harvested = rec.size();
  for (std::size_t i = 0; i < rec.size(); ++i) {
    if (std::string(rec.steps()[i].function) == "ep_poll_callback" && queued == rec.size())
      queued = i;
    if (std::string(rec.steps()[i].function) == "ep_send_events") harvested = i;
  }
  ASSERT_LT(queued, harvested);
  EXPECT_TRUE(rec.initial().epolls[0]->rdllist.empty());
  EXPECT_EQ(rec.snapshots()[queued].epolls[0]->rdllist.size(), 1u);
  EXPECT_TRUE(rec.snapshots()[harvested].epolls[0]->rdllist.empty());
  EXPECT_TRUE(rec.latest().epolls[0]->rdllist.empty());
  EXPECT_EQ(invariants.first_violation(), "");
  EXPECT_EQ(invariants.steps_checked(), rec.size());
}

}  // namespace
}  // namespace epollscope::sim::testing
