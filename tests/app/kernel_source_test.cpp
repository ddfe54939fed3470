// SPDX-License-Identifier: GPL-2.0-only
// The kernel's code beside the picture (gui/app/kernel_source.h): every kernel function that any
// step of the scenario library makes (on the model only) has an excerpt of the kernel's source
// whose highlighted line is inside it, and every step has a call chain. A function added to the
// model without its code fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "gui/app/kernel_source.h"
#include "gui/app/session.h"

namespace epollscope::app {
namespace {

std::vector<std::string> library() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(EPOLLSCOPE_SOURCE_DIR "/scenarios"))
    if (e.path().extension() == ".scn") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(KernelSource, ExcerptsAreSortedUniqueAndTheirMarksResolve) {
  const auto& all = kernel_excerpts();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 1; i < all.size(); ++i)
    EXPECT_LT(all[i - 1].function, all[i].function) << "sorted and unique";
  for (const SourceExcerpt& e : all) {
    const auto lines = e.lines();
    ASSERT_FALSE(lines.empty()) << e.function;
    EXPECT_FALSE(e.file.empty()) << e.function;
    // Numbered as in its file, whose tree and commit the pane names.
    EXPECT_GE(e.first_line, 1) << e.function;
    EXPECT_EQ(e.file_line(2), e.first_line + 2) << e.function;
    EXPECT_FALSE(source_origin(e.file).empty())
        << e.function << ": where is " << e.file << " from?";
    // The excerpt starts at the function itself (or the helper it inlines, which it names): its
    // name is on the first lines.
    const std::string_view name = e.shown.empty() ? e.function : e.shown;
    bool named = false;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, lines.size()); ++i)
      named = named || lines[i].find(name) != std::string_view::npos;
    if (!e.shown.empty()) {
      EXPECT_NE(e.note.find(e.function), std::string_view::npos) << e.function << ": say so";
    }
    EXPECT_TRUE(named) << e.function << " does not start at its own definition";
    // Every mark points at a line of the excerpt.
    for (const ExcerptMark& m : e.marks) {
      bool found = false;
      for (std::string_view l : lines)
        found = found || l.find(m.line) != std::string_view::npos;
      EXPECT_TRUE(found) << e.function << ": no line holds \"" << m.line << "\"";
    }
  }
}

TEST(KernelSource, HighlightFollowsTheStepsSentence) {
  const SourceExcerpt* cb = find_excerpt("ep_poll_callback");
  ASSERT_NE(cb, nullptr);
  const auto lines = cb->lines();
  const std::size_t ovf =
      highlighted_line(*cb, "a scan is running on epoll#1, so epi#2 is chained on ovflist");
  const std::size_t rdl = highlighted_line(*cb, "epi#2 joins the tail of epoll#1's rdllist");
  EXPECT_NE(ovf, rdl);
  EXPECT_NE(lines[ovf].find("ovflist"), std::string_view::npos) << lines[ovf];
  EXPECT_NE(lines[rdl].find("rdllist"), std::string_view::npos) << lines[rdl];
  EXPECT_EQ(find_excerpt("no_such_function"), nullptr);
}

// poll's and select's steps (sim/select.cpp) land on their own lines of fs/select.c.
TEST(KernelSource, PollAndSelectStepsLandOnTheirLines) {
  auto at = [](std::string_view function, std::string_view sentence) {
    const SourceExcerpt* e = find_excerpt(function);
    if (!e) return std::string("no excerpt");
    return std::string(e->lines()[highlighted_line(*e, sentence)]);
  };
  EXPECT_NE(at("do_pollfd", "fd -1 is negative: skipped, revents 0").find("return 0;"),
            std::string::npos);
  EXPECT_NE(at("do_pollfd", "fd 9 is not open: revents NVAL").find("return EPOLLNVAL;"),
            std::string::npos);
  EXPECT_NE(at("do_pollfd", "fd 3 (pipe#1 read end): ->poll, masked by events|ERR|HUP: nothing")
                .find("vfs_poll"),
            std::string::npos);
  EXPECT_NE(at("do_poll", "nothing ready and the time is up: return 0").find("timed_out"),
            std::string::npos);
  EXPECT_NE(at("do_poll", "the timeout is 0: one pass, no entry queued (_qproc = NULL)")
                .find("_qproc = NULL"),
            std::string::npos);
  EXPECT_NE(at("do_select", "nothing ready and a signal is pending for t1: -ERESTARTNOHAND")
                .find("signal_pending(current)"),
            std::string::npos);
  EXPECT_NE(at("do_select", "fd 4 (pipe#1 read end): ->poll gives IN; it goes in readfds")
                .find("select_poll_one"),
            std::string::npos);
  EXPECT_NE(at("pollwake",
               "the wake-up's key OUT is none of what t1's poll waits for (IN): "
               "ignored")
                .find("return 0;"),
            std::string::npos);
  EXPECT_NE(at("pollwake", "pipe#1 wakes t1's poll (triggered = 1)").find("__pollwake"),
            std::string::npos);
  EXPECT_NE(at("core_sys_select", "nfds is negative").find("n < 0"), std::string::npos);
  EXPECT_NE(at("core_sys_select", "nfds 2000 is above the fd table's size (max_fds 64): only ...")
                .find("n = max_fds;"),
            std::string::npos);
  EXPECT_NE(at("do_sys_poll", "nfds 2000 is above RLIMIT_NOFILE (1024)").find("RLIMIT_NOFILE"),
            std::string::npos);
  EXPECT_EQ(source_origin("fs/select.c").substr(0, 15), "Kingxukai/linux");
}

