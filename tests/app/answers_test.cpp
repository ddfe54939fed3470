// SPDX-License-Identifier: GPL-2.0-only
// What the kernel column and the script panel say about answers, without a window
// (gui/app/answers.h): only the answers the position has reached, failed expectations with both
// texts, errno results told apart from successes, and compare mode's twin that stopped keeping its
// last state and saying why. The "real kernel" here is a model of Linux 5.10 behind a backend
// named "kernel", so that it can answer otherwise, deterministically.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "driver/i18n.h"
#include "driver/model_backend.h"
#include "gui/app/answers.h"
#include "gui/app/controller.h"
#include "gui/app/session.h"
#include "gui/app/timeline.h"

namespace epollscope::app {
namespace {

// A model standing in for the real kernel: a backend named "kernel" that does not learn the tree
// order (the real kernel's part), on a kernel profile of one's choice.
class FakeKernel final : public driver::Backend {
 public:
  explicit FakeKernel(const sim::KernelProfile& p) : model_(p, false) {}
  const char* name() const override { return "kernel"; }
  bool start(std::string* error) override { return model_.start(error); }
  driver::CallResult perform(const driver::ResolvedCall& call) override {
    return model_.perform(call);
  }
  std::vector<driver::ThreadResult> take_completions() override {
    return model_.take_completions();
  }
  std::vector<driver::FdinfoEntry> fdinfo(int epfd) override { return model_.fdinfo(epfd); }
  void stop() override { model_.stop(); }
  long epitems() const override { return model_.epitems(); }

