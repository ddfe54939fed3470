// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_predict.cpp — Predict mode's window (View → Predict, P, `gui --predict`): at a
// question point the timeline stops before the call (the kernel column and events[] do not show
// its answer yet) and this window asks for a prediction — the events[] epoll_wait will return,
// built from the items registered in its epoll (a click appends one; ▲ ▼ reorder, ✕ removes; a
// mask per entry), or that it blocks; for another call its value or errno. Reveal puts the
// answer beside it, entry by entry, with the verdict and the kernel function that decided it, as
// the terminal quiz says them (driver/quiz.h), and moves to the end of the call. The score of the
// scenario, and of the lesson when one is open, is shown; the lesson's is kept in the progress
// file that `epollscope lessons` reads. The logic is gui/app/prediction.*; nothing here changes
// a model.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <variant>

#include "driver/lesson.h"
#include "driver/scenario_files.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"
#include "sim/uapi.h"

namespace epollscope::ui {
namespace {

using sim::cat;

// The masks a prediction chooses from, in the order epoll's constants are usually written.
constexpr struct {
  uint32_t bit;
  const char* name;
} kMasks[] = {{sim::kEPOLLIN, "IN"},
              {sim::kEPOLLOUT, "OUT"},
              {sim::kEPOLLRDHUP, "RDHUP"},
              {sim::kEPOLLHUP, "HUP"},
              {sim::kEPOLLERR, "ERR"}};

// A button whose place the frame report keeps (tests press it with the test pointer).
bool button(const std::string& label, FrameReport& report, bool enabled = true) {
  if (!enabled) ImGui::BeginDisabled();
  const bool pressed = ImGui::Button(label.c_str());
  if (!enabled) ImGui::EndDisabled();
  report.predict.buttons[label] = {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  return pressed && enabled;
}

void coloured(ImU32 colour, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(colour));
  text_wrapped(text);
  ImGui::PopStyleColor();
}

// The lesson open in the window and its scenarios' question counts, read once per lesson.
struct LessonCache {
  std::string dir;
  int number = 0;
  std::optional<driver::Lesson> lesson;
  std::map<std::string, std::size_t> questions;  // by scenario file name
};

const LessonCache& lesson_cache(const UiState& ui) {
  static LessonCache cache;
  if (cache.dir == ui.lesson_dir && cache.number == ui.lesson) return cache;
  cache = LessonCache{ui.lesson_dir, ui.lesson, std::nullopt, {}};
  const auto files = driver::lesson_files(ui.lesson_dir);
  if (ui.lesson <= 0 || static_cast<std::size_t>(ui.lesson) > files.size()) return cache;
  auto l = driver::load_lesson(files[static_cast<std::size_t>(ui.lesson) - 1]);
  if (auto* lesson = std::get_if<driver::Lesson>(&l)) {
    for (const std::string& file : lesson->scenarios) {
      auto sc = driver::load_scenario((std::filesystem::path(ui.scenario_dir) / file).string());
      if (auto* s = std::get_if<sim::script::Scenario>(&sc))
        cache.questions[file] = driver::question_points(*s).size();
    }
    cache.lesson = std::move(*lesson);
  }
  return cache;
}

std::string score_text(const app::Score& s) {
  return trf("{} right of {} answered ({} questions)", s.right, s.asked, s.questions);
}

void draw_question(const app::Session& s, const app::Question& q, UiState& ui,
                   FrameReport& report) {
  app::Prediction& p = ui.prediction.draft();
  report.predict.asking = true;
  report.predict.line = q.line;
  text_wrapped(trf("Line {}, before the kernel answers:", q.line));
  if (ui.mono) ImGui::PushFont(ui.mono);
  text_wrapped(q.text);
  if (ui.mono) ImGui::PopFont();
  ImGui::Spacing();
  if (q.events) {
    text_wrapped(tr("Which items will it return, in which order, with which mask?"));
    if (ImGui::RadioButton(tr("returns events"), p.kind != app::Prediction::Kind::kBlocks))
      p.kind = app::Prediction::Kind::kEvents;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr("blocks"), p.kind == app::Prediction::Kind::kBlocks))
      p.kind = app::Prediction::Kind::kBlocks;
    if (p.kind != app::Prediction::Kind::kBlocks) {
      p.kind = app::Prediction::Kind::kEvents;
      ImGui::TextDisabled("%s", tr("Registered in this epoll (a click adds it):"));
      for (std::size_t i = 0; i < q.choices.size(); ++i) {
        if (i) ImGui::SameLine();
        if (ImGui::GetCursorPosX() + ImGui::CalcTextSize(q.choices[i].c_str()).x +
                ImGui::GetStyle().FramePadding.x * 2 >
            ImGui::GetContentRegionMax().x)
          ImGui::NewLine();
        if (button("+ " + q.choices[i], report)) p.append(q.choices[i], sim::kEPOLLIN);
      }
      ImGui::TextDisabled(
          "%s", p.events.empty() ? tr("Your events[]: empty (returns 0)") : tr("Your events[]:"));
      for (std::size_t i = 0; i < p.events.size(); ++i) {
        ImGui::PushID(static_cast<int>(i));
        ImGui::AlignTextToFramePadding();
        ImGui::Text("[%zu] %s", i, p.events[i].name.c_str());
        for (const auto& m : kMasks) {
          ImGui::SameLine();
          bool on = (p.events[i].mask & m.bit) != 0;
          if (ImGui::Checkbox(m.name, &on)) p.events[i].mask ^= m.bit;
        }
        ImGui::SameLine();
        if (ImGui::ArrowButton("up", ImGuiDir_Up)) p.move(i, -1);
        ImGui::SameLine();
        if (ImGui::ArrowButton("down", ImGuiDir_Down)) p.move(i, +1);
        ImGui::SameLine();
        if (ImGui::SmallButton(tr("remove"))) p.remove(i);
        ImGui::PopID();
      }
    }
  } else {
    text_wrapped(tr("What will it return?"));
    int kind = p.kind == app::Prediction::Kind::kError    ? 1
               : p.kind == app::Prediction::Kind::kBlocks ? 2
                                                          : 0;
    ImGui::RadioButton(tr("a value"), &kind, 0);
    ImGui::SameLine();
    ImGui::RadioButton(tr("-1 and errno"), &kind, 1);
    ImGui::SameLine();
    ImGui::RadioButton(tr("blocks"), &kind, 2);
    p.kind = kind == 1   ? app::Prediction::Kind::kError
             : kind == 2 ? app::Prediction::Kind::kBlocks
                         : app::Prediction::Kind::kValue;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
    if (p.kind == app::Prediction::Kind::kValue) {
      ImGui::InputScalar("##value", ImGuiDataType_S64, &p.value);
    } else if (p.kind == app::Prediction::Kind::kError &&
               ImGui::BeginCombo("##errno", p.err.c_str())) {
      for (const std::string_view e : sim::errno_names())
        if (ImGui::Selectable(std::string(e).c_str(), p.err == e)) p.err = std::string(e);
      ImGui::EndCombo();
    }
  }
  ImGui::Spacing();
  ImGui::TextDisabled("%s", trf("Your prediction: {}", p.text()).c_str());
  const std::string missing = p.incomplete();
  if (button(tr("Reveal"), report, missing.empty())) report.predict.reveal_pressed = true;
  if (!missing.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", missing.c_str());
  }
  if (!ui.predict_error.empty()) coloured(palette().bad, ui.predict_error);
  (void)s;
}

