// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_script.cpp — the scenario's text with the current statement's line highlighted
// (click a line to go to its statement), and the narration of the current statement.
#include <algorithm>
#include <cstdio>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

namespace epollscope::ui {

void draw_script_panel(const app::Controller& c, const UiState& ui, Commands& out) {
  const app::Session* s = c.left();
  if (!s || !s->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  int current_line = 0;
  if (!pos.before_first && pos.statement < s->statements().size())
    current_line = s->statements()[pos.statement].result.statement->loc.line;

  const float narration_height = ImGui::GetTextLineHeightWithSpacing() * 5;
  ImGui::BeginChild("script-lines", ImVec2(0, -narration_height), false,
                    ImGuiWindowFlags_HorizontalScrollbar);
  if (ui.mono) ImGui::PushFont(ui.mono);
  static int last_scrolled_line = -1;
  const auto& lines = s->scenario().lines;
  const float row = ImGui::GetTextLineHeightWithSpacing();
  if (current_line > 0 && last_scrolled_line != current_line) {
    ImGui::SetScrollY(std::max(
        0.f, row * static_cast<float>(current_line - 1) - ImGui::GetWindowHeight() * 0.35f));
    last_scrolled_line = current_line;
  }
  // Only the visible lines are built.
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines.size()));
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const int line = i + 1;
      ImVec2 p = ImGui::GetCursorScreenPos();
      if (line == current_line)
        ImGui::GetWindowDrawList()->AddRectFilled(
            p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + row), palette().current_line);
      char label[32];
      std::snprintf(label, sizeof label, "%3d  ", line);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().text_dim), "%s", label);
      ImGui::SameLine(0, 0);
      ImGui::PushID(line);
      // A line is cut at 300 characters: a generated scenario may hold very long ones, and every
      // character drawn costs vertices.
      const std::string& line_text = lines[static_cast<std::size_t>(i)];
      const std::string text =
          line_text.size() > 300 ? line_text.substr(0, 297) + "..." : line_text;
      if (ImGui::Selectable(text.empty() ? " " : text.c_str(), false)) {
        for (std::size_t k = 0; k < s->statements().size(); ++k)
          if (s->statements()[k].result.statement->loc.line == line) {
            out.push_back(app::Command{app::Command::Kind::kSeekStatement, 0, k});
            break;
          }
      }
      ImGui::PopID();
    }
  if (ui.mono) ImGui::PopFont();
  ImGui::EndChild();
  ImGui::Separator();
  std::string narration = "Before the first statement.";
  if (!pos.before_first && pos.statement < s->statements().size()) {
    const auto& st = *s->statements()[pos.statement].result.statement;
    narration = st.narration.empty() ? st.source : st.narration;
  }
  ImGui::TextWrapped("%s", narration.c_str());
}

}  // namespace epollscope::ui
