// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_steps.cpp — the kernel-function steps of the current call, in order and nested as
// they happened; the step on screen is selected, a click goes to another. For a statement that
// lists alternatives (a race), the note that the kernel may take either path, above the tabs. In
// compare mode each side has its half. The window holds them in a tab beside the kernel's code
// (panel_code.cpp) and the user's events[] (panel_events.cpp). For a live trace: the current call
// with both answers above its steps.
#include <algorithm>
#include <cstdint>

#include "gui/app/call_work.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/script/calls.h"
#include "sim/strings.h"

namespace epollscope::ui {

namespace {

// One model's steps of the current statement, `steps` of them made; `left` says which side the
// clicks seek by (the timeline counts ticks by the left side's steps; the right side's rows
// seek to the statement's tick with as many steps made).
void draw_side(const app::Controller& c, const app::Session& s, std::size_t steps, bool left,
               Commands& out, const char* id) {
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (pos.before_first || pos.statement >= s.statements().size()) {
    // Past the statement where this side's run stopped (compare mode: the other side runs on).
    const std::string stopped = app::stop_note(s, pos.statement, pos.before_first);
    if (pos.before_first || stopped.empty()) {
      ImGui::TextDisabled("%s", tr("Step forward (Right arrow) to run the first call."));
    } else {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().bad));
      text_wrappedf(tr("The %s model %s"), label_text(s.label()).c_str(), stopped.c_str());
      ImGui::PopStyleColor();
    }
    return;
  }
  const app::StatementRun& run = s.statements()[pos.statement];
  const auto& all = s.recorder().steps();
  if (run.first_step == run.end_step) {
    ImGui::TextDisabled("%s", tr("This statement makes no kernel steps."));
    return;
  }
  // The steps scroll below the note, which stays in view. Only the visible steps are built (an
  // epoll_wait harvesting many items makes thousands); a sentence too long for the pane is cut
  // with "..." and shown whole in a tooltip.
  ImGui::BeginChild(id, ImVec2(0, 0), false);
  const std::size_t first = run.first_step;
  const std::size_t end = std::min(run.end_step, all.size());
  // The step on screen is kept in view when it changes (kept in this child window's storage).
  ImGuiStorage* kept = ImGui::GetStateStorage();
  const ImGuiID followed_id = ImGui::GetID("followed"), frames_id = ImGui::GetID("follow-frames");
  if (kept->GetInt(followed_id, -1) != static_cast<int>(steps)) {
    kept->SetInt(followed_id, static_cast<int>(steps));
    kept->SetInt(frames_id, 3);
  }
  if (const int frames = kept->GetInt(frames_id, 0); frames > 0) {
    kept->SetInt(frames_id, frames - 1);
    if (steps > first && steps <= end) {
      const float row = ImGui::GetTextLineHeightWithSpacing();
      const float y = row * static_cast<float>(steps - 1 - first);
      if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + ImGui::GetWindowHeight() - 3 * row)
        ImGui::SetScrollY(std::max(0.f, y - ImGui::GetWindowHeight() / 3));
    }
  }
  const float width = ImGui::GetContentRegionAvail().x;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(end > first ? end - first : 0));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::size_t i = first + static_cast<std::size_t>(row);
      const sim::TraceStep& st = all[i];
      const bool selected = steps == i + 1;
      const std::string text = sim::cat(std::string(2 * st.depth, ' '), st.function, "  ",
                                        driver::translate_step(st.text));
      const std::string shown = elided(text, width);
      ImGui::PushStyleColor(
          ImGuiCol_Text,
          ImGui::ColorConvertU32ToFloat4(i + 1 <= steps ? palette().text : palette().text_dim));
      ImGui::PushID(static_cast<int>(i));
      if (ImGui::Selectable(shown.c_str(), selected)) {
        if (left)
          out.push_back(
              app::Command{app::Command::Kind::kSeek, c.timeline().tick_of_left_steps(i + 1)});
        else
          out.push_back(app::Command{app::Command::Kind::kSeek,
                                     c.timeline().first_tick_of(pos.statement) + (i - first)});
      }
      if (shown != text && ImGui::IsItemHovered()) tooltip(text.c_str());
      ImGui::PopID();
      ImGui::PopStyleColor();
    }
  ImGui::EndChild();
}

// The step shown is the end of a harvest (epoll_wait's return): the user's side is what to see.
bool at_harvest_return(const app::Controller& c) {
  const app::Session* s = c.left();
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (!s || pos.before_first || pos.statement >= s->statements().size()) return false;
  const auto& run = s->statements()[pos.statement];
  const driver::StatementResult& r = run.result;
  return sim::script::harvests_epoll(r.call) &&
         c.tick() == c.timeline().last_tick_of(pos.statement);
}

// A poll, select or epoll_wait call: its work, counted over all its steps (app/call_work.h), one
// line per side (`side` null without compare mode).
void draw_call_work(const app::Controller& c, const app::Session& s, const char* side) {
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (pos.before_first || pos.statement >= s.statements().size()) return;
  const app::StatementRun& run = s.statements()[pos.statement];
  const app::CallWork w = app::call_work(s.recorder().steps(), run.first_step, run.end_step);
  if (!w.applies) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().highlight));
  if (side)
    text_wrappedf(tr("%s: %ld ->poll calls, %ld wait-queue entries added, %ld removed, "
                     "%ld callbacks"),
                  side, w.polls, w.wq_adds, w.wq_removes, w.callbacks);
  else
    text_wrappedf(
        tr("Work of this call: %ld ->poll calls, %ld wait-queue entries added, %ld removed, "
           "%ld callbacks"),
        w.polls, w.wq_adds, w.wq_removes, w.callbacks);
  ImGui::PopStyleColor();
}

}  // namespace

