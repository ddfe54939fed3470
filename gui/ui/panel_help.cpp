// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_help.cpp — the keys.
#include "gui/ui/panels.h"

namespace epollscope::ui {

void draw_help(UiState& ui) {
  if (!ui.show_help) return;
  ImGui::SetNextWindowPos(
      ImVec2(ImGui::GetIO().DisplaySize.x * 0.5f, ImGui::GetIO().DisplaySize.y * 0.5f),
      ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  if (ImGui::Begin("Keys (H to close)", &ui.show_help,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    const char* keys[][2] = {
        {"Space", "play / pause"},
        {"Right", "one step forward (the next kernel function)"},
        {"Left", "one step back (the state before it)"},
        {"Home / End", "the first / the last step"},
        {"Page Down / Up", "the next / previous statement"},
        {"C", "compare: off, ET beside LT, two kernel profiles"},
        {"B", "the scenario browser"},
        {"T", "dark / light theme"},
        {"H or F1", "this help"},
        {"Wheel on a tree", "zoom the red-black tree around the pointer"},
        {"Drag a tree", "pan it; double-click: fit it to the pane again"},
    };
    if (ImGui::BeginTable("keys", 2)) {
      for (const auto& k : keys) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[0]);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[1]);
      }
      ImGui::EndTable();
    }
    ImGui::Separator();
    ImGui::TextDisabled("Click a script line, a step or a row of the kernel column to go there.");
    ImGui::TextDisabled("Point at a tree node to see its epitem. Big trees fold what is smaller");
    ImGui::TextDisabled("than a few pixels; zoom in to see it. Long lists show the first 12.");
    ImGui::Separator();
    ImGui::TextDisabled("Following a live trace: End (or Live) follows the newest step, Page");
    ImGui::TextDisabled("Down / Up go to the next / previous call, a click on a call goes to it.");
  }
  ImGui::End();
}

}  // namespace epollscope::ui
