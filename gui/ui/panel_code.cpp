// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_code.cpp — the kernel's code beside the picture (app/kernel_source.h): the call
// chain down to the function the current step is in, then an excerpt of that function's Linux
// source, numbered with the file's own line numbers, with the step's line highlighted and kept in
// view; the header names that line (`fs/eventpoll.c:1251`) and its tooltip the tree and commit. In
// compare mode, when both models are in the same function, one excerpt marks each model's line (ET,
// LT; = for both); otherwise each side has its labelled half and says which function the other is
// in.
#include <algorithm>
#include <cstdio>
#include <string>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {
namespace {

// The note line (the rest of a long function left out) starts under the code, after the numbers.
constexpr const char* kNoteLead = "       ... (";

ImVec4 colour(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

// Dim text that wraps at the pane's edge rather than being cut.
void dim_wrapped(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().text_dim));
  text_wrapped(text);
  ImGui::PopStyleColor();
}

// The step a side shows and its code view; nullptr when it shows none.
const sim::TraceStep* side_step(const app::Session& s, const app::Timeline::Position& pos,
                                std::size_t steps, app::CodeView* view) {
  const sim::TraceStep* step = app::step_of_statement(s, pos.statement, pos.before_first, steps);
  if (step)
    *view =
        app::code_view(s.recorder().steps(), s.statements()[pos.statement].first_step, steps - 1);
  return step;
}

// One side's chain and excerpt. In compare mode `other` is the other side's step and code view:
// when both are in the same function, the one excerpt marks both lines (`labels`: this side's
// and the other's, e.g. "ET", "LT"); when they are not, the other's function is named.
struct Other {
  const sim::TraceStep* step = nullptr;
  app::CodeView view;
  const char* labels[2] = {nullptr, nullptr};
};

