// SPDX-License-Identifier: GPL-2.0-only
// `epollscope run` (issue 16, the terminal replay): every line fits the width, an epitem's ET/LT
// tag is never cut, colour only when asked for (and then the palette's meanings), and
// --changed-only prints only the objects a call changed. The width and colour decisions of
// cli/term.h, from $COLUMNS, the terminal and $NO_COLOR.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/term.h"

namespace epollscope::cli {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

std::string scenario(const std::string& name) {
  return std::string(EPOLLSCOPE_SCENARIO_DIR) + "/" + name;
}

std::string replay(const std::string& name, int width, bool color = false,
                   bool changed_only = false, int* status = nullptr) {
  std::ostringstream out;
  ReplayOptions o;
  o.path = scenario(name);
  o.live = false;
  o.width = width;
  o.color = color;
  o.changed_only = changed_only;
  const int s = run_replay(out, o);
  if (status) *status = s;
  return out.str();
}

// The 1,000-socket scenarios (16-poll-vs-epoll-1000-*.scn) are left out: their replay prints the
// state of 2,000 sockets after each of 1,000 statements (hundreds of MB, minutes), in lines the
// smaller scenarios' sockets, epolls and calls print too.
TEST(CliRun, EveryLineOfEveryLibraryScenarioFits80Columns) {
  std::size_t scenarios = 0;
  for (const auto& entry : std::filesystem::directory_iterator(EPOLLSCOPE_SCENARIO_DIR)) {
    if (entry.path().extension() != ".scn") continue;
    if (entry.path().filename().string().find("-1000-") != std::string::npos) continue;
    ++scenarios;
    for (bool changed_only : {false, true}) {
      const std::string text = replay(entry.path().filename().string(), 80, false, changed_only);
      for (const std::string& l : lines_of(text))
        EXPECT_LE(display_columns(l), 80u) << entry.path() << ":\n" << l;
    }
  }
  EXPECT_GE(scenarios, 57u);
}

TEST(CliRun, AnEpitemsTriggerTagSurvivesNarrowColumns) {
  // At 80 columns every epitem line still says ET or LT: wrapped, never cut.
  for (int width : {80, 60, 40}) {
    const std::string text = replay("02-et-leftovers.scn", width);
    for (const std::string& l : lines_of(text))
      EXPECT_LE(display_columns(l), static_cast<std::size_t>(width)) << l;
    // Every epitem line of the scenario, joined with its continuation, names its trigger.
    const auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find(": pipe#") == std::string::npos ||
          lines[i].find(", events") == std::string::npos)
        continue;
      std::string joined = lines[i];
      for (std::size_t j = i + 1; j < lines.size() && lines[j].rfind("        ", 0) == 0 &&
                                  lines[j].find(": pipe#") == std::string::npos;
           ++j)
        joined += lines[j];
      EXPECT_TRUE(joined.find(" ET") != std::string::npos ||
                  joined.find(" LT") != std::string::npos)
          << "width " << width << ": " << joined;
    }
  }
}

TEST(CliRun, NoEscapeWithoutColourAndThePalettesMeaningsWithIt) {
  const std::string plain = replay("01-pipe-2k-1k-et.scn", 100, false);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  const std::string colour = replay("01-pipe-2k-1k-et.scn", 100, true);
  EXPECT_NE(colour.find("\x1b[32m\u2713\x1b[0m"), std::string::npos);     // ✓ green
  EXPECT_NE(colour.find("\x1b[33m-1 EAGAIN\x1b[0m"), std::string::npos);  // errno amber
  EXPECT_NE(colour.find("\x1b[1mep_insert\x1b[0m"), std::string::npos);   // kernel function bold
  // Colour changes nothing else: without the escapes the text is the same.
  std::string stripped;
  for (std::size_t i = 0; i < colour.size(); ++i) {
    if (colour[i] == '\x1b') {
      i = colour.find('m', i);
      continue;
    }
    stripped += colour[i];
  }
  EXPECT_EQ(stripped, plain);
}

