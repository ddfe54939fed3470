// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_timeline.cpp — first, step back, play/pause, step forward, last; speed; and a
// scrubber over every tick of the scenario. For a live trace: first, back, forward, Live (follow
// the newest step), the scrubber over the steps kept, how many older ones were dropped, and the
// status line (the program, its pid, the counts so far, how it ended).
#include <algorithm>
#include <cstdio>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {

void draw_timeline_panel(const app::Controller& c, Commands& out, FrameReport& report) {
  using K = app::Command::Kind;
  if (ImGui::Button("|<")) out.push_back(app::Command{K::kFirst});
  ImGui::SameLine();
  if (ImGui::Button("<")) out.push_back(app::Command{K::kStepBack});
  ImGui::SameLine();
  if (ImGui::Button(c.playing() ? tr("Pause") : tr("Play"), ImVec2(ImGui::GetFontSize() * 4, 0)))
    out.push_back(app::Command{K::kTogglePlay});
  ImGui::SameLine();
  if (ImGui::Button(">")) out.push_back(app::Command{K::kStepForward});
  ImGui::SameLine();
  if (ImGui::Button(">|")) out.push_back(app::Command{K::kLast});
  ImGui::SameLine();
  float speed = static_cast<float>(c.speed());
  // Narrower in a narrow window, so that the scrubber keeps its room.
  ImGui::SetNextItemWidth(std::clamp(ImGui::GetContentRegionAvail().x * 0.15f,
                                     ImGui::GetFontSize() * 3, ImGui::GetFontSize() * 8));
  // The number beside the slider, not on it: the slider centres its text, and on this logarithmic
  // scale the grab of the default 4 steps/s sits in the middle too, over the number.
  if (ImGui::SliderFloat("##speed", &speed, 0.5f, 30.f, "",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_NoInput))
    out.push_back(app::Command{K::kSetSpeed, 0, 0, speed});
  report.speed_slider_min = ImGui::GetItemRectMin();
  report.speed_slider_max = ImGui::GetItemRectMax();
  ImGui::SameLine(0, ImGui::GetStyle().ItemInnerSpacing.x);
  char number[16];
  std::snprintf(number, sizeof number, "%.1f ", static_cast<double>(speed));
  report.speed_text = number + std::string(tr("steps/s"));
  ImGui::TextUnformatted(report.speed_text.c_str());
  report.speed_text_min = ImGui::GetItemRectMin();
  report.speed_text_max = ImGui::GetItemRectMax();
  // As wide as the widest speed ("30.0"), so that the scrubber does not move as the speed does.
  const float widest = ImGui::CalcTextSize((std::string("30.0 ") + tr("steps/s")).c_str()).x;
  ImGui::SameLine(0,
                  ImGui::GetStyle().ItemSpacing.x +
                      std::max(0.f, widest - (report.speed_text_max.x - report.speed_text_min.x)));
  const std::size_t total = c.timeline().ticks();
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const std::string full = pos.before_first
                               ? std::string(tr("before the first call"))
                               : trf("statement {} of {}, step {} of {}", pos.statement + 1,
                                     c.timeline().statements(), c.tick(), total);
  // A narrow window (or a projector's scale) gets the short form, whole in its tooltip, so that
  // the scrubber keeps a few lines' width.
  const float room = ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x;
  const float scrub_min = ImGui::GetFontSize() * 6;
  std::string where = full;
  if (room - ImGui::CalcTextSize(where.c_str()).x < scrub_min)
    where = pos.before_first ? trf("step {}", 0)
                             : sim::cat(pos.statement + 1, "/", c.timeline().statements(), "  ",
                                        c.tick(), "/", total);
  int tick = static_cast<int>(c.tick());
  ImGui::SetNextItemWidth(
      std::max(ImGui::GetFontSize() * 2, room - ImGui::CalcTextSize(where.c_str()).x));
  if (ImGui::SliderInt("##scrub", &tick, 0, static_cast<int>(total), ""))
    out.push_back(app::Command{K::kSeek, static_cast<std::size_t>(tick)});
  ImGui::SameLine();
  ImGui::TextUnformatted(where.c_str());
  if (where != full && ImGui::IsItemHovered()) tooltip(full.c_str());
}

