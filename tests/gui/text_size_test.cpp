// SPDX-License-Identifier: GPL-2.0-only
// View → Text size in a real window (under xvfb-run): a new size rebuilds the font atlas between
// frames, so the next frame's glyphs are rasterised at it (not stretched), the layout grows with
// it, and the size stays when another scenario is opened. And what --text-size accepts.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "gui/ui/audit.h"
#include "gui/ui/window.h"
#include "tests/gui/window_on_scenario.h"

namespace epollscope::ui {
namespace {

TEST(TextSize, ParsedAsAPercentageInRange) {
  int pct = 0;
  std::string error;
  EXPECT_TRUE(parse_text_size("150", &pct, &error));
  EXPECT_EQ(pct, 150);
  EXPECT_TRUE(parse_text_size("200%", &pct, &error));
  EXPECT_EQ(pct, 200);
  for (const char* bad : {"", "%", "abc", "1.5", "-150", "150 %", "+150"}) {
    EXPECT_FALSE(parse_text_size(bad, &pct, &error)) << bad;
    EXPECT_NE(error.find("is not a percentage"), std::string::npos) << bad << ": " << error;
  }
  EXPECT_FALSE(parse_text_size("400", &pct, &error));
  EXPECT_EQ(error, "'400' is out of range 50 to 300");
  EXPECT_FALSE(parse_text_size("49", &pct, &error));
}

TEST(TextSize, CtrlPlusAndMinusStepThroughTheMenusSizes) {
  EXPECT_EQ(step_text_size(100, +1), 125);
  EXPECT_EQ(step_text_size(125, +1), 150);
  EXPECT_EQ(step_text_size(200, +1), 200);  // the largest stays
  EXPECT_EQ(step_text_size(150, -1), 125);
  EXPECT_EQ(step_text_size(100, -1), 100);
  EXPECT_EQ(step_text_size(160, -1), 150);  // from a --text-size between two of them
  EXPECT_EQ(step_text_size(160, +1), 175);
  EXPECT_EQ(step_text_size(250, +1), 250);
  EXPECT_EQ(step_text_size(60, -1), 60);
}

class TextSizeWindow : public test::WindowTest {};

TEST_F(TextSizeWindow, ANewSizeRebuildsTheFontsBetweenFramesAndStaysForTheSession) {
  const auto opened = test::open_window_on(1024, 768);
  ASSERT_TRUE(opened->error.empty()) << opened->error;
  auto& window = opened->window;
  app::Controller& c = opened->controller;
  window->frame(c);
  window->frame(c);
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  const float body = atlas->Fonts[0]->FontSize;
  const int atlas_h = atlas->TexHeight;
  const float left_w = window->report().panes.at(0).min.x;
  EXPECT_EQ(window->text_size_built(), 100);

  // What a change costs: the frame that rebuilds the atlas beside an ordinary one (printed).
  auto frame_ms = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    window->frame(c);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  const double ordinary = frame_ms();
  window->ui().text_size = 150;
  const double rebuilt = frame_ms();
  std::printf("a frame at 1024x768: %.1f ms; the frame that rebuilt the fonts at 150 %%: %.1f ms\n",
              ordinary, rebuilt);
  window->frame(c);
  EXPECT_EQ(window->text_size_built(), 150);
  EXPECT_EQ(atlas->Fonts[0]->FontSize, std::round(body * 1.5f));  // whole pixels: 23
  EXPECT_GT(atlas->TexHeight, atlas_h);                           // glyphs rasterised anew, larger
  EXPECT_NE(atlas->TexID, ImTextureID{});                         // and handed to OpenGL
  EXPECT_NE(window->ui().mono, nullptr);                          // the script's font too
  EXPECT_GT(window->report().panes.at(0).min.x, left_w);  // the left column is measured in fonts

  // Another scenario keeps it; out of range is brought back into it.
  c.dispatch(
      app::Command{app::Command::Kind::kOpen, 0, 0, 0, test::library_scenario("03-oneshot.scn")});
  window->frame(c);
  EXPECT_EQ(window->text_size_built(), 150);
  window->ui().text_size = 1000;
  window->frame(c);
  EXPECT_EQ(window->text_size_built(), kMaxTextSize);
  EXPECT_EQ(window->ui().text_size, kMaxTextSize);
}

// The timeline's speed is written beside its slider, not on it (where the grab of the default
// 4 steps/s covered the number), and stays whole, at both window sizes and at 100, 150 and 200 %.
TEST_F(TextSizeWindow, TheSpeedIsWrittenBesideItsSliderNotUnderItsGrab) {
  for (const auto& [width, height] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    const auto opened = test::open_window_on(width, height);
    ASSERT_TRUE(opened->error.empty()) << opened->error;
    for (const int pct : {100, 150, 200}) {
      opened->window->ui().text_size = pct;
      for (int f = 0; f < 3; ++f)
        opened->window->frame(opened->controller);
      const FrameReport& r = opened->window->report();
      const std::string where = std::to_string(width) + "x" + std::to_string(height) + " at " +
                                std::to_string(pct) + " %";
      EXPECT_EQ(r.speed_text, "4.0 steps/s") << where;
      EXPECT_GE(r.speed_text_min.x, r.speed_slider_max.x) << where;
      EXPECT_GE(r.speed_slider_max.x - r.speed_slider_min.x, ImGui::GetFontSize() * 3) << where;
      // On the slider's row.
      EXPECT_LT(r.speed_text_min.y, r.speed_slider_max.y) << where;
      EXPECT_GT(r.speed_text_max.y, r.speed_slider_min.y) << where;
      for (const ClippedText& cut : audit_clipped_text())
        ADD_FAILURE() << where << ": [" << cut.window << "] \"" << cut.text << "\": " << cut.how;
    }
  }
}

}  // namespace
}  // namespace epollscope::ui
