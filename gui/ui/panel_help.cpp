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
  if (ImGui::Begin((std::string(tr("Keys and colours (H to close)")) + "###help").c_str(),
                   &ui.show_help,
                   ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    const char* keys[][2] = {
        {"Space", tr("play / pause")},
        {"Right", tr("one step forward (the next kernel function)")},
        {"Left", tr("one step back (the state before it)")},
        {tr("Home / End"), tr("the first / the last step")},
        {tr("Page Down / Up"), tr("the next / previous statement")},
        {"C", tr("compare: off, ET beside LT, two kernel profiles")},
        {"B", tr("the scenario browser (the course first)")},
        {"L", tr("the lesson window (gui --lesson N, or a lesson in the browser)")},
        {"P", tr("Predict mode: predict each epoll_wait's answer before it is shown")},
        {"Ctrl+= / Ctrl+- / Ctrl+0", tr("text size larger / smaller / 100 % (View > Text size)")},
        {"T", tr("dark / light theme")},
        {tr("H or F1"), tr("this help")},
        {tr("Wheel on a tree"), tr("zoom the red-black tree around the pointer")},
        {tr("Drag a tree"), tr("pan it; double-click: fit it to the pane again")},
        {tr("Wheel / Shift+wheel"), tr("scroll the eventpoll view down / sideways")},
        {"Ctrl+wheel, + - 0 F", tr("zoom the view in / out / 100% / fit (or its toolbar)")},
        {tr("Middle or right drag"), tr("pan the eventpoll view")},
        {tr("Drag a border"), tr("resize the panes beside it; double-click: put it back")},
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
    ImGui::TextDisabled(
        "%s", tr("Click a script line, a step or a row of the kernel column to go there.\n"
                 "Point at a tree node to see its epitem. Big trees fold what is smaller\n"
                 "than a few pixels; zoom in to see it. Every epitem and file has its\n"
                 "place in the view: scroll to it."));
    ImGui::Separator();
    // What each colour and mark means; each is drawn in its own colour.
    const Palette& p = palette();
    struct Legend {
      ImU32 colour;
      const char* mark;
      const char* meaning;
    };
    const Legend legend[] = {
        {p.ok, "\u2713", tr("the real kernel answered as the model (and as expected)")},
        {p.differs, tr("\u2260 magenta"),
         tr("differs: the kernel answered otherwise, or in compare mode the other model")},
        {p.highlight, "\u21c4", tr("a race: the kernel took another outcome the line lists")},
        {p.bad, tr("\u2717 red text"),
         tr("an expectation (=> ...) that did not hold: \"expected X, got Y\"; a stop")},
        {p.errno_result, "-1 EAGAIN", tr("an errno result (orange), not a success")},
        {p.rb_red, tr("red node"), tr("a red node of the red-black tree rbr (only there)")},
        {p.ready, tr("amber node"), tr("an epitem on the ready list rdllist")},
        {p.tx, tr("blue node"),
         tr("an epitem on txlist, the list a harvest (ep_send_events) works on")},
        {p.ovf, tr("violet node"), tr("an epitem on ovflist (woken during a harvest)")},
        {p.highlight, tr("yellow outline"), tr("what the current step touched")},
        {p.line, tr("faint curve"),
         tr("a link: an epitem to its rbr node and its place on rdllist")},
        {p.queue_entry, tr("faint curve"),
         tr("its eppoll_entry on a file's wait queue to the epitem")},
        {p.task_sleeping, tr("faint curve"), tr("eventpoll.wq to a thread asleep in epoll_wait")},
        {p.ovf, tr("faint curve"), tr("nested epolls: the inner poll_wait to the outer epitem")},
        {p.highlight, tr("bright arrow"), tr("the path the current step took along those links")},
        {p.highlight, "→ events[]", tr("a harvest copies this epitem's event to the user")},
        {p.text_dim, "1st 2nd ...", tr("under rbr: each node's rank in the kernel's key order")},
        {p.highlight, "1 \u2192 2 \u2192 3",
         tr("in rbr: the nodes an ep_find or insert walk compared so far")},
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
    ImGui::TextDisabled(
        "%s", tr("The kernel column shows the answers up to the current step; a later\n"
                 "line shows \u00b7 until the step reaches it. A compare pane whose run\n"
                 "stopped says \"stopped at line N: why\" and keeps its last state.\n"
                 "Below the script, Kernel code shows the source of the function the step\n"
                 "is in (its line highlighted, the call chain above it); events[] shows\n"
                 "what the latest epoll_wait handed the program. Compare mode shows both\n"
                 "models there. A step number counts the timeline's steps: in compare mode\n"
                 "a statement takes as many as the side with more, so the same number\n"
                 "can be a later step than in one model (screenshot --step too)."));
    ImGui::Separator();
    ImGui::TextDisabled("%s",
                        tr("rbr follows the kernel's order (struct file addresses), which changes\n"
                           "from run to run. For the same picture every time, record the kernel's\n"
                           "answers once: epollscope check FILE --save-kernel RUN.txt; then\n"
                           "epollscope gui FILE --kernel-from RUN.txt replays them."));
    ImGui::Separator();
    ImGui::TextDisabled(
        "%s", tr("Following a live trace: End (or Live) follows the newest step, Page\n"
                 "Down / Up go to the next / previous call, a click on a call goes to it."));
  }
  ImGui::End();
}

}  // namespace epollscope::ui
