// What the GUI shows, tested without a window: the lockstep timeline of two sessions, the tree
// layout and its animation, the controller's commands and playback, ET/LT flipping, reloading.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gui/app/controller.h"
#include "gui/app/layout.h"
#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {
namespace {

const char* kPipe = R"(title "pipe"
ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN | EPOLLET)
write(w, 2048)
epoll_wait(ep, 8, 0)          => [r: EPOLLIN]
read(r, 1024)
epoll_wait(ep, 8, 0)          => []
)";

SessionOptions model_only(Variant v = Variant::kAsWritten) {
  SessionOptions o;
  o.live = false;
  o.variant = v;
  return o;
}

TEST(Session, RecordsEveryStatementsStepsAndResults) {
  auto s = Session::from_text(kPipe, "p.scn", model_only());
  ASSERT_TRUE(s->ok()) << s->error();
  ASSERT_EQ(s->statements().size(), 7u);
  EXPECT_EQ(s->label(), "edge-triggered");
  std::size_t expected_first = 0;
  for (const auto& st : s->statements()) {
    EXPECT_EQ(st.first_step, expected_first);
    EXPECT_GT(st.end_step, st.first_step);
    expected_first = st.end_step;
  }
  EXPECT_EQ(s->step_count(), expected_first);
  // After the write the ready list holds the item; after the second wait (ET) it does not.
  EXPECT_EQ(s->snapshot_after(s->statements()[3].end_step).epolls[0]->rdllist.size(), 1u);
  EXPECT_EQ(s->snapshot_after(s->statements()[6].end_step).epolls[0]->rdllist.size(), 0u);
  EXPECT_EQ(s->failed_expectations(), 0);
}

TEST(Session, FlippingTheTriggerMakesTheLevelTriggeredTwin) {
  auto lt = Session::from_text(kPipe, "p.scn", model_only(Variant::kFlipTrigger));
  ASSERT_TRUE(lt->ok());
  EXPECT_EQ(lt->label(), "level-triggered");
  EXPECT_EQ(lt->scenario().statements[2].source, "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)");
  // The expectations belong to the original: the flipped twin has none to fail.
  EXPECT_EQ(lt->failed_expectations(), 0);
  EXPECT_EQ(lt->snapshot_after(lt->statements()[6].end_step).epolls[0]->rdllist.size(), 1u);
}

TEST(Session, AParseErrorIsKeptForTheWindow) {
  auto s =
      Session::from_text("ep = epoll_create1(0)\nepoll_ctl(ep, EPOLL_CTL_ADD, nope, EPOLLIN)\n",
                         "bad.scn", model_only());
  EXPECT_FALSE(s->ok());
  EXPECT_EQ(s->error().rfind("bad.scn:2:30: undefined name 'nope'", 0), 0u) << s->error();
}

TEST(Timeline, TwoSessionsStayOnTheSameStatement) {
  auto et = Session::from_text(kPipe, "p.scn", model_only());
  auto lt = Session::from_text(kPipe, "p.scn", model_only(Variant::kFlipTrigger));
  Timeline tl(*et, lt.get());
  ASSERT_EQ(tl.statements(), 7u);
  EXPECT_TRUE(tl.at(0).before_first);
  std::size_t total = 0;
  for (std::size_t s = 0; s < 7; ++s) {
    const std::size_t l = et->statements()[s].end_step - et->statements()[s].first_step;
    const std::size_t r = lt->statements()[s].end_step - lt->statements()[s].first_step;
    total += std::max(l, r);
    // The end of each statement shows both sides after all of that statement's steps.
    auto p = tl.at(tl.last_tick_of(s));
    EXPECT_EQ(p.statement, s);
    EXPECT_EQ(p.left_steps, et->statements()[s].end_step);
    EXPECT_EQ(p.right_steps, lt->statements()[s].end_step);
    // And its first tick shows one step of it on each side.
    auto q = tl.at(tl.first_tick_of(s));
    EXPECT_EQ(q.left_steps, et->statements()[s].first_step + 1);
  }
  EXPECT_EQ(tl.ticks(), total);
  // The LT harvest has more steps than the ET one: ET waits at its last step meanwhile.
  EXPECT_EQ(tl.tick_of_left_steps(et->statements()[2].end_step), tl.last_tick_of(2));
}

