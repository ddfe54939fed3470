// SPDX-License-Identifier: GPL-2.0-only
// What the GUI shows, tested without a window: the lockstep timeline of two sessions, the tree
// layout and its animation, the controller's commands and playback, ET/LT flipping, reloading.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "gui/app/compare.h"
#include "gui/app/controller.h"
#include "gui/app/layout.h"
#include "gui/app/session.h"
#include "gui/app/timeline.h"
#include "tests/gui/pipe_scenario.h"

namespace epollscope::app {
namespace {

const char* const kPipe = test::kPipeScenario;

SessionOptions model_only(Variant v = Variant::kAsWritten) {
  SessionOptions o;
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

// A tree big enough for rotations at depth, with wake-ups, harvests, removals and re-adds.
std::string busy_scenario() {
  std::string s = "ep = epoll_create1(0)\n";
  for (int i = 0; i < 24; ++i)
    s += "e" + std::to_string(i) + " = eventfd(0, EFD_NONBLOCK)\n";
  for (int i = 0; i < 24; ++i)
    s += "epoll_ctl(ep, EPOLL_CTL_ADD, e" + std::to_string((i * 7) % 24) + ", EPOLLIN)\n";
  for (int i = 0; i < 24; i += 3)
    s += "write(e" + std::to_string(i) + ", 1)\n";
  s += "epoll_wait(ep, 4, 0)\n";
  for (int i = 1; i < 24; i += 4)
    s += "epoll_ctl(ep, EPOLL_CTL_DEL, e" + std::to_string(i) + ", 0)\n";
  for (int i = 0; i < 24; i += 3)
    s += "read(e" + std::to_string(i) + ", 8)\n";
  for (int i = 1; i < 24; i += 4)
    s += "epoll_ctl(ep, EPOLL_CTL_ADD, e" + std::to_string(i) + ", EPOLLIN | EPOLLET)\n";
  s += "epoll_wait(ep, 8, 0)\n";
  return s;
}

void expect_same_tree(const TreeLayout& got, const TreeLayout& want, const std::string& where) {
  ASSERT_EQ(got.nodes.size(), want.nodes.size()) << where;
  EXPECT_EQ(got.depth, want.depth) << where;
  for (std::size_t i = 0; i < want.nodes.size(); ++i) {
    const TreeNode& g = got.nodes[i];
    const TreeNode& w = want.nodes[i];
    EXPECT_EQ(g.item, w.item) << where << " node " << i;
    EXPECT_FLOAT_EQ(g.x, w.x) << where << " node " << i;
    EXPECT_FLOAT_EQ(g.y, w.y) << where << " node " << i;
    EXPECT_EQ(g.red, w.red) << where << " node " << i;
    EXPECT_EQ(g.parent, w.parent) << where << " node " << i;
    EXPECT_EQ(g.parent_index, w.parent_index) << where << " node " << i;
  }
}

TEST(Layout, TheCacheGivesTheLayoutFromScratchForEverySnapshotInAnyOrder) {
  auto s = Session::from_text(busy_scenario(), "busy.scn", model_only());
  ASSERT_TRUE(s->ok()) << s->error();
  const std::size_t n = s->step_count();
  ASSERT_GT(n, 200u);
  std::vector<std::size_t> order(n + 1);
  for (std::size_t i = 0; i <= n; ++i)
    order[i] = i;
  TreeLayoutCache cache;
  auto check = [&](const std::vector<std::size_t>& steps, const char* how) {
    for (std::size_t k : steps) {
      const sim::Snapshot& snap = s->snapshot_after(k);
      if (snap.epolls.empty()) continue;
      const TreeLayout want = layout_tree(snap, *snap.epolls[0]);
      const TreeLayout& got = cache.get(snap, snap.epolls[0]);
      expect_same_tree(got, want, std::string(how) + " step " + std::to_string(k));
      // Parents are found by index as well as by id.
      for (const TreeNode& node : got.nodes)
        if (node.parent_index >= 0)
          EXPECT_EQ(got.nodes[static_cast<std::size_t>(node.parent_index)].item, node.parent);
        else
          EXPECT_EQ(node.parent, 0u);
    }
  };
  check(order, "forward");
  // Most steps keep the keys: they are patched, not laid out again.
  EXPECT_GT(cache.patched(), 0u);
  EXPECT_LT(cache.computed(), n / 4);
  std::reverse(order.begin(), order.end());
  check(order, "backward");
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  check(order, "shuffled");
}

TEST(Layout, AMorphIsTheInterpolationAndEndsOnBothLayouts) {
  auto s = Session::from_text(busy_scenario(), "busy.scn", model_only());
  ASSERT_TRUE(s->ok());
  int morphs = 0;
  for (std::size_t k = 1; k <= s->step_count(); k += 5) {
    const sim::Snapshot& a = s->snapshot_after(k - 1);
    const sim::Snapshot& b = s->snapshot_after(k);
    if (a.epolls.empty() || b.epolls.empty()) continue;
    TreeLayout from = layout_tree(a, *a.epolls[0]);
    TreeLayout to = layout_tree(b, *b.epolls[0]);
    from.serial = 2 * k;
    to.serial = 2 * k + 1;
    TreeMorph morph(from, to);
    EXPECT_TRUE(morph.pairs(from, to));
    EXPECT_FALSE(morph.pairs(to, from));
    TreeLayout out;
    for (float t : {0.0f, 0.3f, 0.5f, 0.8f, 1.0f}) {
      morph.at(from, to, t, &out);
      const TreeLayout want = interpolate(from, to, t);
      expect_same_tree(out, want, "step " + std::to_string(k) + " t " + std::to_string(t));
      for (std::size_t i = 0; i < want.nodes.size() && i < out.nodes.size(); ++i)
        EXPECT_FLOAT_EQ(out.nodes[i].alpha, want.nodes[i].alpha);
    }
    // At the end, the nodes of `to` are where `to` has them, the removed ones invisible.
    morph.at(from, to, 1.0f, &out);
    for (std::size_t i = 0; i < to.nodes.size(); ++i) {
      EXPECT_EQ(out.nodes[i].item, to.nodes[i].item);
      EXPECT_FLOAT_EQ(out.nodes[i].x, to.nodes[i].x);
      EXPECT_FLOAT_EQ(out.nodes[i].y, to.nodes[i].y);
    }
    for (std::size_t i = to.nodes.size(); i < out.nodes.size(); ++i)
      EXPECT_FLOAT_EQ(out.nodes[i].alpha, 0.0f);
    ++morphs;
  }
  EXPECT_GT(morphs, 20);
}

TEST(Layout, FdNamesAreEveryFdOfTheFile) {
  const char* text = R"(ep = epoll_create1(0)
e = eventfd(0, 0)
d = dup(e)
pipe2(r, w, 0)
dup2(r, 20)
close(d)
)";
  auto s = Session::from_text(text, "fd.scn", model_only());
  ASSERT_TRUE(s->ok()) << s->error();
  ASSERT_EQ(s->statements().size(), 6u);
  // The fds of a file at the end of a statement, by the kernel's lowest-free-fd rule: ep 3, e 4,
  // d 5, r 6, w 7, then r also 20, then d closed.
  auto fds_of = [&](std::size_t statement, int fd) {
    FdNames names;
    const sim::Snapshot& snap = s->snapshot_after(s->statements()[statement].end_step);
    return names.of(snap, snap.file_of_fd(fd)->id);
  };
  EXPECT_EQ(fds_of(0, 3), "fd 3");
  EXPECT_EQ(fds_of(1, 4), "fd 4");
  EXPECT_EQ(fds_of(2, 4), "fd 4,5");
  EXPECT_EQ(fds_of(3, 6), "fd 6");
  EXPECT_EQ(fds_of(3, 7), "fd 7");
  EXPECT_EQ(fds_of(4, 6), "fd 6,20");
  EXPECT_EQ(fds_of(5, 4), "fd 4");
  EXPECT_EQ(fds_of(5, 20), "fd 6,20");
  // One FdNames kept across steps (as the window keeps it) gives the same names as a fresh one.
  FdNames kept;
  for (std::size_t k = 0; k <= s->step_count(); ++k) {
    const sim::Snapshot& snap = s->snapshot_after(k);
    for (const auto& f : snap.files) {
      if (!f) continue;
      FdNames fresh;
      const std::string want = fresh.of(snap, f->id);
      EXPECT_EQ(kept.of(snap, f->id), want) << "step " << k;
    }
  }
  // A file without an fd (the closed dup's slot is free; the eventfd still has fd 4).
  const sim::Snapshot& end = s->snapshot_after(s->step_count());
  EXPECT_EQ(end.file_of_fd(5), nullptr);
}

TEST(Compare, IncrementalDifferencesEqualDifferencesFromScratch) {
  auto et = Session::from_text(busy_scenario(), "busy.scn", model_only());
  auto lt = Session::from_text(busy_scenario(), "busy.scn", model_only(Variant::kFlipTrigger));
  ASSERT_TRUE(et->ok() && lt->ok());
  Timeline tl(*et, lt.get());
  auto at = [&](std::size_t tick) {
    const auto p = tl.at(tick);
    return std::pair<const sim::Snapshot*, const sim::Snapshot*>{
        &et->snapshot_after(p.left_steps), &lt->snapshot_after(p.right_steps)};
  };
  auto [a0, b0] = at(0);
  Differences d = differences(*a0, b0);
  EXPECT_TRUE(d.same_ids);
  bool some = false;
  // Forward step by step, then in jumps back and forth (stepping back, scrubbing).
  std::vector<std::size_t> ticks;
  for (std::size_t t = 1; t <= tl.ticks(); ++t)
    ticks.push_back(t);
  for (std::size_t t = tl.ticks(); t > 7; t -= 7)
    ticks.push_back(t - 7);
  for (std::size_t t : ticks) {
    auto [a, b] = at(t);
    const Differences want = differences(*a, b);
    ASSERT_TRUE(update_differences(*a0, *b0, *a, *b, d)) << "tick " << t;
    EXPECT_EQ(d.lists, want.lists) << "tick " << t;
    EXPECT_EQ(d.items, want.items) << "tick " << t;
    EXPECT_EQ(d.files, want.files) << "tick " << t;
    some = some || want.any();
    a0 = a;
    b0 = b;
  }
  // ET and LT differ somewhere (the re-queued LT items, the stored masks).
  EXPECT_TRUE(some);
  // A model against itself differs in nothing.
  const sim::Snapshot& end = et->snapshot_after(et->step_count());
  EXPECT_FALSE(differences(end, &end).any());
}

TEST(Session, FlippingARepeatedLineRewritesItOnce) {
  const char* text = R"(ep = epoll_create1(0)
repeat 5
  e = eventfd(0, EFD_NONBLOCK)
  epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET)
end
)";
  auto lt = Session::from_text(text, "r.scn", model_only(Variant::kFlipTrigger));
  ASSERT_TRUE(lt->ok()) << lt->error();
  EXPECT_EQ(lt->scenario().lines[3], "  epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN)");
  int ctls = 0;
  for (const auto& st : lt->scenario().statements)
    if (st.call == sim::script::CallId::kEpollCtl) {
      EXPECT_EQ(st.source, "epoll_ctl(ep, EPOLL_CTL_ADD, e, EPOLLIN)");
      ++ctls;
    }
  EXPECT_EQ(ctls, 5);
  const sim::Snapshot& end = lt->snapshot_after(lt->step_count());
  ASSERT_EQ(end.epolls[0]->rbr.size(), 5u);
  for (uint32_t id : end.epolls[0]->rbr)
    EXPECT_EQ(end.item(id)->events & sim::kEPOLLET, 0u);
}

