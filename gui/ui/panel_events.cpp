// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/panel_events.cpp — the user's side: the `struct epoll_event events[maxevents]` array the
// latest epoll_wait (up to the position) filled (app/events_array.h). One wrapped line per slot:
// its index, mask and `data`, the script's name of the fd beside the kernel's name of its file;
// the slots the call did not fill are greyed. Before any epoll_wait, what the array is. In compare
// mode both sides are in one box, the call written once, and an entry that differs from the
// other side's is marked ≠.
#include <algorithm>
#include <string>

#include "gui/ui/panels.h"
#include "gui/ui/theme.h"
#include "sim/strings.h"

namespace epollscope::ui {
namespace {

ImVec4 colour(ImU32 c) {
  return ImGui::ColorConvertU32ToFloat4(c);
}

constexpr long kSlotsShown = 64;  // unused slots beyond this are counted, not drawn

bool same_entry(const app::EventsArray::Entry& a, const app::EventsArray::Entry& b) {
  return a.data == b.data && a.events == b.events;
}

// One model's array; in compare mode (`other`: the other model's) the call is written once, by
// the first side (`show_call`), and the untouched slots take one line.
void draw_side(const app::EventsArray& a, const app::EventsArray* other, bool show_call,
               const char* id) {
  using State = app::EventsArray::State;
  if (a.state == State::kNoneYet) {
    text_wrappedf(
        "%s",
        tr("events[] is the array a program hands to epoll_wait(ep, events, maxevents, timeout): "
           "the kernel copies one struct epoll_event {events, data} into it per ready item, at "
           "most maxevents, and returns how many. No epoll_wait has returned yet."));
    return;
  }
  // The call as written already says its thread ("t1: epoll_wait(...)").
  const std::string who =
      a.thread == "main" || a.call.rfind(a.thread + ":", 0) == 0 ? std::string() : a.thread + ": ";
  if (show_call) text_wrappedf(tr("line %d  %s%s"), a.line, who.c_str(), a.call.c_str());
  switch (a.state) {
    case State::kSleeping:
      text_wrappedf(tr("%s sleeps in it: the kernel fills events[] when it wakes."),
                    a.thread.c_str());
      return;
    case State::kError:
      ImGui::PushStyleColor(ImGuiCol_Text, colour(palette().errno_result));
      text_wrappedf(tr("returned %s: events[] is left as it was."), a.result.c_str());
      ImGui::PopStyleColor();
      return;
    default:
      break;
  }
  text_wrappedf(tr("returned %zu: events[0..%zu) filled%s"), a.entries.size(), a.entries.size(),
                a.maxevents > 0 ? trf(" of {} slots", a.maxevents).c_str() : "");
  if (other) {
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
      const app::EventsArray::Entry& e = a.entries[i];
      const bool differs = other->state == State::kFilled &&
                           (i >= other->entries.size() || !same_entry(e, other->entries[i]));
      ImGui::PushStyleColor(ImGuiCol_Text, colour(differs ? palette().differs : palette().text));
      text_wrappedf("%s", sim::cat(differs ? "\u2260 " : "", "events[", i, "] = { ", e.mask, ", ",
                                   e.data, " }  ", e.script_name.empty() ? "" : e.script_name,
                                   " \u2192 ", e.kernel_name)
                              .c_str());
      ImGui::PopStyleColor();
    }
    if (a.maxevents > static_cast<long>(a.entries.size()))
      ImGui::TextDisabled(tr("events[%zu..%ld) not written by this call"), a.entries.size(),
                          a.maxevents);
    return;
  }
  // One wrapped line per slot, in a box that scrolls: never cut, at any width.
  ImGui::BeginChild(id, ImVec2(0, 0), false);
  const long filled = static_cast<long>(a.entries.size());
  for (long i = 0; i < filled; ++i) {
    const app::EventsArray::Entry& e = a.entries[static_cast<std::size_t>(i)];
    const bool differs = other && other->state == State::kFilled &&
                         (static_cast<std::size_t>(i) >= other->entries.size() ||
                          !same_entry(e, other->entries[static_cast<std::size_t>(i)]));
    std::string name =
        e.script_name.empty() ? std::string("data ") + std::to_string(e.data) : e.script_name;
    const std::string line = sim::cat(
        differs ? "\u2260 " : "", "events[", i, "] = { .events = ", e.mask, ", .data = ", e.data,
        " }   ", name, e.kernel_name.empty() ? std::string() : " \u2192 " + e.kernel_name);
    ImGui::PushStyleColor(ImGuiCol_Text, colour(differs ? palette().differs : palette().text));
    text_wrapped(line);
    ImGui::PopStyleColor();
  }
  // The untouched slots, greyed (a long array: the first few, then how many more).
  const long unused = std::max(0L, a.maxevents - filled);
  const long drawn = std::min(unused, kSlotsShown);
  for (long i = filled; i < filled + drawn; ++i)
    ImGui::TextDisabled(tr("events[%ld]   (not written by this call)"), i);
  if (unused > drawn) ImGui::TextDisabled(tr("... and %ld more unused slots"), unused - drawn);
  ImGui::EndChild();
}

}  // namespace

void draw_events_panel(const app::Controller& c, UiState& ui, FrameReport& report) {
  const app::Session* left = c.left();
  if (!left || !left->ok()) return;
  const std::size_t answered = app::answered_statements(c.timeline(), c.tick());
  // Worked out again only when the position reaches another harvest.
  const app::EventsArray& la = ui.events[0].get(*left, c.generation(), answered);
  report.events_entries = static_cast<int>(la.entries.size());
  const app::Session* right = c.right() && c.right()->ok() ? c.right() : nullptr;
  const app::EventsArray none;
  const app::EventsArray& ra = right ? ui.events[1].get(*right, c.generation(), answered) : none;
  if (!right || (la.state == app::EventsArray::State::kNoneYet &&
                 ra.state == app::EventsArray::State::kNoneYet)) {
    draw_side(la, nullptr, true, "events-array");
    return;
  }
  // Both sides in one box: the call once, then each side's answer and entries.
  ImGui::BeginChild("events-both", ImVec2(0, 0), false);
  ImGui::TextColored(colour(palette().text_dim), "%s", label_text(left->label()).c_str());
  draw_side(la, &ra, true, "events-array-left");
  ImGui::Separator();
  ImGui::TextColored(colour(palette().text_dim), "%s", label_text(right->label()).c_str());
  draw_side(ra, &la, la.state == app::EventsArray::State::kNoneYet || ra.line != la.line,
            "events-array-right");
  ImGui::EndChild();
}

}  // namespace epollscope::ui
