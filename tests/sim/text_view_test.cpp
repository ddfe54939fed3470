// SPDX-License-Identifier: GPL-2.0-only
// The model as text for the terminal (sim/text_view.h): two columns that line up whatever they
// hold, and words wrapped to a width.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/text_view.h"

namespace epollscope::sim {
namespace {

// Columns on screen: UTF-8 continuation bytes take none.
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

TEST(TextView, SideBySideLinesUpColumnsWithUtf8Marks) {
  const auto rows = side_by_side({"0 []   kernel \u2713 same", "short"}, {"1 [4: EPOLLIN]", "x"},
                                 24, "edge-triggered", "level-triggered");
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    const std::size_t bar = r.find(" | ");
    ASSERT_NE(bar, std::string::npos) << r;
    EXPECT_EQ(columns(r.substr(0, bar)), 24u) << r;
  }
  EXPECT_EQ(rows[1], "0 []   kernel \u2713 same     | 1 [4: EPOLLIN]");
  // Too long: cut at a character, not inside one, and marked with ~.
  const auto cut = side_by_side({"abc\u2713\u2713\u2713def"}, {"r"}, 5);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0], "abc\u2713~ | r");
}

TEST(TextView, WrapKeepsWordsWholeAndIndentsContinuations) {
  const auto lines = wrap("one two three four five", 9, 2);
  EXPECT_EQ(lines, (std::vector<std::string>{"one two", "  three", "  four", "  five"}));
  for (const auto& l : lines)
    EXPECT_LE(l.size(), 9u);
}

}  // namespace
}  // namespace epollscope::sim
