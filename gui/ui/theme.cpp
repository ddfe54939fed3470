// SPDX-License-Identifier: GPL-2.0-only
#include "gui/ui/theme.h"

namespace epollscope::ui {
namespace {

constexpr Palette kDark{
    IM_COL32(24, 26, 30, 255),    IM_COL32(32, 35, 40, 255),    IM_COL32(230, 232, 235, 255),
    IM_COL32(150, 156, 165, 255), IM_COL32(140, 146, 156, 255), IM_COL32(44, 48, 56, 255),
    IM_COL32(90, 98, 112, 255),   IM_COL32(214, 40, 40, 255),   IM_COL32(8, 8, 8, 255),
    IM_COL32(255, 160, 0, 255),   IM_COL32(0, 170, 220, 255),   IM_COL32(190, 90, 230, 255),
    IM_COL32(255, 236, 60, 255),  IM_COL32(70, 110, 170, 255),  IM_COL32(80, 170, 110, 255),
    IM_COL32(110, 120, 135, 255), IM_COL32(96, 150, 220, 255),  IM_COL32(55, 60, 70, 255),
    IM_COL32(90, 200, 110, 255),  IM_COL32(235, 80, 80, 255),   IM_COL32(60, 70, 110, 255),
    IM_COL32(255, 140, 66, 255),  IM_COL32(236, 96, 214, 255),
};

constexpr Palette kLight{
    IM_COL32(244, 245, 247, 255), IM_COL32(255, 255, 255, 255), IM_COL32(28, 30, 34, 255),
    IM_COL32(100, 106, 115, 255), IM_COL32(120, 126, 136, 255), IM_COL32(236, 238, 242, 255),
    IM_COL32(150, 156, 168, 255), IM_COL32(214, 40, 40, 255),   IM_COL32(8, 8, 8, 255),
    IM_COL32(255, 160, 0, 255),   IM_COL32(0, 170, 220, 255),   IM_COL32(190, 90, 230, 255),
    IM_COL32(230, 190, 0, 255),   IM_COL32(150, 180, 230, 255), IM_COL32(60, 150, 90, 255),
    IM_COL32(160, 168, 180, 255), IM_COL32(96, 150, 220, 255),  IM_COL32(225, 228, 233, 255),
    IM_COL32(40, 150, 60, 255),   IM_COL32(210, 50, 50, 255),   IM_COL32(210, 222, 245, 255),
    IM_COL32(196, 96, 0, 255),    IM_COL32(184, 30, 150, 255),
};

ThemeKind g_theme = ThemeKind::kDark;

}  // namespace

const Palette& palette() {
  return g_theme == ThemeKind::kDark ? kDark : kLight;
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
  }
}

Rgb rgb_of(ImU32 c) {
  return Rgb{static_cast<uint8_t>(c >> IM_COL32_R_SHIFT),
             static_cast<uint8_t>(c >> IM_COL32_G_SHIFT),
             static_cast<uint8_t>(c >> IM_COL32_B_SHIFT)};
}

}  // namespace epollscope::ui
