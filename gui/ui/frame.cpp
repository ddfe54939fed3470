// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/frame.cpp — one frame of the window: the menu, the panels laid out in the viewport, the
// keys. The panes are tiled (no docking in Dear ImGui 1.86): script, steps and kernel column on
// the left, the eventpoll view (one pane, or two side by side in compare mode) on the right, the
// timeline along the bottom; the strips between them (splitters) are dragged to move the borders
// (gui/app/splits.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "driver/i18n.h"
#include "gui/app/splits.h"
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "gui/ui/window.h"
#include "imgui_internal.h"
#include "sim/strings.h"

namespace epollscope::ui {

std::string label_text(const std::string& label) {
  const std::pair<const char*, const char*> known[] = {
      {"edge-triggered", tr("edge-triggered")},
      {"level-triggered", tr("level-triggered")},
      {"as written", tr("as written")},
      {"each item's trigger flipped", tr("each item's trigger flipped")},
  };
  for (const auto& [english, shown] : known)
    if (label.rfind(english, 0) == 0) return shown + label.substr(std::strlen(english));
  return label;
}

namespace {

FrameReport* current_report = nullptr;  // the frame being built (fill_rect adds to it)

// Text elided() shortened in this frame, where it was about to be drawn: the window shows the whole
// text in a tooltip when the pointer is on it (and the panel showed no tooltip of its own).
struct Elision {
  ImVec2 min, max;
  ImGuiWindow* window;
  std::string text;
};
std::vector<Elision> elisions;

constexpr int kKeyF1 = 290;  // GLFW_KEY_F1: the GLFW backend indexes keys by GLFW key code
// GLFW_KEY_MINUS, _0, _EQUAL, _KP_SUBTRACT, _KP_ADD: Ctrl with them sizes the text.
constexpr int kKeyMinus = 45, kKeyZero = 48, kKeyEqual = 61, kKeyPadSubtract = 333,
              kKeyPadAdd = 334;

// Ctrl+= (or Ctrl+keypad +) and Ctrl+- step through the text sizes, Ctrl+0 goes back to 100 %;
// the window rebuilds its fonts before the next frame (Window::apply_text_size).
void handle_text_size_keys(UiState& ui) {
  if (!ImGui::GetIO().KeyCtrl) return;
  if (ImGui::IsKeyPressed(kKeyEqual) || ImGui::IsKeyPressed(kKeyPadAdd))
    ui.text_size = step_text_size(ui.text_size, +1);
  if (ImGui::IsKeyPressed(kKeyMinus) || ImGui::IsKeyPressed(kKeyPadSubtract))
    ui.text_size = step_text_size(ui.text_size, -1);
  if (ImGui::IsKeyPressed(kKeyZero)) ui.text_size = 100;
}

// Predict mode on or off; turned on, it asks from the position on (questions already passed are
// not asked).
void set_predict(UiState& ui, bool on) {
  if (on && !ui.predict) ui.prediction.restart();
  ui.predict = on;
}

void handle_keys(const app::Controller& c, UiState& ui, Commands& out) {
  using K = app::Command::Kind;
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  handle_text_size_keys(ui);
  if (io.KeyCtrl) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space)))
    out.push_back(app::Command{K::kTogglePlay});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)))
    out.push_back(app::Command{K::kStepForward});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)))
    out.push_back(app::Command{K::kStepBack});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Home)))
    out.push_back(app::Command{K::kFirst});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_End))) out.push_back(app::Command{K::kLast});
  const app::Timeline::Position pos = c.timeline().at(c.tick());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown)))
    out.push_back(app::Command{K::kSeekStatement, 0, pos.before_first ? 0 : pos.statement + 1});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp)) && !pos.before_first &&
      pos.statement > 0)
    out.push_back(app::Command{K::kSeekStatement, 0, pos.statement - 1});
  if (ImGui::IsKeyPressed('H') || ImGui::IsKeyPressed(kKeyF1)) ui.show_help = !ui.show_help;
  if (ImGui::IsKeyPressed('B')) ui.show_browser = !ui.show_browser;
  if (ImGui::IsKeyPressed('L') && ui.lesson > 0) ui.show_lesson = !ui.show_lesson;
  if (ImGui::IsKeyPressed('P')) set_predict(ui, !ui.predict);
  if (ImGui::IsKeyPressed('T'))
    set_theme(theme() == ThemeKind::kDark ? ThemeKind::kLight : ThemeKind::kDark);
  if (ImGui::IsKeyPressed('C')) {
    app::CompareMode next = c.compare() == app::CompareMode::kOff ? app::CompareMode::kTrigger
                            : c.compare() == app::CompareMode::kTrigger
                                ? app::CompareMode::kProfiles
                                : app::CompareMode::kOff;
    out.push_back(app::Command{K::kSetCompare, 0, 0, 0, {}, next});
  }
}

