// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_script.cpp — the scenario's text with the current statement's line highlighted
// (click a line to go to its statement; only the narration comments of the window's language are
// listed, each line with its number in the file), and the narration of the current statement. A
// line the position has reached whose expectation did not hold is drawn in red with "expected X,
// got Y" under it (the model's answer; the real kernel's when only it failed), and the line where
// the run stopped with why (app/answers.h).
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <vector>

#include "gui/app/script_lines.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

namespace epollscope::ui {

void draw_script_panel(const app::Controller& c, const UiState& ui, Commands& out,
                       FrameReport& report) {
  const app::Session* s = c.left();
  if (!s || !s->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const auto& statements = s->scenario().statements;
  int current_line = 0;
  if (!pos.before_first && pos.statement < statements.size())
    current_line = statements[pos.statement].loc.line;
  // The marked lines the position has reached (0-based line → the latest marked statement on it).
  std::map<std::size_t, std::size_t> marks;
  for (std::size_t st : app::marked_reached(*s, app::answered_statements(c.timeline(), c.tick())))
    if (const int line = statements[st].loc.line; line > 0)
      marks[static_cast<std::size_t>(line - 1)] = st;
  const auto& lines = s->scenario().lines;
  // Only the narration of the window's language is listed (app/script_lines.h); each row keeps
  // its file line number. `row_of` maps a file line (0-based) to its row among those shown.
  const std::vector<std::size_t> shown = app::script_lines_shown(s->scenario(), driver::language());
  auto row_of = [&shown](std::size_t file_line) -> std::optional<std::size_t> {
    const auto it = std::lower_bound(shown.begin(), shown.end(), file_line);
    if (it == shown.end() || *it != file_line) return std::nullopt;
    return static_cast<std::size_t>(it - shown.begin());
  };
  app::RowMap map{shown.size(), {}};
  for (const auto& [line, st] : marks)
    if (const auto r = row_of(line)) map.extra.push_back(*r);

  // The narration takes the height it needs, wrapped, up to half the panel; a longer one
  // scrolls in its own box so that its last line can always be reached.
  std::string narration = tr("Before the first statement.");
  if (!pos.before_first && pos.statement < statements.size()) {
    const auto& st = statements[pos.statement];
    narration = st.narration.empty() ? st.source : driver::narration(st);
  }
  const ImGuiStyle& style = ImGui::GetStyle();
  const float wrap_width = ImGui::GetContentRegionAvail().x - style.ScrollbarSize;
  const float needed = wrapped_text_size(narration, wrap_width).y + style.ItemSpacing.y * 2;
  const float narration_height = std::clamp(
      needed, ImGui::GetTextLineHeightWithSpacing() * 2,
      std::max(ImGui::GetContentRegionAvail().y * 0.5f, ImGui::GetTextLineHeightWithSpacing() * 2));
  ImGui::BeginChild("script-lines", ImVec2(0, -narration_height), false,
                    ImGuiWindowFlags_HorizontalScrollbar);
  if (ui.mono) ImGui::PushFont(ui.mono);
  // The current line is scrolled to when it changes (for a few frames: a new window does not know
  // its content's height at first). Kept in the child window, not in statics: another window
  // starts afresh.
  const float row = ImGui::GetTextLineHeightWithSpacing();
  ImGuiStorage* kept = ImGui::GetStateStorage();
  const ImGuiID followed_id = ImGui::GetID("followed"), frames_id = ImGui::GetID("follow-frames");
  if (kept->GetInt(followed_id, -2) != current_line) {
    kept->SetInt(followed_id, current_line);
    kept->SetInt(frames_id, 3);
  }
  const std::optional<std::size_t> current_row =
      current_line > 0 ? row_of(static_cast<std::size_t>(current_line - 1)) : std::nullopt;
  if (const int frames = kept->GetInt(frames_id, 0); frames > 0 && current_row) {
    kept->SetInt(frames_id, frames - 1);
    const std::size_t display = map.display_of(*current_row);
    ImGui::SetScrollY(
        std::max(0.f, row * static_cast<float>(display) - ImGui::GetWindowHeight() * 0.35f));
  }
  const ImVec4 red = ImGui::ColorConvertU32ToFloat4(palette().bad);
  // Only the visible lines are built.
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(map.size()));
  while (clipper.Step())
    for (int d = clipper.DisplayStart; d < clipper.DisplayEnd; ++d) {
      const app::RowMap::Row at = map.at(static_cast<std::size_t>(d));
      const std::size_t i = shown[at.base];
      const int line = static_cast<int>(i) + 1;
      const auto mark = marks.find(i);
      ImVec2 p = ImGui::GetCursorScreenPos();
      if (line == current_line && !at.second) report.script_current = line;
      if (!at.second) report.script_lines.push_back(line);
      if (line == current_line)
        ImGui::GetWindowDrawList()->AddRectFilled(
            p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + row), palette().current_line);
      if (at.second) {
        // Under a marked line: what was expected and what came, or why the run stopped.
        ImGui::TextColored(red, "  \u2717 %s", app::script_mark(*s, mark->second).c_str());
        ++report.script_marks;
        continue;
      }
      char label[32];
      std::snprintf(label, sizeof label, "%3d  ", line);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().text_dim), "%s", label);
      ImGui::SameLine(0, 0);
      ImGui::PushID(line);
      // A line is cut at 300 characters: a generated scenario may hold very long ones, and every
      // character drawn costs vertices.
      const std::string& line_text = lines[i];
      const std::string text =
          line_text.size() > 300 ? line_text.substr(0, 297) + "..." : line_text;
      if (mark != marks.end()) ImGui::PushStyleColor(ImGuiCol_Text, red);
      if (ImGui::Selectable(text.empty() ? " " : text.c_str(), false)) {
        for (std::size_t k = 0; k < statements.size(); ++k)
          if (statements[k].loc.line == line) {
            out.push_back(app::Command{app::Command::Kind::kSeekStatement, 0, k});
            break;
          }
      }
      if (mark != marks.end()) ImGui::PopStyleColor();
      ImGui::PopID();
    }
  if (ui.mono) ImGui::PopFont();
  ImGui::EndChild();
  ImGui::Separator();
  ImGui::BeginChild("narration", ImVec2(0, 0), false);
  text_wrapped(narration);
  ImGui::EndChild();
}

}  // namespace epollscope::ui
