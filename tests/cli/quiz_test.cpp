// SPDX-License-Identifier: GPL-2.0-only
// `epollscope quiz` (issue 17, predict then reveal): the learner's answers, typed as
// expectations, are compared with the answer of the kernel (or of the model, said so); the score
// line counts them; question points are the `?=>` lines, else every epoll_wait; a bad answer is
// explained and asked again; the end of input ends the quiz. And the language side: `?=>` marks a
// statement and is checked like `=>`; parse_answer's errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cli/cli.h"
#include "driver/i18n.h"
#include "sim/script/parser.h"

namespace epollscope::cli {
namespace {

std::string scenario(const std::string& name) {
  return std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + name;
}

struct Quiz {
  int status = -1;
  std::string text;
  std::string last_line;
};

Quiz quiz(const std::string& path, const std::string& answers, bool live = false, int width = 100) {
  std::istringstream in(answers);
  std::ostringstream out;
  QuizOptions o;
  o.path = path;
  o.live = live;
  o.width = width;
  Quiz q;
  q.status = run_quiz(in, out, o);
  q.text = out.str();
  std::istringstream lines(q.text);
  for (std::string l; std::getline(lines, l);)
    if (!l.empty()) q.last_line = l;
  return q;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

const std::string kPipeEt = "01-pipe-2k-1k-et.scn";

TEST(CliQuiz, RightAnswersScoreEveryQuestion) {
  const Quiz q = quiz(scenario(kPipeEt), "[rfd: EPOLLIN]\n[]\n[]\n");
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 3 of 3") << q.text;
  EXPECT_EQ(count(q.text, "\u2713 right"), 3u) << q.text;
  EXPECT_NE(
      q.text.find("3 questions (every epoll_wait, poll and select, their p- variants included)"),
      std::string::npos)
      << q.text;
  EXPECT_NE(q.text.find("Answers come from the model"), std::string::npos) << q.text;
}

TEST(CliQuiz, WrongAnswersAreRevealedWithTheKernelFunctions) {
  // The classic mistake: expecting the 1 KB left in the pipe to be reported again.
  const Quiz q = quiz(scenario(kPipeEt), "[rfd: EPOLLIN]\n[rfd: EPOLLIN]\n[rfd: EPOLLIN]\n");
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 1 of 3") << q.text;
  EXPECT_EQ(count(q.text, "\u2717 not quite: you said [rfd: EPOLLIN], the model returned []"), 2u)
      << q.text;
  // The why names the kernel function that decides: ep_send_events (inside ep_poll).
  EXPECT_NE(q.text.find("ep_send_events"), std::string::npos) << q.text;
  // The question hides the expectation written in the scenario.
  EXPECT_NE(q.text.find("line 34: epoll_wait(epfd, 8, 0)\n"), std::string::npos) << q.text;
}

// In Chinese (--lang zh) the quiz's words and the model's steps are Chinese, and the score line
// is still exactly `score: K of N`, which scripts read.
TEST(CliQuiz, InChineseTheScoreLineStaysAsScriptsReadIt) {
  driver::set_language(driver::Lang::zh);
  const Quiz q = quiz(scenario(kPipeEt), "[rfd: EPOLLIN]\n[rfd: EPOLLIN]\n[]\n");
  driver::set_language(driver::Lang::en);
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 2 of 3") << q.text;
  EXPECT_EQ(count(q.text, "你的答案?"), 3u) << q.text;
  EXPECT_EQ(count(q.text, "\u2717 不太对"), 1u) << q.text;
  // ep_send_events's sentence about the edge-triggered item, from its template (the step's text
  // breaks between Chinese characters at the column's width: read with the breaks taken out).
  std::string joined;
  for (std::size_t i = 0; i < q.text.size(); ++i) {
    if (q.text[i] != '\n') {
      joined += q.text[i];
      continue;
    }
    while (i + 1 < q.text.size() && q.text[i + 1] == ' ')
      ++i;
  }
  EXPECT_NE(joined.find("它是边缘触发的,所以在下次唤醒之前不在就绪链表上"), std::string::npos)
      << q.text;
  EXPECT_EQ(q.text.find("your answer?"), std::string::npos) << q.text;
}

// The notation's examples are those of the calls asked about: poll's revents and select's result
// sets for a poll or a select scenario (not epoll_wait's events), in English and in Chinese; an
// empty line shows the notation of the question's own call. (Wide lines: each sentence on one.)
TEST(CliQuiz, TheNotationShowsTheExamplesOfTheCallsAsked) {
  const Quiz epoll = quiz(scenario(kPipeEt), "");
  EXPECT_NE(epoll.text.find("[rfd: EPOLLIN]"), std::string::npos) << epoll.text;
  EXPECT_EQ(epoll.text.find("POLLIN]"), epoll.text.find("EPOLLIN]") + 1) << epoll.text;
  EXPECT_EQ(epoll.text.find("readfds"), std::string::npos) << epoll.text;

  const Quiz poll = quiz(scenario("16-same-workload-poll.scn"), "\n", false, 1000);
  EXPECT_EQ(count(poll.text, "for poll, the entries whose revents is not 0"), 2u) << poll.text;
  EXPECT_NE(poll.text.find("[rfd: POLLIN]"), std::string::npos) << poll.text;
  EXPECT_EQ(poll.text.find("EPOLLIN"), std::string::npos) << poll.text;
  EXPECT_EQ(poll.text.find("readfds"), std::string::npos) << poll.text;

  const Quiz select = quiz(scenario("16-same-workload-select.scn"), "\n", false, 1000);
  EXPECT_EQ(count(select.text, "[rfd: readfds]"), 2u) << select.text;
  EXPECT_NE(select.text.find("[rfd: readfds, s: readfds|writefds]"), std::string::npos)
      << select.text;
  EXPECT_EQ(select.text.find("EPOLLIN"), std::string::npos) << select.text;
  EXPECT_EQ(select.text.find("POLLIN"), std::string::npos) << select.text;

  driver::set_language(driver::Lang::zh);
  const Quiz poll_zh = quiz(scenario("16-same-workload-poll.scn"), "", false, 1000);
  const Quiz select_zh = quiz(scenario("16-same-workload-select.scn"), "", false, 1000);
  driver::set_language(driver::Lang::en);
  EXPECT_NE(poll_zh.text.find("poll 按数组顺序列出 revents 不为 0 的项,例如 [rfd: POLLIN]"),
            std::string::npos)
      << poll_zh.text;
  EXPECT_EQ(poll_zh.text.find("EPOLLIN"), std::string::npos) << poll_zh.text;
  EXPECT_NE(select_zh.text.find("例如 [rfd: readfds]"), std::string::npos) << select_zh.text;
  EXPECT_EQ(select_zh.text.find("for select"), std::string::npos) << select_zh.text;
}

TEST(CliQuiz, TheEndOfInputEndsTheQuiz) {
  const Quiz q = quiz(scenario(kPipeEt), "[rfd: EPOLLIN]\n");
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 1 of 1") << q.text;
  EXPECT_NE(q.text.find("The input ended: 2 of 3 questions were not asked."), std::string::npos)
      << q.text;
  const Quiz none = quiz(scenario(kPipeEt), "");
  EXPECT_EQ(none.last_line, "score: 0 of 0") << none.text;
}

TEST(CliQuiz, AnUnreadableAnswerIsExplainedAndAskedAgain) {
  const Quiz q =
      quiz(scenario(kPipeEt), "[nosuch: EPOLLIN]\n\n1024 or 2\n[rfd: EPOLLIN]\n[]\n[]\n");
  EXPECT_EQ(q.last_line, "score: 3 of 3") << q.text;
  EXPECT_NE(q.text.find("undefined name 'nosuch'"), std::string::npos) << q.text;
  EXPECT_NE(q.text.find("give one answer, without 'or'"), std::string::npos) << q.text;
  // The empty line showed the notation again (once at the start, once for the empty line).
  EXPECT_EQ(count(q.text, "Type what the call returns"), 2u) << q.text;
}

// Input that is no answers at all ends the quiz instead of asking forever, and a line without an
// end is not kept whole: `yes | epollscope quiz`, a stream of NULs or one enormous line.
TEST(CliQuiz, InputThatIsNoAnswersEndsTheQuiz) {
  std::string ys;
  for (int i = 0; i < 1000; ++i)
    ys += "y\n";
  const Quiz yes = quiz(scenario(kPipeEt), ys);
  EXPECT_EQ(yes.status, 1) << yes.text;
  EXPECT_EQ(yes.last_line, "score: 0 of 0") << yes.text;
  EXPECT_NE(yes.text.find("20 answers in a row could not be read"), std::string::npos);
  EXPECT_LT(yes.text.size(), 20000u);  // asked 20 times, not 1000

  const Quiz huge = quiz(scenario(kPipeEt), std::string(3u << 20, 'x'));
  EXPECT_EQ(huge.status, 0) << huge.text.substr(0, 2000);  // 3 unreadable tries, then the end
  EXPECT_EQ(huge.last_line, "score: 0 of 0");
  EXPECT_NE(huge.text.find("an answer is one short line"), std::string::npos);
  EXPECT_LT(huge.text.size(), 20000u);

  // A long line, then a right answer: the long one is refused, the next one counts.
  const Quiz then = quiz(scenario(kPipeEt), std::string(5000, ' ') + "x\n[rfd: EPOLLIN]\n");
  EXPECT_EQ(then.last_line, "score: 1 of 1") << then.text.substr(0, 2000);
}

TEST(CliQuiz, MarkedLinesAreTheOnlyQuestions) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "epollscope-quiz";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "marked.scn").string();
  std::ofstream(path) << "title \"marked\"\n"
                         "ep = epoll_create1(0)\n"
                         "pipe2(r, w, O_NONBLOCK)\n"
                         "epoll_ctl(ep, EPOLL_CTL_ADD, r, EPOLLIN)\n"
                         "epoll_wait(ep, 8, 0) => []\n"
                         "# The write makes the pipe readable.\n"
                         "write(w, 10) ?=> 10\n"
                         "read(r, 4) ?=> 4\n"
                         "epoll_wait(ep, 8, 0) => [r: EPOLLIN]\n";
  const Quiz q = quiz(path, "10\n5\n");
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 1 of 2") << q.text;
  EXPECT_NE(q.text.find("2 questions (the lines marked ?=>)"), std::string::npos) << q.text;
  EXPECT_NE(q.text.find("you said 5, the model returned 4"), std::string::npos) << q.text;
  // The narration of a question is shown after the answer, not before.
  EXPECT_LT(q.text.find("your answer?"), q.text.find("The write makes the pipe readable."))
      << q.text;
  // Unasked statements are printed with their results.
  EXPECT_NE(q.text.find("epoll_wait(ep, 8, 0)   = [r: EPOLLIN]"), std::string::npos) << q.text;
  std::filesystem::remove_all(dir);
}

TEST(CliQuiz, AScenarioWithoutQuestionsOrThatCannotBeReadIsAnError) {
  EXPECT_EQ(quiz("/nonexistent/x.scn", "").status, 2);
  EXPECT_EQ(quiz(scenario("13-errno-tour-epoll-ctl.scn"), "").status, 2);
}

// With the kernel: the answers are the kernel's.
TEST(CliQuiz, TheKernelAnswersWhenItCanBeAsked) {
  const Quiz q = quiz(scenario(kPipeEt), "[rfd: EPOLLIN]\n[]\n[rfd: EPOLLIN]\n", true);
  EXPECT_EQ(q.status, 0) << q.text;
  EXPECT_EQ(q.last_line, "score: 2 of 3") << q.text;
  EXPECT_NE(q.text.find("Answers come from this machine's kernel"), std::string::npos) << q.text;
  EXPECT_NE(q.text.find("the kernel returned []"), std::string::npos) << q.text;
}

TEST(ScenarioQuestion, QuestionMarksAStatementAndIsCheckedAsAnExpectation) {
  auto parsed = sim::script::parse_scenario(
      "ep = epoll_create1(0)\npipe2(r, w, 0)\nwrite(w, 3) ?=> 3\nt1: epoll_wait(ep, 1, -1) => "
      "blocks\nt1 ?=> blocks\n",
      "q.scn");
  ASSERT_TRUE(std::holds_alternative<sim::script::Scenario>(parsed))
      << std::get<sim::script::ParseError>(parsed).format();
  const auto& sc = std::get<sim::script::Scenario>(parsed);
  ASSERT_EQ(sc.statements.size(), 5u);
  EXPECT_FALSE(sc.statements[1].question);
  EXPECT_TRUE(sc.statements[2].question);
  EXPECT_EQ(sc.statements[2].expect.kind, sim::script::Expectation::Kind::kValue);
  EXPECT_EQ(sc.statements[2].expect.value, 3);
  EXPECT_FALSE(sc.statements[3].question);
  EXPECT_TRUE(sc.statements[4].question);
  // A lone '?' is still an error at its column.
  auto bad = sim::script::parse_scenario("ep = epoll_create1(0) ? 3\n", "b.scn");
  ASSERT_TRUE(std::holds_alternative<sim::script::ParseError>(bad));
  EXPECT_EQ(std::get<sim::script::ParseError>(bad).col, 23);
}

TEST(ScenarioQuestion, ParseAnswerChecksTheNotationAgainstTheCall) {
  using sim::script::CallId;
  using sim::script::parse_answer;
  using sim::script::ParseError;
  const std::set<std::string> names = {"rfd", "wfd"};
  auto ok = parse_answer("[rfd: EPOLLIN, wfd: EPOLLOUT|EPOLLERR]", CallId::kEpollWait, names);
  ASSERT_TRUE(std::holds_alternative<sim::script::Expectation>(ok));
  const auto& e = std::get<sim::script::Expectation>(ok);
  ASSERT_EQ(e.events.size(), 2u);
  EXPECT_EQ(e.events[1].name, "wfd");
  auto message = [&](const std::string& text, CallId call) {
    auto r = parse_answer(text, call, names);
    return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).message : "";
  };
  EXPECT_NE(message("", CallId::kEpollWait).find("an answer is expected"), std::string::npos);
  EXPECT_NE(message("[x: EPOLLIN]", CallId::kEpollWait).find("undefined name 'x'"),
            std::string::npos);
  EXPECT_NE(message("[] or 1", CallId::kEpollWait).find("without 'or'"), std::string::npos);
  EXPECT_NE(message("[rfd: EPOLLIN]", CallId::kRead).find("only epoll_wait"), std::string::npos);
  EXPECT_NE(message("1024 1", CallId::kRead).find("after the end"), std::string::npos);
  EXPECT_EQ(message("-1 EAGAIN", CallId::kRead), "");
  EXPECT_EQ(message("blocks", CallId::kEpollWait), "");
}

}  // namespace
}  // namespace epollscope::cli