// The menu bar's start; false when it is not shown. Its background is cleared by the window, like
// the panels'.
bool begin_menu() {
  ImGui::PushStyleColor(ImGuiCol_MenuBarBg, IM_COL32(0, 0, 0, 0));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, IM_COL32(0, 0, 0, 0));
  const bool open = ImGui::BeginMainMenuBar();
  ImGui::PopStyleColor(2);
  return open;
}

// The title at the right end of the menu bar, and the bar's end.
void end_menu(const std::string& title, ImU32 bar, float* height) {
  // After the menus, at the right end; a long title gives way (cut, whole in its tooltip).
  ImGui::SameLine();
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float room = ImGui::GetContentRegionAvail().x - 2 * gap;
  const std::string shown = elided(title, std::max(room, ImGui::GetFontSize() * 3));
  ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize(shown.c_str()).x -
                  gap);
  ImGui::TextUnformatted(shown.c_str());
  *height = ImGui::GetWindowSize().y;
  if (current_report)
    current_report->backgrounds.push_back(
        {ImVec2(0, 0), ImVec2(ImGui::GetWindowSize().x, *height), bar});
  ImGui::EndMainMenuBar();
}

void theme_items(UiState& ui) {
  if (ImGui::MenuItem(tr("Dark theme"), "T", theme() == ThemeKind::kDark))
    set_theme(ThemeKind::kDark);
  if (ImGui::MenuItem(tr("Light theme"), "T", theme() == ThemeKind::kLight))
    set_theme(ThemeKind::kLight);
  ImGui::MenuItem(tr("Animate"), nullptr, &ui.animate);
  // For a projector: the fonts are rebuilt at the size chosen, kept while the window is open.
  if (ImGui::BeginMenu(tr("Text size"))) {
    for (const int pct : kTextSizes) {
      char label[16];
      std::snprintf(label, sizeof label, "%d %%", pct);
      const char* keys = pct == 100 ? "Ctrl+0" : nullptr;
      if (ImGui::MenuItem(label, keys, ui.text_size == pct)) ui.text_size = pct;
    }
    ImGui::Separator();
    if (ImGui::MenuItem(tr("Larger"), "Ctrl+=")) ui.text_size = step_text_size(ui.text_size, +1);
    if (ImGui::MenuItem(tr("Smaller"), "Ctrl+-")) ui.text_size = step_text_size(ui.text_size, -1);
    ImGui::EndMenu();
  }
}

