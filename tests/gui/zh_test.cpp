// SPDX-License-Identifier: GPL-2.0-only
// The window in Chinese (--lang zh): the pipe example rendered at 1024×768 and 1920×1080, one
// model and ET beside LT, at every statement's end. No text is cut off (gui/ui/audit.h), no
// glyph drawn is the font's fallback (a character the atlas lacks), and the atlas holds every
// character of the Chinese the window can show for this scenario — while staying a fraction of
// the whole CJK range. Run under xvfb-run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "driver/i18n.h"
#include "gui/ui/audit.h"
#include "gui/ui/window.h"
#include "imgui_internal.h"
#include "sim/text_wrap.h"
#include "tests/gui/window_on_scenario.h"

namespace epollscope::ui {
namespace {

// Quads drawn with the body font's fallback glyph (U+FFFD): a character with no glyph.
int fallback_glyphs_drawn() {
  const ImFont* font = ImGui::GetIO().Fonts->Fonts[0];
  const ImFontGlyph* fallback = font->FallbackGlyph;
  if (!fallback || fallback->Codepoint != 0xFFFD) return -1;  // the test's premise failed
  int n = 0;
  const ImDrawData* dd = ImGui::GetDrawData();
  for (int l = 0; dd && l < dd->CmdListsCount; ++l)
    for (const ImDrawVert& v : dd->CmdLists[l]->VtxBuffer)
      if (v.uv.x == fallback->U0 && v.uv.y == fallback->V0) ++n;
  return n;
}

class Chinese : public test::WindowTest {
 protected:
  void TearDown() override { driver::set_language(driver::Lang::en); }
};

TEST_F(Chinese, ThePipeExampleHasEveryGlyphAndNoCutText) {
  const std::string path = test::library_scenario("01-pipe-2k-1k-et.scn");
  int atlas_en_w = 0, atlas_en_h = 0;
  {
    std::string error;
    auto window = test::open_invisible_window(1600, 1000, &error);
    ASSERT_NE(window, nullptr) << error;
    window->atlas_size(&atlas_en_w, &atlas_en_h);
  }
  driver::set_language(driver::Lang::zh);
  std::vector<std::string> failures;
  for (const auto& [width, height] : {std::pair{1024, 768}, std::pair{1920, 1080}}) {
    std::string error;
    auto window = test::open_invisible_window(width, height, &error);
    ASSERT_NE(window, nullptr) << error;
    for (const bool compare : {false, true}) {
      app::Controller c{app::ControllerOptions{}};
      c.dispatch(app::Command{app::Command::Kind::kSetCompare,
                              0,
                              0,
                              0,
                              {},
                              compare ? app::CompareMode::kTrigger : app::CompareMode::kOff});
      c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
      ASSERT_TRUE(c.error().empty()) << c.error();
      // The Chinese this scenario can show: the catalogue, every step's sentence, the narration.
      std::string shown = driver::chinese_text_in_use();
      for (const auto& st : c.left()->recorder().steps())
        shown += driver::translate_step(st.text);
      for (const auto& st : c.left()->scenario().statements)
        shown += driver::narration(st);
      const std::size_t last = c.timeline().ticks();
      for (std::size_t tick = 0; tick <= last; ++tick) {
        const auto here = c.timeline().at(tick), next = c.timeline().at(std::min(last, tick + 1));
        if (tick != 0 && tick != last && here.statement == next.statement && tick % 4 != 0)
          continue;
        c.dispatch(app::Command{app::Command::Kind::kSeek, tick});
        for (int f = 0; f < 3; ++f)
          window->frame(c);
        const std::string where = std::to_string(width) + "x" + std::to_string(height) +
                                  (compare ? " compare" : " single") + " step " +
                                  std::to_string(tick);
        const int fallbacks = fallback_glyphs_drawn();
        if (fallbacks != 0)
          failures.push_back(where + ": " + std::to_string(fallbacks) +
                             " fallback glyph vertices (a character the atlas lacks)");
        for (const ClippedText& cut : audit_clipped_text())
          failures.push_back(where + ": [" + cut.window + "] \"" + cut.text + "\": " + cut.how);
      }
      const std::vector<unsigned> missing = window->missing_glyphs(shown);
      EXPECT_TRUE(missing.empty()) << missing.size() << " characters without a glyph, the first U+"
                                   << std::hex << (missing.empty() ? 0 : missing[0]);
      // The translation is in use: a menu of the window is Chinese.
      EXPECT_STRNE(driver::tr("View"), "View");
    }
    // A scenario's narration may bring characters the catalogue does not have: the atlas is
    // rebuilt with them (and the backend's texture made again), and they are drawn.
    const std::string parrot = "鹦鹉";
    EXPECT_FALSE(window->missing_glyphs(parrot).empty());
    EXPECT_TRUE(window->ensure_glyphs(parrot));
    EXPECT_TRUE(window->missing_glyphs(parrot).empty());
    EXPECT_FALSE(window->ensure_glyphs(parrot));  // nothing missing: no rebuild
    {
      app::Controller c{app::ControllerOptions{}};
      c.dispatch(app::Command{app::Command::Kind::kOpen, 0, 0, 0, path});
      window->frame(c);
      EXPECT_EQ(fallback_glyphs_drawn(), 0);
      EXPECT_TRUE(window->missing_glyphs(driver::chinese_text_in_use()).empty());
    }
    int w = 0, h = 0;
    window->atlas_size(&w, &h);
    std::printf("font atlas %dx%d: %d x %d in Chinese, %d x %d in English\n", width, height, w, h,
                atlas_en_w, atlas_en_h);
    // The glyphs of the text in use, not the ~21,000 of the CJK block: the atlas stays within
    // a few times the English one (the whole block at 15 px would be 4096 x 4096 or more).
    EXPECT_LE(static_cast<long>(w) * h, 8L * atlas_en_w * atlas_en_h);
  }
  for (std::size_t i = 0; i < failures.size() && i < 40; ++i)
    ADD_FAILURE() << failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " problems";
}

// A row of glyphs drawn: its pen line, its left and right ends, and its glyphs by pen position.
struct GlyphRow {
  float pen_y = 0, left = 1e30f, right = -1e30f;
  std::map<float, const ImFontGlyph*> glyphs;
  // The width of the piece a line cannot break inside that starts the row: its first character
  // with the closing punctuation after it (，。）...), or after the opening punctuation before it.
  // 0 when the row starts with no CJK character (a Latin word, whose breaks are at spaces).
  float first_cjk_piece() const {
    float w = 0;
    bool opening = true;
    for (const auto& [x, g] : glyphs) {
      const bool first = w == 0;
      if (first && !sim::is_wide(g->Codepoint)) return 0;
      if (first && sim::is_closing(g->Codepoint)) return 0;
      if (!first && !opening && !sim::is_closing(g->Codepoint)) break;
      opening = sim::is_opening(g->Codepoint);
      w += g->AdvanceX;
    }
    return w;
  }
};

// The rows of glyphs the windows whose names contain `name` drew in the last frame, top first.
std::vector<GlyphRow> glyph_rows(const std::string& name) {
  std::map<std::pair<float, float>, const ImFontGlyph*> by_uv;
  for (const ImFont* f : ImGui::GetIO().Fonts->Fonts)
    for (const ImFontGlyph& g : f->Glyphs)
      if (g.Visible) by_uv[{g.U0, g.V0}] = &g;
  std::map<float, GlyphRow> rows;
  const ImDrawData* dd = ImGui::GetDrawData();
  for (int l = 0; dd && l < dd->CmdListsCount; ++l) {
    const ImDrawList* list = dd->CmdLists[l];
    if (!list->_OwnerName || std::string(list->_OwnerName).find(name) == std::string::npos)
      continue;
    // A glyph is a quad of 4 vertices: top left, top right, bottom right, bottom left.
    for (int v = 0; v + 3 < list->VtxBuffer.Size; v += 1) {
      const ImDrawVert& a = list->VtxBuffer[v];
      const auto g = by_uv.find({a.uv.x, a.uv.y});
      if (g == by_uv.end() || list->VtxBuffer[v + 2].uv.x != g->second->U1 ||
          list->VtxBuffer[v + 2].uv.y != g->second->V1)
        continue;
      const ImFontGlyph& glyph = *g->second;
      const float pen_x = a.pos.x - glyph.X0;
      GlyphRow& row = rows[std::round(a.pos.y - glyph.Y0)];
      row.pen_y = std::round(a.pos.y - glyph.Y0);
      row.left = std::min(row.left, pen_x);
      row.glyphs[pen_x] = &glyph;
      row.right = std::max(row.right, pen_x + glyph.AdvanceX);
      v += 3;
    }
  }
  std::vector<GlyphRow> out;
  for (const auto& [y, row] : rows)
    out.push_back(row);
  return out;
}

// Chinese paragraphs wrap between characters (gui/ui/text_wrap.h), not only at spaces as Dear
// ImGui's own wrap does: in the lesson window (lesson 2) and the narration under the script, at
// 1024x768, at every statement of the pipe example, nothing is cut off, no row of a paragraph
// passes the window's right edge, and a row followed by one that starts with a CJK character is
// full: that character (with the closing punctuation that stays with it) would not have fitted.
TEST_F(Chinese, ParagraphsBreakBetweenCharactersAndStayInTheirPanes) {
  driver::set_language(driver::Lang::zh);
  const auto opened = test::open_window_on(1024, 768);
  ASSERT_TRUE(opened->error.empty()) << opened->error;
  auto& window = opened->window;
  app::Controller& c = opened->controller;
  window->ui().lesson_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/lessons";
  window->ui().lesson = 2;
  window->ui().show_lesson = true;
  std::vector<std::string> failures;
  int followed_rows = 0;
  for (std::size_t st = 0; st < c.left()->scenario().statements.size(); ++st) {
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, st, 0});
    for (int f = 0; f < 3; ++f)
      window->frame(c);
    const std::string where = "statement " + std::to_string(st);
    for (const ClippedText& cut : audit_clipped_text())
      failures.push_back(where + ": [" + cut.window + "] \"" + cut.text + "\": " + cut.how);
    for (const char* name : {"###lesson", "narration"}) {
      const ImGuiWindow* w = nullptr;
      for (const ImGuiWindow* candidate : GImGui->Windows)
        if (candidate->Active && std::string(candidate->Name).find(name) != std::string::npos)
          w = candidate;
      if (!w) {
        failures.push_back(where + ": no window " + name);
        continue;
      }
      const float edge = w->WorkRect.Max.x;
      const float line = ImGui::GetFontSize();
      const std::vector<GlyphRow> rows = glyph_rows(name);
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].right > edge + 1)
          failures.push_back(where + ": " + name + " row at y " + std::to_string(rows[i].pen_y) +
                             " passes the edge by " + std::to_string(rows[i].right - edge));
        if (i + 1 == rows.size()) continue;
        const GlyphRow& next = rows[i + 1];
        const bool same_paragraph = std::abs(next.pen_y - rows[i].pen_y - line) < 0.75f &&
                                    std::abs(next.left - rows[i].left) < 0.75f;
        const float piece = next.first_cjk_piece();
        if (!same_paragraph || piece == 0) continue;
        ++followed_rows;
        // After a Latin word the break may have been at a space, which the row does not draw.
        const bool latin_end = !sim::is_wide(rows[i].glyphs.rbegin()->second->Codepoint);
        const float space = latin_end ? ImGui::GetFont()->GetCharAdvance(' ') : 0;
        if (rows[i].right + space + piece <= edge)
          failures.push_back(where + ": " + name + " row at y " + std::to_string(rows[i].pen_y) +
                             " ends " + std::to_string(edge - rows[i].right) +
                             " px before the edge, room for the next row's first character");
      }
    }
  }
  EXPECT_GT(followed_rows, 10) << "the test's premise: Chinese paragraphs of several rows";
  for (std::size_t i = 0; i < failures.size() && i < 40; ++i)
    ADD_FAILURE() << failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " problems";
}

