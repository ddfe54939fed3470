// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_browser.cpp — the scenario library: every *.scn under the scenario folder with its
// title, after the course's lessons (a click on a lesson opens its first scenario and the lesson
// window); a click opens it.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <string_view>
#include <variant>

#include "driver/lesson.h"
#include "gui/ui/panels.h"

namespace epollscope::ui {
namespace {

struct Entry {
  std::string path;
  std::string title;
};

// The title of the scenario file in the window's language (title_zh in Chinese when it has one).
std::string title_of(const std::string& path) {
  std::ifstream in(path);
  std::string line, title, title_zh;
  auto quoted = [&line](std::string_view word, std::string* into) {
    const auto p = line.find(word);
    if (p == std::string::npos || !into->empty()) return;
    const auto q = line.rfind('"');
    if (q > p + word.size()) *into = line.substr(p + word.size(), q - p - word.size());
  };
  while (std::getline(in, line)) {
    quoted("title \"", &title);
    quoted("title_zh \"", &title_zh);
    if (!title.empty() && !title_zh.empty()) break;
  }
  return driver::language() == driver::Lang::zh && !title_zh.empty() ? title_zh : title;
}

}  // namespace

void draw_browser(const app::Controller& c, UiState& ui, Commands& out) {
  if (!ui.show_browser) return;
  static std::vector<Entry> entries;
  static double listed_at = -10;
  if (ImGui::GetTime() - listed_at > 2) {
    listed_at = ImGui::GetTime();
    entries.clear();
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(ui.scenario_dir, ec))
      if (e.is_regular_file() && e.path().extension() == ".scn")
        entries.push_back({e.path().string(), title_of(e.path().string())});
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.path < b.path; });
  }
  ImGui::SetNextWindowSize(ImVec2(ImGui::GetFontSize() * 44, ImGui::GetFontSize() * 30),
                           ImGuiCond_FirstUseEver);
  if (ImGui::Begin((std::string(tr("Scenarios (B)")) + "###browser").c_str(), &ui.show_browser)) {
    // The course first: each lesson opens its first scenario and the lesson window.
    static std::vector<std::string> lessons;
    static std::vector<std::string> lesson_titles;
    static std::string listed_dir;
    if (listed_dir != ui.lesson_dir) {
      listed_dir = ui.lesson_dir;
      lessons =
          ui.lesson_dir.empty() ? std::vector<std::string>{} : driver::lesson_files(ui.lesson_dir);
      lesson_titles.clear();
      for (const auto& f : lessons) {
        auto l = driver::load_lesson(f);
        lesson_titles.push_back(std::holds_alternative<driver::Lesson>(l)
                                    ? std::get<driver::Lesson>(l).title_in_language()
                                    : std::get<sim::script::ParseError>(l).message);
      }
    }
    if (driver::language() == driver::Lang::zh) {
      for (const auto& t : lesson_titles)
        ui.glyphs_wanted += t;
      for (const auto& e : entries)
        ui.glyphs_wanted += e.title;
    }
    if (!lessons.empty()) {
      ImGui::TextDisabled(tr("The course: %zu lessons (in the terminal: epollscope lessons N)"),
                          lessons.size());
      for (std::size_t i = 0; i < lessons.size(); ++i) {
        const std::string label =
            std::to_string(i + 1) + ". " + lesson_titles[i] + "##lesson" + std::to_string(i);
        if (ImGui::Selectable(label.c_str(), ui.lesson == static_cast<int>(i) + 1)) {
          ui.lesson = static_cast<int>(i) + 1;
          ui.show_lesson = true;
          auto l = driver::load_lesson(lessons[i]);
          if (auto* lesson = std::get_if<driver::Lesson>(&l); lesson && !lesson->scenarios.empty())
            out.push_back(app::Command{
                app::Command::Kind::kOpen, 0, 0, 0,
                (std::filesystem::path(ui.scenario_dir) / lesson->scenarios.front()).string()});
          ui.show_browser = false;
        }
      }
      ImGui::Separator();
    }
    ImGui::TextDisabled(tr("%s: %zu scenarios"), ui.scenario_dir.c_str(), entries.size());
    for (const auto& e : entries) {
      const std::string name = std::filesystem::path(e.path).filename().string();
      const std::string label = (e.title.empty() ? name : e.title) + "##" + e.path;
      if (ImGui::Selectable(label.c_str(), e.path == c.path())) {
        out.push_back(app::Command{app::Command::Kind::kOpen, 0, 0, 0, e.path});
        ui.show_browser = false;
      }
      if (ImGui::IsItemHovered()) tooltip(e.path.c_str());
    }
  }
  ImGui::End();
}

}  // namespace epollscope::ui
