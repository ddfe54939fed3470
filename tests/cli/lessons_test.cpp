// SPDX-License-Identifier: GPL-2.0-only
// The course (issue 17): lesson files parse with file:line:col errors; every lesson of the
// library names scenarios that exist and ask questions; `epollscope lessons` lists the course
// with the progress kept between runs, takes a lesson as quizzes and keeps its score.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "cli/cli.h"
#include "cli/term.h"
#include "driver/lesson.h"
#include "driver/scenario_files.h"

namespace epollscope::cli {
namespace {

namespace fs = std::filesystem;

std::string parse_error(const std::string& text) {
  auto r = driver::parse_lesson(text, "t.lesson");
  if (!std::holds_alternative<sim::script::ParseError>(r)) return "";
  const auto& e = std::get<sim::script::ParseError>(r);
  return std::to_string(e.line) + ":" + std::to_string(e.col) + ": " + e.message;
}

const std::string kGood =
    "// a comment\n"
    "title \"Pipes\"\n"
    "scenario 01-pipe-2k-1k-et.scn\n"
    "scenario 01-pipe-2k-1k-lt.scn\n"
    "[intro]\n"
    "First paragraph,\n"
    "joined.\n"
    "\n"
    "Second.\n"
    "[watch]\n"
    "- rdllist\n"
    "- rbr\n"
    "[summary]\n"
    "Done.\n";

// Chinese has no spaces: a paragraph breaks between characters, each line within the terminal's
// columns (a CJK character takes two), never before closing punctuation; ASCII words stay whole.
TEST(WrapText, BreaksChineseWithinTheColumnsAndKeepsWordsWhole) {
  const std::string text =
      "这是那篇博客里的例子，共五步：注册管道的读端，向管道写入 2 KB，调用 "
      "`epoll_wait`（它报告读端）。";
  const auto lines = wrap_text(text, 24);
  ASSERT_GT(lines.size(), 3u);
  std::string joined;
  for (const auto& l : lines) {
    std::size_t cols = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(l[i]);
      if ((c & 0xC0) == 0x80) continue;
      cols += c >= 0xE0 ? 2 : 1;
    }
    EXPECT_LE(cols, 24u) << l;
    EXPECT_NE(l.rfind("，", 0), 0u) << l;
    EXPECT_NE(l.rfind("）", 0), 0u) << l;
    joined += l;
  }
  EXPECT_NE(joined.find("`epoll_wait`"), std::string::npos);
  EXPECT_EQ(wrap_text("the quick brown fox", 9),
            (std::vector<std::string>{"the quick", "brown fox"}));
}

TEST(LessonFile, ParsesTitleScenariosAndSections) {
  auto r = driver::parse_lesson(kGood, "/x/02-pipes.lesson");
  ASSERT_TRUE(std::holds_alternative<driver::Lesson>(r)) << parse_error(kGood);
  const auto& l = std::get<driver::Lesson>(r);
  EXPECT_EQ(l.title, "Pipes");
  EXPECT_EQ(l.id(), "02-pipes");
  EXPECT_EQ(l.scenarios,
            (std::vector<std::string>{"01-pipe-2k-1k-et.scn", "01-pipe-2k-1k-lt.scn"}));
  EXPECT_EQ(l.intro, (std::vector<std::string>{"First paragraph, joined.", "Second."}));
  EXPECT_EQ(l.watch, (std::vector<std::string>{"rdllist", "rbr"}));
  EXPECT_EQ(l.summary, (std::vector<std::string>{"Done."}));
}

TEST(LessonFile, ErrorsNameTheLineAndColumn) {
  EXPECT_EQ(parse_error("scenario a.scn\n"), "1:1: the title comes first: title \"...\"");
  EXPECT_EQ(parse_error("title \"T\"\nscenario ../x.scn\n").substr(0, 5), "2:10:");
  EXPECT_EQ(parse_error("title \"T\"\n[intro]\n"),
            "2:1: a lesson names at least one scenario before [intro]: scenario FILE.scn");
  EXPECT_EQ(parse_error("title \"T\"\nscenario a.scn\n[watch]\n"),
            "3:1: the sections come in this order: [intro], [intro.zh], [watch], [watch.zh], "
            "[summary], [summary.zh] (the .zh ones may be left out)");
  EXPECT_EQ(parse_error("title \"T\"\nscenario a.scn\n[intro]\nx\n[watch]\nnot a bullet\n"),
            "6:1: [watch] holds bullets: lines starting with \"- \"");
  EXPECT_EQ(parse_error("title \"T\"\nscenario a.scn\n  [notes]\n").substr(0, 4), "3:3:");
  EXPECT_NE(parse_error("title \"T\"\nscenario a.scn\n[intro]\nx\n[watch]\n- y\n")
                .find("has no [summary]"),
            std::string::npos);
  std::string many = "title \"T\"\n";
  for (int i = 0; i < 13; ++i)
    many += "scenario a.scn\n";
  EXPECT_EQ(parse_error(many), "14:1: a lesson runs at most 12 scenarios");
  EXPECT_NE(parse_error(std::string(70 * 1024, 'x')).find("at most 64 KiB"), std::string::npos);
}

// The Chinese of a lesson (issue 17): title_zh and a `.zh` section after each English one.
TEST(LessonFile, ParsesTheChineseSections) {
  const std::string zh =
      "title \"Pipes\"\n"
      "title_zh \"管道\"\n"
      "scenario 01-pipe-2k-1k-et.scn\n"
      "[intro]\n"
      "First.\n"
      "[intro.zh]\n"
      "第一段，\n"
      "接着写。\n"
      "\n"
      "调用 epoll_wait\n"
      "`EPOLLET` 之后。\n"
      "[watch]\n"
      "- rdllist\n"
      "[watch.zh]\n"
      "- 就绪链表 rdllist\n"
      "[summary]\n"
      "Done.\n"
      "[summary.zh]\n"
      "完。\n";
  auto r = driver::parse_lesson(zh, "/x/02-pipes.lesson");
  ASSERT_TRUE(std::holds_alternative<driver::Lesson>(r)) << parse_error(zh);
  const auto& l = std::get<driver::Lesson>(r);
  EXPECT_EQ(l.title_zh, "管道");
  EXPECT_EQ(l.intro, (std::vector<std::string>{"First."}));
  // Chinese lines join without a space; two ASCII characters keep one.
  EXPECT_EQ(l.intro_zh,
            (std::vector<std::string>{"第一段，接着写。", "调用 epoll_wait `EPOLLET` 之后。"}));
  EXPECT_EQ(l.watch_zh, (std::vector<std::string>{"就绪链表 rdllist"}));
  EXPECT_EQ(l.summary_zh, (std::vector<std::string>{"完。"}));
  // A lesson without them is English only.
  auto plain = driver::parse_lesson(kGood, "/x/02-pipes.lesson");
  ASSERT_TRUE(std::holds_alternative<driver::Lesson>(plain));
  EXPECT_TRUE(std::get<driver::Lesson>(plain).title_zh.empty());
  EXPECT_TRUE(std::get<driver::Lesson>(plain).intro_zh.empty());
}

TEST(LessonFile, ChineseSectionErrorsNameTheLineAndColumn) {
  const std::string head = "title \"T\"\nscenario a.scn\n";
  // Before its English twin, twice, empty, not bullets.
  EXPECT_EQ(parse_error(head + "[intro.zh]\n"),
            "3:1: the sections come in this order: [intro], [intro.zh], [watch], [watch.zh], "
            "[summary], [summary.zh] (the .zh ones may be left out)");
  EXPECT_EQ(parse_error(head + "[intro]\nx\n[intro.zh]\n中\n[intro.zh]\n"),
            "7:1: [intro.zh] comes twice");
  EXPECT_EQ(parse_error(head + "[intro]\nx\n[intro.zh]\n\n[watch]\n"), "7:1: [intro.zh] is empty");
  EXPECT_EQ(parse_error(head + "[intro]\nx\n[watch]\n- y\n[watch.zh]\n不是要点\n"),
            "8:1: [watch.zh] holds bullets: lines starting with \"- \"");
  EXPECT_EQ(parse_error(head + "[intro]\nx\n[watch]\n- y\n[summary]\nz\n[summary.zh]\n"),
            "10:1: [summary.zh] is empty");
  // The title's twin: after the title, once, quoted.
  EXPECT_EQ(parse_error("title_zh \"标题\"\n"), "1:1: the title comes first: title \"...\"");
  EXPECT_EQ(parse_error("title \"T\"\ntitle_zh 标题\n"),
            "2:10: the Chinese title is written in double quotes: title_zh \"...\"");
  EXPECT_EQ(parse_error("title \"T\"\ntitle_zh \"一\"\n  title_zh \"二\"\n"),
            "3:3: the lesson already has a title_zh");
}

// Every lesson of the library carries its Chinese: a title and each section, with as many
// bullets to watch as the English.
TEST(LessonFile, EveryLessonOfTheCourseHasChinese) {
  const auto files = driver::lesson_files(EPOLLSCOPE_LESSON_DIR);
  ASSERT_GE(files.size(), 11u);
  const auto chinese = [](const std::string& t) {
    return std::any_of(t.begin(), t.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  };
  for (const auto& f : files) {
    auto r = driver::load_lesson(f);
    ASSERT_TRUE(std::holds_alternative<driver::Lesson>(r))
        << std::get<sim::script::ParseError>(r).format();
    const auto& l = std::get<driver::Lesson>(r);
    EXPECT_TRUE(chinese(l.title_zh)) << f;
    EXPECT_EQ(l.intro_zh.size(), l.intro.size()) << f << ": [intro.zh] paragraphs";
    EXPECT_EQ(l.watch_zh.size(), l.watch.size()) << f << ": [watch.zh] bullets";
    EXPECT_EQ(l.summary_zh.size(), l.summary.size()) << f << ": [summary.zh] paragraphs";
    for (const auto* part : {&l.intro_zh, &l.watch_zh, &l.summary_zh})
      for (const auto& p : *part)
        EXPECT_TRUE(chinese(p)) << f << ": " << p;
  }
}

// The course of the library: at least eight lessons, each parses, and each scenario it names is
// in the library and asks at least one question.
TEST(LessonFile, EveryLessonOfTheCourseIsUsable) {
  const auto files = driver::lesson_files(EPOLLSCOPE_LESSON_DIR);
  EXPECT_GE(files.size(), 8u);
  for (const auto& f : files) {
    auto r = driver::load_lesson(f);
    ASSERT_TRUE(std::holds_alternative<driver::Lesson>(r))
        << std::get<sim::script::ParseError>(r).format();
    for (const auto& s : std::get<driver::Lesson>(r).scenarios) {
      auto sc = driver::load_scenario(std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + s);
      ASSERT_TRUE(std::holds_alternative<sim::script::Scenario>(sc)) << f << ": " << s;
      EXPECT_GT(question_points(std::get<sim::script::Scenario>(sc)), 0u) << f << ": " << s;
    }
  }
}

// Lesson 11, "why epoll" (issue 18), runs every select/poll scenario of the library (16-*.scn)
// in order: the one workload under select, poll, epoll LT and ET first, then the rest.
TEST(LessonFile, TheLessonWhyEpollRunsEverySelectAndPollScenario) {
  const auto files = driver::lesson_files(EPOLLSCOPE_LESSON_DIR);
  ASSERT_GE(files.size(), 11u);
  auto r = driver::load_lesson(files[10]);
  ASSERT_TRUE(std::holds_alternative<driver::Lesson>(r))
      << std::get<sim::script::ParseError>(r).format();
  const auto& l = std::get<driver::Lesson>(r);
  EXPECT_EQ(l.id(), "11-why-epoll");
  std::vector<std::string> library;
  for (const auto& e : fs::directory_iterator(EPOLLSCOPE_SCENARIO_DIR)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("16-", 0) == 0 && e.path().extension() == ".scn") library.push_back(name);
  }
  std::vector<std::string> named = l.scenarios;
  std::sort(library.begin(), library.end());
  std::sort(named.begin(), named.end());
  EXPECT_EQ(named, library);
  ASSERT_GE(l.scenarios.size(), 4u);
  EXPECT_EQ(l.scenarios[0], "16-same-workload-select.scn");
  EXPECT_EQ(l.scenarios[1], "16-same-workload-poll.scn");
  EXPECT_EQ(l.scenarios[2], "16-same-workload-epoll-lt.scn");
  EXPECT_EQ(l.scenarios[3], "16-same-workload-epoll-et.scn");
}

class CliLessons : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("epollscope-lessons-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "course");
    std::ofstream(dir_ / "course" / "01-pipes.lesson") << kGood;
    std::ofstream(dir_ / "course" / "02-more.lesson")
        << "title \"More\"\nscenario 03-oneshot.scn\n[intro]\nI.\n[watch]\n- w\n[summary]\nS.\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  LessonOptions options(int number) const {
    LessonOptions o;
    o.number = number;
    o.lessons = (dir_ / "course").string();
    o.scenarios = EPOLLSCOPE_SCENARIO_DIR;
    o.progress = (dir_ / "data" / "epollscope" / "progress.txt").string();
    o.live = false;
    return o;
  }
  std::string run(int number, const std::string& answers, int* status) const {
    std::istringstream in(answers);
    std::ostringstream out;
    *status = run_lessons(in, out, options(number));
    return out.str();
  }
  fs::path dir_;
};

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string last;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) last = l;
  return last;
}