void draw_menu(const app::Controller& c, UiState& ui, Commands& out, float* height) {
  using K = app::Command::Kind;
  const ImU32 bar = ImGui::GetColorU32(ImGuiCol_MenuBarBg);
  if (!begin_menu()) return;
  if (ImGui::BeginMenu(tr("Scenario"))) {
    if (ImGui::MenuItem(tr("Browse the course and the library..."), "B")) ui.show_browser = true;
    if (ImGui::MenuItem(tr("Lesson window"), "L", ui.show_lesson, ui.lesson > 0))
      ui.show_lesson = !ui.show_lesson;
    if (ImGui::MenuItem(tr("Reload"), nullptr, false, !c.path().empty()))
      out.push_back(app::Command{K::kReload});
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("View"))) {
    if (ImGui::MenuItem(tr("One model"), nullptr, c.compare() == app::CompareMode::kOff))
      out.push_back(app::Command{K::kSetCompare, 0, 0, 0, {}, app::CompareMode::kOff});
    if (ImGui::MenuItem(tr("Compare: edge- beside level-triggered"), "C",
                        c.compare() == app::CompareMode::kTrigger))
      out.push_back(app::Command{K::kSetCompare, 0, 0, 0, {}, app::CompareMode::kTrigger});
    if (ImGui::MenuItem(tr("Compare: two kernel profiles"), nullptr,
                        c.compare() == app::CompareMode::kProfiles))
      out.push_back(app::Command{K::kSetCompare, 0, 0, 0, {}, app::CompareMode::kProfiles});
    ImGui::Separator();
    if (ImGui::MenuItem(tr("Predict, then reveal"), "P", ui.predict)) set_predict(ui, !ui.predict);
    ImGui::Separator();
    theme_items(ui);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Help"))) {
    if (ImGui::MenuItem(tr("Keys and colours"), "H")) ui.show_help = true;
    ImGui::EndMenu();
  }
  std::string title = c.left() && c.left()->ok() && !driver::title(c.left()->scenario()).empty()
                          ? driver::title(c.left()->scenario())
                          : c.path();
  if (c.right() && c.right()->ok() && c.left()->ok())
    title += "   " + label_text(c.left()->label()) + " \u2225 " + label_text(c.right()->label());
  end_menu(title, bar, height);
}

// A live trace's menu: following the newest step, the themes, the keys.
void draw_trace_menu(const app::TraceController& c, UiState& ui, Commands& out, float* height) {
  using K = app::Command::Kind;
  const ImU32 bar = ImGui::GetColorU32(ImGuiCol_MenuBarBg);
  if (!begin_menu()) return;
  if (ImGui::BeginMenu(tr("Trace"))) {
    if (ImGui::MenuItem(tr("Follow the newest step (Live)"), "End", c.following()))
      out.push_back(app::Command{K::kFollowLive});
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("View"))) {
    theme_items(ui);
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu(tr("Help"))) {
    if (ImGui::MenuItem(tr("Keys and colours"), "H")) ui.show_help = true;
    ImGui::EndMenu();
  }
  const std::string& program = c.status().program;
  end_menu(program.empty() ? std::string(tr("live trace")) : tr("trace: ") + program, bar, height);
}

void handle_trace_keys(const app::TraceController& c, UiState& ui, Commands& out) {
  using K = app::Command::Kind;
  ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  handle_text_size_keys(ui);
  if (io.KeyCtrl) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)))
    out.push_back(app::Command{K::kStepForward});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)))
    out.push_back(app::Command{K::kStepBack});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Home)))
    out.push_back(app::Command{K::kFirst});
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_End)))
    out.push_back(app::Command{K::kFollowLive});
  // Page Down/Up: the next or previous call.
  const trace::FeedCall* call = c.current_call();
  const trace::FeedView& f = c.feed();
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown)) && f.total_calls() > 0) {
    const uint64_t next = call ? call->index + 1 : f.dropped_calls;
    if (next < f.total_calls()) out.push_back(app::Command{K::kSeekStatement, 0, next});
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp)) && call &&
      call->index > f.dropped_calls)
    out.push_back(app::Command{K::kSeekStatement, 0, call->index - 1});
  if (ImGui::IsKeyPressed('H') || ImGui::IsKeyPressed(kKeyF1)) ui.show_help = !ui.show_help;
  if (ImGui::IsKeyPressed('T'))
    set_theme(theme() == ThemeKind::kDark ? ThemeKind::kLight : ThemeKind::kDark);
}

// A panel at a fixed place. Its background is not drawn by Dear ImGui but cleared by the window
// before the frame is rendered (FrameReport::backgrounds): a clear costs a software renderer
// almost nothing, while a filled rectangle is shaded pixel by pixel.
// `text` cut to `width` pixels with "..." (never inside a UTF-8 sequence).
std::string cut_to(const std::string& text, float width) {
  if (ImGui::CalcTextSize(text.c_str()).x <= width) return text;
  const float dots = ImGui::CalcTextSize("...").x;
  std::size_t keep = text.size();
  while (keep > 0 && ImGui::CalcTextSize(text.c_str(), text.c_str() + keep).x + dots > width)
    --keep;
  // Not inside a UTF-8 sequence (a label's ⇄).
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80)
    --keep;
  return text.substr(0, keep) + "...";
}

