// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_help.cpp — the keys, and what the colours and marks mean.
#include "gui/ui/panels.h"
#include "gui/ui/theme.h"

namespace epollscope::ui {

void draw_help(UiState& ui) {
  if (!ui.show_help) return;
  ImGui::SetNextWindowPos(
      ImVec2(ImGui::GetIO().DisplaySize.x * 0.5f, ImGui::GetIO().DisplaySize.y * 0.5f),
      ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  if (ImGui::Begin("Keys and colours (H to close)", &ui.show_help,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    const char* keys[][2] = {
        {"Space", "play / pause"},
        {"Right", "one step forward (the next kernel function)"},
        {"Left", "one step back (the state before it)"},
        {"Home / End", "the first / the last step"},
        {"Page Down / Up", "the next / previous statement"},
        {"C", "compare: off, ET beside LT, two kernel profiles"},
        {"B", "the scenario browser (the course first)"},
        {"L", "the lesson window (gui --lesson N, or a lesson in the browser)"},
        {"P", "Predict mode: predict each epoll_wait's answer before it is shown"},
        {"Ctrl+= / Ctrl+- / Ctrl+0", "text size larger / smaller / 100 % (View > Text size)"},
        {"T", "dark / light theme"},
        {"H or F1", "this help"},
        {"Wheel on a tree", "zoom the red-black tree around the pointer"},
        {"Drag a tree", "pan it; double-click: fit it to the pane again"},
        {"Wheel / Shift+wheel", "scroll the eventpoll view down / sideways"},
        {"Ctrl+wheel, + - 0 F", "zoom the view in / out / 100% / fit (or its toolbar)"},
        {"Middle or right drag", "pan the eventpoll view"},
        {"Drag a border", "resize the panes beside it; double-click: put it back"},
    };
    if (ImGui::BeginTable("keys", 2)) {
      for (const auto& k : keys) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[0]);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[1]);
      }
      ImGui::EndTable();
    }
    ImGui::Separator();
    ImGui::TextDisabled("Click a script line, a step or a row of the kernel column to go there.");
    ImGui::TextDisabled("Point at a tree node to see its epitem. Big trees fold what is smaller");
    ImGui::TextDisabled("than a few pixels; zoom in to see it. Every epitem and file has its");
    ImGui::TextDisabled("place in the view: scroll to it.");
    ImGui::Separator();
    // What each colour and mark means; each is drawn in its own colour.
    const Palette& p = palette();
    struct Legend {
      ImU32 colour;
      const char* mark;
      const char* meaning;
    };
    const Legend legend[] = {
        {p.ok, "\u2713", "the real kernel answered as the model (and as expected)"},
        {p.differs, "\u2260 magenta",
         "differs: the kernel answered otherwise, or in compare mode the other model"},
        {p.highlight, "\u21c4", "a race: the kernel took another outcome the line lists"},
        {p.bad, "\u2717 red text",
         "an expectation (=> ...) that did not hold: \"expected X, got Y\"; a stop"},
        {p.errno_result, "-1 EAGAIN", "an errno result (orange), not a success"},
        {p.rb_red, "red node", "a red node of the red-black tree rbr (only there)"},
        {p.ready, "amber node", "an epitem on the ready list rdllist"},
        {p.tx, "blue node", "an epitem on txlist, the list a harvest (ep_send_events) works on"},
        {p.ovf, "violet node", "an epitem on ovflist (woken during a harvest)"},
        {p.highlight, "yellow outline", "what the current step touched"},
        {p.line, "faint curve", "a link: an epitem to its rbr node and its place on rdllist"},
        {p.queue_entry, "faint curve", "its eppoll_entry on a file's wait queue to the epitem"},
        {p.task_sleeping, "faint curve", "eventpoll.wq to a thread asleep in epoll_wait"},
        {p.ovf, "faint curve", "nested epolls: the inner poll_wait to the outer epitem"},
        {p.highlight, "bright arrow", "the path the current step took along those links"},
        {p.highlight, "→ events[]", "a harvest copies this epitem's event to the user"},
        {p.text_dim, "1st 2nd ...", "under rbr: each node's rank in the kernel's key order"},
        {p.highlight, "1 \u2192 2 \u2192 3",
         "in rbr: the nodes an ep_find or insert walk compared so far"},
    };
    if (ImGui::BeginTable("legend", 2)) {
      for (const auto& l : legend) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(l.colour), "%s", l.mark);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(l.meaning);
      }
      ImGui::EndTable();
    }
    ImGui::TextDisabled("The kernel column shows the answers up to the current step; a later");
    ImGui::TextDisabled("line shows \u00b7 until the step reaches it. A compare pane whose run");
    ImGui::TextDisabled("stopped says \"stopped at line N: why\" and keeps its last state.");
    ImGui::TextDisabled("Below the script, Kernel code shows the source of the function the step");
    ImGui::TextDisabled("is in (its line highlighted, the call chain above it); events[] shows");
    ImGui::TextDisabled("what the latest epoll_wait handed the program. Compare mode shows both");
    ImGui::TextDisabled("models there. A step number counts the timeline's steps: in compare mode");
    ImGui::TextDisabled("a statement takes as many as the side with more, so the same number");
    ImGui::TextDisabled("can be a later step than in one model (screenshot --step too).");
    ImGui::Separator();
    ImGui::TextDisabled("rbr follows the kernel's order (struct file addresses), which changes");
    ImGui::TextDisabled("from run to run. For the same picture every time, record the kernel's");
    ImGui::TextDisabled("answers once: epollscope check FILE --save-kernel RUN.txt; then");
    ImGui::TextDisabled("epollscope gui FILE --kernel-from RUN.txt replays them.");
    ImGui::Separator();
    ImGui::TextDisabled("Following a live trace: End (or Live) follows the newest step, Page");
    ImGui::TextDisabled("Down / Up go to the next / previous call, a click on a call goes to it.");
  }
  ImGui::End();
}

}  // namespace epollscope::ui
