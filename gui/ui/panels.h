// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panels.h — the panels of the window, one file each. Every panel reads the Controller (its
// Sessions, snapshots and trace) and pushes Commands; none of them changes a model.
//
//   panel_eventpoll.cpp  the eventpoll view on a canvas that scrolls, zooms and pans: struct
//                        eventpoll, rbr, rdllist/txlist/ovflist, epitems, files with their wait
//                        queues, buffers and poll masks, threads, the links between them and the
//                        path of the current step; animations
//   panel_script.cpp     the scenario text with the current line, and the narration
//   panel_steps.cpp      the kernel-function steps of the current call (click to go there), and
//                        the tabs that hold them beside the code and events[]
//   panel_code.cpp       the kernel's source of the current step's function, its line highlighted,
//                        and the call chain above it
//   panel_events.cpp     the user's side: the events[] array the latest epoll_wait filled
//   panel_kernel.cpp     each call's result on the model and on the real kernel up to the current
//                        position: ✓, ≠, ⇄ or ✗ (an expectation that did not hold)
//   panel_calls.cpp      a live trace: each call of the program, the kernel's answer and the
//                        model's, = or ≠, the wake-ups before it
//   panel_timeline.cpp   step back/forward, play/pause, speed, scrubbing, first/last; for a live
//                        trace: Live, older steps dropped, and the status line of the program
//   panel_predict.cpp    Predict mode: the question before a call's answer, the reveal beside it
//   panel_browser.cpp    the scenario library with titles
//   panel_help.cpp       the keys
#pragma once

#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "driver/i18n.h"
#include "gui/app/answers.h"
#include "gui/app/canvas.h"
#include "gui/app/compare.h"
#include "gui/app/controller.h"
#include "gui/app/events_array.h"
#include "gui/app/kernel_source.h"
#include "gui/app/layout.h"
#include "gui/app/prediction.h"
#include "gui/app/splits.h"
#include "gui/app/trace_controller.h"
#include "gui/ui/text_wrap.h"
#include "imgui.h"