bool has(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The script panel lists the narration of the window's language only, with the file's line
// numbers: in English no `#zh` line (the English font would draw them as �) and no title_zh; in
// Chinese the `#zh` lines instead of the English ones, and title_zh instead of title. The current
// statement's line stays highlighted under its own number. The lesson window shows the lesson's
// Chinese, every character drawn.
TEST_F(Chinese, TheScriptShowsOneLanguageAndTheLessonIsChinese) {
  for (const driver::Lang lang : {driver::Lang::en, driver::Lang::zh}) {
    driver::set_language(lang);
    const bool zh = lang == driver::Lang::zh;
    const auto opened = test::open_window_on(1024, 768);
    ASSERT_TRUE(opened->error.empty()) << opened->error;
    auto& window = opened->window;
    app::Controller& c = opened->controller;
    const auto& sc = c.left()->scenario();
    // The first statement: the lines before it are the title, the picture and its narration.
    c.dispatch(app::Command{app::Command::Kind::kSeekStatement, 0, 0});
    for (int f = 0; f < 3; ++f)
      window->frame(c);
    const FrameReport& r = window->report();
    const int first = sc.statements[0].loc.line;
    EXPECT_EQ(r.script_current, first);
    ASSERT_TRUE(has(r.script_lines, first));
    int zh_lines = 0, en_narration = 0;
    for (const int line : r.script_lines) {
      const std::string& text = sc.lines[static_cast<std::size_t>(line) - 1];
      if (text.rfind("#zh", 0) == 0 || text.rfind("title_zh", 0) == 0) ++zh_lines;
      if (text.rfind("# ", 0) == 0 || text.rfind("title ", 0) == 0) ++en_narration;
    }
    if (zh) {
      EXPECT_GE(zh_lines, 4) << "the title_zh and the #zh narration of the first statement";
      EXPECT_EQ(en_narration, 0);
    } else {
      EXPECT_EQ(zh_lines, 0);
      EXPECT_GE(en_narration, 4) << "the title and the narration of the first statement";
    }
    // The rows keep their file numbers: the drawn numbers rise, with gaps where lines are hidden.
    EXPECT_TRUE(std::is_sorted(r.script_lines.begin(), r.script_lines.end()));
    EXPECT_LT(r.script_lines.size(), static_cast<std::size_t>(r.script_lines.back()));

    if (!zh) continue;
    window->ui().lesson_dir = std::string(EPOLLSCOPE_SOURCE_DIR) + "/lessons";
    window->ui().lesson = 2;
    window->ui().show_lesson = true;
    for (int f = 0; f < 3; ++f)
      window->frame(c);
    EXPECT_NE(window->report().lesson_shown.find("管道 2 KB / 1 KB，边缘触发与水平触发"),
              std::string::npos)
        << window->report().lesson_shown;
    EXPECT_EQ(fallback_glyphs_drawn(), 0) << "a character of the lesson without a glyph";
  }
}

}  // namespace
}  // namespace epollscope::ui