TEST(Layout, TreeIsInKeyOrderByDepthAndRotationsAnimate) {
  const char* text = R"(ep = epoll_create1(0)
pipe2(a, b, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, a, EPOLLIN)
epoll_ctl(ep, EPOLL_CTL_ADD, b, EPOLLOUT)
e1 = eventfd(0, 0)
epoll_ctl(ep, EPOLL_CTL_ADD, e1, EPOLLIN)
)";
  auto s = Session::from_text(text, "t.scn", model_only());
  ASSERT_TRUE(s->ok());
  const auto& after_two = s->snapshot_after(s->statements()[3].end_step);
  const auto& after_three = s->snapshot_after(s->statements()[5].end_step);
  TreeLayout two = layout_tree(after_two, *after_two.epolls[0]);
  TreeLayout three = layout_tree(after_three, *after_three.epolls[0]);
  ASSERT_EQ(two.nodes.size(), 2u);
  ASSERT_EQ(three.nodes.size(), 3u);
  // Three keys inserted in ascending order: one rotation, the middle key becomes the black root.
  EXPECT_EQ(three.depth, 2);
  EXPECT_FLOAT_EQ(three.nodes[1].y, 0);
  EXPECT_FALSE(three.nodes[1].red);
  EXPECT_TRUE(three.nodes[0].red && three.nodes[2].red);
  EXPECT_FLOAT_EQ(three.nodes[0].x, 0);
  EXPECT_FLOAT_EQ(three.nodes[2].x, 2);
  // Half-way through, the old root (now a left child) is between its two places; the new node
  // fades in.
  TreeLayout mid = interpolate(two, three, 0.5f);
  const TreeNode* old_root = mid.find(two.nodes[0].item);
  ASSERT_NE(old_root, nullptr);
  EXPECT_FLOAT_EQ(old_root->y, 0.5f);
  const TreeNode* fresh = mid.find(three.nodes[2].item);
  ASSERT_NE(fresh, nullptr);
  EXPECT_FLOAT_EQ(fresh->alpha, 0.5f);
  // The cache returns the same layout for the same snapshot views.
  TreeLayoutCache cache;
  EXPECT_EQ(&cache.get(after_three, after_three.epolls[0]),
            &cache.get(after_three, after_three.epolls[0]));
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("epollscope-controller-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "p.scn").string();
    std::ofstream(path_) << kPipe;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ControllerTest, CommandsMoveThroughTheTimeline) {
  ControllerOptions o;
  o.live = false;
  Controller c(o);
  c.dispatch(Command{Command::Kind::kSetCompare, 0, 0, 0, {}, CompareMode::kTrigger});
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, path_});
  ASSERT_TRUE(c.error().empty()) << c.error();
  ASSERT_NE(c.right(), nullptr);
  EXPECT_EQ(c.left()->label(), "edge-triggered");
  EXPECT_EQ(c.right()->label(), "level-triggered");
  EXPECT_EQ(c.tick(), 0u);
  c.dispatch(Command{Command::Kind::kStepForward});
  c.dispatch(Command{Command::Kind::kStepForward});
  EXPECT_EQ(c.tick(), 2u);
  c.dispatch(Command{Command::Kind::kStepBack});
  EXPECT_EQ(c.tick(), 1u);
  EXPECT_EQ(c.previous_tick(), 2u);
  c.dispatch(Command{Command::Kind::kLast});
  EXPECT_EQ(c.tick(), c.timeline().ticks());
  c.dispatch(Command{Command::Kind::kStepForward});  // stays at the end
  EXPECT_EQ(c.tick(), c.timeline().ticks());
  c.dispatch(Command{Command::Kind::kSeekStatement, 0, 3});
  EXPECT_EQ(c.timeline().at(c.tick()).statement, 3u);
  c.dispatch(Command{Command::Kind::kFirst});
  EXPECT_EQ(c.tick(), 0u);
}

TEST_F(ControllerTest, PlaybackAdvancesWithTimeAndStopsAtTheEnd) {
  ControllerOptions o;
  o.live = false;
  Controller c(o);
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, path_});
  c.dispatch(Command{Command::Kind::kSetSpeed, 0, 0, 10});
  c.update(100.0);
  c.dispatch(Command{Command::Kind::kPlay});
  c.update(100.45);  // 0.45 s at 10 ticks/s
  EXPECT_EQ(c.tick(), 4u);
  c.update(1000.0);
  EXPECT_EQ(c.tick(), c.timeline().ticks());
  EXPECT_FALSE(c.playing());
}

TEST_F(ControllerTest, AFileEditedOnDiskIsReloaded) {
  ControllerOptions o;
  o.live = false;
  Controller c(o);
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, path_});
  c.update(1.0);
  ASSERT_EQ(c.left()->statements().size(), 7u);
  std::ofstream(path_) << kPipe << "close(w)\n";
  std::filesystem::last_write_time(
      path_, std::filesystem::last_write_time(path_) + std::chrono::seconds(2));
  c.update(2.0);
  EXPECT_EQ(c.reloads(), 1);
  EXPECT_EQ(c.left()->statements().size(), 8u);
  // A mistake saved to disk shows as an error, not a crash; fixing it brings the views back.
  std::ofstream(path_) << "read(x, 1)\n";
  std::filesystem::last_write_time(
      path_, std::filesystem::last_write_time(path_) + std::chrono::seconds(4));
  c.update(3.0);
  EXPECT_NE(c.error().find("p.scn:1:6: undefined name 'x'"), std::string::npos) << c.error();
}

}  // namespace
}  // namespace epollscope::app
