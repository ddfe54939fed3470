// SPDX-License-Identifier: GPL-2.0-only
#include "gui/ui/audit.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <unordered_map>
#include <utility>

#include "imgui.h"
#include "imgui_internal.h"

namespace epollscope::ui {
namespace {

constexpr float kTolerance = 1.0f;  // pixels a glyph's box may pass its clip (antialiasing margin)

uint64_t uv_key(ImVec2 uv) {
  uint32_t a, b;
  std::memcpy(&a, &uv.x, sizeof a);
  std::memcpy(&b, &uv.y, sizeof b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

void append_utf8(std::string& out, unsigned c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// The glyphs of every font in the atlas, found by their texture coordinates.
struct Glyphs {
  std::unordered_map<uint64_t, std::pair<const ImFontGlyph*, const ImFont*>> by_corner;
  std::vector<std::pair<const ImFontGlyph*, const ImFont*>> all;
  Glyphs() {
    for (const ImFont* f : ImGui::GetIO().Fonts->Fonts)
      for (const ImFontGlyph& g : f->Glyphs)
        if (g.Visible) {
          by_corner[uv_key(ImVec2(g.U0, g.V0))] = {&g, f};
          all.push_back({&g, f});
        }
  }
  // The glyph whose texture box holds [a, b] (a glyph cut on the CPU holds part of its box).
  std::pair<const ImFontGlyph*, const ImFont*> holding(ImVec2 a, ImVec2 b) const {
    const float lo_u = std::min(a.x, b.x), hi_u = std::max(a.x, b.x);
    const float lo_v = std::min(a.y, b.y), hi_v = std::max(a.y, b.y);
    for (const auto& g : all)
      if (lo_u >= g.first->U0 && hi_u <= g.first->U1 && lo_v >= g.first->V0 && hi_v <= g.first->V1)
        return g;
    return {nullptr, nullptr};
  }
};

// One line of glyphs being read, and whether any of them was cut.
struct Run {
  std::string text;
  float pen_y = 0;
  float last_x = -1e30f;
  float space = 4;
  std::string how;  // the first cut found in it, empty when none
};

std::string cut_text(const char* side, float by) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "cut at the %s by %.0f px", side, static_cast<double>(by));
  return buf;
}

}  // namespace

std::vector<ClippedText> audit_clipped_text() {
  std::vector<ClippedText> out;
  const ImDrawData* dd = ImGui::GetDrawData();
  if (!dd || !GImGui) return out;
  const Glyphs glyphs;
  const ImTextureID atlas = ImGui::GetIO().Fonts->TexID;
  std::set<std::pair<std::string, std::string>> seen;
  auto report = [&](const std::string& window, const Run& run) {
    if (run.how.empty() || !seen.insert({window, run.text}).second) return;
    out.push_back({window, run.text, run.how});
  };

  for (int l = 0; l < dd->CmdListsCount; ++l) {
    const ImDrawList* list = dd->CmdLists[l];
    const std::string owner = list->_OwnerName ? list->_OwnerName : "";
    const ImGuiWindow* window =
        list->_OwnerName ? ImGui::FindWindowByName(list->_OwnerName) : nullptr;
    if (window && (window->Flags & ImGuiWindowFlags_Tooltip)) continue;
    // Where the window lets the user scroll to what it cuts.
    const bool scrolls_x = window && window->ScrollbarX && window->ScrollMax.x > 0;
    const bool scrolls_y = window && window->ScrollbarY && window->ScrollMax.y > 0;
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      if (cmd.UserCallback || cmd.TextureId != atlas || cmd.ElemCount < 6) continue;
      const ImDrawIdx* idx = list->IdxBuffer.Data + cmd.IdxOffset;
      const ImDrawVert* vtx = list->VtxBuffer.Data + cmd.VtxOffset;
      const ImVec4 clip = cmd.ClipRect;
      Run run;
      for (unsigned i = 0; i + 3 <= cmd.ElemCount;) {
        const ImDrawIdx a = idx[i];
        const bool quad = i + 6 <= cmd.ElemCount && idx[i + 1] == a + 1 && idx[i + 2] == a + 2 &&
                          idx[i + 3] == a && idx[i + 4] == a + 2 && idx[i + 5] == a + 3;
        if (!quad) {
          i += 3;
          continue;
        }
        i += 6;
        const ImDrawVert& v0 = vtx[a];
        const ImDrawVert& v2 = vtx[a + 2];
        if (v0.uv.x == v2.uv.x || v0.uv.y == v2.uv.y) continue;  // the white pixel: a shape
        const auto found = glyphs.by_corner.find(uv_key(v0.uv));
        std::pair<const ImFontGlyph*, const ImFont*> g{nullptr, nullptr};
        bool whole = false;
        if (found != glyphs.by_corner.end() && found->second.first->U1 == v2.uv.x &&
            found->second.first->V1 == v2.uv.y) {
          g = found->second;
          whole = true;
        } else {
          g = glyphs.holding(v0.uv, v2.uv);
        }
        if (!g.first) continue;  // a baked line or an image in the atlas, not text
        const float pen_y = whole ? v0.pos.y - g.first->Y0 : run.pen_y;
        const float x0 = v0.pos.x, x1 = v2.pos.x;
        const float font = g.second->FontSize;
        if (!run.text.empty() &&
            (std::abs(pen_y - run.pen_y) > font * 0.3f || x0 < run.last_x - font * 0.3f)) {
          report(owner, run);
          run = Run{};
        }
        if (!run.text.empty() && x0 - run.last_x > font * 0.2f) run.text += ' ';
        run.pen_y = pen_y;
        run.last_x = x1;
        append_utf8(run.text, g.first->Codepoint);
        if (!run.how.empty()) continue;
        if (!whole) {
          // Cut on the CPU: how much of the glyph's box is missing.
          const float du = (g.first->U1 - g.first->U0), dv = (g.first->V1 - g.first->V0);
          const float missing_x =
              (1 - std::abs(v2.uv.x - v0.uv.x) / du) * (g.first->X1 - g.first->X0);
          const float missing_y =
              (1 - std::abs(v2.uv.y - v0.uv.y) / dv) * (g.first->Y1 - g.first->Y0);
          if (missing_x > kTolerance && !scrolls_x)
            run.how = cut_text(v0.pos.x <= clip.x + 0.5f ? "left" : "right", missing_x);
          else if (missing_y > kTolerance && !scrolls_y)
            run.how = cut_text(v0.pos.y <= clip.y + 0.5f ? "top" : "bottom", missing_y);
          continue;
        }
        if (!scrolls_x) {
          if (clip.x - v0.pos.x > kTolerance) run.how = cut_text("left", clip.x - v0.pos.x);
          if (v2.pos.x - clip.z > kTolerance) run.how = cut_text("right", v2.pos.x - clip.z);
        }
        if (!scrolls_y && run.how.empty()) {
          if (clip.y - v0.pos.y > kTolerance) run.how = cut_text("top", clip.y - v0.pos.y);
          if (v2.pos.y - clip.w > kTolerance) run.how = cut_text("bottom", v2.pos.y - clip.w);
        }
      }
      report(owner, run);
    }
  }

  // A window without a scroll bar that holds more than it shows. (Only where it holds something:
  // a window with a menu bar and nothing under it, the main menu bar, has no room and nothing to
  // scroll, though Dear ImGui gives it a ScrollMax.)
  for (const ImGuiWindow* w : GImGui->Windows) {
    if (!w->Active || w->Hidden || (w->Flags & (ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup)))
      continue;
    char buf[160];
    if ((w->Flags & ImGuiWindowFlags_NoScrollbar) && w->ContentSize.y > 0 &&
        w->ScrollMax.y > kTolerance) {
      std::snprintf(buf, sizeof buf,
                    "content %.0f px taller than the window, which has no scroll bar",
                    static_cast<double>(w->ScrollMax.y));
      out.push_back({w->Name, "", buf});
    }
    if ((w->Flags & ImGuiWindowFlags_NoScrollbar) && w->ContentSize.x > 0 &&
        w->ScrollMax.x > kTolerance) {
      std::snprintf(buf, sizeof buf,
                    "content %.0f px wider than the window, which has no scroll bar",
                    static_cast<double>(w->ScrollMax.x));
      out.push_back({w->Name, "", buf});
    }
  }
  return out;
}

}  // namespace epollscope::ui
