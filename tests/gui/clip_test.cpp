// SPDX-License-Identifier: GPL-2.0-only
// No text cut off without a way to read it (issue 16): library scenarios rendered at 1024×768 and
// 1920×1080 (and three of them at 150 % text size, a projector's), one model and ET beside LT, at
// every statement and every 5th step between, each frame checked by audit_clipped_text()
// (gui/ui/audit.h: glyphs outside their clip rectangle where the window cannot scroll, windows
// without a scroll bar holding more than they show). A failure names the scenario, the size, the
// mode, the step, the window and the text. Run under xvfb-run. About 1,650 positions: 25 to 38 s on
// this 2-core machine in the normal build and 31 s with ASan and UBSan (load average 5 to 8):
// llvmpipe's rendering, which is not instrumented, is most of it. The 150 % runs add about 585
// positions: 2,235 in 83 s in all here (load average about 4).
//
// The real kernel answers too (the kernel column's text is part of what must fit), when this
// machine lets the live child run; otherwise the model alone (the test says which).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gui/ui/audit.h"
#include "gui/ui/window.h"
#include "live/live_backend.h"
#include "tests/gui/window_on_scenario.h"

namespace epollscope::ui {
namespace {

// The teaching scenarios: the pipe ET/LT, ET leftovers, ovflist, the echo server, nested epolls,
// the thundering herd and EPOLLEXCLUSIVE, ONESHOT, DEL+ADD.
const char* const kScenarios[] = {
    "01-pipe-2k-1k-et.scn",
    "02-et-leftovers.scn",
    "02-ovflist-wakeup-during-harvest.scn",
    "07-et-echo-server.scn",
    "09-nested-et-retriggers.scn",
    "12-thundering-herd-et.scn",
    "11-exclusive-wakes-one.scn",
    "03-oneshot.scn",
    "03-del-add-moves-to-tail.scn",
};

// The same at 150 % text size (View → Text size, a projector's): the pipe example, the echo
// server and a nested epoll, whose kernel column and events[] hold the longest lines.
const char* const kProjectorScenarios[] = {
    "01-pipe-2k-1k-et.scn",
    "07-et-echo-server.scn",
    "09-nested-et-retriggers.scn",
};

// Windows whose cut text is listed but does not fail the test: none. (While issue 16's panes
// were rewritten on other branches, theirs were listed here; add a window only with a reason.)
const std::vector<std::string> kPanesBeingRewritten = {};

// The window, or a child of it ("Parent/child_ID"), or it with a title cut to its width
// ("The real ke...###The real kernel beside the model").
bool being_rewritten(const std::string& window) {
  for (const std::string& name : kPanesBeingRewritten) {
    const std::string top = window.substr(0, window.find('/'));
    const std::string suffix = "###" + name;
    const bool cut_title = top.size() > suffix.size() &&
                           top.compare(top.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (top == name || cut_title) return true;
  }
  return false;
}

struct Size {
  int width, height;
};

class Clipping : public test::WindowTest {};

// The steps rendered: before the first call, the end of every statement, every 5th step.
std::vector<std::size_t> positions(const app::Controller& c) {
  std::set<std::size_t> ticks;
  const std::size_t last = c.timeline().ticks();
  for (std::size_t t = 0; t <= last; t += 5)
    ticks.insert(t);
  ticks.insert(last);
  for (std::size_t t = 1; t <= last; ++t) {
    const auto here = c.timeline().at(t), next = c.timeline().at(std::min(last, t + 1));
    if (t == last || here.statement != next.statement) ticks.insert(t);
  }
  return {ticks.begin(), ticks.end()};
}

TEST_F(Clipping, NoTextIsCutWithoutAWayToReadIt) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> failures;
  // Window -> the text it cut (sorted, so "~" for an overfull window comes last) -> the first
  // report of it (the windows being rewritten).
  std::map<std::string, std::map<std::string, std::string>> pending;
  int frames = 0;
  int live = 0, model_only = 0;  // scenarios run on the kernel too, on the model alone
  for (const auto& [size, text_size] :
       {std::pair{Size{1024, 768}, 100}, std::pair{Size{1920, 1080}, 100},
        std::pair{Size{1024, 768}, 150}, std::pair{Size{1920, 1080}, 150}}) {
    WindowOptions o;
    o.text_size = text_size;
    o.width = size.width;
    o.height = size.height;
    o.visible = false;
    // At scale 1; EPOLLSCOPE_CLIP_SCALE=2 runs the same at projector scale (by hand: slower).
    const char* scale = std::getenv("EPOLLSCOPE_CLIP_SCALE");
    o.scale = scale ? std::strtof(scale, nullptr) : 1;
    std::string error;
    auto window = Window::open(o, &error);
    ASSERT_NE(window, nullptr) << error;
    window->ui().animate = false;
    std::vector<const char*> scenarios(std::begin(kScenarios), std::end(kScenarios));
    if (text_size != 100)
      scenarios.assign(std::begin(kProjectorScenarios), std::end(kProjectorScenarios));
    for (const bool compare : {false, true}) {
      for (const char* name : scenarios) {
        app::ControllerOptions co;
        co.kernel = [] { return std::make_unique<live::LiveBackend>(); };
        app::Controller c(co);
        c.dispatch(app::Command{app::Command::Kind::kSetCompare,
                                0,
                                0,
                                0,
                                {},
                                compare ? app::CompareMode::kTrigger : app::CompareMode::kOff});
        c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0,
                                std::string(EPOLLSCOPE_SOURCE_DIR) + "/scenarios/" + name});
        ASSERT_TRUE(c.error().empty()) << name << ": " << c.error();
        ++(c.left()->live() ? live : model_only);
        for (const std::size_t tick : positions(c)) {
          c.dispatch(app::Command{app::Command::Kind::kSeek, tick});
          // The first frame of a position lays it out; a tab the position brings forward (the
          // events[] array at a harvest) opens its child window in the second, whose scroll range
          // Dear ImGui knows from the third, the one seen (as `screenshot` renders three).
          window->frame(c);
          window->frame(c);
          window->frame(c);
          ++frames;
          for (const ClippedText& cut : audit_clipped_text()) {
            const std::string where =
                std::string(name) + " " + std::to_string(size.width) + "x" +
                std::to_string(size.height) + " text " + std::to_string(text_size) + "%" +
                (compare ? " compare" : " single") + " step " + std::to_string(tick);
            const std::string what = "[" + cut.window + "] \"" + cut.text + "\": " + cut.how;
            if (being_rewritten(cut.window))
              pending[cut.window].emplace(cut.text.empty() ? "~" + cut.how : cut.text,
                                          what + "  (first at " + where + ")");
            else
              failures.push_back(where + ": " + what);
          }
        }
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "%d positions rendered in %.1f s (%d runs with the kernel's answers, %d on the "
      "model alone)\n",
      frames, seconds, live, model_only);
  for (const auto& [window, cuts] : pending) {
    std::printf("being rewritten on another branch, not failing yet: %s, %zu kinds of cut text\n",
                window.c_str(), cuts.size());
    // The first 12 of each window; all of them with EPOLLSCOPE_CLIP_ALL=1 in the environment.
    const bool all = std::getenv("EPOLLSCOPE_CLIP_ALL") != nullptr;
    int shown = 0;
    for (const auto& [text, cut] : cuts)
      if (all || shown++ < 12) std::printf("    %s\n", cut.c_str());
  }
  // The first 40 in full, then how many per window.
  std::map<std::string, int> per_window;
  for (const std::string& f : failures)
    ++per_window[f.substr(f.find('[') + 1, f.find(']') - f.find('[') - 1)];
  std::size_t shown = 0;
  for (const std::string& f : failures)
    if (shown++ < 40) ADD_FAILURE() << f;
  for (const auto& [window, n] : per_window)
    std::printf("cut text in %s: %d\n", window.c_str(), n);
  EXPECT_TRUE(failures.empty()) << failures.size() << " cut texts";
}

}  // namespace
}  // namespace epollscope::ui
