// SPDX-License-Identifier: GPL-2.0-only
// The model as text for the terminal (sim/text_view.h): two columns that line up whatever they
// hold, and words wrapped to a width.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/kernel.h"
#include "sim/snapshot.h"
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

TEST(TextView, WrapLineHangsUnderTheValueAndKeepsEveryWord) {
  const std::string rbr = "  rbr      fd 4 (black) root  fd 5 (red)  fd 6 (red)";
  EXPECT_EQ(wrap_line(rbr, 0), std::vector<std::string>{rbr});
  EXPECT_EQ(wrap_line(rbr, 200), std::vector<std::string>{rbr});
  EXPECT_EQ(wrap_line(rbr, 34), (std::vector<std::string>{"  rbr      fd 4 (black) root fd 5",
                                                          "           (red) fd 6 (red)"}));
  const std::string item = "    fd 4: pipe#1 read end, events IN|ERR|HUP ET, data 4";
  const auto lines = wrap_line(item, 30);
  EXPECT_EQ(lines, (std::vector<std::string>{"    fd 4: pipe#1 read end,",
                                             "      events IN|ERR|HUP ET,", "      data 4"}));
  for (const auto& l : lines)
    EXPECT_LE(l.size(), 30u);
}

// The state in blocks, one per object, keyed the same from one snapshot to the next (the fds in
// a file's first line may change, its key does not); wrapped, an ET item keeps its tag.
TEST(TextView, StateBlocksPerObjectWithStableKeys) {
  Kernel k;
  Task& t = k.main_task();
  const int ep = static_cast<int>(k.epoll_create1(t, 0).ret);
  const SysResult p = k.pipe2(t, kO_NONBLOCK);
  ASSERT_EQ(k.epoll_ctl(t, ep, kEPOLL_CTL_ADD, p.fds[0], EpollEvent{kEPOLLIN | kEPOLLET, 4}).ret,
            0);
  const Snapshot before = take_snapshot(k, nullptr);
  ASSERT_EQ(k.dup(t, p.fds[0]).ret, 6);
  const Snapshot after = take_snapshot(k, nullptr);
  const auto b0 = render_state_blocks(before, 30), b1 = render_state_blocks(after, 30);
  ASSERT_EQ(b0.size(), 3u);
  ASSERT_EQ(b1.size(), 3u);
  EXPECT_EQ(b0[0].key, "epoll#1");
  EXPECT_EQ(b0[1].key, "pipe#1 read end");
  EXPECT_EQ(b0[2].key, "pipe#1 write end");
  EXPECT_EQ(b0[1].gone, "closed");
  EXPECT_EQ(b1[1].key, b0[1].key);
  EXPECT_NE(b1[1].lines, b0[1].lines);  // "(fd 4)" became "(fd 4,6)"
  EXPECT_EQ(b1[0].lines, b0[0].lines);
  EXPECT_EQ(b1[2].lines, b0[2].lines);
  std::string epoll_text;
  for (const auto& l : b0[0].lines) {
    EXPECT_LE(l.size(), 30u) << l;
    epoll_text += l + "\n";
  }
  EXPECT_NE(epoll_text.find("HUP ET,"), std::string::npos) << epoll_text;
  // render_state is the blocks' lines, in order.
  std::vector<std::string> flat;
  for (const auto& b : b1)
    flat.insert(flat.end(), b.lines.begin(), b.lines.end());
  EXPECT_EQ(render_state(after, 30), flat);
}

}  // namespace
}  // namespace epollscope::sim
