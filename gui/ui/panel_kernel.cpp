// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_kernel.cpp — the kernel column: for each call the position has reached, what the
// model returned and what the real kernel returned (a later call shows only "·": its answer would
// give the game away). The mark says how they compare: ✓ they agree (and what is expected
// held), ≠ in magenta they differ, ⇄ for a race (`=> A or B`) where the kernel took another listed
// outcome than the model (its tooltip and the kernel-functions panel say which, and why the kernel
// may take either path), ✗ in red an expectation that did not hold (the line under the row says
// "kernel: expected X, got Y") or a statement that could not run. An errno result is orange, a
// result that fails its expectation red. The rules are app/answers.h's.
#include <algorithm>
#include <cstdint>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

namespace epollscope::ui {
namespace {

ImVec4 colour(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

ImU32 answer_colour(const app::Answer& a) {
  if (a.failed) return palette().bad;
  if (a.kind == app::ResultKind::kErrno) return palette().errno_result;
  return palette().text;
}

// One answer in its cell, cut to the cell; the whole of it (and what was expected) in a tooltip.
void answer_cell(const app::Answer& a) {
  const std::string text = elided(a.text, ImGui::GetContentRegionAvail().x);
  ImGui::TextColored(colour(answer_colour(a)), "%s", text.c_str());
  if (ImGui::IsItemHovered() && (text != a.text || a.failed))
    tooltip(a.failed ? a.failure.c_str() : a.text.c_str());
}

// A row's mark: ✓ agrees with the kernel, ≠ differs, ⇄ the kernel took another listed path, ✗ a
// failed expectation or a stopped run; why, in a tooltip.
void mark_cell(const app::AnswerRow& r) {
  const Palette& p = palette();
  using Mark = app::AnswerRow::Mark;
  const char* glyph = nullptr;
  ImU32 col = p.ok;
  switch (r.mark) {
    case Mark::kNone:
      break;
    case Mark::kAgree:
      glyph = "\u2713";
      break;
    case Mark::kDiffers:
      glyph = "\u2260";
      col = p.differs;
      break;
    case Mark::kOtherPath:
      glyph = "\u21c4";
      col = p.highlight;
      break;
    case Mark::kFailed:
    case Mark::kStopped:
      glyph = "\u2717";
      col = p.bad;
      break;
  }
  if (!glyph) return;
  ImGui::TextColored(colour(col), "%s", glyph);
  if (!r.why.empty() && ImGui::IsItemHovered()) tooltip(r.why.c_str());
}

// Keeps the current statement's row in view as the timeline moves, for a few frames after it
// changed (a new window does not know its content's height at first). Kept in the window's
// storage, not in statics: another window starts afresh. `display_row`: the current statement's
// row in the table, SIZE_MAX when it has none.
void follow_current_row(std::size_t current, std::size_t display_row) {
  ImGuiStorage* kept = ImGui::GetStateStorage();
  const ImGuiID followed_id = ImGui::GetID("followed"), frames_id = ImGui::GetID("follow-frames");
  const int current_int = current == SIZE_MAX ? -1 : static_cast<int>(current);
  if (kept->GetInt(followed_id, -2) != current_int) {
    kept->SetInt(followed_id, current_int);
    kept->SetInt(frames_id, 3);
  }
  const int frames = kept->GetInt(frames_id, 0);
  if (frames <= 0) return;
  kept->SetInt(frames_id, frames - 1);
  if (current == SIZE_MAX || display_row == SIZE_MAX) return;
  const float row = ImGui::GetTextLineHeightWithSpacing();
  const float visible = ImGui::GetWindowHeight();
  const float y = row * static_cast<float>(display_row);
  if (y < ImGui::GetScrollY() || y > ImGui::GetScrollY() + visible - 4 * row)
    ImGui::SetScrollY(std::max(0.f, y - visible / 3));
}

// A row's line number (a click goes to its statement). A statement not reached yet shows
// nothing of its answers, "·" in the two answer cells: false, the row is done.
bool line_cell(int id, int line, std::size_t statement, bool reached, Commands& out) {
  ImGui::TableNextColumn();
  ImGui::PushID(id);
  if (ImGui::Selectable(std::to_string(line).c_str(), false, ImGuiSelectableFlags_SpanAllColumns))
    out.push_back(app::Command{app::Command::Kind::kSeekStatement, 0, statement});
  ImGui::PopID();
  if (reached) return true;
  ImGui::TableNextColumn();
  ImGui::TextDisabled("\u00b7");
  ImGui::TableNextColumn();
  ImGui::TextDisabled("\u00b7");
  return false;
}

// One model's column (`report`: the left side's, counted for the tests; nullptr for the right).
void draw_table(const app::Controller& c, const app::Session* s, Commands& out, FrameReport* report,
                const char* id) {
  const Palette& p = palette();
  if (!s->note().empty()) {  // wrapped: "kernel: recorded on Linux X (RUN.txt)" is long
    ImGui::PushStyleColor(ImGuiCol_Text, colour(p.text_dim));
    text_wrapped(s->note());
    ImGui::PopStyleColor();
  }
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  // The statements whose answers the position has reached; the rows after them show none.
  const std::size_t answered = app::answered_statements(c.timeline(), c.tick());
  const std::size_t rows = s->scenario().statements.size();
  app::RowMap map{rows, app::marked_reached(*s, answered)};
  // No inner borders: the line under a row runs across the cells.
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable(id, 4, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(tr("line"), ImGuiTableColumnFlags_WidthFixed,
                          ImGui::GetFontSize() * 2.5f);
  // The two answers get the same width whatever they hold.
  ImGui::TableSetupColumn(tr("model"), ImGuiTableColumnFlags_WidthStretch, 1.f);
  ImGui::TableSetupColumn(tr("kernel"), ImGuiTableColumnFlags_WidthStretch, 1.f);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.5f);
  ImGui::TableHeadersRow();
  // Rows scroll under the header: the line under a row is clipped to below it.
  const float header_bottom = ImGui::GetItemRectMax().y;
  // Only the visible rows are built (a scenario can run hundreds of thousands of statements);
  // the current statement's row is kept in view as the timeline moves.
  const std::size_t current = pos.before_first ? SIZE_MAX : pos.statement;
  // The row and the line under it, when it has one.
  follow_current_row(current, current < rows ? map.display_of(current) : SIZE_MAX);
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(map.size()));
  while (clipper.Step())
    for (int display = clipper.DisplayStart; display < clipper.DisplayEnd; ++display) {
      const app::RowMap::Row at = map.at(static_cast<std::size_t>(display));
      const std::size_t i = at.base;
      const app::AnswerRow r = app::answer_row(*s, i, i < answered);
      ImGui::TableNextRow();
      if (i == current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, p.current_line);
      if (at.second) {
        // The line under a row: what was expected and what came, across the answers' cells.
        // Drawn across the line's and the answers' cells (a cell clips its text), up to the
        // mark's column.
        ImGui::TableSetColumnIndex(0);
        const ImVec2 at(ImGui::GetCursorScreenPos().x + ImGui::GetFontSize() * 0.8f,
                        ImGui::GetCursorScreenPos().y);
        const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x -
                            ImGui::GetFontSize() * 1.5f;
        const std::string text = elided(r.note, std::max(right - at.x, ImGui::GetFontSize() * 4));
        ImDrawList* dl = ImGui::GetWindowDrawList();
        dl->PushClipRect(ImVec2(at.x, std::max(at.y, header_bottom)),
                         ImVec2(right, ImGui::GetWindowPos().y + ImGui::GetWindowHeight()), false);
        dl->AddText(at, p.bad, text.c_str());
        dl->PopClipRect();
        ImGui::Dummy(ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetTextLineHeight()));
        if (ImGui::IsItemHovered()) tooltip(r.why.c_str());
        if (report) ++report->answer_notes;
        continue;
      }
      if (!line_cell(display, r.line, i, r.reached, out)) continue;
      if (report) {
        ++report->answers_shown;
        report->last_answer_shown = std::max(report->last_answer_shown, static_cast<int>(i));
      }
      ImGui::TableNextColumn();
      if (r.model.ran)
        answer_cell(r.model);
      else
        ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      if (!s->live())
        ImGui::TextDisabled("%s", tr("(not asked)"));
      else if (r.kernel.ran)
        answer_cell(r.kernel);
      else
        ImGui::TextDisabled("-");
      ImGui::TableNextColumn();
      mark_cell(r);
    }
  ImGui::EndTable();
}

}  // namespace