void draw_reveal(const app::Session& s, const app::Question& q, const app::Revealed& r, UiState& ui,
                 FrameReport& report) {
  report.predict.revealed_line = q.line;
  report.predict.verdict = r.reveal.verdict(r.prediction);
  report.predict.explanation = r.reveal.explanation();
  text_wrapped(trf("Line {}:", q.line));
  if (ui.mono) ImGui::PushFont(ui.mono);
  text_wrapped(q.text);
  if (ui.mono) ImGui::PopFont();
  coloured(r.reveal.right ? palette().ok : palette().bad, report.predict.verdict);
  if (!r.rows.empty()) {
    const std::string answerer = r.reveal.from_kernel ? tr("the kernel") : tr("the model");
    if (ImGui::BeginTable("reveal", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit)) {
      ImGui::TableSetupColumn("#");
      ImGui::TableSetupColumn(tr("you"));
      ImGui::TableSetupColumn(answerer.c_str());
      ImGui::TableSetupColumn("");
      ImGui::TableHeadersRow();
      for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const app::RevealRow& row = r.rows[i];
        const bool same = row.mark == app::RevealRow::Mark::kSame;
        report.predict.marks.push_back(app::mark_text(row.mark));
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%zu", i);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(row.predicted.empty() ? "-" : row.predicted.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(row.answer.empty() ? "-" : row.answer.c_str());
        ImGui::TableNextColumn();
        ImGui::PushStyleColor(
            ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(same ? palette().ok : palette().differs));
        ImGui::Text("%s %s", same ? "\u2713" : "\u2260", app::mark_text(row.mark));
        ImGui::PopStyleColor();
      }
      ImGui::EndTable();
    }
  }
  if (!r.reveal.model_answer.empty())
    coloured(palette().differs,
             trf("The model returned {}: it differs from the kernel here.", r.reveal.model_answer));
  if (!report.predict.explanation.empty()) text_wrapped(report.predict.explanation);
  if (!r.narration.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().text_dim));
    text_wrapped(r.narration);
    ImGui::PopStyleColor();
  }
  (void)s;
}

}  // namespace

