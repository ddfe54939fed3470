// SPDX-License-Identifier: GPL-2.0-only
// The terminal walk-through replays the library's pipe example (2 KB written, 1 KB read,
// epoll_wait again) beside its level-triggered twin, on the model and on this machine's kernel:
// after the partial read LT reports the pipe again and ET does not, and the kernel agrees.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace epollscope::cli {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

// The answer rows of the replay: for each statement, the line under "ET  <call> | LT  <call>".
std::vector<std::string> answers(const std::string& text) {
  std::vector<std::string> out;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (lines[i].rfind("ET  ", 0) == 0 && lines[i].find(" | LT  ") != std::string::npos)
      out.push_back(lines[i + 1]);
  return out;
}

// "0 []" on the left and "1 [4: EPOLLIN]" on the right of an answer row.
bool row_has(const std::string& row, const std::string& et, const std::string& lt) {
  const std::size_t bar = row.find(" | ");
  return bar != std::string::npos && row.substr(0, bar).find(et) != std::string::npos &&
         row.substr(bar).find(lt) != std::string::npos;
}

TEST(Walkthrough, ShowsTheETAndLTDifferenceAndTheKernelAgrees) {
  std::ostringstream out;
  WalkthroughOptions options;
  options.width = 240;  // wide enough that no step sentence is wrapped
  EXPECT_EQ(run_walkthrough(out, options), 0) << out.str();
  const std::string text = out.str();
  const std::vector<std::string> rows = answers(text);
  ASSERT_EQ(rows.size(), 10u) << text;  // the ten statements of 01-pipe-2k-1k-et.scn
  // The first harvest reports the pipe on both sides; after the 1 KB read only LT does.
  EXPECT_TRUE(row_has(rows[4], "1 [4: EPOLLIN]", "1 [4: EPOLLIN]")) << rows[4];
  EXPECT_TRUE(row_has(rows[6], "0 []", "1 [4: EPOLLIN]")) << rows[6];
  // Every answer on both sides was also the kernel's.
  for (const auto& row : rows) {
    EXPECT_TRUE(row_has(row, "kernel \u2713 same", "kernel \u2713 same")) << row;
    EXPECT_EQ(row.find("differs"), std::string::npos) << row;
  }
  EXPECT_NE(text.find("it is level-triggered, so it goes back to the tail of rdllist"),
            std::string::npos);
  EXPECT_NE(text.find("it is edge-triggered, so it stays off the ready list"), std::string::npos);
  EXPECT_NE(text.find("level-triggered reported the pipe again and edge-triggered did not"),
            std::string::npos);
}

TEST(Walkthrough, TheModelOf510GivesTheSameAnswersForThisExample) {
  // The 2 KB write goes into an empty pipe, so even the 5.5-5.13 rule wakes the reader: every
  // answer of the 5.10 model is the 6.18 model's.
  auto replay = [](const char* profile) {
    std::ostringstream out;
    WalkthroughOptions options;
    options.profile = sim::KernelProfile::by_name(profile);
    options.live = false;
    options.show_steps = false;
    options.show_state = false;
    EXPECT_EQ(run_walkthrough(out, options), 0) << out.str();
    EXPECT_NE(out.str().find(std::string("Model of Linux ") + profile), std::string::npos);
    return answers(out.str());
  };
  const std::vector<std::string> now = replay("6.18");
  ASSERT_EQ(now.size(), 10u);
  EXPECT_EQ(replay("5.10"), now);
}

TEST(Walkthrough, At80ColumnsEveryLineFitsAndTheETTagIsKept) {
  std::ostringstream out;
  WalkthroughOptions options;
  options.width = 80;
  options.live = false;
  EXPECT_EQ(run_walkthrough(out, options), 0) << out.str();
  const std::string text = out.str();
  std::size_t et_items = 0;
  for (const auto& l : lines_of(text)) {
    std::size_t columns = 0;
    for (char c : l)
      columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    EXPECT_LE(columns, 80u) << l;
    EXPECT_EQ(l.find('~'), std::string::npos) << "cut: " << l;
    // The state's epitem line of the ET side: "fd 4: pipe#1 read end, events IN|ERR|HUP ET, ..."
    // (wrapped, its tag on the first or the next line, never cut).
    if (l.find("fd 4: pipe#1 read end") != std::string::npos) ++et_items;
  }
  EXPECT_GT(et_items, 0u);
  EXPECT_NE(text.find("HUP ET,"), std::string::npos);
  // The ET source line is wrapped, not cut: EPOLLET is there.
  EXPECT_NE(text.find("EPOLLET"), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // no colour unless asked for
}

TEST(Walkthrough, ColourMarksTheKernelsAgreement) {
  std::ostringstream out;
  WalkthroughOptions options;
  options.live = false;
  options.color = true;
  options.show_state = false;
  EXPECT_EQ(run_walkthrough(out, options), 0) << out.str();
  EXPECT_NE(out.str().find("\x1b[1mep_poll_callback\x1b[0m"), std::string::npos);
}

TEST(Walkthrough, AScenarioThatCannotBeReadIsAnErrorNotACrash) {
  std::ostringstream out;
  WalkthroughOptions options;
  options.scenario = "/nonexistent/pipe.scn";
  EXPECT_EQ(run_walkthrough(out, options), 2);
}

}  // namespace
}  // namespace epollscope::cli