// A race (docs/kernel-notes.md, RACE1): the model marks where the kernel may take the other path,
// and the window's note says so at the call and at each statement that lists alternatives.
constexpr const char* kNestedRace = R"(inner = epoll_create1(0)
outer = epoll_create1(0)
socketpair(s0, s1)
epoll_ctl(inner, EPOLL_CTL_ADD, s0, EPOLLIN | EPOLLET)
epoll_ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN)
t0: epoll_wait(inner, 1, 2000)    => blocks
t1: epoll_wait(outer, 1, 300)     => blocks
send(s1, "w")                     => 1
t0                                => [s0: EPOLLIN]
t1                                => blocks or [inner: EPOLLIN]
sleep(500)
t1                                => [] or [inner: EPOLLIN]
)";

TEST(Session, ARaceIsMarkedAtItsLockAndNotedWhereAlternativesAreListed) {
  auto s = Session::from_text(kNestedRace, "race.scn", model_only());
  ASSERT_TRUE(s->ok()) << s->error();
  EXPECT_EQ(s->failed_expectations(), 0);
  // Exactly one race step, inside the send that woke both threads: t1's poll of the inner epoll
  // takes inner's ep->mtx after t0's harvest took it.
  std::vector<std::size_t> races;
  const auto& steps = s->recorder().steps();
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (std::string(steps[i].function) == "mutex_lock") races.push_back(i);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(s->statement_of_step(races[0]), 7u);
  EXPECT_EQ(steps[races[0]].text.rfind("race: t0 and t1 were woken together and both take "
                                       "epoll#1's ep->mtx; whoever takes it first decides.",
                                       0),
            0u)
      << steps[races[0]].text;
  EXPECT_EQ(std::string(steps[races[0] + 1].function),
            "ep_start_scan");  // then __ep_eventpoll_poll

  // The call that raced carries the whole step; the raced results name it and its line.
  EXPECT_EQ(s->either_path_note(7).rfind("Kernel may take either path: t0 and t1 were woken", 0),
            0u);
  EXPECT_EQ(s->either_path_note(7).find("either path here"), std::string::npos);
  for (std::size_t st : {9u, 11u})
    EXPECT_EQ(
        s->either_path_note(st),
        "Kernel may take either path: t0 and t1 were woken together and both take epoll#1's "
        "ep->mtx; whoever takes it first decides. (the race step, mutex_lock, is in line 8.)");
  for (std::size_t st : {0u, 5u, 6u, 8u, 10u})
    EXPECT_EQ(s->either_path_note(st), "") << st;
}