bool begin_fixed(FrameReport& report, const char* name, ImVec2 pos, ImVec2 size,
                 ImGuiWindowFlags extra = 0) {
  // A title wider than its pane (a narrow column, a projector's scale) is cut, whole in a
  // tooltip; the window keeps its identity (the part after ###).
  const float title_room = size.x - 2 * ImGui::GetStyle().FramePadding.x;
  const bool cut_title =
      !(extra & ImGuiWindowFlags_NoTitleBar) && ImGui::CalcTextSize(name).x > title_room;
  const std::string label =
      cut_title ? cut_to(name, std::max(title_room, ImGui::GetFontSize() * 2)) + "###" + name
                : std::string(name);
  ImGui::SetNextWindowPos(pos, ImGuiCond_Always);
  ImGui::SetNextWindowSize(size, ImGuiCond_Always);
  if (!(extra & ImGuiWindowFlags_NoBackground))
    report.backgrounds.push_back(
        {pos, ImVec2(pos.x + size.x, pos.y + size.y), ImGui::GetColorU32(ImGuiCol_WindowBg)});
  // The title bar too (all panels are drawn with the same title colour, focused or not).
  report.backgrounds.push_back({pos, ImVec2(pos.x + size.x, pos.y + ImGui::GetFrameHeight()),
                                ImGui::GetColorU32(ImGuiCol_TitleBg)});
  ImGui::PushStyleColor(ImGuiCol_TitleBg, IM_COL32(0, 0, 0, 0));
  ImGui::PushStyleColor(ImGuiCol_TitleBgActive, IM_COL32(0, 0, 0, 0));
  const bool open = ImGui::Begin(
      label.c_str(), nullptr,
      ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
          ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground | extra);
  ImGui::PopStyleColor(2);
  if (cut_title && ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.y < pos.y + ImGui::GetFrameHeight()) tooltip(name);
  }
  return open;
}

}  // namespace

std::string elided(const std::string& text, float width) {
  std::string shown = cut_to(text, width);
  if (shown.size() == text.size() && shown == text) return text;
  if (ImGuiWindow* w = ImGui::GetCurrentWindowRead()) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    // The caller may indent it a little (a note under a row): the rectangle starts at the cursor
    // and reaches one font size beyond the text.
    elisions.push_back(
        {at, ImVec2(at.x + width + ImGui::GetFontSize(), at.y + ImGui::GetTextLineHeight()), w,
         text});
  }
  return shown;
}

bool fill_rect(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 colour, float rounding) {
  const ImVec2 lo = dl->GetClipRectMin(), hi = dl->GetClipRectMax();
  const ImVec2 ca(std::max(a.x, lo.x), std::max(a.y, lo.y));
  const ImVec2 cb(std::min(b.x, hi.x), std::min(b.y, hi.y));
  const bool opaque = (colour & IM_COL32_A_MASK) == IM_COL32_A_MASK;
  if (!current_report || !opaque || (b.x - a.x) * (b.y - a.y) < 2000) {
    dl->AddRectFilled(a, b, colour, rounding);
    return false;
  }
  if (ca.x < cb.x && ca.y < cb.y) current_report->backgrounds.push_back({ca, cb, colour});
  return true;
}

namespace {

// The whole of an elided text under the pointer, unless its panel already shows a tooltip.
void show_elided_tooltip() {
  ImGuiContext& g = *GImGui;
  ImGuiWindow* tip = ImGui::FindWindowByName("##Tooltip_00");
  const bool tooltip_shown = (tip && tip->Active) || g.TooltipOverrideCount > 0;
  if (!tooltip_shown && !g.HoveredId && !ImGui::IsMouseDragging(0)) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    for (const Elision& e : elisions)
      if (e.window == g.HoveredWindow && m.x >= e.min.x && m.x < e.max.x && m.y >= e.min.y &&
          m.y < e.max.y && e.window->ClipRect.Contains(m)) {
        tooltip(e.text.c_str());
        break;
      }
  }
  elisions.clear();
}

