// SPDX-License-Identifier: GPL-2.0-only
// Predict mode without a window (gui/app/prediction.h): the question points and what each asks,
// where the timeline stops before a question, a prediction in the quiz's notation, the reveal
// (the same verdict and explanation as `epollscope quiz`), entry by entry for an events array,
// and the scores per scenario and per lesson, kept in the progress file as `lessons` keeps them.
// The model answers (no kernel), so the answers are the scenario's expectations.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "driver/lesson.h"
#include "gui/app/controller.h"
#include "gui/app/prediction.h"
#include "gui/app/session.h"
#include "sim/uapi.h"

namespace epollscope::app {
namespace {

const std::string kPipe = std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et.scn";

struct Attached {
  std::unique_ptr<Session> session;
  Timeline timeline;
  PredictMode predict;
};

std::unique_ptr<Attached> attach(std::unique_ptr<Session> s, const std::string& path,
                                 std::size_t tick = 0) {
  auto a = std::make_unique<Attached>();
  a->session = std::move(s);
  EXPECT_TRUE(a->session->ok()) << a->session->error();
  a->timeline = Timeline(*a->session, nullptr);
  a->predict.attach(*a->session, a->timeline, 1, tick, path);
  return a;
}

TEST(Predict, EveryEpollWaitIsAQuestionAboutTheItemsOfItsEpoll) {
  auto a = attach(Session::from_file(kPipe, {}), kPipe);
  const auto& qs = a->predict.questions();
  ASSERT_EQ(qs.size(), 3u);
  EXPECT_EQ(qs[0].line, 24);
  EXPECT_EQ(qs[1].line, 34);
  EXPECT_EQ(qs[2].line, 43);
  EXPECT_EQ(qs[0].text, "epoll_wait(epfd, 8, 0)");  // the answer is not given away
  EXPECT_TRUE(qs[0].events);
  EXPECT_EQ(qs[0].choices, std::vector<std::string>{"rfd"});  // registered: rfd only
  EXPECT_EQ(a->predict.pending(), 0u);
  EXPECT_EQ(a->predict.score(), (Score{0, 0, 3}));
  EXPECT_EQ(a->predict.scenario(), "01-pipe-2k-1k-et.scn");
}

TEST(Predict, TheTimelineStopsBeforeTheQuestionsCallAndMovesOnAfterTheReveal) {
  Controller c;
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0, kPipe});
  ASSERT_TRUE(c.error().empty());
  PredictMode p;
  p.attach(*c.left(), c.timeline(), c.generation(), c.tick(), c.path());
  const std::size_t stop = p.stop_tick(c.timeline());
  // The state after the write: the epoll_wait of line 24 has made no step yet.
  EXPECT_EQ(stop, c.timeline().last_tick_of(3));
  EXPECT_EQ(stop + 1, c.timeline().first_tick_of(4));
  c.dispatch(Command{Command::Kind::kSetStop, stop});
  c.dispatch(Command{Command::Kind::kLast});
  EXPECT_EQ(c.tick(), stop);
  c.dispatch(Command{Command::Kind::kStepForward});
  EXPECT_EQ(c.tick(), stop);
  c.dispatch(Command{Command::Kind::kSeekStatement, 0, 8});
  EXPECT_EQ(c.tick(), stop);
  c.dispatch(Command{Command::Kind::kPlay});
  c.update(0);
  c.update(10);
  EXPECT_FALSE(c.playing());
  EXPECT_EQ(c.tick(), stop);

  p.draft().append("rfd", sim::kEPOLLIN);
  ASSERT_TRUE(p.reveal(*c.left()));
  const std::size_t next = p.stop_tick(c.timeline());
  EXPECT_EQ(next + 1, c.timeline().first_tick_of(6));  // line 34's epoll_wait
  c.dispatch(Command{Command::Kind::kSetStop, next});
  c.dispatch(Command{Command::Kind::kLast});
  EXPECT_EQ(c.tick(), next);
  // No stop: the whole timeline again.
  c.dispatch(Command{Command::Kind::kSetStop, Command::kNoStop});
  c.dispatch(Command{Command::Kind::kLast});
  EXPECT_EQ(c.tick(), c.timeline().ticks());
  // A stop behind the position brings it back there.
  c.dispatch(Command{Command::Kind::kSetStop, 2});
  EXPECT_EQ(c.tick(), 2u);
}

TEST(Predict, ARightPredictionIsSaidAsTheTerminalQuizSaysIt) {
  auto a = attach(Session::from_file(kPipe, {}), kPipe);
  PredictMode& p = a->predict;
  p.draft().append("rfd", sim::kEPOLLIN);
  EXPECT_EQ(p.draft().text(), "[rfd: EPOLLIN]");
  ASSERT_TRUE(p.reveal(*a->session));
  const Revealed* r = p.revealed(0);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->reveal.right);
  EXPECT_FALSE(r->reveal.from_kernel);
  EXPECT_EQ(r->reveal.verdict(r->prediction), "\u2713 right: the model returned [rfd: EPOLLIN]");
  EXPECT_EQ(r->reveal.explanation(), "");
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0].mark, RevealRow::Mark::kSame);
  EXPECT_EQ(r->rows[0].answer, "rfd: EPOLLIN");
  EXPECT_NE(r->narration.find("ep_send_events"), std::string::npos);
  EXPECT_EQ(p.last_revealed(), 0u);
  EXPECT_EQ(p.pending(), 1u);
  EXPECT_TRUE(p.draft().events.empty());  // a fresh draft for the next question
  EXPECT_EQ(p.score(), (Score{1, 1, 3}));
}

