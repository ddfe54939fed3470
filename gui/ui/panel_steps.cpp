// gui/ui/panel_steps.cpp — the kernel-function steps of the current call, in order and nested as
// they happened; the step on screen is selected, a click goes to another.
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {

void draw_steps_panel(const app::Controller& c, Commands& out) {
  const app::Session* s = c.left();
  if (!s || !s->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (pos.before_first || pos.statement >= s->statements().size()) {
    ImGui::TextDisabled("Step forward (Right arrow) to run the first call.");
    return;
  }
  const app::StatementRun& run = s->statements()[pos.statement];
  const auto& steps = s->recorder().steps();
  if (run.first_step == run.end_step) ImGui::TextDisabled("This statement makes no kernel steps.");
  for (std::size_t i = run.first_step; i < run.end_step && i < steps.size(); ++i) {
    const sim::TraceStep& st = steps[i];
    const bool selected = pos.left_steps == i + 1;
    std::string label =
        sim::cat(std::string(2 * st.depth, ' '), st.function, "  ", st.text, "##", i);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(i + 1 <= pos.left_steps
                                                                            ? palette().text
                                                                            : palette().text_dim));
    if (ImGui::Selectable(label.c_str(), selected))
      out.push_back(
          app::Command{app::Command::Kind::kSeek, c.timeline().tick_of_left_steps(i + 1)});
    ImGui::PopStyleColor();
    if (selected && ImGui::IsWindowAppearing()) ImGui::SetScrollHereY();
  }
}

}  // namespace epollscope::ui
