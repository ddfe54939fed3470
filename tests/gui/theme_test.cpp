// SPDX-License-Identifier: GPL-2.0-only
// The themes' colours are readable (issue 16: the light theme's caption was pale yellow on white,
// its timeline track invisible): every text colour of each palette against every background text
// is drawn on has a contrast of at least 4.5:1 (WCAG AA), the labels drawn on boxes too, and the
// timeline's track and grab stand out from the panel (3:1 for the grab, WCAG's for UI parts). No
// window is needed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "gui/ui/theme.h"

namespace epollscope::ui {
namespace {

struct Named {
  const char* name;
  ImU32 Palette::*colour;
};

const Named kTexts[] = {
    {"text", &Palette::text},
    {"text_dim", &Palette::text_dim},
    {"ok", &Palette::ok},
    {"bad", &Palette::bad},
    {"errno_result", &Palette::errno_result},
    {"differs", &Palette::differs},
    {"highlight (the step's caption)", &Palette::highlight},
};
const Named kBackgrounds[] = {
    {"background", &Palette::background},
    {"panel", &Palette::panel},
    {"box", &Palette::box},
    {"current_line", &Palette::current_line},
};

std::string hex(ImU32 c) {
  const Rgb x = rgb_of(c);
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", x.r, x.g, x.b);
  return buf;
}

TEST(Theme, ContrastRatioIsWcags) {
  EXPECT_NEAR(contrast_ratio(IM_COL32(0, 0, 0, 255), IM_COL32(255, 255, 255, 255)), 21, 1e-9);
  EXPECT_NEAR(contrast_ratio(IM_COL32(90, 90, 90, 255), IM_COL32(90, 90, 90, 255)), 1, 1e-9);
  // #777 on white is the well-known 4.48:1, just short of AA.
  EXPECT_NEAR(contrast_ratio(IM_COL32(0x77, 0x77, 0x77, 255), IM_COL32(255, 255, 255, 255)), 4.48,
              0.01);
}

TEST(Theme, EveryTextColourIsReadableOnEveryBackgroundInBothThemes) {
  for (const ThemeKind kind : {ThemeKind::kDark, ThemeKind::kLight}) {
    const Palette& p = palette_of(kind);
    const char* theme = kind == ThemeKind::kDark ? "dark" : "light";
    for (const Named& t : kTexts)
      for (const Named& b : kBackgrounds) {
        const double r = contrast_ratio(p.*t.colour, p.*b.colour);
        EXPECT_GE(r, 4.5) << theme << ": " << t.name << " " << hex(p.*t.colour) << " on " << b.name
                          << " " << hex(p.*b.colour) << " is " << r << ":1";
      }
    // Labels on boxes: a thread's white name on its box, a wait-queue entry's text on its box.
    for (const Named& box :
         {Named{"task", &Palette::task}, Named{"task_sleeping", &Palette::task_sleeping}})
      EXPECT_GE(contrast_ratio(IM_COL32(255, 255, 255, 255), p.*box.colour), 4.5)
          << theme << ": white on " << box.name << " " << hex(p.*box.colour);
    EXPECT_GE(contrast_ratio(p.text, p.queue_entry), 4.5)
        << theme << ": text on queue_entry " << hex(p.queue_entry);
  }
}

TEST(Theme, TheTimelinesTrackAndGrabStandOut) {
  for (const ThemeKind kind : {ThemeKind::kDark, ThemeKind::kLight}) {
    const Palette& p = palette_of(kind);
    ImU32 track = 0, grab = 0;
    for (const auto& [col, c] : widget_colours(kind)) {
      if (col == ImGuiCol_FrameBg) track = c;
      if (col == ImGuiCol_SliderGrab) grab = c;
    }
    ASSERT_NE(track, 0u);
    ASSERT_NE(grab, 0u);
    const char* theme = kind == ThemeKind::kDark ? "dark" : "light";
    // The track is seen against the panel; the grab against the track and the panel.
    EXPECT_GE(contrast_ratio(track, p.panel), 1.3) << theme << " track " << hex(track);
    EXPECT_GE(contrast_ratio(grab, track), 3.0) << theme << " grab " << hex(grab);
    EXPECT_GE(contrast_ratio(grab, p.panel), 3.0) << theme << " grab " << hex(grab);
  }
}

}  // namespace
}  // namespace epollscope::ui