void draw_trace_timeline_panel(const app::TraceController& c, Commands& out) {
  using K = app::Command::Kind;
  const trace::FeedView& f = c.feed();
  const trace::FeedStatus& st = c.status();
  const Palette& p = palette();
  if (ImGui::Button("|<")) out.push_back(app::Command{K::kFirst});
  ImGui::SameLine();
  if (ImGui::Button("<")) out.push_back(app::Command{K::kStepBack});
  ImGui::SameLine();
  if (ImGui::Button(">")) out.push_back(app::Command{K::kStepForward});
  ImGui::SameLine();
  // Live: follow the newest step again (checked while following).
  const std::string live = std::string(c.following() ? "\u2713 " : "") + tr("Live") + "###live";
  if (ImGui::Button(live.c_str(), ImVec2(ImGui::GetFontSize() * 4.5f, 0)))
    out.push_back(app::Command{K::kFollowLive});
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "%s", c.following() ? tr("Following the newest step") : tr("Follow the newest step (End)"));
  ImGui::SameLine();
  const uint64_t total = c.last_tick();
  std::string where =
      total == 0 ? std::string(tr("no step yet"))
                 : trf("step {} of {}", c.tick(), total) + (c.following() ? tr(" (newest)") : "");
  if (f.dropped_steps > 0) where += trf("   older steps dropped: {}", f.dropped_steps);
  int tick = static_cast<int>(c.tick() - c.first_tick());
  ImGui::SetNextItemWidth(-ImGui::CalcTextSize(where.c_str()).x - 20);
  if (ImGui::SliderInt("##scrub", &tick, 0, static_cast<int>(total - c.first_tick()), ""))
    out.push_back(app::Command{K::kSeek, c.first_tick() + static_cast<uint64_t>(tick)});
  // A magenta mark (≠) on the scrubber where each diverged call ends.
  if (st.counts.divergences > 0 && total > c.first_tick()) {
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    const float span = static_cast<float>(total - c.first_tick());
    for (const trace::FeedCall& call : f.calls)
      if (call.record.diverged) {
        const float x =
            a.x + (b.x - a.x) * static_cast<float>(call.end_step - c.first_tick()) / span;
        ImGui::GetWindowDrawList()->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), p.differs, 2);
      }
  }
  ImGui::SameLine();
  ImGui::TextUnformatted(where.c_str());
  if (f.dropped_steps > 0 && ImGui::IsItemHovered())
    ImGui::SetTooltip(tr("Only the newest %zu steps are kept with their states; older steps "
                         "dropped (--keep-steps sets how many)"),
                      f.max_steps);

  // The status line: the program, how far it got, how it ended. The program's command line gives
  // way (cut, whole in its tooltip) to the rest.
  const Palette& colours = p;
  std::string right = "   " + trf("{} calls, {} epoll calls, {} wake-ups, ", st.counts.calls,
                                  st.counts.epoll_calls, st.counts.wakeups);
  const std::string divergences = trf("{} divergences", st.counts.divergences);
  const std::string end = st.ended
                              ? "   " + st.end + (st.error.empty() ? "" : " (" + st.error + ")")
                          : st.running ? "   " + std::string(tr("running"))
                                       : std::string();
  std::string left = st.program.empty() ? std::string(tr("starting...")) : st.program;
  const std::string pid = st.pid ? sim::cat("   pid ", st.pid) : std::string();
  const float room = ImGui::GetContentRegionAvail().x -
                     ImGui::CalcTextSize((pid + right + divergences + end).c_str()).x - 8;
  if (ImGui::CalcTextSize(left.c_str()).x > room) {
    const float dots = ImGui::CalcTextSize("...").x;
    std::size_t from = 0;
    while (from < left.size() &&
           ImGui::CalcTextSize(left.c_str() + from).x + dots > std::max(room, dots * 4))
      ++from;
    left = "..." + left.substr(from);
  }
  ImGui::TextUnformatted((left + pid + right).c_str());
  if (ImGui::IsItemHovered() && !st.program.empty()) tooltip(st.program.c_str());
  ImGui::SameLine(0, 0);
  ImGui::TextColored(
      ImGui::ColorConvertU32ToFloat4(st.counts.divergences > 0 ? colours.differs : colours.text),
      "%s", divergences.c_str());
  if (!end.empty()) {
    ImGui::SameLine(0, 0);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(st.ended ? colours.highlight : colours.ok),
                       "%s", end.c_str());
  }
}

}  // namespace epollscope::ui
