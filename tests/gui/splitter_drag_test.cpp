// SPDX-License-Identifier: GPL-2.0-only
// The splitters in a real window (under xvfb-run): the pointer takes the strip between the left
// column and the eventpoll view and drags it; the view's pane moves with it, stops at its limit,
// and a double click puts it back. The same for the border above the timeline. And elided text
// has its whole in a tooltip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "gui/ui/window.h"
#include "imgui_internal.h"
#include "tests/gui/window_on_scenario.h"

namespace epollscope::ui {
namespace {

class Splitter : public test::WindowTest {};

TEST_F(Splitter, DraggingABorderResizesThePanesAndADoubleClickPutsItBack) {
  const auto opened = test::open_window_on(1280, 800);
  ASSERT_TRUE(opened->error.empty()) << opened->error;
  auto& window = opened->window;
  app::Controller& c = opened->controller;
  auto frames = [&](ImVec2 at, bool down, int n = 2) {
    window->set_test_pointer(at, down);
    for (int i = 0; i < n; ++i)
      window->frame(c);
  };
  frames(ImVec2(640, 400), false);
  const float start = window->report().panes.at(0).min.x;
  ASSERT_GT(start, 100);
  // Take the strip a pixel right of the pane's left edge's gap and drag it 200 pixels right.
  const float y = 300;
  frames(ImVec2(start - 2, y), false);
  frames(ImVec2(start - 2, y), true);
  for (int dx = 20; dx <= 200; dx += 20)
    frames(ImVec2(start - 2 + static_cast<float>(dx), y), true, 1);
  frames(ImVec2(start + 198, y), false);
  EXPECT_NEAR(window->report().panes.at(0).min.x, start + 200, 1.5);
  // Dragged far right, the view keeps its share of the window (35 %, beyond the strip of 5 px).
  const float moved = window->report().panes.at(0).min.x;
  frames(ImVec2(moved - 2, y), true);
  frames(ImVec2(1270, y), true);
  frames(ImVec2(1270, y), false);
  EXPECT_NEAR(window->report().panes.at(0).min.x, 1280 - 1280 * 0.35f + 5, 1);
  EXPECT_GT(window->report().panes.at(0).min.x, moved);
  // A double click on the strip puts it back.
  const float far = window->report().panes.at(0).min.x;
  frames(ImVec2(far - 2, y), false);
  frames(ImVec2(far - 2, y), true, 1);
  frames(ImVec2(far - 2, y), false, 1);
  frames(ImVec2(far - 2, y), true, 1);
  frames(ImVec2(far - 2, y), false, 2);
  EXPECT_NEAR(window->report().panes.at(0).min.x, start, 0.5);
  // The border above the timeline: dragged up 150 pixels, the view is 150 pixels shorter.
  const float bottom = window->report().panes.at(0).max.y;
  frames(ImVec2(900, bottom + 2), false);
  frames(ImVec2(900, bottom + 2), true);
  frames(ImVec2(900, bottom - 148), true);
  frames(ImVec2(900, bottom - 148), false);
  EXPECT_NEAR(window->report().panes.at(0).max.y, bottom - 150, 1.5);
  EXPECT_EQ(window->ui().splits.side, -1.f);  // the double click left it at its start
  EXPECT_GT(window->ui().splits.timeline, 0.f);
}

// Text that elided() shortened shows the whole of it in a tooltip, wrapped: the menu bar's title
// of a scenario with a long one, in a window of 640 pixels.
TEST_F(Splitter, ElidedTextShowsTheWholeOfItInATooltip) {
  const auto opened =
      test::open_window_on(640, 480, test::library_scenario("12-thundering-herd-et.scn"));
  ASSERT_TRUE(opened->error.empty()) << opened->error;
  auto& window = opened->window;
  app::Controller& c = opened->controller;
  auto tooltip = [&](ImVec2 at) {
    window->set_test_pointer(at, false);
    for (int i = 0; i < 3; ++i)
      window->frame(c);
    const ImGuiWindow* tip = ImGui::FindWindowByName("##Tooltip_00");
    return tip && tip->Active ? tip : nullptr;
  };
  EXPECT_EQ(tooltip(ImVec2(400, 300)), nullptr);  // nothing elided under the pointer
  const std::string title = c.left()->scenario().title;
  ASSERT_GT(ImGui::CalcTextSize(title.c_str()).x, 640 - 200) << "the title must be long";
  // On the title, at the right end of the menu bar.
  const ImGuiWindow* tip = tooltip(ImVec2(640 - 100, ImGui::GetFrameHeight() / 2));
  ASSERT_NE(tip, nullptr);
  // The tooltip holds the whole title, wrapped (gui/ui/text_wrap.h's tooltip: at 40 em, or 60 %
  // of the window when that is narrower): as wide as the wrap at most, in the window, over lines
  // enough for the title's width.
  const float wrap = std::min(ImGui::GetFontSize() * 40.f, 640 * 0.6f);
  const float title_w = ImGui::CalcTextSize(title.c_str()).x;
  EXPECT_LE(tip->Size.x, wrap + 2 * ImGui::GetStyle().WindowPadding.x + 1);
  EXPECT_LE(tip->Pos.x + tip->Size.x, 640.f);
  // One text item: its lines are a font size apart.
  const auto lines = static_cast<int>(std::lround(
      (tip->Size.y - 2 * ImGui::GetStyle().WindowPadding.y) / ImGui::GetTextLineHeight()));
  EXPECT_GE(lines, static_cast<int>(title_w / wrap) + (title_w > wrap ? 1 : 0)) << title;
}

}  // namespace
}  // namespace epollscope::ui