void draw_kernel_panel(const app::Controller& c, Commands& out, FrameReport& report) {
  const app::Session* left = c.left();
  if (!left || !left->ok()) return;
  const app::Session* right = c.right() && c.right()->ok() ? c.right() : nullptr;
  if (!right) {
    draw_table(c, left, out, &report, "kernel-column");
    return;
  }
  // Compare mode: one row per statement with each model's answer (the kernel's each side got,
  // and what failed, in the cell's tooltip), the mark of the side that fares worse, and ≠ where
  // the two models answered differently.
  const Palette& p = palette();
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  const std::size_t answered = app::answered_statements(c.timeline(), c.tick());
  const std::size_t rows =
      std::max(left->scenario().statements.size(), right->scenario().statements.size());
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("kernel-column-compare", 5, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(tr("line"), ImGuiTableColumnFlags_WidthFixed,
                          ImGui::GetFontSize() * 2.5f);
  ImGui::TableSetupColumn(label_text(left->label()).c_str(), ImGuiTableColumnFlags_WidthStretch,
                          1.f);
  ImGui::TableSetupColumn(label_text(right->label()).c_str(), ImGuiTableColumnFlags_WidthStretch,
                          1.f);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.2f);
  ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.2f);
  ImGui::TableHeadersRow();
  const std::size_t current = pos.before_first ? SIZE_MAX : pos.statement;
  follow_current_row(current, current < rows ? current : SIZE_MAX);
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows));
  while (clipper.Step())
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const std::size_t i = static_cast<std::size_t>(row);
      const app::AnswerRow lr = app::answer_row(*left, i, i < answered);
      const app::AnswerRow rr = app::answer_row(*right, i, i < answered);
      ImGui::TableNextRow();
      if (i == current) ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg0, p.current_line);
      if (!line_cell(row, lr.line, i, lr.reached, out)) continue;
      if (report.last_answer_shown < static_cast<int>(i)) {
        ++report.answers_shown;
        report.last_answer_shown = static_cast<int>(i);
      }
      const bool differ = lr.model.ran && rr.model.ran && lr.model.text != rr.model.text;
      for (const app::AnswerRow* r : {&lr, &rr}) {
        ImGui::TableNextColumn();
        if (!r->model.ran) {
          ImGui::TextDisabled("%s",
                              r->mark == app::AnswerRow::Mark::kStopped ? tr("stopped") : "-");
          if (!r->why.empty() && ImGui::IsItemHovered()) tooltip(r->why.c_str());
          continue;
        }
        app::Answer shown = r->model;
        const std::string text = shown.text;
        const ImU32 col = shown.failed                            ? p.bad
                          : shown.kind == app::ResultKind::kErrno ? p.errno_result
                          : differ                                ? p.differs
                                                                  : p.text;
        const std::string cut =
            elided((differ ? "\u2260 " : "") + text, ImGui::GetContentRegionAvail().x);
        ImGui::TextColored(colour(col), "%s", cut.c_str());
        if (ImGui::IsItemHovered()) {
          std::string tip = trf("model: {}", text);
          if (r->kernel.ran) tip += "\n" + trf("kernel: {}", r->kernel.text);
          if (!r->note.empty()) tip += "\n" + r->note;
          tooltip(tip.c_str());
        }
      }
      for (const app::AnswerRow* r : {&lr, &rr}) {
        ImGui::TableNextColumn();
        mark_cell(*r);
      }
    }
  ImGui::EndTable();
}

}  // namespace epollscope::ui