TEST_F(CliLessons, ListsTheCourseAndKeepsTheScoreOfALesson) {
  int status = -1;
  std::string list = run(0, "", &status);
  EXPECT_EQ(status, 0);
  EXPECT_NE(list.find(" 1.  Pipes (2 scenarios; not taken yet)"), std::string::npos) << list;
  EXPECT_NE(list.find(" 2.  More (1 scenario; not taken yet)"), std::string::npos) << list;

  // Lesson 1: the ET pipe (3 questions) and its LT twin (every epoll_wait), all answered; the
  // ET side right, the LT side answered [] each time.
  std::string answers = "[rfd: EPOLLIN]\n[]\n[]\n";
  for (int i = 0; i < 10; ++i)
    answers += "[]\n";
  const std::string taken = run(1, answers, &status);
  EXPECT_EQ(status, 0) << taken;
  EXPECT_NE(taken.find("Lesson 1 of 2: Pipes"), std::string::npos) << taken;
  EXPECT_NE(taken.find("What to watch:\n  - rdllist\n  - rbr\n"), std::string::npos) << taken;
  EXPECT_NE(taken.find("Summary:\n  Done."), std::string::npos) << taken;
  EXPECT_NE(taken.find("Next: epollscope lessons 2  (More)"), std::string::npos) << taken;
  const std::string score = last_line(taken);
  ASSERT_EQ(score.rfind("score: ", 0), 0u) << taken;
  std::istringstream words(score.substr(7));
  std::size_t right = 0, asked = 0;
  std::string of;
  words >> right >> of >> asked;
  EXPECT_GE(right, 3u) << taken;
  EXPECT_LT(right, asked) << taken;  // the LT pipe reports the item again: [] is wrong there

  list = run(0, "", &status);
  EXPECT_NE(list.find(" 1.  Pipes (2 scenarios; score " + std::to_string(right) + " of " +
                      std::to_string(asked) + ")"),
            std::string::npos)
      << list;
}