// Every function the model steps through in the library comes with its excerpt: a function the
// model starts to step through must come with its code (the pane would only name it and give its
// step's sentence).
TEST(KernelSource, EveryFunctionTheLibraryStepsThroughHasItsCode) {
  std::map<std::string, std::string> missing;  // function → a scenario that uses it
  std::set<std::string> seen;
  std::size_t steps_checked = 0;
  for (const std::string& path : library()) {
    // The 1,000-socket scenarios step through the functions the smaller ones do, a thousand times
    // (opening the epoll one takes the window minutes).
    if (path.find("-1000-") != std::string::npos) continue;
    SessionOptions o;  // the model only
    auto s = Session::from_file(path, o);
    ASSERT_TRUE(s->ok()) << s->error();
    const auto& steps = s->recorder().steps();
    for (const StatementRun& run : s->statements())
      for (std::size_t i = run.first_step; i < run.end_step && i < steps.size(); ++i) {
        const CodeView v = code_view(steps, run.first_step, i);
        ASSERT_FALSE(v.chain.empty()) << path << " step " << i;
        ++steps_checked;
        const std::string function = steps[i].function;
        if (function == "syscall") continue;  // the entry and the return: no function of its own
        EXPECT_EQ(v.chain.back(), function) << path << " step " << i;
        seen.insert(function);
        if (!v.excerpt) {
          missing.emplace(function, std::filesystem::path(path).filename().string());
          continue;
        }
        EXPECT_LT(v.line, v.excerpt->lines().size()) << function;
      }
  }
  EXPECT_GT(steps_checked, 1000u);
  EXPECT_GT(seen.size(), 40u);
  std::string list;
  for (const auto& [f, where] : missing)
    list += "\n  " + f + " (" + where + ")";
  EXPECT_TRUE(list.empty()) << "functions without an excerpt:" << list;
  // And each is found under its own name, not only through the chain of calls.
  for (const std::string& f : seen)
    EXPECT_NE(find_excerpt(f), nullptr) << f;
  // poll's and select's functions (fs/select.c) are among them.
  for (const char* f : {"__pollwait", "core_sys_select", "do_poll", "do_pollfd", "do_select",
                        "do_sys_poll", "max_select_fd", "poll_freewait", "poll_initwait",
                        "poll_schedule_timeout", "poll_select_set_timeout", "pollwake"})
    EXPECT_TRUE(seen.count(f)) << f;
  // The scheduler's two functions are among them.
  EXPECT_TRUE(seen.count("schedule"));
  EXPECT_TRUE(seen.count("try_to_wake_up"));
}

TEST(KernelSource, ChainRunsFromTheSyscallDownToTheStep) {
  auto s = Session::from_file(EPOLLSCOPE_SOURCE_DIR "/scenarios/01-pipe-2k-1k-et.scn", {});
  ASSERT_TRUE(s->ok()) << s->error();
  const auto& steps = s->recorder().steps();
  bool found = false;
  for (const StatementRun& run : s->statements())
    for (std::size_t i = run.first_step; i < run.end_step; ++i)
      if (std::string_view(steps[i].function) == "ep_poll_callback") {
        const CodeView v = code_view(steps, run.first_step, i);
        ASSERT_GE(v.chain.size(), 3u);
        EXPECT_EQ(v.chain.front(), "write");
        EXPECT_EQ(v.chain.back(), "ep_poll_callback");
        found = true;
      }
  EXPECT_TRUE(found);
  // A syscall's entry and return show the syscall's own definition: epoll_wait's return is at
  // its `return do_epoll_wait(...)`.
  const StatementRun& wait = s->statements()[4];
  ASSERT_EQ(s->scenario().statements[4].call, sim::script::CallId::kEpollWait);
  const CodeView entry = code_view(steps, wait.first_step, wait.first_step);
  const CodeView ret = code_view(steps, wait.first_step, wait.end_step - 1);
  ASSERT_NE(entry.excerpt, nullptr);
  EXPECT_EQ(entry.excerpt->function, "epoll_wait");
  EXPECT_EQ(entry.line, 0u);
  ASSERT_EQ(ret.excerpt, entry.excerpt);
  EXPECT_NE(ret.excerpt->lines()[ret.line].find("return do_epoll_wait"), std::string_view::npos);
  EXPECT_EQ(ret.chain, std::vector<std::string>{"epoll_wait"});
}

}  // namespace
}  // namespace epollscope::app
