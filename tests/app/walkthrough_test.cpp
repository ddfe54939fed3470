// The built-in walk-through prints the real kernel's results for the pipe 2 KB / 1 KB example:
// after the partial read LT reports the pipe again and ET does not; ET sleeps on timeout -1.
#include <gtest/gtest.h>

#include <sstream>

#include "gui/walkthrough.h"

namespace epollscope::app {
namespace {

TEST(Walkthrough, ShowsTheETAndLTDifferenceAndSucceeds) {
  std::ostringstream out;
  WalkthroughOptions options;
  options.width = 240;  // wide enough that no step sentence is wrapped
  EXPECT_EQ(run_walkthrough(out, options), 0);
  const std::string text = out.str();
  // Step 5: ET returns 0, LT reports the pipe (data = rfd = 4) again.
  auto row = [](std::string left, const std::string& right) {
    left.resize((240 - 3) / 2, ' ');
    return left + " | " + right + "\n";
  };
  EXPECT_NE(text.find(row("ET  epoll_wait(3, events, 8, 0)", "LT  epoll_wait(3, events, 8, 0)") +
                      row("    returns 0", "    returns 1: {data 4: IN}")),
            std::string::npos)
      << text;
  // Step 6: the ET thread sleeps on the epoll's wait queue.
  EXPECT_NE(text.find(row("ET  epoll_wait(3, events, 8, -1)", "LT  epoll_wait(3, events, 8, -1)") +
                      row("    sleeps", "    returns 1: {data 4: IN}")),
            std::string::npos);
  EXPECT_NE(text.find("main queues itself at the HEAD of epoll#1's wq"), std::string::npos);
  EXPECT_NE(text.find("it is level-triggered, so it goes back to the tail of rdllist"),
            std::string::npos);
  EXPECT_NE(text.find("it is edge-triggered, so it stays off the ready list"), std::string::npos);
}

TEST(Walkthrough, OlderProfileGivesTheSameAnswerForThisExample) {
  // The 2 KB write goes into an empty pipe, so even the 5.5-5.13 rule wakes the reader.
  std::ostringstream out;
  WalkthroughOptions options;
  options.profile = sim::KernelProfile::by_name("5.10");
  ASSERT_NE(options.profile, nullptr);
  options.show_steps = false;
  EXPECT_EQ(run_walkthrough(out, options), 0);
  EXPECT_NE(out.str().find("Model of Linux 5.10"), std::string::npos);
}

}  // namespace
}  // namespace epollscope::app
