// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_calls.cpp — a live trace's calls, the kernel column of a traced program: each call
// the program made, what the real kernel answered and what the model answered, = when they agree
// and ≠ (magenta) when they do not (a divergence), an errno answer in orange, a note for a call the
// model took from the kernel (an observed file's); ↯ with the wake-ups of observed files handed to
// the model before the call.
// The current call is highlighted; a click goes to the end of a call's steps.
#include <algorithm>
#include <cstdint>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {
namespace {

std::string wakeups_text(const trace::FeedCall& call) {
  std::string out = tr("Wake-ups of observed files handed to the model before this call:");
  for (const trace::WakeRecord& w : call.wakeups)
    out += "\n" +
           trf("fd {} ({}) in epoll {}: {}", w.fd, w.label, w.epfd, sim::mask_to_string(w.events));
  return out;
}

}  // namespace

void draw_calls_panel(const app::TraceController& c, Commands& out) {
  const trace::FeedView& f = c.feed();
  const Palette& p = palette();
  if (f.calls.empty()) {
    ImGui::TextDisabled("%s", f.status.ended ? tr("The program made no call the model follows.")
                                             : tr("Waiting for the program's first call..."));
    return;
  }
  if (f.dropped_calls > 0) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(p.text_dim), tr("%llu older calls dropped"),
                       static_cast<unsigned long long>(f.dropped_calls));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(tr("The newest %zu steps are kept with their states, and the calls they "
                           "belong to; older ones are dropped (--keep-steps sets how many)"),
                        f.max_steps);
  }
  // Two lines a call: the call, then the kernel's answer beside the model's.
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("calls", 3, flags)) return;
  const float font = ImGui::GetFontSize();
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, font * 2.8f);
  ImGui::TableSetupColumn(tr("call, then the kernel's answer and the model's"));
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, font * 1.5f);
  ImGui::TableHeadersRow();
  // Only the visible rows are built; the current call is kept in view (the newest while live).
  const trace::FeedCall* current = c.current_call();
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + ImGui::GetTextLineHeight() +
                      2 * ImGui::GetStyle().CellPadding.y;
  // Kept in the table's window (not in statics: a new window starts afresh): the rows and the
  // call last scrolled to, and for how many more frames to scroll to the end (a window's first
  // frames do not know their content's height yet, and a scroll beyond it is cut short).
  ImGuiStorage* kept = ImGui::GetStateStorage();
  int* rows_seen = kept->GetIntRef(ImGui::GetID("rows"), -1);
  int* scrolled_to = kept->GetIntRef(ImGui::GetID("scrolled-to"), -1);
  int* to_end = kept->GetIntRef(ImGui::GetID("to-end"), 0);
  const int rows = static_cast<int>(f.calls.size());
  if (c.following()) {
    if (*rows_seen != rows || *scrolled_to != -1) *to_end = 3;
    *scrolled_to = -1;
    if (*to_end > 0) {
      ImGui::SetScrollY(row_h * static_cast<float>(rows + 1));
      --*to_end;
    }
  } else if (current && static_cast<int>(current->index - f.dropped_calls) != *scrolled_to) {
    const int row = static_cast<int>(current->index - f.dropped_calls);
    const float y = row_h * static_cast<float>(row);
    const float visible = ImGui::GetWindowHeight();
    if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + visible - 3 * row_h)
      ImGui::SetScrollY(std::max(0.f, y - visible / 3));
    *scrolled_to = row;
  }
  *rows_seen = rows;
  const pid_t pid = f.status.pid;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(f.calls.size()), row_h);
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const trace::FeedCall& call = f.calls[static_cast<std::size_t>(row)];
      const trace::CallRecord& r = call.record;
      ImGui::TableNextRow(0, row_h);
      if (&call == current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, p.current_line);
      ImGui::TableNextColumn();
      ImGui::PushID(row);
      if (ImGui::Selectable(std::to_string(call.index + 1).c_str(), false,
                            ImGuiSelectableFlags_SpanAllColumns, ImVec2(0, row_h - 4)))
        out.push_back(app::Command{app::Command::Kind::kSeekStatement, 0, call.index});
      ImGui::PopID();
      ImGui::TableNextColumn();
      if (!call.wakeups.empty()) {
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(p.highlight), "\u21af%zu",
                           call.wakeups.size());
        if (ImGui::IsItemHovered()) tooltip(wakeups_text(call).c_str());
        ImGui::SameLine();
      }
      const std::string text = r.tid != pid ? sim::cat("[", r.tid, "] ", r.call) : r.call;
      const std::string model_text = r.diverged       ? r.model
                                     : r.note.empty() ? r.kernel
                                                      : "(" + r.note + ")";
      ImGui::TextUnformatted(elided(text, ImGui::GetContentRegionAvail().x).c_str());
      const bool hovered = ImGui::IsItemHovered();
      // The answers share the second line; each gets half of what the labels leave.
      const float half = std::max(
          font * 3, (ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(tr("  kernel")).x -
                     ImGui::CalcTextSize(tr("  model")).x - ImGui::CalcTextSize("    ").x) /
                        2);
      ImGui::TextDisabled("%s", tr("  kernel"));
      ImGui::SameLine();
      // An errno in its own colour, not a success's.
      const bool kernel_errno = app::classify_text(r.kernel) == app::ResultKind::kErrno;
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kernel_errno ? p.errno_result : p.text),
                         "%s", elided(r.kernel, half).c_str());
      const bool hovered_kernel = ImGui::IsItemHovered();
      ImGui::SameLine();
      ImGui::TextDisabled("%s", tr("  model"));
      ImGui::SameLine();
      const ImU32 model_colour = r.diverged        ? p.differs
                                 : !r.note.empty() ? p.text_dim
                                 : app::classify_text(model_text) == app::ResultKind::kErrno
                                     ? p.errno_result
                                     : p.text;
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(model_colour), "%s",
                         elided(model_text, half).c_str());
      if (hovered || hovered_kernel || ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\n%s\n%s", text.c_str(), trf("kernel: {}", r.kernel).c_str(),
                          trf("model: {}", model_text).c_str());
      ImGui::TableNextColumn();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(r.diverged       ? p.differs
                                                        : r.note.empty() ? p.ok
                                                                         : p.text_dim),
                         r.diverged ? "\u2260" : "=");
      if (ImGui::IsItemHovered()) {
        const std::string why =
            r.diverged       ? std::string(tr("a divergence: the model answered otherwise"))
            : r.note.empty() ? std::string(tr("the model answered as the kernel did"))
                             : trf("the model took the kernel's answer ({})", r.note);
        tooltip(why.c_str());
      }
    }
  ImGui::EndTable();
}

}  // namespace epollscope::ui
