// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/audit.h — a check of the last rendered frame, for tests: text that its window cuts off
// with no way to read the rest.
//
// It reads what Dear ImGui asked the GPU to draw (ImGui::GetDrawData(), valid until the next
// frame begins): every glyph quad (found by its texture coordinates among the font atlas's glyphs)
// must lie inside its draw command's clip rectangle, or have been cut on the CPU (RenderTextClipped
// does that to titles and buttons) by less than a pixel. A glyph cut where its window scrolls in
// that direction (a scroll bar and something to scroll) is reachable and not reported. A window
// without a scroll bar must not hold more than it shows. elided() text is shortened, not cut, and
// shows the whole of it in a tooltip, so it is never reported.
#pragma once

#include <string>
#include <vector>

namespace epollscope::ui {

struct ClippedText {
  std::string window;  // the window (or child window) that drew it
  std::string text;    // the line of text it belongs to (spaces guessed from the gaps)
  std::string how;     // "cut at the right by 12 px", "content 40 px taller than the window ..."
};

// What the last rendered frame cut off (call after Window::frame).
std::vector<ClippedText> audit_clipped_text();

}  // namespace epollscope::ui