void draw_side(const app::Session& s, const app::Timeline::Position& pos, std::size_t steps,
               const Other* other, const UiState& ui, const char* id, FrameReport* report) {
  app::CodeView view;
  const sim::TraceStep* step = side_step(s, pos, steps, &view);
  const sim::TraceStep* other_step = other ? other->step : nullptr;
  if (!step) {
    const std::string stopped = app::stop_note(s, pos.statement, pos.before_first);
    if (!stopped.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().bad));
      text_wrappedf(tr("The %s model %s"), label_text(s.label()).c_str(), stopped.c_str());
      ImGui::PopStyleColor();
    } else if (pos.before_first) {
      dim_wrapped(tr("Step forward (Right arrow) to run the first call."));
    } else if (pos.statement < s.statements().size() &&
               s.statements()[pos.statement].first_step == s.statements()[pos.statement].end_step) {
      text_wrapped(tr("This statement makes no kernel step: no kernel code runs."));
    } else {
      text_wrappedf("%s", tr("This model has no step of its own here (the other one has more)."));
    }
    return;
  }
  // The chain: syscall → ... → this function.
  std::string chain;
  for (std::size_t i = 0; i < view.chain.size(); ++i)
    chain += (i ? " \u2192 " : "") + view.chain[i];
  text_wrapped(chain);
  const bool shared = other_step && view.excerpt && other->view.excerpt == view.excerpt;
  if (other_step && std::string_view(other_step->function) != step->function) {
    ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().differs));
    text_wrappedf(tr("\u2260 the other model is in %s here"), other_step->function);
    ImGui::PopStyleColor();
  }
  if (!view.excerpt) {
    if (std::string_view(step->function) == "syscall") {
      text_wrapped(driver::translate_step(step->text));
      dim_wrapped(tr("(the system call's entry or return: the functions it runs follow)"));
    } else {
      text_wrappedf("%s: %s", step->function, driver::translate_step(step->text).c_str());
      dim_wrapped(trf("No excerpt of {}'s source yet.", step->function));
    }
    return;
  }
  const app::SourceExcerpt& e = *view.excerpt;
  if (std::string_view(step->function) == "syscall")
    text_wrapped(driver::translate_step(step->text));
  if (report) {
    report->code_function = std::string(e.function);
    report->code_line = static_cast<int>(view.line);
  }
  // The header names the highlighted line as the kernel's tree does: `fs/eventpoll.c:1251`.
  dim_wrapped(e.shown.empty()
                  ? sim::cat(e.file, ":", e.file_line(view.line), ", ", e.function, "()")
                  : sim::cat(e.file, ":", e.file_line(view.line), ", ", e.shown,
                             "(), inlined into ", e.function, "()"));
  if (ImGui::IsItemHovered()) {
    const std::string_view origin = app::source_origin(e.file);
    ImGui::SetTooltip(tr("%.*s from %.*s; the numbers are the file's own lines.\n%s: %s"),
                      static_cast<int>(e.file.size()), e.file.data(),
                      static_cast<int>(origin.size()), origin.data(), step->function,
                      driver::translate_step(step->text).c_str());
  }
  // The excerpt scrolls, both ways; the highlighted line is kept in view when it changes.
  // The list clipper lays out only the visible lines, so the width the excerpt scrolls over is
  // given here, from its widest line (a line scrolled into view is then never wider than it).
  if (ui.mono) ImGui::PushFont(ui.mono);
  float widest = 0;
  for (const std::string_view l : e.lines())
    widest = std::max(widest, ImGui::CalcTextSize(l.data(), l.data() + l.size()).x);
  widest += ImGui::CalcTextSize("ET 99999 ").x + ImGui::GetStyle().ItemSpacing.x;
  // The note, the last line, can be wider than the code (schedule's is).
  if (!e.note.empty()) {
    const std::string note = sim::cat(kNoteLead, e.note, ")");
    widest =
        std::max(widest, ImGui::CalcTextSize(note.c_str()).x + ImGui::GetStyle().ItemSpacing.x);
  }
  if (ui.mono) ImGui::PopFont();
  ImGui::SetNextWindowContentSize(ImVec2(widest, 0));
  ImGui::BeginChild(
      id, ImVec2(0, 0), false,
      ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_AlwaysVerticalScrollbar);
  if (ui.mono) ImGui::PushFont(ui.mono);
  const float row = ImGui::GetTextLineHeightWithSpacing();
  ImGuiStorage* kept = ImGui::GetStateStorage();
  const ImGuiID followed_id = ImGui::GetID("followed"), frames_id = ImGui::GetID("follow-frames");
  const int key = static_cast<int>(view.line) * 7919 + static_cast<int>(e.function.size()) * 31 +
                  static_cast<int>(e.function.front());
  if (kept->GetInt(followed_id, -1) != key) {
    kept->SetInt(followed_id, key);
    kept->SetInt(frames_id, 3);
  }
  if (const int frames = kept->GetInt(frames_id, 0); frames > 0) {
    kept->SetInt(frames_id, frames - 1);
    ImGui::SetScrollY(
        std::max(0.f, row * static_cast<float>(view.line) - ImGui::GetWindowHeight() * 0.35f));
  }
  const auto lines = e.lines();
  // A note (the end of a long function left out) is the excerpt's last line.
  const std::size_t rows = lines.size() + (e.note.empty() ? 0 : 1);
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows));
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const std::size_t n = static_cast<std::size_t>(i);
      if (n == lines.size()) {
        ImGui::TextColored(colour(palette().text_dim), "%s%.*s)", kNoteLead,
                           static_cast<int>(e.note.size()), e.note.data());
        continue;
      }
      const ImVec2 p = ImGui::GetCursorScreenPos();
      if (n == view.line)
        ImGui::GetWindowDrawList()->AddRectFilled(
            p, ImVec2(p.x + std::max(ImGui::GetContentRegionAvail().x, 2000.f), p.y + row),
            palette().current_line);
      const bool other_here = shared && n == other->view.line;
      if (other_here && n != view.line)
        ImGui::GetWindowDrawList()->AddRect(
            p, ImVec2(p.x + std::max(ImGui::GetContentRegionAvail().x, 2000.f), p.y + row),
            palette().differs);
      // The file's line numbers (up to five digits: net/ipv4/tcp_input.c has thousands).
      char number[24];
      if (shared)
        std::snprintf(number, sizeof number, "%-3s%5d ",
                      n == view.line && other_here ? "="
                      : n == view.line             ? other->labels[0]
                      : other_here                 ? other->labels[1]
                                                   : "",
                      e.file_line(n));
      else
        std::snprintf(number, sizeof number, "%5d ", e.file_line(n));
      ImGui::TextColored(
          colour(other_here && n != view.line ? palette().differs : palette().text_dim), "%s",
          number);
      ImGui::SameLine(0, 0);
      const std::string_view l = lines[n];
      ImGui::TextColored(colour(n == view.line || other_here ? palette().text : palette().text_dim),
                         "%.*s", static_cast<int>(l.size()), l.data());
    }
  if (ui.mono) ImGui::PopFont();
  ImGui::EndChild();
}