// The starting geometry of the tiled panes for this viewport and font.
app::SplitGeometry split_geometry(float menu, float timeline_h, int left_panes) {
  app::SplitGeometry g;
  const ImVec2 view = ImGui::GetIO().DisplaySize;
  g.width = view.x;
  g.height = view.y;
  g.top = menu;
  g.font = ImGui::GetFontSize();
  g.timeline_min = timeline_h;
  g.gap = std::max(3.f, std::round(g.font * 0.3f));
  g.left_panes = left_panes;
  return g;
}

// The strips between the panes: a drag moves the border, a double click puts it back. Each is a
// small window of its own over the gap between two panes (which shows the window's background).
void draw_splitters(const app::PaneLayout& layout, const app::SplitGeometry& g, UiState& ui,
                    app::Splits& splits) {
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                 ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_NoBringToFrontOnFocus |
                                 ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav |
                                 ImGuiWindowFlags_NoScrollWithMouse;
  for (int i = 0; i < app::kSplitterCount; ++i) {
    const app::PaneRect& r = layout.splitters[i];
    if (r.width() < 1 || r.height() < 1) continue;
    const auto which = static_cast<app::Splitter>(i);
    const bool across = which == app::Splitter::kSide;  // a vertical strip, dragged sideways
    char name[32];
    std::snprintf(name, sizeof name, "##splitter%d", i);
    ImGui::SetNextWindowPos(ImVec2(r.x0, r.y0), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(r.width(), r.height()), ImGuiCond_Always);
    ImGui::Begin(name, nullptr, flags);
    ImGui::InvisibleButton("border", ImVec2(r.width(), r.height()));
    const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (ImGui::IsItemActivated()) ui.splitter_grab = across ? m.x - r.x0 : m.y - r.y0;
    if (active && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0))
      splits = app::place_splitter(splits, which, (across ? m.x : m.y) - ui.splitter_grab, g);
    if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
      splits = app::reset_splitter(splits, which);
    if (hovered || active) {
      ImGui::SetMouseCursor(across ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
      ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(r.x0, r.y0), ImVec2(r.x1, r.y1),
                                                palette().box_border);
    }
    ImGui::End();
  }
  ImGui::PopStyleVar(3);
}

ImVec2 at(const app::PaneRect& r) {
  return ImVec2(r.x0, r.y0);
}
ImVec2 size(const app::PaneRect& r) {
  return ImVec2(r.width(), r.height());
}

// A frame being built: its report collects what fill_rect and the elisions add, until the end
// of the draw function.
struct FrameScope {
  explicit FrameScope(FrameReport& report) {
    report = FrameReport{};
    current_report = &report;
    elisions.clear();
  }
  ~FrameScope() { current_report = nullptr; }
  FrameScope(const FrameScope&) = delete;
  FrameScope& operator=(const FrameScope&) = delete;
};

// The panes' caches hold snapshot pointers of one generation of the controller's history.
void forget_snapshots_of_another_generation(UiState& ui, std::size_t generation) {
  if (ui.generation == generation) return;
  for (PaneCache& pane : ui.panes) {
    pane.compared_now = pane.compared_other = nullptr;
    pane.diff = app::Differences{};
    pane.trees.forget_snapshots();
  }
  ui.generation = generation;
}

}  // namespace