 private:
  driver::ModelBackend model_;
};

const sim::KernelProfile& profile(const std::string& name) {
  const sim::KernelProfile* p = sim::KernelProfile::by_name(name);
  EXPECT_NE(p, nullptr) << name;
  return p ? *p : sim::KernelProfile::default_profile();
}

SessionOptions with_kernel(const std::string& kernel_profile) {
  SessionOptions o;
  o.kernel = [kernel_profile] { return std::make_unique<FakeKernel>(profile(kernel_profile)); };
  return o;
}

std::string source_dir() {
  return EPOLLSCOPE_SOURCE_DIR;
}

// The pipe example with one wrong expectation (line 12) and two errno results (lines 14, 15).
std::unique_ptr<Session> wrong_expectation(const SessionOptions& o) {
  auto s = Session::from_file(source_dir() + "/tests/data/wrong-expectation.scn", o);
  EXPECT_TRUE(s->ok()) << s->error();
  return s;
}

std::size_t statement_on_line(const Session& s, int line) {
  for (std::size_t i = 0; i < s.scenario().statements.size(); ++i)
    if (s.scenario().statements[i].loc.line == line) return i;
  ADD_FAILURE() << "no statement on line " << line;
  return 0;
}

// At every tick, the rows of the kernel column show the answers of the statements whose steps are
// all done, and nothing of any later one.
TEST(KernelColumn, ShowsNoAnswerOfALaterLine) {
  auto s = wrong_expectation(with_kernel(sim::KernelProfile::default_profile().name));
  ASSERT_TRUE(s->live());
  Timeline tl(*s, nullptr);
  const std::size_t n = s->scenario().statements.size();
  ASSERT_EQ(s->statements().size(), n);
  EXPECT_EQ(answered_statements(tl, 0), 0u);
  EXPECT_EQ(answered_statements(tl, tl.ticks()), n);
  std::size_t previous = 0;
  for (std::size_t tick = 0; tick <= tl.ticks(); ++tick) {
    const Timeline::Position pos = tl.at(tick);
    const std::size_t answered = answered_statements(tl, tick);
    // Never ahead of the current statement; the current one once its last step is shown.
    if (!pos.before_first) {
      EXPECT_LE(answered, pos.statement + 1) << "tick " << tick;
      EXPECT_EQ(answered == pos.statement + 1, tick == tl.last_tick_of(pos.statement))
          << "tick " << tick;
    }
    EXPECT_GE(answered, previous);
    previous = answered;
    for (std::size_t i = 0; i < n; ++i) {
      const AnswerRow row = answer_row(*s, i, i < answered);
      EXPECT_EQ(row.line, s->scenario().statements[i].loc.line);
      if (i < answered) {
        EXPECT_TRUE(row.reached);
        EXPECT_TRUE(row.model.ran);
        EXPECT_FALSE(row.model.text.empty());
        continue;
      }
      // A later line: nothing of its answers, its mark or its failure.
      EXPECT_FALSE(row.reached) << "tick " << tick << " statement " << i;
      EXPECT_FALSE(row.model.ran || row.kernel.ran);
      EXPECT_TRUE(row.model.text.empty() && row.kernel.text.empty());
      EXPECT_EQ(row.mark, AnswerRow::Mark::kNone);
      EXPECT_TRUE(row.note.empty() && row.why.empty());
    }
    // The script's marks: only lines reached.
    for (std::size_t st : marked_reached(*s, answered))
      EXPECT_LT(st, answered);
  }
  // Before the first step: no row has an answer, although the run knows them all.
  EXPECT_FALSE(answer_row(*s, n - 1, answered_statements(tl, 0) > n - 1).reached);
}

// In Chinese the same notes are Chinese around the notation (the expectation and the answers
// stay as the scenario writes them).
TEST(KernelColumn, TheNotesAreChineseInChinese) {
  auto s = wrong_expectation(with_kernel(sim::KernelProfile::default_profile().name));
  const std::size_t wrong = statement_on_line(*s, 12);
  driver::set_language(driver::Lang::zh);
  const AnswerRow row = answer_row(*s, wrong, true);
  const std::string mark = script_mark(*s, wrong);
  driver::set_language(driver::Lang::en);
  EXPECT_EQ(row.model.failure, "预期 [r: EPOLLIN],得到 0 []");
  EXPECT_EQ(mark, "预期 [r: EPOLLIN],得到 0 []");
  EXPECT_EQ(script_mark(*s, wrong), "expected [r: EPOLLIN], got 0 []");
}

TEST(KernelColumn, AWrongExpectationIsMarkedWithWhatWasExpectedAndWhatCame) {
  auto s = wrong_expectation(with_kernel(sim::KernelProfile::default_profile().name));
  const std::size_t wrong = statement_on_line(*s, 12);
  // The driver's verdict: one failed expectation on each backend, on that line only.
  EXPECT_EQ(s->failed_expectations(), 2);
  EXPECT_EQ(s->marked_statements(), std::vector<std::size_t>{wrong});
  const AnswerRow row = answer_row(*s, wrong, true);
  EXPECT_EQ(row.mark, AnswerRow::Mark::kFailed);
  EXPECT_TRUE(row.model.failed);
  EXPECT_TRUE(row.kernel.failed);
  EXPECT_EQ(row.model.failure, "expected [r: EPOLLIN], got 0 []");
  EXPECT_EQ(row.kernel.failure, "expected [r: EPOLLIN], got 0 []");
  EXPECT_EQ(row.note, "expected [r: EPOLLIN], got 0 []");
  EXPECT_NE(row.why.find("expected [r: EPOLLIN], model gave 0 []"), std::string::npos) << row.why;
  EXPECT_EQ(script_mark(*s, wrong), "expected [r: EPOLLIN], got 0 []");
  // The lines around it held: ✓, no note.
  for (std::size_t i = 0; i < s->statements().size(); ++i) {
    if (i == wrong) continue;
    const AnswerRow other = answer_row(*s, i, true);
    EXPECT_EQ(other.mark, AnswerRow::Mark::kAgree) << "statement " << i;
    EXPECT_FALSE(other.model.failed || other.kernel.failed);
    EXPECT_TRUE(other.note.empty());
  }
  // Without the kernel, the model's failure alone.
  auto alone = wrong_expectation(SessionOptions{});
  const AnswerRow m = answer_row(*alone, wrong, true);
  EXPECT_EQ(m.mark, AnswerRow::Mark::kFailed);
  EXPECT_FALSE(m.kernel.ran);
  EXPECT_EQ(m.note, "model: expected [r: EPOLLIN], got 0 []");
  // The mark appears only once the line is reached.
  Timeline tl(*alone, nullptr);
  EXPECT_TRUE(marked_reached(*alone, answered_statements(tl, tl.last_tick_of(wrong) - 1)).empty());
  EXPECT_EQ(marked_reached(*alone, answered_statements(tl, tl.last_tick_of(wrong))),
            std::vector<std::size_t>{wrong});
}

// Only the kernel fails: the model of this kernel expects the second write to wake the ET
// reader; a Linux 5.10 kernel does not (a write into a non-empty pipe woke nobody then).
TEST(KernelColumn, AnExpectationOnlyTheKernelMissesIsMarkedInTheKernelColumn) {
  const std::string path = source_dir() + "/scenarios/06-pipe-write-wakes-et-reader-6.18.scn";
  SessionOptions o = with_kernel("5.10");
  o.profile = &profile("6.18");
  auto s = Session::from_file(path, o);
  ASSERT_TRUE(s->ok()) << s->error();
  ASSERT_TRUE(s->live()) << s->note();
  ASSERT_FALSE(s->marked_statements().empty());
  const std::size_t first = s->marked_statements().front();
  const AnswerRow row = answer_row(*s, first, true);
  EXPECT_FALSE(row.model.failed);
  EXPECT_TRUE(row.kernel.failed);
  EXPECT_EQ(row.mark, AnswerRow::Mark::kDiffers);  // and the answers differ
  EXPECT_EQ(row.note, "kernel: " + row.kernel.failure);
  EXPECT_EQ(row.kernel.failure.rfind("expected ", 0), 0u) << row.kernel.failure;
  EXPECT_NE(row.kernel.failure.find(", got " + row.kernel.text), std::string::npos);
  EXPECT_NE(script_mark(*s, first).find("the real kernel got " + row.kernel.text),
            std::string::npos)
      << script_mark(*s, first);
}

TEST(KernelColumn, AnErrnoResultIsClassifiedAsErrno) {
  auto s = wrong_expectation(SessionOptions{});
  const AnswerRow eagain = answer_row(*s, statement_on_line(*s, 14), true);
  EXPECT_EQ(eagain.model.kind, ResultKind::kErrno);
  EXPECT_EQ(eagain.model.text, "-1 EAGAIN");
  EXPECT_FALSE(eagain.model.failed);  // expected, and an errno all the same
  EXPECT_EQ(answer_row(*s, statement_on_line(*s, 15), true).model.kind, ResultKind::kErrno);
  EXPECT_EQ(answer_row(*s, statement_on_line(*s, 13), true).model.kind, ResultKind::kSuccess);
  EXPECT_EQ(answer_row(*s, statement_on_line(*s, 12), true).model.kind, ResultKind::kSuccess);
  driver::Outcome o;
  EXPECT_EQ(classify(o), ResultKind::kSuccess);  // 0
  o.ret = -1;
  o.err = sim::kEAGAIN;
  EXPECT_EQ(classify(o), ResultKind::kErrno);
  o = {};
  o.blocked = true;
  EXPECT_EQ(classify(o), ResultKind::kBlocks);
  // A live trace's answers, already text.
  EXPECT_EQ(classify_text("-1 EAGAIN"), ResultKind::kErrno);
  EXPECT_EQ(classify_text("1 [4: EPOLLIN]"), ResultKind::kSuccess);
  EXPECT_EQ(classify_text("-1"), ResultKind::kSuccess);  // a value, no errno
  EXPECT_EQ(classify_text("blocks"), ResultKind::kBlocks);
}

// 01-pipe-2k-1k-et-blocks beside its level-triggered twin: in the twin, t1 does not sleep (the 1
// KB left keeps the pipe ready), so `t1 => blocks` and then `t1` with no call asleep cannot run.
// The twin's pane keeps the state after its last statement at every later position and says
// where and why it stopped; the edge-triggered side runs to its end.
TEST(CompareMode, TheTwinThatStoppedKeepsItsLastStateAndSaysWhy) {
  ControllerOptions co;
  Controller c(co);
  c.dispatch(Command{Command::Kind::kSetCompare, 0, 0, 0, {}, CompareMode::kTrigger});
  c.dispatch(Command{Command::Kind::kOpen, 0, 0, 0,
                     source_dir() + "/scenarios/01-pipe-2k-1k-et-blocks.scn"});
  ASSERT_TRUE(c.error().empty()) << c.error();
  ASSERT_NE(c.right(), nullptr);
  const Session& et = *c.left();
  const Session& lt = *c.right();
  EXPECT_EQ(et.label(), "edge-triggered");
  EXPECT_EQ(lt.label(), "level-triggered");
  EXPECT_FALSE(et.stop().stopped);
  ASSERT_TRUE(lt.stop().stopped);
  ASSERT_LT(lt.statements().size(), et.statements().size());
  const std::size_t stop = lt.stop().statement;
  EXPECT_EQ(stop, lt.statements().size() - 1);
  EXPECT_GT(lt.stop().line, 0);
  EXPECT_FALSE(lt.stop().why.empty());
  const std::string expected_note =
      "stopped at line " + std::to_string(lt.stop().line) + ": " + lt.stop().why;
  const std::size_t lt_end = lt.statements().back().end_step;
  ASSERT_GT(lt_end, 0u);
  const auto& last = lt.snapshot_after(lt_end);
  ASSERT_EQ(last.epolls.size(), 1u);  // not "no epoll instance yet"
  const Timeline& tl = c.timeline();
  // The timeline goes on to the edge-triggered side's end.
  EXPECT_EQ(tl.statements(), et.statements().size());
  EXPECT_EQ(tl.at(tl.ticks()).left_steps, et.step_count());
  for (std::size_t tick = 0; tick <= tl.ticks(); ++tick) {
    const Timeline::Position pos = tl.at(tick);
    const std::string note = stop_note(lt, pos.statement, pos.before_first);
    if (pos.before_first || pos.statement < stop) {
      EXPECT_TRUE(note.empty()) << "tick " << tick << ": " << note;
      continue;
    }
    // At the statement that could not run and every position after it: the last state, and why.
    EXPECT_EQ(note, expected_note) << "tick " << tick;
    EXPECT_EQ(pos.right_steps, lt_end) << "tick " << tick;
    EXPECT_EQ(&lt.snapshot_after(pos.right_steps), &last);
    EXPECT_EQ(lt.snapshot_after(pos.right_steps).epolls.size(), 1u);
    EXPECT_TRUE(stop_note(et, pos.statement, pos.before_first).empty());
  }
  // The stop is also the twin's mark on that line.
  const AnswerRow row = answer_row(lt, stop, true);
  EXPECT_EQ(row.mark, AnswerRow::Mark::kStopped);
  EXPECT_EQ(row.note, "stopped here: " + lt.stop().why);
}

// The other way round: the edge-triggered twin of a level-triggered scenario stops (its main
// thread would wait for ever), the level-triggered side runs on; ET stays on the left, and the
// timeline still reaches the level-triggered side's last statement.
TEST(CompareMode, TheLeftTwinStoppingDoesNotCutTheOtherShort) {
  ControllerOptions co;
  Controller c(co);
  c.dispatch(Command{Command::Kind::kSetCompare, 0, 0, 0, {}, CompareMode::kTrigger});
  const std::string text = R"(ep = epoll_create1(0)
pipe2(r, w, O_NONBLOCK)
epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)
write(w, 2048)
epoll_wait(ep, 8, 0)          => [r: EPOLLIN]
read(r, 1024)                 => 1024
epoll_wait(ep, 8, -1)         => [r: EPOLLIN]
read(r, 1024)                 => 1024
close(w)                      => 0
)";
  c.open_text(text, "lt.scn");
  ASSERT_TRUE(c.error().empty()) << c.error();
  ASSERT_NE(c.right(), nullptr);
  const Session& et = *c.left();
  const Session& lt = *c.right();
  EXPECT_EQ(et.label(), "edge-triggered");
  ASSERT_TRUE(et.stop().stopped);
  EXPECT_EQ(et.stop().line, 8);  // main still asleep in line 7's epoll_wait
  EXPECT_FALSE(lt.stop().stopped);
  const Timeline& tl = c.timeline();
  EXPECT_EQ(tl.statements(), lt.statements().size());
  const Timeline::Position end = tl.at(tl.ticks());
  EXPECT_EQ(end.statement, lt.statements().size() - 1);
  EXPECT_EQ(end.right_steps, lt.step_count());
  EXPECT_EQ(end.left_steps, et.statements().back().end_step);
  EXPECT_EQ(stop_note(et, end.statement, false).rfind("stopped at line 8: ", 0), 0u)
      << stop_note(et, end.statement, false);
  // Its kernel-column rows after the stop: reached, and nothing ran there.
  const AnswerRow after = answer_row(et, end.statement, true);
  EXPECT_TRUE(after.reached);
  EXPECT_FALSE(after.model.ran);
  EXPECT_EQ(after.mark, AnswerRow::Mark::kNone);
}

TEST(RowMap, SecondRowsFollowTheirLines) {
  RowMap m{5, {1, 3}};
  EXPECT_EQ(m.size(), 7u);
  const std::pair<std::size_t, bool> want[] = {{0, false}, {1, false}, {1, true}, {2, false},
                                               {3, false}, {3, true},  {4, false}};
  for (std::size_t d = 0; d < m.size(); ++d) {
    EXPECT_EQ(m.at(d).base, want[d].first) << d;
    EXPECT_EQ(m.at(d).second, want[d].second) << d;
  }
  EXPECT_EQ(m.display_of(4), 6u);
  EXPECT_EQ(m.display_of(2), 3u);
}

}  // namespace
}  // namespace epollscope::app