TEST(Predict, AWrongPredictionIsMarkedEntryByEntryAndNamesTheKernelFunction) {
  auto a = attach(Session::from_file(kPipe, {}), kPipe);
  PredictMode& p = a->predict;
  p.draft().append("rfd", sim::kEPOLLIN);
  ASSERT_TRUE(p.reveal(*a->session));
  // Line 34: the ET item was not re-queued, so nothing is ready; the learner expects the 1 KB.
  p.draft().append("rfd", sim::kEPOLLIN);
  ASSERT_TRUE(p.reveal(*a->session));
  const Revealed* r = p.revealed(1);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->reveal.right);
  EXPECT_EQ(r->reveal.answer, "[]");
  EXPECT_EQ(r->reveal.verdict(r->prediction)
                .rfind("\u2717 not quite: you said [rfd: EPOLLIN], the model returned []", 0),
            0u)
      << r->reveal.verdict(r->prediction);
  EXPECT_EQ(r->reveal.function, "ep_poll");
  EXPECT_EQ(r->reveal.explanation().rfind("decided in ep_poll: ", 0), 0u);
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0].mark, RevealRow::Mark::kNotReturned);
  EXPECT_EQ(r->rows[0].answer, "");
  EXPECT_EQ(p.score(), (Score{1, 2, 3}));
}

TEST(Predict, EntriesAreComparedInOrderWithTheirMasks) {
  driver::Outcome answer;
  answer.ret = 2;
  answer.events = {sim::EpollEvent{sim::kEPOLLIN, 5}, sim::EpollEvent{sim::kEPOLLOUT, 6}};
  const std::map<std::string, int> names{{"a", 5}, {"b", 6}, {"c", 7}};
  using M = RevealRow::Mark;
  auto marks = [&](std::vector<PredictedEvent> predicted) {
    std::vector<M> out;
    for (const RevealRow& r : compare_events(predicted, answer, names))
      out.push_back(r.mark);
    return out;
  };
  EXPECT_EQ(marks({{"a", sim::kEPOLLIN}, {"b", sim::kEPOLLOUT}}),
            (std::vector<M>{M::kSame, M::kSame}));
  EXPECT_EQ(marks({{"b", sim::kEPOLLOUT}, {"a", sim::kEPOLLIN}}),
            (std::vector<M>{M::kOtherPlace, M::kOtherPlace}));
  EXPECT_EQ(marks({{"a", sim::kEPOLLIN | sim::kEPOLLOUT}, {"c", sim::kEPOLLIN}}),
            (std::vector<M>{M::kOtherMask, M::kOtherItem}));
  EXPECT_EQ(marks({{"a", sim::kEPOLLIN}}), (std::vector<M>{M::kSame, M::kNotPredicted}));
  EXPECT_EQ(marks({}), (std::vector<M>{M::kNotPredicted, M::kNotPredicted}));
  const auto rows = compare_events({{"a", sim::kEPOLLIN}}, answer, names);
  EXPECT_EQ(rows[1].answer, "b: EPOLLOUT");
  EXPECT_EQ(rows[1].predicted, "");
  EXPECT_STREQ(mark_text(M::kOtherPlace), "other order");
}

TEST(Predict, ThePredictionIsBuiltAndWrittenInTheQuizsNotation) {
  Prediction p;
  EXPECT_EQ(p.text(), "[]");
  p.append("a", sim::kEPOLLIN);
  p.append("b", sim::kEPOLLOUT | sim::kEPOLLHUP);
  p.append("c", 0);
  EXPECT_EQ(p.incomplete(), "choose a mask for c");
  p.remove(2);
  p.remove(7);  // out of range: nothing
  EXPECT_EQ(p.text(), "[a: EPOLLIN, b: EPOLLOUT|EPOLLHUP]");
  p.move(1, -1);
  EXPECT_EQ(p.text(), "[b: EPOLLOUT|EPOLLHUP, a: EPOLLIN]");
  p.move(0, -1);  // already first
  p.move(1, +1);  // already last
  EXPECT_EQ(p.text(), "[b: EPOLLOUT|EPOLLHUP, a: EPOLLIN]");
  EXPECT_EQ(p.incomplete(), "");
  p.kind = Prediction::Kind::kBlocks;
  EXPECT_EQ(p.text(), "blocks");
  p.kind = Prediction::Kind::kValue;
  p.value = 1024;
  EXPECT_EQ(p.text(), "1024");
  p.kind = Prediction::Kind::kError;
  EXPECT_EQ(p.text(), "-1 EAGAIN");
}

