// SPDX-License-Identifier: GPL-2.0-only
#include "gui/ui/theme.h"

#include <algorithm>
#include <cmath>

namespace epollscope::ui {
namespace {

// Text is drawn on the background, the panels, the file boxes and the current line's band, and
// every text colour has a contrast of at least 4.5:1 with each of them (WCAG's AA for text; the
// test in tests/gui/theme_test.cpp computes it); a thread's label is white on its box, a wait queue
// entry's label is the text colour on its box.
constexpr Palette kDark{
    IM_COL32(24, 26, 30, 255),    IM_COL32(32, 35, 40, 255),    IM_COL32(230, 232, 235, 255),
    IM_COL32(165, 171, 180, 255), IM_COL32(140, 146, 156, 255), IM_COL32(44, 48, 56, 255),
    IM_COL32(90, 98, 112, 255),   IM_COL32(214, 40, 40, 255),   IM_COL32(8, 8, 8, 255),
    IM_COL32(255, 160, 0, 255),   IM_COL32(0, 170, 220, 255),   IM_COL32(190, 90, 230, 255),
    IM_COL32(255, 236, 60, 255),  IM_COL32(55, 90, 145, 255),   IM_COL32(40, 125, 70, 255),
    IM_COL32(96, 104, 118, 255),  IM_COL32(96, 150, 220, 255),  IM_COL32(55, 60, 70, 255),
    IM_COL32(90, 200, 110, 255),  IM_COL32(255, 120, 120, 255), IM_COL32(44, 52, 84, 255),
    IM_COL32(255, 140, 66, 255),  IM_COL32(245, 130, 225, 255),
};

// The light theme's accents are dark versions of the dark theme's (the caption and the outline of
// what a step touched are a dark gold, not a pale yellow on white).
constexpr Palette kLight{
    IM_COL32(244, 245, 247, 255), IM_COL32(255, 255, 255, 255), IM_COL32(28, 30, 34, 255),
    IM_COL32(88, 94, 102, 255),   IM_COL32(120, 126, 136, 255), IM_COL32(236, 238, 242, 255),
    IM_COL32(150, 156, 168, 255), IM_COL32(214, 40, 40, 255),   IM_COL32(8, 8, 8, 255),
    IM_COL32(255, 160, 0, 255),   IM_COL32(0, 170, 220, 255),   IM_COL32(190, 90, 230, 255),
    IM_COL32(110, 90, 0, 255),    IM_COL32(150, 180, 230, 255), IM_COL32(40, 125, 70, 255),
    IM_COL32(96, 104, 118, 255),  IM_COL32(96, 150, 220, 255),  IM_COL32(225, 228, 233, 255),
    IM_COL32(20, 110, 40, 255),   IM_COL32(180, 30, 30, 255),   IM_COL32(210, 222, 245, 255),
    IM_COL32(160, 60, 0, 255),    IM_COL32(160, 20, 130, 255),
};

ThemeKind g_theme = ThemeKind::kDark;

}  // namespace

const Palette& palette() {
  return palette_of(g_theme);
}
const Palette& palette_of(ThemeKind kind) {
  return kind == ThemeKind::kDark ? kDark : kLight;
}
ThemeKind theme() {
  return g_theme;
}

void set_theme(ThemeKind kind) {
  g_theme = kind;
  if (ImGui::GetCurrentContext()) {
    if (kind == ThemeKind::kDark)
      ImGui::StyleColorsDark();
    else
      ImGui::StyleColorsLight();
    ImGuiStyle& s = ImGui::GetStyle();
    s.Colors[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(palette().panel);
    // Children sit on their window's background (cleared, not drawn: see fill_rect).
    s.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
    // Sliders and buttons stand out from the panel (the light style's are white on white): the
    // timeline's track and its grab.
    for (const auto& [col, c] : widget_colours(kind))
      s.Colors[col] = ImGui::ColorConvertU32ToFloat4(c);
  }
}

std::vector<std::pair<ImGuiCol, ImU32>> widget_colours(ThemeKind kind) {
  if (kind == ThemeKind::kDark)
    return {{ImGuiCol_FrameBg, IM_COL32(58, 64, 76, 255)},
            {ImGuiCol_SliderGrab, IM_COL32(110, 160, 235, 255)},
            {ImGuiCol_SliderGrabActive, IM_COL32(150, 190, 250, 255)}};
  return {{ImGuiCol_FrameBg, IM_COL32(214, 218, 226, 255)},
          {ImGuiCol_FrameBgHovered, IM_COL32(196, 206, 226, 255)},
          {ImGuiCol_FrameBgActive, IM_COL32(180, 196, 226, 255)},
          {ImGuiCol_SliderGrab, IM_COL32(50, 95, 175, 255)},
          {ImGuiCol_SliderGrabActive, IM_COL32(30, 70, 150, 255)},
          {ImGuiCol_Button, IM_COL32(206, 216, 234, 255)}};
}

namespace {
double channel(uint8_t v) {
  const double c = v / 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
double luminance(ImU32 c) {
  const Rgb x = rgb_of(c);
  return 0.2126 * channel(x.r) + 0.7152 * channel(x.g) + 0.0722 * channel(x.b);
}
}  // namespace

double contrast_ratio(ImU32 a, ImU32 b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

Rgb rgb_of(ImU32 c) {
  return Rgb{static_cast<uint8_t>(c >> IM_COL32_R_SHIFT),
             static_cast<uint8_t>(c >> IM_COL32_G_SHIFT),
             static_cast<uint8_t>(c >> IM_COL32_B_SHIFT)};
}

}  // namespace epollscope::ui
