// gui/ui/panels.h — the panels of the window, one file each. Every panel reads the Controller (its
// Sessions, snapshots and trace) and pushes Commands; none of them changes a model.
//
//   panel_eventpoll.cpp  the eventpoll view: struct eventpoll, rbr, rdllist/txlist/ovflist, files
//                        with their wait queues, buffers and poll masks, threads; animations
//   panel_script.cpp     the scenario text with the current line, and the narration
//   panel_steps.cpp      the kernel-function steps of the current call (click to go there)
//   panel_kernel.cpp     each call's result on the model and on the real kernel, ✓ or ✗
//   panel_timeline.cpp   step back/forward, play/pause, speed, scrubbing, first/last
//   panel_browser.cpp    the scenario library with titles
//   panel_help.cpp       the keys
#pragma once

#include <string>
#include <vector>

#include "gui/app/controller.h"
#include "gui/app/layout.h"
#include "imgui.h"

namespace epollscope::ui {

// What the window remembers between frames that is not the model's state.
struct UiState {
  bool show_help = false;
  bool show_browser = false;
  bool animate = true;  // false for screenshots: show each state at rest
  float animation_seconds = 0.45f;
  std::string scenario_dir = "scenarios";
  ImFont* mono = nullptr;         // for the script panel
  app::TreeLayoutCache trees[2];  // per pane
};

// Where things were drawn in the last frame (tests find objects in screenshots with it).
struct FrameReport {
  struct Pane {
    std::string label;
    ImVec2 min, max;
    int ready_nodes = 0;  // rdllist nodes drawn
    int tx_nodes = 0;
    int ovf_nodes = 0;
    int tree_nodes = 0;
    bool differences = false;  // compare mode: something differs from the other pane
  };
  std::vector<Pane> panes;
  bool error_shown = false;
};

using Commands = std::vector<app::Command>;

// One model's view at `steps` steps, animated from `prev_steps` (t = 0..1 of the way).
// With `other` (compare mode: the other model at the same position), what differs is marked.
void draw_eventpoll_pane(const app::Session& s, std::size_t steps, std::size_t prev_steps,
                         const sim::Snapshot* other, float t, ImVec2 min, ImVec2 max,
                         app::TreeLayoutCache& cache, FrameReport::Pane& report);
void draw_script_panel(const app::Controller& c, const UiState& ui, Commands& out);
void draw_steps_panel(const app::Controller& c, Commands& out);
void draw_kernel_panel(const app::Controller& c, Commands& out);
void draw_timeline_panel(const app::Controller& c, Commands& out);
void draw_browser(const app::Controller& c, UiState& ui, Commands& out);
void draw_help(UiState& ui);

// The whole window for one frame: lays the panels out in the viewport and handles the keys.
void draw_frame(const app::Controller& c, UiState& ui, double now, Commands& out,
                FrameReport& report);

}  // namespace epollscope::ui