TEST_F(CliLessons, ALessonLeftHalfWayIsKeptAsBegun) {
  int status = -1;
  const std::string taken = run(1, "[rfd: EPOLLIN]\n", &status);
  EXPECT_EQ(status, 0) << taken;
  EXPECT_EQ(last_line(taken), "score: 1 of 1") << taken;
  EXPECT_NE(taken.find("The lesson is not finished"), std::string::npos) << taken;
  const std::string list = run(0, "", &status);
  EXPECT_NE(list.find("Pipes (2 scenarios; begun: 1 of 1 right,"), std::string::npos) << list;
}

TEST_F(CliLessons, ANumberOutsideTheCourseOrAMissingScenarioIsAnError) {
  int status = -1;
  run(3, "", &status);
  EXPECT_EQ(status, 2);
  std::ofstream(dir_ / "course" / "03-broken.lesson")
      << "title \"Broken\"\nscenario no-such.scn\n[intro]\nI.\n[watch]\n- w\n[summary]\nS.\n";
  run(3, "", &status);
  EXPECT_EQ(status, 2);
  std::ofstream(dir_ / "course" / "04-bad.lesson") << "title \"Bad\"\n[oops]\n";
  run(0, "", &status);
  EXPECT_EQ(status, 2);  // a course with a malformed lesson is not listed as if it were whole
}

}  // namespace
}  // namespace epollscope::cli
