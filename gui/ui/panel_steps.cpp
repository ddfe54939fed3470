// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_steps.cpp — the kernel-function steps of the current call, in order and nested as
// they happened; the step on screen is selected, a click goes to another. Above them, for a
// statement that lists alternatives (a race), the note that the kernel may take either path. For a
// live trace: the current call with both answers above its steps.
#include <algorithm>
#include <cstdint>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {

void draw_steps_panel(const app::Controller& c, Commands& out) {
  const app::Session* s = c.left();
  if (!s || !s->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (pos.before_first || pos.statement >= s->statements().size()) {
    // Past the statement where this side's run stopped (compare mode: the other side runs on).
    const std::string stopped = app::stop_note(*s, pos.statement, pos.before_first);
    if (pos.before_first || stopped.empty()) {
      ImGui::TextDisabled("Step forward (Right arrow) to run the first call.");
    } else {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().bad));
      ImGui::TextWrapped("The %s model %s", s->label().c_str(), stopped.c_str());
      ImGui::PopStyleColor();
    }
    return;
  }
  const app::StatementRun& run = s->statements()[pos.statement];
  const auto& steps = s->recorder().steps();
  // A statement that lists alternatives (`=> A or B`): the kernel may take either path, and why.
  const std::string either_path = s->either_path_note(pos.statement);
  if (!either_path.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().highlight));
    ImGui::TextWrapped("%s", either_path.c_str());
    ImGui::PopStyleColor();
    ImGui::Separator();
  }
  if (run.first_step == run.end_step) {
    ImGui::TextDisabled("This statement makes no kernel steps.");
    return;
  }
  // The steps scroll below the note, which stays in view.
  ImGui::BeginChild("steps-list", ImVec2(0, 0), false);
  // Only the visible steps are built (an epoll_wait harvesting many items makes thousands); the
  // step on screen is kept in view.
  const std::size_t first = run.first_step;
  const std::size_t end = std::min(run.end_step, steps.size());
  static std::size_t followed = SIZE_MAX;
  if (pos.left_steps != followed && pos.left_steps > first && pos.left_steps <= end) {
    const float row = ImGui::GetTextLineHeightWithSpacing();
    const float y = row * static_cast<float>(pos.left_steps - 1 - first);
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + ImGui::GetWindowHeight() - 3 * row)
      ImGui::SetScrollY(std::max(0.f, y - ImGui::GetWindowHeight() / 3));
  }
  followed = pos.left_steps;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(end > first ? end - first : 0));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::size_t i = first + static_cast<std::size_t>(row);
      const sim::TraceStep& st = steps[i];
      const bool selected = pos.left_steps == i + 1;
      std::string label =
          sim::cat(std::string(2 * st.depth, ' '), st.function, "  ", st.text, "##", i);
      ImGui::PushStyleColor(ImGuiCol_Text,
                            ImGui::ColorConvertU32ToFloat4(
                                i + 1 <= pos.left_steps ? palette().text : palette().text_dim));
      if (ImGui::Selectable(label.c_str(), selected))
        out.push_back(
            app::Command{app::Command::Kind::kSeek, c.timeline().tick_of_left_steps(i + 1)});
      ImGui::PopStyleColor();
    }
  ImGui::EndChild();
}

void draw_trace_steps_panel(const app::TraceController& c, Commands& out) {
  const trace::FeedView& f = c.feed();
  const trace::FeedCall* call = c.current_call();
  if (!call) {
    if (c.tick() == 0)
      ImGui::TextDisabled("No call yet.");
    else if (c.tick() == c.first_tick())
      ImGui::TextDisabled("Older steps were dropped: this is the state after them.");
    else
      ImGui::TextDisabled("The call of this step has not returned yet.");
    return;
  }
  const trace::CallRecord& r = call->record;
  ImGui::TextWrapped("%s = %s", r.call.c_str(), r.kernel.c_str());
  if (r.diverged) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().differs));
    ImGui::TextWrapped("\u2260 the model answered %s", r.model.c_str());
    ImGui::PopStyleColor();
  } else if (!r.note.empty()) {
    ImGui::TextDisabled("(%s: the model took the kernel's answer)", r.note.c_str());
  }
  ImGui::Separator();
  const uint64_t first = std::max(call->first_step, f.dropped_steps);
  const uint64_t end = std::min(call->end_step, f.total_steps());
  if (call->first_step == call->end_step) {
    ImGui::TextDisabled("This call makes no kernel steps in the model.");
    return;
  }
  if (first >= end) {
    ImGui::TextDisabled("The steps of this call are among the older steps dropped.");
    return;
  }
  // Long steps scroll sideways rather than being cut.
  ImGui::BeginChild("trace-steps-list", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  static uint64_t followed = UINT64_MAX;
  if (c.tick() != followed && c.tick() > first && c.tick() <= end) {
    const float row = ImGui::GetTextLineHeightWithSpacing();
    const float y = row * static_cast<float>(c.tick() - 1 - first);
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + ImGui::GetWindowHeight() - 3 * row)
      ImGui::SetScrollY(std::max(0.f, y - ImGui::GetWindowHeight() / 3));
  }
  followed = c.tick();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(end - first));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const uint64_t n = first + static_cast<uint64_t>(row);
      const trace::FeedStep* fs = f.step(n);
      if (!fs) continue;
      const sim::TraceStep& st = fs->step;
      std::string label =
          sim::cat(std::string(2 * st.depth, ' '), st.function, "  ", st.text, "##", n);
      ImGui::PushStyleColor(
          ImGuiCol_Text,
          ImGui::ColorConvertU32ToFloat4(n + 1 <= c.tick() ? palette().text : palette().text_dim));
      if (ImGui::Selectable(label.c_str(), c.tick() == n + 1))
        out.push_back(app::Command{app::Command::Kind::kSeek, n + 1});
      ImGui::PopStyleColor();
    }
  ImGui::EndChild();
}

}  // namespace epollscope::ui