void draw_steps_panel(const app::Controller& c, Commands& out) {
  const app::Session* left = c.left();
  if (!left || !left->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const app::Session* right = c.right() && c.right()->ok() ? c.right() : nullptr;
  if (!right) {
    draw_side(c, *left, pos.left_steps, true, out, "steps-list");
    return;
  }
  const float half = std::max(ImGui::GetContentRegionAvail().y / 2 - 2, ImGui::GetFontSize() * 4);
  if (ImGui::BeginChild("steps-left", ImVec2(0, half), false)) {
    ImGui::TextUnformatted(label_text(left->label()).c_str());
    draw_side(c, *left, pos.left_steps, true, out, "steps-list-left");
  }
  ImGui::EndChild();
  ImGui::Separator();
  if (ImGui::BeginChild("steps-right", ImVec2(0, 0), false)) {
    ImGui::TextUnformatted(label_text(right->label()).c_str());
    draw_side(c, *right, pos.right_steps, false, out, "steps-list-right");
  }
  ImGui::EndChild();
}

void draw_call_panel(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report) {
  // When the position moves, the tab follows what the step is about: events[] once a harvest
  // has returned, the code otherwise (a tab the user picked stays while the position does).
  ImGuiStorage* kept = ImGui::GetStateStorage();
  const ImGuiID tick_id = ImGui::GetID("shown-tick"), auto_id = ImGui::GetID("auto-events");
  int select = -1;  // 0 code, 2 events[]
  if (kept->GetInt(tick_id, -1) != static_cast<int>(c.tick())) {
    kept->SetInt(tick_id, static_cast<int>(c.tick()));
    if (at_harvest_return(c)) {
      select = 2;
      kept->SetBool(auto_id, true);
    } else if (kept->GetBool(auto_id, false)) {
      select = 0;
      kept->SetBool(auto_id, false);
    }
  }
  // A statement that lists alternatives (`=> A or B`): the kernel may take either path, and why;
  // above the tabs, whichever is shown.
  if (const app::Session* s = c.left(); s && s->ok()) {
    const app::Timeline::Position pos = c.timeline().at(c.tick());
    const std::string either_path =
        pos.before_first ? std::string() : s->either_path_note(pos.statement);
    if (!either_path.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().highlight));
      text_wrapped(either_path);
      ImGui::PopStyleColor();
    }
    // The call's work, above the tabs too, for each side.
    if (const app::Session* r = c.right() && c.right()->ok() ? c.right() : nullptr) {
      draw_call_work(c, *s, label_text(s->label()).c_str());
      draw_call_work(c, *r, label_text(r->label()).c_str());
    } else {
      draw_call_work(c, *s, nullptr);
    }
  }
  if (!ImGui::BeginTabBar("call-tabs")) return;
  if (ImGui::BeginTabItem(tr("Kernel code"), nullptr,
                          select == 0 ? ImGuiTabItemFlags_SetSelected : 0)) {
    report.call_tab = "Kernel code";
    draw_code_panel(c, ui, report);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem(tr("Kernel functions"))) {
    report.call_tab = "Kernel functions";
    draw_steps_panel(c, out);
    ImGui::EndTabItem();
  }
  if (ImGui::BeginTabItem("events[]", nullptr, select == 2 ? ImGuiTabItemFlags_SetSelected : 0)) {
    report.call_tab = "events[]";
    draw_events_panel(c, ui, report);
    ImGui::EndTabItem();
  }
  ImGui::EndTabBar();
}

void draw_trace_steps_panel(const app::TraceController& c, Commands& out) {
  const trace::FeedView& f = c.feed();
  const trace::FeedCall* call = c.current_call();
  if (!call) {
    if (c.tick() == 0)
      ImGui::TextDisabled("%s", tr("No call yet."));
    else if (c.tick() == c.first_tick())
      ImGui::TextDisabled("%s", tr("Older steps were dropped: this is the state after them."));
    else
      ImGui::TextDisabled("%s", tr("The call of this step has not returned yet."));
    return;
  }
  const trace::CallRecord& r = call->record;
  text_wrappedf("%s = %s", r.call.c_str(), r.kernel.c_str());
  if (r.diverged) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().differs));
    text_wrappedf(tr("\u2260 the model answered %s"), r.model.c_str());
    ImGui::PopStyleColor();
  } else if (!r.note.empty()) {
    ImGui::TextDisabled(tr("(%s: the model took the kernel's answer)"), r.note.c_str());
  }
  ImGui::Separator();
  const uint64_t first = std::max(call->first_step, f.dropped_steps);
  const uint64_t end = std::min(call->end_step, f.total_steps());
  if (call->first_step == call->end_step) {
    ImGui::TextDisabled("%s", tr("This call makes no kernel steps in the model."));
    return;
  }
  if (first >= end) {
    ImGui::TextDisabled("%s", tr("The steps of this call are among the older steps dropped."));
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
      std::string label = sim::cat(std::string(2 * st.depth, ' '), st.function, "  ",
                                   driver::translate_step(st.text), "##", n);
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
