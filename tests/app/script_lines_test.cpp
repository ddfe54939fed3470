// SPDX-License-Identifier: GPL-2.0-only
// tests/app/script_lines_test.cpp — the script panel lists the narration of the window's language
// only, with each line's number in the file (gui/app/script_lines.h), without a window.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "gui/app/script_lines.h"
#include "sim/script/parser.h"

namespace epollscope::app {
namespace {

using driver::Lang;

sim::script::Scenario parse(const std::string& text) {
  auto r = sim::script::parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<sim::script::ParseError>(&r)) ADD_FAILURE() << e->message;
  return std::get<sim::script::Scenario>(std::move(r));
}

// The 1-based file line numbers shown.
std::vector<int> numbers(const sim::script::Scenario& sc, Lang lang) {
  std::vector<int> out;
  for (std::size_t i : script_lines_shown(sc, lang))
    out.push_back(static_cast<int>(i) + 1);
  return out;
}

const char* const kText =
    "title \"Pipe\"\n"                // 1
    "title_zh \"管道\"\n"             // 2
    "// the picture\n"                // 3
    "# One epoll instance.\n"         // 4
    "#zh 一个 epoll 实例。\n"         // 5
    "epfd = epoll_create1(0)\n"       // 6
    "\n"                              // 7
    "# English only: no #zh here.\n"  // 8
    "#zhong is English too.\n"        // 9
    "pipe2(rfd, wfd, O_NONBLOCK)\n"   // 10
    "# The writer writes.\n"          // 11
    "//\n"                            // 12
    "#zh\n"                           // 13
    "#zh 写端写入。\n"                // 14
    "write(wfd, 10) => 10\n";         // 15

TEST(ScriptLines, EnglishHidesTheChineseLinesAndTitle) {
  const auto sc = parse(kText);
  EXPECT_EQ(numbers(sc, Lang::en), (std::vector<int>{1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 15}));
}

TEST(ScriptLines, ChineseShowsZhAndTheEnglishOfStatementsWithoutZh) {
  const auto sc = parse(kText);
  EXPECT_EQ(numbers(sc, Lang::zh), (std::vector<int>{2, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15}));
}

TEST(ScriptLines, ChineseKeepsTheEnglishTitleWhenThereIsNoTitleZh) {
  const auto sc = parse("title \"T\"\n# n\nepfd = epoll_create1(0)\n");
  EXPECT_EQ(numbers(sc, Lang::zh), (std::vector<int>{1, 2, 3}));
  // A name called title_zh is a statement, shown in both languages.
  const auto named = parse("title_zh = epoll_create1(0)\n");
  EXPECT_EQ(numbers(named, Lang::en), (std::vector<int>{1}));
}

// Every statement line of the library stays listed in both languages (clicking it, the
// highlight and the marks under it need it), and no `#zh` line shows in English.
TEST(ScriptLines, LibraryStatementsStayAndEnglishHasNoChinese) {
  std::ifstream in(std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/01-pipe-2k-1k-et.scn");
  std::stringstream ss;
  ss << in.rdbuf();
  const auto sc = parse(ss.str());
  ASSERT_FALSE(sc.statements.empty());
  for (Lang lang : {Lang::en, Lang::zh}) {
    const auto shown = script_lines_shown(sc, lang);
    for (const auto& st : sc.statements)
      EXPECT_TRUE(
          std::binary_search(shown.begin(), shown.end(), static_cast<std::size_t>(st.loc.line - 1)))
          << "line " << st.loc.line;
    for (std::size_t i : shown) {
      const std::string& l = sc.lines[i];
      const bool chinese = l.rfind("#zh", 0) == 0 || l.rfind("title_zh", 0) == 0;
      if (lang == Lang::en) {
        EXPECT_FALSE(chinese) << l;
      }
      if (lang == Lang::zh && l.rfind("# ", 0) == 0) ADD_FAILURE() << "English narration: " << l;
    }
  }
}

}  // namespace
}  // namespace epollscope::app