void draw_frame(const app::Controller& c, UiState& ui, double now, Commands& out,
                FrameReport& report) {
  FrameScope scope(report);
  // Another scenario (or the same one reloaded): snapshot addresses may be reused.
  forget_snapshots_of_another_generation(ui, c.generation());
  // Predict mode: no move goes past the next question's call until its prediction is revealed.
  // Set first, so that this frame's moves are held by it.
  if (ui.predict && c.left() && c.left()->ok()) {
    ui.prediction.attach(*c.left(), c.timeline(), c.generation(), c.tick(), c.path());
    out.push_back(
        app::Command{app::Command::Kind::kSetStop, ui.prediction.stop_tick(c.timeline())});
  } else if (c.stop() != app::Command::kNoStop) {
    out.push_back(app::Command{app::Command::Kind::kSetStop, app::Command::kNoStop});
  }
  handle_keys(c, ui, out);
  float menu = 0;
  draw_menu(c, ui, out, &menu);
  const ImVec2 view = ImGui::GetIO().DisplaySize;
  const float timeline_h = ImGui::GetFrameHeightWithSpacing() +
                           ImGui::GetTextLineHeightWithSpacing() +
                           ImGui::GetStyle().WindowPadding.y * 2 + 4;
  const app::SplitGeometry geometry = split_geometry(menu, timeline_h, 3);
  const app::PaneLayout layout = app::layout_panes(ui.splits, geometry);
  // Where the eventpoll view starts and how tall it is.
  const float side_w = layout.view.x0;
  const float body_h = layout.view.height();

  if (!c.error().empty()) {
    report.error_shown = true;
    if (begin_fixed(report, tr("The scenario has an error"), ImVec2(0, menu),
                    ImVec2(view.x, view.y - menu))) {
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(palette().bad), "%s",
                         tr("This scenario cannot run:"));
      if (ui.mono) ImGui::PushFont(ui.mono);
      ImGui::TextUnformatted(c.error().c_str());
      if (ui.mono) ImGui::PopFont();
      ImGui::TextDisabled("%s", tr("Fix the file and save it: it is reloaded automatically. Or "
                                   "press B to open another."));
    }
    ImGui::End();
    draw_browser(c, ui, out);
    draw_help(ui);
    return;
  }

  if (begin_fixed(report, tr("Script"), at(layout.left[0]), size(layout.left[0])))
    draw_script_panel(c, ui, out, report);
  ImGui::End();
  if (begin_fixed(report, tr("Kernel functions of this call"), at(layout.left[1]),
                  size(layout.left[1])))
    draw_call_panel(c, ui, out, report);
  ImGui::End();
  if (begin_fixed(report, tr("The real kernel beside the model"), at(layout.left[2]),
                  size(layout.left[2])))
    draw_kernel_panel(c, out, report);
  ImGui::End();
  if (begin_fixed(report, tr("Timeline"), at(layout.timeline), size(layout.timeline)))
    draw_timeline_panel(c, out, report);
  ImGui::End();

  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  if (begin_fixed(report, "eventpoll", ImVec2(side_w, menu), ImVec2(view.x - side_w, body_h),
                  ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar |
                      ImGuiWindowFlags_NoBackground)) {
    const ImVec2 min = ImGui::GetWindowPos();
    const ImVec2 max(min.x + ImGui::GetWindowSize().x, min.y + ImGui::GetWindowSize().y);
    const app::Timeline::Position pos = c.timeline().at(c.tick());
    const app::Timeline::Position prev = c.timeline().at(c.previous_tick());
    const bool adjacent = c.tick() == c.previous_tick() + 1 || c.previous_tick() == c.tick() + 1;
    const float t =
        ui.animate && adjacent && c.moved_at() >= 0
            ? static_cast<float>(std::clamp((now - c.moved_at()) / ui.animation_seconds, 0.0, 1.0))
            : 1.f;
    if (c.right() && c.right()->ok()) {
      const float mid = (min.x + max.x) / 2;
      report.panes.resize(2);
      report.panes[0].label = c.left()->label();
      report.panes[1].label = c.right()->label();
      draw_eventpoll_pane(*c.left(), pos.left_steps, prev.left_steps,
                          app::stop_note(*c.left(), pos.statement, pos.before_first),
                          &c.right()->snapshot_after(pos.right_steps), t, min,
                          ImVec2(mid - 2, max.y), ui.panes[0], report.panes[0]);
      draw_eventpoll_pane(*c.right(), pos.right_steps, prev.right_steps,
                          app::stop_note(*c.right(), pos.statement, pos.before_first),
                          &c.left()->snapshot_after(pos.left_steps), t, ImVec2(mid + 2, min.y), max,
                          ui.panes[1], report.panes[1]);
      ImGui::GetWindowDrawList()->AddLine(ImVec2(mid, min.y), ImVec2(mid, max.y),
                                          palette().box_border, 2);
    } else {
      report.panes.resize(1);
      report.panes[0].label = c.left()->label();
      draw_eventpoll_pane(*c.left(), pos.left_steps, prev.left_steps,
                          app::stop_note(*c.left(), pos.statement, pos.before_first), nullptr, t,
                          min, max, ui.panes[0], report.panes[0]);
    }
  }
  ImGui::End();
  ImGui::PopStyleVar();
  draw_splitters(layout, geometry, ui, ui.splits);
  show_elided_tooltip();
  draw_browser(c, ui, out);
  draw_lesson(c, ui, out, report);
  draw_predict(c, ui, out, report);
  draw_help(ui);
}

