// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_timeline.cpp — first, step back, play/pause, step forward, last; speed; and a
// scrubber over every tick of the scenario.
#include "gui/ui/panels.h"
#include "sim/strings.h"

namespace epollscope::ui {

void draw_timeline_panel(const app::Controller& c, Commands& out) {
  using K = app::Command::Kind;
  if (ImGui::Button("|<")) out.push_back(app::Command{K::kFirst});
  ImGui::SameLine();
  if (ImGui::Button("<")) out.push_back(app::Command{K::kStepBack});
  ImGui::SameLine();
  if (ImGui::Button(c.playing() ? "Pause" : "Play", ImVec2(ImGui::GetFontSize() * 4, 0)))
    out.push_back(app::Command{K::kTogglePlay});
  ImGui::SameLine();
  if (ImGui::Button(">")) out.push_back(app::Command{K::kStepForward});
  ImGui::SameLine();
  if (ImGui::Button(">|")) out.push_back(app::Command{K::kLast});
  ImGui::SameLine();
  float speed = static_cast<float>(c.speed());
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::SliderFloat("steps/s", &speed, 0.5f, 30.f, "%.1f", ImGuiSliderFlags_Logarithmic))
    out.push_back(app::Command{K::kSetSpeed, 0, 0, speed});
  ImGui::SameLine();
  const std::size_t total = c.timeline().ticks();
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  std::string where = pos.before_first
                          ? std::string("before the first call")
                          : sim::cat("statement ", pos.statement + 1, " of ",
                                     c.timeline().statements(), ", step ", c.tick(), " of ", total);
  int tick = static_cast<int>(c.tick());
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize(where.c_str()).x - 20);
  if (ImGui::SliderInt("##scrub", &tick, 0, static_cast<int>(total), ""))
    out.push_back(app::Command{K::kSeek, static_cast<std::size_t>(tick)});
  ImGui::SameLine();
  ImGui::TextUnformatted(where.c_str());
}

}  // namespace epollscope::ui
