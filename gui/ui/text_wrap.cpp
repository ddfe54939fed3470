// SPDX-License-Identifier: GPL-2.0-only
#include "gui/ui/text_wrap.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "imgui_internal.h"
#include "sim/text_wrap.h"

namespace epollscope::ui {

std::string wrap_for_width(std::string_view text, float wrap_width) {
  const ImFont* font = ImGui::GetFont();
  const float scale = ImGui::GetFontSize() / font->FontSize;
  // The advances Dear ImGui lays a line out with (ImFont::CalcTextSizeA): no kerning.
  const auto advance = [font, scale](unsigned cp) {
    return (cp <= IM_UNICODE_CODEPOINT_MAX ? font->GetCharAdvance(static_cast<ImWchar>(cp))
                                           : font->FallbackAdvanceX) *
           scale;
  };
  std::string out;
  out.reserve(text.size() + 8);
  const auto lines = sim::wrap_lines(text, wrap_width, advance, sim::LongWords::kCut);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out.append(text.substr(lines[i].begin, lines[i].end - lines[i].begin));
  }
  return out;
}

ImVec2 wrapped_text_size(std::string_view text, float wrap_width) {
  const std::string lines = wrap_for_width(text, wrap_width);
  return ImGui::CalcTextSize(lines.data(), lines.data() + lines.size());
}

void text_wrapped(std::string_view text) {
  const ImGuiWindow* window = ImGui::GetCurrentWindowRead();
  // As ImGui::TextWrapped: the wrap position pushed, else (0) the window's right edge.
  const float wrap_pos = std::max(window->DC.TextWrapPos, 0.0f);
  const float wrap_width = ImGui::CalcWrapWidthForPos(window->DC.CursorPos, wrap_pos);
  const std::string lines = wrap_for_width(text, wrap_width);
  ImGui::PushTextWrapPos(-1.0f);  // laid out already: Dear ImGui must not wrap it again
  ImGui::TextUnformatted(lines.data(), lines.data() + lines.size());
  ImGui::PopTextWrapPos();
}

void text_wrappedf(const char* fmt, ...) {
  va_list args, again;
  va_start(args, fmt);
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  std::string text(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(text.data(), text.size() + 1, fmt, again);
  va_end(again);
  text_wrapped(text);
}

void tooltip(std::string_view text) {
  const float width =
      std::min(ImGui::GetFontSize() * 40.f, ImGui::GetMainViewport()->WorkSize.x * 0.6f);
  const std::string lines = wrap_for_width(text, width);
  ImGui::BeginTooltip();
  ImGui::TextUnformatted(lines.data(), lines.data() + lines.size());
  ImGui::EndTooltip();
}

}  // namespace epollscope::ui
