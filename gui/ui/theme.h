// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/theme.h — colours and sizes of the GUI, dark and light.
//
// A few colours are reserved for one kind of object each and used nowhere else, so that a test
// can find the drawn objects in a screenshot by their colour: the ready-list nodes, the txlist
// nodes, the ovflist nodes, and the red and black tree nodes.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "imgui.h"

namespace epollscope::ui {

struct Palette {
  ImU32 background;
  ImU32 panel;
  ImU32 text;
  ImU32 text_dim;
  ImU32 line;  // edges, arrows
  ImU32 box;   // struct boxes (eventpoll, files)
  ImU32 box_border;
  ImU32 rb_red;       // tree node, red (reserved)
  ImU32 rb_black;     // tree node, black (reserved)
  ImU32 ready;        // a node of rdllist (reserved)
  ImU32 tx;           // a node of a scan's txlist (reserved)
  ImU32 ovf;          // a node of ovflist (reserved)
  ImU32 highlight;    // outline of what the current step touched
  ImU32 queue_entry;  // an entry on a wait queue
  ImU32 task;         // a thread
  ImU32 task_sleeping;
  ImU32 slot_full;  // a used pipe slot / socket chunk
  ImU32 slot_empty;
  ImU32 ok;            // ✓
  ImU32 bad;           // ✗: an expectation that did not hold, a run that stopped, an error
  ImU32 current_line;  // the current statement in the script panel
  ImU32 errno_result;  // a call's -1 with an errno (orange, not the ready list's amber)
  ImU32 differs;       // ≠: the kernel answered otherwise, or compare mode's other model differs
};

enum class ThemeKind { kDark, kLight };

const Palette& palette();
const Palette& palette_of(ThemeKind kind);
ThemeKind theme();
void set_theme(ThemeKind kind);  // also sets ImGui's own style colours

// The reserved colours as RGB, for tests that look for them in screenshots.
struct Rgb {
  uint8_t r, g, b;
};
Rgb rgb_of(ImU32 c);

// WCAG's contrast ratio of two colours, 1 (the same) to 21 (black on white).
double contrast_ratio(ImU32 a, ImU32 b);
// Dear ImGui's style colours each theme sets over ImGui's own (the slider's track and grab).
std::vector<std::pair<ImGuiCol, ImU32>> widget_colours(ThemeKind kind);

}  // namespace epollscope::ui
