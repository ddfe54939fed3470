// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_lesson.cpp — the course in the window (issue 17): the lesson window shows lesson
// ui.lesson of the course (lessons/*.lesson, driver/lesson.h): what you will see, what to watch,
// its scenarios (the one open is marked; a click opens another), the summary, and the previous
// and next lessons. The lessons are read again when the folder or the lesson changes; a lesson
// that cannot be read says why instead.
#include <cfloat>
#include <filesystem>
#include <variant>

#include "driver/lesson.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "imgui_internal.h"
#include "sim/strings.h"

namespace epollscope::ui {
namespace {

struct Course {
  std::string dir;
  std::vector<std::string> files;
  int number = 0;
  std::variant<driver::Lesson, sim::script::ParseError> lesson = sim::script::ParseError{};
};

// A lesson's `code` is shown without its backquotes (the terminal keeps them).
std::string shown(const std::string& text) {
  std::string out;
  for (char ch : text)
    if (ch != '`') out += ch;
  return out;
}

void paragraphs(const std::vector<std::string>& ps) {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (i) ImGui::Spacing();
    text_wrapped(shown(ps[i]));
  }
}

}  // namespace

void draw_lesson(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report) {
  if (!ui.show_lesson || ui.lesson <= 0 || ui.lesson_dir.empty()) return;
  static Course course;
  if (course.dir != ui.lesson_dir || course.number != ui.lesson) {
    course.dir = ui.lesson_dir;
    course.number = ui.lesson;
    course.files = driver::lesson_files(ui.lesson_dir);
    if (static_cast<std::size_t>(ui.lesson) <= course.files.size())
      course.lesson = driver::load_lesson(course.files[static_cast<std::size_t>(ui.lesson) - 1]);
    else
      course.lesson = sim::script::ParseError{ui.lesson_dir, 0, 0, "no such lesson", ""};
  }
  const float font = ImGui::GetFontSize();
  const ImVec2 view = ImGui::GetIO().DisplaySize;
  const float w = std::min(font * 34, view.x * 0.45f);
  ImGui::SetNextWindowPos(ImVec2(view.x - w - font, font * 4), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(w, std::min(font * 30, view.y * 0.6f)), ImGuiCond_FirstUseEver);
  // Above the Predict window, when it is shown below (the lesson scrolls rather than hide under
  // it); a lesson window the user moved below it is left as it is.
  const ImGuiWindow* placed = ImGui::FindWindowByName("###lesson");
  const float top = placed ? placed->Pos.y : font * 4;
  if (ui.predict_top > top + font * 8)
    ImGui::SetNextWindowSizeConstraints(ImVec2(0, 0),
                                        ImVec2(FLT_MAX, ui.predict_top - top - font * 0.5f));
  const auto* lesson = std::get_if<driver::Lesson>(&course.lesson);
  // The title bar says which lesson; its name wraps inside (a title bar cannot).
  const std::string title = trf("Lesson {} of {}", ui.lesson, course.files.size());
  if (ImGui::Begin((title + " (L)###lesson").c_str(), &ui.show_lesson)) {
    report.lesson_shown = lesson ? title + ": " + lesson->title_in_language() : title;
    if (lesson && driver::language() == driver::Lang::zh) {
      ui.glyphs_wanted += lesson->title_zh;
      for (const auto* part : {&lesson->intro_zh, &lesson->watch_zh, &lesson->summary_zh})
        for (const auto& t : *part)
          ui.glyphs_wanted += t;
    }
    if (lesson) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(palette().highlight));
      text_wrapped(lesson->title_in_language());
      ImGui::PopStyleColor();
      ImGui::Spacing();
    }
    if (!lesson) {
      text_wrapped(std::get<sim::script::ParseError>(course.lesson).format());
    } else {
      paragraphs(lesson->intro_in_language());
      ImGui::Spacing();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().highlight), "%s",
                         tr("What to watch"));
      for (const auto& b : lesson->watch_in_language()) {
        ImGui::Bullet();
        text_wrapped(shown(b));
      }
      ImGui::Spacing();
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().highlight), "%s",
                         tr("Its scenarios"));
      for (std::size_t i = 0; i < lesson->scenarios.size(); ++i) {
        const std::string path =
            (std::filesystem::path(ui.scenario_dir) / lesson->scenarios[i]).string();
        const bool open = std::filesystem::path(c.path()).filename() == lesson->scenarios[i];
        if (ImGui::Selectable(sim::cat(i + 1, ". ", lesson->scenarios[i],
                                       open ? tr("  (open)") : "", "##lesson-scenario", i)
                                  .c_str(),
                              open))
          out.push_back(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
      }
      ImGui::TextDisabled(tr("As a quiz in the terminal: epollscope lessons %d"), ui.lesson);
      if (ImGui::CollapsingHeader(tr("Summary (after the scenarios)")))
        paragraphs(lesson->summary_in_language());
    }
    ImGui::Separator();
    if (ImGui::Button(tr("< Previous lesson")) && ui.lesson > 1) --ui.lesson;
    ImGui::SameLine();
    if (ImGui::Button(tr("Next lesson >")) &&
        static_cast<std::size_t>(ui.lesson) < course.files.size())
      ++ui.lesson;
  }
  ImGui::End();
}

}  // namespace epollscope::ui
