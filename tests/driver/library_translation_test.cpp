// SPDX-License-Identifier: GPL-2.0-only
// tests/driver/library_translation_test.cpp — the scenario library speaks Chinese too (issue 17):
// every scenario has a Chinese title, and every statement with English narration has Chinese
// narration (`#zh` lines) as well.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include "driver/scenario_files.h"

namespace epollscope::driver {
namespace {

// True when the text holds at least one character outside ASCII: a translation that is only
// ASCII (a copy of the English, or just an identifier) does not count.
bool has_cjk(const std::string& text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

TEST(LibraryTranslation, EveryNarratedStatementAndTitleHasChinese) {
  std::vector<PathProblem> problems;
  const auto files = collect_scenarios({EPOLLSCOPE_SCENARIO_DIR}, &problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_GE(files.size(), 59u);
  std::size_t narrated = 0;
  for (const auto& f : files) {
    auto r = load_scenario(f);
    ASSERT_TRUE(std::holds_alternative<sim::script::Scenario>(r))
        << std::get<sim::script::ParseError>(r).format();
    const auto& sc = std::get<sim::script::Scenario>(r);
    EXPECT_FALSE(sc.title.empty()) << f;
    EXPECT_TRUE(has_cjk(sc.title_zh)) << f << ": no title_zh \"...\" in Chinese";
    for (const auto& st : sc.statements) {
      if (st.narration.empty()) {
        EXPECT_TRUE(st.narration_zh.empty())
            << f << ":" << st.loc.line << ": Chinese narration without English";
        continue;
      }
      ++narrated;
      EXPECT_TRUE(has_cjk(st.narration_zh))
          << f << ":" << st.loc.line << ": English narration without #zh lines";
      // Paragraphs (an empty `#` line) match one to one.
      const auto paragraphs = [](const std::string& t) {
        return std::count(t.begin(), t.end(), '\n');
      };
      EXPECT_EQ(paragraphs(st.narration), paragraphs(st.narration_zh))
          << f << ":" << st.loc.line << ": the Chinese has another number of paragraphs";
    }
  }
  EXPECT_GT(narrated, 300u);
}

}  // namespace
}  // namespace epollscope::driver
