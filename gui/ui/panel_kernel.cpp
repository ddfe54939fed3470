// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_kernel.cpp — the kernel column: for each call, what the model returned and what
// the real kernel returned, with a check mark when they agree and a red mark when they do not; for
// a race (`=> A or B`), ⇄ when the kernel took another listed outcome than the model (its tooltip
// and the kernel-functions panel say which, and why the kernel may take either path).
#include <algorithm>
#include <cstdint>

#include "driver/model_backend.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

namespace epollscope::ui {
namespace {

std::string outcome_text(const driver::StatementResult& r, std::size_t b) {
  if (b >= r.backends.size() || !r.backends[b].ran) return "-";
  return driver::describe_outcome(r.backends[b].outcome, r.call);
}

}  // namespace

void draw_kernel_panel(const app::Controller& c, Commands& out) {
  const app::Session* s = c.left();
  if (!s || !s->ok()) return;
  if (!s->note().empty())
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().text_dim), "%s", s->note().c_str());
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("kernel-column", 4, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("line", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 2.5f);
  ImGui::TableSetupColumn("model");
  ImGui::TableSetupColumn("kernel");
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.5f);
  ImGui::TableHeadersRow();
  // Only the visible rows are built (a scenario can run hundreds of thousands of statements);
  // the current statement's row is kept in view as the timeline moves.
  static std::size_t followed = SIZE_MAX;
  const std::size_t current = pos.before_first ? SIZE_MAX : pos.statement;
  if (current != followed && current != SIZE_MAX) {
    const float row = ImGui::GetTextLineHeightWithSpacing();
    const float visible = ImGui::GetWindowHeight();
    const float y = row * static_cast<float>(current);
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + visible - 3 * row)
      ImGui::SetScrollY(std::max(0.f, y - visible / 3));
  }
  followed = current;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(s->statements().size()));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::size_t i = static_cast<std::size_t>(row);
      const auto& r = s->statements()[i].result;
      ImGui::TableNextRow();
      if (i == current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, palette().current_line);
      ImGui::TableNextColumn();
      ImGui::PushID(row);
      if (ImGui::Selectable(std::to_string(r.statement->loc.line).c_str(), false,
                            ImGuiSelectableFlags_SpanAllColumns))
        out.push_back(app::Command{app::Command::Kind::kSeekStatement, 0, i});
      ImGui::PopID();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(outcome_text(r, 0).c_str());
      ImGui::TableNextColumn();
      if (s->live())
        ImGui::TextUnformatted(outcome_text(r, 1).c_str());
      else
        ImGui::TextDisabled("(not asked)");
      ImGui::TableNextColumn();
      if (s->live()) {
        const bool agree = r.divergences.empty();
        // ⇄: both are listed outcomes of a race, and the kernel took the other one.
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(!agree         ? palette().bad
                                                          : r.other_path ? palette().highlight
                                                                         : palette().ok),
                           !agree         ? "\u2717"
                           : r.other_path ? "\u21c4"
                                          : "\u2713");
        if (!agree && ImGui::IsItemHovered())
          ImGui::SetTooltip("%s", r.divergences.front().c_str());
        else if (r.other_path && ImGui::IsItemHovered())
          ImGui::SetTooltip("%s", s->either_path_note(i).c_str());
      }
    }
  ImGui::EndTable();
}

}  // namespace epollscope::ui