// "ET" or "LT" for a side of compare mode's trigger twins; "1" or "2" for two profiles.
const char* short_label(const app::Session& s, const app::Session& other, bool left) {
  const bool et = s.label().rfind("edge", 0) == 0, other_et = other.label().rfind("edge", 0) == 0;
  if (et != other_et) return et ? "ET" : "LT";
  return left ? "1" : "2";
}

}  // namespace

void draw_code_panel(const app::Controller& c, const UiState& ui, FrameReport& report) {
  const app::Session* left = c.left();
  if (!left || !left->ok()) return;
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const app::Session* right = c.right() && c.right()->ok() ? c.right() : nullptr;
  if (!right) {
    draw_side(*left, pos, pos.left_steps, nullptr, ui, "code-lines", &report);
    return;
  }
  Other lo, ro;
  lo.step = side_step(*left, pos, pos.left_steps, &lo.view);
  ro.step = side_step(*right, pos, pos.right_steps, &ro.view);
  const char* ls = short_label(*left, *right, true);
  const char* rs = short_label(*right, *left, false);
  // Both in the same function (the usual case in lockstep): one chain and one excerpt, both
  // lines marked; without an excerpt, each side's sentence when they differ.
  if (lo.step && ro.step && !lo.view.excerpt && !ro.view.excerpt &&
      std::string_view(lo.step->function) == ro.step->function && lo.view.chain == ro.view.chain &&
      lo.step->text != ro.step->text) {
    draw_side(*left, pos, pos.left_steps, nullptr, ui, "code-lines-both", &report);
    ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().differs));
    text_wrappedf("\u2260 %s: %s", label_text(right->label()).c_str(),
                  driver::translate_step(ro.step->text).c_str());
    ImGui::PopStyleColor();
    return;
  }
  if (lo.step && ro.step && lo.view.excerpt == ro.view.excerpt &&
      std::string_view(lo.step->function) == ro.step->function && lo.view.chain == ro.view.chain) {
    ro.labels[0] = ls;
    ro.labels[1] = rs;
    if (lo.view.excerpt && lo.view.line != ro.view.line) {
      // Wrapped: a side's label may be long ("each item's trigger flipped").
      ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().differs));
      text_wrappedf("%s: %s's line, \u2260 %s: %s's line", ls, label_text(left->label()).c_str(),
                    rs, label_text(right->label()).c_str());
      ImGui::PopStyleColor();
    }
    draw_side(*left, pos, pos.left_steps, &ro, ui, "code-lines-both", &report);
    return;
  }
  const float half = std::max(ImGui::GetContentRegionAvail().y / 2 - 2, ImGui::GetFontSize() * 4);
  if (ImGui::BeginChild("code-left", ImVec2(0, half), false)) {
    ImGui::TextColored(colour(palette().text), "%s", label_text(left->label()).c_str());
    draw_side(*left, pos, pos.left_steps, &ro, ui, "code-lines-left", &report);
  }
  ImGui::EndChild();
  ImGui::Separator();
  if (ImGui::BeginChild("code-right", ImVec2(0, 0), false)) {
    ImGui::TextColored(colour(palette().text), "%s", label_text(right->label()).c_str());
    draw_side(*right, pos, pos.right_steps, &lo, ui, "code-lines-right", nullptr);
  }
  ImGui::EndChild();
}

}  // namespace epollscope::ui
