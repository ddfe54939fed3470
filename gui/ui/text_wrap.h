// SPDX-License-Identifier: GPL-2.0-only
// gui/ui/text_wrap.h — wrapped text in the window, broken where sim/text_wrap.h says: between
// words at spaces, and between two CJK characters (never before ，。）... nor after （“...), which
// Dear ImGui 1.86's own word wrap (ImFont::CalcWordWrapPositionA) does not do: it breaks at spaces,
// so a Chinese sentence left its line early or ran on. Every wrapped text of the window goes
// through these, in place of ImGui::TextWrapped and of a wrap width given to CalcTextSize or
// ImDrawList::AddText (draw wrap_for_width's lines instead). A word wider than the pane is cut
// between two characters, as Dear ImGui does, so that no line is wider than its wrap width.
#pragma once

#include <string>
#include <string_view>

#include "imgui.h"

namespace epollscope::ui {

// `text` laid out for `wrap_width` pixels in the current font: the lines joined by '\n', the
// spaces at each break dropped.
std::string wrap_for_width(std::string_view text, float wrap_width);
// The size of `text` wrapped at `wrap_width` in the current font (CalcTextSize's, rounded alike).
ImVec2 wrapped_text_size(std::string_view text, float wrap_width);
// ImGui::TextWrapped's place: wraps at the position PushTextWrapPos set, else at the window's
// right edge (from the cursor, after a SameLine too).
void text_wrapped(std::string_view text);
void text_wrappedf(const char* fmt, ...) IM_FMTARGS(1);
// ImGui::SetTooltip's place for a text that may be long (a poll of 1,000 fds, a why): its lines
// wrap at 40 em, or at 60 % of the window if that is narrower.
void tooltip(std::string_view text);

}  // namespace epollscope::ui