TEST(Predict, MarkedLinesAskForAValueOrAnErrno) {
  const std::string text =
      "epfd = epoll_create1(0)\n"
      "pipe2(rfd, wfd, O_NONBLOCK)\n"
      "epoll_ctl(epfd, EPOLL_CTL_ADD, rfd, EPOLLIN) => 0\n"
      "write(wfd, 2048) => 2048\n"
      "read(rfd, 4096) ?=> 2048\n"
      "read(rfd, 4096) ?=> -1 EAGAIN\n"
      "epoll_wait(epfd, 8, 0) => []\n";
  auto a = attach(Session::from_text(text, "marked.scn", {}), "marked.scn");
  PredictMode& p = a->predict;
  ASSERT_EQ(p.questions().size(), 2u);  // the ?=> lines, not the epoll_wait
  EXPECT_FALSE(p.questions()[0].events);
  EXPECT_EQ(p.questions()[0].text, "read(rfd, 4096)");
  p.draft().kind = Prediction::Kind::kValue;
  p.draft().value = 4096;
  ASSERT_TRUE(p.reveal(*a->session));
  EXPECT_FALSE(p.revealed(0)->reveal.right);
  EXPECT_EQ(p.revealed(0)->reveal.answer, "2048");
  EXPECT_TRUE(p.revealed(0)->rows.empty());
  EXPECT_FALSE(p.revealed(0)->reveal.function.empty());
  p.draft().kind = Prediction::Kind::kError;
  p.draft().err = "EAGAIN";
  ASSERT_TRUE(p.reveal(*a->session));
  EXPECT_TRUE(p.revealed(1)->reveal.right);
  EXPECT_EQ(p.pending(), 2u);
  EXPECT_FALSE(p.reveal(*a->session));  // nothing left to ask
  EXPECT_EQ(p.score(), (Score{1, 2, 2}));
}

TEST(Predict, AnIncompleteOrUnreadablePredictionIsNotRevealedAndSaysWhy) {
  auto a = attach(Session::from_file(kPipe, {}), kPipe);
  PredictMode& p = a->predict;
  std::string why;
  p.draft().append("rfd", 0);
  EXPECT_FALSE(p.reveal(*a->session, &why));
  EXPECT_EQ(why, "choose a mask for rfd");
  p.draft().events[0] = {"nosuchname", sim::kEPOLLIN};
  why.clear();
  EXPECT_FALSE(p.reveal(*a->session, &why));
  EXPECT_NE(why.find("nosuchname"), std::string::npos) << why;
  EXPECT_EQ(p.pending(), 0u);  // still asked
  EXPECT_EQ(p.score(), (Score{0, 0, 3}));
}

TEST(Predict, QuestionsThePositionHasPassedAreNotAsked) {
  auto s = Session::from_file(kPipe, {});
  const Timeline t(*s, nullptr);
  const std::size_t after_first = t.last_tick_of(4);
  auto a = attach(std::move(s), kPipe, after_first);
  EXPECT_EQ(a->predict.pending(), 1u);
  EXPECT_EQ(a->predict.score(), (Score{0, 0, 3}));
}

TEST(Predict, ALessonsScoreSumsItsScenariosAndIsKeptInTheProgressFile) {
  auto a = attach(Session::from_file(kPipe, {}), kPipe);
  a->predict.draft().append("rfd", sim::kEPOLLIN);
  ASSERT_TRUE(a->predict.reveal(*a->session));
  driver::Lesson lesson;
  lesson.path = "/course/02-pipe.lesson";
  lesson.scenarios = {"01-pipe-2k-1k-et.scn", "01-pipe-2k-1k-lt.scn"};
  const Score s = a->predict.lesson_score(lesson, {{"01-pipe-2k-1k-lt.scn", 4}});
  EXPECT_EQ(s, (Score{1, 1, 7}));  // the LT scenario not taken: its 4 questions count

  const std::string dir = testing::TempDir() + "/predict-progress";
  std::filesystem::remove_all(dir);
  const std::string file = dir + "/epollscope/progress.txt";
  std::string error;
  ASSERT_TRUE(driver::save_lesson_score(file, "01-three-calls", {2, 3, 5}, &error)) << error;
  ASSERT_TRUE(driver::save_lesson_score(file, lesson.id(), {s.right, s.asked, s.questions}, &error))
      << error;
  const auto progress = driver::read_progress(file);
  ASSERT_EQ(progress.size(), 2u);
  EXPECT_EQ(progress.at("02-pipe"), (driver::LessonScore{1, 1, 7}));
  EXPECT_EQ(progress.at("01-three-calls"), (driver::LessonScore{2, 3, 5}));
  // A folder that cannot be made is an error, said.
  EXPECT_FALSE(driver::save_lesson_score(file + "/x/progress.txt", "a", {}, &error));
  EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace epollscope::app