void draw_predict(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report) {
  using K = app::Command::Kind;
  ui.predict_top = 0;
  if (!ui.predict || !c.left() || !c.left()->ok()) return;
  const app::Session& s = *c.left();
  app::PredictMode& pm = ui.prediction;
  const auto& qs = pm.questions();
  const std::size_t pending = pm.pending();
  const bool at_question = pending < qs.size() && c.tick() == pm.stop_tick(c.timeline());

  const float font = ImGui::GetFontSize();
  const ImVec2 view = ImGui::GetIO().DisplaySize;
  // Within the eventpoll view (its left edge is the first pane's), never over the left column.
  const float view_left = report.panes.empty() ? view.x * 0.5f : report.panes[0].min.x;
  const float w = std::max(font * 12, std::min(font * 36, view.x - view_left - font));
  // At the bottom right of the eventpoll view, over the timeline's top: the files and the threads
  // at the view's bottom left stay in sight, and the window grows upwards as it says more.
  const float timeline = ImGui::GetFrameHeightWithSpacing() * 2 + font;
  ImGui::SetNextWindowPos(ImVec2(view.x - font * 0.5f, view.y - timeline), ImGuiCond_Always,
                          ImVec2(1, 1));
  ImGui::SetNextWindowSizeConstraints(ImVec2(w, 0), ImVec2(w, view.y * 0.6f));
  const std::string title = at_question ? trf("Predict: line {}", qs[pending].line)
                                        : std::string(tr("Predict, then reveal"));
  if (ImGui::Begin((title + " (P)###predict").c_str(), &ui.predict,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse |
                       ImGuiWindowFlags_NoMove)) {
    report.predict.shown = true;
    ui.predict_top = ImGui::GetWindowPos().y;
    const bool from_kernel = s.live();
    if (qs.empty()) {
      text_wrappedf(
          "%s", tr("This scenario has no question point (no epoll_wait, no line written ?=>)."));
    } else if (at_question) {
      draw_question(s, qs[pending], ui, report);
    } else if (const app::Revealed* r = pm.revealed(pm.last_revealed())) {
      draw_reveal(s, qs[pm.last_revealed()], *r, ui, report);
    } else if (pending < qs.size()) {
      text_wrapped(
          trf("Step on (Right, Space): the timeline stops before the call of "
              "line {}, and you predict its answer before it is shown.",
              qs[pending].line));
    }
    if (!at_question && pending < qs.size() && pm.revealed(pm.last_revealed()))
      ImGui::TextDisabled("%s", trf("Next question: line {} (step on).", qs[pending].line).c_str());
    if (pending == qs.size() && !qs.empty()) ImGui::TextDisabled("%s", tr("No question is left."));
    ImGui::Separator();
    text_wrappedf("%s", from_kernel ? tr("Answers: this machine's kernel")
                                    : tr("Answers: the model (the kernel was not asked)"));
    report.predict.score = score_text(pm.score());
    text_wrapped(trf("This scenario: {}", report.predict.score));
    if (!ui.progress_error.empty()) coloured(palette().bad, ui.progress_error);
    if (ui.lesson > 0) {
      const LessonCache& lc = lesson_cache(ui);
      if (lc.lesson) {
        report.predict.lesson_score = score_text(pm.lesson_score(*lc.lesson, lc.questions));
        text_wrappedf("%s", trf("Lesson {}: {}", ui.lesson, report.predict.lesson_score).c_str());
      }
    }
  }
  ImGui::End();

  if (!report.predict.reveal_pressed || pending >= qs.size()) return;
  std::string why;
  ui.predict_error.clear();
  if (!pm.reveal(s, &why)) {
    ui.predict_error = trf("cannot reveal: {}", why);
  } else {
    // The answer is shown: the stop moves to the next question, and the position to the end of
    // the call (the kernel column and events[] show it there).
    out.push_back(app::Command{K::kSetStop, pm.stop_tick(c.timeline())});
    out.push_back(app::Command{K::kSeekStatement, 0, qs[pending].statement});
    report.predict.revealed_line = qs[pending].line;
    if (ui.lesson > 0 && !ui.progress_file.empty()) {
      const LessonCache& lc = lesson_cache(ui);
      if (lc.lesson && std::find(lc.lesson->scenarios.begin(), lc.lesson->scenarios.end(),
                                 pm.scenario()) != lc.lesson->scenarios.end()) {
        const app::Score ls = pm.lesson_score(*lc.lesson, lc.questions);
        std::string error;
        ui.progress_error.clear();
        if (!driver::save_lesson_score(ui.progress_file, lc.lesson->id(),
                                       {ls.right, ls.asked, ls.questions}, &error))
          ui.progress_error = trf("progress not kept: {}", error);
      }
    }
  }
}

}  // namespace epollscope::ui
