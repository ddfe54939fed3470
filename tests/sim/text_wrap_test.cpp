// SPDX-License-Identifier: GPL-2.0-only
// Where the front ends' text breaks (sim/text_wrap.h): between English words at spaces, between
// two CJK characters, never before closing punctuation nor after opening punctuation; a word too
// wide kept whole (the terminal) or cut between characters (the window); '\n' ends a line.
#include "sim/text_wrap.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace epollscope::sim {
namespace {

// Terminal columns: a CJK character takes two.
float columns(unsigned cp) {
  return is_wide(cp) ? 2.f : 1.f;
}

std::vector<std::string> lines_of(std::string_view text, float width,
                                  LongWords long_words = LongWords::kCut) {
  std::vector<std::string> out;
  for (const WrappedLine& l : wrap_lines(text, width, columns, long_words))
    out.emplace_back(text.substr(l.begin, l.end - l.begin));
  return out;
}

float width_of(std::string_view s) {
  float w = 0;
  for (std::size_t i = 0, len = 1; i < s.size(); i += len)
    w += columns(code_point(s, i, &len));
  return w;
}

using Lines = std::vector<std::string>;

TEST(TextWrap, EnglishBreaksAtSpacesAndDropsThem) {
  EXPECT_EQ(lines_of("the quick brown fox", 9), (Lines{"the quick", "brown fox"}));
  EXPECT_EQ(lines_of("the quick brown fox", 10), (Lines{"the quick", "brown fox"}));
  EXPECT_EQ(lines_of("the quick brown fox", 100), (Lines{"the quick brown fox"}));
  EXPECT_EQ(lines_of("a  b", 1), (Lines{"a", "b"}));
}

TEST(TextWrap, ChineseBreaksBetweenAnyTwoCharacters) {
  // 8 characters of 2 columns in 6 columns: 3, 3 and 2 to a line, no space needed.
  EXPECT_EQ(lines_of("就绪链表中的条目", 6), (Lines{"就绪链", "表中的", "条目"}));
  // 7 columns hold 3 characters as 6 do: the leftover column stays empty.
  EXPECT_EQ(lines_of("就绪链表中的条目", 7), (Lines{"就绪链", "表中的", "条目"}));
}

TEST(TextWrap, NoLineStartsWithClosingOrEndsWithOpeningPunctuation) {
  // "回，" and "）。" stay with what they close, on the next line when they do not fit.
  EXPECT_EQ(lines_of("调用返回，内核", 6), (Lines{"调用返", "回，内", "核"}));
  EXPECT_EQ(lines_of("读端（fd）。然后", 8), (Lines{"读端", "（fd）。", "然后"}));
  // An opening bracket goes to the next line with what it opens.
  EXPECT_EQ(lines_of("甲乙（丙）", 6), (Lines{"甲乙", "（丙）"}));
  // ASCII too: "word," is one piece, and so is "(a".
  EXPECT_EQ(lines_of("x (a b), c", 3), (Lines{"x", "(a", "b),", "c"}));
}

TEST(TextWrap, ChineseAndLatinWordsMixed) {
  // Between a CJK character and a Latin word a line may break, with or without a space; the
  // Latin word stays whole.
  EXPECT_EQ(lines_of("调用epoll_wait返回", 12), (Lines{"调用", "epoll_wait返", "回"}));
  EXPECT_EQ(lines_of("调用 epoll_wait 返回", 14), (Lines{"调用", "epoll_wait 返", "回"}));
}

TEST(TextWrap, AWordWiderThanTheWidthIsKeptOrCut) {
  EXPECT_EQ(lines_of("a abcdefghij b", 4, LongWords::kKeep), (Lines{"a", "abcdefghij", "b"}));
  EXPECT_EQ(lines_of("a abcdefghij b", 4, LongWords::kCut), (Lines{"a", "abcd", "efgh", "ij b"}));
  // At least one character a line, even when none fits.
  EXPECT_EQ(lines_of("就绪", 1, LongWords::kCut), (Lines{"就", "绪"}));
}

TEST(TextWrap, NewlinesEndLinesAndKeepTheIndentAfterThem) {
  EXPECT_EQ(lines_of("a b\n  c d\n\ne", 10), (Lines{"a b", "  c d", "", "e"}));
  EXPECT_EQ(lines_of("a\n", 10), (Lines{"a"}));
  EXPECT_EQ(lines_of("", 10), (Lines{""}));
  // An indent counts in the first line's width; the break drops the spaces after it.
  EXPECT_EQ(lines_of("  ab cd", 5), (Lines{"  ab", "cd"}));
}

// The first piece of `text` a line cannot break inside: a CJK character with the closing
// punctuation after it, or a Latin word, either after the opening punctuation before it.
float first_piece(std::string_view text) {
  float w = 0;
  bool latin = false;
  for (std::size_t i = 0, len = 1; i < text.size(); i += len) {
    const unsigned cp = code_point(text, i, &len);
    if (cp == ' ') break;
    const bool closes = is_closing(cp);
    if (w > 0 && !closes && (is_wide(cp) || !latin)) break;
    w += columns(cp);
    latin = !is_wide(cp) && !is_opening(cp);
    if (is_opening(cp)) {
      std::size_t next_len = 1;
      if (i + len < text.size()) {
        const unsigned next = code_point(text, i + len, &next_len);
        w += columns(next);
        latin = !is_wide(next);
        len += next_len;
      }
    }
  }
  return w;
}

// The narration of a scenario in Chinese, wrapped at many widths: no line is wider than the width
// (the window's mode), none starts with closing punctuation, every line but the last is full (its
// break's space and the next line's first piece would not have fitted), and nothing is lost but the
// spaces at the breaks.
TEST(TextWrap, AChineseParagraphFillsEachLineAndLosesNothing) {
  const std::string text =
      "这是那篇博客里的例子，共五步：注册管道的读端，向管道写入 2 KB，调用 "
      "`epoll_wait`（它报告读端），读出 1 KB，再调用 epoll_wait：边缘触发的 epoll "
      "什么也不报告，因为没有新的数据到达——尽管还有 1 KB 等着被读。";
  std::string no_spaces;
  for (const char c : text)
    if (c != ' ') no_spaces += c;
  for (float width = 14; width <= 60; width += 1) {
    const std::vector<WrappedLine> wrapped = wrap_lines(text, width, columns, LongWords::kCut);
    std::string joined;
    for (std::size_t i = 0; i < wrapped.size(); ++i) {
      const std::string l = text.substr(wrapped[i].begin, wrapped[i].end - wrapped[i].begin);
      EXPECT_LE(width_of(l), width) << width << ": " << l;
      for (const char* closing : {"，", "。", "）", "：", "；", "、"})
        EXPECT_NE(l.rfind(closing, 0), 0u) << width << ": " << l;
      EXPECT_FALSE(l.empty() || l.front() == ' ' || l.back() == ' ') << width << ": '" << l << "'";
      if (i + 1 < wrapped.size()) {
        const float gap = text[wrapped[i].end] == ' ' ? 1 : 0;
        const std::string_view next = std::string_view(text).substr(wrapped[i + 1].begin);
        EXPECT_GT(width_of(l) + gap + first_piece(next), width) << width << ": " << l;
      }
      for (const char c : l)
        if (c != ' ') joined += c;
    }
    EXPECT_EQ(joined, no_spaces) << width;
  }
}

}  // namespace
}  // namespace epollscope::sim
