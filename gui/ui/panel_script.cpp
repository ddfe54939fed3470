// gui/ui/panel_script.cpp — the scenario's text with the current statement's line highlighted
// (click a line to go to its statement), and the narration of the current statement.
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
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int line = static_cast<int>(i) + 1;
    const bool current = line == current_line;
    ImVec2 p = ImGui::GetCursorScreenPos();
    if (current) {
      ImGui::GetWindowDrawList()->AddRectFilled(p,
                                                ImVec2(p.x + ImGui::GetContentRegionAvail().x,
                                                       p.y + ImGui::GetTextLineHeightWithSpacing()),
                                                palette().current_line);
      if (last_scrolled_line != line) {
        ImGui::SetScrollHereY(0.35f);
        last_scrolled_line = line;
      }
    }
    char label[32];
    std::snprintf(label, sizeof label, "%3d  ", line);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().text_dim), "%s", label);
    ImGui::SameLine(0, 0);
    ImGui::PushID(line);
    if (ImGui::Selectable(lines[i].empty() ? " " : lines[i].c_str(), false)) {
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