TEST(Session, NoRaceStepWhereOneThreadWakesTheNext) {
  // Level-triggered, two threads on one epoll: t1 is woken by t0's ep_done_scan, after t0 let
  // go of ep->mtx, so nothing races; and alternatives without a race step say what is listed.
  auto s = Session::from_text(R"(ep = epoll_create1(0)
efd = eventfd(0, EFD_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, efd, EPOLLIN)
t0: epoll_wait(ep, 8, 1000)       => blocks
t1: epoll_wait(ep, 8, 1000)       => blocks
eventfd_write(efd, 1)             => 0
t1                                => [efd: EPOLLIN] or blocks
t0                                => [efd: EPOLLIN]
)",
                              "lt.scn", model_only());
  ASSERT_TRUE(s->ok()) << s->error();
  for (const auto& step : s->recorder().steps())
    EXPECT_NE(std::string(step.function), "mutex_lock") << step.text;
  EXPECT_EQ(s->either_path_note(6),
            "Kernel may take either path: the scenario lists 2 outcomes ([efd: EPOLLIN] or "
            "blocks), and the model takes one of them.");
}

TEST(Session, SetUpBeforeRecordFromHasNoSteps) {
  SessionOptions o = model_only();
  o.record_from = 3;  // epoll_create1, pipe2, the ADD run untraced
  auto s = Session::from_text(kPipe, "p.scn", o);
  ASSERT_TRUE(s->ok()) << s->error();
  ASSERT_EQ(s->statements().size(), 7u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(s->statements()[i].end_step, 0u);
  EXPECT_GT(s->statements()[3].end_step, 0u);
  // Before the first recorded step the state is the set-up's: one item, nothing ready.
  const sim::Snapshot& start = s->snapshot_after(0);
  ASSERT_EQ(start.epolls.size(), 1u);
  EXPECT_EQ(start.epolls[0]->rbr.size(), 1u);
  EXPECT_EQ(start.epolls[0]->rdllist.size(), 0u);
  EXPECT_EQ(s->snapshot_after(s->statements()[3].end_step).epolls[0]->rdllist.size(), 1u);
  EXPECT_EQ(s->snapshot_after(s->statements()[6].end_step).epolls[0]->rdllist.size(), 0u);
  // The timeline has no ticks for the set-up: tick 0 is the state after it, tick 1 the write's
  // first step.
  Timeline tl(*s, nullptr);
  EXPECT_EQ(tl.ticks(), s->step_count());
  EXPECT_EQ(tl.at(0).left_steps, 0u);
  EXPECT_EQ(tl.at(1).statement, 3u);
  EXPECT_EQ(tl.at(1).left_steps, 1u);
  EXPECT_EQ(tl.first_tick_of(3), 1u);
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