void draw_trace_frame(const app::TraceController& c, UiState& ui, double now, Commands& out,
                      FrameReport& report) {
  FrameScope scope(report);
  // Older steps were dropped: snapshots seen before may be gone, and their addresses reused.
  forget_snapshots_of_another_generation(ui, c.generation());
  handle_trace_keys(c, ui, out);
  float menu = 0;
  draw_trace_menu(c, ui, out, &menu);
  const ImVec2 view = ImGui::GetIO().DisplaySize;
  // Two rows: the buttons with the scrubber, then the status line.
  const float timeline_h = ImGui::GetFrameHeightWithSpacing() +
                           2 * ImGui::GetTextLineHeightWithSpacing() +
                           ImGui::GetStyle().WindowPadding.y * 2 + 4;
  app::SplitGeometry geometry = split_geometry(menu, timeline_h, 2);
  // The calls are long lines ("epoll_ctl(3, EPOLL_CTL_ADD, 4, {IN|ET, 4})"): a wider column.
  geometry.side_fraction = 0.4f;
  geometry.side_min_fonts = 26;
  geometry.side_max_fonts = 44;
  geometry.first_fraction = 0.58f;
  const app::PaneLayout layout = app::layout_panes(ui.trace_splits, geometry);
  const float side_w = layout.view.x0;
  const float body_h = layout.view.height();

  if (begin_fixed(report, tr("Calls: the real kernel's answer beside the model's"),
                  at(layout.left[0]), size(layout.left[0])))
    draw_calls_panel(c, out);
  ImGui::End();
  if (begin_fixed(report, tr("Kernel functions of this call"), at(layout.left[1]),
                  size(layout.left[1])))
    draw_trace_steps_panel(c, out);
  ImGui::End();
  if (begin_fixed(report, tr("Timeline"), at(layout.timeline), size(layout.timeline)))
    draw_trace_timeline_panel(c, out);
  ImGui::End();

  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  if (begin_fixed(report, "eventpoll", ImVec2(side_w, menu), ImVec2(view.x - side_w, body_h),
                  ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar |
                      ImGuiWindowFlags_NoBackground)) {
    const ImVec2 min = ImGui::GetWindowPos();
    const ImVec2 max(min.x + ImGui::GetWindowSize().x, min.y + ImGui::GetWindowSize().y);
    const bool adjacent = c.tick() == c.previous_tick() + 1 || c.previous_tick() == c.tick() + 1;
    const float t =
        ui.animate && adjacent && c.moved_at() >= 0 && !c.following()
            ? static_cast<float>(std::clamp((now - c.moved_at()) / ui.animation_seconds, 0.0, 1.0))
            : 1.f;
    const trace::FeedStep* step = c.current_step();
    const trace::FeedStatus& st = c.status();
    std::string title = st.pid ? driver::trf("the model of process {}", st.pid) : tr("the model");
    if (c.following() && st.running) title += tr("   (live)");
    const PaneState state{c.feed().after(c.tick()), c.feed().after(c.previous_tick()),
                          step ? &step->step : nullptr, title};
    report.panes.resize(1);
    report.panes[0].label = title;
    draw_eventpoll_pane(state, nullptr, t, min, max, ui.panes[0], report.panes[0]);
  }
  ImGui::End();
  ImGui::PopStyleVar();
  draw_splitters(layout, geometry, ui, ui.trace_splits);
  show_elided_tooltip();
  draw_help(ui);
}

}  // namespace epollscope::ui