namespace epollscope::ui {

// Every word the window shows goes through driver::tr (driver/i18n.h): English, or Chinese with
// --lang zh.
using driver::tr;
using driver::trf;
// A model's label (app::Session::label: "edge-triggered", "level-triggered (Linux 5.10)") in the
// window's language.
std::string label_text(const std::string& label);

// Zoom and pan of one drawn tree: x on screen = fit-to-width position × zoom − pan.
struct TreeView {
  float zoom = 1;  // 1 = the whole tree fits the pane's width
  float pan = 0;   // pixels scrolled to the right
};

// What one pane keeps between frames: layouts, fd names, the differences with the other pane, and
// how each epoll's tree is zoomed.
struct PaneCache {
  app::TreeLayoutCache trees;
  app::FdNames fd_names;
  std::map<uint32_t, TreeView> views;  // by epoll id
  app::CanvasView canvas;              // zoom and scroll of the whole view
  // The view's file boxes in their order (indices into Snapshot::files) and the grid's cell
  // height at a font size, for the snapshot they were worked out for (100,000 files are not
  // sorted again every frame).
  struct FileOrder {
    const sim::Snapshot* snapshot = nullptr;
    uint64_t seq = 0;
    std::size_t files = 0;
    std::vector<uint32_t> order;
    float font = 0, cell_h = 0;
  } file_order;
  struct Animation {
    std::vector<app::TreeMorph> morphs;  // the last few pairs of layouts (forward and back)
    app::TreeLayout moving;              // the tree of this frame
  };
  std::map<uint32_t, Animation> animations;  // by epoll id
  // The last pair of snapshots compared; the next pair is worked out from it (in place).
  const sim::Snapshot* compared_now = nullptr;
  const sim::Snapshot* compared_other = nullptr;
  app::Differences diff;
};

// What the window remembers between frames that is not the model's state.
struct UiState {
  bool show_help = false;
  bool show_browser = false;
  bool animate = true;  // false for screenshots: show each state at rest
  // Text size in percent (View → Text size, Ctrl+= / Ctrl+-, --text-size): the window rebuilds
  // its fonts at this size before the next frame, and keeps it for the session.
  int text_size = 100;
  float animation_seconds = 0.45f;
  std::string scenario_dir = "scenarios";
  ImFont* mono = nullptr;           // for the script panel
  PaneCache panes[2];               // left, right
  app::EventsArrayCache events[2];  // the events[] tab's arrays, left and right
  std::size_t generation = 0;       // the Controller's generation the caches were filled for
  app::Splits splits;               // where the panes' borders were dragged (a scenario's window)
  app::Splits trace_splits;         // the same for a live trace's window
  float splitter_grab = 0;          // where on the strip being dragged the pointer took it
  // The course (lessons/*.lesson): its folder, the lesson open in the lesson window (1-based; 0:
  // none) and whether that window is shown (L).
  std::string lesson_dir;
  int lesson = 0;
  bool show_lesson = false;
  // Predict mode (View → Predict, P, `gui --predict`): the questions, the prediction being built,
  // the reveals and scores (gui/app/prediction.h); the progress file a lesson's score is kept in
  // (`epollscope lessons` reads it; empty: not kept) and why it could not be written.
  bool predict = false;
  app::PredictMode prediction;
  std::string progress_file;
  std::string progress_error;
  // Where the Predict window's top was in the last frame (0: not shown): the lesson window ends
  // above it rather than under it.
  float predict_top = 0;
  std::string predict_error;  // why the last Reveal could not compare (a malformed prediction)
  // Chinese text a panel drew that is not the catalogue's nor the scenario's (a lesson, the
  // browser's titles): the window loads its glyphs before the next frame (only in zh).
  std::string glyphs_wanted;
};

// Where things were drawn in the last frame (tests find objects in screenshots with it).
struct FrameReport {
  struct Pane {
    std::string label;
    ImVec2 min, max;
    int ready_nodes = 0;  // rdllist nodes drawn
    int tx_nodes = 0;
    int ovf_nodes = 0;
    int tree_nodes = 0;        // tree nodes drawn (folded ones not counted)
    int tree_folded = 0;       // nodes not drawn because a drawn one covers their pixel
    int items_listed = 0;      // epitem rows drawn (those the canvas shows)
    int files_drawn = 0;       // file boxes drawn (those the canvas shows)
    int links = 0;             // links drawn between an epitem and what it belongs to
    int path_links = 0;        // of them, on the path of the current step (bright, with arrows)
    ImVec2 content;            // the canvas's scrollable content (pixels at its zoom)
    ImVec2 visible;            // the part of it the pane shows
    bool differences = false;  // compare mode: something differs from the other pane
    std::string stopped;       // the pane's "stopped at line N: why", if it says so
  };
  std::vector<Pane> panes;
  bool error_shown = false;
  std::string lesson_shown;  // the lesson window's title, when it was drawn
  // The Predict window: shown, asking (the line of the question), the reveal shown (its line,
  // verdict, explanation and the marks of its entries), the scores, and where its buttons were
  // drawn by label ("Reveal", "+ rfd"), for tests that press them.
  struct Predict {
    bool shown = false;
    bool asking = false;
    int line = 0;
    int revealed_line = 0;
    bool reveal_pressed = false;
    std::string verdict, explanation, score, lesson_score;
    std::vector<std::string> marks;
    std::map<std::string, std::pair<ImVec2, ImVec2>> buttons;
  } predict;
  // The kernel column: the rows drawn with answers (the others show "·"), the last statement
  // among them (-1: none), and the lines drawn under rows (an expectation that did not hold).
  int answers_shown = 0;
  int last_answer_shown = -1;
  int answer_notes = 0;
  // The script panel: lines drawn marked (an expectation that did not hold, a stop).
  int script_marks = 0;
  // The script panel's rows drawn (the clipper's visible ones): their line numbers in the file,
  // and the current statement's line when its row was drawn highlighted (0: none).
  std::vector<int> script_lines;
  int script_current = 0;
  // The current call's tabs: the one shown ("Kernel code", "Kernel functions", "events[]"), the
  // excerpt the code pane drew ("" for none) with its highlighted line (0-based), and the
  // events[] entries drawn (-1 when that tab is not shown).
  std::string call_tab;
  std::string code_function;
  int code_line = -1;
  int events_entries = -1;
  // The timeline's speed: the slider and the number beside it ("4.0 steps/s"), never on it.
  ImVec2 speed_slider_min, speed_slider_max, speed_text_min, speed_text_max;
  std::string speed_text;
  // Rectangles the window clears to a colour before rendering (the fixed panels' backgrounds).
  struct Background {
    ImVec2 min, max;
    ImU32 colour;
  };
  std::vector<Background> backgrounds;
  // Filled by the window after rendering: what the frame asked the GPU to draw.
  int vertices = 0;
  int triangles = 0;
  int draw_calls = 0;
  double build_ms = 0;   // building the frame's UI (the panels) on the CPU
  double render_ms = 0;  // handing it to OpenGL until the buffers are swapped
};

using Commands = std::vector<app::Command>;

// Fills an opaque rectangle of at least a few thousand pixels by having the window clear it
// (FrameReport::backgrounds, clipped to the draw list's clip rectangle) instead of drawing it:
// Mesa's software renderer clears at memory speed but shades a filled triangle pixel by pixel.
// Corners are square then, and the rectangle lies under everything Dear ImGui draws. Smaller or
// translucent rectangles are drawn as usual. True if cleared.
bool fill_rect(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 colour, float rounding = 0);

// `text` cut to `width` pixels with "..." (never inside a UTF-8 sequence); the caller shows the
// whole of it in a tooltip.
std::string elided(const std::string& text, float width);

// What one eventpoll pane shows: the state, the state it is animated from, the step between them
// (nullptr before the first), and the pane's title.
struct PaneState {
  const sim::Snapshot& now;
  const sim::Snapshot& before;
  const sim::TraceStep* step;
  std::string title;
  std::string stopped = {};  // "stopped at line N: why" when the run stopped here or before
  // An ep_find or ep_rbtree_insert walk down rbr: the epitems compared so far in this call, the
  // current one last (drawn as the path from the root).
  std::vector<uint32_t> walk = {};
};
// One model's view, animated from `state.before` (t = 0..1 of the way). With `other` (compare
// mode: the other model at the same position), what differs is marked.
void draw_eventpoll_pane(const PaneState& state, const sim::Snapshot* other, float t, ImVec2 min,
                         ImVec2 max, PaneCache& cache, FrameReport::Pane& report);
// The same for a scenario's session at `steps` steps, animated from `prev_steps`; `stopped`
// (app::stop_note) says where and why its run stopped, once the position has reached that.
void draw_eventpoll_pane(const app::Session& s, std::size_t steps, std::size_t prev_steps,
                         const std::string& stopped, const sim::Snapshot* other, float t,
                         ImVec2 min, ImVec2 max, PaneCache& cache, FrameReport::Pane& report);
void draw_script_panel(const app::Controller& c, const UiState& ui, Commands& out,
                       FrameReport& report);
void draw_steps_panel(const app::Controller& c, Commands& out);
void draw_code_panel(const app::Controller& c, const UiState& ui, FrameReport& report);
void draw_events_panel(const app::Controller& c, UiState& ui, FrameReport& report);
// The tabs of the current call: "Kernel code", "Kernel functions", "events[]" (the user side).
void draw_call_panel(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report);
void draw_kernel_panel(const app::Controller& c, Commands& out, FrameReport& report);
void draw_timeline_panel(const app::Controller& c, Commands& out, FrameReport& report);
// A live trace (trace --gui, serve): its calls, the steps of the current call, the timeline with
// the status line.
void draw_calls_panel(const app::TraceController& c, Commands& out);
void draw_trace_steps_panel(const app::TraceController& c, Commands& out);
void draw_trace_timeline_panel(const app::TraceController& c, Commands& out);
void draw_browser(const app::Controller& c, UiState& ui, Commands& out);
// The lesson window (ui.lesson of the course in ui.lesson_dir): what you will see, what to watch,
// its scenarios (a click opens one), the summary, the previous and next lessons.
void draw_lesson(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report);
void draw_help(UiState& ui);
// Predict mode's window: the question at a question point, the reveal, the scores
// (panel_predict.cpp).
void draw_predict(const app::Controller& c, UiState& ui, Commands& out, FrameReport& report);

// The whole window for one frame: lays the panels out in the viewport and handles the keys.
void draw_frame(const app::Controller& c, UiState& ui, double now, Commands& out,
                FrameReport& report);
// The same for a live trace.
void draw_trace_frame(const app::TraceController& c, UiState& ui, double now, Commands& out,
                      FrameReport& report);

}  // namespace epollscope::ui