TEST(CliRun, AFailedExpectationIsRed) {
  const std::string path = ::testing::TempDir() + "/fails.scn";
  {
    std::ofstream f(path);
    f << "pipe2(r, w, O_NONBLOCK)\nread(r, 1) => 1\n";
  }
  std::ostringstream out;
  ReplayOptions o;
  o.path = path;
  o.live = false;
  o.color = true;
  EXPECT_EQ(run_replay(out, o), 1);
  EXPECT_NE(out.str().find("\x1b[31m\u2717 expected 1\x1b[0m"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("\x1b[31m2 calls: 0 divergences, 1 failed expectations"),
            std::string::npos)
      << out.str();
}

TEST(CliRun, ChangedOnlyPrintsWhatChangedAndCountsTheRest) {
  int full_status = -1, changed_status = -1;
  const std::string full = replay("02-et-leftovers.scn", 100, false, false, &full_status);
  const std::string changed = replay("02-et-leftovers.scn", 100, false, true, &changed_status);
  EXPECT_EQ(full_status, 0);
  EXPECT_EQ(changed_status, 0);
  const std::size_t full_lines = lines_of(full).size(), changed_lines = lines_of(changed).size();
  // Measured at 100 columns: 2,264 lines in full, 1,043 with --changed-only (README, "The
  // terminal replay").
  EXPECT_GT(full_lines, 2000u);
  EXPECT_LT(changed_lines * 10, full_lines * 6) << changed_lines << " of " << full_lines;
  EXPECT_NE(changed.find("state (what changed):"), std::string::npos);
  EXPECT_NE(changed.find("objects unchanged)"), std::string::npos);
  // The last lines are the same summary.
  EXPECT_EQ(lines_of(full).back(), lines_of(changed).back());
  // A write into pipe 2 changes pipe 2's ends and the epolls whose ready lists it joins, not
  // pipes 1, 3 and 4: after `write(w2, 1)` only those are printed.
  const std::size_t at = changed.find("\nwrite(w2,");
  ASSERT_NE(at, std::string::npos);
  const std::size_t end = changed.find("\n-- line", at);
  const std::string block = changed.substr(at, end - at);
  EXPECT_NE(block.find("\n    pipe#2 read end (fd 8)\n"), std::string::npos) << block;
  EXPECT_NE(block.find("\n    pipe#2 write end (fd 9)\n"), std::string::npos) << block;
  EXPECT_NE(block.find("\n    epoll#1 (fd 3)\n"), std::string::npos) << block;
  EXPECT_EQ(block.find("\n    pipe#1 read end ("), std::string::npos) << block;
  EXPECT_EQ(block.find("\n    pipe#3 read end ("), std::string::npos) << block;
  EXPECT_NE(block.find("\n    (6 objects unchanged)\n"), std::string::npos) << block;
}

TEST(CliRun, ChangedOnlySaysWhatWasClosed) {
  const std::string changed = replay("04-close-while-queued.scn", 100, false, true);
  EXPECT_NE(changed.find(": closed"), std::string::npos) << changed;
}

TEST(CliRun, SetupStatementsShowTheirOwnResults) {
  // pipe() first, then epoll_create1: each line shows its own call's result.
  const std::string path = ::testing::TempDir() + "/setup.scn";
  {
    std::ofstream f(path);
    f << "pipe(r, w)\nep = epoll_create1(0)\n";
  }
  std::ostringstream out;
  ReplayOptions o;
  o.path = path;
  o.live = false;
  EXPECT_EQ(run_replay(out, o), 0);
  const auto lines = lines_of(out.str());
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] == "pipe(r, w)") {
      EXPECT_EQ(lines[i + 1], "  model:  0 (fds 3, 4)");
    }
    if (lines[i] == "ep = epoll_create1(0)") {
      EXPECT_EQ(lines[i + 1], "  model:  5");
    }
  }
}

TEST(Term, WidthFromColumnsThenTheTerminalThenAPipesDefault) {
  EXPECT_EQ(choose_width("80", 200), 80);     // $COLUMNS wins
  EXPECT_EQ(choose_width("80", 0), 80);       // even for a pipe
  EXPECT_EQ(choose_width("", 132), 132);      // empty: the terminal's
  EXPECT_EQ(choose_width("wide", 132), 132);  // not a number: ignored
  EXPECT_EQ(choose_width("80x", 0), kPipeColumns);
  EXPECT_EQ(choose_width(nullptr, 0), kPipeColumns);  // a pipe: 100
  EXPECT_EQ(choose_width("10", 0), kMinColumns);      // never below 40
  EXPECT_EQ(choose_width(nullptr, 20), kMinColumns);
}

TEST(Term, ColourOnlyOnATerminalWithoutNoColourUnlessAskedFor) {
  EXPECT_TRUE(use_color(ColorMode::kAuto, true, nullptr));
  EXPECT_TRUE(use_color(ColorMode::kAuto, true, ""));  // NO_COLOR empty: as if unset
  EXPECT_FALSE(use_color(ColorMode::kAuto, true, "1"));
  EXPECT_FALSE(use_color(ColorMode::kAuto, false, nullptr));  // piped
  EXPECT_TRUE(use_color(ColorMode::kAlways, false, "1"));
  EXPECT_FALSE(use_color(ColorMode::kNever, true, nullptr));
  ColorMode m = ColorMode::kNever;
  EXPECT_TRUE(parse_color_mode("always", &m));
  EXPECT_EQ(m, ColorMode::kAlways);
  EXPECT_FALSE(parse_color_mode("yes", &m));
  EXPECT_EQ(display_columns("\x1b[32m\u2713\x1b[0m ok"), 4u);
  const Palette off{false};
  EXPECT_EQ(off.marks("0   \u2713 as expected"), "0   \u2713 as expected");
}

}  // namespace
}  // namespace epollscope::cli
